"""The CLI through SimulatorProcess: flags, URL printing, shutdown."""

from __future__ import annotations

import requests
from hubspot_simulator.testing import SimulatorProcess


def test_cli_flags_and_shutdown():
    sim = SimulatorProcess(
        contacts=30,
        meetings=5,
        appointments=2,
        token="custom-token",
        rate_limit=False,
        extra_args=["--burst-limit", "1"],
    )
    with sim:
        assert sim.base_url.startswith("http://127.0.0.1:")
        assert "contacts=30 meetings=5 appointments=2" in sim.output()
        headers = sim.auth_headers()
        assert headers == {"Authorization": "Bearer custom-token"}
        url = f"{sim.base_url}/crm/v3/objects/contacts"
        assert [requests.get(url, headers=headers, timeout=10).status_code for _ in range(3)] == [
            200,
            200,
            200,
        ]
        assert (
            requests.get(
                url, headers={"Authorization": "Bearer pat-na1-simulator-token"}, timeout=10
            ).status_code
            == 401
        )
        info = sim.admin.info()
        assert info["rateLimits"]["enabled"] is False
        assert info["rateLimits"]["burst"] == 1
        assert info["counts"]["contacts"]["total"] == 30
        base = sim.base_url
    try:
        requests.get(f"{base}/_sim/health", timeout=2)
        raise AssertionError("server still running")
    except requests.ConnectionError:
        pass


def test_large_search_is_indexed(fresh_simulator, api):
    import time

    fresh_simulator.admin.regenerate(contacts=200_000, meetings=1000, appointments=0)
    body = {
        "filterGroups": [
            {
                "filters": [
                    {
                        "propertyName": "lastmodifieddate",
                        "operator": "GTE",
                        "value": "1500000000000",
                    }
                ]
            }
        ],
        "sorts": [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}],
        "limit": 200,
        "after": "9800",
    }
    api.post("/crm/v3/objects/contacts/search", body)  # builds the index
    t0 = time.perf_counter()
    for _ in range(10):
        page = api.post("/crm/v3/objects/contacts/search", body).json()
    assert (time.perf_counter() - t0) / 10 < 0.05
    assert page["total"] > 190_000
    assert len(page["results"]) == 200
    for unfiltered in ({"sorts": [{"propertyName": "lastmodifieddate"}]}, {}):
        body = dict(unfiltered, limit=200, after=9800)
        api.post("/crm/v3/objects/contacts/search", body)
        t0 = time.perf_counter()
        page = api.post("/crm/v3/objects/contacts/search", body).json()
        assert time.perf_counter() - t0 < 0.1
        assert len(page["results"]) == 200
