"""The object streams' association read hooks: ids batched into reads of every direction.

Each object stream that is the `from` type of some direction gets one `ParentFeeder` (a
`read_hooks.ReadHook`). The feeder buffers the ids of emitted pages and, at 1,000 ids
and at the end of the stream, hands them to the `BatchPipeline` (batches.py), which reads
every direction from that type (`DirectionSync`, direction_sync.py) on the shared workers.
`AssociationFanOut` holds every direction of the run and one feeder per parent type.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence

from tap_hubspot_assoc.association.batches import BatchPipeline, BatchRead
from tap_hubspot_assoc.association.direction_sync import DirectionSync
from tap_hubspot_assoc.association.pairs import Direction
from tap_hubspot_assoc.association.prefetch import AheadBatches, PrefetchBudget
from tap_hubspot_assoc.association.reader import BATCH_SIZE
from tap_hubspot_assoc.concurrency import RequestPool
from tap_hubspot_assoc.read_hooks import ReadHook, ReadStart
from tap_hubspot_assoc.read_stats import ReadMode


class ParentFeeder(ReadHook):
    """Read hook of one object stream: batches its ids into association reads.

    Modes: `full` (every emitted id), `incremental` (changed ids, plus every other id
    through `sweep` with full_association_sync), `scoped` (the contact_ids; afterwards the
    records linked to them are read in the reverse direction so their sets are complete).
    On incremental runs the records linked to a merge survivor are re-read in the reverse
    direction too: HubSpot moved the merged-away records' links to the survivor without
    changing the other ends' modified dates. Never a set this run reads anyway: not when the
    other type is full-read this run (before or after), not a record its incremental read
    already fed, not one re-read before; a set re-read for a survivor is left out when its
    type's own read feeds it later. So no association record is written twice in a run.
    """

    def __init__(self, object_type: str, fan_out: AssociationFanOut) -> None:
        self.object_type = object_type
        self._fan_out = fan_out
        self._buffer: list[str] = []
        self._syncs: list[DirectionSync] = []
        self._seen: set[str] | None = None
        self._linked: dict[Direction, set[str]] = {}
        self._survivors: set[str] = set()
        self._scope: set[str] | None = None
        self._pipeline = BatchPipeline(fan_out.pool)  # batches read on the workers
        self._ahead: AheadBatches | None = None  # batches fetched before the read begins

    @property
    def sweeps(self) -> bool:
        """True when some direction from this type is selected."""
        return any(s.active for s in self._fan_out.syncs_from(self.object_type))

    @property
    def holding(self) -> int:
        """Ids fed but not written yet: the stream must not checkpoint past them."""
        return len(self._buffer) + self._pipeline.holding

    def fetch_ahead(self) -> AheadBatches | None:
        """Batches to fetch while this type's incremental read is read ahead (prefetch.py):
        every active direction whose labels are known (the sync's start read them)."""
        syncs = [
            s
            for s in self._fan_out.syncs_from(self.object_type)
            if s.active and s.reader.labels.known(s.direction)
        ]
        if not syncs:
            return None
        self._ahead = AheadBatches(syncs, self._fan_out.pool, self._fan_out.prefetch_budget)
        return self._ahead

    def begin(self, start: ReadStart) -> None:
        """Start of the object stream's read (full, incremental or scoped); `start.retry`:
        parents whose read failed last run, per association stream, read first."""
        mode, complete_read, retry = start.mode, start.complete_read, start.retry
        self._syncs = [s for s in self._fan_out.syncs_from(self.object_type) if s.active]
        self._seen = set() if mode is ReadMode.INCREMENTAL else None
        self._linked = {s.direction: set() for s in self._syncs} if mode is ReadMode.SCOPED else {}
        self._scope = set() if mode is ReadMode.SCOPED else None
        scoped = mode is ReadMode.SCOPED
        self._fan_out.began(self.object_type, mode)
        for sync in self._syncs:
            sync.reverse_stream = sync.direction.reverse.stream_name if scoped else None
            sync.begin(full_version=mode is ReadMode.FULL and complete_read, version=start.version)
            again = list(dict.fromkeys(retry.get(sync.stream.name) or []))
            if again:
                self._fan_out.log(
                    "Associations %s: retrying %d parents whose read failed last run",
                    sync.direction,
                    len(again),
                )
                sync.read_all(again)

    def feed(self, ids: Sequence[str]) -> None:
        """Buffer a page's ids (every one: `holding` counts the newest positions fed)."""
        ids = list(ids)
        if self._seen is not None:
            self._seen.update(ids)
        if self._scope is not None:
            self._scope.update(ids)
        self._add(ids)

    def merged(self, stream: str, survivor: str, absorbed: Sequence[str]) -> None:
        """A survivor (fed next) absorbed merged records: re-read what it links to, reversed."""
        if self._seen is not None:  # incremental: full reads re-read every set anyway
            self._survivors.add(survivor)

    def sweep(self, ids: Sequence[str]) -> None:
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
            self._fan_out.read_reverse(direction, sorted(linked, key=_id_order), scope)
        if self._seen is not None:
            self._fan_out.fed(self.object_type, self._seen)
        self._syncs, self._linked, self._seen = [], {}, None
        self._survivors = set()
        if self._ahead is not None:
            ahead, self._ahead = self._ahead, None
            ahead.close()
            if ahead.fetched:
                self._fan_out.log(
                    "Associations from %s: %d of %d batch reads fetched ahead were used",
                    self.object_type,
                    ahead.used,
                    ahead.fetched,
                )

    def failed_parents(self) -> dict[str, list[str]]:
        """Parents of this run whose read failed, per association stream (for the state)."""
        return {
            s.stream.name: list(dict.fromkeys(s.stats.retry_ids))
            for s in self._fan_out.syncs_from(self.object_type)
            if s.stats.retry_ids
        }

    def _read(self, ids: list[str]) -> None:
        """Every direction's read of one batch (on the workers; written in feed order)."""
        survivors = self._survivors.intersection(ids)
        survivor_links: dict[Direction, set[str]] = {}
        plan: list[BatchRead] = []
        for sync in self._syncs:
            done = self._fan_out.reread_ids(sync.direction)  # read whole for a survivor
            if sync.direction in self._linked or not survivors:
                plan.append(BatchRead(sync, self._linked.get(sync.direction), exclude=done))
            else:
                links = survivor_links.setdefault(sync.direction, set())
                plan.append(BatchRead(sync, links, linked_from=survivors, exclude=done))

        def reread() -> None:
            # Before the stream may checkpoint past these ids (they are held until now).
            for direction, linked in survivor_links.items():
                self._fan_out.reread_linked(direction, sorted(linked, key=_id_order))

        after = reread if survivor_links else None
        self._pipeline.submit(ids, plan, after=after, ahead=self._ahead)


class AssociationFanOut:
    """All directions of the run, and one feeder per parent object type."""

    def __init__(
        self,
        syncs: Sequence[DirectionSync],
        logger: logging.Logger,
        pool: RequestPool | None = None,
        modes: Mapping[str, Callable[[], ReadMode]] | None = None,
    ) -> None:
        self.pool = pool or RequestPool(1)
        self.prefetch_budget = PrefetchBudget()  # answers fetched ahead, all types
        self._syncs = {s.direction: s for s in syncs}
        self._logger = logger
        self._feeders: dict[str, ParentFeeder] = {}
        # How this run reads each parent type: asked before the type's read begins (its
        # state is untouched then), remembered once it begins.
        self._modes = dict(modes or {})
        self._began: dict[str, ReadMode] = {}
        self._fed: dict[str, set[str]] = {}  # incremental reads: the ids each type fed
        self._reread: dict[Direction, set[str]] = {}  # sets written for merge survivors

    def began(self, object_type: str, mode: ReadMode) -> None:
        self._began[object_type] = mode

    def fed(self, object_type: str, ids: set[str]) -> None:
        """An incremental read's ids (their sets of every direction written this run)."""
        self._fed.setdefault(object_type, set()).update(ids)

    def reread_ids(self, direction: Direction) -> frozenset[str]:
        """Parents of `direction` whose whole set this run already wrote for a survivor."""
        return frozenset(self._reread.get(direction, ()))

    def _reads_every_record(self, object_type: str) -> bool:
        """Whether this run full-reads `object_type` (before or after now): every record's
        sets are then read by its own stream, after any merge HubSpot made before the run."""
        mode = self._began.get(object_type)
        if mode is None and object_type in self._modes:
            mode = self._modes[object_type]()
        return mode is ReadMode.FULL

    def syncs_from(self, object_type: str) -> list[DirectionSync]:
        return [s for d, s in self._syncs.items() if d.from_type == object_type]

    def feeder(self, object_type: str) -> ParentFeeder | None:
        """The read hook for an object type that is the `from` of some direction."""
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
        other = direction.to_type
        if self._reads_every_record(other):
            return  # the other type's full read reads every one of these sets this run
        read = self._fed.get(other, set())
        done = self._reread.setdefault(reverse.direction, set())
        linked_ids = [i for i in linked_ids if i not in read and i not in done]
        if not linked_ids:
            return
        done.update(linked_ids)
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


def _id_order(object_id: str) -> tuple[int, str]:
    return (int(object_id), "") if object_id.isdigit() else (0, object_id)
