"""The README's example query answers "which contacts attended meeting X, in which role"."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

pytestmark = pytest.mark.e2e

PROJECT_ROOT = Path(__file__).resolve().parents[2]
QUERY_FILE = PROJECT_ROOT / "docs" / "queries" / "meeting_attendees.sql"


def _query_for(schema: str) -> str:
    text = QUERY_FILE.read_text(encoding="utf-8")
    return text.replace("hubspot.", f'"{schema}".').replace(":'meeting_id'", "%(meeting_id)s")


def test_readme_shows_the_query_verbatim():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert QUERY_FILE.read_text(encoding="utf-8").strip() in readme


def test_documented_query_lists_each_attendee_with_its_roles(meltano_project, fresh_simulator):
    meltano_project.run("run", "tap-hubspot-assoc", "target-hubspot-overwrite")
    links = fresh_simulator.admin.association_snapshot("meetings", "contacts")
    labelled = next(link for link in links if any(t["label"] for t in link["types"]))
    meeting = labelled["fromId"]
    expected = {}
    for link in links:
        if link["fromId"] == meeting:
            labels = sorted({t["label"] for t in link["types"] if t["label"]})
            expected[link["toId"]] = ", ".join(labels) or "unlabeled"

    with psycopg.connect(meltano_project.database_url) as conn:
        rows = conn.execute(_query_for(meltano_project.schema), {"meeting_id": meeting})
        answer = {contact_id: roles for contact_id, _, _, _, roles, _ in rows}

    assert answer == expected
    assert any(roles != "unlabeled" for roles in answer.values())
