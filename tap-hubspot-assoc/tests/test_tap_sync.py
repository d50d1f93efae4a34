"""Full, incremental and scoped syncs against the simulator over real HTTP."""

from __future__ import annotations

import datetime as dt

import requests
from tap_helpers import (
    assert_version_follows_records,
    endpoint_count,
    expected_value,
    now_ms,
    pages,
    run_tap,
    simulator_objects,
    tap_config,
)

LIST = "GET /crm/v3/objects/{type}"
SEARCH = "POST /crm/v3/objects/{type}/search"
BATCH = "POST /crm/v3/objects/{type}/batch/read"


def property_types(sim, object_type):
    response = requests.get(
        f"{sim.base_url}/crm/v3/properties/{object_type}", headers=sim.auth_headers(), timeout=30
    )
    return {p["name"]: p["type"] for p in response.json()["results"]}


def assert_typed_like_simulator(record, source, types):
    assert record["updated_at"] == source["updatedAt"]
    assert record["created_at"] == source["createdAt"]
    for name, hubspot_type in types.items():
        field = "property_" + name if name in ("id", "archived") else name
        expected = expected_value(hubspot_type, source["properties"].get(name))
        actual = record[field]
        if hubspot_type == "datetime" and actual is not None:
            actual = dt.datetime.fromisoformat(actual.replace("Z", "+00:00"))
        assert actual == expected, (record["id"], name, actual, expected)


def test_full_sync_emits_exactly_the_active_objects_typed(fresh_simulator, admin):
    config = tap_config(fresh_simulator, object_types=["contacts", "meetings", "appointments"])
    output = run_tap(config)
    for object_type in ("contacts", "meetings", "appointments"):
        source = simulator_objects(admin, object_type)
        active = {i: o for i, o in source.items() if not o["archived"]}
        emitted = output.by_id(object_type)
        assert set(emitted) == set(active)
        assert len(output.records(object_type)) == len(active)
        types = property_types(fresh_simulator, object_type)
        for object_id, record in emitted.items():
            assert_typed_like_simulator(record, active[object_id], types)
        assert endpoint_count(admin, LIST, object_type) == pages(len(active), 100)
        assert_version_follows_records(output, object_type)
    assert output.final_state["bookmarks"]["contacts"]["replication_key_value"]


def test_empty_full_read_opens_and_closes_its_version(fresh_simulator):
    # No companies in the simulator: a complete, empty read. The version is sent twice in a
    # row so the target cannot mistake it for another tap's start-of-stream message.
    output = run_tap(tap_config(fresh_simulator, object_types=["companies"]))
    assert output.records("companies") == []
    versions = output.activate_versions("companies")
    assert len(versions) == 2
    assert versions[0] == versions[1]


def test_collision_prefix_and_archived_flag(fresh_simulator, admin):
    output = run_tap(tap_config(fresh_simulator, include_archived=True))
    records = output.by_id("contacts")
    source = simulator_objects(admin, "contacts")
    assert set(records) == set(source)
    archived = {i for i, o in source.items() if o["archived"]}
    assert archived
    assert {i for i, r in records.items() if r["archived"]} == archived
    assert all(records[i]["archived_at"] for i in archived)
    assert any(r["property_archived"] is not None for r in records.values())
    # one more page set for the archived listing
    assert endpoint_count(admin, LIST, "contacts") == pages(len(source) - len(archived), 100) + 1


def test_incremental_window_with_more_than_10000_ties_and_a_mutation(simulator):
    admin = simulator.admin
    admin.reset(seed=11, contacts=11_000, meetings=0, appointments=0)
    admin.set_rate_limits(enabled=False)
    config = tap_config(simulator)
    first = run_tap(config)
    assert len(first.records("contacts")) == len(
        [o for o in simulator_objects(admin, "contacts").values() if not o["archived"]]
    )
    tie = now_ms()
    touched = admin.touch("contacts", count=10_300, at=tie)
    assert touched
    some_id = sorted(simulator_objects(admin, "contacts"))[5]
    admin.update_object("contacts", some_id, {"firstname": "Mutated", "lead_score": "7"}, at=tie)
    admin.reset_request_counts()
    second = run_tap(config, state=first.final_state)
    source = simulator_objects(admin, "contacts")
    changed = {
        i
        for i, o in source.items()
        if not o["archived"]
        and o["updatedAt"]
        >= dt.datetime.fromtimestamp(tie / 1000, tz=dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")
    }
    emitted = second.by_id("contacts")
    assert len(changed) >= 10_300
    assert set(emitted) == changed
    assert len(second.records("contacts")) == len(changed)  # no duplicates
    assert emitted[some_id]["firstname"] == "Mutated"
    assert emitted[some_id]["lead_score"] == 7
    assert second.activate_versions("contacts") == []
    searches = endpoint_count(admin, SEARCH, "contacts")
    assert searches <= pages(len(changed), 200) * 1.1 + 1
    assert endpoint_count(admin, LIST, "contacts") == 0
    assert "window" not in second.final_state["bookmarks"]["contacts"]


def test_incremental_reads_mutations_between_runs(fresh_simulator, admin):
    config = tap_config(fresh_simulator, include_archived=True)
    first = run_tap(config)
    ids = sorted(simulator_objects(admin, "contacts"))
    active = [i for i in ids if not simulator_objects(admin, "contacts")[i]["archived"]]
    admin.update_object("contacts", active[0], {"city": "Springfield", "is_vip": "true"})
    created = admin.create_object("contacts", {"email": "new@example.com", "lead_score": "12.5"})
    admin.archive("contacts", active[1])
    admin.reset_request_counts()
    second = run_tap(config, state=first.final_state)
    emitted = second.by_id("contacts")
    assert emitted[active[0]]["city"] == "Springfield"
    assert emitted[active[0]]["is_vip"] is True
    assert emitted[created["id"]]["email"] == "new@example.com"
    assert emitted[created["id"]]["lead_score"] == 12.5
    assert emitted[active[1]]["archived"] is True
    assert set(emitted) == {active[0], created["id"], active[1]}
    assert endpoint_count(admin, SEARCH, "contacts") == 2  # the window and the parity count


def test_start_date_is_incremental_without_activate_version(fresh_simulator, admin):
    start = "2024-06-01T00:00:00Z"
    output = run_tap(tap_config(fresh_simulator, start_date=start))
    expected = {
        i
        for i, o in simulator_objects(admin, "contacts").items()
        if not o["archived"] and o["updatedAt"] >= "2024-06-01T00:00:00"
    }
    assert set(output.by_id("contacts")) == expected
    assert output.activate_versions("contacts") == []


def test_contact_ids_batch_reads_and_reports_unknown(fresh_simulator, admin, caplog):
    source = simulator_objects(admin, "contacts")
    wanted = [i for i, o in source.items() if not o["archived"]][:150]
    config = tap_config(
        fresh_simulator, object_types=["contacts", "meetings"], contact_ids=[*wanted, "999999999"]
    )
    state = {
        "bookmarks": {
            "contacts": {
                "replication_key": "updated_at",
                "replication_key_value": "2024-01-01T00:00:00.000Z",
            }
        }
    }
    output = run_tap(config, state=state)
    assert set(output.by_id("contacts")) == set(wanted)
    assert output.records("meetings") == []
    assert output.activate_versions("contacts") == []
    assert endpoint_count(admin, BATCH, "contacts") == 2
    assert output.final_state["bookmarks"]["contacts"]["replication_key_value"] == (
        "2024-01-01T00:00:00.000Z"
    )
    assert "999999999" in caplog.text


def test_max_records_caps_without_activate_version(fresh_simulator, admin):
    output = run_tap(tap_config(fresh_simulator, max_records=30))
    assert len(output.records("contacts")) == 30
    assert output.activate_versions("contacts") == []
    assert "replication_key_value" not in output.final_state["bookmarks"].get("contacts", {})


def test_summary_reports_records_requests_and_merged_ids(fresh_simulator, admin, caplog):
    caplog.set_level("INFO")
    merged = admin.snapshot("contacts")["merged"]
    assert merged
    output = run_tap(tap_config(fresh_simulator))
    survivors = [r for r in output.records("contacts") if r["hs_merged_object_ids"]]
    absorbed = {i for r in survivors for i in r["hs_merged_object_ids"].split(";")}
    assert absorbed == set(merged)
    summary = [m for m in caplog.messages if m.startswith("Summary contacts (full)")]
    assert len(summary) == 1
    assert f"{len(output.records('contacts'))} records" in summary[0]
    assert f"{len(absorbed)} merged-away ids" in summary[0]
    assert any(m.startswith("Run totals so far") for m in caplog.messages)
