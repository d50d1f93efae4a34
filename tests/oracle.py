"""Independent expectations: what the database should hold for what the simulator holds.

Built from the simulator's admin snapshot and its properties API, not from the tap's code, so a
typing or mapping bug in the tap shows up as a difference.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

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
