"""Association batch reads in flight at once, written in the order a sequential run writes.

The feeder hands each 1,000-parent batch here; every direction's read of it becomes one task
on the shared `RequestPool` (different directions and different batches overlap). Answers are
written on the streams' thread, oldest task first, so records, markers and checkpoints come
out exactly as in a sequential run; `holding` counts the ids whose answers are not written yet
(including a batch's follow-up work, `after`), so the object stream never checkpoints past
them. With a pool of 1 every read runs inline, one at a time.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Container, Iterable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Protocol

from tap_hubspot_assoc.association.pairs import Direction
from tap_hubspot_assoc.association.reader import Event, ParentFailed
from tap_hubspot_assoc.concurrency import OrderedPipeline, RequestPool


@dataclass
class FetchedBatch:
    """One direction's answers for one batch, read on a worker and written later, in order."""

    events: list[Event]
    requests: int


class DirectionBatches(Protocol):
    """What the pipeline needs of one direction (direction_sync.DirectionSync)."""

    direction: Direction

    def prepare(self) -> None:
        """Work that must happen on the streams' thread before a read (label discovery)."""

    def fetch(self, from_ids: Sequence[str]) -> FetchedBatch:
        """Read a batch without writing anything (runs on a worker)."""
        ...

    def read_batch(
        self,
        from_ids: Sequence[str],
        linked: set[str] | None = None,
        linked_from: Container[str] | None = None,
        to_filter: Container[str] | None = None,
        fetched: FetchedBatch | None = None,
    ) -> None:
        """Write a batch's answers (`fetched`), collecting linked ids (streams' thread)."""


class FetchedAhead(Protocol):
    """Answers fetched before the stream's turn (prefetch.AheadBatches)."""

    def take(
        self, direction: Direction, ids: Sequence[str]
    ) -> Future[FetchedBatch | None] | None: ...


@dataclass(frozen=True)
class BatchRead:
    """One direction's part of a batch, with where its to ids are collected (see read_batch)."""

    sync: DirectionBatches
    linked: set[str] | None = None
    linked_from: Container[str] | None = None
    exclude: Container[str] = frozenset()  # parents whose set this run already wrote


@dataclass(frozen=True)
class _Key:
    batch: int
    ids: list[str]  # the batch's ids (what the stream holds back)
    read_ids: list[str]  # the ids this direction reads (the batch less `read.exclude`)
    read: BatchRead
    after: Callable[[], None] | None  # run once the batch's last direction is written


class BatchPipeline:
    """Outstanding (batch, direction) reads, at most `pool.size` at a time."""

    def __init__(self, pool: RequestPool) -> None:
        self.pool = pool
        self._batches = 0
        self._pipeline: OrderedPipeline[FetchedBatch] = OrderedPipeline(pool, pool.size)

    @property
    def holding(self) -> int:
        """Ids of batches with a direction whose answers are not written yet."""
        pending = {key.batch: len(key.ids) for key in self._keys()}
        return sum(pending.values())

    def submit(
        self,
        ids: Sequence[str],
        reads: Sequence[BatchRead],
        *,
        after: Callable[[], None] | None = None,
        ahead: FetchedAhead | None = None,
    ) -> None:
        """Start every direction's read of one batch; write whatever finished meanwhile.
        `after` runs on this thread right after the batch's last direction is written; a
        direction's answer fetched `ahead` for this batch is used instead of a read."""
        self._batches += 1
        batch = list(ids)
        for index, read in enumerate(reads):
            sync = read.sync
            sync.prepare()  # on this thread, not a worker
            last = index == len(reads) - 1
            read_ids = [i for i in batch if i not in read.exclude]
            key = _Key(self._batches, batch, read_ids, read, after if last else None)
            fetched = ahead.take(sync.direction, batch) if ahead is not None else None
            task: Callable[[], FetchedBatch] = functools.partial(sync.fetch, read_ids)
            if fetched is not None:
                task = functools.partial(_fetched_or_read, fetched, read_ids, task)
            self._write(self._pipeline.submit(key, task))

    def write_ready(self) -> None:
        """Write the answers that arrived, oldest first, without waiting."""
        self._write(self._pipeline.ready())

    def drain(self) -> None:
        """Wait for and write every outstanding answer, oldest first."""
        self._write(self._pipeline.drain())

    def _keys(self) -> Iterable[_Key]:
        return (key for key in self._pipeline.pending_keys() if isinstance(key, _Key))

    @staticmethod
    def _write(done: Iterable[tuple[object, FetchedBatch]]) -> None:
        for key, fetched in done:
            assert isinstance(key, _Key)
            read = key.read
            read.sync.read_batch(
                key.read_ids, read.linked, linked_from=read.linked_from, fetched=fetched
            )
            if key.after is not None:
                key.after()


def _fetched_or_read(
    fetched: Future[FetchedBatch | None], read_ids: Sequence[str], read: Callable[[], FetchedBatch]
) -> FetchedBatch:
    """The answer fetched ahead, kept to `read_ids` (a whole batch's answer holds each
    parent's events as reading those parents alone gives them); the batch read now when
    that fetch failed, or when it is kept to fewer parents and a parent of the batch failed
    (a read of those parents alone might not). Waiting here cannot starve the pool: the fetch was
    queued before this task, so it has started."""
    answer = fetched.result()
    if answer is None:
        return read()
    wanted = set(read_ids)
    events = [event for event in answer.events if event.from_id in wanted]
    if len(events) == len(answer.events):
        return answer
    if any(isinstance(event, ParentFailed) for event in answer.events):
        return read()
    return FetchedBatch(events, answer.requests)
