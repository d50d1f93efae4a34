"""The reference endpoints go through the same pipeline as the others: rate limits (the burst
window, never the search window), latency classes, faults and request counts."""

from __future__ import annotations

import time

from hubspot_simulator.latency import EndpointKind, classify

PATHS = [
    ("GET", "/crm/v3/owners"),
    ("GET", "/crm/v3/pipelines/deals"),
    ("GET", "/crm/v3/properties/contacts/groups"),
    ("POST", "/crm/v3/lists/search"),
    ("GET", "/crm/v3/lists/3/memberships"),
]


def _call(api, method: str, path: str):
    return api.post(path, {"offset": 0}) if method == "POST" else api.get(path)


def test_burst_window_counts_reference_requests(api, fresh_simulator):
    fresh_simulator.admin.set_rate_limits(enabled=True, burst=len(PATHS), window_ms=60_000)
    statuses = [_call(api, m, p).status_code for m, p in PATHS]
    assert statuses == [200] * len(PATHS)
    for method, path in PATHS:
        resp = _call(api, method, path)
        assert resp.status_code == 429, path
        assert resp.json()["policyName"] == "TEN_SECONDLY_ROLLING"
        assert resp.headers["X-HubSpot-RateLimit-Remaining"] == "0"


def test_lists_search_is_not_a_crm_search(api, fresh_simulator):
    fresh_simulator.admin.set_rate_limits(enabled=True, search_per_second=1, burst=100)
    statuses = [api.post("/crm/v3/lists/search", {"offset": 0}).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    assert classify("POST /crm/v3/lists/search", None, b'{"count": 500}') == (
        EndpointKind.OTHER,
        0,
    )
    assert classify("GET /crm/v3/owners", "500", b"") == (EndpointKind.OTHER, 0)


def test_latency_applies(api, fresh_simulator):
    fresh_simulator.admin.set_latency("off", endpoints={"other": {"fixedMs": 400}}, jitter=0)
    t0 = time.monotonic()
    assert api.get("/crm/v3/owners").status_code == 200
    assert time.monotonic() - t0 >= 0.4  # a lower bound only: never flaky on a busy machine


def test_faults_and_counts(api, fresh_simulator):
    admin = fresh_simulator.admin
    admin.add_fault("status", status=503, path=r"^/crm/v3/lists/", count=1)
    assert api.get("/crm/v3/lists/3").status_code == 503
    assert api.get("/crm/v3/lists/3").status_code == 200
    api.get("/crm/v3/pipelines/deals/default/stages")
    counts = admin.request_counts()
    assert counts["endpoints"]["GET /crm/v3/lists/{listId}"] == 2
    assert counts["byObjectType"]["GET /crm/v3/pipelines/{type}/{pipelineId}/stages"] == {
        "deals": 1
    }
