"""The 2026-09 reference's object types in the portal preset, and the object library."""

from __future__ import annotations

import pytest
from hubspot_simulator.cli import build_parser, dataset_spec
from hubspot_simulator.generator import PORTAL_ENABLED

ENABLED = {
    "carts": "0-142",
    "orders": "0-123",
    "invoices": "0-53",
    "commerce_payments": "0-101",
    "discounts": "0-84",
    "fees": "0-85",
    "taxes": "0-86",
    "users": "0-115",
}
NOT_ENABLED = {"subscriptions": "0-69", "goal_targets": "0-74", "services": "0-162"}


@pytest.mark.parametrize("version", ["v3", "2026-03", "2026-09"])
def test_object_library_says_which_types_the_portal_enabled(portal, portal_api, version):
    portal.admin.reset_request_counts()
    path = (
        "/crm/v3/object-library/enablement"
        if version == "v3"
        else f"/crm/object-library/{version}/enablement"
    )
    body = portal_api.get(path).json()
    enabled = body["enablementByObjectTypeId"]
    assert list(body) == ["enablementByObjectTypeId"]
    assert {enabled[i] for i in ENABLED.values()} == {True}
    assert {enabled[i] for i in NOT_ENABLED.values()} == {False}
    assert enabled["0-1"] is True
    assert not any(i.startswith("2-") for i in enabled)  # custom objects are not in the library
    one = portal_api.get(f"{path}/0-123").json()
    off = portal_api.get(f"{path}/0-69").json()
    assert (one, off) == ({"enablement": True}, {"enablement": False})
    assert portal_api.get(f"{path}/0-99999").status_code == 404
    counts = portal.admin.request_counts()
    assert counts["endpoints"] == {
        "GET /crm/v3/object-library/enablement": 1,
        "GET /crm/v3/object-library/enablement/{objectTypeId}": 3,
    }
    assert counts["byVersion"][version if version != "v3" else "legacy"] == 4


def test_enabled_types_are_served_and_the_others_are_not(portal, portal_api):
    counts = portal.admin.info()["counts"]
    for name, type_id in ENABLED.items():
        assert counts[name]["objectTypeId"] == type_id
        got = []
        after = None
        while True:
            params = {"limit": 100, **({"after": after} if after else {})}
            body = portal_api.get(f"/crm/objects/2026-09/{name}", params=params).json()
            got += body["results"]
            after = body.get("paging", {}).get("next", {}).get("after")
            if after is None:
                break
        assert len(got) == counts[name]["active"] > 0, name
        by_id = portal_api.get(f"/crm/objects/2026-09/{type_id}/{got[0]['id']}").json()
        assert by_id["id"] == got[0]["id"]
        props = portal_api.get(f"/crm/properties/2026-09/{name}").json()["results"]
        assert {"hs_createdate", "hs_lastmodifieddate", "hs_object_id"} <= {
            p["name"] for p in props
        }
    for name in NOT_ENABLED:
        resp = portal_api.get(f"/crm/objects/2026-09/{name}")
        assert resp.status_code == 400
        assert resp.json()["message"] == f"Unable to infer object type from: {name}"


def test_default_dataset_enables_none_of_them(fresh_simulator, api):
    counts = fresh_simulator.admin.info()["counts"]
    assert not any(counts[name]["activated"] for name in ENABLED)
    enabled = api.get("/crm/object-library/2026-09/enablement").json()["enablementByObjectTypeId"]
    assert not any(enabled[i] for i in ENABLED.values())
    assert api.get("/crm/objects/2026-09/orders").status_code == 400


def test_commerce_associations_and_a_work_label(portal_api):
    labels = portal_api.get("/crm/associations/2026-09/orders/contacts/labels").json()["results"]
    assert {(x["category"], x["typeId"], x["label"]) for x in labels} == {
        ("HUBSPOT_DEFINED", 507, None),
        ("WORK", 1202, "Purchased order"),
    }
    inputs = [{"id": str(51_000_001 + i)} for i in range(12)]
    body = portal_api.post("/crm/associations/2026-09/orders/contacts/batch/read",
                           {"inputs": inputs}).json()  # fmt: skip
    categories = {t["category"] for r in body["results"] for to in r["to"] for t in
                  to["associationTypes"]}  # fmt: skip
    assert categories == {"HUBSPOT_DEFINED", "WORK"}
    for pair in [("invoices", "commerce_payments"), ("orders", "line_items"), ("deals", "invoices"),
                 ("carts", "line_items"), ("invoices", "taxes")]:  # fmt: skip
        labels = portal_api.get(f"/crm/associations/2026-09/{pair[0]}/{pair[1]}/labels").json()
        assert len(labels["results"]) == 1, pair


def test_scopes_of_the_new_types(portal, portal_api):
    portal.admin.add_token("orders-only", scopes=["crm.objects.orders.read"])
    try:
        headers = {"Authorization": "Bearer orders-only"}
        get = portal_api.http.get
        base = portal.base_url
        assert get(f"{base}/crm/objects/2026-09/orders", headers=headers).status_code == 200
        assert get(f"{base}/crm/objects/2026-09/invoices", headers=headers).status_code == 403
        library = get(f"{base}/crm/object-library/2026-09/enablement", headers=headers)
        assert library.status_code == 200
    finally:
        portal.admin.remove_token("orders-only")


def test_cli_portal_with_activate_keeps_the_enabled_types():
    parse = build_parser().parse_args
    both = dataset_spec(parse(["serve", "--portal", "--activate", "services"])).activated()
    assert {"services", *PORTAL_ENABLED} <= both
    assert "subscriptions" not in both
    plain = dataset_spec(parse(["serve", "--activate", "orders"])).activated()
    assert "orders" in plain
    assert "carts" not in plain
