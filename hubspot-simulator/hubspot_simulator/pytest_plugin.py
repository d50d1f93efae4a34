"""Pytest fixtures (registered through the ``pytest11`` entry point).

- ``simulator``: a session-wide running :class:`SimulatorProcess`.
- ``fresh_simulator``: the same process reset for one test: a small default dataset
  (250 contacts, 60 meetings, 20 appointments, seed 7), no faults, zero counters, startup rate
  limits with empty windows, startup tokens, no search lag.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .testing import SimulatorProcess

FRESH_DATASET: dict[str, int] = {"seed": 7, "contacts": 250, "meetings": 60, "appointments": 20}


@pytest.fixture(scope="session")
def simulator() -> Iterator[SimulatorProcess]:
    """A simulator running for the whole session."""
    with SimulatorProcess(seed=7, contacts=250, meetings=60, appointments=20) as sim:
        yield sim


@pytest.fixture
def fresh_simulator(simulator: SimulatorProcess) -> SimulatorProcess:
    """The session simulator, reset to the small default dataset and startup switches."""
    simulator.admin.reset(**FRESH_DATASET)
    return simulator
