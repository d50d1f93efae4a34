"""The whole portal: every type, activation, scopes per type, labels of the new pairs, fan-outs,
the wide products type, canonical request counting, and the unchanged default dataset."""

from __future__ import annotations

import hashlib

import orjson
import pytest
import requests
from hubspot_simulator.dataset import Dataset
from hubspot_simulator.generator import PORTAL_ENABLED, DatasetSpec
from hubspot_simulator.objecttypes import OBJECT_TYPES, resolve

ACTIVE = [t for t in OBJECT_TYPES if t.activated_by_default]
# sha256 of the default dataset's records and links, computed with the code before the
# whole-portal types were added: the existing tests' data must not change.
DEFAULT_DATASET_SHA256 = "e7233342b6ff81a2c81469f5117e9a41dd96f2d25a0aa2239e7227e6ea359556"


def test_default_dataset_is_unchanged():
    d = Dataset(DatasetSpec())
    h = hashlib.sha256()
    for t in ("contacts", "meetings", "appointments", "companies", "deals"):
        table = d.tables[t]
        for i in range(len(table)):
            h.update(orjson.dumps(table.snapshot(i)))
    for a, b in [
        ("contacts", "meetings"),
        ("contacts", "appointments"),
        ("meetings", "appointments"),
    ]:
        h.update(orjson.dumps(d.snapshot_associations(a, b)))
        h.update(orjson.dumps(d.snapshot_associations(b, a)))
    assert h.hexdigest() == DEFAULT_DATASET_SHA256
    assert all(
        len(d.tables[t.name]) == 0
        for t in OBJECT_TYPES
        if t.name not in ("contacts", "meetings", "appointments")
    )


def test_portal_generates_every_type():
    d = Dataset(DatasetSpec.portal())
    for t in ACTIVE:
        assert len(d.tables[t.name]) > 0, t.name
        assert len(d.tables[t.name].specs) >= 8, t.name
    for name in PORTAL_ENABLED:  # the 2026-09 types the preset enables: fewer properties
        assert len(d.tables[name]) > 0, name
        assert len(d.tables[name].specs) >= 6, name
    assert d.activated == {t.name for t in ACTIVE} | set(PORTAL_ENABLED)
    merged = Dataset(DatasetSpec(contacts=0, meetings=0, appointments=0, tickets=3000))
    assert merged.tables["tickets"].merged_ids  # tickets have hs_merged_object_ids


def test_wide_products(portal_api, portal_info):
    props = portal_api.get("/crm/v3/properties/products").json()["results"]
    wide = [p["name"] for p in props if p["name"].startswith("wide_prop_")]
    assert len(wide) == 2000
    assert {p["type"] for p in props if p["name"] in wide} == {
        "string",
        "number",
        "date",
        "bool",
        "enumeration",
    }
    ids = [str(12_000_001 + i) for i in range(20)]
    body = portal_api.post(
        "/crm/v3/objects/products/batch/read",
        {"inputs": [{"id": i} for i in ids], "properties": wide},
    ).json()
    assert len(body["results"]) == portal_info["counts"]["products"]["active"]
    for rec in body["results"]:
        values = [rec["properties"][n] for n in wide]
        assert all(v not in (None, "") for v in values)
    strings = [rec["properties"]["wide_prop_0001"] for rec in body["results"]]
    assert all(len(s) == 30 for s in strings)


def test_inactive_type_is_unknown_everywhere(api, fresh_simulator):
    unknown = {
        "status": "error",
        "message": "Unable to infer object type from: courses",
        "category": "VALIDATION_ERROR",
    }
    calls = [
        ("GET", "/crm/v3/objects/courses"),
        ("GET", "/crm/v3/objects/courses/44000001"),
        ("POST", "/crm/v3/objects/courses/batch/read"),
        ("POST", "/crm/v3/objects/courses/search"),
        ("GET", "/crm/v3/properties/courses"),
        ("GET", "/crm/v3/schemas/courses"),
        ("GET", "/crm/v4/associations/contacts/courses/labels"),
        ("GET", "/crm/v4/associations/courses/contacts/labels"),
        ("POST", "/crm/v4/associations/contacts/courses/batch/read"),
        ("GET", "/crm/v4/objects/contacts/1001/associations/courses"),
    ]
    for method, path in calls:
        resp = api.http.request(method, api.base + path, json={"inputs": []}, timeout=10)
        assert resp.status_code == 400, path
        body = resp.json()
        body.pop("correlationId")
        assert body == unknown, path
    info = fresh_simulator.admin.regenerate(courses=5, activated_extra=["courses"])
    active = info["counts"]["courses"]["active"]
    assert active >= 4
    assert len(api.get("/crm/v3/objects/courses").json()["results"]) == active
    labels = api.get("/crm/v4/associations/contacts/courses/labels").json()["results"]
    assert labels == [{"category": "HUBSPOT_DEFINED", "typeId": 861, "label": None}]
    info = fresh_simulator.admin.info()
    assert info["counts"]["courses"]["activated"] is True
    assert info["counts"]["listings"]["activated"] is False


@pytest.mark.parametrize("otype", ACTIVE, ids=[t.name for t in ACTIVE])
def test_scopes_per_type(portal, otype):
    base, admin = portal.base_url, portal.admin
    first = f"/crm/v3/objects/{otype.name}?limit=1"
    props = f"/crm/v3/properties/{otype.type_id}"
    tokens = {
        "none": ["oauth"],
        "object": [otype.read_scope],
        "schema": [otype.schema_scope],
    }
    for name, scopes in tokens.items():
        admin.add_token(f"tok-{name}", scopes=scopes)
    try:

        def get(path: str, tok: str) -> requests.Response:
            headers = {"Authorization": f"Bearer tok-{tok}"}
            return requests.get(base + path, headers=headers, timeout=10)

        denied = get(first, "none")
        assert denied.status_code == 403
        assert denied.json()["errors"][0]["context"]["requiredGranularScopes"] == [otype.read_scope]
        denied = get(props, "none")
        assert denied.status_code == 403
        assert denied.json()["errors"][0]["context"]["requiredGranularScopes"] == [
            otype.schema_scope,
            otype.read_scope,
        ]
        assert get(first, "object").status_code == 200
        assert get(props, "object").status_code == 200
        assert get(props, "schema").status_code == 200
        assert get(first, "schema").status_code == 403
    finally:
        for name in tokens:
            admin.remove_token(f"tok-{name}")


def test_schemas_scope(portal):
    portal.admin.add_token("tok-objects", scopes=["crm.objects.custom.read"])
    try:
        resp = requests.get(
            portal.base_url + "/crm/v3/schemas",
            headers={"Authorization": "Bearer tok-objects"},
            timeout=10,
        )
        assert resp.status_code == 403
        assert resp.json()["errors"][0]["context"]["requiredGranularScopes"] == [
            "crm.schemas.custom.read"
        ]
    finally:
        portal.admin.remove_token("tok-objects")


@pytest.mark.parametrize(
    ("a", "b", "ab", "ba"),
    [
        ("contacts", "companies", [279, 1, 1009], [280, 2, 1010]),
        ("companies", "deals", [342, 6], [341, 5]),
        ("companies", "tickets", [340, 25], [339, 26]),
        ("contacts", "leads", [609, 579], [608, 578]),
        ("contacts", "tickets", [15], [16]),
        ("tickets", "meetings", [225], [226]),
        ("appointments", "postal_mail", [926], [927]),
        ("pets", "contacts", [1101, 1103], [1102, 1104]),
        ("vehicles", "contacts", [1107, 1109], [1108, 1110]),
        ("products", "contacts", [], []),
        ("pets", "vehicles", [], []),
    ],
)
def test_labels(portal_api, a, b, ab, ba):
    for src, dst, want in ((a, b, ab), (b, a, ba)):
        got = portal_api.get(f"/crm/v4/associations/{src}/{dst}/labels").json()["results"]
        assert [x["typeId"] for x in got] == want


def test_primary_and_second_companies(portal):
    deals = portal.admin.association_snapshot("deals", "companies")
    per_deal: dict[str, list[list[int]]] = {}
    for link in deals:
        per_deal.setdefault(link["fromId"], []).append([t["typeId"] for t in link["types"]])
    assert sum(1 for v in per_deal.values() if any(5 in t for t in v)) > len(per_deal) * 0.9
    assert any(len(v) == 2 and any(5 not in t for t in v) for v in per_deal.values())
    tickets = portal.admin.association_snapshot("tickets", "companies")
    assert any(26 in [t["typeId"] for t in x["types"]] for x in tickets)
    assert any(26 not in [t["typeId"] for t in x["types"]] for x in tickets)
    owners = portal.admin.association_snapshot("pets", "contacts")
    assert any(t["label"] == "Owner" for x in owners for t in x["types"])


def test_request_counts_use_canonical_names(portal, portal_api):
    admin = portal.admin
    admin.reset_request_counts()
    for path in (
        "/crm/v3/objects/2-1001",
        "/crm/v3/objects/p1234567_pets",
        "/crm/v3/objects/PET",
        "/crm/v3/objects/0-5",
        "/crm/v3/objects/line_item",
        "/crm/v4/associations/0-1/p1234567_pets/labels",
        "/crm/v4/objects/2-1001/80000001/associations/contact",
        "/crm/v3/objects/widgets",
    ):
        portal_api.get(path)
    counts = admin.request_counts()["byObjectType"]
    assert counts["GET /crm/v3/objects/{type}"] == {
        "pets": 3,
        "tickets": 1,
        "line_items": 1,
        "widgets": 1,
    }
    assert counts["GET /crm/v4/associations/{from}/{to}/labels"] == {"contacts->pets": 1}
    assert counts["GET /crm/v4/objects/{type}/{id}/associations/{toType}"] == {"pets->contacts": 1}
    admin.reset_request_counts()


def test_info_and_snapshots_cover_every_type(portal, portal_info):
    assert set(portal_info["counts"]) == {t.name for t in OBJECT_TYPES}
    for name in ("contacts", "companies", "deals", "tickets"):
        assert portal_info["counts"][name]["merged"] > 0, name
    assert {c["name"]: c["fullyQualifiedName"] for c in portal_info["customObjects"]} == {
        "pets": "p1234567_pets",
        "vehicles": "p1234567_vehicles",
    }
    assert portal_info["counts"]["services"]["activated"] is False
    snap = portal.admin.snapshot("p1234567_pets")
    assert len(snap["objects"]) == portal_info["counts"]["pets"]["total"] - len(snap["merged"])
    assert all("pet_name" in o["properties"] for o in snap["objects"])
    for t in ACTIVE:
        assert portal.admin.snapshot(t.type_id)["objects"], t.name
    links = portal.admin.association_snapshot("2-1002", "0-3")
    assert links
    assert {x["types"][0]["typeId"] for x in links} == {1111}
    assert resolve("P1234567_PETS") is resolve("2-1001")
