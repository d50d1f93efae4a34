"""Permanent (GDPR) deletion through the admin API, seen through every public endpoint."""

from __future__ import annotations

import pytest
from hubspot_simulator.admin import SimulatorAdminError

SEARCH = "/crm/v3/objects/contacts/search"


def _listed(api, type_: str, archived: bool) -> set[str]:
    ids: set[str] = set()
    params: dict[str, str | int] = {"limit": 100, "archived": str(archived).lower()}
    while True:
        body = api.get(f"/crm/v3/objects/{type_}", params=params).json()
        ids.update(r["id"] for r in body["results"])
        nxt = body.get("paging", {}).get("next")
        if not nxt:
            return ids
        params["after"] = nxt["after"]


def _total(api, type_: str) -> int:
    return api.post(f"/crm/v3/objects/{type_}/search", {"limit": 1}).json()["total"]


def test_delete_permanently_active_record(api, fresh_simulator):
    admin = fresh_simulator.admin
    links = admin.association_snapshot("contacts", "meetings")
    cid = next(x["fromId"] for x in links if x["fromId"] != "1001")
    meetings = {x["toId"] for x in links if x["fromId"] == cid}
    assert meetings
    total = _total(api, "contacts")
    info_before = admin.info()["counts"]["contacts"]

    assert admin.delete_permanently("contacts", cid) == {"id": cid, "deleted": True}

    assert api.get(f"/crm/v3/objects/contacts/{cid}").status_code == 404
    assert api.get(f"/crm/v3/objects/contacts/{cid}", params={"archived": "true"}).status_code == (
        404
    )
    batch = api.post("/crm/v3/objects/contacts/batch/read", {"inputs": [{"id": cid}]})
    assert batch.status_code == 207
    assert batch.json()["errors"][0]["context"]["ids"] == [cid]
    assert cid not in _listed(api, "contacts", archived=False)
    assert cid not in _listed(api, "contacts", archived=True)
    assert _total(api, "contacts") == total - 1
    found = api.post(
        SEARCH,
        {
            "filterGroups": [
                {"filters": [{"propertyName": "hs_object_id", "operator": "EQ", "value": cid}]}
            ]
        },
    ).json()
    assert found["total"] == 0
    assert found["results"] == []
    # links gone in both directions, everywhere
    assert not [x for x in admin.association_snapshot("contacts", "meetings") if x["fromId"] == cid]
    assert not [x for x in admin.association_snapshot("meetings", "contacts") if x["toId"] == cid]
    v4 = api.post(
        "/crm/v4/associations/meetings/contacts/batch/read",
        {"inputs": [{"id": m} for m in sorted(meetings)]},
    ).json()
    assert all(str(t["toObjectId"]) != cid for r in v4["results"] for t in r["to"])
    assert api.get(f"/crm/v4/objects/contacts/{cid}/associations/meetings").json() == {
        "results": []
    }
    snap = admin.snapshot("contacts", ["email"])
    assert cid not in {o["id"] for o in snap["objects"]}
    counts = admin.info()["counts"]["contacts"]
    assert counts["deleted"] == 1
    assert counts["active"] == info_before["active"] - 1
    # gone for the admin API too
    with pytest.raises(SimulatorAdminError, match="404"):
        admin.get_object("contacts", cid)
    with pytest.raises(SimulatorAdminError, match="404"):
        admin.delete_permanently("contacts", cid)


def test_delete_permanently_archived_record(api, fresh_simulator):
    admin = fresh_simulator.admin
    archived = sorted(_listed(api, "meetings", archived=True))
    assert archived
    mid = archived[0]
    total = _total(api, "meetings")
    admin.delete_permanently("meetings", mid)
    assert mid not in _listed(api, "meetings", archived=True)
    assert api.get(f"/crm/v3/objects/meetings/{mid}", params={"archived": "true"}).status_code == (
        404
    )
    assert _total(api, "meetings") == total  # archived records were never counted by search
    assert admin.info()["counts"]["meetings"]["deleted"] == 1


def test_delete_permanently_merged_id_refused(api, fresh_simulator):
    admin = fresh_simulator.admin
    admin.merge("contacts", "1002", "1004")
    with pytest.raises(SimulatorAdminError, match="merged away or deleted"):
        admin.delete_permanently("contacts", "1004")
    # deleting the survivor: the merged-away id now answers 404 as well
    admin.delete_permanently("contacts", "1002")
    assert api.get("/crm/v3/objects/contacts/1004").status_code == 404
    assert "1004" not in admin.snapshot("contacts", ["email"])["merged"]
