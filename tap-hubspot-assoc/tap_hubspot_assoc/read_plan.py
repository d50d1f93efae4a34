"""How to read one object type: the candidate plans, their cost per budget, the one chosen.

HubSpot meters two budgets: the app's burst limit (list pages, batch reads, association reads)
and the account's search limit. A list read is a cursor chain, one page in flight, so its speed
is 100 records per round trip; a keyset search over `hs_object_id` ranges runs several chains
at once, and batch reads of its ids run in parallel. The planner estimates each plan's wall time
from the budgets and the round trips measured on this run's own requests.

Rule: the list plan (the fewest burst requests, and the source of truth for full reads) is kept
unless latency makes it slower than the rate limit allows and another plan is expected to take
at most `SWITCH_GAIN` of its time and save at least `MIN_SAVING_SECONDS`. With no latency to
hide the list plan is therefore always chosen; `read_plan: fewest_requests` forbids the switch.

When to weigh (`look_at_listing`, after every list page): early, from `EARLY_PAGES` pages on,
with the fastest list answer seen (load on the machine only ever adds time, so one fast answer
among slow ones means the list chain can keep up: no switch); the records are counted next to
the next page as soon as every answer so far was slower than the burst limit allows and than
`EARLY_SLOW_SECONDS`. Last, after `PLAN_AFTER_SECONDS` of listing, once with the median
answer (slower than the burst limit allows: weighed; else the list reads to the end).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

LIST_PAGE = 100
SEARCH_PAGE = 200
BATCH_READ = 100
SWITCH_GAIN = 0.8  # another plan must take at most 80 % of the list plan's expected time
MIN_SAVING_SECONDS = 10.0  # ... and save at least this much: short reads stay on list pages
MAX_CHAINS = 5
EARLY_PAGES = 2  # list pages answered before the plans are first weighed
# An early look counts only list answers slower than this (as well as slower than the burst
# limit allows): a local or instant server, even on a loaded machine, answers faster.
EARLY_SLOW_SECONDS = 0.15
PLAN_AFTER_SECONDS = 3.0  # the last look: the plans weighed with the median list answer


class PlanGoal(StrEnum):
    """The `read_plan` setting."""

    FASTEST = "fastest"
    FEWEST_REQUESTS = "fewest_requests"


class ReadPlanKind(StrEnum):
    """The ways to read every record of a type."""

    LIST = "list pages"
    SEARCH = "keyset search"
    SEARCH_AND_BATCH = "keyset search + batch read"


@dataclass(frozen=True)
class Budgets:
    """Requests per second on each budget, and how many may be in flight at once."""

    burst_per_second: float
    search_per_second: float
    in_flight: int


@dataclass(frozen=True)
class RoundTrips:
    """Measured seconds per answer (list page, search page, batch read of 100)."""

    list_page: float
    search: float
    batch_read: float


@dataclass(frozen=True)
class ReadShape:
    """What the planner knows about the read: records left and request sizes."""

    records: int
    requests_per_list_page: int  # property URL chunks, or 2 (ids + batch read) for wide types
    search_carries_properties: bool  # every property fits a 3,000-character search body
    history_batch: int = 0  # records per history batch read (0: no property history)

    @property
    def history_reads(self) -> int:
        """Burst requests for the records' property history (the same in every plan)."""
        return math.ceil(self.records / self.history_batch) if self.history_batch else 0


@dataclass(frozen=True)
class ReadPlan:
    """One way to read `records` records: requests per budget and the expected seconds."""

    kind: ReadPlanKind
    records: int
    burst_requests: int
    search_requests: int
    seconds: float
    chains: int = 1

    @property
    def requests(self) -> int:
        return self.burst_requests + self.search_requests

    def describe(self) -> str:
        """`keyset search + batch read (2 chains): 500 search + 1,000 burst requests, ~125 s`."""
        chains = f" ({self.chains} chains)" if self.chains > 1 else ""
        return (
            f"{self.kind.value}{chains}: {self.search_requests:,} search + "
            f"{self.burst_requests:,} burst requests for ~{self.records:,} records, "
            f"~{self.seconds:.0f} s"
        )


def list_plan(shape: ReadShape, budgets: Budgets, trips: RoundTrips) -> ReadPlan:
    """The cursor chain: one page in flight; each page's requests one after the other."""
    pages = math.ceil(shape.records / LIST_PAGE)
    burst = pages * shape.requests_per_list_page + shape.history_reads
    chain = pages * trips.list_page * shape.requests_per_list_page
    return ReadPlan(
        ReadPlanKind.LIST, shape.records, burst, 0, max(burst / budgets.burst_per_second, chain)
    )


def search_plan(shape: ReadShape, budgets: Budgets, trips: RoundTrips) -> ReadPlan:
    """Keyset search chains over id ranges (+ batch reads of 100 when properties do not fit)."""
    searches = math.ceil(shape.records / SEARCH_PAGE)
    # Enough chains to keep the search budget busy despite each chain's round trip, plus
    # slack for the time answers wait to be written.
    chains = max(1, min(MAX_CHAINS, math.ceil(budgets.search_per_second * trips.search) + 2))
    seconds = max(searches / budgets.search_per_second, searches * trips.search / chains)
    batch = shape.history_reads  # history batch reads, on the burst budget
    if not shape.search_carries_properties:
        batch += math.ceil(shape.records / BATCH_READ)
    if batch:
        slots = max(1, budgets.in_flight - chains)
        seconds = max(seconds, batch / budgets.burst_per_second, batch * trips.batch_read / slots)
    kind = ReadPlanKind.SEARCH if shape.search_carries_properties else ReadPlanKind.SEARCH_AND_BATCH
    return ReadPlan(kind, shape.records, batch, searches, seconds, chains)


def choose(
    shape: ReadShape, budgets: Budgets, trips: RoundTrips, goal: PlanGoal
) -> tuple[ReadPlan, ReadPlan]:
    """(chosen plan, the list plan it was weighed against)."""
    listed = list_plan(shape, budgets, trips)
    if goal is PlanGoal.FEWEST_REQUESTS or budgets.in_flight < 2:
        return listed, listed
    searched = search_plan(shape, budgets, trips)
    saving = listed.seconds - searched.seconds
    if searched.seconds <= listed.seconds * SWITCH_GAIN and saving >= MIN_SAVING_SECONDS:
        return searched, listed
    return listed, listed


def filtered_list_or_window(
    *, window_records: int, all_records: int, shape: ReadShape
) -> tuple[bool, int, int]:
    """First run with `start_date`: (read list pages and filter?, list requests, search plan's).

    Listing every record and keeping those modified since `start_date` costs one page per 100
    records of the type; searching the window costs one search per 200 of the window, plus a
    batch read per 100 when the properties do not fit the search body. Fewest requests wins;
    a tie goes to the window search, which checkpoints as it goes.
    """
    list_requests = math.ceil(all_records / LIST_PAGE) * shape.requests_per_list_page
    search_requests = math.ceil(window_records / SEARCH_PAGE)
    if not shape.search_carries_properties:
        search_requests += math.ceil(window_records / BATCH_READ)
    return list_requests < search_requests, list_requests, search_requests


class Look(StrEnum):
    """What the planner does after a list page (see `look_at_listing`)."""

    WATCH = "watch"  # the list chain keeps up so far: look again after the next page
    COUNT = "count"  # every answer was slow: count the records next to the next page
    WEIGH = "weigh"  # weigh the plans now with `Glance.list_page`
    FINAL = "final"  # the last look: weigh with `Glance.list_page` (median), then stay
    STAY = "stay"  # the list chain runs at the burst limit: list to the end


@dataclass(frozen=True)
class Glance:
    """The planner's look after a list page, and the list round trip to weigh with."""

    look: Look
    list_page: float = 0.0


def look_at_listing(
    samples: Sequence[float],
    pages: int,
    elapsed: float,
    budgets: Budgets,
    *,
    history: bool = False,
) -> Glance:
    """After `pages` list pages and `elapsed` seconds of listing, with `samples` the measured
    list round trips (seconds): watch, count, weigh early (fastest answer), or the last look
    (median answer; with property history the plans are weighed even at the burst limit)."""
    if not samples:
        return Glance(Look.WATCH)
    slow_after = 1.0 / budgets.burst_per_second / SWITCH_GAIN
    if elapsed >= PLAN_AFTER_SECONDS:
        median = statistics.median(samples)
        if median <= slow_after and not history:
            return Glance(Look.STAY, median)
        return Glance(Look.FINAL, median)
    fastest = min(samples)
    if fastest <= max(slow_after, EARLY_SLOW_SECONDS):
        return Glance(Look.WATCH, fastest)
    if pages < EARLY_PAGES:
        return Glance(Look.COUNT, fastest)
    return Glance(Look.WEIGH, fastest)
