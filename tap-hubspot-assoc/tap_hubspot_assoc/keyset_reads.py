"""Full reads through keyset search chains over `hs_object_id` ranges, batch reads in parallel.

The id space up to the highest id at the start is cut into `chains` ranges, the last one open
upwards (records created meanwhile). Each chain asks for the next 200 ids above its last one
(a fresh query each time, never the offset cursor, so the 10,000-result cap does not apply);
the chains' searches are in flight together, on the search budget. When the properties do not
fit a search body, each page's ids are batch-read, 100 per request, several in flight, on the
burst budget. Pages are handed to the caller's thread as the answers arrive (each chain in id
order); records are written there only, and a full read has no checkpoint before its end.
"""

from __future__ import annotations

import functools
import queue
import threading
from collections.abc import Container, Iterator
from dataclasses import dataclass

from tap_hubspot_assoc.answers import CrmObject, object_page
from tap_hubspot_assoc.concurrency import OrderedPipeline, RequestPool
from tap_hubspot_assoc.readers import (
    BATCH_READ_SIZE,
    ID_PROPERTY,
    SEARCH_PAGE_SIZE,
    ObjectReader,
    last_keyset_id,
)

Page = list[CrmObject]
RUN_AHEAD_PAGES = 2  # answers per chain waiting to be written, at most


@dataclass(frozen=True)
class PortalExtent:
    """What one `limit=1` search sorted by id descending tells: the count and the highest id."""

    total: int
    max_id: int


def count_at_most(reader: ObjectReader, highest: int) -> int:
    """One search request: how many live records have an id <= `highest`."""
    at_most = {"propertyName": ID_PROPERTY, "operator": "LTE", "value": str(highest)}
    return reader.probe([at_most])[0]


def probe_extent(reader: ObjectReader) -> PortalExtent:
    """One search request: HubSpot's count of live records and the highest id."""
    total, highest = reader.probe([], highest_first=True)
    return PortalExtent(total, highest or 0)


@dataclass
class _Chain:
    """One id range (lower exclusive, upper inclusive or open) and where it has got to."""

    index: int
    after: int | None
    upper: int | None
    queued: int = 0  # pages handed to the reader's queue and not taken yet
    parked: bool = False  # stopped at RUN_AHEAD_PAGES; the reader relaunches it


@dataclass(frozen=True)
class _Answer:
    chain: _Chain | None  # None: a page of the list tail
    results: list[CrmObject]
    last: bool
    error: BaseException | None = None


@dataclass
class ListTail:
    """The list chain going on below `split` while the search chains read above it.

    `listed` holds every id the list handed out (before the switch too); when the tail ends,
    one count checks that the list covered every id up to `split`, else a search chain reads
    that range again and skips the listed ids.
    """

    pages: Iterator[Page]
    split: int
    listed: set[str]


class KeysetFullRead:
    """Every live record of one type, by keyset search chains (see the module docstring)."""

    def __init__(
        self,
        reader: ObjectReader,
        pool: RequestPool,
        *,
        chains: int,
        max_id: int,
        low_id: int = 0,
        after_id: int | None = None,
        skip_ids: Container[str] = (),
        list_tail: ListTail | None = None,
    ) -> None:
        """Ranges split (low_id, max_id] evenly; with `after_id` only ids above it are read
        (the caller knows every id up to it), else the first range is open downwards. With
        `list_tail` the chains start above its split, and the list covers the ids below."""
        self._reader = reader
        self._pool = pool
        self._skip = skip_ids if list_tail is None else list_tail.listed
        self._tail = list_tail if pool.concurrent else None
        self._tail_slots = threading.Semaphore(RUN_AHEAD_PAGES)
        chains = chains if pool.concurrent else 1
        if self._tail is not None:
            after_id = self._tail.split
        low = after_id if after_id is not None else low_id
        step = max(1, (max_id - low + chains) // max(1, chains))
        bounds = [low + step * i for i in range(1, chains)]
        lowers: list[int | None] = [after_id, *bounds]
        uppers: list[int | None] = [*bounds, None]
        ranges = enumerate(zip(lowers, uppers, strict=True))
        self._chains = [_Chain(i, lo, hi) for i, (lo, hi) in ranges]
        self.properties = reader.keyset_search_properties()
        self.searches = 0
        self._answers: queue.Queue[_Answer] = queue.Queue()
        self._lock = threading.Lock()

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
        batches: OrderedPipeline[Page] = OrderedPipeline(self._pool, self._pool.size)
        for chain in self._chains:
            self._launch(chain)
        open_chains = len(self._chains)
        if self._tail is not None:
            self._pool.submit(self._list_tail)
            open_chains += 1
        while open_chains:
            answer = self._answers.get()
            if answer.error is not None:
                raise answer.error
            if answer.chain is None:  # the list tail: properties already there
                self._tail_slots.release()
                if answer.results:
                    yield answer.results
                if answer.last and self._list_left_a_gap():
                    self._launch(self._gap_chain())
                    open_chains += 1
            else:
                self._taken(answer.chain)
                yield from self._records(answer.results, batches)
            open_chains -= int(answer.last)
        yield from _pages(batches.drain())

    def _sequential_pages(self) -> Iterator[Page]:
        """One request at a time (max_concurrent_requests = 1)."""
        batches: OrderedPipeline[Page] = OrderedPipeline(self._pool, 1)
        for chain in self._chains:
            while True:
                results = self._search_chain(chain)
                yield from self._records(results, batches)
                if len(results) < SEARCH_PAGE_SIZE:
                    break
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
        tail = self._tail
        assert tail is not None
        try:
            for page in tail.pages:
                keep = [obj for obj in page if int(obj["id"]) <= tail.split]
                tail.listed.update(str(obj["id"]) for obj in keep)
                passed = len(keep) < len(page)
                self._tail_slots.acquire()
                self._answers.put(_Answer(None, keep, passed))
                if passed:
                    return
            self._tail_slots.acquire()
            self._answers.put(_Answer(None, [], True))
        except BaseException as exc:  # handed to the reading thread, which raises it
            self._answers.put(_Answer(None, [], True, exc))

    def _list_left_a_gap(self) -> bool:
        """One count: did the list hand out every live id up to the split?"""
        tail = self._tail
        assert tail is not None
        return count_at_most(self._reader, tail.split) != len(tail.listed)

    def _gap_chain(self) -> _Chain:
        """A chain over every id up to the split (the listed ones are skipped)."""
        chain = _Chain(len(self._chains), None, self._tail.split if self._tail else None)
        self._chains.append(chain)
        return chain

    # -- chains ------------------------------------------------------------------------

    def _launch(self, chain: _Chain) -> None:
        with self._lock:
            self.searches += 1
        self._pool.submit(functools.partial(self._step, chain))

    def _step(self, chain: _Chain) -> None:
        """One search of `chain` (on a worker); queues the answer, relaunches unless parked."""
        try:
            results = self._search_chain(chain)
        except BaseException as exc:  # handed to the reading thread, which raises it
            self._answers.put(_Answer(chain, [], True, exc))
            return
        last = len(results) < SEARCH_PAGE_SIZE
        with self._lock:
            chain.queued += 1
            go_on = not last and chain.queued < RUN_AHEAD_PAGES
            chain.parked = not last and not go_on
        self._answers.put(_Answer(chain, results, last))
        if go_on:
            self._launch(chain)

    def _taken(self, chain: _Chain) -> None:
        """The reader took one of `chain`'s pages: a parked chain goes on."""
        with self._lock:
            chain.queued -= 1
            relaunch = chain.parked
            chain.parked = False
        if relaunch:
            self._launch(chain)

    def _search_chain(self, chain: _Chain) -> list[CrmObject]:
        """The next page of `chain` (its steps never overlap, so `after` is its own)."""
        path = self._reader.client.paths.search(self._reader.path_ref)
        body = self._reader.id_range_search_body(chain.after, chain.upper, self.properties)
        answer = self._reader.client.post(path, body, kind="search", search=True)
        results = object_page(answer, f"POST {path}").objects
        if results:
            chain.after = last_keyset_id(results, chain.after, self._reader.object_type)
        return results

    def _batch_read(self, ids: list[str]) -> Page:
        """Ids gone since the search (archived meanwhile) are left out, as list reads do."""
        found = self._reader.batch_read(ids)
        by_id = {str(obj["id"]): obj for obj in found.objects}
        return [by_id[i] for i in ids if i in by_id]


def _pages(done: Iterator[tuple[object, Page]]) -> Iterator[Page]:
    for _, page in done:
        if page:
            yield page
