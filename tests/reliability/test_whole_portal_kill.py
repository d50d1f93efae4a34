"""kill -9 of a whole-portal run while every type's pages are read ahead (issue 22).

`object_types: all` and `association_pairs: all` on the simulator's portal preset: the tap
starts all 27 full reads at once on read-ahead threads and writes them in turn. Two runs
whose tap is killed at seeded points (the second resumes from the state the first persisted),
then one run to the end, must leave exactly the tables of one uncut run into another schema
(every live row, every column but the load's own bookkeeping and the run's clock); the uncut
run's objects and associations equal the simulator's.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from hubspot_simulator.testing import SimulatorProcess
from pipeline_devtools.postgres import Database
from psycopg import sql

from tests import portal_oracle as oracle
from tests.oracle import schema_tables
from tests.reliability.conftest import SECRETS, Pipeline, Secrets
from tests.reliability.pipe import KillPoint

pytestmark = pytest.mark.slow

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
    """A pipeline into the test's schema (killed runs) and one into a second schema (uncut)."""
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


def tables(pipeline: Pipeline) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's live rows (sorted), without bookkeeping or clock columns."""
    return schema_tables(pipeline.db_url, pipeline.schema, flagged=False)


def test_a_whole_portal_run_killed_while_reading_ahead_resumes_to_an_uncut_runs_tables(
    portal_runs: tuple[Pipeline, Pipeline],
) -> None:
    cut, uncut = portal_runs
    whole = uncut.run()
    assert "Reading ahead: the pages of 27 full reads" in whole.tap_stderr
    portal = oracle.discover(uncut.sim)
    with psycopg.connect(uncut.db_url) as conn:
        differences = [
            *(
                d
                for t in portal.types
                for d in oracle.object_differences(uncut.sim, conn, uncut.schema, t)
            ),
            *(
                d
                for a, b in portal.directions
                for d in oracle.association_differences(uncut.sim, conn, uncut.schema, a, b)
            ),
        ]
    assert differences == []  # the uncut run read every page of every type
    expected = tables(uncut)
    assert len(expected["contacts"]) > 500
    assert len(expected["pets_to_contacts_associations"]) > 500

    rng = random.Random("whole-portal")
    lines = whole.lines_forwarded
    points = [
        KillPoint("tap", after_lines=rng.randint(lines // 10, lines // 3)),
        KillPoint("tap", after_lines=rng.randint(lines // 20, lines // 6)),
    ]
    for point in points:
        result = cut.run(point)
        assert result.killed == point.victim, f"{point}: {result.lines_forwarded} lines"
        assert "Reading ahead: the pages of" in result.tap_stderr
    cut.run()
    assert tables(cut) == expected
