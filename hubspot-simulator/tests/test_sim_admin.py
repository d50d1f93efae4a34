"""Admin API mutations, snapshots, counters and resets, seen through the public API."""

from __future__ import annotations

import time

import pytest
import requests
from hubspot_simulator.admin import SimulatorAdminError
from hubspot_simulator.util import iso

SEARCH = "/crm/v3/objects/contacts/search"


def test_create_update_archive_unarchive(api, fresh_simulator):
    admin = fresh_simulator.admin
    created = admin.create_object(
        "contacts",
        {"email": "new@example.com", "firstname": "Néw", "bogus": "ignored"},
        at=1_800_000_000_000,
    )
    cid = created["id"]
    assert created["createdAt"] == created["updatedAt"] == "2027-01-15T08:00:00.000Z"
    assert created["properties"]["lastname"] is None
    assert "bogus" not in created["properties"]
    got = api.get(f"/crm/v3/objects/contacts/{cid}").json()
    assert got == {
        "id": cid,
        "properties": {
            "createdate": "2027-01-15T08:00:00.000Z",
            "email": "new@example.com",
            "firstname": "Néw",
            "hs_object_id": cid,
            "lastmodifieddate": "2027-01-15T08:00:00.000Z",
            "lastname": None,
        },
        "createdAt": "2027-01-15T08:00:00.000Z",
        "updatedAt": "2027-01-15T08:00:00.000Z",
        "archived": False,
    }
    before = int(time.time() * 1000)
    updated = admin.update_object("contacts", cid, {"lastname": "Ünder", "email": None})
    assert updated["properties"]["lastname"] == "Ünder"
    assert updated["properties"]["email"] is None
    assert updated["updatedAt"] == updated["properties"]["lastmodifieddate"]
    assert updated["updatedAt"] >= iso(before)
    admin.archive("contacts", cid, at=1_800_000_001_000)
    assert api.get(f"/crm/v3/objects/contacts/{cid}").status_code == 404
    listed = api.get("/crm/v3/objects/contacts", params={"archived": "true", "limit": 100}).json()[
        "results"
    ]
    mine = next(r for r in listed if r["id"] == cid)
    assert mine["archivedAt"] == "2027-01-15T08:00:01.000Z"
    admin.unarchive("contacts", cid)
    assert api.get(f"/crm/v3/objects/contacts/{cid}").status_code == 200


def test_merge(api, fresh_simulator):
    admin = fresh_simulator.admin
    links_before = {
        x["toId"]
        for x in admin.association_snapshot("contacts", "meetings")
        if x["fromId"] == "1004"
    }
    survivor = admin.merge("contacts", "1002", "1004", at=1_800_000_000_000)
    assert survivor["id"] == "1002"
    assert "1004" in survivor["properties"]["hs_merged_object_ids"].split(";")
    assert survivor["updatedAt"] == "2027-01-15T08:00:00.000Z"
    assert api.get("/crm/v3/objects/contacts/1004").json()["id"] == "1002"
    batch = api.post(
        "/crm/v3/objects/contacts/batch/read", {"inputs": [{"id": "1004"}], "properties": []}
    ).json()
    assert [r["id"] for r in batch["results"]] == ["1002"]
    links_after = {
        x["toId"]
        for x in admin.association_snapshot("contacts", "meetings")
        if x["fromId"] == "1002"
    }
    assert links_before <= links_after
    assert "1004" in admin.snapshot("contacts", ["email"])["merged"]


def test_touch_many_to_one_millisecond(api, fresh_simulator):
    admin = fresh_simulator.admin
    admin.regenerate(
        contacts=30_000, meetings=100, appointments=0, archived_permille=0, merged_permille=0
    )
    at = 1_900_000_000_123
    touched = admin.touch("contacts", count=12_000, offset=500, at=at)
    assert touched["count"] == 12_000
    body = {
        "filterGroups": [
            {"filters": [{"propertyName": "lastmodifieddate", "operator": "EQ", "value": str(at)}]}
        ],
        "sorts": [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}],
        "limit": 200,
        "properties": ["lastmodifieddate"],
    }
    page = api.post(SEARCH, body).json()
    assert page["total"] == 12_000
    assert [r["id"] for r in page["results"]] == touched["ids"][:200]
    assert page["results"][0]["properties"]["lastmodifieddate"] == iso(at)
    admin.touch("contacts", ["1001", "1002"], at=at + 1)
    gte = dict(
        body,
        filterGroups=[
            {
                "filters": [
                    {"propertyName": "lastmodifieddate", "operator": "GTE", "value": str(at + 1)}
                ]
            }
        ],
    )
    assert [r["id"] for r in api.post(SEARCH, gte).json()["results"]] == ["1001", "1002"]


def test_request_counts(api, fresh_simulator):
    admin = fresh_simulator.admin
    api.get("/crm/v3/objects/contacts")
    api.get("/crm/v3/objects/meetings")
    api.get("/crm/v3/objects/contacts/1001")
    api.post(SEARCH, {})
    api.post("/crm/v4/associations/contacts/meetings/batch/read", {"inputs": [{"id": "1001"}]})
    counts = admin.request_counts()
    assert counts["total"] == 5
    assert counts["endpoints"] == {
        "GET /crm/v3/objects/{type}": 2,
        "GET /crm/v3/objects/{type}/{id}": 1,
        "POST /crm/v3/objects/{type}/search": 1,
        "POST /crm/v4/associations/{from}/{to}/batch/read": 1,
    }
    assert counts["byObjectType"]["GET /crm/v3/objects/{type}"] == {"contacts": 1, "meetings": 1}
    assert counts["byObjectType"]["POST /crm/v4/associations/{from}/{to}/batch/read"] == {
        "contacts->meetings": 1
    }
    admin.reset_request_counts()
    assert admin.request_counts()["total"] == 0


def test_fresh_simulator_resets_everything(fresh_simulator):
    admin = fresh_simulator.admin
    admin.add_fault("status", count=None)
    admin.set_rate_limits(burst=1)
    admin.set_search_lag(5000)
    admin.add_token("extra")
    admin.reset(seed=7, contacts=250, meetings=60, appointments=20)
    info = admin.info()
    assert admin.faults() == []
    assert info["rateLimits"] == {
        "enabled": True,
        "burst": 100,
        "windowMs": 10_000,
        "searchPerSecond": 5,
        "daily": 250_000,
    }
    assert info["searchLagMs"] == 0
    assert info["counts"]["contacts"]["total"] == 250
    assert admin.request_counts()["total"] == 0


def test_deterministic_dataset(fresh_simulator):
    admin = fresh_simulator.admin
    first = admin.snapshot("meetings")
    links = admin.association_snapshot("meetings", "contacts")
    admin.regenerate(seed=8, contacts=250, meetings=60, appointments=20)
    assert admin.snapshot("meetings") != first
    admin.regenerate(seed=7, contacts=250, meetings=60, appointments=20)
    assert admin.snapshot("meetings") == first
    assert admin.association_snapshot("meetings", "contacts") == links


def test_companies_and_deals_when_sized(api, fresh_simulator):
    fresh_simulator.admin.regenerate(
        contacts=100, meetings=10, appointments=5, companies=20, deals=15
    )
    companies = api.get("/crm/v3/objects/companies").json()["results"]
    assert list(companies[0]["properties"]) == [
        "createdate",
        "domain",
        "hs_lastmodifieddate",
        "hs_object_id",
        "name",
    ]
    assert companies[0]["updatedAt"] == companies[0]["properties"]["hs_lastmodifieddate"]
    labels = api.get("/crm/v4/associations/contacts/companies/labels").json()["results"]
    assert [x["typeId"] for x in labels] == [279, 1, 1009]
    assert fresh_simulator.admin.association_snapshot("deals", "companies")


def test_admin_errors(fresh_simulator):

    admin = fresh_simulator.admin
    with pytest.raises(SimulatorAdminError, match="unknown association type id 4242"):
        admin.associate("contacts", "1001", "meetings", "30000002", [4242])
    with pytest.raises(SimulatorAdminError, match="404"):
        admin.update_object("contacts", "999999", {"email": "x"})
    with pytest.raises(SimulatorAdminError, match="unknown object type widgets"):
        admin.snapshot("widgets")
    with pytest.raises(SimulatorAdminError, match="both records must be distinct and active"):
        admin.merge("contacts", "1001", "1001")
    with pytest.raises(SimulatorAdminError, match="cannot be merged"):
        admin.merge("meetings", "30000001", "30000002")
    resp = requests.get(f"{fresh_simulator.base_url}/_sim/nope", timeout=10)
    assert resp.status_code == 404
    assert resp.json()["category"] == "OBJECT_NOT_FOUND"


def test_merge_into_new_record(api, fresh_simulator):
    admin = fresh_simulator.admin
    primary = admin.get_object("contacts", "1006")
    links = {
        x["toId"]
        for x in admin.association_snapshot("contacts", "meetings")
        if x["fromId"] in ("1006", "1008")
    }
    new = admin.merge("contacts", "1006", "1008", at=1_800_000_000_000, new_record=True)
    assert new["id"] not in ("1006", "1008")
    assert new["properties"]["hs_merged_object_ids"] == "1006;1008"
    assert new["properties"]["email"] == primary["properties"]["email"]
    assert new["createdAt"] == new["updatedAt"] == "2027-01-15T08:00:00.000Z"
    for old in ("1006", "1008"):
        assert api.get(f"/crm/v3/objects/contacts/{old}").json()["id"] == new["id"]
    assert {
        x["toId"]
        for x in admin.association_snapshot("contacts", "meetings")
        if x["fromId"] == new["id"]
    } == links
