"""`make demo` twice in one checkout against two different databases, then against a database
whose tables were dropped while Meltano's state was kept (issue 13, "State that lives with the
data"). Meltano's state lives in schema `meltano` of the data's database, so each database
carries its own bookmarks.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from pipeline_devtools.postgres import Database, scratch_database

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEMO = [str(Path(sys.executable).parent / "pipeline-demo"), "--contacts", "300", "--meetings", "60"]
STATE_ID = "dev:tap-hubspot-assoc-to-target-hubspot-overwrite"


def run_demo(database_url: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in {"MELTANO_DATABASE_URI", "DATABASE_URL"}}
    env["PIPELINE_DATABASE_URL"] = database_url
    result = subprocess.run(
        DEMO, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return result.stdout


def one(database_url: str, statement: str) -> object:
    with psycopg.connect(database_url) as conn:
        row = conn.execute(statement).fetchone()
    return row[0] if row else None


def test_demo_twice_with_two_databases_then_with_the_tables_dropped(database: Database):
    with scratch_database(database, "demo") as first, scratch_database(database, "demo") as second:
        out = run_demo(first)
        assert "Meltano state: schema 'meltano' of the same database" in out
        assert "Who attended meeting" in out
        assert one(first, f"SELECT count(*) FROM meltano.state WHERE state_id = '{STATE_ID}'") == 1

        # The second database has no tables and no bookmarks: a full load, not an empty
        # incremental one (before: relation "hubspot.meetings_to_contacts_associations" does
        # not exist).
        out = run_demo(second)
        assert "Who attended meeting" in out
        contacts = one(second, "SELECT count(*) FROM hubspot.contacts")
        assert contacts == one(first, "SELECT count(*) FROM hubspot.contacts")
        assert contacts > 250
        assert one(second, "SELECT count(*) FROM hubspot.contact_meeting_roles") > 0
        assert one(second, f"SELECT count(*) FROM meltano.state WHERE state_id = '{STATE_ID}'") == 1

        # Tables dropped, state kept: the demo notices and runs a full refresh.
        with psycopg.connect(first, autocommit=True) as conn:
            conn.execute("DROP SCHEMA hubspot CASCADE")
        out = run_demo(first)
        assert "Bookmarks exist but the tables are gone: running with --full-refresh." in out
        assert one(first, "SELECT count(*) FROM hubspot.contacts") == contacts
