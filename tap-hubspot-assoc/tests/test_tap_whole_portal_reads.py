"""Whole portals read concurrently (issue 22): read-ahead, no record twice, one count per type.

The read-ahead tests use in-memory page sources and no clock; the portal tests run the tap
in-process on the simulator's whole-portal preset (every type, merges among contacts,
companies, deals and tickets).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from hubspot_simulator.testing import SimulatorProcess
from tap_helpers import TapOutput, endpoint_count, run_tap, tap_config
from tap_hubspot_assoc.read_ahead import PageBudget, ReadAhead, ReadAheads

ASSOC_READ = "POST /crm/v4/associations/{from}/{to}/batch/read"
SEARCH = "POST /crm/v3/objects/{type}/search"


# -- read-ahead -------------------------------------------------------------------------


def numbered(name: str, count: int, fail_at: int | None = None) -> Iterator[str]:
    for n in range(count):
        if n == fail_at:
            raise RuntimeError(f"{name} failed at page {n}")
        yield f"{name}-{n}"


class CountingBudget(PageBudget):
    """A PageBudget that remembers the most pages it ever held."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.most = 0

    def acquire(self, ahead: ReadAhead[Any]) -> bool:
        counted = super().acquire(ahead)
        self.most = max(self.most, self.used)
        return counted


def test_read_aheads_hand_out_every_page_in_order_and_hold_at_most_the_shared_budget():
    budget = CountingBudget(limit=3)
    reading = ReadAheads(budget)
    aheads = [reading.start(name, lambda n=name: numbered(n, 12)) for name in "abcd"]
    for ahead in aheads:  # in turn, as singer-sdk syncs streams
        assert list(ahead.pages()) == [f"{ahead.name}-{n}" for n in range(12)]
    assert budget.most <= 3
    assert budget.used == 0  # every counted page given back
    reading.cancel_all()


def test_a_source_error_is_raised_at_its_streams_turn_after_its_pages():
    reading = ReadAheads(PageBudget(limit=2))
    first = reading.start("first", lambda: numbered("first", 3))
    failing = reading.start("failing", lambda: numbered("failing", 5, fail_at=2))
    assert list(first.pages()) == ["first-0", "first-1", "first-2"]
    pages = failing.pages()
    assert [next(pages), next(pages)] == ["failing-0", "failing-1"]
    with pytest.raises(RuntimeError, match="failing failed at page 2"):
        next(pages)
    reading.cancel_all()


def test_cancel_stops_a_source_blocked_on_a_full_buffer_and_closes_it():
    closed = threading.Event()

    def endless() -> Iterator[int]:
        try:
            n = 0
            while True:
                yield n
                n += 1
        finally:
            closed.set()

    reading = ReadAheads(PageBudget(limit=1))
    ahead = reading.start("endless", endless)
    assert next(iter(ahead.pages())) == 0
    reading.cancel_all()  # joins the thread: the generator's `finally` ran
    assert closed.is_set()
    assert reading.budget.used == 0


def test_cancel_with_wait_returns_only_after_the_sources_request_in_flight():
    """A read-ahead dropped for a read started in its place (the same reader) must have
    ended: cancel(wait=True) waits for the request the source is blocked in."""
    in_request, answer, ended = threading.Event(), threading.Event(), threading.Event()

    def source() -> Iterator[int]:
        try:
            yield 0
            in_request.set()
            answer.wait()  # a request in flight, slower than cancel's 0.5 s without wait
            yield 1
        finally:
            ended.set()

    reading = ReadAheads(PageBudget(limit=4))
    ahead = reading.start("slow", source)
    assert in_request.wait(10)
    ended_when_cancel_returned: list[bool] = []
    canceller = threading.Thread(
        target=lambda: (ahead.cancel(wait=True), ended_when_cancel_returned.append(ended.is_set()))
    )
    canceller.start()
    canceller.join(2)  # without wait, cancel gives up after 0.5 s with the source still busy
    answer.set()
    canceller.join(10)
    assert ended_when_cancel_returned == [True]
    reading.cancel_all()


# -- the whole portal -------------------------------------------------------------------


@pytest.fixture(scope="module")
def portal() -> Iterator[SimulatorProcess]:
    with SimulatorProcess(portal=True, rate_limit=False) as sim:
        yield sim


def portal_config(sim: SimulatorProcess, **overrides: Any) -> dict[str, Any]:
    return tap_config(sim, object_types="all", association_pairs="all", **overrides)


def duplicates(output: TapOutput) -> Counter[str]:
    """Records whose (stream, key) came before in the same run, per stream."""
    keys = {
        m["stream"]: m.get("key_properties") or [] for m in output.messages if m["type"] == "SCHEMA"
    }
    seen: set[tuple[str, ...]] = set()
    twice: Counter[str] = Counter()
    for m in output.messages:
        if m["type"] != "RECORD":
            continue
        key = (m["stream"], *(str(m["record"].get(k)) for k in keys[m["stream"]]))
        twice[m["stream"]] += key in seen
        seen.add(key)
    return +twice


def assoc_reads(sim: SimulatorProcess, from_type: str, to_type: str) -> int:
    counts = sim.admin.request_counts()["byObjectType"].get(ASSOC_READ, {})
    return int(counts.get(f"{from_type}->{to_type}", 0))


def test_a_whole_portal_first_run_reads_ahead_and_emits_no_record_twice(portal, caplog):
    """Full first run: every type read ahead, no (stream, key) twice, no survivor re-read
    (each direction one batch read per 1,000 parents: the portal's parents are fewer, and
    meetings have no parent past 500 links), and one count search per type (the parity
    count: the planner asks none on so small a portal)."""
    portal.admin.reset_request_counts()
    with caplog.at_level("INFO"):
        output = run_tap(portal_config(portal))
    ahead = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Reading ahead")]
    assert len(ahead) == 1
    started = set(ahead[0].split("(")[1].split(")")[0].split(", "))
    assert {"contacts", "companies", "meetings", "pets", "products"} <= started
    assert duplicates(output) == Counter()
    assert output.records("merges")  # the preset has survivors: the rule was exercised
    assert assoc_reads(portal, "meetings", "contacts") == 1
    assert assoc_reads(portal, "contacts", "meetings") == 1
    assert {
        t: endpoint_count(portal.admin, SEARCH, t) for t in ("contacts", "companies", "deals")
    } == {"contacts": 1, "companies": 1, "deals": 1}


def test_a_first_run_since_start_date_emits_no_record_twice_nor_rereads_what_it_read(portal):
    """A first run with start_date is incremental: merge survivors' linked records are
    re-read in the reverse direction, except those this run's own read of their type
    already wrote (companies come before contacts), and a set re-read for a survivor is not
    written again when its type is read later (meetings come after contacts)."""
    portal.admin.reset_request_counts()
    full = run_tap(portal_config(portal))
    full_reads = assoc_reads(portal, "companies", "contacts")
    portal.admin.reset_request_counts()
    since = run_tap(portal_config(portal, start_date="2000-01-01T00:00:00Z"))
    assert duplicates(since) == Counter()
    assert assoc_reads(portal, "companies", "contacts") == full_reads
    for stream in ("meetings_to_contacts_associations", "companies_to_contacts_associations"):
        assert len(since.records(stream)) == len(full.records(stream))


def test_an_incremental_run_still_rereads_the_records_linked_to_a_new_survivor(
    fresh_simulator, admin
):
    """A merge between runs: the meetings linked to the survivor are re-read in the reverse
    direction (their sets gained the merged-away contact's links without being modified)."""
    config = tap_config(
        fresh_simulator,
        object_types=["contacts", "meetings"],
        association_pairs=[{"from": "meetings", "to": "contacts"}],
    )
    first = run_tap(config)
    links = admin.association_snapshot("contacts", "meetings")
    linked = Counter(str(link["fromId"]) for link in links)
    primary, absorbed = [i for i, _ in linked.most_common(2)]
    admin.merge("contacts", primary, absorbed)
    admin.reset_request_counts()
    after = run_tap(config, state=first.final_state)
    meetings_of_survivor = {
        str(link["toId"])
        for link in admin.association_snapshot("contacts", "meetings")
        if str(link["fromId"]) == primary
    }
    reread = {r["from_object_id"] for r in after.records("meetings_to_contacts_associations")}
    assert meetings_of_survivor <= reread
    assert assoc_reads(fresh_simulator, "meetings", "contacts") >= 1
    assert duplicates(after) == Counter()
