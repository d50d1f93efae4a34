"""Id boundaries chosen by record counts, whatever the ids look like.

HubSpot's search pages with an integer offset (`after`; a query reaches its first 10,000
results). A `limit=1` search of an id range sorted by id with `after = k - 1` therefore answers
the k-th id of the range, and in `total` the range's count: an exact quantile for one search
request. Eras of 11-digit ids next to small ones, dense import blocks, holes and outliers cost
the same as uniform ids. A rank further than 10,000 from both ends of the range is reached in
strides of 10,000 records (one search each); the searches of one round (one per boundary still
open) are in flight together, so a split of n records costs about n / 20,000 round trips.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from tap_hubspot_assoc.answers import object_page
from tap_hubspot_assoc.concurrency import RequestPool
from tap_hubspot_assoc.readers import ID_PROPERTY, ObjectReader

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
class _Probe:
    direction: Direction
    anchor: Anchor
    offset: int


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
    body: dict[str, Any] = reader.id_range_search_body(after, upper, [ID_PROPERTY])
    body["sorts"] = [{"propertyName": ID_PROPERTY, "direction": direction.value}]
    body["limit"] = 1
    if offset:
        body["after"] = str(offset)
    path = reader.client.paths.search(reader.path_ref)
    answer = reader.client.post(path, body, kind="search", search=True)
    page = object_page(answer, f"POST {path}")
    return page.total or 0, int(page.objects[0]["id"]) if page.objects else None


class RankSearch:
    """The ids at given ranks above `low` (exclusive; None: from the lowest id) among `total`
    records, found by offset searches from the nearest known point (see the module docstring).

    `searches` counts the requests spent, `counted` the records above `low` as the last search
    over all of them answered (None before one did: the first round's searches all are). A rank
    the range no longer holds (records archived meanwhile) has no id: the caller gets fewer
    boundaries, never a wrong one.
    """

    def __init__(self, reader: ObjectReader, pool: RequestPool, low: int | None, total: int):
        self._reader = reader
        self._pool = pool
        self._low = low
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
            return _Probe(Direction.UP, below, up)
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
            count, found = range_search(self._reader, probe.anchor.id, None, offset=probe.offset)
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


def cuts_at_ranks(
    reader: ObjectReader, pool: RequestPool, *, low: int | None, total: int, ranks: Sequence[int]
) -> Cuts:
    """The ids at `ranks` among the `total` records above `low`, in order (ranks the range no
    longer holds, and ids out of order after concurrent changes, left out)."""
    search = RankSearch(reader, pool, low, total)
    at = search.ids_at(ranks)
    points: list[Anchor] = []
    floor = low
    for rank in sorted(at):
        if floor is None or at[rank] > floor:
            points.append(Anchor(rank, at[rank]))
            floor = at[rank]
    return Cuts(points, search.searches, search.counted)


def ids_at_ranks(
    reader: ObjectReader, pool: RequestPool, *, low: int | None, total: int, ranks: Sequence[int]
) -> tuple[list[Anchor], int]:
    """`cuts_at_ranks`' points and searches."""
    cuts = cuts_at_ranks(reader, pool, low=low, total=total, ranks=ranks)
    return cuts.points, cuts.searches
