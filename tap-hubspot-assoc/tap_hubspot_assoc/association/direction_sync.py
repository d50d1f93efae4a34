"""Batched association reads fed by the object streams' pages.

Each object stream gets one `ParentFeeder` (its page consumer). The feeder buffers the ids
of emitted pages and, at 1,000 ids and at the end of the stream, hands them to every
`DirectionSync` whose `from` type is that object type. A DirectionSync reads the batch
(following each parent's cursor), writes the association records, and after a parent's
last record its `association_parent_syncs` marker.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from tap_hubspot_assoc.association_pipeline import BatchPipeline, BatchRead, FetchedBatch
from tap_hubspot_assoc.association_streams import AssociationParentSyncsStream, AssociationStream
from tap_hubspot_assoc.associations import (
    BATCH_SIZE,
    AssociationReader,
    ParentDone,
    ParentFailed,
    ParentRows,
)
from tap_hubspot_assoc.concurrency import RequestPool
from tap_hubspot_assoc.pairs import Direction
from tap_hubspot_assoc.properties import format_datetime
from tap_hubspot_assoc.versions import new_version

REPORTED_FAILURES = 50
RETRY_LIMIT = 10_000  # failed parents remembered in the state for the next run


@dataclass
class DirectionStats:
    """What one direction did in this run (for progress lines and the summary)."""

    parents: int = 0
    parents_without: int = 0
    rows: int = 0
    by_type: Counter[int] = field(default_factory=Counter)
    failed: int = 0
    failed_ids: list[str] = field(default_factory=list)
    retry_ids: list[str] = field(default_factory=list)
    failure_reasons: Counter[str] = field(default_factory=Counter)
    batches: int = 0
    started: float = field(default_factory=time.monotonic)


class DirectionSync:
    """Reads one direction for batches of parents and writes records and markers."""

    def __init__(
        self,
        reader: AssociationReader,
        stream: AssociationStream,
        markers: AssociationParentSyncsStream,
        logger: logging.Logger,
    ) -> None:
        self.direction = reader.direction
        self.reader = reader
        self.stream = stream
        self.markers = markers
        self._logger = logger
        self.stats = DirectionStats()
        self._version: int | None = None
        self._begun = False
        # Scoped runs: markers also ask the target to drop this stream's mirror rows (the
        # reverse stream's rows pointing at the parent) whose link the parent no longer has.
        self.reverse_stream: str | None = None

    @property
    def active(self) -> bool:
        """Read only when the association stream is selected."""
        return bool(self.stream.selected)

    def begin(self, *, full_version: bool) -> None:
        """Announce the streams; on a complete full read of the parents open a table version."""
        if self._begun:
            return
        self._begun = True
        self.stats.started = time.monotonic()
        self.stream.announce()
        if self.markers.selected:
            self.markers.announce()
        if full_version:
            self._version = new_version()
            self.stream.open_version(self._version)

    def read_batch(
        self,
        from_ids: Sequence[str],
        linked: set[str] | None = None,
        linked_from: Container[str] | None = None,
        to_filter: Container[str] | None = None,
        fetched: FetchedBatch | None = None,
    ) -> None:
        """Read up to 1,000 parents (or write the answers `fetched` already holds); `linked`
        collects the to ids seen (of the parents in `linked_from` only, when given). With
        `to_filter` only rows to those ids are written and no marker (the parents' sets are
        not delivered whole)."""
        stats = self.stats
        requests_before, rows_before = self.reader.thread_requests(), stats.rows
        without_before, failed_before = stats.parents_without, stats.failed
        counts: Counter[str] = Counter()
        events = fetched.events if fetched is not None else self.reader.read(from_ids)
        for event in events:
            if isinstance(event, ParentRows):
                rows = event.rows
                if to_filter is not None:
                    rows = [row for row in rows if row.to_id in to_filter]
                for row in rows:
                    self.stream.write(
                        {
                            "from_object_type": self.direction.from_type,
                            "from_object_id": event.from_id,
                            "to_object_type": self.direction.to_type,
                            "to_object_id": row.to_id,
                            "association_type_id": row.type_id,
                            "association_category": row.category,
                            "association_label": row.label,
                        }
                    )
                    stats.by_type[row.type_id] += 1
                    if linked is not None and (linked_from is None or event.from_id in linked_from):
                        linked.add(row.to_id)
                counts[event.from_id] += len(rows)
                stats.rows += len(rows)
            elif isinstance(event, ParentDone) and to_filter is None:
                self._done(event, counts[event.from_id])
            elif isinstance(event, ParentDone):
                self.stats.parents += 1
            elif isinstance(event, ParentFailed):
                self._failed(event)
        stats.batches += 1
        self._logger.info(
            "Associations %s batch %d: %d parents, %d request(s), %d associations, "
            "%d without any, %d failed (run: %d parents, %d associations, %d failed)",
            self.direction,
            stats.batches,
            len(from_ids),
            fetched.requests
            if fetched is not None
            else self.reader.thread_requests() - requests_before,
            stats.rows - rows_before,
            stats.parents_without - without_before,
            stats.failed - failed_before,
            stats.parents,
            stats.rows,
            stats.failed,
        )

    def fetch(self, from_ids: Sequence[str]) -> FetchedBatch:
        """Read a batch without writing anything (safe on a worker thread)."""
        before = self.reader.thread_requests()
        events = list(self.reader.read(from_ids))
        return FetchedBatch(events, self.reader.thread_requests() - before)

    def _done(self, event: ParentDone, emitted: int) -> None:
        if emitted != event.count:  # cannot happen: rows are deduplicated by the reader
            self._logger.error(
                "%s %s: %d rows emitted but %d counted",
                self.direction,
                event.from_id,
                emitted,
                event.count,
            )
        self.stats.parents += 1
        self.stats.parents_without += int(event.count == 0)
        if self.markers.selected:
            self.markers.write(
                {
                    "association_stream": self.stream.name,
                    "from_object_type": self.direction.from_type,
                    "to_object_type": self.direction.to_type,
                    "from_object_id": event.from_id,
                    "association_count": event.count,
                    "synced_at": format_datetime(event.synced_at),
                    "reverse_stream": self.reverse_stream,
                }
            )

    def _failed(self, event: ParentFailed) -> None:
        self.stats.failed += 1
        self.stats.failure_reasons[event.reason] += 1
        if len(self.stats.failed_ids) < REPORTED_FAILURES:
            self.stats.failed_ids.append(event.from_id)
        if len(self.stats.retry_ids) < RETRY_LIMIT:
            self.stats.retry_ids.append(event.from_id)
        self._logger.warning(
            "Associations %s of %s not read completely (no marker): %s",
            self.direction,
            event.from_id,
            event.reason,
        )

    def read_all(
        self,
        from_ids: Sequence[str],
        linked: set[str] | None = None,
        to_filter: Container[str] | None = None,
    ) -> None:
        """Read any number of parents, 1,000 per batch."""
        for start in range(0, len(from_ids), BATCH_SIZE):
            self.read_batch(from_ids[start : start + BATCH_SIZE], linked, to_filter=to_filter)

    def finish(self, *, complete: bool) -> None:
        """Close the table version if every parent was read; log the summary."""
        if self._version is not None:
            if complete and not self.stats.failed:
                self.stream.announce_version()
            else:
                self._logger.warning(
                    "%s: full read %s; no closing ACTIVATE_VERSION, so associations of "
                    "parents deleted in HubSpot are not removed in this run",
                    self.stream.name,
                    f"had {self.stats.failed} failed parents"
                    if self.stats.failed
                    else "did not complete",
                )
            self._version = None
        self.log_summary()

    def log_summary(self) -> None:
        stats = self.stats
        self._logger.info(
            "Summary %s: %d parents read (%d without associations), %d associations "
            "(per type id: %s), %d failed parents%s, %d batch requests, %.1fs",
            self.stream.name,
            stats.parents,
            stats.parents_without,
            stats.rows,
            ", ".join(f"{t}={n}" for t, n in sorted(stats.by_type.items())) or "none",
            stats.failed,
            _failures_text(stats) if stats.failed else "",
            self.reader.requests,
            time.monotonic() - stats.started,
        )


class ParentFeeder:
    """Page consumer of one object stream: batches its ids into association reads.

    Modes: `full` (every emitted id), `incremental` (changed ids, plus every other id
    through `sweep` with full_association_sync), `scoped` (the contact_ids; afterwards the
    records linked to them are read in the reverse direction so their sets are complete).
    On incremental runs the records linked to a merge survivor are re-read in the reverse
    direction too: HubSpot moved the merged-away records' links to the survivor without
    changing the other ends' modified dates.
    """

    def __init__(self, object_type: str, coordinator: AssociationSync) -> None:
        self.object_type = object_type
        self._coordinator = coordinator
        self._buffer: list[str] = []
        self._syncs: list[DirectionSync] = []
        self._seen: set[str] | None = None
        self._linked: dict[Direction, set[str]] = {}
        self._survivors: set[str] = set()
        self._scope: set[str] | None = None
        self._pipeline = BatchPipeline(coordinator.pool)  # batches read on the workers

    @property
    def active(self) -> bool:
        """True when some direction from this type is selected."""
        return any(s.active for s in self._coordinator.syncs_from(self.object_type))

    @property
    def holding(self) -> int:
        """Ids fed but not written yet: the stream must not checkpoint past them."""
        return len(self._buffer) + self._pipeline.holding

    def begin(
        self, mode: str, *, complete_read: bool, retry: Mapping[str, list[str]] | None = None
    ) -> None:
        """Start of the object stream's read (`full`, `incremental` or `scoped`); `retry`:
        parents whose read failed last run, per association stream, read first."""
        self._syncs = [s for s in self._coordinator.syncs_from(self.object_type) if s.active]
        self._seen = set() if mode == "incremental" else None
        self._linked = {s.direction: set() for s in self._syncs} if mode == "scoped" else {}
        self._scope = set() if mode == "scoped" else None
        for sync in self._syncs:
            sync.reverse_stream = sync.direction.reverse.stream_name if mode == "scoped" else None
            sync.begin(full_version=mode == "full" and complete_read)
            again = list(dict.fromkeys((retry or {}).get(sync.stream.name) or []))
            if again:
                self._coordinator.log(
                    "Associations %s: retrying %d parents whose read failed last run",
                    sync.direction,
                    len(again),
                )
                sync.read_all(again)

    def feed(self, ids: Iterable[str]) -> None:
        """Buffer a page's ids (every one: `holding` counts the newest positions fed)."""
        ids = list(ids)
        if self._seen is not None:
            self._seen.update(ids)
        if self._scope is not None:
            self._scope.update(ids)
        self._add(ids)

    def note_survivors(self, ids: Iterable[str]) -> None:
        """Ids (fed next) that absorbed merged records: re-read what they link to, reversed."""
        if self._seen is not None:  # incremental: full reads re-read every set anyway
            self._survivors.update(ids)

    def sweep(self, ids: Iterable[str]) -> None:
        """Ids listed only to re-read associations; ids already read this run are skipped."""
        seen = self._seen if self._seen is not None else set()
        self._add([i for i in ids if i not in seen])

    def _add(self, ids: list[str]) -> None:
        if not self._syncs:
            return
        self._buffer.extend(ids)
        while len(self._buffer) >= BATCH_SIZE:
            self._read(self._buffer[:BATCH_SIZE])
            del self._buffer[:BATCH_SIZE]
        self._pipeline.write_ready()

    def flush(self) -> None:
        if self._buffer:
            self._read(self._buffer)
            self._buffer = []
        self._pipeline.drain()

    def finish(self, *, completed: bool) -> None:
        """End of the object stream: read the rest, then (scoped) the reverse directions."""
        self.flush()
        for sync in self._syncs:
            sync.finish(complete=completed)
        for direction, linked in self._linked.items():
            scope = self._scope or set()
            self._coordinator.read_reverse(direction, sorted(linked, key=_id_order), scope)
        self._syncs, self._linked, self._seen = [], {}, None
        self._survivors = set()

    def failed_parents(self) -> dict[str, list[str]]:
        """Parents of this run whose read failed, per association stream (for the state)."""
        return {
            s.stream.name: list(dict.fromkeys(s.stats.retry_ids))
            for s in self._coordinator.syncs_from(self.object_type)
            if s.stats.retry_ids
        }

    def _read(self, ids: list[str]) -> None:
        """Every direction's read of one batch (on the workers; written in feed order)."""
        survivors = self._survivors.intersection(ids)
        survivor_links: dict[Direction, set[str]] = {}
        plan: list[BatchRead] = []
        for sync in self._syncs:
            if sync.direction in self._linked or not survivors:
                plan.append(BatchRead(sync, self._linked.get(sync.direction)))
            else:
                links = survivor_links.setdefault(sync.direction, set())
                plan.append(BatchRead(sync, links, linked_from=survivors))

        def reread() -> None:
            # Before the stream may checkpoint past these ids (they are held until now).
            for direction, linked in survivor_links.items():
                self._coordinator.reread_linked(direction, sorted(linked, key=_id_order))

        self._pipeline.submit(ids, plan, after=reread if survivor_links else None)


class AssociationSync:
    """All directions of the run, and one feeder per parent object type."""

    def __init__(
        self,
        syncs: Sequence[DirectionSync],
        logger: logging.Logger,
        pool: RequestPool | None = None,
    ) -> None:
        self.pool = pool or RequestPool(1)
        self._syncs = {s.direction: s for s in syncs}
        self._logger = logger
        self._feeders: dict[str, ParentFeeder] = {}

    def syncs_from(self, object_type: str) -> list[DirectionSync]:
        return [s for d, s in self._syncs.items() if d.from_type == object_type]

    def feeder(self, object_type: str) -> ParentFeeder | None:
        """The page consumer for an object type that is the `from` of some direction."""
        if not self.syncs_from(object_type):
            return None
        return self._feeders.setdefault(object_type, ParentFeeder(object_type, self))

    def read_reverse(self, direction: Direction, linked_ids: list[str], scope: set[str]) -> None:
        """Scoped runs: the edges from the records linked to the scope back to the scope
        (their other edges are neither written nor marked)."""
        reverse = self._syncs.get(direction.reverse)
        if reverse is None or not reverse.active or reverse.direction == direction:
            return
        self._logger.info(
            "Associations %s: reading %d %s linked to the selected %s (edges to them only)",
            reverse.direction,
            len(linked_ids),
            direction.to_type,
            direction.from_type,
        )
        reverse.begin(full_version=False)
        reverse.read_all(linked_ids, to_filter=scope)
        reverse.finish(complete=True)

    def reread_linked(self, direction: Direction, linked_ids: list[str]) -> None:
        """Complete reverse sets of the records linked to merge survivors (incremental)."""
        reverse = self._syncs.get(direction.reverse)
        if reverse is None or not reverse.active or reverse.direction == direction:
            return
        if not linked_ids:
            return
        requests_before = reverse.reader.requests
        reverse.stream.announce()
        if reverse.markers.selected:
            reverse.markers.announce()
        reverse.read_all(linked_ids)
        self._logger.info(
            "Associations %s: re-read %d %s linked to merge survivors (%d requests)",
            reverse.direction,
            len(linked_ids),
            direction.to_type,
            reverse.reader.requests - requests_before,
        )

    def log(self, message: str, *args: object) -> None:
        self._logger.info(message, *args)


def _failures_text(stats: DirectionStats) -> str:
    more = " ..." if stats.failed > len(stats.failed_ids) else ""
    reasons = "; ".join(f"{n}x {r}" for r, n in stats.failure_reasons.most_common(3))
    return f" (ids: {', '.join(stats.failed_ids)}{more}; {reasons})"


def _id_order(object_id: str) -> tuple[int, str]:
    return (int(object_id), "") if object_id.isdigit() else (0, object_id)
