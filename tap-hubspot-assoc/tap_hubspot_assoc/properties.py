"""HubSpot property definitions -> JSON Schema, and raw property strings -> typed values."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

TOP_LEVEL_FIELDS = ("id", "created_at", "updated_at", "archived", "archived_at")
COLLISION_PREFIX = "property_"

_NULLABLE_STRING: dict[str, Any] = {"type": ["string", "null"]}
_SCHEMA_BY_HUBSPOT_TYPE: dict[str, dict[str, Any]] = {
    "number": {"type": ["number", "null"]},
    "bool": {"type": ["boolean", "null"]},
    "date": {"type": ["string", "null"], "format": "date"},
    "datetime": {"type": ["string", "null"], "format": "date-time"},
}
_EPOCH_MS = re.compile(r"^-?\d{10,}$")


@dataclass(frozen=True)
class PropertyDef:
    """One HubSpot property: its API name, its type and the record field it lands in."""

    name: str
    hubspot_type: str

    @property
    def field_name(self) -> str:
        return field_name_for(self.name)

    @property
    def json_schema(self) -> dict[str, Any]:
        return dict(_SCHEMA_BY_HUBSPOT_TYPE.get(self.hubspot_type, _NULLABLE_STRING))

    def convert(self, raw: Any) -> Any:
        """Typed value of a raw API value (property values arrive as strings or null)."""
        return _CONVERTERS.get(self.hubspot_type, _to_string)(raw)


def field_name_for(property_name: str) -> str:
    """Record field of a property: its name, prefixed when it collides with a top-level field."""
    if property_name in TOP_LEVEL_FIELDS:
        return COLLISION_PREFIX + property_name
    return property_name


def parse_property_definitions(results: Iterable[Mapping[str, Any]]) -> list[PropertyDef]:
    """Property definitions from a GET /crm/v3/properties/{type} body, ordered by name."""
    found = {
        str(item["name"]): PropertyDef(str(item["name"]), str(item.get("type") or "string"))
        for item in results
        if item.get("name") and not item.get("archived")
    }
    return [found[name] for name in sorted(found)]


def record_schema(properties: Iterable[PropertyDef]) -> dict[str, Any]:
    """JSON Schema of an object stream's records."""
    fields: dict[str, Any] = {
        "id": {"type": ["string"]},
        "created_at": {"type": ["string", "null"], "format": "date-time"},
        "updated_at": {"type": ["string", "null"], "format": "date-time"},
        "archived": {"type": ["boolean", "null"]},
        "archived_at": {"type": ["string", "null"], "format": "date-time"},
    }
    for prop in properties:
        fields[prop.field_name] = prop.json_schema
    return {"type": "object", "properties": fields, "required": ["id"]}


# -- value conversion ----------------------------------------------------------------------


def _blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and raw.strip() == "")


def _to_string(raw: Any) -> str | None:
    if raw is None:
        return None
    return raw if isinstance(raw, str) else str(raw)


def _to_bool(raw: Any) -> bool | None:
    if isinstance(raw, bool):
        return raw
    if _blank(raw):
        return None
    text = str(raw).strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    return None


def _to_number(raw: Any) -> int | float | Decimal | None:
    """HubSpot's number text as an exact number: int, or Decimal (a float would round
    values with more than 15 significant digits; singer-sdk writes Decimals digit for digit)."""
    if isinstance(raw, bool) or _blank(raw):
        return None
    if isinstance(raw, int | float):
        return raw
    text = str(raw).strip()
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def parse_datetime(raw: Any) -> dt.datetime | None:
    """A UTC datetime from an ISO-8601 string or epoch milliseconds; None if unparseable."""
    if _blank(raw):
        return None
    text = str(raw).strip()
    if _EPOCH_MS.match(text):
        return dt.datetime.fromtimestamp(int(text) / 1000, tz=dt.UTC)
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def format_datetime(value: dt.datetime) -> str:
    """ISO-8601 UTC with milliseconds, the way HubSpot writes it: 2024-01-17T19:55:04.281Z."""
    value = value.astimezone(dt.UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def to_iso_datetime(raw: Any) -> str | None:
    """Normalised ISO-8601 datetime, or None for blanks and garbage."""
    value = parse_datetime(raw)
    return format_datetime(value) if value else None


def _to_date(raw: Any) -> str | None:
    if _blank(raw):
        return None
    text = str(raw).strip()
    if re.match(r"^\d{4}-\d{2}-\d{2}$", text):
        return text
    value = parse_datetime(text)
    return value.date().isoformat() if value else None


_CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "number": _to_number,
    "bool": _to_bool,
    "date": _to_date,
    "datetime": to_iso_datetime,
}
