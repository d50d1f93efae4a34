"""Property histories: shapes, HubSpot's limits, the version cap, appends, merges, sources."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from hubspot import HubSpot
from hubspot.crm.objects import BatchReadInputSimplePublicObjectId
from hubspot_simulator.admin import SimulatorAdminError
from hubspot_simulator.catalog.refids import OWNER_SEEDS
from hubspot_simulator.history import VERSION_CAP
from sim_helpers import without_ids

PROPS = ["lifecyclestage", "hs_lead_status", "firstname", "email", "lead_score"]
VERSION_KEYS = {"value", "timestamp", "sourceType", "sourceId", "sourceLabel", "updatedByUserId"}


def _list_with_history(api, props, limit=50):
    out = {}
    after = None
    while True:
        params = {"propertiesWithHistory": ",".join(props), "properties": ",".join(props)}
        params["limit"] = str(limit)
        if after:
            params["after"] = after
        body = api.get("/crm/v3/objects/contacts", params=params).json()
        out.update({r["id"]: r for r in body["results"]})
        after = body.get("paging", {}).get("next", {}).get("after")
        if not after:
            return out


def test_list_pages_carry_the_ground_truth_history(api, fresh_simulator):
    listed = _list_with_history(api, PROPS)
    truth = fresh_simulator.admin.history_snapshot("contacts", PROPS)
    assert set(listed) == set(truth)
    assert len(truth) > 200
    assert {k: r["propertiesWithHistory"] for k, r in listed.items()} == truth
    for record in listed.values():
        for name in PROPS:
            versions = record["propertiesWithHistory"][name]
            current = record["properties"][name]
            newest = versions[0]["value"] if versions else None
            assert (newest or None) == (current or None)
            stamps = [v["timestamp"] for v in versions]
            assert stamps == sorted(stamps, reverse=True)
            assert all(set(v) <= VERSION_KEYS and "sourceType" in v for v in versions)


def test_generated_data_has_long_histories_ties_and_owner_users(fresh_simulator):
    admin = fresh_simulator.admin
    full = admin.history_snapshot("contacts", full=True)
    capped = admin.history_snapshot("contacts")
    long = [
        (rid, name)
        for rid, props in full.items()
        for name, versions in props.items()
        if len(versions) > VERSION_CAP
    ]
    assert len(long) >= 3
    for rid, name in long:
        assert capped[rid][name] == full[rid][name][:VERSION_CAP]
    ties = [
        versions
        for props in full.values()
        for versions in props.values()
        if len({v["timestamp"] for v in versions}) < len(versions)
    ]
    assert len(ties) >= 10
    users = {o.user_id for o in OWNER_SEEDS if o.user_id is not None}
    by_user = [
        v
        for props in full.values()
        for versions in props.values()
        for v in versions
        if "updatedByUserId" in v
    ]
    assert len(by_user) > 100
    assert {v["updatedByUserId"] for v in by_user} <= users
    assert {v["sourceId"] for v in by_user} == {f"userId:{v['updatedByUserId']}" for v in by_user}
    sources = {v["sourceType"] for p in full.values() for vs in p.values() for v in vs}
    assert {"CRM_UI", "API", "IMPORT", "WORKFLOW", "CALCULATED"} <= sources


def test_get_and_batch_read_return_the_capped_history(api, fresh_simulator):
    full = fresh_simulator.admin.history_snapshot("contacts", full=True)
    rid, name = next(
        (r, n) for r, props in full.items() for n, vs in props.items() if len(vs) > VERSION_CAP
    )
    got = api.get(f"/crm/v3/objects/contacts/{rid}", params={"propertiesWithHistory": name})
    assert got.json()["propertiesWithHistory"] == {name: full[rid][name][:VERSION_CAP]}
    ids = [rid, *list(full)[:49]]
    batch = api.post(
        "/crm/v3/objects/contacts/batch/read",
        {"inputs": [{"id": i} for i in ids], "properties": [], "propertiesWithHistory": [name]},
    ).json()
    assert {r["id"]: r["propertiesWithHistory"][name] for r in batch["results"]} == {
        i: full[i][name][:VERSION_CAP] for i in dict.fromkeys(ids)
    }


def test_updates_append_versions_two_in_one_millisecond(api, fresh_simulator):
    admin = fresh_simulator.admin
    before = admin.history("contacts", "1002", ["lifecyclestage"], full=True)["lifecyclestage"]
    at = 1_800_000_000_000
    admin.update_property("contacts", "1002", {"lifecyclestage": "opportunity"}, at=at)
    admin.update_property(
        "contacts",
        "1002",
        {"lifecyclestage": "customer"},
        at=at,
        source_type="CRM_UI",
        source_id="userId:2110000",
        updated_by_user_id=2110000,
    )
    admin.update_property(
        "contacts", "1002", {"lifecyclestage": None}, at=at + 5, source_type="WORKFLOW"
    )
    after = admin.history("contacts", "1002", ["lifecyclestage"], full=True)["lifecyclestage"]
    stamp = "2027-01-15T08:00:00.000Z"
    assert after == [
        {"value": "", "timestamp": "2027-01-15T08:00:00.005Z", "sourceType": "WORKFLOW"},
        {
            "value": "customer",
            "timestamp": stamp,
            "sourceType": "CRM_UI",
            "sourceId": "userId:2110000",
            "updatedByUserId": 2110000,
        },
        {"value": "opportunity", "timestamp": stamp, "sourceType": "API"},
        *before,
    ]
    got = api.get(
        "/crm/v3/objects/contacts/1002", params={"propertiesWithHistory": "lifecyclestage"}
    )
    assert got.json()["propertiesWithHistory"]["lifecyclestage"] == after[:VERSION_CAP]


def test_creation_import_and_calculated_sources(fresh_simulator):
    admin = fresh_simulator.admin
    created = admin.create_object(
        "contacts", {"email": "new@example.com", "firstname": "New"}, at=1_790_000_000_000
    )
    history = admin.history("contacts", created["id"], ["email", "firstname", "lastname"])
    assert history == {
        "email": [
            {
                "value": "new@example.com",
                "timestamp": "2026-09-21T14:13:20.000Z",
                "sourceType": "API",
            }
        ],
        "firstname": [
            {"value": "New", "timestamp": "2026-09-21T14:13:20.000Z", "sourceType": "API"}
        ],
        "lastname": [],
    }
    admin.update_property(
        "contacts",
        created["id"],
        {"firstname": "Imported"},
        at=1_790_000_000_100,
        source_type="IMPORT",
        source_id="61999",
    )
    admin.update_property(
        "contacts",
        created["id"],
        {"hs_analytics_num_page_views": "12"},
        at=1_790_000_000_200,
        source_type="CRM_UI",
        updated_by_user_id=2110000,
    )
    history = admin.history("contacts", created["id"], ["firstname", "hs_analytics_num_page_views"])
    assert history["firstname"][0] == {
        "value": "Imported",
        "timestamp": "2026-09-21T14:13:20.100Z",
        "sourceType": "IMPORT",
        "sourceId": "61999",
    }
    assert history["hs_analytics_num_page_views"] == [
        {"value": "12", "timestamp": "2026-09-21T14:13:20.200Z", "sourceType": "CALCULATED"}
    ]


def test_merge_survivor_carries_both_histories(api, fresh_simulator):
    admin = fresh_simulator.admin
    props = ["lifecyclestage", "firstname", "lead_score"]
    primary = admin.history("contacts", "1010", props, full=True)
    absorbed = admin.history("contacts", "1011", props, full=True)
    at = 1_800_000_000_000
    admin.merge("contacts", "1010", "1011", at=at)
    merged = admin.history("contacts", "1010", props, full=True)
    survivor = admin.get_object("contacts", "1010")["properties"]
    for name in props:
        expected = sorted(
            primary[name] + absorbed[name], key=lambda v: v["timestamp"], reverse=True
        )
        if expected and (expected[0]["value"] or None) != survivor[name]:
            merge_version = {
                "value": survivor[name] or "",
                "timestamp": "2027-01-15T08:00:00.000Z",
                "sourceType": "MERGE_OBJECTS",
                "sourceId": "merge",
            }
            expected = [merge_version, *expected]
        assert [v["timestamp"] for v in merged[name]] == [v["timestamp"] for v in expected]
        assert sorted(map(str, merged[name])) == sorted(map(str, expected))
        assert (merged[name][0]["value"] or None) == survivor[name]
    via_absorbed = api.get(
        "/crm/v3/objects/contacts/1011", params={"propertiesWithHistory": ",".join(props)}
    ).json()
    assert via_absorbed["id"] == "1010"
    assert via_absorbed["propertiesWithHistory"] == {n: merged[n][:VERSION_CAP] for n in props}


def test_history_limits_and_search_without_history(api, fresh_simulator):
    too_many = api.get(
        "/crm/v3/objects/contacts", params={"propertiesWithHistory": "email", "limit": 51}
    )
    assert too_many.status_code == 400
    assert without_ids(too_many.json())["message"] == "limit must be between 1 and 50 (got 51)."
    inputs = [{"id": str(1001 + i)} for i in range(51)]
    batch = api.post(
        "/crm/v3/objects/contacts/batch/read",
        {"inputs": inputs, "properties": [], "propertiesWithHistory": ["email"]},
    )
    assert batch.status_code == 400
    ok = api.post(
        "/crm/v3/objects/contacts/batch/read",
        {"inputs": inputs[:50], "properties": [], "propertiesWithHistory": ["email"]},
    )
    assert ok.status_code in (200, 207)
    assert all("propertiesWithHistory" in r for r in ok.json()["results"])
    search = api.post(
        "/crm/v3/objects/contacts/search",
        {"limit": 5, "properties": ["email"], "propertiesWithHistory": ["email"]},
    )
    assert search.status_code == 200
    assert [("propertiesWithHistory" in r) for r in search.json()["results"]] == [False] * 5


def test_admin_rejects_an_unknown_source_type(fresh_simulator):
    admin = fresh_simulator.admin
    with pytest.raises(SimulatorAdminError, match="unknown sourceType 'TELEPATHY'"):
        admin.update_property("contacts", "1001", {"firstname": "x"}, source_type="TELEPATHY")
    assert admin.get_object("contacts", "1001")["properties"]["firstname"] != "x"


def test_the_official_client_reads_histories_with_validation_on(fresh_simulator):
    hs = HubSpot(
        access_token=fresh_simulator.token,
        host=fresh_simulator.base_url,
        client_side_validation=True,
    )
    page = hs.crm.objects.basic_api.get_page(
        "contacts", limit=50, properties_with_history=["lifecyclestage", "lead_score"]
    )
    truth = fresh_simulator.admin.history_snapshot("contacts", ["lifecyclestage", "lead_score"])
    assert len(page.results) == 50
    for record in page.results:
        got = {
            name: [v.to_dict() for v in versions]
            for name, versions in record.properties_with_history.items()
        }
        expected = {
            name: [
                {
                    "value": v["value"],
                    "timestamp": v["timestamp"],
                    "source_type": v["sourceType"],
                    "source_id": v.get("sourceId"),
                    "source_label": v.get("sourceLabel"),
                    "updated_by_user_id": v.get("updatedByUserId"),
                }
                for v in versions
            ]
            for name, versions in truth[record.id].items()
        }
        assert _comparable(got) == _comparable(expected)
    batch = hs.crm.objects.batch_api.read(
        "contacts",
        BatchReadInputSimplePublicObjectId(
            inputs=[{"id": r.id} for r in page.results],
            properties=["email"],
            properties_with_history=["lifecyclestage"],
        ),
    )
    assert {r.id for r in batch.results} == {r.id for r in page.results}


def _comparable(history: dict) -> dict:
    def stamp(value: Any) -> str:
        if isinstance(value, datetime):
            return value.strftime("%Y-%m-%dT%H:%M:%S.%f")[:23]
        return str(value)[:23]

    return {
        name: [
            (
                str(v["value"]),
                stamp(v["timestamp"]),
                v["source_type"],
                v["source_id"],
                v["source_label"],
                v["updated_by_user_id"],
            )
            for v in versions
        ]
        for name, versions in history.items()
    }
