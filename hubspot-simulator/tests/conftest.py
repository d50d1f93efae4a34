"""Helpers for the simulator's own tests (the fixtures come from the pytest11 plugin)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from hubspot_simulator.testing import SimulatorProcess


class Api:
    """A requests session against the simulator with the Bearer token set."""

    def __init__(self, sim: SimulatorProcess) -> None:
        self.base = sim.base_url
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {sim.token}"

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self.http.get(self.base + path, timeout=30, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> requests.Response:
        return self.http.post(self.base + path, json=body, timeout=30, **kw)


@pytest.fixture
def api(fresh_simulator: SimulatorProcess) -> Api:
    """Client of a fresh simulator with rate limiting off (rate-limit tests turn it on)."""
    fresh_simulator.admin.set_rate_limits(enabled=False)
    return Api(fresh_simulator)


@pytest.fixture(scope="session")
def portal() -> Iterator[SimulatorProcess]:
    """A second simulator serving the whole-portal preset (no rate limits). Tests that change
    its state (tokens, counters, labels) must undo it."""
    with SimulatorProcess(portal=True, rate_limit=False) as sim:
        yield sim


@pytest.fixture(scope="session")
def portal_info(portal: SimulatorProcess) -> dict[str, Any]:
    """``/_sim/info`` of the portal simulator."""
    return portal.admin.info()


@pytest.fixture
def portal_api(portal: SimulatorProcess) -> Api:
    """Client of the portal simulator."""
    return Api(portal)
