"""Every use of a private singer-sdk member, each with its reason (singer-sdk ~0.54).

The tap's streams subclass `SdkStream` and call the public-named methods below; no other
module names a `_private` member of a singer-sdk class (a test checks this). When upgrading
singer-sdk, check this file against the SDK's `Stream.sync`, `Stream._sync_records`,
`Tap.sync_all` and `Tap.load_streams`.
"""

from __future__ import annotations

from collections.abc import Sequence

from singer_sdk import Stream
from singer_sdk.helpers.types import Context, Record


class SdkStream(Stream):
    """A singer-sdk stream that writes its own SCHEMA, STATE and ACTIVATE_VERSION messages.

    The tap's streams decide when state is checkpointed (per page or window, once the
    association reads of the page are written) and when a full read's version is complete;
    the SDK has no public hook for either, so they go through the private writers here.
    """

    def _increment_stream_state(
        self, latest_record: Record, *, context: Context | None = None
    ) -> None:
        # Reason: the SDK advances the bookmark after every record; this tap's bookmark only
        # moves at the end of a window or full read emitted completely (sync_state.py).
        return None

    @property
    def table_version(self) -> int | None:
        """The full read's version number, carried by every RECORD message of the stream."""
        # Reason: RECORD messages take their `version` from `_stream_version`; the SDK sets
        # it only in `sync()` and only together with an opening ACTIVATE_VERSION.
        return self._stream_version

    @table_version.setter
    def table_version(self, version: int | None) -> None:
        self._stream_version = version

    def write_activate_version(self, version: int) -> None:
        """Send ACTIVATE_VERSION now (the SDK only sends one when a stream starts)."""
        # Reason: a version is announced after the read's last record (versions.py).
        self._write_activate_version_message(version)

    def write_schema(self) -> None:
        """Send this stream's SCHEMA message now."""
        # Reason: driven streams (never synced by the SDK) announce themselves when their
        # first record is written during another stream's read.
        self._write_schema_message()

    def write_record(self, record: Record) -> None:
        """Send one RECORD message now, outside this stream's own `get_records`."""
        # Reason: association, marker and merge records are written while an object stream
        # is read; the SDK offers no public way to write a record for another stream.
        self._write_record_message(record)

    def write_state_now(self) -> None:
        """Emit a STATE message now (records before it have already been written)."""
        # Reason: the SDK writes STATE at its own points (per record batch, at the end); a
        # checkpoint must follow each page whose association reads are written.
        self.state_manager.is_flushed = False
        self._write_state_message()


def drive(child: Stream, *, by: Sequence[Stream] = ()) -> None:
    """Hook a stream whose records are written while other streams are read into the SDK:
    the tap's one way, called by `streams.attach` for the streams a read hook writes
    (association and history streams driven by their object stream; markers, merges and
    parity by no stream of their own) and by the reference companions.

    The SDK needs two things, and this sets exactly those:
    (a) never syncing `child` on its own: `Tap.sync_all` (and the `--test` dry run) skips
        every stream whose `parent_stream_type` is set. It is set on the child *instance*:
        `Tap.load_streams` links parents and children only by the *class* attribute (every
        instance of the parent class would get every child), so it adds no link here;
    (b) running each stream of `by` when only `child` is selected: `has_selected_descendents`
        looks at `child_streams`, which also makes the SDK finalize the child's state after
        the parent's sync. The parents' `generate_child_contexts` return nothing, so the SDK
        never syncs the child per record; its records come from the parents' read hooks.
    A stream driven by no stream (`by` empty) is written only alongside others (markers,
    merges, object_counts, object_ids).
    """
    # Reason: see (a); sync_all tests the instance's `parent_stream_type` for truth only.
    child.parent_stream_type = SdkStream
    for parent in by:
        if child not in parent.child_streams:
            parent.child_streams.append(child)
