"""Lists: search (paging, filters, limits), fetch, memberships in record-id and join order
(after/before paging, limits), record memberships, batch read, errors and scope."""

from __future__ import annotations

import requests

LIST_KEYS = {
    "listId",
    "listVersion",
    "name",
    "objectTypeId",
    "processingType",
    "processingStatus",
    "createdAt",
    "updatedAt",
    "createdById",
    "updatedById",
    "additionalProperties",
}


def _search(api, **body) -> dict:
    resp = api.post("/crm/v3/lists/search", {"offset": 0, **body})
    assert resp.status_code == 200, resp.text
    return resp.json()


def _members(api, list_id: str, path: str = "memberships", limit: int = 100) -> list[dict]:
    out: list[dict] = []
    params: dict = {"limit": limit}
    while True:
        body = api.get(f"/crm/v3/lists/{list_id}/{path}", params=params).json()
        out += body["results"]
        if "next" not in body.get("paging", {}):
            return out
        params["after"] = body["paging"]["next"]["after"]


def test_search_pages_and_filters(api):
    everything = _search(api, count=500)
    assert everything["total"] == 7
    assert everything["hasMore"] is False
    lists = everything["lists"]
    assert {lst["processingType"] for lst in lists} == {"MANUAL", "DYNAMIC", "SNAPSHOT"}
    assert {lst["objectTypeId"] for lst in lists} >= {"0-1", "0-2", "0-3"}
    for lst in lists:
        assert set(lst) - {"filtersUpdatedAt"} == LIST_KEYS
        assert ("filtersUpdatedAt" in lst) == (lst["processingType"] != "MANUAL")
        assert int(lst["additionalProperties"]["hs_list_size"]) >= 0
    first = _search(api, count=3)
    assert first["hasMore"] is True
    assert first["offset"] == 3
    rest = _search(api, count=3, offset=3)
    last = _search(api, count=3, offset=6)
    assert [x["listId"] for x in first["lists"] + rest["lists"] + last["lists"]] == [
        x["listId"] for x in lists
    ]
    assert last["hasMore"] is False
    named = _search(api, query="NEWSLETTER")["lists"]
    assert [x["name"] for x in named] == ["Newsletter (imported)"]
    snaps = _search(api, processingTypes=["SNAPSHOT"])["lists"]
    assert [x["processingType"] for x in snaps] == ["SNAPSHOT"]
    assert [x["listId"] for x in _search(api, listIds=["7", "24", "999"])["lists"]] == ["7", "24"]
    assert all(x["objectTypeId"] == "0-2" for x in _search(api, objectTypeId="0-2")["lists"])


def test_search_limits_and_errors(api):
    for body in ({"offset": 0, "count": 501}, {"offset": -1}, {"offset": 0, "count": 0}):
        resp = api.post("/crm/v3/lists/search", body)
        assert resp.status_code == 400, body
        assert resp.json()["category"] == "VALIDATION_ERROR"
    assert api.post("/crm/v3/lists/search", {"offset": 0, "count": 500}).status_code == 200
    bad = api.post("/crm/v3/lists/search", {"offset": 0, "processingTypes": ["STATIC"]})
    assert bad.status_code == 400


def test_fetch_size_matches_members(api):
    for lst in _search(api, count=500)["lists"]:
        one = api.get(f"/crm/v3/lists/{lst['listId']}").json()["list"]
        members = _members(api, lst["listId"])
        assert one["size"] == len(members) == int(lst["additionalProperties"]["hs_list_size"])
    empty = api.get("/crm/v3/lists/24").json()["list"]
    assert empty["size"] == 0
    assert api.get("/crm/v3/lists/24/memberships").json() == {"results": [], "total": 0}
    missing = api.get("/crm/v3/lists/999")
    assert missing.status_code == 404
    assert missing.json()["category"] == "OBJECT_NOT_FOUND"
    assert missing.json()["context"] == {"listId": ["999"]}
    assert api.get("/crm/v3/lists/999/memberships").status_code == 404
    by_ids = api.get("/crm/v3/lists", params={"listIds": ["3", "7", "999"]}).json()
    assert [x["listId"] for x in by_ids["lists"]] == ["3", "7"]


def test_memberships_order_paging_and_limits(fresh_simulator, api):
    fresh_simulator.admin.regenerate(contacts=700)
    big = api.get("/crm/v3/lists/3").json()["list"]
    assert big["size"] > 250
    by_id = _members(api, "3", limit=250)
    ids = [int(m["recordId"]) for m in by_id]
    assert ids == sorted(ids)
    assert len(ids) == big["size"] == len(set(ids))
    assert _members(api, "3", limit=7) == by_id
    joined = _members(api, "3", "memberships/join-order", limit=250)
    assert sorted(joined, key=lambda m: int(m["recordId"])) == by_id
    keys = [(m["membershipTimestamp"], int(m["recordId"])) for m in joined]
    assert keys == sorted(keys)
    manual = _members(api, "7", "memberships/join-order", limit=11)
    keys = [(m["membershipTimestamp"], int(m["recordId"])) for m in manual]
    assert keys == sorted(keys)
    assert manual != _members(api, "7")  # joined in another order than their ids
    assert sorted(manual, key=lambda m: int(m["recordId"])) == _members(api, "7")
    # before alone: descending record ids
    page = api.get("/crm/v3/lists/3/memberships", params={"limit": 5}).json()
    cursor = page["paging"]["next"]["after"]
    second = api.get("/crm/v3/lists/3/memberships", params={"limit": 5, "after": cursor}).json()
    assert [m["recordId"] for m in second["results"]] == [m["recordId"] for m in by_id[5:10]]
    back = second["paging"]["prev"]["before"]
    desc = api.get("/crm/v3/lists/3/memberships", params={"limit": 5, "before": back}).json()
    assert [m["recordId"] for m in desc["results"]] == [m["recordId"] for m in reversed(by_id[:5])]
    for params in ({"limit": 251}, {"limit": 0}, {"after": "nope"}, {"before": "nope"}):
        resp = api.get("/crm/v3/lists/3/memberships", params=params)
        assert resp.status_code == 400, params
    assert (
        len(api.get("/crm/v3/lists/3/memberships", params={"limit": 250}).json()["results"]) == 250
    )


def test_snapshot_members_joined_together(api):
    members = _members(api, "12")
    assert members
    assert {m["membershipTimestamp"] for m in members} == {"2023-05-04T18:00:00.000Z"}


def test_record_memberships_and_batch_read(api):
    member = _members(api, "7")[0]
    rid = member["recordId"]
    got = api.get(f"/crm/v3/lists/records/0-1/{rid}/memberships").json()["results"]
    assert "7" in {m["listId"] for m in got}
    seven = next(m for m in got if m["listId"] == "7")
    assert seven["firstAddedTimestamp"] == member["membershipTimestamp"]
    batch = api.post(
        "/crm/v3/lists/records/memberships/batch/read",
        {
            "inputs": [
                {"objectTypeId": "0-1", "recordId": rid},
                {"objectTypeId": "contacts", "recordId": "1"},
            ]
        },
    ).json()
    assert batch["status"] == "COMPLETE"
    assert [r["recordId"] for r in batch["results"]] == [rid, "1"]
    assert batch["results"][0]["recordListMemberships"] == got
    assert batch["results"][1]["recordListMemberships"] == []
    too_many = {"inputs": [{"objectTypeId": "0-1", "recordId": "1"}] * 101}
    assert api.post("/crm/v3/lists/records/memberships/batch/read", too_many).status_code == 400


def test_archived_records_leave_lists(fresh_simulator, api):
    first = _members(api, "7")[0]["recordId"]
    before = api.get("/crm/v3/lists/7").json()["list"]["size"]
    fresh_simulator.admin.archive("contacts", first)
    assert api.get("/crm/v3/lists/7").json()["list"]["size"] == before - 1
    assert first not in {m["recordId"] for m in _members(api, "7")}


def test_lists_scope(fresh_simulator):
    admin = fresh_simulator.admin
    admin.add_token("pat-contacts", scopes=["crm.objects.contacts.read"])
    admin.add_token("pat-lists", scopes=["crm.lists.read"])
    url = fresh_simulator.base_url + "/crm/v3/lists/search"
    denied = requests.post(
        url, json={"offset": 0}, headers={"Authorization": "Bearer pat-contacts"}, timeout=10
    )
    assert denied.status_code == 403
    assert denied.json()["errors"][0]["context"] == {"requiredGranularScopes": ["crm.lists.read"]}
    ok = requests.post(
        url, json={"offset": 0}, headers={"Authorization": "Bearer pat-lists"}, timeout=10
    )
    assert ok.status_code == 200
    assert admin.request_counts()["endpoints"]["POST /crm/v3/lists/search"] == 2
