"""The ranges of keyset search chains (keyset_reads.py): where each chain is, the ranges the
planner's counted cuts give, the list tail below the chains, and a dry chain's steal."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

from tap_hubspot_assoc.answers import CrmObject
from tap_hubspot_assoc.id_split import Anchor

Page = list[CrmObject]


@dataclass
class Chain:
    """One id range (lower exclusive, upper inclusive or open) and where it has got to.

    `expected` is the range's count when it was given (records), `read` what its answers held
    since: a chain that runs dry takes half of the busiest one's `left`. Index -1: the list tail
    (`after` its highest listed id, `upper` its split)."""

    index: int
    after: int | None
    upper: int | None
    expected: int = 0
    read: int = 0
    queued: int = 0  # pages handed to the reader's queue and not taken yet
    parked: bool = False  # stopped at RUN_AHEAD_PAGES; the reader relaunches it
    done: bool = False  # its last answer came
    splitting: bool = False  # a dry chain is counting its range to take half

    @property
    def left(self) -> int:
        return max(0, self.expected - self.read)


@dataclass(frozen=True)
class Steal:
    """A chain that ran dry took the upper part of `victim`'s range (-1: the list tail)."""

    thief: int
    victim: int
    at: int  # the victim's range now ends at this id; the thief reads above it
    records: int  # the records the thief's range held, counted


@dataclass
class ListTail:
    """The list chain going on below `split` while the search chains read above it.

    `listed` holds every id the list handed out (before the switch too), `expected` the count
    of records between the highest listed id and `split`. A dry search chain may lower the
    split and read above it (and `expected` with it). When the tail ends having read other than
    `expected` records, one count checks that the list covered every id up to the split, else
    a search chain reads that range again and skips the listed ids.
    """

    pages: Iterator[Page]
    split: int
    listed: set[str]
    expected: int = 0


@dataclass(frozen=True)
class ChainRanges:
    """The chains' ranges: (after, bounds[0]], (bounds[0], bounds[1]], ..., (bounds[-1], open),
    and the records each held when counted."""

    after: int | None
    bounds: list[int]
    counts: list[int]

    @classmethod
    def at_ranks(cls, after: int | None, points: list[Anchor], total: int) -> ChainRanges:
        """Ranges cut at counted points (rank: records above `after` up to the id)."""
        ranks = [0, *(p.rank for p in points), total]
        counts = [max(0, b - a) for a, b in itertools.pairwise(ranks)]
        return cls(after, [p.id for p in points if p.id is not None], counts)

    def chains(self) -> list[Chain]:
        lowers: list[int | None] = [self.after, *self.bounds]
        uppers: list[int | None] = [*self.bounds, None]
        counts = [*self.counts, *[0] * (len(lowers) - len(self.counts))]
        ranges = zip(lowers, uppers, counts[: len(lowers)], strict=True)
        return [Chain(i, lo, hi, n) for i, (lo, hi, n) in enumerate(ranges)]
