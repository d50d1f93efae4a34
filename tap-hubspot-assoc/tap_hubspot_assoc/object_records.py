"""HubSpot object JSON -> Singer record."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tap_hubspot_assoc.answers import CrmObject
from tap_hubspot_assoc.properties import PropertyDef, to_iso_datetime


def to_record(obj: CrmObject, properties: Sequence[PropertyDef]) -> dict[str, Any]:
    """A record with the five top-level fields and every property typed as its own field."""
    raw = obj.get("properties") or {}
    record: dict[str, Any] = {
        "id": str(obj["id"]),
        "created_at": to_iso_datetime(obj.get("createdAt")),
        "updated_at": to_iso_datetime(obj.get("updatedAt")),
        "archived": bool(obj.get("archived", False)),
        "archived_at": to_iso_datetime(obj.get("archivedAt")),
    }
    for prop in properties:
        record[prop.field_name] = prop.convert(raw.get(prop.name))
    return record


def merged_ids(obj: CrmObject) -> list[str]:
    """Ids this record absorbed through merges (hs_merged_object_ids, semicolon-joined)."""
    value = (obj.get("properties") or {}).get("hs_merged_object_ids")
    if not value:
        return []
    return [part.strip() for part in str(value).split(";") if part.strip()]
