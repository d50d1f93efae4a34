"""Id boundaries chosen by record counts, whatever the ids look like.

HubSpot's search pages with an integer offset (`after`; a query reaches its first 10,000
results). A `limit=1` search of an id range sorted by id with `after = k - 1` therefore answers
the k-th id of the range, and in `total` the range's count: an exact quantile for one search
request. Eras of 11-digit ids next to small ones, dense import blocks, holes and outliers cost
the same as uniform ids. A rank further than 10,000 from both ends of the range is reached in
strides of 10,000 records (one search each); the searches of one round (one per boundary still
open) are in flight together, so a split of n records costs about n / 20,000 round trips.
The search landing on a cut from below can ask for a search page of records with their
properties instead of one id: the first page of the chain starting at the cut, read by the
cut's own request (`CutPage`). Also here: the planner's other `limit=1` counts
(`probe_extent`, `count_at_most`).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from tap_hubspot_assoc.answers import CrmObject, object_page
from tap_hubspot_assoc.concurrency import RequestPool
from tap_hubspot_assoc.keyset_search import ID_PROPERTY, SEARCH_PAGE_SIZE, id_range_body
from tap_hubspot_assoc.readers import ObjectReader

MAX_OFFSET = 9_999  # the last result a search query can reach (10,000 per query)


class Direction(StrEnum):
    """Which end of the range a rank search counts from."""

    UP = "ASCENDING"  # from a lower bound (exclusive), upwards
    DOWN = "DESCENDING"  # from an upper bound (inclusive), downwards


@dataclass(frozen=True)
class Anchor:
    """A known point: `rank` records of the split range have an id <= `id` (None: open end)."""

    rank: int
    id: int | None


@dataclass(frozen=True)
class CutPage:
    """The records a cut's search read just above the cut (the first page of the chain that
    starts there), and whether the search got all it asked for (else the ids end in it)."""

    records: list[CrmObject]
    complete: bool


@dataclass(frozen=True)
class _Probe:
    direction: Direction
    anchor: Anchor
    offset: int
    page: bool = False  # also read the records after the rank (a chain's first page)


def range_search(
    reader: ObjectReader,
    after: int | None,
    upper: int | None,
    *,
    offset: int = 0,
    direction: Direction = Direction.UP,
) -> tuple[int, int | None]:
    """One `limit=1` search of after < id <= upper (open ends left out): (the range's count,
    the id `offset` places from its lower end, or from its upper end going DOWN)."""
    count, objects = range_page(reader, after, upper, offset=offset, direction=direction)
    return count, int(objects[0]["id"]) if objects else None


def range_page(
    reader: ObjectReader,
    after: int | None,
    upper: int | None,
    *,
    offset: int = 0,
    direction: Direction = Direction.UP,
    properties: Sequence[str] = (ID_PROPERTY,),
    limit: int = 1,
) -> tuple[int, list[CrmObject]]:
    """One search of after < id <= upper sorted by id: (the range's count, the `limit` records
    from `offset` places past its lower end, or its upper end going DOWN)."""
    body: dict[str, Any] = id_range_body(after, upper, list(properties))
    body["sorts"] = [{"propertyName": ID_PROPERTY, "direction": direction.value}]
    body["limit"] = limit
    if offset:
        body["after"] = str(offset)
    path = reader.client.paths.search(reader.path_ref)
    answer = reader.client.post(path, body, kind="search", search=True)
    page = object_page(answer, f"POST {path}")
    return page.total or 0, page.objects


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


class RankSearch:
    """The ids at given ranks above `low` (exclusive; None: from the lowest id) among `total`
    records, found by offset searches from the nearest known point (see the module docstring).

    `searches` counts the requests spent, `counted` the records above `low` as the last search
    over all of them answered (None before one did: the first round's searches all are). A rank
    the range no longer holds (records archived meanwhile) has no id: the caller gets fewer
    boundaries, never a wrong one.
    """

    def __init__(
        self,
        reader: ObjectReader,
        pool: RequestPool,
        low: int | None,
        total: int,
        page_properties: Sequence[str] | None = None,
    ):
        self._reader = reader
        self._pool = pool
        self._low = low
        self._page_properties = page_properties
        self.pages: dict[int, CutPage] = {}  # by cut id: the records just above it
        self._bottom, self._top = Anchor(0, low), Anchor(total, None)
        self._anchors = [self._bottom, self._top]
        self.searches = 0
        self.counted: int | None = None

    def ids_at(self, ranks: Sequence[int]) -> dict[int, int]:
        """{rank: id} for every rank in 1..total the range still holds."""
        top = self._top.rank
        open_ranks = sorted({r for r in ranks if 0 < r <= top})
        found: dict[int, int] = {}
        # Strides move 10,000 ranks each; the bound only guards against counts that change.
        for _ in range(math.ceil(top / (2 * (MAX_OFFSET + 1))) + 3):
            if not open_ranks:
                break
            wanted = {r: self._plan(r) for r in open_ranks}
            probes = list(dict.fromkeys(p for p in wanted.values() if isinstance(p, _Probe)))
            futures = [self._pool.submit(functools.partial(self._search, p)) for p in probes]
            answers = {p: f.result() for p, f in zip(probes, futures, strict=True)}
            self.searches += len(probes)
            for answer in answers.values():
                if answer is not None and answer not in self._anchors:
                    self._anchors.append(answer)
            self._anchors.sort(key=lambda a: (a.rank, a.id is None, a.id or 0))
            still_open = []
            for r, plan in wanted.items():
                if isinstance(plan, Anchor):  # already a known point (never an open end)
                    if plan.id is not None:
                        found[r] = plan.id
                    continue
                answer = answers[plan]
                if answer is None:
                    continue  # the range holds fewer records than counted: no boundary
                if self._exact(r, plan):
                    if answer.id is not None:
                        found[r] = answer.id
                else:
                    still_open.append(r)
            open_ranks = still_open
        return found

    def _plan(self, rank: int) -> _Probe | Anchor:
        """The search that lands on `rank`, or the stride toward it (or the known point)."""
        below = max(
            (a for a in self._anchors if a.rank < rank and a is not self._top),
            key=lambda a: a.rank,
        )
        above = min(
            (a for a in self._anchors if a.rank >= rank and a is not self._bottom),
            key=lambda a: a.rank,
        )
        if above.rank == rank and above.id is not None:
            return above
        up, down = rank - below.rank - 1, above.rank - rank
        if up <= MAX_OFFSET:
            return _Probe(Direction.UP, below, up, page=self._page_properties is not None)
        if down <= MAX_OFFSET:
            return _Probe(Direction.DOWN, above, down)
        if up <= down:
            return _Probe(Direction.UP, below, MAX_OFFSET)
        return _Probe(Direction.DOWN, above, MAX_OFFSET)

    @staticmethod
    def _exact(rank: int, probe: _Probe) -> bool:
        if probe.direction is Direction.UP:
            return probe.anchor.rank + probe.offset + 1 == rank
        return probe.anchor.rank - probe.offset == rank

    def _search(self, probe: _Probe) -> Anchor | None:
        """One search from `probe.anchor`: the point it lands on (None: the range ran out)."""
        if probe.direction is Direction.UP:
            properties = self._page_properties if probe.page else None
            limit = min(SEARCH_PAGE_SIZE, MAX_OFFSET + 1 - probe.offset) if properties else 1
            count, objects = range_page(
                self._reader,
                probe.anchor.id,
                None,
                offset=probe.offset,
                properties=properties or (ID_PROPERTY,),
                limit=limit,
            )
            found = int(objects[0]["id"]) if objects else None
            if properties and found is not None:
                self.pages[found] = CutPage(objects[1:], complete=len(objects) == limit)
            if probe.anchor is self._bottom:
                self.counted = count  # (low, open): every record above `low`
            rank = probe.anchor.rank + probe.offset + 1
        else:
            count, found = range_search(
                self._reader,
                self._low,
                probe.anchor.id,
                offset=probe.offset,
                direction=Direction.DOWN,
            )
            rank = count - probe.offset  # the range's own count: right even if the top moved
            if probe.anchor.id is None:
                self.counted = count
        return None if found is None else Anchor(rank, found)


@dataclass(frozen=True)
class Cuts:
    """Counted cut points, the searches they cost, and the records counted above the range's
    lower end (None: no search counted them)."""

    points: list[Anchor]
    searches: int
    counted: int | None
    pages: dict[int, CutPage] = field(default_factory=dict)


def cuts_at_ranks(
    reader: ObjectReader,
    pool: RequestPool,
    *,
    low: int | None,
    total: int,
    ranks: Sequence[int],
    page_properties: Sequence[str] | None = None,
) -> Cuts:
    """The ids at `ranks` among the `total` records above `low`, in order (ranks the range no
    longer holds, and ids out of order after concurrent changes, left out). With
    `page_properties`, the search landing on a cut also reads the records just above it with
    those properties (up to a search page: `Cuts.pages`), so the chain starting there has its
    first page for no request of its own."""
    search = RankSearch(reader, pool, low, total, page_properties)
    at = search.ids_at(ranks)
    points: list[Anchor] = []
    floor = low
    for rank in sorted(at):
        if floor is None or at[rank] > floor:
            points.append(Anchor(rank, at[rank]))
            floor = at[rank]
    return Cuts(points, search.searches, search.counted, search.pages)


def ids_at_ranks(
    reader: ObjectReader, pool: RequestPool, *, low: int | None, total: int, ranks: Sequence[int]
) -> tuple[list[Anchor], int]:
    """`cuts_at_ranks`' points and searches."""
    cuts = cuts_at_ranks(reader, pool, low=low, total=total, ranks=ranks)
    return cuts.points, cuts.searches
