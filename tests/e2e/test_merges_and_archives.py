"""Merges, archives and restores between full refreshes, through the real `meltano` CLI.

The warehouse must mirror HubSpot after each incremental run: merged-away rows and every
association row naming them flagged, the survivor's links complete in both directions (the
records linked to it re-read), a `merges` row per absorbed id; archived records' association
rows flagged in both directions, and back when the record is restored.
"""

from __future__ import annotations

import time

import psycopg
import pytest

from tests import portal_oracle as oracle

pytestmark = pytest.mark.e2e

TAP = "TAP_HUBSPOT_ASSOC"
RUN = ("run", "tap-hubspot-assoc", "target-hubspot-overwrite")
TYPES = ["contacts", "meetings", "companies"]
PAIRS = [{"from": "meetings", "to": "contacts"}, {"from": "contacts", "to": "companies"}]
DIRECTIONS = [
    ("meetings", "contacts"),
    ("contacts", "meetings"),
    ("contacts", "companies"),
    ("companies", "contacts"),
]


def a_minute_ago() -> int:
    return int(time.time() * 1000) - 60_000


@pytest.fixture
def project(meltano_project, fresh_simulator):
    fresh_simulator.admin.reset(contacts=300, meetings=60, appointments=0, companies=40)
    meltano_project.set_config(TAP, "object_types", TYPES)
    meltano_project.set_config(TAP, "association_pairs", PAIRS)
    meltano_project.set_config(TAP, "include_archived", True)
    return meltano_project


def differences(sim, project) -> list[str]:
    found: list[str] = []
    with psycopg.connect(project.database_url) as conn:
        for object_type in TYPES:
            found += _live_object_differences(sim, conn, project.schema, object_type)
        for from_type, to_type in DIRECTIONS:
            found += oracle.association_differences(sim, conn, project.schema, from_type, to_type)
    return found


def _live_object_differences(sim, conn, schema, object_type) -> list[str]:
    """Every active record has its live row; merged-away and deleted ids have none."""
    snapshot = sim.admin.snapshot(object_type, properties=["hs_object_id"])
    active = {o["id"] for o in snapshot["objects"] if not o["archived"]}
    archived = {o["id"] for o in snapshot["objects"] if o["archived"]}
    rows = conn.execute(
        f'SELECT id, archived FROM "{schema}"."{object_type}" WHERE _sdc_deleted_at IS NULL'
    ).fetchall()
    live = {row[0] for row in rows if not row[1]}
    live_archived = {row[0] for row in rows if row[1]}
    out = []
    if live != active:
        out.append(
            f"{object_type}: missing {sorted(active - live)[:5]} extra {sorted(live - active)[:5]}"
        )
    if not live_archived <= archived:
        out.append(
            f"{object_type}: archived rows {sorted(live_archived - archived)[:5]} not archived"
        )
    return out


def linked(sim, from_type: str, to_type: str, record: str) -> list[str]:
    return [
        link["toId"]
        for link in sim.admin.association_snapshot(from_type, to_type)
        if link["fromId"] == record
    ]


def test_merges_of_contacts_and_companies_between_incremental_runs(project, fresh_simulator):
    sim = fresh_simulator
    project.run(*RUN)
    assert differences(sim, project) == []

    # Two contacts with meetings and companies; two companies with contacts.
    contacts = [c for c in sim.admin.association_snapshot("contacts", "meetings")]
    primary, absorbed = (
        contacts[0]["fromId"],
        next(c["fromId"] for c in contacts if c["fromId"] != contacts[0]["fromId"]),
    )
    absorbed_meetings = linked(sim, "contacts", "meetings", absorbed)
    assert absorbed_meetings
    companies = sorted(
        {c["fromId"] for c in sim.admin.association_snapshot("companies", "contacts")}
    )
    survivor = sim.admin.merge("contacts", primary, absorbed, at=a_minute_ago())
    new_company = sim.admin.merge(
        "companies", companies[0], companies[1], at=a_minute_ago(), new_record=True
    )
    assert survivor["id"] == primary
    assert new_company["id"] not in companies

    result = project.run(*RUN)
    assert differences(sim, project) == []
    assert "linked to merge survivors" in result.stderr
    with psycopg.connect(project.database_url) as conn:
        merges = set(
            conn.execute(
                f'SELECT object_type, merged_id, survivor_id FROM "{project.schema}".merges'
            ).fetchall()
        )
        # The absorbed contact's meetings now list the survivor, and no row names it any more.
        stale = conn.execute(
            f'SELECT count(*) FROM "{project.schema}".meetings_to_contacts_associations '
            "WHERE to_object_id = %s AND _sdc_deleted_at IS NULL",
            (absorbed,),
        ).fetchone()
    assert {
        ("contacts", absorbed, primary),
        ("companies", companies[0], new_company["id"]),
        ("companies", companies[1], new_company["id"]),
    } <= merges
    assert stale == (0,)


def test_archive_then_restore_between_incremental_runs(project, fresh_simulator):
    sim = fresh_simulator
    project.run(*RUN)
    contact = sim.admin.association_snapshot("contacts", "meetings")[0]["fromId"]
    meetings = linked(sim, "contacts", "meetings", contact)
    sim.admin.archive("contacts", contact, at=a_minute_ago())

    project.run(*RUN)
    assert differences(sim, project) == []
    with psycopg.connect(project.database_url) as conn:
        flagged = conn.execute(
            f'SELECT count(*) FROM "{project.schema}".meetings_to_contacts_associations '
            "WHERE to_object_id = %s AND _sdc_deleted_at IS NOT NULL",
            (contact,),
        ).fetchone()
    assert flagged == (len(meetings),)

    sim.admin.unarchive("contacts", contact, at=a_minute_ago())
    project.run(*RUN)
    assert differences(sim, project) == []
