"""Date-versioned API paths: one route table, per-version shapes, per-version request counts."""

from __future__ import annotations

import pytest

VERSIONS = ["2026-03", "2026-09"]

# (method, legacy path, date-versioned path with {v}, JSON body, canonical counter key)
ENDPOINTS = [
    ("GET", "/crm/v3/objects/contacts", "/crm/objects/{v}/contacts", None,
     "GET /crm/v3/objects/{type}"),
    ("GET", "/crm/v3/objects/contacts/1001", "/crm/objects/{v}/contacts/1001", None,
     "GET /crm/v3/objects/{type}/{id}"),
    ("POST", "/crm/v3/objects/contacts/batch/read", "/crm/objects/{v}/contacts/batch/read",
     {"inputs": [{"id": "1001"}]}, "POST /crm/v3/objects/{type}/batch/read"),
    ("POST", "/crm/v3/objects/contacts/search", "/crm/objects/{v}/contacts/search",
     {"limit": 2}, "POST /crm/v3/objects/{type}/search"),
    ("GET", "/crm/v3/properties/contacts", "/crm/properties/{v}/contacts", None,
     "GET /crm/v3/properties/{type}"),
    ("GET", "/crm/v3/properties/contacts/groups", "/crm/properties/{v}/contacts/groups", None,
     "GET /crm/v3/properties/{type}/groups"),
    ("GET", "/crm/v3/properties/contacts/email", "/crm/properties/{v}/contacts/email", None,
     "GET /crm/v3/properties/{type}/{propertyName}"),
    ("GET", "/crm/v3/schemas", "/crm-object-schemas/{v}/schemas", None, "GET /crm/v3/schemas"),
    ("GET", "/crm/v4/associations/contacts/meetings/labels",
     "/crm/associations/{v}/contacts/meetings/labels", None,
     "GET /crm/v4/associations/{from}/{to}/labels"),
    ("POST", "/crm/v4/associations/contacts/meetings/batch/read",
     "/crm/associations/{v}/contacts/meetings/batch/read", {"inputs": [{"id": "1001"}]},
     "POST /crm/v4/associations/{from}/{to}/batch/read"),
    ("GET", "/crm/v3/owners", "/crm/owners/{v}", None, "GET /crm/v3/owners"),
    ("GET", "/crm/v3/pipelines/deals", "/crm/pipelines/{v}/deals", None,
     "GET /crm/v3/pipelines/{type}"),
    ("GET", "/crm/v3/pipelines/deals/default/audit", "/crm/pipelines/{v}/deals/default/audit",
     None, "GET /crm/v3/pipelines/{type}/{pipelineId}/audit"),
    ("POST", "/crm/v3/lists/search", "/crm/lists/{v}/search", {}, "POST /crm/v3/lists/search"),
]  # fmt: skip


def _call(api, method, path, body):
    return api.get(path) if method == "GET" else api.post(path, body)


# fields only date versions add (url, allowsSensitiveProperties) and per-request times/links
_VERSION_FIELDS = {"url", "allowsSensitiveProperties", "startedAt", "completedAt", "link"}


def _without_version_fields(body):
    if isinstance(body, dict):
        return {k: _without_version_fields(v) for k, v in body.items() if k not in _VERSION_FIELDS}
    if isinstance(body, list):
        return [_without_version_fields(v) for v in body]
    return body


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(("method", "legacy", "dated", "body", "key"), ENDPOINTS)
def test_date_version_serves_what_legacy_serves(
    portal_api, portal, version, method, legacy, dated, body, key
):
    portal.admin.reset_request_counts()
    old = _call(portal_api, method, legacy, body)
    new = _call(portal_api, method, dated.format(v=version), body)
    assert old.status_code == new.status_code == 200, new.text
    assert _without_version_fields(new.json()) == _without_version_fields(old.json())
    counts = portal.admin.request_counts()
    assert counts["endpoints"] == {key: 2}
    assert counts["byVersion"] == {"legacy": 1, "2026-03": 0, "2026-09": 0} | {version: 1}
    assert counts["byEndpointVersion"] == {key: {"legacy": 1, version: 1}}


@pytest.mark.parametrize(
    "path",
    [
        "/crm/objects/2026-12/contacts",  # a version HubSpot never released
        "/crm/objects/2025-09/contacts",
        "/crm/objects/v3/contacts",
        "/crm/schemas/2026-03",  # the alias no version declares
        "/crm/owners/2026-13",
        "/crm/objects/2026-09/contacts/1001/associations/meetings",  # 2026-03 only
    ],
)
def test_undeclared_versions_are_not_found(portal_api, path):
    resp = portal_api.get(path)
    assert resp.status_code == 404
    assert resp.json()["category"] == "OBJECT_NOT_FOUND"


@pytest.mark.parametrize("version", VERSIONS)
def test_date_versioned_objects_carry_url_and_archived(portal_api, version):
    listed = portal_api.get(f"/crm/objects/{version}/deals", params={"limit": 3}).json()
    one = portal_api.get(f"/crm/objects/{version}/deals/7000002").json()
    found = portal_api.post(f"/crm/objects/{version}/deals/search", {"limit": 2}).json()
    for rec in [*listed["results"], one, *found["results"]]:
        assert rec["url"] == f"https://app.hubspot.com/contacts/1234567/record/0-3/{rec['id']}"
        assert rec["archived"] is False
    legacy = portal_api.get("/crm/v3/objects/deals/7000002").json()
    assert "url" not in legacy
    assert legacy["archived"] is False


@pytest.mark.parametrize(("prefix", "status"), [
    ("/crm/v3/objects", 207), ("/crm/objects/2026-03", 207), ("/crm/objects/2026-09", 200)
])  # fmt: skip
def test_object_batch_read_errors_status_per_version(portal_api, prefix, status):
    resp = portal_api.post(
        f"{prefix}/contacts/batch/read", {"inputs": [{"id": "1001"}, {"id": "999"}]}
    )
    assert resp.status_code == status
    body = resp.json()
    assert [r["id"] for r in body["results"]] == ["1001"]
    assert body["numErrors"] == 1
    assert body["errors"][0]["category"] == "OBJECT_NOT_FOUND"
    assert body["errors"][0]["context"] == {"ids": ["999"]}


@pytest.mark.parametrize(("prefix", "status"), [
    ("/crm/v4/associations", 207), ("/crm/associations/2026-03", 207),
    ("/crm/associations/2026-09", 200)
])  # fmt: skip
def test_association_batch_read_errors_status_per_version(portal_api, prefix, status):
    resp = portal_api.post(f"{prefix}/contacts/meetings/batch/read",
                           {"inputs": [{"id": "1001"}, {"id": "999"}]})  # fmt: skip
    assert resp.status_code == status
    body = resp.json()
    assert [r["from"]["id"] for r in body["results"]] == ["1001"]
    assert body["numErrors"] == 1
    assert body["errors"][0]["subCategory"] == "crm.associations.NO_ASSOCIATIONS_FOUND"


def test_fault_rules_for_legacy_paths_fire_on_every_version(api, fresh_simulator):
    admin = fresh_simulator.admin
    admin.add_fault("status", count=2, status=503, path="/crm/v3/objects/contacts$")
    admin.add_fault("status", count=1, status=502, path="/crm/objects/2026-09/meetings$")
    assert api.get("/crm/objects/2026-09/contacts").status_code == 503
    assert api.get("/crm/objects/2026-03/contacts").status_code == 503
    assert api.get("/crm/objects/2026-09/contacts").status_code == 200  # count used up
    assert api.get("/crm/v3/objects/meetings").status_code == 200  # a versioned rule: no match
    assert api.get("/crm/objects/2026-09/meetings").status_code == 502
