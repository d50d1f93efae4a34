"""The CLI through SimulatorProcess: flags, URL printing, shutdown."""

from __future__ import annotations

import requests
from hubspot_simulator import search
from hubspot_simulator.dataset import Dataset
from hubspot_simulator.generator import DatasetSpec
from hubspot_simulator.search_request import parse_request
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


def test_large_search_is_indexed(monkeypatch):
    """Incremental-sync searches (modified-date range or no filter, sorted by modified date or
    id) are answered from the indexes, never by scanning every record: the scan is made to fail.
    (How fast that is, is the benchmarks' business, not a timed test's.)"""
    ds = Dataset(DatasetSpec(contacts=50_000, meetings=100, appointments=0))
    table = ds.tables["contacts"]

    def no_scan(*args: object, **kwargs: object) -> list[int]:
        raise AssertionError("search scanned every record")

    monkeypatch.setattr(search, "_match", no_scan)
    since = 1_500_000_000_000
    ranged = {
        "filterGroups": [
            {
                "filters": [
                    {"propertyName": "lastmodifieddate", "operator": "GTE", "value": str(since)}
                ]
            }
        ],
        "sorts": [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}],
        "limit": 200,
        "after": "9800",
    }
    live = [i for i in range(len(table)) if table.is_active(i)]
    page = search.execute(table, parse_request(ranged), None, lambda *_: set())
    assert page["total"] == sum(1 for i in live if table.modified[i] >= since)
    assert len(page["results"]) == 200
    for unfiltered in ({"sorts": [{"propertyName": "lastmodifieddate"}]}, {}):
        body = dict(unfiltered, limit=200, after=9800)
        page = search.execute(table, parse_request(body), None, lambda *_: set())
        assert page["total"] == len(live)
        assert len(page["results"]) == 200
