"""Association batches fetched ahead of their stream's turn (DESIGN.md "read-ahead").

While an incremental read's steps are read ahead (read_ahead.py), `AheadBatches.step` sees
each step on the read-ahead thread, cuts the ids its feeder will be fed into the same
1,000-id batches (a window's close and the read's end flush, as `PageFlow.drain` does) and
starts every active direction's `fetch` of each batch on the request pool. At the stream's
turn the feeder takes a fetched answer only for exactly the batch it cuts (`take`); any
other batch is read then, as before. When the turn reads fewer of the batch's parents in a
direction (sets this run already wrote for a merge survivor), the others' events are left
out (batches.py), unless a parent failed: then the batch is read again. Nothing is written
ahead: records, markers and STATE are written on the streams' thread in feed order, as a
sequential run writes them. A fetch that failed is read again at the turn (its error, if
any, raised there). Answers for at most `PREFETCH_PARENTS` parents wait over all types and
directions (a batch over the bound is not fetched ahead: it is read at the turn, as before);
the feeder's finish and the sync's end drop what is left.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Sequence
from concurrent.futures import Future

from tap_hubspot_assoc.association.batches import FetchedBatch
from tap_hubspot_assoc.association.direction_sync import DirectionSync
from tap_hubspot_assoc.association.pairs import Direction
from tap_hubspot_assoc.association.reader import BATCH_SIZE
from tap_hubspot_assoc.concurrency import RequestPool

PREFETCH_PARENTS = 30_000  # one direction's answer for one parent counts one

Answer = Future[FetchedBatch | None]


class PrefetchBudget:
    """The parents whose fetched-ahead answers all types may hold at once."""

    def __init__(self, limit: int = PREFETCH_PARENTS) -> None:
        self.limit = max(1, limit)
        self.used = 0
        self._lock = threading.Lock()

    def try_acquire(self, parents: int) -> bool:
        with self._lock:
            if self.used + parents > self.limit:
                return False
            self.used += parents
            return True

    def release(self, parents: int) -> None:
        with self._lock:
            self.used -= parents


class AheadBatches:
    """One parent type's association batches fetched ahead (see the module docstring)."""

    def __init__(
        self, syncs: Sequence[DirectionSync], pool: RequestPool, budget: PrefetchBudget
    ) -> None:
        self._syncs = list(syncs)
        self._pool = pool
        self._budget = budget
        self._buffer: list[str] = []
        self._answers: dict[tuple[Direction, tuple[str, ...]], Answer] = {}
        self._lock = threading.Lock()
        self._closed = False
        self.fetched = 0  # answers fetched ahead
        self.used = 0  # of them taken by the stream's turn

    def step(self, ids: Sequence[str], *, flush: bool) -> None:
        """Ids a step feeds (read-ahead thread); `flush`: the writer flushes its batch here."""
        self._buffer.extend(ids)
        while len(self._buffer) >= BATCH_SIZE:
            self._start(self._buffer[:BATCH_SIZE])
            del self._buffer[:BATCH_SIZE]
        if flush and self._buffer:
            self._start(self._buffer)
            self._buffer = []

    def take(self, direction: Direction, ids: Sequence[str]) -> Answer | None:
        """The answer fetched ahead for the batch `ids` in `direction` (writer's thread)."""
        with self._lock:
            answer = self._answers.pop((direction, tuple(ids)), None)
        if answer is not None:
            self._budget.release(len(ids))
            self.used += 1
        return answer

    def close(self) -> None:
        """Drop every answer not taken (idempotent); no batch is fetched ahead afterwards."""
        with self._lock:
            self._closed = True
            answers, self._answers = self._answers, {}
        for (_, ids), answer in answers.items():
            answer.cancel()
            self._budget.release(len(ids))

    def _start(self, ids: list[str]) -> None:
        batch = tuple(ids)
        for sync in self._syncs:
            with self._lock:
                key = (sync.direction, batch)
                taken = self._closed or key in self._answers
                if taken or not self._budget.try_acquire(len(ids)):
                    continue
                self._answers[key] = self._pool.submit(functools.partial(_fetch, sync, ids))
                self.fetched += 1


def _fetch(sync: DirectionSync, ids: list[str]) -> FetchedBatch | None:
    """A worker's read of one batch; None when it failed (read again at the turn)."""
    try:
        return sync.fetch(ids)
    except Exception:  # the turn's own read raises it where it belongs
        return None
