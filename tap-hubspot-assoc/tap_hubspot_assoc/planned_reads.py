"""Planned reads of one object type: the plan is chosen, printed, then followed.

Full reads start as list pages, the minimum plan, which also measure the round trip. After
each page with pages left, `read_plan.look_at_listing` says what to do: when every list answer
so far was slow (slower than the burst limit allows), one `limit=1` search, sent next to the
next page, gives the count and the highest id (the count parity reports, so no extra request
when parity runs); from the second page on `read_plan.choose` weighs the list chain, at its
fastest answer, against keyset search chains (keyset_reads.py). A last look after
PLAN_AFTER_SECONDS of listing weighs with the median answer. Records already listed are not
read again.

First runs with `start_date`: two `limit=1` searches count the window and the type; when
listing every record and keeping the window's costs fewer requests than searching the window,
the read lists pages and filters by modified date.
"""

from __future__ import annotations

import functools
import logging
import statistics
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future
from typing import Any

from tap_hubspot_assoc.answers import CrmObject
from tap_hubspot_assoc.client import HubSpotClient
from tap_hubspot_assoc.concurrency import RequestPool
from tap_hubspot_assoc.id_split import (
    Cuts,
    PortalExtent,
    count_at_most,
    cuts_at_ranks,
    probe_extent,
)
from tap_hubspot_assoc.keyset_reads import ChainRanges, KeysetFullRead, ListTail
from tap_hubspot_assoc.properties import parse_datetime
from tap_hubspot_assoc.ratelimit import SEARCH_MARGIN_SECONDS
from tap_hubspot_assoc.read_plan import (
    BATCH_READ,
    LIST_PAGE,
    PLAN_AFTER_SECONDS,
    SEARCH_PAGE,
    Budgets,
    Look,
    PlanGoal,
    ReadPlanKind,
    ReadShape,
    RoundTrips,
    choose,
    filtered_list_or_window,
    look_at_listing,
)
from tap_hubspot_assoc.readers import ObjectReader, Window

Page = list[CrmObject]


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
        self.clock: Callable[[], float] = time.monotonic  # injected by tests

    @property
    def client(self) -> HubSpotClient:
        return self.reader.client

    def full_pages(self) -> Iterator[Page]:
        """Every live record: list pages, re-planned once the listing is measured slow
        (`read_plan.look_at_listing` after every page; see the module docstring)."""
        self.chosen = ReadPlanKind.LIST
        plans = self.goal is PlanGoal.FASTEST and self.pool.concurrent
        self._say(
            "list pages; weighed against keyset search from the second page on if every list "
            f"answer is slower than the burst limit allows (last look after "
            f"{PLAN_AFTER_SECONDS:g} s)"
            if plans
            else "list pages (read_plan: fewest_requests)"
            if self.goal is PlanGoal.FEWEST_REQUESTS
            else "list pages (one request at a time)"
        )
        listing = self.reader.list_pages()
        listed: set[str] = set()
        started = self.clock()
        counting: Future[PortalExtent] | None = None
        pages = 0
        for page in listing:
            yield page
            if not plans or self.reader.list_cursor is None:
                continue
            pages += 1
            listed.update(str(obj["id"]) for obj in page)
            glance = look_at_listing(
                self._list_samples(),
                pages,
                self.clock() - started,
                self.budgets,
                history=bool(self.history_batch),
            )
            if glance.look is Look.WATCH:
                continue
            if glance.look is Look.STAY:
                self._say(
                    f"going on with list pages ({glance.list_page:.2f} s per page measured: "
                    f"the chain runs at the burst limit of {self.budgets.burst_per_second:g}/s)"
                )
                yield from listing
                return
            if counting is None:
                if glance.look is Look.COUNT:
                    self._say(
                        f"every list answer slower than the burst limit allows (fastest "
                        f"{glance.list_page:.2f} s): counting the records next to the next page"
                    )
                counting = self.pool.submit(functools.partial(probe_extent, self.reader))
            if glance.look is Look.COUNT:
                continue
            final = glance.look is Look.FINAL
            switched = self._replan(listed, listing, counting.result(), glance.list_page, final)
            if isinstance(switched, KeysetFullRead):
                yield from switched.pages()
                self._say(switched.summary())
                return
            if switched is Look.STAY:
                yield from listing
                return

    def _replan(
        self,
        listed: set[str],
        listing: Iterator[Page],
        extent: PortalExtent,
        list_page: float,
        final: bool,
    ) -> KeysetFullRead | Look:
        """The keyset read to switch to, or the list goes on: to the end (STAY) or looked at
        again after the next page (WATCH: an early look that keeps the list, said nowhere).
        `list_page`: the list round trip to weigh with."""
        per_page = self.reader.list_requests_per_page()
        trips = self._round_trips(list_page)
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
            if not final:
                return Look.WATCH
            self._say(f"going on with {plan.describe()} (keyset search not faster; {measured})")
            return Look.STAY
        self._say(
            f"switching to {plan.describe()}; list pages would take ~{listed_plan.seconds:.0f} s "
            f"({measured}{'' if final else ', early look: fastest list answer'})"
        )
        # When the listed ids are exactly the ids up to the highest listed (the list endpoint
        # reads in id order, though HubSpot does not document it), the list goes on below a
        # split, on the burst budget, while the chains search above it; otherwise the chains
        # cover every id and skip the listed ones. Splits are chosen by counted ranks; the
        # cuts' first searches count the records above the highest listed id: as many as
        # the type's count leaves, the listing was in id order; else (it was not, or records
        # were created or archived since the count) one count of the ids up to the highest
        # listed tells.
        highest = max(int(i) for i in listed)
        left = shape.records
        # The list's share follows its median answer (the switch was weighed with its fastest).
        median = RoundTrips(statistics.median(self._list_samples() or [list_page]), 0.0, 0.0)
        listing_share = max(1, round(left * self._list_share(median, per_page)))
        searched = left - listing_share
        ranks = [listing_share + round(searched * j / plan.chains) for j in range(plan.chains)]
        cuts = self._cuts(highest, left, ranks)
        if not self._in_id_order(cuts, left, highest, len(listed)):
            self._say("the listing was not in id order: the chains cover every id")
            total = extent.total
            ranks = [round(total * j / plan.chains) for j in range(1, plan.chains)]
            cuts = self._cuts(None, total, ranks)
            ranges = ChainRanges.at_ranks(None, cuts.points, total)
            return KeysetFullRead(
                self.reader, self.pool, ranges, skip_ids=listed, first_pages=cuts.pages
            )
        ranges = ChainRanges.at_ranks(highest, cuts.points, left)
        if not ranges.bounds:  # no record counted above the listed ids: the list reads on
            self.chosen = ReadPlanKind.LIST
            return Look.STAY
        split = ranges.bounds[0]
        chains = ChainRanges(split, ranges.bounds[1:], ranges.counts[1:])
        self._say(
            f"list pages go on up to id {split:,} (~{ranges.counts[0]:,} records), "
            f"{len(chains.counts)} chains search above it (~{sum(chains.counts):,} records)"
        )
        tail = ListTail(listing, split, listed, ranges.counts[0])
        return KeysetFullRead(
            self.reader, self.pool, chains, list_tail=tail, first_pages=cuts.pages
        )

    def _in_id_order(self, cuts: Cuts, left: int, highest: int, listed: int) -> bool:
        """Were the listed ids exactly the ids up to `highest`? (See `_replan`.)"""
        if cuts.counted is None or cuts.counted == left:
            return True
        at_most = count_at_most(self.reader, highest)
        self._say(
            f"{cuts.counted:,} records above the listed ids where the count left {left:,}: "
            f"{at_most:,} ids up to the highest listed, {listed:,} listed"
        )
        return at_most == listed

    def _cuts(self, low: int | None, records: int, ranks: list[int]) -> Cuts:
        """The ids of counted `ranks` among the `records` above `low`; each cut's search also
        reads the first page of the chain starting there (`id_split.cuts_at_ranks`)."""
        cuts = cuts_at_ranks(
            self.reader,
            self.pool,
            low=low,
            total=records,
            ranks=ranks,
            page_properties=self.reader.keyset_search_properties(),
        )
        self._say(f"ranges cut by counts: {len(cuts.points)} ids found by {cuts.searches} searches")
        return cuts

    def _list_share(self, trips: RoundTrips, per_page: int) -> float:
        """The share of the remaining ids the list reads so that it ends with the chains (the
        client keeps each search token SEARCH_MARGIN_SECONDS past its one-second window). A
        share too large is mended while reading: dry chains take half of the list tail's
        range; one too small is not (the list cannot take a chain's)."""
        list_rate = LIST_PAGE / max(trips.list_page * per_page, 1e-3)
        search_rate = self.budgets.search_per_second / (1 + SEARCH_MARGIN_SECONDS) * SEARCH_PAGE
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

    def _list_samples(self) -> list[float]:
        """The client's recent list round trips (seconds)."""
        return list(self.client.stats.round_trips.get("list", ()))

    def _round_trips(self, list_page: float) -> RoundTrips:
        stats = self.client.stats
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
