"""Exact comparisons between PostgreSQL and the simulator (the oracle), and the state invariant.

The oracle is the simulator's admin snapshot (plus its properties API for typing), never the
tap's own output, so a record the pipeline lost, duplicated or mangled shows up as a difference.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
import requests
from hubspot_simulator.testing import SimulatorProcess
from psycopg import sql

from tests.oracle import expected_rows, parse_datetime

OBJECT_STREAMS = ("contacts", "meetings")
PAIR = ("meetings", "contacts")
ASSOCIATION_STREAMS = {
    "meetings_to_contacts_associations": ("meetings", "contacts"),
    "contacts_to_meetings_associations": ("contacts", "meetings"),
}


def property_types(sim: SimulatorProcess, object_type: str) -> dict[str, str]:
    response = requests.get(
        f"{sim.base_url}/crm/v3/properties/{object_type}", headers=sim.auth_headers(), timeout=30
    )
    response.raise_for_status()
    return {p["name"]: p["type"] for p in response.json()["results"]}


@dataclass
class Oracle:
    """What the database must hold, computed once from a static simulator dataset."""

    objects: dict[str, dict[str, dict[str, Any]]]  # stream -> id -> expected row
    associations: dict[str, set[tuple[str, str, int]]]  # stream -> {(from, to, type id)}

    @classmethod
    def from_simulator(
        cls,
        sim: SimulatorProcess,
        object_streams: tuple[str, ...] = OBJECT_STREAMS,
        association_streams: dict[str, tuple[str, str]] | None = None,
    ) -> Oracle:
        admin = sim.admin
        objects = {}
        for stream in object_streams:
            snapshot = admin.snapshot(stream)["objects"]
            active = [o for o in snapshot if not o.get("archived")]
            objects[stream] = expected_rows(active, property_types(sim, stream))
        associations = {}
        for stream, (from_type, to_type) in (association_streams or {}).items():
            live_from = set(objects.get(from_type, {}))
            associations[stream] = {
                (link["fromId"], link["toId"], int(t["typeId"]))
                for link in admin.association_snapshot(from_type, to_type)
                if not live_from or link["fromId"] in live_from
                for t in link["types"]
            }
        return cls(objects, associations)


def table_exists(db_url: str, schema: str, table: str) -> bool:
    with psycopg.connect(db_url) as conn:
        row = conn.execute("SELECT to_regclass(%s)", (f'"{schema}"."{table}"',)).fetchone()
        return row is not None and row[0] is not None


def live_rows(db_url: str, schema: str, table: str) -> list[dict[str, Any]]:
    """Rows not soft-deleted (all rows when the table has no ``_sdc_deleted_at``)."""
    if not table_exists(db_url, schema, table):
        return []
    with psycopg.connect(db_url, row_factory=psycopg.rows.dict_row) as conn:
        rows = conn.execute(
            sql.SQL("SELECT * FROM {}.{}").format(sql.Identifier(schema), sql.Identifier(table))
        ).fetchall()
    return [r for r in rows if r.get("_sdc_deleted_at") is None]


def object_rows(db_url: str, schema: str, stream: str) -> dict[str, dict[str, Any]]:
    rows = live_rows(db_url, schema, stream)
    by_id = {r["id"]: r for r in rows}
    assert len(by_id) == len(rows), f"{stream}: duplicate ids in the table"
    return by_id


def association_rows(db_url: str, schema: str, stream: str) -> set[tuple[str, str, int]]:
    rows = live_rows(db_url, schema, stream)
    keys = {(r["from_object_id"], r["to_object_id"], int(r["association_type_id"])) for r in rows}
    assert len(keys) == len(rows), f"{stream}: duplicate association rows"
    return keys


def row_differences(
    expected: dict[str, Any], loaded: dict[str, Any] | None
) -> list[tuple[str, Any, Any]]:
    if loaded is None:
        return [("<row>", "present", "missing")]
    return [
        (col, want, loaded.get(col)) for col, want in expected.items() if loaded.get(col) != want
    ]


def assert_database_equals_oracle(db_url: str, schema: str, oracle: Oracle) -> None:
    """Same ids (no missing, no extra, no duplicate) and the same values, every stream."""
    for stream, expected in oracle.objects.items():
        loaded = object_rows(db_url, schema, stream)
        missing = sorted(set(expected) - set(loaded))
        extra = sorted(set(loaded) - set(expected))
        assert (missing, extra) == ([], []), (
            f"{stream}: {len(missing)} missing {missing[:5]}, {len(extra)} extra {extra[:5]}"
        )
        wrong = {i: d for i, row in expected.items() if (d := row_differences(row, loaded[i]))}
        assert not wrong, f"{stream}: {len(wrong)} rows differ, e.g. {list(wrong.items())[:2]}"
    for stream, expected_links in oracle.associations.items():
        loaded_links = association_rows(db_url, schema, stream)
        assert loaded_links == expected_links, (
            f"{stream}: missing {sorted(expected_links - loaded_links)[:5]}, "
            f"extra {sorted(loaded_links - expected_links)[:5]}"
        )


def _ts(raw: str) -> datetime:
    return parse_datetime(raw)


def assert_state_covers_only_committed(
    state: dict[str, Any], db_url: str, schema: str, oracle: Oracle
) -> int:
    """The stored state never points past committed data.

    For every object stream with a bookmark: every source record with ``updated_at`` ≤ the
    bookmark is in the table with exactly the source values, and inside a half-read window
    every record up to ``last_id`` is too. Returns how many records the state vouches for.
    """
    vouched = 0
    for stream, bookmark in (state.get("bookmarks") or {}).items():
        if stream not in oracle.objects or not bookmark:
            continue
        loaded = object_rows(db_url, schema, stream)
        covered: set[str] = set()
        if bookmark.get("replication_key_value"):
            limit = _ts(bookmark["replication_key_value"])
            covered |= {
                i for i, row in oracle.objects[stream].items() if row["updated_at"] <= limit
            }
        window = bookmark.get("window") or {}
        if window.get("last_id"):
            start, end = _ts(window["start"]), _ts(window["end"])
            covered |= {
                i
                for i, row in oracle.objects[stream].items()
                if start <= row["updated_at"] <= end and int(i) <= int(window["last_id"])
            }
        bad = {
            i: d
            for i in covered
            if (d := row_differences(oracle.objects[stream][i], loaded.get(i)))
        }
        assert not bad, (
            f"{stream}: state {bookmark} vouches for {len(covered)} records but {len(bad)} are "
            f"missing or stale in the table, e.g. {list(bad.items())[:2]}"
        )
        vouched += len(covered)
    return vouched
