"""The 2026-03 OAuth endpoints: form body only, standard errors, separate counters from v1."""

from __future__ import annotations

import pytest
import requests
from sim_helpers import without_ids

TOKEN = "/oauth/2026-03/token"
INTROSPECT = "/oauth/2026-03/token/introspect"
FORM = {
    "grant_type": "refresh_token",
    "client_id": "simulator-client-id",
    "client_secret": "simulator-client-secret",
    "refresh_token": "simulator-refresh-token",
}
CLIENT = {k: FORM[k] for k in ("client_id", "client_secret")}


def test_refresh_grant_issues_a_working_token_and_counts_no_v1_call(fresh_simulator):
    base = fresh_simulator.base_url
    fresh_simulator.admin.configure_oauth(refresh_tokens={"limited": ["crm.objects.deals.read"]})
    resp = requests.post(base + TOKEN, data=dict(FORM, refresh_token="limited"), timeout=10)
    assert resp.status_code == 200
    body = resp.json()
    assert sorted(body) == [
        "access_token",
        "expires_in",
        "hub_id",
        "refresh_token",
        "scopes",
        "token_type",
        "token_use",
        "user_id",
    ]
    assert (body["token_use"], body["token_type"], body["refresh_token"]) == (
        "access_token",
        "bearer",
        "limited",
    )
    assert body["scopes"] == ["crm.objects.deals.read"]
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    ok = requests.get(base + "/crm/objects/2026-09/deals", headers=headers, timeout=10)
    denied = requests.get(base + "/crm/objects/2026-09/contacts", headers=headers, timeout=10)
    assert (ok.status_code, denied.status_code) == (200, 403)
    counts = fresh_simulator.admin.request_counts()
    assert counts["endpoints"]["POST /oauth/2026-03/token"] == 1
    assert "POST /oauth/v1/token" not in counts["endpoints"]
    assert counts["byVersion"] == {"legacy": 0, "2026-03": 1, "2026-09": 2}


@pytest.mark.parametrize(
    ("form", "status", "error", "legacy"),
    [
        (dict(FORM, refresh_token="nope"), 400, "invalid_grant", "BAD_REFRESH_TOKEN"),
        (dict(FORM, client_id="x"), 401, "invalid_client", "BAD_CLIENT_ID"),
        (dict(FORM, client_secret="x"), 401, "invalid_client", "BAD_CLIENT_SECRET"),
        (dict(FORM, grant_type="password"), 400, "unsupported_grant_type", "BAD_GRANT_TYPE"),
        ({k: v for k, v in FORM.items() if k != "grant_type"}, 400, "invalid_request",
         "BAD_GRANT_TYPE"),
    ],
)  # fmt: skip
def test_token_errors_in_the_standard_form(fresh_simulator, form, status, error, legacy):
    resp = requests.post(fresh_simulator.base_url + TOKEN, data=form, timeout=10)
    assert resp.status_code == status
    body = without_ids(resp.json())
    assert body["error"] == error
    assert body["status"] == legacy
    assert body["error_description"] == body["message"] != ""
    assert body["category"] == ("INVALID_AUTHENTICATION" if status == 401 else "BAD_REQUEST")
    assert FORM["client_secret"] not in resp.text


def test_parameters_in_the_url_are_refused(fresh_simulator):
    base = fresh_simulator.base_url
    in_query = requests.post(base + TOKEN, params=FORM, timeout=10)
    mixed = requests.post(base + TOKEN, params={"client_secret": "s"}, data=FORM, timeout=10)
    as_json = requests.post(base + TOKEN, json=FORM, timeout=10)
    for resp in (in_query, mixed, as_json):
        assert resp.status_code == 400
        assert resp.json()["error"] == "invalid_request"
    assert "URL" in in_query.json()["error_description"]
    assert "x-www-form-urlencoded" in as_json.json()["error_description"]


def test_introspection(fresh_simulator):
    base = fresh_simulator.base_url
    fresh_simulator.admin.add_token("scoped", scopes=["crm.objects.contacts.read"], expires_in=600)
    body = requests.post(base + INTROSPECT, data=dict(CLIENT, token="scoped"), timeout=10).json()
    assert body["active"] is True
    assert body["token_use"] == "access_token"
    assert body["scopes"] == ["crm.objects.contacts.read"]
    assert 590 <= body["expires_in"] <= 600
    refresh = requests.post(
        base + INTROSPECT, data=dict(CLIENT, token="simulator-refresh-token"), timeout=10
    ).json()
    assert (refresh["active"], refresh["token_use"]) == (True, "refresh_token")
    gone = requests.post(base + INTROSPECT, data=dict(CLIENT, token="nope"), timeout=10)
    assert (gone.status_code, gone.json()) == (200, {"active": False})
    no_client = requests.post(base + INTROSPECT, data={"token": "scoped"}, timeout=10)
    assert (no_client.status_code, no_client.json()["error"]) == (401, "invalid_client")


def test_v1_token_endpoint_still_works_and_is_counted(fresh_simulator):
    resp = requests.post(fresh_simulator.base_url + "/oauth/v1/token", data=FORM, timeout=10)
    assert resp.status_code == 200
    counts = fresh_simulator.admin.request_counts()
    assert counts["endpoints"] == {"POST /oauth/v1/token": 1}
    assert counts["byVersion"]["legacy"] == 1


def test_the_2026_09_token_endpoint_is_the_same(fresh_simulator):
    base = fresh_simulator.base_url
    resp = requests.post(base + "/oauth/2026-09/token", data=FORM, timeout=10)
    assert resp.status_code == 200
    assert resp.json()["token_use"] == "access_token"
    bad = requests.post(
        base + "/oauth/2026-09/token", data=dict(FORM, refresh_token="x"), timeout=10
    )
    assert bad.json()["error"] == "invalid_grant"
    counts = fresh_simulator.admin.request_counts()
    assert counts["byEndpointVersion"] == {"POST /oauth/2026-03/token": {"2026-09": 2}}


def test_oauth_tokens_get_no_daily_headers(fresh_simulator):
    """HubSpot omits X-HubSpot-RateLimit-Daily(-Remaining) for OAuth apps; private-app tokens
    get them (hubspot-api.md §1.4), on list and search answers alike."""
    base = fresh_simulator.base_url
    fresh_simulator.admin.set_rate_limits(enabled=True)
    token = requests.post(base + TOKEN, data=FORM, timeout=10).json()["access_token"]
    listing = "/crm/objects/2026-09/contacts"
    search = "/crm/objects/2026-09/contacts/search"
    for auth, daily in ((token, False), ("pat-na1-simulator-token", True)):
        headers = {"Authorization": f"Bearer {auth}"}
        listed = requests.get(base + listing, headers=headers, timeout=10)
        searched = requests.post(base + search, json={"limit": 1}, headers=headers, timeout=10)
        assert (listed.status_code, searched.status_code) == (200, 200)
        for resp in (listed, searched):
            assert ("X-HubSpot-RateLimit-Daily" in resp.headers) is daily, auth[:8]
            assert ("X-HubSpot-RateLimit-Daily-Remaining" in resp.headers) is daily
        assert "X-HubSpot-RateLimit-Max" in listed.headers  # the burst headers stay
