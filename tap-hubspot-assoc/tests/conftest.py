"""Shared fixtures: an admin client for the per-test simulator."""

from __future__ import annotations

import pytest
from hubspot_simulator.admin import SimulatorAdmin
from hubspot_simulator.testing import SimulatorProcess


@pytest.fixture
def admin(fresh_simulator: SimulatorProcess) -> SimulatorAdmin:
    """Admin client of a freshly reset simulator with rate limiting switched off."""
    admin = fresh_simulator.admin
    admin.set_rate_limits(enabled=False)
    return admin


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retry backoff in milliseconds instead of seconds (the policy is unchanged)."""
    monkeypatch.setattr("tap_hubspot_assoc.client.BACKOFF_BASE_SECONDS", 0.01)
