"""request_budget end to end: `meltano run` capped, continued, into a real PostgreSQL.

A first run capped at a budget, then continued from Meltano's stored state, loads exactly the
tables one uncapped run loads, for at most 1.05x its requests; every capped run exits 0. The
contacts read spans both runs under one table version; a contact deleted in HubSpot between
them, in a warehouse that already had it, ends flagged as an uncapped full refresh flags it (the
target keeps the first run's keys of the open version: `_sdc_open_versions`). (Runs of three
and more, and their requests on a bigger portal: tap-hubspot-assoc's test_tap_request_budget.py
and bench/budget_bench.py; meltano runs are slow to start.)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pytest
from pipeline_devtools.meltano_project import isolated_project_dir as copy_project
from pipeline_devtools.postgres import scratch_schema
from psycopg import sql

from tests.conftest import MeltanoProject, project_env
from tests.oracle import schema_tables

pytestmark = pytest.mark.e2e

TAP = "TAP_HUBSPOT_ASSOC"
RUN = ("run", "tap-hubspot-assoc", "target-hubspot-overwrite")


def _project(sim: Any, database: Any, schema: str, tmp_path: Path, name: str) -> MeltanoProject:
    directory = copy_project(tmp_path / name)
    state_dir = tmp_path / f"{name}-state"
    state_dir.mkdir()
    project = MeltanoProject(
        directory=directory,
        env=project_env(sim, database, schema, state_dir),
        schema=schema,
        database_url=database.url,
    )
    project.set_config(TAP, "object_types", ["contacts", "meetings"])
    project.set_config(TAP, "association_pairs", [{"from": "meetings", "to": "contacts"}])
    project.set_config(TAP, "reference_data", [])
    project.set_config(TAP, "safety_lag_seconds", 0)
    project.set_config(TAP, "requests_per_ten_seconds", 100_000)
    project.set_config(TAP, "search_requests_per_second", 1_000)
    return project


def _tables(project: MeltanoProject) -> dict[str, list[tuple[Any, ...]]]:
    """Every table of the project's schema, rows with whether they are flagged deleted."""
    return schema_tables(project.database_url, project.schema, flagged=True)


def _copy_stream_tables(url: str, source: str, dest: str) -> None:
    """The stream tables of ``source`` (rows, keys, flags) into ``dest``: a warehouse that
    already holds the portal."""
    with psycopg.connect(url) as conn:
        names = [
            row[0]
            for row in conn.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = %s AND left(table_name, 1) <> '_'",
                (source,),
            )
        ]
        for name in names:
            new, old = sql.Identifier(dest, name), sql.Identifier(source, name)
            conn.execute(sql.SQL("CREATE TABLE {} (LIKE {} INCLUDING ALL)").format(new, old))
            conn.execute(sql.SQL("INSERT INTO {} SELECT * FROM {}").format(new, old))


def _last_contact(project: MeltanoProject) -> str:
    """The contact listed last (the list is in id order): not read by a capped first run."""
    with psycopg.connect(project.database_url) as conn:
        query = sql.SQL("SELECT max(id::numeric)::text FROM {}").format(
            sql.Identifier(project.schema, "contacts")
        )
        found = conn.execute(query).fetchone()
    assert found is not None
    return str(found[0])


def _flagged(project: MeltanoProject, contact: str) -> bool | None:
    with psycopg.connect(project.database_url) as conn:
        query = sql.SQL("SELECT _sdc_deleted_at IS NOT NULL FROM {} WHERE id = %s").format(
            sql.Identifier(project.schema, "contacts")
        )
        found = conn.execute(query, (contact,)).fetchone()
    return None if found is None else bool(found[0])


def test_capped_then_continued_runs_load_the_uncapped_tables(
    fresh_simulator, database, pg_schema, tmp_path
):
    fresh_simulator.admin.regenerate(contacts=4000, meetings=400)
    uncapped = _project(fresh_simulator, database, pg_schema, tmp_path, "uncapped")
    fresh_simulator.admin.reset_request_counts()
    uncapped.run(*RUN)
    uncapped_requests = fresh_simulator.admin.request_counts()["total"]
    deleted = _last_contact(uncapped)

    with scratch_schema(database) as capped_schema:
        _copy_stream_tables(database.url, pg_schema, capped_schema)
        capped = _project(fresh_simulator, database, capped_schema, tmp_path, "capped")
        capped.set_config(TAP, "request_budget", str(uncapped_requests * 60 // 100))
        summed, runs = 0, 0
        while runs < 4:
            fresh_simulator.admin.reset_request_counts()
            result = capped.run(*RUN)  # fails the test unless meltano exits 0
            summed += fresh_simulator.admin.request_counts()["total"]
            runs += 1
            if "Request budget reached" not in result.stderr:
                break
            if runs == 1:
                stop = result.stderr
                # Deleted in HubSpot while the contacts read is half done: not read yet.
                fresh_simulator.admin.delete_permanently("contacts", deleted)
        assert runs == 2
        assert "stopped at a clean checkpoint" in stop
        assert "Read: contacts" in stop
        assert "stopped, goes on next run" in stop
        assert "Not started: meetings" in stop
        assert fresh_simulator.token not in stop
        assert summed <= 1.05 * uncapped_requests, (summed, uncapped_requests)
        # The uncapped reference: a full refresh of the changed portal.
        uncapped.run("run", "--full-refresh", *RUN[1:])
        assert _flagged(uncapped, deleted) is True
        assert _flagged(capped, deleted) is True
        assert _tables(capped) == _tables(uncapped)
        state = capped.state()["singer_state"]["bookmarks"]
        assert all("full_read" not in state[t] for t in ("contacts", "meetings"))
