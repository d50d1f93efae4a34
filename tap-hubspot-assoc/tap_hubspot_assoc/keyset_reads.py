"""Full reads through keyset search chains over `hs_object_id` ranges, batch reads in parallel.

The ids are cut into ranges holding about equal counts (`id_split`: the planner counts, it
never assumes how ids are spread), the last range open upwards (records created meanwhile).
A chain that runs dry takes the upper half, by count (one search), of the range with the most
records left, the list tail's included; results a chain had in flight above its new upper end
are dropped, as the thief reads them. Each chain asks for the next 200 ids above its last one
(a fresh query each time, never the offset cursor, so the 10,000-result cap does not apply);
the chains' searches are in flight together, on the search budget. When the properties do not
fit a search body, each page's ids are batch-read, 100 per request, several in flight, on the
burst budget. Pages are handed to the caller's thread as the answers arrive (each chain in id
order); records are written there only, and a full read has no checkpoint before its end.
A read closed early (a read-ahead cancelled, an error) stops: no chain searches again, and
the close returns once the searches in flight and the list tail's thread have ended.
"""

from __future__ import annotations

import functools
import queue
import threading
from collections.abc import Container, Iterator, Mapping
from dataclasses import dataclass

from tap_hubspot_assoc.answers import CrmObject, object_page
from tap_hubspot_assoc.concurrency import OrderedPipeline, RequestPool
from tap_hubspot_assoc.id_split import MAX_OFFSET, CutPage, count_at_most, range_search
from tap_hubspot_assoc.keyset_ranges import Chain, ChainRanges, ListTail, Page, Steal
from tap_hubspot_assoc.keyset_search import SEARCH_PAGE_SIZE, id_range_body, last_keyset_id
from tap_hubspot_assoc.readers import BATCH_READ_SIZE, ObjectReader

RUN_AHEAD_PAGES = 2  # answers per chain waiting to be written, at most
STEAL_MIN_RECORDS = 1_000  # a dry chain takes half of a range holding at least this many


@dataclass(frozen=True)
class _Answer:
    chain: Chain | None  # None: a page of the list tail
    results: list[CrmObject]
    last: bool
    error: BaseException | None = None


class KeysetFullRead:
    """Every live record of one type, by keyset search chains (see the module docstring)."""

    def __init__(
        self,
        reader: ObjectReader,
        pool: RequestPool,
        ranges: ChainRanges,
        *,
        skip_ids: Container[str] = (),
        list_tail: ListTail | None = None,
        first_pages: Mapping[int, CutPage] | None = None,
    ) -> None:
        """Chains over `ranges`; with `list_tail` they start above its split and the list
        covers the ids below (one request at a time: one chain over every id, skipping the
        listed ones). A chain starting at an id of `first_pages` takes that page (read by the
        cut's search) as its first answer instead of searching."""
        self._reader = reader
        self._pool = pool
        self._first_pages = first_pages or {}
        self._skip = skip_ids if list_tail is None else list_tail.listed
        self._tail = list_tail if pool.concurrent else None
        self._tail_slots = threading.Semaphore(RUN_AHEAD_PAGES)
        if not pool.concurrent:
            total = sum(ranges.counts)
            after = ranges.after if list_tail is None else None
            ranges = ChainRanges(after, [], [total])
        self._chains = ranges.chains()
        self._tail_chain: Chain | None = None
        if self._tail is not None:
            highest = max((int(i) for i in self._tail.listed), default=0)
            self._tail_chain = Chain(-1, highest, self._tail.split, self._tail.expected)
        self.properties = reader.keyset_search_properties()
        self.searches = 0  # the chains' searches
        self.probes = 0  # the counts of dry chains taking work (and of the list tail's gap)
        self.steals: list[Steal] = []
        self._answers: queue.Queue[_Answer] = queue.Queue()
        self._lock = threading.Lock()
        self._cut = threading.Condition(self._lock)  # a dry chain finished cutting a range
        self._idle = threading.Condition(self._lock)  # a chain's step ended
        self._stopped = False  # the reader closed the pages: no step is launched any more
        self.in_flight = 0  # chain steps launched and not ended
        self._tail_thread: threading.Thread | None = None

    def summary(self) -> str:
        """`keyset read done: 480 chain searches, 6 count searches, 5 ranges taken by ...`."""
        taken = len(self.steals)
        tail = sum(s.victim == -1 for s in self.steals)
        from_tail = f" ({tail} from the list tail)" if tail else ""
        return (
            f"keyset read done: {self.searches:,} chain searches, {self.probes} count searches, "
            f"{taken} range{'s' if taken != 1 else ''} taken by dry chains{from_tail}"
        )

    @property
    def carries_properties(self) -> bool:
        return self.properties == self._reader.property_names

    def pages(self) -> Iterator[Page]:
        """Pages of records as their searches answer; searches and batch reads overlap.

        Each chain launches its next search as soon as its answer arrives (on the worker), up
        to RUN_AHEAD_PAGES pages not yet taken here, so the search budget stays busy while
        this thread writes records.
        """
        if not self._pool.concurrent:
            yield from self._sequential_pages()
            return
        try:
            yield from self._concurrent_pages()
        finally:
            self._stop()

    def _concurrent_pages(self) -> Iterator[Page]:
        batches: OrderedPipeline[Page] = OrderedPipeline(self._pool, self._pool.size)
        for chain in self._chains:
            first = None if chain.after is None else self._first_pages.get(chain.after)
            self._launch(chain, first)
        open_chains = len(self._chains)
        if self._tail is not None:
            # A thread of its own, never a pool worker: the tail waits whenever its pages are
            # not taken (a read-ahead waiting for its stream's turn), and workers held by such
            # waits would starve every other read sharing the pool.
            name = f"list-tail-{self._reader.object_type}"
            self._tail_thread = threading.Thread(target=self._list_tail, name=name, daemon=True)
            self._tail_thread.start()
            open_chains += 1
        while open_chains:
            answer = self._answers.get()
            if answer.error is not None:
                raise answer.error
            if answer.chain is None:  # the list tail: properties already there
                self._tail_slots.release()
                if answer.results:
                    yield answer.results
                gap = self._list_left_a_gap() if answer.last else None
                if gap is not None:
                    self._launch(gap)
                    open_chains += 1
            else:
                self._taken(answer.chain)
                yield from self._records(answer.results, batches)
            open_chains -= int(answer.last)
        yield from _pages(batches.drain())

    def _stop(self) -> None:
        """No step is launched any more; wait for those in flight and the list tail's end
        (a tail waiting for a slot gets one and sees the stop)."""
        with self._lock:
            self._stopped = True
            self._idle.wait_for(lambda: self.in_flight == 0)
        self._tail_slots.release()
        if self._tail_thread is not None:
            self._tail_thread.join()

    def _sequential_pages(self) -> Iterator[Page]:
        """One request at a time (max_concurrent_requests = 1)."""
        batches: OrderedPipeline[Page] = OrderedPipeline(self._pool, 1)
        for chain in self._chains:
            last = False
            while not last:
                results, last = self._search_chain(chain)
                yield from self._records(results, batches)
        yield from _pages(batches.drain())

    def _records(self, results: list[CrmObject], batches: OrderedPipeline[Page]) -> Iterator[Page]:
        fresh = [obj for obj in results if str(obj["id"]) not in self._skip]
        if not fresh:
            return
        if self.carries_properties:
            yield fresh
            return
        ids = [str(obj["id"]) for obj in fresh]
        for start in range(0, len(ids), BATCH_READ_SIZE):
            chunk = ids[start : start + BATCH_READ_SIZE]
            yield from _pages(batches.submit(None, functools.partial(self._batch_read, chunk)))

    # -- the list tail -----------------------------------------------------------------

    def _list_tail(self) -> None:
        """Go on listing (on a worker) until a page passes the split; queue the pages."""
        tail, progress = self._tail, self._tail_chain
        assert tail is not None
        assert progress is not None
        try:
            for page in tail.pages:
                if self._stopped:
                    break
                with self._lock:  # the split may have been lowered by a dry chain
                    keep = [obj for obj in page if int(obj["id"]) <= tail.split]
                    tail.listed.update(str(obj["id"]) for obj in keep)
                    progress.read += len(keep)
                    progress.after = max([progress.after or 0, *(int(o["id"]) for o in keep)])
                    passed = progress.done = len(keep) < len(page)
                self._tail_slots.acquire()
                self._answers.put(_Answer(None, keep, passed))
                if passed or self._stopped:
                    break
            else:
                with self._lock:
                    progress.done = True
                self._tail_slots.acquire()
                self._answers.put(_Answer(None, [], True))
        except BaseException as exc:  # handed to the reading thread, which raises it
            self._answers.put(_Answer(None, [], True, exc))
        finally:
            close = getattr(tail.pages, "close", None)
            if close is not None:
                close()

    def _list_left_a_gap(self) -> Chain | None:
        """Did the list hand out every live id up to the split? Yes when it read exactly the
        records counted up to it (the cut's or the thief's count); else one count, and if
        that differs from the listed ids, a chain over every id up to the split (the listed
        ones are skipped)."""
        assert self._tail is not None
        with self._lock:
            progress = self._tail_chain
            if progress is not None and 0 < progress.expected == progress.read:
                return None
        split = self._tail.split
        counted = count_at_most(self._reader, split)
        with self._lock:
            self.probes += 1
        if counted == len(self._tail.listed):
            return None
        chain = Chain(len(self._chains), None, split, counted)
        self._chains.append(chain)
        return chain

    # -- chains ------------------------------------------------------------------------

    def _launch(self, chain: Chain, first: CutPage | None = None) -> None:
        with self._lock:
            if self._stopped:
                return
            self.searches += int(first is None)
            self.in_flight += 1
        self._pool.submit(functools.partial(self._step, chain, first))

    def _step(self, chain: Chain, first: CutPage | None = None) -> None:
        """One search of `chain` (on a worker; or its `first` page, read by its cut's search);
        queues the answer, relaunches unless parked. A chain whose range is read takes half
        of the busiest range left, if any."""
        try:
            self._chain_step(chain, first)
        finally:
            with self._lock:
                self.in_flight -= 1
                self._idle.notify_all()

    def _chain_step(self, chain: Chain, first: CutPage | None) -> None:
        try:
            if first is None:
                results, last = self._search_chain(chain)
            else:
                results, last = self._advance(chain, first.records, complete=first.complete)
            if last and self._steal(chain):
                last = False
        except BaseException as exc:  # handed to the reading thread, which raises it
            self._answers.put(_Answer(chain, [], True, exc))
            return
        with self._lock:
            chain.queued += 1
            go_on = not last and chain.queued < RUN_AHEAD_PAGES
            chain.parked = not last and not go_on
        self._answers.put(_Answer(chain, results, last))
        if go_on:
            self._launch(chain)

    def _taken(self, chain: Chain) -> None:
        """The reader took one of `chain`'s pages: a parked chain goes on."""
        with self._lock:
            chain.queued -= 1
            relaunch = chain.parked
            chain.parked = False
        if relaunch:
            self._launch(chain)

    def _search_chain(self, chain: Chain) -> tuple[list[CrmObject], bool]:
        """The next page of `chain` and whether its range is read. Its steps never overlap;
        a dry chain may lower `upper` meanwhile: results above it are the thief's."""
        with self._lock:
            after, upper = chain.after, chain.upper
        path = self._reader.client.paths.search(self._reader.path_ref)
        body = id_range_body(after, upper, self.properties)
        answer = self._reader.client.post(path, body, kind="search", search=True)
        results = object_page(answer, f"POST {path}").objects
        return self._advance(chain, results, complete=len(results) >= SEARCH_PAGE_SIZE)

    def _advance(
        self, chain: Chain, results: list[CrmObject], *, complete: bool
    ) -> tuple[list[CrmObject], bool]:
        """`chain` past the results up to its upper end (lowered meanwhile: the rest is the
        thief's); whether its range is read (`complete`: the search got all it asked for)."""
        with self._lock:
            upper = chain.upper
            keep = [o for o in results if upper is None or int(o["id"]) <= upper]
            if keep:
                chain.after = last_keyset_id(keep, chain.after, self._reader.object_type)
            chain.read += len(keep)
            chain.done = not complete or len(keep) < len(results)
            return keep, chain.done

    # -- work stealing -----------------------------------------------------------------

    def _steal(self, thief: Chain) -> bool:
        """Take the upper half (by count: one search) of the busiest range left, when it holds
        at least STEAL_MIN_RECORDS; False when there is none or the victim got there first.
        While another dry chain is cutting the busiest range, wait for its cut."""
        with self._lock:
            while True:
                candidates = [c for c in self._chains if c is not thief and not c.done]
                if self._tail_chain is not None and not self._tail_chain.done:
                    candidates.append(self._tail_chain)
                victim = max(candidates, key=lambda c: c.left, default=None)
                if victim is None or victim.left < STEAL_MIN_RECORDS:
                    return False
                if not victim.splitting:
                    break
                self._cut.wait()
            victim.splitting = True
            after, upper, half = victim.after, victim.upper, min(victim.left // 2, MAX_OFFSET + 1)
            read_then = victim.read
        try:
            count, at = range_search(self._reader, after, upper, offset=half - 1)
        finally:
            with self._lock:
                victim.splitting = False
                self.probes += 1
                self._cut.notify_all()
        with self._lock:
            moved = victim.after is not None and at is not None and victim.after >= at
            if at is None or count <= half or victim.done or victim.upper != upper or moved:
                return False
            victim.upper, victim.expected = at, read_then + half
            if victim is self._tail_chain and self._tail is not None:
                self._tail.split = at
            thief.after, thief.upper, thief.expected, thief.read = at, upper, count - half, 0
            thief.done = False
            self.steals.append(Steal(thief.index, victim.index, at, count - half))
        return True

    def _batch_read(self, ids: list[str]) -> Page:
        """Ids gone since the search (archived meanwhile) are left out, as list reads do."""
        found = self._reader.batch_read(ids)
        by_id = {str(obj["id"]): obj for obj in found.objects}
        return [by_id[i] for i in ids if i in by_id]


def _pages(done: Iterator[tuple[object, Page]]) -> Iterator[Page]:
    for _, page in done:
        if page:
            yield page
