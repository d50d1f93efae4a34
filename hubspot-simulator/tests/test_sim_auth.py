"""Bearer tokens, scopes, expiry and the OAuth refresh grant."""

from __future__ import annotations

import time

import requests
from sim_helpers import without_ids

LIST = "/crm/v3/objects/contacts"
UNAUTH = {
    "status": "error",
    "message": "Authentication credentials not found. This API supports OAuth 2.0 "
    "authentication and you can find more details at "
    "https://developers.hubspot.com/docs/methods/auth/oauth-overview",
    "category": "INVALID_AUTHENTICATION",
}


def test_missing_and_wrong_token(fresh_simulator):
    base = fresh_simulator.base_url
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic abc"}):
        resp = requests.get(base + LIST, headers=headers, timeout=10)
        assert resp.status_code == 401
        assert resp.headers["X-HubSpot-Correlation-Id"] == resp.json()["correlationId"]
        assert without_ids(resp.json()) == UNAUTH


def test_missing_scope(fresh_simulator):
    admin = fresh_simulator.admin
    admin.add_token("pat-contacts-only", scopes=["crm.objects.contacts.read"])
    headers = {"Authorization": "Bearer pat-contacts-only"}
    base = fresh_simulator.base_url
    assert requests.get(base + LIST, headers=headers, timeout=10).status_code == 200
    resp = requests.get(base + "/crm/v3/objects/appointments", headers=headers, timeout=10)
    assert resp.status_code == 403
    assert without_ids(resp.json()) == {
        "status": "error",
        "message": "This app hasn't been granted all required scopes to make this call. "
        "Read more about required scopes here: https://developers.hubspot.com/scopes.",
        "category": "MISSING_SCOPES",
        "errors": [
            {
                "message": "One or more of the following scopes are required.",
                "context": {"requiredGranularScopes": ["crm.objects.appointments.read"]},
            }
        ],
        "links": {"scopes": "https://developers.hubspot.com/scopes"},
    }
    # properties: the object read scope OR the schema read scope will do
    props = requests.get(base + "/crm/v3/properties/contacts", headers=headers, timeout=10)
    assert props.status_code == 200
    props = requests.get(base + "/crm/v3/properties/appointments", headers=headers, timeout=10)
    assert props.json()["errors"][0]["context"]["requiredGranularScopes"] == [
        "crm.schemas.appointments.read",
        "crm.objects.appointments.read",
    ]


def test_expired_token(fresh_simulator):
    fresh_simulator.admin.add_token("short-lived", expires_in=0.2)
    headers = {"Authorization": "Bearer short-lived"}
    url = fresh_simulator.base_url + LIST
    assert requests.get(url, headers=headers, timeout=10).status_code == 200
    time.sleep(0.3)
    resp = requests.get(url, headers=headers, timeout=10)
    assert resp.status_code == 401
    body = without_ids(resp.json())
    assert body["category"] == "EXPIRED_AUTHENTICATION"
    assert body["message"] == "The OAuth token used to make this call expired 0 second(s) ago."
    assert list(body["context"]) == ["expire time"]


def test_oauth_refresh_grant(fresh_simulator):
    base = fresh_simulator.base_url
    fresh_simulator.admin.configure_oauth(token_ttl=1)
    form = {
        "grant_type": "refresh_token",
        "client_id": "simulator-client-id",
        "client_secret": "simulator-client-secret",
        "refresh_token": "simulator-refresh-token",
    }
    resp = requests.post(base + "/oauth/v1/token", data=form, timeout=10)
    assert resp.status_code == 200
    body = resp.json()
    assert sorted(body) == ["access_token", "expires_in", "refresh_token", "token_type"]
    assert body["token_type"] == "bearer"
    assert body["refresh_token"] == "simulator-refresh-token"
    assert body["expires_in"] == 1
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    assert requests.get(base + LIST, headers=headers, timeout=10).status_code == 200
    time.sleep(1.1)
    expired = requests.get(base + LIST, headers=headers, timeout=10)
    assert expired.json()["category"] == "EXPIRED_AUTHENTICATION"
    bad = requests.post(base + "/oauth/v1/token", data=dict(form, refresh_token="nope"), timeout=10)
    assert bad.status_code == 400
    assert without_ids(bad.json()) == {
        "status": "BAD_REFRESH_TOKEN",
        "message": "missing or unknown refresh token",
    }
    bad_client = requests.post(base + "/oauth/v1/token", data=dict(form, client_id="x"), timeout=10)
    assert bad_client.json()["status"] == "BAD_CLIENT_ID"


def test_scoped_refresh_token(fresh_simulator):
    fresh_simulator.admin.configure_oauth(refresh_tokens={"limited": ["crm.objects.contacts.read"]})
    base = fresh_simulator.base_url
    token = requests.post(
        base + "/oauth/v1/token",
        data={
            "grant_type": "refresh_token",
            "client_id": "simulator-client-id",
            "client_secret": "simulator-client-secret",
            "refresh_token": "limited",
        },
        timeout=10,
    ).json()["access_token"]
    resp = requests.post(
        base + "/crm/v4/associations/contacts/appointments/batch/read",
        json={"inputs": [{"id": "1001"}]},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert resp.status_code == 403


def test_token_introspection(fresh_simulator):
    fresh_simulator.admin.add_token("scoped", scopes=["crm.objects.contacts.read"], expires_in=600)
    base = fresh_simulator.base_url
    body = requests.get(f"{base}/oauth/v1/access-tokens/scoped", timeout=10).json()
    assert body["scopes"] == ["crm.objects.contacts.read"]
    assert 590 <= body["expires_in"] <= 600
    assert sorted(body) == [
        "app_id",
        "expires_in",
        "hub_domain",
        "hub_id",
        "scopes",
        "token",
        "token_type",
        "user",
        "user_id",
    ]
    missing = requests.get(f"{base}/oauth/v1/access-tokens/nope", timeout=10)
    assert missing.status_code == 404
