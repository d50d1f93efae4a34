"""Rate limits: headers, the rolling 10-second window, the search limit, the daily limit."""

from __future__ import annotations

import time

import pytest
import requests
from hubspot_simulator.admin import SimulatorAdminError
from sim_helpers import without_ids

LIST = "/crm/v3/objects/contacts"
SEARCH = "/crm/v3/objects/contacts/search"


def test_headers_on_non_search(api, fresh_simulator):
    fresh_simulator.admin.set_rate_limits(enabled=True)
    first = api.get(LIST)
    second = api.get(LIST)
    assert {
        k: v for k, v in second.headers.items() if k.lower().startswith("x-hubspot-ratelimit")
    } == {
        "x-hubspot-ratelimit-daily": "250000",
        "x-hubspot-ratelimit-daily-remaining": "249998",
        "x-hubspot-ratelimit-interval-milliseconds": "10000",
        "x-hubspot-ratelimit-max": "100",
        "x-hubspot-ratelimit-remaining": "98",
        "x-hubspot-ratelimit-secondly": "10",
        "x-hubspot-ratelimit-secondly-remaining": "8",
    }
    assert first.headers["X-HubSpot-RateLimit-Remaining"] == "99"


def test_rolling_window_429(api, fresh_simulator):
    fresh_simulator.admin.set_rate_limits(enabled=True, burst=5, window_ms=1000)
    t0 = time.monotonic()
    statuses = [api.get(LIST).status_code for _ in range(5)]
    assert statuses == [200] * 5
    resp = api.get(LIST)
    assert resp.status_code == 429
    assert without_ids(resp.json()) == {
        "status": "error",
        "message": "You have reached your ten_secondly_rolling limit.",
        "errorType": "RATE_LIMIT",
        "policyName": "TEN_SECONDLY_ROLLING",
    }
    assert resp.json()["requestId"]
    assert resp.headers["X-HubSpot-RateLimit-Remaining"] == "0"
    assert "Retry-After" not in resp.headers
    # Rolling: capacity returns exactly when the oldest requests leave the window.
    time.sleep(max(0.0, t0 + 1.05 - time.monotonic()))
    assert api.get(LIST).status_code == 200


def test_rolling_not_fixed_window(api, fresh_simulator):
    fresh_simulator.admin.set_rate_limits(enabled=True, burst=4, window_ms=1000)
    assert [api.get(LIST).status_code for _ in range(2)] == [200, 200]
    time.sleep(0.6)
    assert [api.get(LIST).status_code for _ in range(2)] == [200, 200]
    time.sleep(0.5)  # the first two left the window, the last two did not
    assert [api.get(LIST).status_code for _ in range(3)] == [200, 200, 429]


def test_search_secondly_limit(api, fresh_simulator):
    fresh_simulator.admin.set_rate_limits(enabled=True, search_per_second=2)
    assert [api.post(SEARCH, {}).status_code for _ in range(2)] == [200, 200]
    resp = api.post(SEARCH, {})
    assert resp.status_code == 429
    assert without_ids(resp.json()) == {
        "status": "error",
        "message": "You have reached your secondly limit.",
        "errorType": "RATE_LIMIT",
        "policyName": "SECONDLY",
    }
    assert api.get(LIST).status_code == 200  # other endpoints are unaffected
    time.sleep(1.05)
    ok = api.post(SEARCH, {})
    assert ok.status_code == 200
    assert "X-HubSpot-RateLimit-Remaining" not in ok.headers
    assert ok.headers["X-HubSpot-RateLimit-Daily"] == "250000"


def test_daily_limit(api, fresh_simulator):
    fresh_simulator.admin.set_rate_limits(enabled=True, daily=3)
    assert [api.get(LIST).status_code for _ in range(3)] == [200] * 3
    resp = api.get(LIST)
    assert resp.status_code == 429
    assert resp.json()["policyName"] == "DAILY"
    assert resp.json()["message"] == "You have reached your daily limit."


def _daily(resp) -> dict[str, str]:
    return {k.lower(): v for k, v in resp.headers.items() if k.lower().startswith("x-hubspot")}


def test_portal_near_its_daily_quota(api, fresh_simulator):
    # A portal that other integrations already used today: 998 of 1,000 spent.
    limits = fresh_simulator.admin.set_rate_limits(enabled=True, daily=1000, daily_used=998)
    assert (limits["daily"], limits["dailyUsed"], limits["dailyRemaining"]) == (1000, 998, 2)
    first = api.get(LIST)
    assert first.headers["X-HubSpot-RateLimit-Daily"] == "1000"
    assert first.headers["X-HubSpot-RateLimit-Daily-Remaining"] == "1"
    # a new client (another tap process) shares the count: it lives in the portal
    other = requests.Session()
    other.headers.update(fresh_simulator.auth_headers())
    search = other.post(fresh_simulator.base_url + SEARCH, json={"limit": 1})
    assert search.status_code == 200
    assert {k: v for k, v in _daily(search).items() if "ratelimit" in k} == {
        "x-hubspot-ratelimit-daily": "1000",
        "x-hubspot-ratelimit-daily-remaining": "0",
    }
    refused = other.get(fresh_simulator.base_url + LIST)
    assert refused.status_code == 429
    assert without_ids(refused.json()) == {
        "status": "error",
        "message": "You have reached your daily limit.",
        "errorType": "RATE_LIMIT",
        "policyName": "DAILY",
    }
    assert refused.headers["X-HubSpot-RateLimit-Daily-Remaining"] == "0"
    refused_search = api.post(SEARCH, {"limit": 1})
    assert refused_search.status_code == 429
    assert refused_search.json()["policyName"] == "DAILY"
    assert {k: v for k, v in _daily(refused_search).items() if "ratelimit" in k} == {
        "x-hubspot-ratelimit-daily": "1000",
        "x-hubspot-ratelimit-daily-remaining": "0",
    }
    assert fresh_simulator.admin.rate_limits()["dailyUsed"] == 1000  # refusals do not count


def test_daily_used_is_validated_and_reset(api, fresh_simulator):
    with pytest.raises(SimulatorAdminError, match="dailyUsed must be a non-negative integer"):
        fresh_simulator.admin.set_rate_limits(daily_used=-1)
    fresh_simulator.admin.set_rate_limits(enabled=True, daily_used=10)
    api.get(LIST)
    assert fresh_simulator.admin.rate_limits()["dailyUsed"] == 11
    fresh_simulator.admin.reset_operations()
    assert fresh_simulator.admin.rate_limits()["dailyUsed"] == 0


def test_disabled(api, fresh_simulator):
    fresh_simulator.admin.set_rate_limits(enabled=False, burst=1)
    assert [api.get(LIST).status_code for _ in range(5)] == [200] * 5


def test_disabled_sends_no_rate_limit_headers(api, fresh_simulator):
    # With no limit in force there is nothing to advertise (HubSpot omits the headers when it
    # has no rate-limit information); a client pacing itself by them must not be slowed.
    fresh_simulator.admin.set_rate_limits(enabled=False)
    resp = api.get(LIST)
    assert resp.status_code == 200
    assert not [h for h in resp.headers if h.lower().startswith("x-hubspot-ratelimit")]
