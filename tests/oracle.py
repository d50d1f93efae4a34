"""Independent expectations: what the database should hold for what the simulator holds.

Built from the simulator's admin snapshot and its properties API, not from the tap's code, so a
typing or mapping bug in the tap shows up as a difference.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import psycopg
from psycopg import sql

TOP_LEVEL_FIELDS = {"id", "created_at", "updated_at", "archived", "archived_at"}


def column_name(property_name: str) -> str:
    """The column a HubSpot property lands in (prefixed when it collides with a top-level field)."""
    return f"property_{property_name}" if property_name in TOP_LEVEL_FIELDS else property_name


def parse_datetime(raw: str) -> datetime:
    return datetime.fromisoformat(raw.replace("Z", "+00:00"))


def typed_value(raw: str | None, hubspot_type: str) -> Any:
    """The value PostgreSQL should return for a raw HubSpot property string."""
    if raw is None:
        return None
    if raw == "" and hubspot_type != "string" and hubspot_type != "enumeration":
        return None
    if hubspot_type == "number":
        return Decimal(raw)
    if hubspot_type == "bool":
        return raw == "true"
    if hubspot_type == "datetime":
        if raw.isdigit():
            return datetime.fromtimestamp(int(raw) / 1000).astimezone()
        return parse_datetime(raw)
    if hubspot_type == "date":
        return date.fromisoformat(raw[:10])
    return raw


def expected_rows(
    snapshot_objects: list[dict[str, Any]], property_types: dict[str, str]
) -> dict[str, dict[str, Any]]:
    """Rows by id: top-level fields plus every property, typed."""
    rows: dict[str, dict[str, Any]] = {}
    for obj in snapshot_objects:
        row: dict[str, Any] = {
            "id": obj["id"],
            "created_at": parse_datetime(obj["createdAt"]),
            "updated_at": parse_datetime(obj["updatedAt"]),
            "archived": bool(obj.get("archived", False)),
        }
        for name, raw in obj["properties"].items():
            row[column_name(name)] = typed_value(raw, property_types.get(name, "string"))
        rows[obj["id"]] = row
    return rows


# Stamped at sync or load time, not data: left out when two loads are compared.
RUN_CLOCK_COLUMNS = frozenset({"synced_at", "seen_at", "counted_at", "removed_at"})


def schema_tables(url: str, schema: str, *, flagged: bool) -> dict[str, list[tuple[Any, ...]]]:
    """Every table of ``schema`` as sorted rows of text, without ``_sdc_*`` and run-clock columns.

    ``flagged=True``: every row, led by whether it is flagged deleted (``_sdc_deleted_at`` set),
    the target's ``_sdc*`` bookkeeping tables included. ``flagged=False``: live rows only, the
    bookkeeping tables (when the target removed what) left out.
    """
    out: dict[str, list[tuple[Any, ...]]] = {}
    with psycopg.connect(url) as conn:
        names = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (schema,)
        ).fetchall()
        for (table,) in names:
            if not flagged and table.startswith("_sdc"):
                continue
            columns = [
                r[0]
                for r in conn.execute(
                    "SELECT column_name FROM information_schema.columns "
                    "WHERE table_schema = %s AND table_name = %s ORDER BY column_name",
                    (schema, table),
                )
            ]
            kept: list[sql.Composable] = [
                sql.SQL("{}::text").format(sql.Identifier(c))
                for c in columns
                if not c.startswith("_sdc") and c not in RUN_CLOCK_COLUMNS
            ]
            deleted = "_sdc_deleted_at" in columns
            if flagged:
                kept.insert(0, sql.SQL("_sdc_deleted_at IS NOT NULL" if deleted else "FALSE"))
            live = sql.SQL(" WHERE _sdc_deleted_at IS NULL" if deleted and not flagged else "")
            query = sql.SQL("SELECT {} FROM {}.{}{}").format(
                sql.SQL(", ").join(kept), sql.Identifier(schema), sql.Identifier(table), live
            )
            out[table] = sorted(conn.execute(query).fetchall(), key=repr)
    return out
