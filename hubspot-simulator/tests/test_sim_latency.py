"""The latency model: per-kind fixed + per-record costs, seeded jitter, concurrent serving."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import orjson
import pytest
from hubspot_simulator.latency import EndpointKind, LatencyModel, classify

LIST = "/crm/v3/objects/contacts"


def test_realistic_defaults_match_the_stated_assumptions():
    model = LatencyModel.preset("realistic", jitter=0)
    assert model.delay_seconds(EndpointKind.LIST, 100) == pytest.approx(0.300)
    assert model.delay_seconds(EndpointKind.SEARCH, 200) == pytest.approx(0.250)
    assert model.delay_seconds(EndpointKind.ASSOCIATION_BATCH_READ, 1000) == pytest.approx(0.500)
    assert model.delay_seconds(EndpointKind.BATCH_READ, 100) == pytest.approx(0.250)
    assert LatencyModel.preset("off").delay_seconds(EndpointKind.LIST, 100) == 0


def test_jitter_is_bounded_and_seeded():
    draws = [LatencyModel.preset("realistic", seed=3) for _ in range(2)]
    first, second = ([m.delay_seconds(EndpointKind.LIST, 100) for _ in range(50)] for m in draws)
    assert first == second
    assert all(0.24 <= d <= 0.36 for d in first)
    assert len(set(first)) > 1


def test_requests_are_classified_by_route_and_size():
    inputs = orjson.dumps({"inputs": [{"id": str(i)} for i in range(1000)]})
    assert classify("GET /crm/v3/objects/{type}", "100", b"") == (EndpointKind.LIST, 100)
    assert classify("POST /crm/v3/objects/{type}/search", None, b'{"limit": 200}') == (
        EndpointKind.SEARCH,
        200,
    )
    assert classify("POST /crm/v4/associations/{from}/{to}/batch/read", None, inputs) == (
        EndpointKind.ASSOCIATION_BATCH_READ,
        1000,
    )
    assert classify("POST /crm/v3/objects/{type}/batch/read", None, inputs)[0] == (
        EndpointKind.BATCH_READ
    )
    assert classify("GET /crm/v3/properties/{type}", None, b"") == (EndpointKind.OTHER, 0)


def test_slow_answers_are_served_concurrently(api, fresh_simulator):
    """Eight requests sent at once under 400 ms of latency are all in flight together: the
    simulator sleeps with asyncio, so one slow answer does not hold the others."""
    admin = fresh_simulator.admin
    admin.set_latency("off", endpoints={"list": {"fixedMs": 400, "perRecordMs": 0}}, jitter=0)
    assert admin.latency()["endpoints"] == {"list": {"fixedMs": 400.0, "perRecordMs": 0.0}}
    assert api.get(LIST).status_code == 200
    assert admin.request_counts()["maxInFlight"] == 1
    admin.reset_request_counts()
    with ThreadPoolExecutor(8) as pool:
        sessions = [type(api)(fresh_simulator) for _ in range(8)]
        statuses = list(pool.map(lambda s: s.get(LIST).status_code, sessions))
    assert statuses == [200] * 8
    assert admin.request_counts()["maxInFlight"] >= 6


def test_reset_operations_restores_the_startup_latency(fresh_simulator):
    admin = fresh_simulator.admin
    admin.set_latency("realistic")
    assert set(admin.latency()["endpoints"]) == {k.value for k in EndpointKind}
    assert admin.info()["latency"]["endpoints"]
    admin.reset_operations()
    assert admin.latency()["endpoints"] == {}
