"""Associations v4: labels, batch read (207s, per-input paging), per-record listing, symmetry."""

from __future__ import annotations

from collections import defaultdict

import pytest
from sim_helpers import without_ids, without_times

BATCH = "/crm/v4/associations/{}/{}/batch/read"


def test_labels_per_direction_exact(api):
    cm = api.get("/crm/v4/associations/contacts/meetings/labels").json()
    mc = api.get("/crm/v4/associations/meetings/contacts/labels").json()
    assert cm == {
        "results": [
            {"category": "HUBSPOT_DEFINED", "typeId": 199, "label": None},
            {"category": "USER_DEFINED", "typeId": 1001, "label": "Organizer"},
            {"category": "INTEGRATOR_DEFINED", "typeId": 1003, "label": "Booked via scheduler"},
        ]
    }
    assert mc == {
        "results": [
            {"category": "HUBSPOT_DEFINED", "typeId": 200, "label": None},
            {"category": "USER_DEFINED", "typeId": 1002, "label": "Organized meeting"},
            {"category": "INTEGRATOR_DEFINED", "typeId": 1004, "label": "Booked via scheduler"},
        ]
    }
    ca = api.get("/crm/v4/associations/contacts/appointments/labels").json()["results"]
    ac = api.get("/crm/v4/associations/0-421/0-1/labels").json()["results"]
    assert ca[0] == {"category": "HUBSPOT_DEFINED", "typeId": 907, "label": None}
    assert ac[0] == {"category": "HUBSPOT_DEFINED", "typeId": 906, "label": None}


def test_batch_read_207_for_missing_and_empty(api, fresh_simulator):
    links = fresh_simulator.admin.association_snapshot("meetings", "contacts")
    with_links = links[-1]["fromId"]
    all_meetings = fresh_simulator.admin.snapshot("meetings", ["hs_object_id"])["objects"]
    linked = {link["fromId"] for link in links}
    empty = next(o["id"] for o in all_meetings if o["id"] not in linked and not o["archived"])
    resp = api.post(
        BATCH.format("meetings", "contacts"),
        {"inputs": [{"id": with_links}, {"id": "123"}, {"id": empty}]},
    )
    assert resp.status_code == 207
    body = without_times(resp.json())
    expected_to = [
        {"toObjectId": int(link["toId"]), "associationTypes": link["types"]}
        for link in links
        if link["fromId"] == with_links
    ]
    assert body == {
        "status": "COMPLETE",
        "results": [{"from": {"id": with_links}, "to": expected_to}],
        "numErrors": 2,
        "errors": [
            {
                "status": "error",
                "category": "OBJECT_NOT_FOUND",
                "subCategory": "crm.associations.NO_ASSOCIATIONS_FOUND",
                "message": f"No contact is associated with meeting {mid}.",
                "context": {
                    "fromObjectId": [mid],
                    "fromObjectType": ["meeting"],
                    "toObjectType": ["contact"],
                },
            }
            for mid in ("123", empty)
        ],
    }
    ok = api.post(BATCH.format("meetings", "contacts"), {"inputs": [{"id": with_links}]})
    assert ok.status_code == 200
    assert "errors" not in ok.json()


def test_batch_read_input_limit(api):
    resp = api.post(
        BATCH.format("contacts", "meetings"), {"inputs": [{"id": str(i)} for i in range(1001)]}
    )
    assert resp.status_code == 400
    assert without_ids(resp.json()) == {
        "status": "error",
        "message": "Batch input size 1001 exceeds the maximum of 1000.",
        "category": "VALIDATION_ERROR",
    }
    ok = api.post(
        BATCH.format("contacts", "meetings"),
        {"inputs": [{"id": str(1001 + i)} for i in range(1000)]},
    )
    assert ok.status_code == 207


def _collect_batch(api, from_type, to_type, ids):
    """All associations of ``ids`` following per-input cursors; returns (links, pages)."""
    got = defaultdict(list)
    pending = [{"id": i} for i in ids]
    pages = 0
    while pending:
        chunk, pending = pending[:1000], pending[1000:]
        resp = api.post(BATCH.format(from_type, to_type), {"inputs": chunk})
        assert resp.status_code in (200, 207)
        for result in resp.json()["results"]:
            pages += 1
            assert len(result["to"]) <= 500
            fid = result["from"]["id"]
            got[fid] += [(str(t["toObjectId"]), t["associationTypes"]) for t in result["to"]]
            if "paging" in result:
                pending.append({"id": fid, "after": result["paging"]["next"]["after"]})
    return got, pages


def test_per_input_paging_on_thousands(api, fresh_simulator):
    fresh_simulator.admin.regenerate(
        contacts=6000, meetings=40, appointments=0, archived_permille=0, merged_permille=0
    )
    links = fresh_simulator.admin.association_snapshot("meetings", "contacts")
    expected = defaultdict(list)
    for link in links:
        expected[link["fromId"]].append((link["toId"], link["types"]))
    big = "30000001"
    assert len(expected[big]) >= 2500
    first = api.post(BATCH.format("meetings", "contacts"), {"inputs": [{"id": big}]}).json()
    assert len(first["results"][0]["to"]) == 500
    assert isinstance(first["results"][0]["to"][0]["toObjectId"], int)
    assert set(first["results"][0]["paging"]["next"]) == {"after"}
    got, pages = _collect_batch(api, "meetings", "contacts", list(expected))
    assert dict(got) == dict(expected)
    assert pages >= len(expected) + 5
    # the reverse direction reads the same links
    reverse, _ = _collect_batch(
        api, "contacts", "meetings", sorted({t for v in expected.values() for t, _ in v})
    )
    flipped = sorted((c, m) for m, v in expected.items() for c, _ in v)
    assert sorted((c, m) for c, v in reverse.items() for m, _ in v) == flipped


def test_directions_are_consistent(fresh_simulator):
    admin = fresh_simulator.admin
    for a, b in (
        ("contacts", "meetings"),
        ("contacts", "appointments"),
        ("meetings", "appointments"),
    ):
        fwd = admin.association_snapshot(a, b)
        rev = admin.association_snapshot(b, a)
        assert fwd
        assert sorted((x["fromId"], x["toId"]) for x in fwd) == sorted(
            (x["toId"], x["fromId"]) for x in rev
        )
    types = {
        t["typeId"] for x in admin.association_snapshot("contacts", "meetings") for t in x["types"]
    }
    assert types == {199, 1001, 1003}
    multi = [x for x in admin.association_snapshot("contacts", "meetings") if len(x["types"]) > 1]
    assert multi


def test_per_record_listing(api, fresh_simulator):
    links = fresh_simulator.admin.association_snapshot("contacts", "meetings")
    expected = [(int(x["toId"]), x["types"]) for x in links if x["fromId"] == "1001"]
    assert len(expected) > 25
    got = []
    after = None
    pages = 0
    while True:
        params = {"limit": 25, **({"after": after} if after else {})}
        body = api.get("/crm/v4/objects/contacts/1001/associations/meetings", params=params).json()
        pages += 1
        got += [(r["toObjectId"], r["associationTypes"]) for r in body["results"]]
        if "paging" not in body:
            break
        after = body["paging"]["next"]["after"]
        assert body["paging"]["next"]["link"].endswith(after)
    assert got == expected
    assert pages == -(-len(expected) // 25)
    assert (
        api.get(
            "/crm/v4/objects/contacts/1001/associations/meetings", params={"limit": 501}
        ).status_code
        == 400
    )
    assert api.get("/crm/v4/objects/contacts/5/associations/meetings").json() == {"results": []}


def test_links_to_archived_records_are_hidden(api, fresh_simulator):
    admin = fresh_simulator.admin
    links = admin.association_snapshot("contacts", "meetings")
    meeting = next(x["toId"] for x in links if x["fromId"] == "1001")
    admin.archive("meetings", meeting)
    listed = api.get("/crm/v4/objects/contacts/1001/associations/meetings").json()["results"]
    assert int(meeting) not in {r["toObjectId"] for r in listed}
    resp = api.post(BATCH.format("meetings", "contacts"), {"inputs": [{"id": meeting}]})
    assert resp.status_code == 207
    assert resp.json()["results"] == []
    admin.unarchive("meetings", meeting)
    listed = api.get("/crm/v4/objects/contacts/1001/associations/meetings").json()["results"]
    assert int(meeting) in {r["toObjectId"] for r in listed}


def test_admin_associations_and_labels(api, fresh_simulator):
    admin = fresh_simulator.admin
    before = admin.get_object("contacts", "1005")["updatedAt"]
    label = admin.create_label("contacts", "meetings", "Champion", "Champion of")
    assert label == {
        "typeId": 2001,
        "inverseTypeId": 2002,
        "label": "Champion",
        "inverseLabel": "Champion of",
        "category": "USER_DEFINED",
    }
    assert admin.associate("contacts", "1005", "meetings", "30000003", [199, 2001]) == [199, 2001]
    listed = api.get("/crm/v4/objects/meetings/30000003/associations/contacts").json()
    entry = next(r for r in listed["results"] if r["toObjectId"] == 1005)
    assert entry["associationTypes"][-1] == {
        "category": "USER_DEFINED",
        "typeId": 2002,
        "label": "Champion of",
    }
    labels = api.get("/crm/v4/associations/meetings/contacts/labels").json()["results"]
    assert labels[-1] == {"category": "USER_DEFINED", "typeId": 2002, "label": "Champion of"}
    assert admin.unassociate("meetings", "30000003", "contacts", "1005", [2002]) == [200]
    admin.delete_label("contacts", "meetings", 199)
    assert admin.unassociate("contacts", "1005", "meetings", "30000003") == []
    listed = api.get("/crm/v4/objects/meetings/30000003/associations/contacts").json()
    assert 1005 not in {r["toObjectId"] for r in listed["results"]}
    # association changes never bump modified dates
    assert admin.get_object("contacts", "1005")["updatedAt"] == before


@pytest.mark.parametrize(
    "path",
    [
        "/crm/v4/associations/contacts/meetings/labels",
        "/crm/associations/2026-03/contacts/meetings/labels",
    ],
)
def test_label_aliases(api, path):
    assert api.get(path).json()["results"][0]["typeId"] == 199
