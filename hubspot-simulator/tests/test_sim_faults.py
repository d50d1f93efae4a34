"""Fault injection: 429 bursts, 5xx, slow responses, dropped connections, truncated bodies."""

from __future__ import annotations

import time

import pytest
import requests
from sim_helpers import without_ids

LIST = "/crm/v3/objects/contacts"


def test_rate_limit_burst_with_path_and_retry_after(api, fresh_simulator):
    fresh_simulator.admin.add_fault(
        "rate_limit",
        count=2,
        path=r"/associations/.*/batch/read",
        retry_after=3,
        policy="TEN_SECONDLY_ROLLING",
    )
    assert api.get(LIST).status_code == 200  # path does not match
    body = {"inputs": [{"id": "1001"}]}
    url = "/crm/v4/associations/contacts/meetings/batch/read"
    first, second, third = (api.post(url, body) for _ in range(3))
    assert first.status_code == second.status_code == 429
    assert first.headers["Retry-After"] == "3"
    assert without_ids(first.json()) == {
        "status": "error",
        "message": "You have reached your ten_secondly_rolling limit.",
        "errorType": "RATE_LIMIT",
        "policyName": "TEN_SECONDLY_ROLLING",
    }
    assert third.status_code == 200
    assert fresh_simulator.admin.faults() == []


@pytest.mark.parametrize("policy", ["SECONDLY", "DAILY"])
def test_rate_limit_policies_without_retry_after(api, fresh_simulator, policy):
    fresh_simulator.admin.add_fault("rate_limit", policy=policy)
    resp = api.get(LIST)
    assert resp.status_code == 429
    assert resp.json()["policyName"] == policy
    assert "Retry-After" not in resp.headers


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors(api, fresh_simulator, status):
    fresh_simulator.admin.add_fault("status", status=status, count=2)
    assert [api.get(LIST).status_code for _ in range(3)] == [status, status, 200]


def test_slow(api, fresh_simulator):
    fresh_simulator.admin.add_fault("slow", delay_ms=400, count=1)
    t0 = time.perf_counter()
    assert api.get(LIST).status_code == 200
    assert time.perf_counter() - t0 >= 0.4  # a lower bound only: never flaky on a busy machine
    assert fresh_simulator.admin.faults() == []  # count=1: spent, the next answer is not slowed


def test_dropped_connection(api, fresh_simulator):
    fresh_simulator.admin.add_fault("drop", count=1)
    with pytest.raises(requests.ConnectionError):
        api.get(LIST)
    assert api.get(LIST).status_code == 200


def test_truncated_body(api, fresh_simulator):
    fresh_simulator.admin.add_fault("truncate", count=1, method="GET")
    resp = api.get(LIST)
    assert resp.status_code == 200
    with pytest.raises(requests.JSONDecodeError):
        resp.json()
    assert api.get(LIST).json()["results"]


def test_probabilistic_is_reproducible(api, fresh_simulator):
    def run():
        fresh_simulator.admin.clear_faults()
        fresh_simulator.admin.add_fault("status", status=503, count=None, probability=0.3, seed=42)
        return [api.get(LIST).status_code for _ in range(30)]

    first, second = run(), run()
    assert first == second
    assert 0 < first.count(503) < 30
    fresh_simulator.admin.clear_faults()
    assert api.get(LIST).status_code == 200


def test_bad_fault_rejected(fresh_simulator):
    from hubspot_simulator.admin import SimulatorAdminError

    with pytest.raises(SimulatorAdminError):
        fresh_simulator.admin.add_fault("explode")
