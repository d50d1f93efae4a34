"""`make demo` twice in one checkout against two different databases, then against a database
whose tables were dropped while Meltano's state was kept (issue 13, "State that lives with the
data"). Meltano's state lives in schema `meltano` of the data's database, so each database
carries its own bookmarks. The demo's last answer (meetings per owner name and outcome label,
from the `meetings_labelled` model) is checked against the loader's own tables.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from pipeline_devtools.demo_answers import meetings_per_owner_lines
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


# Meetings per owner and outcome, from the loader's tables (not the models): live meetings, the
# owner's name (else email, else id), the option's label (else the raw value).
MEETINGS_PER_OWNER = """
SELECT coalesce(nullif(trim(concat_ws(' ', o.first_name, o.last_name)), ''), o.email,
                m.hubspot_owner_id::text, '(no owner)'),
       coalesce(po.label, m.hs_meeting_outcome::text, '(no outcome)'),
       count(*)
FROM hubspot.meetings m
LEFT JOIN hubspot.owners o ON o.owner_id = m.hubspot_owner_id::text
LEFT JOIN hubspot.property_options po
  ON po.object_type = 'meetings' AND po.property_name = 'hs_meeting_outcome'
 AND po.option_value = m.hs_meeting_outcome::text
WHERE m._sdc_deleted_at IS NULL AND m.archived IS NOT TRUE
  AND m.id NOT IN (SELECT merged_id FROM hubspot.merges WHERE object_type = 'meetings')
GROUP BY 1, 2
"""


def expected_meetings_per_owner(database_url: str) -> list[str]:
    counts: dict[str, dict[str, int]] = {}
    with psycopg.connect(database_url) as conn:
        for owner, outcome, n in conn.execute(MEETINGS_PER_OWNER):
            counts.setdefault(owner, {})[outcome] = n
    raw = {"COMPLETED", "SCHEDULED", "NO_SHOW", "CANCELED", "RESCHEDULED"}
    labelled = {outcome for outcomes in counts.values() for outcome in outcomes} - raw
    assert labelled - {"(no outcome)"}, counts  # the simulator's outcomes have labels
    assert len([o for o in counts if "@" not in o and o != "(no owner)"]) >= 2, counts
    return meetings_per_owner_lines(counts)


def test_demo_twice_with_two_databases_then_with_the_tables_dropped(database: Database):
    with scratch_database(database, "demo") as first, scratch_database(database, "demo") as second:
        out = run_demo(first)
        assert "Meltano state: schema 'meltano' of the same database" in out
        assert "Who attended meeting" in out
        # Only what the demo syncs is announced (it announced 100 appointments it never read).
        announced = next(line for line in out.splitlines() if line.startswith("HubSpot:"))
        assert "appointments" not in announced
        answer = "by name and label (model meetings_labelled):\n"
        block = out.split(answer, 1)[1].split("\n\n", 1)[0].splitlines()
        assert block == expected_meetings_per_owner(first)
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
