"""Every date-versioned answer the tap relies on, validated against the JSON Schemas we wrote
from HubSpot's published reference (date_version_schemas.py): status codes, required fields,
types, enums and error bodies, in both date versions."""

from __future__ import annotations

import date_version_schemas as s
import jsonschema
import pytest
import requests

VERSIONS = ["2026-03", "2026-09"]
CONTACT, MISSING = "1001", "999"


def check(resp: requests.Response, status: int, schema: s.Schema) -> dict:
    assert resp.status_code == status, resp.text[:300]
    assert resp.headers["content-type"].startswith("application/json")
    body = resp.json()
    jsonschema.validate(body, schema)
    return body


# (name, method, path with {v}, JSON body, status, schema)
ANSWERS = [
    ("list", "GET", "/crm/objects/{v}/contacts?limit=5", None, 200, s.OBJECT_PAGE),
    ("list new type", "GET", "/crm/objects/{v}/orders?limit=5", None, 200, s.OBJECT_PAGE),
    ("get", "GET", "/crm/objects/{v}/contacts/1001", None, 200, s.SIMPLE_OBJECT),
    ("get missing", "GET", "/crm/objects/{v}/contacts/999", None, 404, s.API_ERROR),
    ("batch read", "POST", "/crm/objects/{v}/deals/batch/read",
     {"inputs": [{"id": "7000002"}], "properties": ["dealname"]}, 200,
     s.batch(s.SIMPLE_OBJECT, with_errors=False)),
    ("search", "POST", "/crm/objects/{v}/contacts/search",
     {"limit": 3, "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}]}, 200,
     s.SEARCH_PAGE),
    ("bad search", "POST", "/crm/objects/{v}/contacts/search",
     {"filterGroups": [{"filters": [{"propertyName": "x", "operator": "NOPE"}]}]}, 400,
     s.API_ERROR),
    ("unknown type", "GET", "/crm/objects/{v}/subscriptions", None, 400, s.API_ERROR),
    ("properties", "GET", "/crm/properties/{v}/contacts", None, 200, s.PROPERTIES),
    ("property groups", "GET", "/crm/properties/{v}/invoices/groups", None, 200,
     s.PROPERTY_GROUPS),
    ("one property", "GET", "/crm/properties/{v}/deals/dealstage", None, 200, s.PROPERTY),
    ("schemas", "GET", "/crm-object-schemas/{v}/schemas", None, 200, s.OBJECT_SCHEMAS),
    ("one schema", "GET", "/crm-object-schemas/{v}/schemas/pets", None, 200, s.OBJECT_SCHEMA),
    ("labels", "GET", "/crm/associations/{v}/contacts/orders/labels", None, 200, s.LABELS),
    ("owners", "GET", "/crm/owners/{v}?limit=10", None, 200, s.OWNERS),
    ("pipelines", "GET", "/crm/pipelines/{v}/deals", None, 200, s.PIPELINES),
    ("pipeline audit", "GET", "/crm/pipelines/{v}/deals/default/audit", None, 200, s.AUDIT),
    ("lists search", "POST", "/crm/lists/{v}/search", {}, 200, s.LIST_SEARCH),
    ("object library", "GET", "/crm/object-library/{v}/enablement", None, 200, s.ENABLEMENT),
    ("object library one", "GET", "/crm/object-library/{v}/enablement/0-123", None, 200,
     s.ENABLEMENT_OF),
]  # fmt: skip


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(
    ("method", "path", "body", "status", "schema"),
    [a[1:] for a in ANSWERS],
    ids=[a[0] for a in ANSWERS],
)
def test_answer_matches_the_reference(portal_api, version, method, path, body, status, schema):
    url = path.format(v=version)
    resp = portal_api.get(url) if method == "GET" else portal_api.post(url, body)
    check(resp, status, schema)


@pytest.mark.parametrize(("version", "status"), [("2026-03", 207), ("2026-09", 200)])
def test_batch_reads_with_errors(portal_api, version, status):
    objects = portal_api.post(
        f"/crm/objects/{version}/contacts/batch/read",
        {"inputs": [{"id": CONTACT}, {"id": MISSING}]},
    )
    body = check(objects, status, s.batch(s.SIMPLE_OBJECT, with_errors=True))
    assert body["errors"][0]["context"]["ids"] == [MISSING]
    links = portal_api.post(
        f"/crm/associations/{version}/orders/contacts/batch/read",
        {"inputs": [{"id": "51000001"}, {"id": MISSING}]},
    )
    body = check(links, status, s.batch(s.ASSOCIATION_RESULT, with_errors=True))
    assert body["errors"][0]["subCategory"] == "crm.associations.NO_ASSOCIATIONS_FOUND"
    clean = portal_api.post(
        f"/crm/associations/{version}/orders/contacts/batch/read", {"inputs": [{"id": "51000001"}]}
    )
    check(clean, 200, s.batch(s.ASSOCIATION_RESULT, with_errors=False))


@pytest.mark.parametrize("version", VERSIONS)
def test_list_membership_join_order(portal, portal_api, version):
    lists = portal_api.post(f"/crm/lists/{version}/search", {}).json()["lists"]
    assert lists
    resp = portal_api.get(f"/crm/lists/{version}/{lists[0]['listId']}/memberships/join-order")
    check(resp, 200, s.JOIN_ORDER)


def test_oauth_token_answers(fresh_simulator):
    base = fresh_simulator.base_url + "/oauth/2026-03/token"
    form = {
        "grant_type": "refresh_token",
        "client_id": "simulator-client-id",
        "client_secret": "simulator-client-secret",
        "refresh_token": "simulator-refresh-token",
    }
    token = check(requests.post(base, data=form, timeout=10), 200, s.TOKEN)
    check(requests.post(base, data=dict(form, refresh_token="x"), timeout=10), 400, s.OAUTH_ERROR)
    check(requests.post(base, data=dict(form, client_secret="x"), timeout=10), 401, s.OAUTH_ERROR)
    check(requests.post(base, params=form, timeout=10), 400, s.OAUTH_ERROR)
    client = {k: form[k] for k in ("client_id", "client_secret")}
    info = requests.post(
        base + "/introspect", data=dict(client, token=token["access_token"]), timeout=10
    )
    check(info, 200, s.INTROSPECTION)


def test_the_schemas_can_fail():
    """The schemas reject what the reference forbids (a guard against schemas that accept all)."""
    bad = [
        ({"id": "1", "properties": {}, "createdAt": "x", "updatedAt": "x"}, s.SIMPLE_OBJECT),
        ({"results": [{"category": "OTHER", "typeId": 1}]}, s.LABELS),
        ({"status": "COMPLETE", "results": [], "startedAt": "2026-01-01T00:00:00Z",
          "completedAt": "2026-01-01T00:00:00Z"}, s.batch(s.SIMPLE_OBJECT, with_errors=True)),
        ({"error": "invalid_grant"}, s.OAUTH_ERROR),
        ({"enablementByObjectTypeId": {"0-1": "yes"}}, s.ENABLEMENT),
    ]  # fmt: skip
    for body, schema in bad:
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(body, schema)
