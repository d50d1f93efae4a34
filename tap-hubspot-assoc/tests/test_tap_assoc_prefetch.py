"""Association batches fetched ahead of their stream's turn (association/prefetch.py).

The batches are cut from the ids each step read ahead feeds, as the writer cuts them; the
stream's turn takes an answer only for exactly the batch it cuts, kept to the parents it
reads; the answers waiting are bounded; a fetch that failed ahead is read again at the
turn, its error raised there.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Container, Sequence
from concurrent.futures import Future

import pytest
from tap_hubspot_assoc.association.batches import BatchPipeline, BatchRead, FetchedBatch
from tap_hubspot_assoc.association.pairs import Direction
from tap_hubspot_assoc.association.prefetch import AheadBatches, PrefetchBudget
from tap_hubspot_assoc.association.reader import ParentDone, ParentFailed
from tap_hubspot_assoc.concurrency import RequestPool

SYNCED = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


class FakeSync:
    """One direction: `fetch` answers one Done per parent (failing its first `failures`
    calls); `read_batch` notes what the turn writes."""

    def __init__(self, direction: Direction, failures: int = 0) -> None:
        self.direction = direction
        self.failures = failures
        self.fetches: list[list[str]] = []
        self.written: list[tuple[list[str], FetchedBatch | None]] = []
        self._lock = threading.Lock()

    def prepare(self) -> None:
        pass

    def fetch(self, from_ids: Sequence[str]) -> FetchedBatch:
        with self._lock:
            self.fetches.append(list(from_ids))
            if len(self.fetches) <= self.failures:
                raise RuntimeError("batch read failed")
            calls = len(self.fetches)
        return FetchedBatch([ParentDone(i, calls, SYNCED) for i in from_ids], requests=1)

    def read_batch(
        self,
        from_ids: Sequence[str],
        linked: set[str] | None = None,
        linked_from: Container[str] | None = None,
        to_filter: Container[str] | None = None,
        fetched: FetchedBatch | None = None,
    ) -> None:
        self.written.append((list(from_ids), fetched))


TO_DEALS = Direction("contacts", "deals")
TO_COMPANIES = Direction("contacts", "companies")


def _ids(start: int, stop: int) -> list[str]:
    return [str(i) for i in range(start, stop)]


def _ahead(*syncs: FakeSync, limit: int = 30_000) -> tuple[AheadBatches, PrefetchBudget]:
    budget = PrefetchBudget(limit)
    return AheadBatches(syncs, RequestPool(2), budget), budget


def test_batches_are_cut_where_the_writer_cuts_them() -> None:
    """1,000 ids a batch, and the rest at a flush (a window's close, the read's end): each
    direction's answer is there for exactly those ids and no others."""
    deals, companies = FakeSync(TO_DEALS), FakeSync(TO_COMPANIES)
    ahead, budget = _ahead(deals, companies)
    for start in range(0, 1200, 100):  # a window of 12 pages, then its close
        ahead.step(_ids(start, start + 100), flush=False)
    ahead.step([], flush=True)
    for start in range(1200, 2700, 100):  # the next window, then the read's end
        ahead.step(_ids(start, start + 100), flush=False)
    ahead.step([], flush=True)
    batches = [_ids(0, 1000), _ids(1000, 1200), _ids(1200, 2200), _ids(2200, 2700)]
    assert ahead.fetched == 8
    assert budget.used == 2 * 2700  # parents, over both directions
    assert ahead.take(TO_DEALS, _ids(0, 1200)) is None  # not a batch the writer reads
    assert ahead.take(TO_DEALS, _ids(1, 1001)) is None
    for batch in batches:
        for direction in (TO_DEALS, TO_COMPANIES):
            answer = ahead.take(direction, batch)
            assert answer is not None, (direction, batch[0], len(batch))
            fetched = answer.result()
            assert fetched is not None
            assert [e.from_id for e in fetched.events] == batch
    assert sorted(map(tuple, deals.fetches)) == sorted(map(tuple, batches))
    assert ahead.used == 8
    assert budget.used == 0


def test_the_answers_waiting_are_bounded_and_dropped_at_close() -> None:
    """With room for 3,500 parents' answers, only 3 batches of 1,000 are fetched ahead (the
    others are read at the turn); taking one frees its room; closing drops the rest and
    fetches nothing more."""
    deals = FakeSync(TO_DEALS)
    ahead, budget = _ahead(deals, limit=3500)
    for start in range(0, 5000, 1000):
        ahead.step(_ids(start, start + 1000), flush=False)
    assert ahead.fetched == 3
    assert budget.used == 3000
    assert ahead.take(TO_DEALS, _ids(3000, 4000)) is None
    assert ahead.take(TO_DEALS, _ids(0, 1000)) is not None
    assert budget.used == 2000
    ahead.step(_ids(5000, 6000), flush=False)  # room for one more
    assert ahead.fetched == 4
    ahead.close()
    assert budget.used == 0
    ahead.step(_ids(6000, 7000), flush=True)
    assert ahead.fetched == 4
    assert ahead.take(TO_DEALS, _ids(5000, 6000)) is None


def test_the_turn_writes_an_answer_fetched_ahead_without_reading_again() -> None:
    deals = FakeSync(TO_DEALS)
    ahead, _ = _ahead(deals)
    ahead.step(_ids(0, 10), flush=True)
    pipeline = BatchPipeline(RequestPool(2))
    pipeline.submit(_ids(0, 10), [BatchRead(deals)], ahead=ahead)
    pipeline.drain()
    assert deals.fetches == [_ids(0, 10)]  # the one fetch ahead
    assert [ids for ids, _ in deals.written] == [_ids(0, 10)]


def test_a_fetch_that_failed_ahead_is_read_again_at_the_turn() -> None:
    """The fetch ahead fails; the turn reads the batch again and writes that answer."""
    deals = FakeSync(TO_DEALS, failures=1)
    ahead, _ = _ahead(deals)
    ahead.step(_ids(0, 10), flush=True)
    pipeline = BatchPipeline(RequestPool(2))
    pipeline.submit(_ids(0, 10), [BatchRead(deals)], ahead=ahead)
    pipeline.drain()
    assert len(deals.fetches) == 2
    [(ids, fetched)] = deals.written
    assert ids == _ids(0, 10)
    assert fetched is not None
    assert {e.count for e in fetched.events if isinstance(e, ParentDone)} == {2}


def test_a_read_failing_at_the_turn_too_raises_there() -> None:
    deals = FakeSync(TO_DEALS, failures=2)
    ahead, _ = _ahead(deals)
    ahead.step(_ids(0, 10), flush=True)
    pipeline = BatchPipeline(RequestPool(2))

    def turn() -> None:
        pipeline.submit(_ids(0, 10), [BatchRead(deals)], ahead=ahead)
        pipeline.drain()

    with pytest.raises(RuntimeError, match="batch read failed"):  # when it is written
        turn()
    assert deals.written == []


def test_a_turn_reading_fewer_parents_keeps_the_answer_to_them() -> None:
    """Sets already written for a merge survivor are left out of the turn's read: the whole
    batch's answer is kept to the other parents, without a read of its own."""
    deals = FakeSync(TO_DEALS)
    ahead, _ = _ahead(deals)
    ahead.step(_ids(0, 10), flush=True)
    pipeline = BatchPipeline(RequestPool(2))
    read = BatchRead(deals, exclude=frozenset({"3", "7"}))
    pipeline.submit(_ids(0, 10), [read], ahead=ahead)
    pipeline.drain()
    kept = [i for i in _ids(0, 10) if i not in {"3", "7"}]
    assert deals.fetches == [_ids(0, 10)]
    [(ids, fetched)] = deals.written
    assert ids == kept
    assert fetched is not None
    assert [e.from_id for e in fetched.events] == kept


def test_a_failed_parent_in_an_answer_kept_to_fewer_parents_reads_them_again() -> None:
    """A parent failed in the whole batch's answer (a batch-wide error may be the left-out
    parent's): the parents the turn reads are read again, alone."""
    deals = FakeSync(TO_DEALS)
    failed = FetchedBatch([ParentFailed(i, "batch request failed") for i in _ids(0, 10)], 1)
    answer: Future[FetchedBatch | None] = Future()
    answer.set_result(failed)

    class Ahead:
        def take(self, direction: Direction, ids: Sequence[str]) -> Future[FetchedBatch | None]:
            return answer

    pipeline = BatchPipeline(RequestPool(2))
    pipeline.submit(_ids(0, 10), [BatchRead(deals, exclude=frozenset({"3"}))], ahead=Ahead())
    pipeline.drain()
    kept = [i for i in _ids(0, 10) if i != "3"]
    assert deals.fetches == [kept]
    [(ids, fetched)] = deals.written
    assert ids == kept
    assert fetched is not None
    assert all(isinstance(e, ParentDone) for e in fetched.events)
