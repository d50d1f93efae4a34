"""Full reads through keyset search chains over `hs_object_id` ranges, batch reads in parallel.

The id space up to the highest id at the start is cut into `chains` ranges, the last one open
upwards (records created meanwhile). Each chain asks for the next 200 ids above its last one
(a fresh query each time, never the offset cursor, so the 10,000-result cap does not apply);
the chains' searches are in flight together, on the search budget. When the properties do not
fit a search body, each page's ids are batch-read, 100 per request, several in flight, on the
burst budget. Pages are handed back on the caller's thread in a fixed order (the chains in
turn, each in id order), whatever order the answers arrive in.
"""

from __future__ import annotations

import functools
from collections import deque
from collections.abc import Container, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from tap_hubspot_assoc import paths
from tap_hubspot_assoc.concurrency import OrderedPipeline, RequestPool
from tap_hubspot_assoc.readers import (
    BATCH_READ_SIZE,
    ID_PROPERTY,
    SEARCH_PAGE_SIZE,
    KeysetOrderError,
    ObjectReader,
)

Page = list[dict[str, Any]]


@dataclass(frozen=True)
class PortalExtent:
    """What one `limit=1` search sorted by id descending tells: the count and the highest id."""

    total: int
    max_id: int


def count_at_most(reader: ObjectReader, highest: int) -> int:
    """One search request: how many live records have an id <= `highest`."""
    at_most = {"propertyName": ID_PROPERTY, "operator": "LTE", "value": str(highest)}
    body = reader.client.post(
        paths.search(reader.path_ref),
        {
            "filterGroups": [{"filters": [at_most]}],
            "properties": [ID_PROPERTY],
            "limit": 1,
        },
        kind="search",
        search=True,
    )
    return int(body.get("total") or 0)


def probe_extent(reader: ObjectReader) -> PortalExtent:
    """One search request: HubSpot's count of live records and the highest id."""
    body = reader.client.post(
        paths.search(reader.path_ref),
        {
            "filterGroups": [],
            "sorts": [{"propertyName": ID_PROPERTY, "direction": "DESCENDING"}],
            "properties": [ID_PROPERTY],
            "limit": 1,
        },
        kind="search",
        search=True,
    )
    results = body.get("results") or []
    return PortalExtent(int(body.get("total") or 0), int(results[0]["id"]) if results else 0)


@dataclass
class _Chain:
    """One id range (lower exclusive, upper inclusive or open) and where it has got to."""

    index: int
    after: int | None
    upper: int | None


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
    ) -> None:
        """Ranges split (low_id, max_id] evenly; with `after_id` only ids above it are read
        (the caller knows every id up to it), else the first range is open downwards."""
        self._reader = reader
        self._pool = pool
        self._skip = skip_ids
        low = after_id if after_id is not None else low_id
        step = max(1, (max_id - low + chains) // max(1, chains))
        bounds = [low + step * i for i in range(1, chains)]
        lowers: list[int | None] = [after_id, *bounds]
        uppers: list[int | None] = [*bounds, None]
        ranges = enumerate(zip(lowers, uppers, strict=True))
        self._chains = [_Chain(i, lo, hi) for i, (lo, hi) in ranges]
        self.properties = reader.keyset_search_properties()
        self.searches = 0

    @property
    def carries_properties(self) -> bool:
        return self.properties == self._reader.property_names

    def pages(self) -> Iterator[Page]:
        """Pages of records in a fixed order; the searches and batch reads overlap."""
        batches: OrderedPipeline[Page] = OrderedPipeline(self._pool, self._pool.size)
        waiting: deque[tuple[_Chain, Future[dict[str, Any]]]] = deque(
            (chain, self._submit(chain)) for chain in self._chains
        )
        while waiting:
            chain, future = waiting.popleft()
            results = future.result().get("results") or []
            if results:
                chain.after = _last_id(results, chain.after, self._reader.object_type)
            if len(results) == SEARCH_PAGE_SIZE:
                waiting.append((chain, self._submit(chain)))
            fresh = [obj for obj in results if str(obj["id"]) not in self._skip]
            if not fresh:
                continue
            if self.carries_properties:
                yield fresh
                continue
            ids = [str(obj["id"]) for obj in fresh]
            for start in range(0, len(ids), BATCH_READ_SIZE):
                chunk = ids[start : start + BATCH_READ_SIZE]
                task = functools.partial(self._batch_read, chunk)
                yield from _pages(batches.submit(None, task))
        yield from _pages(batches.drain())

    def _submit(self, chain: _Chain) -> Future[dict[str, Any]]:
        self.searches += 1
        return self._pool.submit(functools.partial(self._search, chain.after, chain.upper))

    def _search(self, after: int | None, upper: int | None) -> dict[str, Any]:
        return dict(
            self._reader.client.post(
                paths.search(self._reader.path_ref),
                self._reader.id_range_search_body(after, upper, self.properties),
                kind="search",
                search=True,
            )
        )

    def _batch_read(self, ids: list[str]) -> Page:
        """Ids gone since the search (archived meanwhile) are left out, as list reads do."""
        found = self._reader.batch_read(ids)
        by_id = {str(obj["id"]): obj for obj in found.objects}
        return [by_id[i] for i in ids if i in by_id]


def _pages(done: Iterator[tuple[object, Page]]) -> Iterator[Page]:
    for _, page in done:
        if page:
            yield page


def _last_id(results: list[dict[str, Any]], after: int | None, object_type: str) -> int:
    previous = after
    for obj in results:
        current = int(obj["id"])
        if previous is not None and current <= previous:
            msg = (
                f"{object_type} search returned id {current} after {previous}: ids must "
                "strictly increase under keyset paging; stopping rather than loop or skip"
            )
            raise KeysetOrderError(msg)
        previous = current
    assert previous is not None
    return previous
