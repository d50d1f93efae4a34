"""Every use of a private singer-sdk member, each with its reason (singer-sdk ~0.54).

The rest of the package subclasses these classes and calls the public-named methods below;
no other module names a ``_private`` member of a singer-sdk class. When upgrading singer-sdk,
check this file against the SDK's ``Target``, ``Sink`` and ``GenericSingerReader``.
"""

from __future__ import annotations

import typing as t

from singer_sdk.io_base import GenericSingerReader
from singer_sdk.sql import SQLSink, SQLTarget
from singer_sdk.target_base import Target

if t.TYPE_CHECKING:
    from collections.abc import Iterable
    from types import FrameType

    from singer_sdk.sinks import Sink


class TargetHooks(SQLTarget):
    """The SDK's private message handlers, routed to public-named methods of the target.

    The SDK dispatches each Singer message to a private ``_process_*_message`` method and
    has no public hook for any of them; the target needs all of them (its fast record path,
    committing a retired sink before a new schema's records, its own ACTIVATE_VERSION
    protocol, STATE gating, abort on signals).
    """

    # --- message handlers (no public hook in the SDK) -------------------------------------

    def _process_record_message(self, message_dict: dict) -> None:
        # Reason: the fast path buffers records without the SDK's per-record copy/validate.
        self.route_record(message_dict)

    def sdk_process_record(self, message_dict: dict) -> None:
        """The SDK's general record path (stream maps, flattening)."""
        super()._process_record_message(message_dict)

    def _process_schema_message(self, message_dict: dict) -> None:
        # Reason: connect first, and commit a retired sink's rows before the new schema's.
        self.route_schema(message_dict)

    def sdk_process_schema(self, message_dict: dict) -> None:
        """The SDK's schema handling (creates or replaces the stream's sink)."""
        super()._process_schema_message(message_dict)

    def _process_activate_version_message(self, message_dict: dict) -> None:
        # Reason: the SDK's handler calls Sink.activate_version at once; our protocol decides
        # by the message's place (before or after the records), see ``reconciliation``.
        self.assert_line_requires(message_dict, requires={"stream", "version"})
        self.route_activate_version(message_dict)

    def _process_state_message(self, message_dict: dict) -> None:
        # Reason: emit a STATE at once when nothing is buffered (the SDK waits for a drain).
        super()._process_state_message(message_dict)
        self.after_state_message()

    def _write_state_message(self, state: dict) -> None:
        # Reason: STATE only after every batch before it is committed, never in a dry run.
        if self.may_write_state(state):
            try:
                super()._write_state_message(state)
            finally:
                self.after_state_written()

    def write_state(self, state: dict) -> None:
        """Emit a STATE now, through the gate above."""
        self._write_state_message(state)

    def _drain_all(self, sink_list: Iterable[Sink], parallelism: int) -> None:
        # Reason: a full drain must also wait for the writer thread and flush orphan rejects.
        super()._drain_all(sink_list, parallelism)
        self.after_full_drain()

    def _handle_termination(self, signum: int, frame: FrameType | None) -> None:
        # Reason: the SDK drains (commits) on SIGTERM; we abort and roll back (meltano/sdk#3775).
        self.on_termination(signum)

    # --- private state read or kept in step --------------------------------------------------

    def assert_line_requires(self, message_dict: dict, requires: set[str]) -> None:
        """The SDK's check that a message has the given keys."""
        self._assert_line_requires(message_dict, requires=requires)

    def check_max_record_age(self) -> None:
        """Drain when the oldest buffered record is too old (the SDK's 5-minute rule); the fast
        path must call it itself since it bypasses the SDK's record handler."""
        self._handle_max_record_age()

    @property
    def active_sinks(self) -> dict[str, Sink]:
        """Current sink per stream (no public accessor in the SDK)."""
        return self._sinks_active

    @property
    def retired_sinks(self) -> list[Sink]:
        """Sinks replaced by a schema change, waiting for their final drain."""
        return self._sinks_to_clear

    @property
    def latest_state(self) -> dict | None:
        """The last STATE received and not yet emitted."""
        return self._latest_state

    @classmethod
    def append_builtin_config(cls, config_jsonschema: dict) -> None:
        """Only add the built-ins we honour (stream maps, flattening), not SQLTarget's.

        Reason: skips ``SQLTarget.append_builtin_config`` (its settings, e.g.
        ``add_record_metadata``, are not implemented here) by calling ``Target``'s.
        """
        super(Target, cls).append_builtin_config(config_jsonschema)

    # --- implemented by the target -----------------------------------------------------------

    def route_record(self, message_dict: dict) -> None:
        """Handle a RECORD message."""
        raise NotImplementedError

    def route_schema(self, message_dict: dict) -> None:
        """Handle a SCHEMA message."""
        raise NotImplementedError

    def route_activate_version(self, message_dict: dict) -> None:
        """Handle an ACTIVATE_VERSION message."""
        raise NotImplementedError

    def after_state_message(self) -> None:
        """Called after a STATE message is stored."""

    def may_write_state(self, state: dict) -> bool:
        """Whether ``state`` may be written now."""
        return True

    def after_state_written(self) -> None:
        """Called after a STATE line is written."""

    def after_full_drain(self) -> None:
        """Called after every sink of a list is drained."""

    def on_termination(self, signum: int) -> None:
        """Handle SIGTERM / SIGINT."""
        raise SystemExit(128 + signum)


class SinkHooks(SQLSink):
    """The sink's private members used by the fast record path."""

    def _validate_and_parse(self, record: dict) -> dict:
        # Reason: the SDK's general record path validates with jsonschema and parses
        # timestamps; our intake validates more cheaply and keeps ISO strings for COPY.
        return record

    def _singer_validate_message(self, record: dict) -> None:
        # Reason: the key check is part of our intake (it names stream, key and field).
        pass

    # The batch size the SDK drains by is the public ``current_size`` property, overridden
    # by the sink (its intake counts); it replaced direct ``_batch_records_read`` increments.


class ReaderHooks(GenericSingerReader[str]):
    """The message reader's private members."""

    def remember_line(self, line: str | bytes) -> None:
        """Keep the line being processed, for the SDK's error messages (private attribute)."""
        self._current_message = line  # type: ignore[assignment]

    def process_unknown(self, message_dict: dict) -> None:
        """A message of a type with no callback (the SDK's private handler, below)."""
        self._process_unknown_message(message_dict)

    def _process_unknown_message(self, message_dict: dict) -> None:
        # Reason: lines that are not JSON are handed to ``on_unknown`` (reject mode) instead
        # of the SDK's error for unknown message types.
        if not self.on_unknown(message_dict):
            super()._process_unknown_message(message_dict)

    def on_unknown(self, message_dict: dict) -> bool:
        """Handle a message of unknown type; False: let the SDK fail the run."""
        return False
