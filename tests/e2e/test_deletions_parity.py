"""Permanent deletions, count parity and `reconcile_deletions`, through the real `meltano` CLI.

A record deleted permanently in HubSpot (GDPR delete) leaves list, archived list and search,
so incremental runs cannot see it. Every run compares HubSpot's count with the live rows and
prints the gap; with `reconcile_deletions` the id-only listing removes the row and every
association row naming it, in both directions, and changes nothing else.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import psycopg
import pytest

from tests.e2e.test_merges_and_archives import DIRECTIONS, PAIRS, RUN, TAP, TYPES, differences

pytestmark = pytest.mark.e2e

TARGET = "TARGET_HUBSPOT_OVERWRITE"
GAP_ZERO = re.compile(r"gap \+0\b")  # not "+0" as the start of "+05"
SEARCH = "POST /crm/v3/objects/{type}/search"
LIST = "GET /crm/v3/objects/{type}"
# Tables whose rows a reconciliation run rewrites besides the removed ones.
BOOKKEEPING = {"object_counts", "_sdc_removed_objects"}


@pytest.fixture
def project(meltano_project, fresh_simulator):
    fresh_simulator.admin.reset(contacts=300, meetings=60, appointments=0, companies=40)
    meltano_project.set_config(TAP, "object_types", TYPES)
    meltano_project.set_config(TAP, "association_pairs", PAIRS)
    meltano_project.set_config(TAP, "include_archived", True)
    return meltano_project


def parity_lines(stderr: str) -> dict[str, str]:
    """The run summary's parity line per object type."""
    found = {}
    for line in stderr.splitlines():
        m = re.search(r"Parity (\w+): HubSpot \d+, warehouse", line)
        if m:
            found[m.group(1)] = line
    return found


def parity_metrics(stderr: str) -> dict[str, dict[str, Any]]:
    found = {}
    for line in stderr.splitlines():
        if '"metric":"hubspot_count_parity"' in line:
            point = json.loads(line.split("METRIC: ", 1)[1].split("\x1b")[0].strip())
            found[point["tags"]["object_type"]] = point
    return found


def dump(project) -> dict[str, dict[str, dict[str, Any]]]:
    """Every table of the schema: rows by their JSON text (minus bookkeeping tables)."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    with psycopg.connect(project.database_url, row_factory=psycopg.rows.dict_row) as conn:
        tables = [
            r["table_name"]
            for r in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                (project.schema,),
            )
        ]
        for table in tables:
            if table in BOOKKEEPING:
                continue
            rows = conn.execute(f'SELECT * FROM "{project.schema}"."{table}"').fetchall()
            out[table] = {json.dumps(r, sort_keys=True, default=str): r for r in rows}
    return out


def changed_rows(before, after) -> list[tuple[str, dict[str, Any], dict[str, Any] | None]]:
    """(table, row before, row after or None) for every row that changed or disappeared."""
    assert set(after) == set(before)
    changed = []
    for table, rows in before.items():
        gone = [r for text, r in rows.items() if text not in after[table]]
        assert len(after[table]) <= len(rows), f"{table} gained rows"
        new = {_key(r): r for text, r in after[table].items() if text not in rows}
        changed += [(table, r, new.get(_key(r))) for r in gone]
    return changed


def _key(row: dict[str, Any]) -> tuple:
    if "from_object_id" in row and "to_object_id" in row:
        return (row["from_object_id"], row["to_object_id"], row.get("association_type_id"))
    return (row.get("id"),)


def names(row: dict[str, Any], object_type: str, record_id: str) -> bool:
    """The row is the record's own row or an association row with it at either end."""
    if "from_object_id" in row:
        return (row["from_object_type"], row["from_object_id"]) == (object_type, record_id) or (
            row["to_object_type"],
            row["to_object_id"],
        ) == (object_type, record_id)
    return row.get("id") == record_id


def test_permanent_deletion_found_by_parity_and_removed_by_reconciliation(project, fresh_simulator):
    sim = fresh_simulator
    first = project.run(*RUN)
    lines = parity_lines(first.stderr)
    assert set(lines) == set(TYPES)
    assert all(GAP_ZERO.search(line) and "WARNING" not in line for line in lines.values())

    # A contact linked to meetings and a company, deleted permanently.
    company_links = sim.admin.association_snapshot("contacts", "companies")
    with_company = {link["fromId"] for link in company_links}
    contact = next(
        link["fromId"]
        for link in sim.admin.association_snapshot("contacts", "meetings")
        if link["fromId"] in with_company
    )
    active = sim.admin.info()["counts"]
    sim.admin.delete_permanently("contacts", contact)

    # Without reconcile_deletions: the parity line shows the gap and warns.
    found = project.run(*RUN)
    line = parity_lines(found.stderr)["contacts"]
    expected_count = active["contacts"]["active"] - 1
    assert f"HubSpot {expected_count}, warehouse {expected_count + 1} live rows, gap +1" in line
    assert "WARNING" in line
    assert "larger than this run's changes" in line
    metric = parity_metrics(found.stderr)["contacts"]
    assert metric["value"] == 1
    assert metric["tags"]["hubspot_count"] == expected_count
    assert metric["tags"]["live_rows"] == expected_count + 1
    assert all(GAP_ZERO.search(parity_lines(found.stderr)[t]) for t in ("meetings", "companies"))
    before = dump(project)

    # With reconcile_deletions: exactly the row and its association rows are flagged.
    project.set_config(TAP, "reconcile_deletions", True)
    sim.admin.reset_request_counts()
    reconciled = project.run(*RUN)
    requests = sim.admin.request_counts()["byObjectType"]
    after = dump(project)
    assert differences(sim, project) == []
    line = parity_lines(reconciled.stderr)["contacts"]
    assert f"HubSpot {expected_count}, warehouse {expected_count} live rows, gap +0" in line
    assert "WARNING" not in line

    changes = changed_rows(before, after)
    assert changes
    assert all(names(old, "contacts", contact) for _, old, _ in changes), changes
    assert all(new is not None and new["_sdc_deleted_at"] is not None for _, _, new in changes)
    assert all(
        {k: v for k, v in new.items() if k != "_sdc_deleted_at"}
        == {k: v for k, v in old.items() if k != "_sdc_deleted_at"}
        for _, old, new in changes
        if new is not None
    )
    flagged_tables = {table for table, _, _ in changes}
    assert flagged_tables == {
        "contacts",
        *(f"{a}_to_{b}_associations" for a, b in DIRECTIONS),
    }

    # Requests: one window search and one count search per type; the id list ceil(n/100)
    # pages on top of the archived listing (include_archived) of every incremental run.
    counts = sim.admin.info()["counts"]
    for object_type in TYPES:
        active_n, archived_n = counts[object_type]["active"], counts[object_type]["archived"]
        assert requests[SEARCH][object_type] == 2
        assert requests[LIST][object_type] == math.ceil(active_n / 100) + max(
            1, math.ceil(archived_n / 100)
        )

    # hard_delete: a deleted meeting's row and its association rows are gone.
    meeting = sim.admin.association_snapshot("meetings", "contacts")[0]["fromId"]
    sim.admin.delete_permanently("meetings", meeting)
    project.set_config(TARGET, "hard_delete", True)
    before = dump(project)
    hard = project.run(*RUN)
    after = dump(project)
    assert differences(sim, project) == []
    assert GAP_ZERO.search(parity_lines(hard.stderr)["meetings"])
    changes = changed_rows(before, after)
    assert changes
    assert all(names(old, "meetings", meeting) and new is None for _, old, new in changes)
