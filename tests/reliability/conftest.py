"""Fixtures for the reliability suite: a small static simulator dataset, a fresh target schema,
and a tap|target pipe with a persisted state file (see ``pipe.py``).

Every output captured by these tests is also collected in ``CAPTURED`` so that
``test_secrets.py`` (which runs last in this directory, by name) and the session-end hook can
scan it for secret values.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hubspot_simulator.testing import SimulatorProcess
from pipeline_devtools.postgres import Database

from tests.reliability.checks import Oracle
from tests.reliability.pipe import KillPoint, PipeResult, persisted_state, run_pipe

DATASET = {"seed": 11, "contacts": 300, "meetings": 80, "appointments": 0}
FAST_TAP_LIMITS = {"requests_per_ten_seconds": 10_000, "search_requests_per_second": 1_000}

# Every text a test of this directory captured from a process (for the secret scan).
CAPTURED: list[str] = []


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class Pipeline:
    """tap | target against one simulator and one schema, with a persisted state file."""

    sim: SimulatorProcess
    database: Database
    schema: str
    workdir: Path
    tap_overrides: dict[str, Any] = field(default_factory=dict)
    target_overrides: dict[str, Any] = field(default_factory=dict)
    results: list[PipeResult] = field(default_factory=list)

    @property
    def db_url(self) -> str:
        return self.database.url

    def tap_config(self) -> dict[str, Any]:
        return {
            "access_token": self.sim.token,
            "api_url": self.sim.base_url,
            "object_types": ["contacts", "meetings"],
            "association_pairs": [{"from": "meetings", "to": "contacts"}],
            "safety_lag_seconds": 1,
            **FAST_TAP_LIMITS,
            **self.tap_overrides,
        }

    def target_config(self) -> dict[str, Any]:
        return {
            "sqlalchemy_url": self.database.sqlalchemy_url,
            "default_target_schema": self.schema,
            "batch_size_rows": 40,
            **self.target_overrides,
        }

    def run(
        self, kill: KillPoint | None = None, *, expect_ok: bool | None = None, timeout: float = 120
    ) -> PipeResult:
        result = run_pipe(
            self.tap_config(), self.target_config(), self.workdir, kill=kill, timeout=timeout
        )
        self.results.append(result)
        CAPTURED.append(result.output)
        if expect_ok is None:
            expect_ok = kill is None
        if expect_ok and not result.ok:
            pytest.fail(
                f"pipe failed: tap {result.tap_returncode}, target {result.target_returncode}\n"
                f"--- tap stderr ---\n{result.tap_stderr[-3000:]}\n"
                f"--- target stderr ---\n{result.target_stderr[-3000:]}"
            )
        return result

    def state(self) -> dict[str, Any]:
        return persisted_state(self.workdir)

    def oracle(self) -> Oracle:
        from tests.reliability.checks import ASSOCIATION_STREAMS

        return Oracle.from_simulator(self.sim, association_streams=ASSOCIATION_STREAMS)


@pytest.fixture
def sim(fresh_simulator: SimulatorProcess) -> SimulatorProcess:
    """The session simulator with the suite's small dataset, rate limits off, no faults."""
    fresh_simulator.admin.reset(**DATASET)
    fresh_simulator.admin.set_rate_limits(enabled=False)
    return fresh_simulator


@pytest.fixture
def pipeline(sim: SimulatorProcess, database: Database, pg_schema: str, tmp_path: Path) -> Pipeline:
    return Pipeline(sim=sim, database=database, schema=pg_schema, workdir=tmp_path / "pipe")
