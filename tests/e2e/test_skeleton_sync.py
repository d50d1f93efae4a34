"""The skeleton end to end: `meltano run` syncs contacts from the simulator into PostgreSQL."""

from __future__ import annotations

import time

import pytest

from tests.oracle import expected_rows

pytestmark = pytest.mark.e2e

TAP = "TAP_HUBSPOT_ASSOC"


def _active(objects):
    return [obj for obj in objects if not obj.get("archived")]


def test_meltano_run_loads_every_contact_with_typed_properties(
    meltano_project, fresh_simulator, property_types
):
    meltano_project.set_config(TAP, "object_types", ["contacts"])
    meltano_project.set_config(TAP, "association_pairs", [])

    meltano_project.run("run", "tap-hubspot-assoc", "target-hubspot-overwrite")

    snapshot = fresh_simulator.admin.snapshot("contacts")
    expected = expected_rows(_active(snapshot["objects"]), property_types("contacts"))
    loaded = {row["id"]: row for row in meltano_project.rows("contacts")}
    assert set(loaded) == set(expected)
    mismatches = [
        (record_id, column, want, loaded[record_id].get(column))
        for record_id, row in expected.items()
        for column, want in row.items()
        if loaded[record_id].get(column) != want
    ]
    assert mismatches == []


def test_second_run_is_incremental_and_picks_up_a_change(meltano_project, fresh_simulator):
    meltano_project.set_config(TAP, "object_types", ["contacts"])
    meltano_project.set_config(TAP, "association_pairs", [])
    meltano_project.run("run", "tap-hubspot-assoc", "target-hubspot-overwrite")
    bookmark = meltano_project.state()["singer_state"]["bookmarks"]["contacts"]
    assert bookmark["replication_key"] == "updated_at"

    contact_id = fresh_simulator.admin.snapshot("contacts")["objects"][0]["id"]
    # Stamped a minute ago: the tap's windows stop `safety_lag_seconds` before the sync start.
    a_minute_ago = int(time.time() * 1000) - 60_000
    fresh_simulator.admin.update_object(
        "contacts", contact_id, {"city": "Zürich ✓"}, at=a_minute_ago
    )
    fresh_simulator.admin.reset_request_counts()
    meltano_project.run("run", "tap-hubspot-assoc", "target-hubspot-overwrite")

    rows = {row["id"]: row for row in meltano_project.rows("contacts")}
    assert rows[contact_id]["city"] == "Zürich ✓"
    endpoints = fresh_simulator.admin.request_counts()["endpoints"]
    assert endpoints.get("GET /crm/v3/objects/{type}", 0) == 0  # no full list read again
    assert endpoints["POST /crm/v3/objects/{type}/search"] >= 1
