"""Properties, list, get and batch read: shapes, paging, limits and 207s."""

from __future__ import annotations

from sim_helpers import without_ids, without_times


def test_properties_exact_shape(api):
    resp = api.get("/crm/v3/properties/contacts")
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "application/json;charset=utf-8"
    props = {p["name"]: p for p in resp.json()["results"]}
    assert props["hs_lead_status"] == {
        "updatedAt": "2024-01-01T00:00:00.000Z",
        "createdAt": "2020-06-30T15:57:37.277Z",
        "name": "hs_lead_status",
        "label": "Lead Status",
        "type": "enumeration",
        "fieldType": "select",
        "description": "",
        "groupName": "sales_properties",
        "options": [
            {"label": label, "value": value, "displayOrder": i, "hidden": False}
            for i, (label, value) in enumerate(
                [
                    ("New", "NEW"),
                    ("Open", "OPEN"),
                    ("In Progress", "IN_PROGRESS"),
                    ("Open Deal", "OPEN_DEAL"),
                    ("Unqualified", "UNQUALIFIED"),
                    ("Attempted To Contact", "ATTEMPTED_TO_CONTACT"),
                    ("Connected", "CONNECTED"),
                    ("Bad Timing", "BAD_TIMING"),
                ]
            )
        ],
        "displayOrder": -1,
        "calculated": False,
        "externalOptions": False,
        "hasUniqueValue": False,
        "hidden": False,
        "formField": True,
        "modificationMetadata": {
            "archivable": False,
            "readOnlyDefinition": True,
            "readOnlyValue": False,
        },
        "archived": False,
        "hubspotDefined": True,
    }
    assert {p["type"] for p in props.values()} == {
        "string",
        "number",
        "date",
        "datetime",
        "enumeration",
        "bool",
    }
    for key in (
        "createdate",
        "lastmodifieddate",
        "hs_object_id",
        "email",
        "firstname",
        "lastname",
        "hs_merged_object_ids",
        "archived",
        "hs_lastmodifieddate",
    ):
        assert key in props
    assert props["archived"]["createdUserId"] == "9586504"
    assert "hubspotDefined" not in props["archived"]
    meetings = {p["name"] for p in api.get("/crm/v3/properties/meetings").json()["results"]}
    assert {
        "hs_lastmodifieddate",
        "hs_createdate",
        "hs_timestamp",
        "hs_meeting_title",
        "hs_meeting_start_time",
        "hs_meeting_end_time",
        "hs_meeting_outcome",
    } <= meetings
    # type ids work as well as names
    assert api.get("/crm/v3/properties/0-47").json()["results"][0]["name"] == "hs_createdate"


def test_list_default_page_and_cursor_walk(api, fresh_simulator):
    snapshot = fresh_simulator.admin.snapshot("contacts", ["email"])
    active = [o for o in snapshot["objects"] if not o["archived"]]
    first = api.get("/crm/v3/objects/contacts")
    assert first.status_code == 200
    body = first.json()
    assert len(body["results"]) == 10
    rec = body["results"][0]
    assert list(rec) == ["id", "properties", "createdAt", "updatedAt", "archived"]
    assert list(rec["properties"]) == [
        "createdate",
        "email",
        "firstname",
        "hs_object_id",
        "lastmodifieddate",
        "lastname",
    ]
    assert rec["properties"]["lastmodifieddate"] == rec["updatedAt"]
    assert rec["properties"]["createdate"] == rec["createdAt"]
    assert body["paging"]["next"]["link"].endswith(f"after={body['paging']['next']['after']}")
    seen = []
    after = None
    pages = 0
    while True:
        params = {"limit": 100, "properties": "email"}
        if after:
            params["after"] = after
        page = api.get("/crm/v3/objects/contacts", params=params).json()
        pages += 1
        seen += page["results"]
        if "paging" not in page:
            break
        after = page["paging"]["next"]["after"]
    assert pages == 3
    assert [r["id"] for r in seen] == [o["id"] for o in active]
    assert [r["properties"]["email"] for r in seen] == [o["properties"]["email"] for o in active]
    assert all(v is None or isinstance(v, str) for r in seen for v in r["properties"].values())


def test_list_archived_only(api, fresh_simulator):
    snapshot = fresh_simulator.admin.snapshot("contacts", ["email"])
    archived = [o for o in snapshot["objects"] if o["archived"]]
    assert archived
    body = api.get("/crm/v3/objects/contacts", params={"archived": "true", "limit": 100}).json()
    assert "paging" not in body
    assert [r["id"] for r in body["results"]] == [o["id"] for o in archived]
    assert all(r["archived"] is True and r["archivedAt"].endswith("Z") for r in body["results"])


def test_list_limit_validation(api):
    resp = api.get("/crm/v3/objects/contacts", params={"limit": 101})
    assert resp.status_code == 400
    assert resp.headers["X-HubSpot-Correlation-Id"] == resp.json()["correlationId"]
    assert without_ids(resp.json()) == {
        "status": "error",
        "message": "limit must be between 1 and 100 (got 101).",
        "category": "VALIDATION_ERROR",
    }
    assert api.get("/crm/v3/objects/contacts", params={"limit": 100}).status_code == 200
    bad = api.get("/crm/v3/objects/contacts", params={"after": "garbage"})
    assert bad.status_code == 400
    unknown = api.get("/crm/v3/objects/widgets")
    assert without_ids(unknown.json()) == {
        "status": "error",
        "message": "Unable to infer object type from: widgets",
        "category": "VALIDATION_ERROR",
    }


def test_properties_param_unknown_ignored_and_collision(api):
    body = api.get(
        "/crm/v3/objects/contacts", params={"properties": "archived,nope,firstname", "limit": 1}
    ).json()
    assert list(body["results"][0]["properties"]) == [
        "archived",
        "firstname",
        "createdate",
        "hs_object_id",
        "lastmodifieddate",
    ]
    assert body["results"][0]["archived"] is False


def test_get_one_merged_and_archived(api, fresh_simulator):
    snapshot = fresh_simulator.admin.snapshot("contacts", ["hs_merged_object_ids"])
    merged = snapshot["merged"]
    absorbed, survivor = next(iter(merged.items()))
    resp = api.get(f"/crm/v3/objects/contacts/{absorbed}")
    assert resp.status_code == 200
    assert resp.json()["id"] == survivor
    by_id = {o["id"]: o for o in snapshot["objects"]}
    assert absorbed in by_id[survivor]["properties"]["hs_merged_object_ids"].split(";")
    # merged-away ids are not listed, not even as archived
    listed = api.get("/crm/v3/objects/contacts", params={"archived": "true", "limit": 100})
    assert absorbed not in {r["id"] for r in listed.json()["results"]}
    archived_id = next(o["id"] for o in snapshot["objects"] if o["archived"])
    missing = api.get(f"/crm/v3/objects/contacts/{archived_id}")
    assert missing.status_code == 404
    assert missing.json()["category"] == "OBJECT_NOT_FOUND"
    assert (
        api.get(f"/crm/v3/objects/contacts/{archived_id}", params={"archived": "true"}).json()[
            "archived"
        ]
        is True
    )


def test_batch_read_207_exact(api, fresh_simulator):
    snapshot = fresh_simulator.admin.snapshot("contacts", ["email"])
    active = [o for o in snapshot["objects"] if not o["archived"]][:5]
    archived_id = next(o["id"] for o in snapshot["objects"] if o["archived"])
    ids = [o["id"] for o in active] + ["999999999", archived_id]
    resp = api.post(
        "/crm/v3/objects/contacts/batch/read",
        {"inputs": [{"id": i} for i in ids], "properties": ["email"], "propertiesWithHistory": []},
    )
    assert resp.status_code == 207
    body = without_times(resp.json())
    results = body.pop("results")
    assert body == {
        "status": "COMPLETE",
        "numErrors": 1,
        "errors": [
            {
                "status": "error",
                "category": "OBJECT_NOT_FOUND",
                "message": "Could not get some CONTACT objects, they may be deleted or not exist. "
                "Check that ids are valid.",
                "context": {"ids": ["999999999", archived_id]},
            }
        ],
    }
    assert sorted(r["id"] for r in results) == sorted(o["id"] for o in active)
    assert [r["id"] for r in results] != [o["id"] for o in active]  # not input order
    expected = {o["id"]: o["properties"]["email"] for o in active}
    assert all(r["properties"]["email"] == expected[r["id"]] for r in results)
    ok = api.post(
        "/crm/v3/objects/contacts/batch/read",
        {"inputs": [{"id": active[0]["id"]}], "properties": []},
    )
    assert ok.status_code == 200
    assert "errors" not in ok.json()


def test_batch_read_limit(api):
    resp = api.post(
        "/crm/v3/objects/contacts/batch/read",
        {"inputs": [{"id": str(i)} for i in range(101)], "properties": []},
    )
    assert resp.status_code == 400
    assert without_ids(resp.json()) == {
        "status": "error",
        "message": "Batch input size 101 exceeds the maximum of 100.",
        "category": "VALIDATION_ERROR",
    }


def test_date_versioned_alias(api):
    a = api.get("/crm/objects/2026-03/contacts", params={"limit": 3}).json()
    b = api.get("/crm/v3/objects/contacts", params={"limit": 3}).json()
    assert [{k: v for k, v in r.items() if k != "url"} for r in a["results"]] == b["results"]
    assert all(r["url"].endswith(f"/record/0-1/{r['id']}") for r in a["results"])


def test_properties_with_history(api, fresh_simulator):
    fresh_simulator.admin.update_object(
        "contacts", "1001", {"firstname": "Hist"}, at=1_800_000_000_000
    )
    body = api.get(
        "/crm/v3/objects/contacts/1001", params={"propertiesWithHistory": "firstname,nope"}
    ).json()
    firstname = fresh_simulator.admin.history("contacts", "1001", ["firstname"])["firstname"]
    assert body["propertiesWithHistory"] == {"firstname": firstname}
    assert firstname[0] == {
        "value": "Hist",
        "timestamp": "2027-01-15T08:00:00.000Z",
        "sourceType": "API",
    }
    too_many = api.get(
        "/crm/v3/objects/contacts", params={"propertiesWithHistory": "email", "limit": 51}
    )
    assert too_many.status_code == 400
    assert (
        api.get(
            "/crm/v3/objects/contacts", params={"propertiesWithHistory": "email", "limit": 50}
        ).status_code
        == 200
    )
    batch = api.post(
        "/crm/v3/objects/contacts/batch/read",
        {
            "inputs": [{"id": str(1001 + i)} for i in range(51)],
            "properties": [],
            "propertiesWithHistory": ["email"],
        },
    )
    assert without_ids(batch.json()) == {
        "status": "error",
        "category": "VALIDATION_ERROR",
        "message": "The maximum number of inputs supported in a batch request for property "
        "histories is 50. Please reduce the number of items and try again",
    }
