"""Fixtures for the reliability suite: a small static simulator dataset, a fresh target schema,
and a tap|target pipe with a persisted state file (see ``pipe.py``).

Every output captured by these tests is also collected in ``CAPTURED`` so that
``test_secrets.py`` (which runs last in this directory, by name) and the session-end fixture
``no_secret_in_any_captured_output`` (which also runs in each parallel worker) scan it for secret
values.
"""

from __future__ import annotations

import random
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

import psycopg
import pytest
from hubspot_simulator.testing import SimulatorProcess
from pipeline_devtools.postgres import Database, to_sqlalchemy_url
from psycopg import sql

from tests.oracle import schema_tables
from tests.reliability.checks import Oracle
from tests.reliability.pipe import KillPoint, PipeResult, persisted_state, run_pipe

DATASET = {"seed": 11, "contacts": 300, "meetings": 80, "appointments": 0}
FAST_TAP_LIMITS = {"requests_per_ten_seconds": 10_000, "search_requests_per_second": 1_000}

# Every text a test of this directory captured from a process (for the secret scan).
CAPTURED: list[str] = []


@dataclass(frozen=True)
class Secrets:
    """Distinctive secret values used by every run of this directory (scanned for at the end)."""

    access_token: str
    client_secret: str
    refresh_token: str
    db_role: str
    db_password: str

    def values(self) -> dict[str, str]:
        return {
            "access token": self.access_token,
            "client secret": self.client_secret,
            "refresh token": self.refresh_token,
            "database password": self.db_password,
        }

    def db_url(self, database: Database, dbname: str | None = None) -> str:
        """The session database's URL, logging in as the secret role (the local servers trust
        it, but the password still flows through the target's config)."""
        parts = urlsplit(to_sqlalchemy_url(database.url))
        name = dbname or parts.path.lstrip("/")
        port = f":{parts.port}" if parts.port else ""
        netloc = f"{self.db_role}:{self.db_password}@{parts.hostname or ''}{port}"
        return urlunsplit(parts._replace(netloc=netloc, path=f"/{name}"))

    def url_at(self, host: str, port: int, dbname: str = "postgres") -> str:
        """A URL logging in as the secret role at an explicit address (for failures)."""
        return f"postgresql+psycopg://{self.db_role}:{self.db_password}@{host}:{port}/{dbname}"


def server_address(database: Database) -> tuple[str, int]:
    """Host (or socket directory) and port of the session's PostgreSQL."""
    parts = urlsplit(database.url)
    host = parts.hostname or parse_qs(parts.query).get("host", ["localhost"])[0]
    return host, parts.port or 5432


SECRETS = Secrets(
    access_token=f"pat-na1-SECRET-{secrets.token_hex(8)}",
    client_secret=f"cs-SECRET-{secrets.token_hex(8)}",
    refresh_token=f"rt-SECRET-{secrets.token_hex(8)}",
    db_role=f"rel_secret_{secrets.token_hex(4)}",
    db_password=f"pw-SECRET-{secrets.token_hex(8)}",
)


@pytest.fixture(scope="session", autouse=True)
def no_secret_in_any_captured_output() -> Iterator[None]:
    """At the end of the session (of each worker, when the suite runs in parallel): no output
    captured by this directory's tests holds one of the secret values."""
    yield
    values = SECRETS.values()
    leaked = {
        n: names
        for n, text in enumerate(CAPTURED)
        if (names := [name for name, value in values.items() if value in text])
    }
    assert leaked == {}, leaked


@pytest.fixture(scope="session")
def secret_role(database: Database) -> Iterator[Secrets]:
    """A superuser role whose password is ``SECRETS.db_password`` (dropped at the end)."""
    with psycopg.connect(database.url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE ROLE {} LOGIN SUPERUSER PASSWORD {}").format(
                sql.Identifier(SECRETS.db_role), sql.Literal(SECRETS.db_password)
            )
        )
    yield SECRETS
    with psycopg.connect(database.url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(SECRETS.db_role)))
        conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(SECRETS.db_role)))


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
            "access_token": SECRETS.access_token,
            "api_url": self.sim.base_url,
            "object_types": ["contacts", "meetings"],
            "association_pairs": [{"from": "meetings", "to": "contacts"}],
            "safety_lag_seconds": 1,
            **FAST_TAP_LIMITS,
            **self.tap_overrides,
        }

    def target_config(self) -> dict[str, Any]:
        return {
            "sqlalchemy_url": SECRETS.db_url(self.database),
            "default_target_schema": self.schema,
            "batch_size_rows": 40,
            **self.target_overrides,
        }

    def run(
        self, kill: KillPoint | None = None, *, expect_ok: bool | None = None, timeout: float = 120
    ) -> PipeResult:
        result = run_pipe(
            self.tap_config(),
            self.target_config(),
            self.workdir,
            kill=kill,
            timeout=timeout,
            keep_tap_output=True,
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
    """The session simulator with the suite's small dataset, rate limits off, no faults, and
    the secret access token and OAuth credentials accepted."""
    admin = fresh_simulator.admin
    admin.reset(**DATASET)
    admin.set_rate_limits(enabled=False)
    admin.add_token(SECRETS.access_token)
    admin.configure_oauth(
        client_id="reliability-client",
        client_secret=SECRETS.client_secret,
        refresh_tokens={SECRETS.refresh_token: None},
    )
    return fresh_simulator


@pytest.fixture
def pipeline(
    sim: SimulatorProcess, database: Database, pg_schema: str, tmp_path: Path, secret_role: Secrets
) -> Pipeline:
    return Pipeline(sim=sim, database=database, schema=pg_schema, workdir=tmp_path / "pipe")


# -- whole-portal runs killed while reading ahead ----------------------------------------

WHOLE_PORTAL = {
    "object_types": "all",
    "association_pairs": "all",
    "reference_data": [],  # read whole every run, not by the object streams
}


@pytest.fixture
def portal_runs(
    fresh_simulator: SimulatorProcess,
    database: Database,
    pg_schema: str,
    tmp_path: Path,
    secret_role: Secrets,
) -> Iterator[tuple[Pipeline, Pipeline]]:
    """On the portal preset: a pipeline into the test's schema (killed runs) and one into a
    second schema (uncut)."""
    admin = fresh_simulator.admin
    admin.reset_portal()
    admin.set_rate_limits(enabled=False)
    admin.add_token(SECRETS.access_token)
    uncut_schema = f"{pg_schema}_uncut"

    def pipeline(schema: str, name: str) -> Pipeline:
        return Pipeline(
            sim=fresh_simulator,
            database=database,
            schema=schema,
            workdir=tmp_path / name,
            tap_overrides=dict(WHOLE_PORTAL),
        )

    yield pipeline(pg_schema, "cut"), pipeline(uncut_schema, "uncut")
    with psycopg.connect(database.url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(uncut_schema))
        )


def live_tables(pipeline: Pipeline) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's live rows (sorted), without bookkeeping or clock columns."""
    return schema_tables(pipeline.db_url, pipeline.schema, flagged=False)


def kill_twice_then_finish(cut: Pipeline, lines: int, seed: str, reading_ahead: str) -> None:
    """Two runs of `cut` whose tap is killed at seeded points within an uncut run's `lines`
    (the second resumes from what the first persisted), each saying `reading_ahead` in its
    log, then one run to the end."""
    rng = random.Random(seed)
    points = [
        KillPoint("tap", after_lines=rng.randint(lines // 10, lines // 3)),
        KillPoint("tap", after_lines=rng.randint(lines // 20, lines // 6)),
    ]
    for point in points:
        result = cut.run(point)
        assert result.killed == point.victim, f"{point}: {result.lines_forwarded} lines"
        assert reading_ahead in result.tap_stderr
    cut.run()
