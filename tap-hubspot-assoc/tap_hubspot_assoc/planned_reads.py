"""Planned reads of one object type: the plan is chosen, printed, then followed.

Full reads start as list pages, the minimum plan, which also measure the round trip. After
PLAN_AFTER_SECONDS of listing with pages left, if the list chain is slower than the burst limit
allows, one `limit=1` search gives the count and the highest id, and `read_plan.choose` weighs
the list chain against keyset search chains (keyset_reads.py). Records already listed are not
read again.

First runs with `start_date`: two `limit=1` searches count the window and the type; when
listing every record and keeping the window's costs fewer requests than searching the window,
the read lists pages and filters by modified date.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Mapping
from typing import Any

from tap_hubspot_assoc.answers import CrmObject
from tap_hubspot_assoc.client import HubSpotClient
from tap_hubspot_assoc.concurrency import RequestPool
from tap_hubspot_assoc.id_split import ids_at_ranks
from tap_hubspot_assoc.keyset_reads import (
    ChainRanges,
    KeysetFullRead,
    ListTail,
    count_at_most,
    probe_extent,
)
from tap_hubspot_assoc.properties import parse_datetime
from tap_hubspot_assoc.read_plan import (
    BATCH_READ,
    LIST_PAGE,
    SEARCH_PAGE,
    Budgets,
    PlanGoal,
    ReadPlanKind,
    ReadShape,
    RoundTrips,
    choose,
    filtered_list_or_window,
    list_is_rate_bound,
)
from tap_hubspot_assoc.readers import ObjectReader, Window

Page = list[CrmObject]
# Listing goes on at least this long before the read is re-planned: shorter reads gain nothing.
PLAN_AFTER_SECONDS = 3.0


def budgets_from_config(config: Mapping[str, Any], pool: RequestPool) -> Budgets:
    """The client's budgets as the planner counts them."""
    return Budgets(
        burst_per_second=float(config.get("requests_per_ten_seconds") or 100) / 10.0,
        search_per_second=float(config.get("search_requests_per_second") or 5),
        in_flight=pool.size,
    )


def plan_goal(config: Mapping[str, Any]) -> PlanGoal:
    """The `read_plan` setting (default: fastest)."""
    return PlanGoal(str(config.get("read_plan") or PlanGoal.FASTEST))


class PlannedReads:
    """Reads of one type that pick their plan first (see the module docstring)."""

    def __init__(
        self,
        reader: ObjectReader,
        pool: RequestPool,
        budgets: Budgets,
        goal: PlanGoal,
        logger: logging.Logger,
    ) -> None:
        self.reader = reader
        self.pool = pool
        self.budgets = budgets
        self.goal = goal
        self.logger = logger
        self.chosen: ReadPlanKind = ReadPlanKind.LIST
        self.history_batch = 0  # records per property-history batch read (0: no history)

    @property
    def client(self) -> HubSpotClient:
        return self.reader.client

    def full_pages(self) -> Iterator[Page]:
        """Every live record: list pages, re-planned once after PLAN_AFTER_SECONDS of listing."""
        self.chosen = ReadPlanKind.LIST
        self._say(
            f"list pages; weighed against keyset search after {PLAN_AFTER_SECONDS:g} s of "
            "listing if the list chain is slower than the burst limit"
            if self.goal is PlanGoal.FASTEST
            else "list pages (read_plan: fewest_requests)"
        )
        listing = self.reader.list_pages()
        listed: set[str] = set()
        started = time.monotonic()
        for page in listing:
            yield page
            if self.goal is PlanGoal.FEWEST_REQUESTS or self.reader.list_cursor is None:
                continue
            listed.update(str(obj["id"]) for obj in page)
            if time.monotonic() - started < PLAN_AFTER_SECONDS:
                continue
            switched = self._replan(listed, listing)
            if switched is None:
                yield from listing
            else:
                yield from switched.pages()
                self._say(switched.summary())
            return

    def _replan(self, listed: set[str], listing: Iterator[Page]) -> KeysetFullRead | None:
        """The keyset read to switch to, or None to go on listing (the choice is printed)."""
        per_page = self.reader.list_requests_per_page()
        trips = self._round_trips()
        # With property history the list plan is not the fewest burst requests any more (its
        # history reads come on top of the pages; keyset chains' pages use the search budget),
        # so it is weighed even when the list chain keeps up with the burst limit.
        if not self.history_batch and list_is_rate_bound(trips, self.budgets, per_page):
            self._say(
                f"going on with list pages ({trips.list_page:.2f} s per page measured: the "
                f"chain runs at the burst limit of {self.budgets.burst_per_second:g}/s)"
            )
            return None
        extent = probe_extent(self.reader)
        trips = self._round_trips()
        shape = ReadShape(
            max(0, extent.total - len(listed)),
            per_page,
            self.reader.search_carries_properties(),
            self.history_batch,
        )
        plan, listed_plan = choose(shape, self.budgets, trips, self.goal)
        self.chosen = plan.kind
        measured = f"{trips.list_page:.2f} s per page, {trips.search:.2f} s per search measured"
        if plan.kind is ReadPlanKind.LIST:
            self._say(f"going on with {plan.describe()} (keyset search not faster; {measured})")
            return None
        self._say(
            f"switching to {plan.describe()}; list pages would take ~{listed_plan.seconds:.0f} s "
            f"({measured})"
        )
        # When the listed ids are exactly the ids up to the highest listed (the list endpoint
        # reads in id order, though HubSpot does not document it), the list goes on below a
        # split, on the burst budget, while the chains search above it; otherwise the chains
        # cover every id and skip the listed ones. Splits are chosen by counted ranks.
        highest = max(int(i) for i in listed)
        if count_at_most(self.reader, highest) != len(listed):
            self._say("the listing was not in id order: the chains cover every id")
            total = extent.total
            ranks = [round(total * j / plan.chains) for j in range(1, plan.chains)]
            ranges = self._ranges(None, total, ranks)
            return KeysetFullRead(self.reader, self.pool, ranges, skip_ids=listed)
        left = shape.records
        listing_share = max(1, round(left * self._list_share(trips, per_page)))
        searched = left - listing_share
        ranks = [listing_share + round(searched * j / plan.chains) for j in range(plan.chains)]
        ranges = self._ranges(highest, left, ranks)
        if not ranges.bounds:  # no record counted above the listed ids: the list reads on
            self.chosen = ReadPlanKind.LIST
            return None
        split = ranges.bounds[0]
        chains = ChainRanges(split, ranges.bounds[1:], ranges.counts[1:])
        self._say(
            f"list pages go on up to id {split:,} (~{ranges.counts[0]:,} records), "
            f"{len(chains.counts)} chains search above it (~{sum(chains.counts):,} records)"
        )
        tail = ListTail(listing, split, listed, ranges.counts[0])
        return KeysetFullRead(self.reader, self.pool, chains, list_tail=tail)

    def _ranges(self, low: int | None, records: int, ranks: list[int]) -> ChainRanges:
        """Ranges above `low` cut at the ids of counted `ranks` among its `records`."""
        points, searches = ids_at_ranks(self.reader, self.pool, low=low, total=records, ranks=ranks)
        self._say(f"ranges cut by counts: {len(points)} ids found by {searches} searches")
        return ChainRanges.at_ranks(low, points, records)

    def _list_share(self, trips: RoundTrips, per_page: int) -> float:
        """The share of the remaining ids the list reads so that it ends with the chains."""
        list_rate = LIST_PAGE / max(trips.list_page * per_page, 1e-3)
        search_rate = self.budgets.search_per_second * SEARCH_PAGE
        if not self.reader.search_carries_properties():
            search_rate = min(search_rate, self.budgets.burst_per_second * BATCH_READ)
        return list_rate / (list_rate + search_rate)

    def first_run_lists(self, window: Window) -> bool:
        """First run with start_date: list every record and filter, rather than search?"""
        total = self._count(None)
        in_window = self._count(window)
        shape = ReadShape(
            total, self.reader.list_requests_per_page(), self.reader.search_carries_properties()
        )
        lists, list_requests, search_requests = filtered_list_or_window(
            window_records=in_window, all_records=total, shape=shape
        )
        choice = "list pages filtered by modified date" if lists else "windowed keyset search"
        self._say(
            f"first run since start_date: {choice} ({in_window:,} of {total:,} records in the "
            f"window: {list_requests:,} list requests against {search_requests:,} for the search)"
        )
        return lists

    def filtered_list_pages(self, window: Window) -> Iterator[Page]:
        """List pages keeping only records modified inside `window` (or later)."""
        prop = self.reader.modified_property
        for page in self.reader.list_pages():
            yield [obj for obj in page if _modified_since(obj, prop, window)]

    def archived_listing_note(self) -> None:
        """include_archived on incremental runs: say what listing the archive costs."""
        self._say(
            "archived records: every archived record is listed on each incremental run "
            "(one request per 100; search cannot see archived records)"
        )

    def _count(self, window: Window | None) -> int:
        filters = self.reader.modified_filters(window) if window is not None else []
        return self.reader.probe(filters)[0]

    def _round_trips(self) -> RoundTrips:
        stats = self.client.stats
        list_page = stats.median_round_trip("list") or 0.0
        return RoundTrips(
            list_page=list_page,
            search=stats.median_round_trip("search") or list_page,
            batch_read=stats.median_round_trip("batch_read") or list_page,
        )

    def _say(self, text: str) -> None:
        self.logger.info("Plan %s: %s", self.reader.object_type, text)


def _modified_since(obj: CrmObject, prop: str, window: Window) -> bool:
    value = parse_datetime((obj.get("properties") or {}).get(prop))
    return value is None or value >= window.start
