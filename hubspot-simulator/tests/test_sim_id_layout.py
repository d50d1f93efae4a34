"""Record id layouts: the REALISTIC shape (eras, import blocks, holes, outliers) and every
endpoint that maps ids to records (list, search, batch read, associations, merges, history,
lists) answering right on such ids."""

from __future__ import annotations

from array import array
from itertools import pairwise

import pytest
from hubspot_simulator.cli import build_parser, dataset_spec
from hubspot_simulator.generator import DatasetSpec
from hubspot_simulator.idlayout import IdLayout, era_sizes, make_ids

SEARCH = "/crm/v3/objects/contacts/search"
REALISTIC = {
    "seed": 7,
    "contacts": 3000,
    "meetings": 300,
    "appointments": 40,
    "companies": 120,
    "big_fanout": 40,
    "merged_permille": 30,
    "id_layout": "realistic",
}


def _runs(ids: array) -> list[int]:
    """Lengths of the runs of consecutive ids."""
    out, run = [], 1
    for a, b in pairwise(ids):
        if b == a + 1:
            run += 1
        else:
            out.append(run)
            run = 1
    return [*out, run]


# ------------------------------------------------------------------------------ the shape


def test_realistic_shape_of_12500_contacts():
    ids = make_ids(IdLayout.REALISTIC, 7, "contacts", 1, 12_500)
    low, mid, new, outliers = era_sizes(12_500)
    assert (low, mid, new, outliers) == (11_875, 248, 374, 3)
    assert all(a < b for a, b in pairwise(ids))
    old_era, mid_era = ids[:low], ids[low : low + mid]
    new_era, top = ids[low + mid : low + mid + new], ids[-outliers:]
    # most small: the old era from 1..50 up to under 100k, holes in it
    assert 1 <= old_era[0] <= 50
    assert old_era[-1] < 100_000
    assert old_era[-1] - old_era[0] + 1 > len(old_era) + 5_000
    # dense import blocks of thousands of consecutive ids
    assert max(_runs(old_era)) >= 1_000
    # a gap of millions before the middle era, holes of millions inside it
    assert mid_era[0] - old_era[-1] >= 5_000_000
    assert max(b - a for a, b in pairwise(mid_era)) >= 1_000_000
    # a few hundred 11-digit ids up to ~10^10 and beyond
    assert new_era[0] >= 10**10
    assert new_era[-1] < 10**11
    # a few outliers far above everything else (join-order keys need them below 10^12)
    assert top[0] > 4 * new_era[-1]
    assert top[-1] < 10**12


def test_realistic_is_deterministic_per_seed_and_type():
    one = make_ids(IdLayout.REALISTIC, 7, "contacts", 1, 5_000)
    assert one == make_ids(IdLayout.REALISTIC, 7, "contacts", 1, 5_000)
    assert one != make_ids(IdLayout.REALISTIC, 8, "contacts", 1, 5_000)
    assert one != make_ids(IdLayout.REALISTIC, 7, "companies", 1, 5_000)
    assert make_ids(IdLayout.UNIFORM, 7, "contacts", 1001, 3) == array("q", [1001, 1002, 1003])


def test_realistic_at_a_million_records():
    ids = make_ids(IdLayout.REALISTIC, 3, "contacts", 1, 1_000_000)
    assert ids.itemsize == 8
    assert len(ids) == 1_000_000
    assert all(a < b for a, b in pairwise(ids))
    assert ids[-1] < 10**12


def test_spec_parses_and_rejects_layouts():
    assert DatasetSpec.from_json({"id_layout": "REALISTIC"}).id_layout is IdLayout.REALISTIC
    assert DatasetSpec().to_json()["id_layout"] == "uniform"
    with pytest.raises(ValueError, match="id_layout: unknown layout 'skewed'"):
        DatasetSpec.from_json({"id_layout": "skewed"})


# ------------------------------------------------------------------------------ round trips


@pytest.fixture
def truth(fresh_simulator, api):
    """A fresh REALISTIC dataset: ``{"ids": active contact ids ascending, "merged": {...}}``."""
    info = fresh_simulator.admin.reset(**REALISTIC)
    assert info["dataset"]["id_layout"] == "realistic"
    fresh_simulator.admin.set_rate_limits(enabled=False)
    snap = fresh_simulator.admin.snapshot("contacts", ["hs_object_id", "hs_merged_object_ids"])
    active = [int(o["id"]) for o in snap["objects"] if not o["archived"]]
    return {"ids": active, "merged": snap["merged"], "objects": snap["objects"]}


def _list_all(api) -> list[int]:
    out: list[int] = []
    params: dict = {"limit": 100}
    while True:
        body = api.get("/crm/v3/objects/contacts", params=params).json()
        out += [int(r["id"]) for r in body["results"]]
        if "paging" not in body:
            return out
        params["after"] = body["paging"]["next"]["after"]


def _search_all(api, filters: list[dict]) -> list[int]:
    out: list[int] = []
    after = 0
    while True:
        body = {
            "filterGroups": [{"filters": filters}],
            "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
            "limit": 200,
            "after": after,
        }
        resp = api.post(SEARCH, body)
        assert resp.status_code == 200, resp.text
        out += [int(r["id"]) for r in resp.json()["results"]]
        nxt = resp.json().get("paging", {}).get("next")
        if nxt is None:
            return out
        after = int(nxt["after"])


def _count(api, filters: list[dict]) -> int:
    resp = api.post(SEARCH, {"filterGroups": [{"filters": filters}], "limit": 1})
    assert resp.status_code == 200, resp.text
    return int(resp.json()["total"])


def test_list_gives_every_id_once(api, truth):
    listed = _list_all(api)
    assert listed == truth["ids"]  # every active id once, in id order
    assert sum(i >= 10**10 for i in listed) > 50
    assert listed[0] < 100


def test_id_range_searches_return_exactly_the_range(api, truth):
    ids = truth["ids"]
    k = len(ids)
    cases = [  # (filters, expected) across the era boundaries, on ids and between them
        (("GT", ids[k - 160]), ("LTE", ids[k - 20])),
        (("GTE", ids[k - 200] + 1), ("LT", ids[k - 2])),
        (("GTE", 5_000), ("LT", 10**10)),
        (("GT", 10**10), ("LT", 10**12)),
    ]
    for (op1, v1), (op2, v2) in cases:
        filters = [
            {"propertyName": "hs_object_id", "operator": op1, "value": str(v1)},
            {"propertyName": "hs_object_id", "operator": op2, "value": str(v2)},
        ]
        lo_ok = (lambda i, v=v1: i > v) if op1 == "GT" else (lambda i, v=v1: i >= v)
        hi_ok = (lambda i, v=v2: i <= v) if op2 == "LTE" else (lambda i, v=v2: i < v)
        expected = [i for i in ids if lo_ok(i) and hi_ok(i)]
        assert expected, (v1, v2)
        assert _search_all(api, filters) == expected, (op1, v1, op2, v2)
        assert _count(api, filters) == len(expected), (op1, v1, op2, v2)
    lo, hi = ids[k - 300], ids[k - 5]  # BETWEEN runs the filter path (bounds by bisect)
    between = [{"propertyName": "hs_object_id", "operator": "BETWEEN", "value": str(lo),
                "highValue": str(hi)}]  # fmt: skip
    assert _count(api, between) == len([i for i in ids if lo <= i <= hi])
    big = ids[-10]
    eq = [{"propertyName": "hs_object_id", "operator": "EQ", "value": str(big)}]
    assert _search_all(api, eq) == [big]
    in_ = [{"propertyName": "hs_object_id", "operator": "IN", "values": [str(big), str(ids[3])]}]
    assert _search_all(api, in_) == [ids[3], big]
    # a hole: no record there
    hole = [{"propertyName": "hs_object_id", "operator": "EQ", "value": str(big - 1)}]
    assert _count(api, hole) == 0


def test_batch_read_and_get_by_realistic_ids(api, truth):
    ids = truth["ids"]
    wanted = [ids[5], ids[-200], ids[-1]]
    hole = ids[-1] - 1
    resp = api.post(
        "/crm/v3/objects/contacts/batch/read",
        {"inputs": [{"id": str(i)} for i in [*wanted, hole]], "properties": ["hs_object_id"]},
    )
    body = resp.json()
    assert sorted(int(r["id"]) for r in body["results"]) == wanted
    assert all(r["properties"]["hs_object_id"] == r["id"] for r in body["results"])
    assert body["errors"][0]["context"]["ids"] == [str(hole)]
    assert api.get(f"/crm/v3/objects/contacts/{ids[-1]}").json()["id"] == str(ids[-1])
    assert api.get(f"/crm/v3/objects/contacts/{hole}").status_code == 404


def _assoc_ids(api, from_type: str, rid: int, to_type: str) -> list[int]:
    out: list[int] = []
    params: dict = {"limit": 500}
    while True:
        body = api.get(f"/crm/v4/objects/{from_type}/{rid}/associations/{to_type}", params=params)
        assert body.status_code == 200, body.text
        out += [int(r["toObjectId"]) for r in body.json()["results"]]
        nxt = body.json().get("paging", {}).get("next")
        if nxt is None:
            return out
        params["after"] = nxt["after"]


def test_associations_both_directions(fresh_simulator, api, truth):
    snap = fresh_simulator.admin.association_snapshot("contacts", "meetings")
    by_contact: dict[int, set[int]] = {}
    by_meeting: dict[int, set[int]] = {}
    for link in snap:
        by_contact.setdefault(int(link["fromId"]), set()).add(int(link["toId"]))
        by_meeting.setdefault(int(link["toId"]), set()).add(int(link["fromId"]))
    big_contacts = [c for c in by_contact if c >= 10**10][:5]
    big_meetings = [m for m in by_meeting if m >= 10**10][:5]
    assert len(big_contacts) == 5
    assert len(big_meetings) == 5
    for c in big_contacts:
        assert set(_assoc_ids(api, "contacts", c, "meetings")) == by_contact[c]
    for m in big_meetings:
        assert set(_assoc_ids(api, "meetings", m, "contacts")) == by_meeting[m]
    body = api.post(
        "/crm/v4/associations/meetings/contacts/batch/read",
        {"inputs": [{"id": str(m)} for m in big_meetings]},
    ).json()
    got = {int(r["from"]["id"]): {int(t["toObjectId"]) for t in r["to"]} for r in body["results"]}
    assert got == {m: by_meeting[m] for m in big_meetings}


def test_merges_and_history_on_realistic_ids(fresh_simulator, api, truth):
    merged = truth["merged"]
    assert merged
    absorbed = max(merged, key=int)  # the highest merged-away id
    survivor = merged[absorbed]
    assert api.get(f"/crm/v3/objects/contacts/{absorbed}").json()["id"] == survivor
    by_id = {o["id"]: o for o in truth["objects"]}
    listed = by_id[survivor]["properties"]["hs_merged_object_ids"].split(";")
    assert absorbed in listed
    # the survivor's history holds the absorbed record's versions, from its creation on
    gone = fresh_simulator.admin.get_object("contacts", absorbed)
    assert gone["mergedInto"] == survivor
    names = [n for n in ("firstname", "lastname", "email") if gone["properties"][n]]
    assert names
    resp = api.get(
        f"/crm/v3/objects/contacts/{survivor}",
        params={"propertiesWithHistory": f"{names[0]},hs_object_id"},
    )
    assert resp.status_code == 200, resp.text
    history = resp.json()["propertiesWithHistory"]
    assert [v["value"] for v in history["hs_object_id"]] == [survivor]
    assert gone["createdAt"] in [v["timestamp"] for v in history[names[0]]]


def test_list_memberships_in_id_order(fresh_simulator, api, truth):
    ids = truth["ids"]
    members = [str(i) for i in (ids[-1], ids[2], ids[-100], ids[1500])]
    lst = fresh_simulator.admin.add_list("realistic ids", "contacts")
    fresh_simulator.admin.add_list_members(lst["listId"], members)
    body = api.get(f"/crm/v3/lists/{lst['listId']}/memberships", params={"limit": 2}).json()
    first = [r["recordId"] for r in body["results"]]
    after = body["paging"]["next"]["after"]
    rest = api.get(
        f"/crm/v3/lists/{lst['listId']}/memberships", params={"limit": 2, "after": after}
    ).json()
    assert first + [r["recordId"] for r in rest["results"]] == sorted(members, key=int)
    mine = api.get(f"/crm/v3/lists/records/0-1/{ids[-1]}/memberships").json()["results"]
    assert str(lst["listId"]) in [str(m["listId"]) for m in mine]
    hole = api.get(f"/crm/v3/lists/records/0-1/{ids[-1] - 1}/memberships").json()["results"]
    assert hole == []


def test_cli_flags_reach_the_spec():
    parse = build_parser().parse_args
    assert dataset_spec(parse(["serve"])).id_layout is IdLayout.UNIFORM
    assert dataset_spec(parse(["serve", "--id-layout", "realistic"])).id_layout is (
        IdLayout.REALISTIC
    )
    by_size = dataset_spec(parse(["serve", "--portal", "--size", "id_layout=realistic"]))
    assert by_size.id_layout is IdLayout.REALISTIC
    with pytest.raises(ValueError, match="contacts: 'many' is not an integer"):
        dataset_spec(parse(["serve", "--size", "contacts=many"]))
