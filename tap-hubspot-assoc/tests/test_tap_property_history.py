"""`{type}_property_history`: rows equal the simulator's histories (first run, incremental run
with updates in one millisecond, merges, truncation), the requests are the minimum, the default
set, `all`, a bad name fails before any read, and a run cut mid-history resumes completely."""

from __future__ import annotations

import copy
import datetime as dt
import logging
import math
import re
from pathlib import Path
from typing import Any

import pytest
import requests
from singer_sdk.exceptions import ConfigValidationError
from tap_helpers import TapOutput, now_ms, run_tap, tap_config
from tap_hubspot_assoc.error_boundary import actionable_message
from tap_hubspot_assoc.history.config import DEFAULT_PROPERTY_HISTORY, history_properties
from tap_hubspot_assoc.history.records import HISTORY_SCHEMA, PRIMARY_KEYS, history_stream_name
from tap_hubspot_assoc.properties import PropertyDef
from tap_hubspot_assoc.read_plan import (
    Budgets,
    PlanGoal,
    ReadPlanKind,
    ReadShape,
    RoundTrips,
    choose,
    list_plan,
    search_plan,
)

CAP = 20
GOAL = PlanGoal.FASTEST
TYPES = ["contacts", "deals", "tickets", "meetings"]
SIZES = {"contacts": 250, "meetings": 60, "appointments": 20, "deals": 80, "tickets": 40}
BATCH_READ = "POST /crm/v3/objects/{type}/batch/read"
LIST = "GET /crm/v3/objects/{type}"


@pytest.fixture
def sim(fresh_simulator, admin):
    admin.regenerate(
        contacts=SIZES["contacts"],
        meetings=SIZES["meetings"],
        appointments=SIZES["appointments"],
        deals=SIZES["deals"],
        tickets=SIZES["tickets"],
    )
    admin.reset_request_counts()
    return fresh_simulator


def iso(ms: int) -> str:
    return (
        dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    )


def expected_rows(object_id: str, name: str, versions: list[dict[str, Any]]) -> list[tuple]:
    """The contract's rows of one property's versions (HubSpot order: newest first)."""
    rows = []
    oldest_first = versions[::-1]
    for position, v in enumerate(oldest_first):
        seq = sum(1 for older in oldest_first[:position] if older["timestamp"] == v["timestamp"])
        rows.append(
            (
                object_id,
                name,
                v["timestamp"],
                seq,
                v["value"] if v["value"] != "" else None,
                v["sourceType"],
                v.get("sourceId"),
                v.get("sourceLabel"),
                v.get("updatedByUserId"),
                len(versions) == CAP and position == 0,
            )
        )
    return rows


def truth(admin, object_type: str, props: list[str], ids: set[str] | None = None) -> set[tuple]:
    snapshot = admin.history_snapshot(object_type, props)
    return {
        row
        for object_id, by_prop in snapshot.items()
        if ids is None or object_id in ids
        for name, versions in by_prop.items()
        for row in expected_rows(object_id, name, versions)
    }


def emitted(output: TapOutput, object_type: str) -> list[tuple]:
    return [
        (
            r["object_id"],
            r["property_name"],
            r["changed_at"],
            r["same_time_seq"],
            r["value"],
            r["source_type"],
            r["source_id"],
            r["source_label"],
            r["updated_by_user_id"],
            r["truncated_before"],
        )
        for r in output.records(f"{object_type}_property_history")
    ]


def default_props(sim, object_type: str) -> list[str]:
    known = set(property_names(sim, object_type))
    wanted = DEFAULT_PROPERTY_HISTORY.get(object_type, DEFAULT_PROPERTY_HISTORY["*"])
    return [p for p in wanted if p in known]


def property_names(sim, object_type: str) -> list[str]:
    resp = requests.get(
        f"{sim.base_url}/crm/v3/properties/{object_type}",
        headers=sim.auth_headers(),
        timeout=30,
    )
    resp.raise_for_status()
    return [p["name"] for p in resp.json()["results"]]


def batch_reads(admin, object_type: str) -> int:
    counts = admin.request_counts()["byObjectType"]
    return int(counts.get(BATCH_READ, {}).get(object_type, 0))


def test_first_run_default_set_equals_the_simulator_with_minimum_requests(sim, admin):
    output = run_tap(tap_config(sim, object_types=TYPES, property_history=None))
    info = admin.info()["counts"]
    for object_type in TYPES:
        props = default_props(sim, object_type)
        assert props, object_type
        rows = emitted(output, object_type)
        assert len(rows) == len(set(rows))
        assert set(rows) == truth(admin, object_type, props)
        active = info[object_type]["active"]
        assert batch_reads(admin, object_type) == math.ceil(active / 50)
    assert default_props(sim, "deals") == [
        "dealstage",
        "pipeline",
        "amount",
        "closedate",
        "hubspot_owner_id",
    ]
    assert {r[1] for r in emitted(output, "meetings")} == {"hubspot_owner_id"}
    sources = {r[5] for t in TYPES for r in emitted(output, t)}
    assert {"CRM_UI", "IMPORT", "API"} <= sources
    assert output.activate_versions("contacts_property_history") == []


def test_truncated_property_says_so_on_its_oldest_row(sim, admin):
    full = admin.history_snapshot("contacts", ["lifecyclestage", "hs_lead_status"], full=True)
    long = {
        (object_id, name)
        for object_id, by_prop in full.items()
        for name, versions in by_prop.items()
        if len(versions) > CAP
    }
    assert long
    output = run_tap(
        tap_config(sim, property_history={"contacts": ["lifecyclestage", "hs_lead_status"]})
    )
    rows = emitted(output, "contacts")
    for object_id, name in long:
        mine = sorted((r for r in rows if r[:2] == (object_id, name)), key=lambda r: (r[2], r[3]))
        assert len(mine) == CAP
        assert [r[9] for r in mine] == [True] + [False] * (CAP - 1)
        assert mine[0][2] == full[object_id][name][CAP - 1]["timestamp"]
    short = [r for r in rows if (r[0], r[1]) not in long]
    assert short
    assert not any(r[9] for r in short)


def test_incremental_run_reads_changed_records_updates_ties_and_merges(sim, admin):
    props = ["lifecyclestage", "hs_lead_status", "firstname"]
    config = tap_config(sim, property_history={"contacts": props})
    first = run_tap(config)
    first_rows = set(emitted(first, "contacts"))
    assert first_rows == truth(admin, "contacts", props)
    at = now_ms() - 5  # after the first run's bookmark, before the second run's end
    admin.update_property("contacts", "1003", {"lifecyclestage": "lead"}, at=at)
    admin.update_property(
        "contacts",
        "1003",
        {"lifecyclestage": "opportunity"},
        at=at,
        source_type="CRM_UI",
        source_id="userId:2110001",
        updated_by_user_id=2110001,
    )
    admin.update_property(
        "contacts",
        "1003",
        {"lifecyclestage": "customer"},
        at=at + 1,
        source_type="WORKFLOW",
        source_id="28000001",
    )
    admin.update_property("contacts", "1004", {"firstname": None}, at=at + 2)
    admin.merge("contacts", "1005", "1006", at=at + 3)
    admin.reset_request_counts()
    second = run_tap(config, state=first.final_state)
    changed = {"1003", "1004", "1005"}
    second_rows = emitted(second, "contacts")
    assert {r[0] for r in second_rows} == changed
    assert set(second_rows) == truth(admin, "contacts", props, changed)
    ties = [r for r in second_rows if r[0] == "1003" and r[2] == iso(at)]
    assert sorted((r[3], r[4], r[5]) for r in ties) == [
        (0, "lead", "API"),
        (1, "opportunity", "CRM_UI"),
    ]
    assert (
        "1004",
        "firstname",
        iso(at + 2),
        0,
        None,
        "API",
        None,
        None,
        None,
        False,
    ) in second_rows
    merged_in = truth(admin, "contacts", props, {"1005"})
    # The survivor's history holds the merged-away record's versions (HubSpot's union).
    absorbed = {(r[1], r[2], r[4], r[5]) for r in first_rows if r[0] == "1006"}
    assert absorbed
    assert absorbed <= {(r[1], r[2], r[4], r[5]) for r in merged_in}
    assert batch_reads(admin, "contacts") == 1  # 3 changed records: one batch read of 50
    # Insert-only downstream: the union of both runs is every version HubSpot ever returned.
    assert (first_rows | set(second_rows)) >= truth(admin, "contacts", props)


def test_all_properties_and_off(sim, admin, caplog):
    caplog.set_level(logging.INFO)
    output = run_tap(tap_config(sim, object_types=["deals"], property_history="all"))
    cost = [r.getMessage() for r in caplog.records if "Property history" in r.getMessage()]
    assert len(cost) == 1
    assert cost[0].startswith("Property history of deals: amount, closedate, createdate, ")
    assert cost[0].endswith(
        "Cost: one batch read (50 records, history requested) per 50 records each run reads: "
        "+20 requests per 1,000 records on every read (full read: 10 list pages + 20; "
        "incremental: 5 searches + 20)"
    )
    names = property_names(sim, "deals")
    rows = emitted(output, "deals")
    assert set(rows) == truth(admin, "deals", names)
    assert {"dealname", "deal_tags", "hs_object_id", "dealstage"} <= {r[1] for r in rows}
    admin.reset_request_counts()
    caplog.clear()
    off = run_tap(tap_config(sim, object_types=["deals"], property_history=""))
    assert "Property history: off (property_history is empty)" in caplog.messages
    assert off.records("deals_property_history") == []
    assert batch_reads(admin, "deals") == 0
    assert [m for m in off.messages if m.get("stream") == "deals_property_history"] == []


def test_bad_property_name_fails_before_any_read(sim, admin):
    config = tap_config(sim, property_history={"contacts": ["lifecyclestage", "nope"]})
    with pytest.raises(ConfigValidationError) as failure:
        run_tap(config)
    line = actionable_message(failure.value) or ""
    assert line.startswith(
        "invalid settings: property_history: contacts has no property nope "
        "(the properties API of contacts lists the names)"
    )
    assert "\n" not in line
    endpoints = admin.request_counts()["endpoints"]
    assert [
        e for e in endpoints if e.startswith(("GET /crm/v3/objects", "POST /crm/v3/objects"))
    ] == []
    with pytest.raises(ConfigValidationError, match="type 'widgets' is not synced"):
        run_tap(tap_config(sim, property_history={"widgets": ["x"]}))


def test_a_run_cut_mid_history_resumes_every_missing_version(sim, admin):
    props = ["lifecyclestage", "hs_lead_status"]
    config = tap_config(sim, property_history={"contacts": props}, max_concurrent_requests=4)
    first = run_tap(config)
    ids = sorted(admin.history_snapshot("contacts", ["hs_object_id"]))[:230]
    admin.touch("contacts", ids, at=now_ms() - 5)
    baseline = run_tap(config, state=first.final_state)
    messages = baseline.messages
    positions = [
        i
        for i, m in enumerate(messages)
        if m["type"] == "RECORD" and m["stream"] == "contacts_property_history"
    ]
    wanted = truth(admin, "contacts", props, set(ids))
    assert set(emitted(baseline, "contacts")) == wanted
    assert len({row[0] for row in wanted}) > 200
    for cut in (positions[10], positions[len(positions) // 2], positions[-5]):
        prefix = TapOutput(messages[:cut])
        states = [m["value"] for m in messages[:cut] if m["type"] == "STATE"]
        resumed = run_tap(config, state=copy.deepcopy(states[-1]))  # runs mutate state
        got = set(emitted(prefix, "contacts")) | set(emitted(resumed, "contacts"))
        assert got >= wanted, cut


def test_the_read_planner_counts_history_requests():
    budgets = Budgets(burst_per_second=10.0, search_per_second=5.0, in_flight=8)
    trips = RoundTrips(list_page=0.3, search=0.25, batch_read=0.25)
    plain = ReadShape(10_000, 1, True)
    with_history = ReadShape(10_000, 1, True, history_batch=50)
    assert list_plan(plain, budgets, trips).burst_requests == 100
    assert list_plan(with_history, budgets, trips).burst_requests == 100 + 200
    assert list_plan(with_history, budgets, trips).seconds == 30.0  # 300 burst requests at 10/s
    searched = search_plan(with_history, budgets, trips)
    assert (searched.kind, searched.search_requests, searched.burst_requests) == (
        ReadPlanKind.SEARCH,
        50,
        200,
    )
    assert search_plan(plain, budgets, trips).burst_requests == 0


def test_the_stream_matches_the_design_contract():
    """docs/DESIGN.md, "Property history streams": every field, in order, and the key."""
    design = (Path(__file__).resolve().parents[2] / "docs" / "DESIGN.md").read_text()
    section = design.split("### Property history streams", 1)[1].split("\n#", 1)[0]
    fields: list[str] = []
    keys: list[str] = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 2 or not cells[0].startswith("`"):
            continue
        names = re.findall(r"`([^`]+)`", cells[0])
        fields += names
        if "(key)" in cells[1] or "int (key)" in cells[1]:
            keys += names
    assert list(HISTORY_SCHEMA["properties"]) == fields
    assert list(PRIMARY_KEYS) == keys
    assert history_stream_name("deals") == "deals_property_history"


def test_setting_forms():
    defs = {
        "deals": [PropertyDef("dealstage", "enumeration"), PropertyDef("amount", "number")],
        "meetings": [PropertyDef("hubspot_owner_id", "enumeration")],
        "appointments": [PropertyDef("hs_appointment_name", "string")],
    }
    assert history_properties(None, defs) == {
        "deals": ["dealstage", "amount"],
        "meetings": ["hubspot_owner_id"],
    }
    for off in ("", "  ", "null", [], {}, "{}"):
        assert history_properties(off, defs) == {}
    text = '{"deal": ["amount"], "*": ["hubspot_owner_id"]}'
    assert history_properties(text, defs) == {
        "deals": ["amount"],
        "meetings": ["hubspot_owner_id"],
    }
    assert history_properties({"0-3": "all"}, defs) == {"deals": ["dealstage", "amount"]}
    with pytest.raises(ConfigValidationError, match="not JSON"):
        history_properties("dealstage", defs)
    with pytest.raises(ConfigValidationError, match="expected a list of property names"):
        history_properties({"deals": "dealstage"}, defs)
    with pytest.raises(ConfigValidationError, match='expected "all", an empty value or a map'):
        history_properties(["dealstage"], defs)


def test_with_history_keyset_chains_win_even_without_latency():
    """Per 1,000 records: list pages + history = 30 burst requests (3 s at 10/s); keyset
    chains + history = 5 searches + 20 burst (2 s): fewer requests and faster."""
    budgets = Budgets(burst_per_second=10.0, search_per_second=5.0, in_flight=8)
    instant = RoundTrips(list_page=0.0, search=0.0, batch_read=0.0)
    plan, listed = choose(ReadShape(100_000, 1, True, history_batch=50), budgets, instant, GOAL)
    assert (plan.kind, plan.requests, listed.requests) == (ReadPlanKind.SEARCH, 2_500, 3_000)
    plan, _ = choose(ReadShape(100_000, 1, True), budgets, instant, GOAL)
    assert plan.kind is ReadPlanKind.LIST


def test_archived_records_history_with_include_archived(sim, admin):
    config = tap_config(
        sim, property_history={"contacts": ["lifecyclestage"]}, include_archived=True
    )
    output = run_tap(config)
    archived = {r["id"] for r in output.records("contacts") if r["archived"]}
    assert len(archived) >= 3
    expected = {
        row
        for object_id in archived
        for row in expected_rows(
            object_id,
            "lifecyclestage",
            admin.history("contacts", object_id, ["lifecyclestage"])["lifecyclestage"],
        )
    }
    assert expected
    assert {r for r in emitted(output, "contacts") if r[0] in archived} == expected
