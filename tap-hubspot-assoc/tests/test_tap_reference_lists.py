"""`lists` and `list_memberships` against the portal simulator: every list, the members of the
chosen lists only (complete, paged past 250), the plan printed before reading, the requests."""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from hubspot_simulator.testing import SimulatorProcess
from reference_helpers import ms
from tap_helpers import assert_version_follows_records, run_tap, tap_config
from tap_hubspot_assoc.reference.kinds import ReferenceSettingsError

SYNCED = ["contacts", "companies"]


@pytest.fixture(scope="module")
def portal() -> Iterator[SimulatorProcess]:
    with SimulatorProcess(portal=True, rate_limit=False) as sim:
        yield sim


def search_truth(sim: SimulatorProcess) -> list[dict[str, Any]]:
    """Every list as the search API describes it (the oracle), read 1 per page."""
    found, offset = [], 0
    while True:
        body = requests.post(
            sim.base_url + "/crm/v3/lists/search",
            json={"offset": offset, "count": 1},
            headers=sim.auth_headers(),
        ).json()
        found += body["lists"]
        if not body["hasMore"]:
            return found
        offset = body["offset"]


def members_truth(sim: SimulatorProcess, list_id: str) -> set[tuple[str, str]]:
    """A list's (record id, joined at) by the record-id-ordered endpoint, 7 per page."""
    found: set[tuple[str, str]] = set()
    params: dict[str, Any] = {"limit": 7}
    while True:
        body = requests.get(
            f"{sim.base_url}/crm/v3/lists/{list_id}/memberships",
            params=params,
            headers=sim.auth_headers(),
        ).json()
        found |= {(m["recordId"], m["membershipTimestamp"]) for m in body["results"]}
        following = (body.get("paging") or {}).get("next")
        if not following:
            return found
        params["after"] = following["after"]


def run_lists(sim: SimulatorProcess, members: Any, caplog: pytest.LogCaptureFixture):
    sim.admin.reset_request_counts()
    config = tap_config(sim, object_types=SYNCED, reference_data=["lists"])
    if members is not None:  # None: the setting left unset
        config["list_members"] = members
    with caplog.at_level(logging.INFO):
        output = run_tap(config)
    return output, sim.admin.request_counts()["endpoints"]


def test_every_list_and_only_the_chosen_lists_members(portal, caplog):
    truth = search_truth(portal)
    by_name = {lst["name"]: lst for lst in truth}
    big = max(truth, key=lambda lst: int(lst["additionalProperties"]["hs_list_size"]))
    manual = next(lst for lst in truth if lst["processingType"] == "MANUAL" and lst != big)
    chosen = {big["listId"], manual["listId"]}
    assert int(big["additionalProperties"]["hs_list_size"]) > 250
    output, counts = run_lists(portal, [big["listId"], manual["name"].upper()], caplog)

    type_names = {"0-1": "contacts", "0-2": "companies"}
    assert {r["list_id"]: r for r in output.records("lists")} == {
        lst["listId"]: {
            "list_id": lst["listId"],
            "name": lst["name"],
            "object_type_id": lst["objectTypeId"],
            "object_type": type_names.get(lst["objectTypeId"]),
            "processing_type": lst["processingType"],
            "processing_status": lst["processingStatus"],
            "list_version": lst["listVersion"],
            "size": int(lst["additionalProperties"]["hs_list_size"]),
            "created_at": ms(lst["createdAt"]),
            "updated_at": ms(lst["updatedAt"]),
            "filters_updated_at": ms(lst["filtersUpdatedAt"])
            if lst.get("filtersUpdatedAt")
            else None,
            "members_synced": lst["listId"] in chosen,
        }
        for lst in truth
    }
    assert {r["processing_type"] for r in output.records("lists")} == {
        "MANUAL",
        "DYNAMIC",
        "SNAPSHOT",
    }
    got: dict[str, set[tuple[str, str]]] = {}
    for row in output.records("list_memberships"):
        assert row["object_type"] == type_names[by_name[row_name(truth, row)]["objectTypeId"]]
        got.setdefault(row["list_id"], set()).add((row["record_id"], row["added_at"]))
    assert got == {
        list_id: {(rid, ms(at)) for rid, at in members_truth(portal, list_id)} for list_id in chosen
    }
    sizes = [int(by_id(truth, i)["additionalProperties"]["hs_list_size"]) for i in chosen]
    assert counts["GET /crm/v3/lists/{listId}/memberships/join-order"] == sum(
        max(1, math.ceil(size / 250)) for size in sizes
    )
    assert counts["POST /crm/v3/lists/search"] == 1
    for stream in ("lists", "list_memberships"):
        assert_version_follows_records(output, stream)


def row_name(truth: list[dict[str, Any]], row: dict[str, Any]) -> str:
    return by_id(truth, row["list_id"])["name"]


def by_id(truth: list[dict[str, Any]], list_id: str) -> dict[str, Any]:
    return next(lst for lst in truth if lst["listId"] == list_id)


def test_the_plan_is_printed_before_any_stream_is_read(portal, caplog):
    truth = search_truth(portal)
    big = max(truth, key=lambda lst: int(lst["additionalProperties"]["hs_list_size"]))
    size = int(big["additionalProperties"]["hs_list_size"])
    run_lists(portal, [big["listId"]], caplog)
    lines = [r.getMessage() for r in caplog.records]
    plan = (
        f"list_members: 1 of {len(truth)} lists selected, {size:,} members, "
        f"{math.ceil(size / 250)} membership requests (250 per page): {big['listId']} "
        f"'{big['name']}' ({big['processingType']}, {size:,} members)"
    )
    assert plan in lines
    first_sync = next(i for i, line in enumerate(lines) if line.startswith("Beginning sync"))
    assert lines.index(plan) < first_sync


def test_no_members_by_default(portal, caplog):
    output, counts = run_lists(portal, None, caplog)
    assert output.records("lists")
    assert not any(r["members_synced"] for r in output.records("lists"))
    assert output.records("list_memberships") == []
    assert (
        output.activate_versions("list_memberships")
        == [output.activate_versions("list_memberships")[0]] * 2
    )  # an empty complete read: the version twice
    assert "GET /crm/v3/lists/{listId}/memberships/join-order" not in counts


def test_a_list_name_matching_no_list_fails_before_any_read(portal, caplog):
    portal.admin.reset_request_counts()
    config = tap_config(
        portal, object_types=SYNCED, reference_data="all", list_members=["Q4 webinr"]
    )
    with pytest.raises(ReferenceSettingsError, match="no list has the id or name 'Q4 webinr'"):
        run_tap(config)
    assert "GET /crm/v3/objects/{type}" not in portal.admin.request_counts()["endpoints"]


def test_output_order_does_not_depend_on_requests_in_flight(portal):
    """Answers arrive out of order (latency grows with the page's records, jittered), yet
    the records come out as a one-at-a-time read writes them."""
    portal.admin.set_latency("off", jitter=0.9, seed=3, endpoints={"other": LATENCY})
    try:
        orders = record_orders(portal)
    finally:
        portal.admin.set_latency("off")
    assert len(orders[0]) > 500
    assert orders[0] == orders[1]


LATENCY = {"fixedMs": 5.0, "perRecordMs": 0.1}


def record_orders(portal: SimulatorProcess) -> list[list[tuple[str, dict[str, Any]]]]:
    orders = []
    for in_flight in (1, 8):
        portal.admin.reset_request_counts()
        config = tap_config(
            portal,
            object_types=["deals", "contacts"],
            reference_data=["lists", "pipelines"],
            list_members="all",
            max_concurrent_requests=in_flight,
        )
        output = run_tap(config)
        orders.append(
            [
                (m["stream"], m["record"])
                for m in output.messages
                if m["type"] == "RECORD" and m["stream"] in ("list_memberships", "pipeline_stages")
            ]
        )
    return orders


REFERENCE_STREAMS = (
    "owners",
    "owner_teams",
    "pipelines",
    "pipeline_stages",
    "properties",
    "property_options",
    "lists",
    "list_memberships",
)


def test_faults_on_reference_reads_change_nothing(portal):
    """429s, 5xx, dropped connections and truncated bodies on every reference endpoint are
    absorbed by the shared client: the records are those of a clean run."""
    config = tap_config(portal, object_types=["deals"], reference_data="all", list_members="all")

    def records(output):
        return {s: output.records(s) for s in REFERENCE_STREAMS}

    clean = records(run_tap(config))
    admin = portal.admin
    admin.add_fault("rate_limit", path="/crm/(v3/)?owners", count=2, retry_after=0)
    admin.add_fault("status", path="/audit$", status=502, count=3)
    admin.add_fault("truncate", path=r"/lists/(\d{4}-\d{2}/)?search", count=1)
    admin.add_fault("drop", path="/memberships/join-order", count=2)
    admin.add_fault("status", path="/crm/(v3/)?properties/", status=503, count=2)
    try:
        faulty = records(run_tap(config))
        statuses = admin.request_counts()["statuses"]
    finally:
        admin.clear_faults()
    assert faulty == clean
    assert all(clean.values())
    assert statuses.get("429") == 2
    assert statuses.get("502") == 3
    assert statuses.get("503") == 2
