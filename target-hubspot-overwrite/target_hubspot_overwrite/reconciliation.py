"""Full-refresh and association-marker reconciliation, as one explicit per-stream machine.

The tap-target contract (``docs/DESIGN.md``, section "Tap-target contract"; a test compares
that table with the constants here):

* **ACTIVATE_VERSION after a stream's records** closes a full read: rows not delivered in this
  run are flagged ``_sdc_deleted_at`` (deleted under ``hard_delete``), in the transaction of
  the stream's last batch. ``tap-hubspot-assoc`` sends only this one.
* **ACTIVATE_VERSION sent twice** in a row with the same version and no record between closes
  an *empty* read: the table is emptied the same way.
* **ACTIVATE_VERSION before any record** (singer-sdk taps) opens a version: reconciled at end
  of input, unless the run has shown closing messages (then the stream did not complete, and
  nothing is removed).
* **Association markers** (stream ``association_parent_syncs``, key ``association_stream``,
  ``from_object_id``) close one parent's set in one direction: that parent's other rows of
  ``association_stream`` are flagged (deleted under ``hard_delete``), and with
  ``reverse_stream`` also the reverse rows pointing at the parent whose link is gone.
* **Stream kinds** (:class:`StreamKind`, named by stream and key): reference streams
  (``owners``, ``pipelines``, ``properties``, ``lists``, ...) are reconciled like full reads but
  their vanished rows are flagged even under ``hard_delete``; ``list_memberships`` follows
  ``hard_delete``; ``{type}_property_history`` is insert-only and never reconciled (its
  ACTIVATE_VERSION is ignored with a WARNING).

States of a stream (:class:`RefreshState`) and what moves them::

    IDLE   --ACTIVATE_VERSION v, no record since the last one------------> OPENED(v)
    IDLE   --ACTIVATE_VERSION v after records----------------------------> CLOSED(v)
    OPENED --ACTIVATE_VERSION v again, no record between (empty read)----> CLOSED(v)
    OPENED --ACTIVATE_VERSION after records------------------------------> CLOSED(v)
    OPENED --end of input, no closing message in the run-----------------> AT_END(v)
    OPENED --end of input, the run had closing messages (WARNING)--------> IDLE
    CLOSED / AT_END --reconciled in a batch transaction------------------> IDLE
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

# --- the contract ---------------------------------------------------------------------------

MARKER_STREAM = "association_parent_syncs"
ASSOCIATION_STREAM_PATTERN = "{from}_to_{to}_associations"


class MarkerField(enum.StrEnum):
    """Fields of an ``association_parent_syncs`` record."""

    ASSOCIATION_STREAM = "association_stream"
    FROM_OBJECT_TYPE = "from_object_type"
    TO_OBJECT_TYPE = "to_object_type"
    FROM_OBJECT_ID = "from_object_id"
    ASSOCIATION_COUNT = "association_count"
    SYNCED_AT = "synced_at"
    REVERSE_STREAM = "reverse_stream"


MARKER_KEY = (MarkerField.ASSOCIATION_STREAM, MarkerField.FROM_OBJECT_ID)
ASSOCIATION_KEY = ("from_object_id", "to_object_id", "association_type_id")


# Reference data and property history (DESIGN.md, "Reference data and property history").
REFERENCE_KEYS: dict[str, tuple[str, ...]] = {
    "owners": ("owner_id",),
    "owner_teams": ("owner_id", "team_id"),
    "pipelines": ("object_type", "pipeline_id"),
    "pipeline_stages": ("object_type", "pipeline_id", "stage_id"),
    "properties": ("object_type", "property_name"),
    "property_options": ("object_type", "property_name", "option_value"),
    "lists": ("list_id",),
}
MEMBERSHIP_STREAM = "list_memberships"
MEMBERSHIP_KEY = ("list_id", "record_id")
HISTORY_STREAM_PATTERN = "{type}_property_history"
HISTORY_KEY = ("object_id", "property_name", "changed_at", "same_time_seq")
_HISTORY_SUFFIX = HISTORY_STREAM_PATTERN.removeprefix("{type}")


class StreamKind(enum.Enum):
    """What a stream is to the target; its rules are the properties below (one place)."""

    OBJECT = "object types and every other keyed stream: full reads reconcile, hard_delete honoured"
    ASSOCIATION = "{from}_to_{to}_associations: also replaced per parent by markers"
    MARKER = "association_parent_syncs: closes one parent's association set"
    REFERENCE = "owners, pipelines, properties, lists...: vanished rows flagged, never deleted"
    MEMBERSHIP = "list_memberships: vanished members flagged, or deleted under hard_delete"
    HISTORY = "{type}_property_history: insert-only, never reconciled, flagged with merges"

    @property
    def insert_only(self) -> bool:
        """A row whose key is already stored is never rewritten (upsert and overwrite)."""
        return self is StreamKind.HISTORY

    @property
    def reconciled(self) -> bool:
        """ACTIVATE_VERSION closes a full read (else: ignored with a WARNING)."""
        return self is not StreamKind.HISTORY

    @property
    def always_flags(self) -> bool:
        """Removed rows are flagged ``_sdc_deleted_at`` even under ``hard_delete``."""
        return self in (StreamKind.REFERENCE, StreamKind.HISTORY)


def stream_kind(name: str, keys: Sequence[str]) -> tuple[StreamKind, str | None]:
    """The kind of stream ``name`` with key ``keys``, and a warning when its name claims a
    kind its key does not have (then it is loaded as an ordinary stream)."""
    claimed, expected = _claimed_kind(name)
    if claimed is None:
        return StreamKind.OBJECT, None
    if expected is not None and tuple(keys) != expected:
        return StreamKind.OBJECT, (
            f"Stream '{name}' is named like a {claimed.name.lower()} stream but its key is "
            f"{list(keys)}, not {list(expected)}: loaded as an ordinary stream"
        )
    return claimed, None


def _claimed_kind(name: str) -> tuple[StreamKind | None, tuple[str, ...] | None]:
    if name == MARKER_STREAM:
        return StreamKind.MARKER, None
    if name in REFERENCE_KEYS:
        return StreamKind.REFERENCE, REFERENCE_KEYS[name]
    if name == MEMBERSHIP_STREAM:
        return StreamKind.MEMBERSHIP, MEMBERSHIP_KEY
    if name.endswith(_HISTORY_SUFFIX) and len(name) > len(_HISTORY_SUFFIX):
        return StreamKind.HISTORY, HISTORY_KEY
    if name.endswith("_associations") and "_to_" in name:
        return StreamKind.ASSOCIATION, None
    return None, None


def history_stream(object_type: str) -> str:
    """The property history stream of an object type (its stream name)."""
    return HISTORY_STREAM_PATTERN.format(type=object_type)


class VersionMessage(enum.Enum):
    """What an ACTIVATE_VERSION means by its place in the stream."""

    CLOSING = "after the stream's records: the version is complete, reconcile now"
    REPEATED = "the same version again with no record between: an empty read, reconcile now"
    OPENING = "before any record: reconcile at end of input unless the run had closing ones"


# --- the state machine ----------------------------------------------------------------------


class RefreshState(enum.Enum):
    """Where a stream stands in full-refresh reconciliation."""

    IDLE = "no version pending"
    OPENED = "a version announced before its records; waits for end of input"
    CLOSED = "a closing version: reconcile with the next (or an empty) batch"
    AT_END = "end of input reached with an opened version: reconcile with the last batch"


@dataclass
class StreamRefresh:
    """One stream's reconciliation state (outlives sinks; the sink counts records in it)."""

    stream_name: str
    state: RefreshState = RefreshState.IDLE
    version: int | None = None
    records_since_activation: int = 0  # incremented by the sink for every record

    def activate(self, version: int) -> VersionMessage:
        """An ACTIVATE_VERSION arrived: what it means (see the module doc)."""
        pending = self.state is not RefreshState.IDLE
        if self.records_since_activation == 0 and not (pending and self.version == version):
            self.state, self.version = RefreshState.OPENED, version
            return VersionMessage.OPENING
        repeated = self.records_since_activation == 0
        self.state, self.version = RefreshState.CLOSED, version
        self.records_since_activation = 0
        return VersionMessage.REPEATED if repeated else VersionMessage.CLOSING

    def end_of_input(self, *, closing_seen: bool) -> bool:
        """End of input: True if an opened version is now due; drops it when the run has
        shown closing messages (the stream did not complete)."""
        if self.state is not RefreshState.OPENED:
            return False
        if closing_seen:
            self.state, self.version = RefreshState.IDLE, None
            return False
        self.state = RefreshState.AT_END
        return True

    @property
    def due(self) -> bool:
        """A batch of this stream must reconcile in its transaction."""
        return self.state in (RefreshState.CLOSED, RefreshState.AT_END)

    def take(self) -> int | None:
        """Reconciling now: the version, and back to IDLE (None: nothing pending)."""
        if self.state is RefreshState.IDLE:
            return None
        version, self.state, self.version = self.version, RefreshState.IDLE, None
        return version


@dataclass
class RunReconciliation:
    """Every stream's machine, and whether this run has shown closing messages."""

    streams: dict[str, StreamRefresh] = field(default_factory=dict)
    closing_seen: bool = False

    def stream(self, name: str) -> StreamRefresh:
        """The machine of stream ``name`` (created IDLE)."""
        found = self.streams.get(name)
        if found is None:
            found = self.streams[name] = StreamRefresh(name)
        return found

    def activate(self, name: str, version: int) -> VersionMessage:
        """An ACTIVATE_VERSION for ``name``."""
        meaning = self.stream(name).activate(version)
        if meaning is not VersionMessage.OPENING:
            self.closing_seen = True
        return meaning

    def unclosed(self) -> list[str]:
        """At end of input: streams whose opened version is dropped (no closing message)."""
        dropped = []
        for refresh in self.streams.values():
            was_opened = refresh.state is RefreshState.OPENED
            if not refresh.end_of_input(closing_seen=self.closing_seen) and was_opened:
                dropped.append(refresh.stream_name)
        return dropped


# --- markers ---------------------------------------------------------------------------------


def marked_parents(
    rows: Iterable[dict],
) -> tuple[dict[str, list[str]], dict[tuple[str, str], list[str]]]:
    """Marker rows as (parents per association stream, parents per (stream, reverse))."""
    parents: dict[str, list[str]] = defaultdict(list)
    mirrored: dict[tuple[str, str], list[str]] = defaultdict(list)
    for row in rows:
        stream = str(row.get(MarkerField.ASSOCIATION_STREAM))
        parent = str(row.get(MarkerField.FROM_OBJECT_ID))
        parents[stream].append(parent)
        reverse = row.get(MarkerField.REVERSE_STREAM)
        if reverse:
            mirrored[stream, str(reverse)].append(parent)
    return parents, mirrored
