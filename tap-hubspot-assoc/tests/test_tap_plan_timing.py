"""When the read planner looks at a listing, counts and weighs: injected round trips and clock,
no server and no timing (the decision rule of `read_plan.look_at_listing` and its wiring in
`PlannedReads.full_pages`)."""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pytest
from tap_hubspot_assoc.id_split import PortalExtent
from tap_hubspot_assoc.planned_reads import PlannedReads
from tap_hubspot_assoc.read_plan import (
    PLAN_AFTER_SECONDS,
    Budgets,
    Look,
    PlanGoal,
    ReadPlanKind,
    ReadShape,
    RoundTrips,
    choose,
    look_at_listing,
)

T = TypeVar("T")
HUBSPOT = Budgets(burst_per_second=10, search_per_second=5, in_flight=8)
REALISTIC = [0.30, 0.27, 0.33, 0.29, 0.31, 0.28]  # the simulator's list pages at realistic latency
INSTANT = [0.009, 0.008, 0.011, 0.009, 0.010, 0.008]  # at 0 ms on a machine at load 8
AT_BURST_LIMIT = [0.09, 0.08, 0.1, 0.09, 0.09, 0.1]  # keeps up with 10 requests per second
SKEWED_10K = 9_700


@pytest.mark.parametrize(
    ("samples", "pages", "elapsed", "look"),
    [
        (REALISTIC[:1], 1, 0.3, Look.COUNT),  # slow from the first answer: count next to page 2
        (REALISTIC[:2], 2, 0.6, Look.WEIGH),  # two slow answers: weigh now
        (INSTANT[:2], 2, 0.02, Look.WATCH),
        ([0.2, *INSTANT[:1]], 2, 0.2, Look.WATCH),  # one answer slowed by load, one fast
        (AT_BURST_LIMIT[:2], 2, 0.2, Look.WATCH),
        (AT_BURST_LIMIT, 30, PLAN_AFTER_SECONDS, Look.STAY),  # the last look: list to the end
        (REALISTIC, 10, PLAN_AFTER_SECONDS, Look.FINAL),
        ([], 0, 0.0, Look.WATCH),
    ],
)
def test_the_look_after_a_list_page(samples, pages, elapsed, look):
    assert look_at_listing(samples, pages, elapsed, HUBSPOT).look is look


def test_under_generous_limits_an_instant_server_is_not_counted_early():
    """With 1,000 requests per second (the tests' limits) every answer is slower than the
    burst limit allows; an early look still waits for answers slower than EARLY_SLOW_SECONDS,
    so short reads send no count."""
    generous = Budgets(burst_per_second=1_000, search_per_second=1_000, in_flight=8)
    assert look_at_listing(INSTANT[:2], 2, 0.02, generous).look is Look.WATCH
    assert look_at_listing(REALISTIC[:2], 2, 0.6, generous).look is Look.WEIGH


def test_an_early_look_weighs_with_the_fastest_answer_and_the_last_with_the_median():
    early = look_at_listing([0.5, 0.3], 2, 0.8, HUBSPOT)
    assert (early.look, early.list_page) == (Look.WEIGH, 0.3)
    last = look_at_listing([0.5, 0.3, 0.4], 3, PLAN_AFTER_SECONDS, HUBSPOT)
    assert (last.look, last.list_page) == (Look.FINAL, 0.4)


def test_with_property_history_the_last_look_weighs_even_at_the_burst_limit():
    look = look_at_listing(AT_BURST_LIMIT, 30, PLAN_AFTER_SECONDS, HUBSPOT, history=True)
    assert look.look is Look.FINAL


def _weighed(list_page: float, records: int) -> ReadPlanKind:
    shape = ReadShape(records, requests_per_list_page=1, search_carries_properties=True)
    trips = RoundTrips(list_page=list_page, search=0.15, batch_read=0.15)
    return choose(shape, HUBSPOT, trips, PlanGoal.FASTEST)[0].kind


def test_the_early_weighing_switches_10k_skewed_contacts_at_realistic_latency():
    look = look_at_listing(REALISTIC[:2], 2, 0.6, HUBSPOT)
    assert look.look is Look.WEIGH
    assert _weighed(look.list_page, SKEWED_10K - 200) is ReadPlanKind.SEARCH


def test_an_answer_just_slow_enough_to_be_counted_does_not_switch_10k_contacts():
    """The early look counts from 0.15 s on; at 10k records the switch needs more than that
    (10 s saved): a machine loaded enough to slow every list answer to 0.15 s does not make
    the 0 ms read switch."""
    look = look_at_listing([0.16, 0.151], 2, 0.35, HUBSPOT)
    assert look.look is Look.WEIGH
    assert _weighed(look.list_page, SKEWED_10K - 200) is ReadPlanKind.LIST


# -- the wiring in PlannedReads.full_pages ------------------------------------------------


@dataclass
class _Stats:
    round_trips: dict[str, deque[float]] = field(default_factory=dict)

    def median_round_trip(self, *kinds: str) -> float | None:
        return None


@dataclass
class _Client:
    stats: _Stats = field(default_factory=_Stats)


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class _Reader:
    """List pages of 100 ids answered in the given round trips (the clock moves by each),
    and the count search (`probe`) noted with the page it was sent after."""

    object_type = "contacts"
    modified_property = "lastmodifieddate"

    def __init__(self, trips: Sequence[float], clock: _Clock) -> None:
        self.client = _Client()
        self.trips = trips
        self.clock = clock
        self.list_cursor: str | None = None
        self.pages_answered = 0
        self.probed_after: list[int] = []

    def list_pages(self) -> Iterator[list[dict[str, Any]]]:
        for i, trip in enumerate(self.trips):
            self.clock.now += trip
            self.client.stats.round_trips.setdefault("list", deque(maxlen=20)).append(trip)
            self.pages_answered = i + 1
            self.list_cursor = None if i == len(self.trips) - 1 else str(i)
            yield [{"id": str(100 * i + j + 1)} for j in range(100)]

    def probe(self, filters: list[Any], *, highest_first: bool = False) -> tuple[int, int]:
        self.probed_after.append(self.pages_answered)
        return 100 * len(self.trips), 100 * len(self.trips)

    def list_requests_per_page(self) -> int:
        return 1

    def search_carries_properties(self) -> bool:
        return True


class _InlinePool:
    """A pool that counts as concurrent but runs each task when it is submitted, so the
    count search is noted with the page it was sent after, whatever the threads do."""

    concurrent = True
    size = 4

    def submit(self, task: Callable[[], T]) -> Future[T]:
        future: Future[T] = Future()
        future.set_result(task())
        return future


def _full_read(
    trips: Sequence[float], monkeypatch: pytest.MonkeyPatch, *, goal: PlanGoal = PlanGoal.FASTEST
) -> tuple[_Reader, list[tuple[int, float, bool]], int]:
    """Run `full_pages` over pages answered in `trips`; (reader, the weighings as (pages
    answered, list round trip, last look?), pages read). Every weighing keeps the list."""
    clock = _Clock()
    reader = _Reader(trips, clock)
    weighed: list[tuple[int, float, bool]] = []

    def replan(
        self: PlannedReads,
        listed: set[str],
        listing: Any,
        extent: PortalExtent,
        list_page: float,
        final: bool,
    ) -> Look:
        assert extent.total == 100 * len(trips)  # the count was there to weigh with
        weighed.append((reader.pages_answered, list_page, final))
        return Look.STAY if final else Look.WATCH

    monkeypatch.setattr(PlannedReads, "_replan", replan)
    pool = _InlinePool()
    planned = PlannedReads(reader, pool, HUBSPOT, goal, logging.getLogger("test"))  # type: ignore[arg-type]
    planned.clock = clock
    pages = sum(1 for _ in planned.full_pages())
    return reader, weighed, pages


def test_slow_list_answers_are_counted_after_the_first_page_and_weighed_after_the_second(
    monkeypatch: pytest.MonkeyPatch,
):
    reader, weighed, pages = _full_read(REALISTIC * 3, monkeypatch)
    assert reader.probed_after == [1]  # one count, sent next to the second page
    assert weighed[0] == (2, min(REALISTIC[:2]), False)
    assert all(not final for *_, final in weighed[:-1])
    # Kept on the list by every early weighing, the last look comes after 3 s of listing.
    assert weighed[-1][2] is True
    assert weighed[-1][0] == 11  # 10 pages of ~0.3 s (3.0 s), the eleventh passes it
    assert pages == len(REALISTIC * 3)


@pytest.mark.parametrize(
    "trips",
    [INSTANT * 3, AT_BURST_LIMIT * 6, [0.2, *INSTANT * 3]],
    ids=["instant", "at-the-burst-limit", "one-slow-answer"],
)
def test_fast_list_answers_are_neither_counted_nor_weighed(trips, monkeypatch):
    reader, weighed, pages = _full_read(trips, monkeypatch)
    assert weighed == []
    # One answer slowed by load can have the count sent (parity uses it); nothing more.
    assert reader.probed_after == ([1] if trips[0] > 0.15 else [])
    assert pages == len(trips)


def test_fewest_requests_never_counts_or_weighs(monkeypatch: pytest.MonkeyPatch):
    reader, weighed, _ = _full_read(REALISTIC * 3, monkeypatch, goal=PlanGoal.FEWEST_REQUESTS)
    assert (reader.probed_after, weighed) == ([], [])
