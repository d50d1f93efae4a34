"""The read planner: its choice from budgets and round trips, and a switched read's output."""

from __future__ import annotations

import json
import logging
import math
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from tap_helpers import (
    active_ids,
    assert_version_follows_records,
    parse_messages,
    run_tap,
    simulator_objects,
    tap_config,
)
from tap_hubspot_assoc import keyset_reads, planned_reads, read_plan
from tap_hubspot_assoc.read_plan import (
    Budgets,
    PlanGoal,
    ReadPlanKind,
    ReadShape,
    RoundTrips,
    choose,
    filtered_list_or_window,
    search_plan,
)

HUBSPOT = Budgets(burst_per_second=10, search_per_second=5, in_flight=8)
NO_LATENCY = RoundTrips(list_page=0.005, search=0.005, batch_read=0.005)
REALISTIC = RoundTrips(list_page=0.3, search=0.25, batch_read=0.25)
NARROW = ReadShape(records=100_000, requests_per_list_page=1, search_carries_properties=True)
WIDE = ReadShape(records=100_000, requests_per_list_page=1, search_carries_properties=False)


@pytest.mark.parametrize("shape", [NARROW, WIDE])
def test_without_latency_the_plan_is_the_list_chain_with_its_minimum_requests(shape):
    plan, _ = choose(shape, HUBSPOT, NO_LATENCY, PlanGoal.FASTEST)
    assert plan.kind is ReadPlanKind.LIST
    assert (plan.burst_requests, plan.search_requests) == (1_000, 0)


@pytest.mark.parametrize(
    ("shape", "kind", "burst"),
    [(NARROW, ReadPlanKind.SEARCH, 0), (WIDE, ReadPlanKind.SEARCH_AND_BATCH, 1_000)],
)
def test_under_latency_keyset_search_chains_beat_the_list_chain(shape, kind, burst):
    plan, listed = choose(shape, HUBSPOT, REALISTIC, PlanGoal.FASTEST)
    assert plan.kind is kind
    assert (plan.burst_requests, plan.search_requests) == (burst, 500)
    assert listed.seconds == pytest.approx(300)  # 1,000 pages one after the other
    assert plan.seconds == pytest.approx(100)  # 500 searches at 5 per second
    assert plan.chains >= 2  # one chain alone would wait on its round trips


def test_fewest_requests_keeps_the_list_chain_whatever_the_latency():
    plan, _ = choose(WIDE, HUBSPOT, REALISTIC, PlanGoal.FEWEST_REQUESTS)
    assert plan.kind is ReadPlanKind.LIST
    one_at_a_time = Budgets(burst_per_second=10, search_per_second=5, in_flight=1)
    assert choose(WIDE, one_at_a_time, REALISTIC, PlanGoal.FASTEST)[0].kind is ReadPlanKind.LIST


def test_a_small_gain_does_not_switch_plans():
    slightly_slow = RoundTrips(list_page=0.11, search=0.25, batch_read=0.25)
    assert search_plan(NARROW, HUBSPOT, slightly_slow).seconds < 110
    plan, _ = choose(NARROW, HUBSPOT, slightly_slow, PlanGoal.FASTEST)
    assert plan.kind is ReadPlanKind.LIST  # 100 s against 110 s is not worth the switch
    short = ReadShape(records=3_000, requests_per_list_page=1, search_carries_properties=True)
    assert search_plan(short, HUBSPOT, REALISTIC).seconds < 9 * 0.8
    plan, _ = choose(short, HUBSPOT, REALISTIC, PlanGoal.FASTEST)
    assert plan.kind is ReadPlanKind.LIST  # 9 s of list pages: saving 6 s is not worth it


def test_first_run_lists_and_filters_when_the_window_holds_most_records():
    lists, list_requests, search_requests = filtered_list_or_window(
        window_records=12_000, all_records=12_500, shape=WIDE
    )
    assert (lists, list_requests, search_requests) == (True, 125, 60 + 120)
    lists, _, search_requests = filtered_list_or_window(
        window_records=1_000, all_records=12_500, shape=WIDE
    )
    assert (lists, search_requests) == (False, 5 + 10)


@pytest.mark.parametrize(
    "case",
    [
        "list-tail",
        "list-tail-gap",
        "not-in-id-order",
        "archived-since-the-count",
        "created-since-the-count",
    ],
)
def test_a_slow_list_chain_switches_to_keyset_search_and_reads_the_same_records(
    simulator,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    request: pytest.FixtureRequest,
    case,
):
    """list-tail: the listing covered every id up to its highest, so it goes on below a split
    while the chains search above, and having read as many records as the cut counted up to
    the split it needs no count at its end; list-tail-gap: the tail read other than counted and
    the count after it says an id below the split was missed, so a chain searches that range
    skipping the listed ids; not-in-id-order: the first count disagrees with the listing (here
    the search index lags: the lowest contact, just modified, is listed but not yet counted),
    so the chains cover every id and skip the listed ones; archived-since-the-count: records
    archived between the type's count and the cuts leave fewer above the listing than the
    count said, and one count of the ids up to the highest listed shows the listing was in id
    order, so the list tail goes on; created-since-the-count: records created between the count
    and the cuts (the early count is sent a page before the cuts) leave more above the listing
    than counted: the same one count says the listing was in id order, and the chain open
    upwards reads the new records. Each reads every record once."""
    counts_at_end: list[int] = []

    def count_at_most(reader, highest: int) -> int:
        counts_at_end.append(highest)
        return -1 if case == "list-tail-gap" else planned_count(reader, highest)

    planned_count = keyset_reads.count_at_most
    monkeypatch.setattr(keyset_reads, "count_at_most", count_at_most)
    if case == "list-tail-gap":
        # Forced: producing it in data needs a record hidden from search between the highest
        # id listed before the switch and the split, and both follow the measured round trips.
        def miscounted_tail(pages, split, listed, expected):  # type: ignore[no-untyped-def]
            return keyset_reads.ListTail(pages, split, listed, expected + 1)

        monkeypatch.setattr(planned_reads, "ListTail", miscounted_tail)
    admin = simulator.admin
    admin.reset(seed=3, contacts=3000, meetings=0, appointments=0)
    admin.set_rate_limits(enabled=False)
    if case in ("archived-since-the-count", "created-since-the-count"):
        counted = planned_reads.probe_extent

        def count_then_change(reader):  # type: ignore[no-untyped-def]
            extent = counted(reader)
            if case == "archived-since-the-count":
                for record_id in sorted(active_ids(admin, "contacts"), key=int)[-3:]:
                    admin.archive("contacts", record_id)
            else:
                for n in range(3):
                    admin.create_object("contacts", {"email": f"created-{n}@example.com"})
            monkeypatch.setattr(planned_reads, "probe_extent", counted)  # once
            return extent

        monkeypatch.setattr(planned_reads, "probe_extent", count_then_change)
    if case == "not-in-id-order":
        request.addfinalizer(lambda: admin.set_search_lag(0))
        admin.set_search_lag(600_000)  # far longer than both runs
        admin.touch("contacts", [min(active_ids(admin, "contacts"), key=int)])
    slow_list = {"list": {"fixedMs": 40, "perRecordMs": 0}, "search": {"fixedMs": 20}}
    admin.set_latency("off", endpoints=slow_list, jitter=0)
    monkeypatch.setattr(read_plan, "PLAN_AFTER_SECONDS", 0.3)
    monkeypatch.setattr(read_plan, "MIN_SAVING_SECONDS", 0.0)  # the read is short
    config = tap_config(simulator, max_concurrent_requests=8)

    admin.reset_request_counts()
    with caplog.at_level(logging.INFO):
        fastest = run_tap(config)
    switched = admin.request_counts()
    admin.reset_request_counts()
    listed = run_tap({**config, "read_plan": "fewest_requests"})
    only_lists = admin.request_counts()

    assert "Plan contacts: switching to keyset search" in caplog.text
    assert ("list pages go on up to id" in caplog.text) is (case != "not-in-id-order")
    recounted = "records above the listed ids where the count left" in caplog.text
    assert recounted is (
        case in ("not-in-id-order", "archived-since-the-count", "created-since-the-count")
    )
    assert fastest.by_id("contacts") == listed.by_id("contacts")
    assert len(fastest.records("contacts")) == len(active_ids(admin, "contacts"))  # no repeats
    assert_version_follows_records(fastest, "contacts")
    searches = switched["byObjectType"]["POST /crm/v3/objects/{type}/search"]["contacts"]
    pages = switched["byObjectType"]["GET /crm/v3/objects/{type}"]["contacts"]
    assert pages <= 30
    assert searches >= 3  # the probes and at least one chain page
    assert switched["maxInFlight"] >= 2  # the chains' searches overlapped
    assert set(switched["statuses"]) <= {"200", "207"}  # no request the API would refuse
    assert only_lists["byObjectType"]["GET /crm/v3/objects/{type}"]["contacts"] == 30
    if case != "not-in-id-order":  # (its chains have no list tail)
        assert len(counts_at_end) == (1 if case == "list-tail-gap" else 0)


def test_a_run_killed_during_keyset_chains_leaves_no_bookmark_and_the_next_reads_everything(
    simulator, tmp_path: Path
):
    """Full reads have no mid-read checkpoint: a kill while the chains and batch reads are in
    flight leaves the stream without bookmark, and the next run reads every record again."""
    admin = simulator.admin
    admin.reset(seed=5, contacts=16_000, meetings=0, appointments=0)
    admin.set_rate_limits(enabled=False)
    # 160 pages of 150 ms: ~20 s of listing left after 3 s, the chains take ~1 s.
    slow_list = {"list": {"fixedMs": 150, "perRecordMs": 0}, "search": {"fixedMs": 30}}
    admin.set_latency("off", endpoints=slow_list, jitter=0)
    config = tap_config(simulator, max_concurrent_requests=8)
    config_file = tmp_path / "config.json"
    config_file.write_text(json.dumps(config))
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "tap-hubspot-assoc"), "--config", str(config_file)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert process.stdout is not None
    lines: list[str] = []
    for line in process.stdout:
        lines.append(line)
        if len(lines) > 6_000:  # past the switch (3 s of 150 ms pages: ~2,000 records)
            os.killpg(process.pid, signal.SIGKILL)
            break
    process.wait()
    assert process.stderr is not None
    assert "Plan contacts: switching to keyset search" in process.stderr.read()
    killed = parse_messages("".join(lines))
    killed_states = killed.states
    assert all(
        not s.get("bookmarks", {}).get("contacts", {}).get("replication_key_value")
        for s in killed_states
    )
    assert killed.activate_versions("contacts") == []
    resumed = run_tap(config, state=killed_states[-1] if killed_states else None)
    assert set(resumed.by_id("contacts")) == active_ids(admin, "contacts")
    assert len(resumed.records("contacts")) == len(active_ids(admin, "contacts"))
    assert_version_follows_records(resumed, "contacts")


@pytest.mark.parametrize(
    ("older_share", "list_pages", "window_searches"),
    [
        (0.0, lambda total, window: math.ceil(total / 100), lambda window: 0),
        (0.9, lambda total, window: 0, lambda window: math.ceil(window / 200)),
    ],
    ids=["window-holds-all", "window-holds-a-tenth"],
)
def test_a_first_run_since_start_date_lists_and_filters_when_that_costs_fewer_requests(
    fresh_simulator,
    admin,
    monkeypatch: pytest.MonkeyPatch,
    older_share,
    list_pages,
    window_searches,
):
    """Properties too wide for a search body: a window holding every record costs fewer
    requests as list pages (filtered) than as searches + batch reads; a small window does not.
    Either way the records are those modified since start_date, and the bookmark is set."""
    monkeypatch.setattr("tap_hubspot_assoc.readers.SEARCH_BODY_LIMIT", 300)
    monkeypatch.setattr("tap_hubspot_assoc.keyset_search.SEARCH_BODY_LIMIT", 300)
    active = {i: o for i, o in simulator_objects(admin, "contacts").items() if not o["archived"]}
    stamps = sorted(o["updatedAt"] for o in active.values())
    start_date = stamps[int(len(stamps) * older_share)]
    expected = {i for i, o in active.items() if o["updatedAt"] >= start_date}
    admin.reset_request_counts()
    output = run_tap(tap_config(fresh_simulator, start_date=start_date))
    assert set(output.by_id("contacts")) == expected
    assert len(output.records("contacts")) == len(expected)
    assert output.activate_versions("contacts") == []
    assert output.final_state["bookmarks"]["contacts"]["replication_key_value"]
    counts = admin.request_counts()["byObjectType"]
    listed = counts.get("GET /crm/v3/objects/{type}", {}).get("contacts", 0)
    searches = counts["POST /crm/v3/objects/{type}/search"]["contacts"]
    assert listed == list_pages(len(active), len(expected))
    # the two counts that chose the plan (the unfiltered one is the parity count too: one
    # count per type per run) and the window's searches
    assert searches == 2 + window_searches(len(expected))
