"""HubSpot's `propertiesWithHistory` answers as `{type}_property_history` rows (docs/DESIGN.md).

HubSpot sends a property's versions newest first and at most `VERSION_CAP` of them. Rows carry
`same_time_seq` (0 = the oldest version of its millisecond: versions later in the answer are
older) and `truncated_before` on the oldest version returned when the cap was reached.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from singer_sdk import typing as th

from tap_hubspot_assoc.properties import format_datetime, parse_datetime

# Versions HubSpot returns per property (the newest ones); at the cap, older ones may exist.
VERSION_CAP = 20
# Records per request when history is asked for (list pages and batch reads; above: 400).
HISTORY_BATCH = 50
HISTORY_SUFFIX = "_property_history"
PRIMARY_KEYS = ("object_id", "property_name", "changed_at", "same_time_seq")

HISTORY_SCHEMA = th.PropertiesList(
    th.Property("object_id", th.StringType, required=True),
    th.Property("property_name", th.StringType, required=True),
    th.Property("changed_at", th.DateTimeType, required=True),
    th.Property("same_time_seq", th.IntegerType, required=True),
    th.Property("value", th.StringType),
    th.Property("source_type", th.StringType),
    th.Property("source_id", th.StringType),
    th.Property("source_label", th.StringType),
    th.Property("updated_by_user_id", th.IntegerType),
    th.Property("truncated_before", th.BooleanType, required=True),
).to_dict()


def history_stream_name(object_stream: str) -> str:
    """`contacts` -> `contacts_property_history`."""
    return object_stream + HISTORY_SUFFIX


def history_rows(
    object_id: str, properties: Sequence[str], history: dict[str, Any]
) -> Iterator[dict[str, Any]]:
    """The rows of one record's `propertiesWithHistory`, per property oldest version first."""
    for name in properties:
        versions = history.get(name) or []
        oldest_first = list(reversed(versions))
        seen: dict[str, int] = {}
        truncated = len(versions) >= VERSION_CAP
        for position, version in enumerate(oldest_first):
            changed_at = _timestamp(version.get("timestamp"), object_id, name)
            seq = seen.get(changed_at, 0)
            seen[changed_at] = seq + 1
            yield {
                "object_id": object_id,
                "property_name": name,
                "changed_at": changed_at,
                "same_time_seq": seq,
                "value": version.get("value") or None,
                "source_type": version.get("sourceType"),
                "source_id": _text(version.get("sourceId")),
                "source_label": _text(version.get("sourceLabel")),
                "updated_by_user_id": _user(version.get("updatedByUserId")),
                "truncated_before": truncated and position == 0,
            }


def _timestamp(raw: Any, object_id: str, name: str) -> str:
    parsed = parse_datetime(raw)
    if parsed is None:
        raise ValueError(f"{object_id} {name}: a history version without a timestamp ({raw!r})")
    return format_datetime(parsed)


def _text(raw: Any) -> str | None:
    return None if raw is None or raw == "" else str(raw)


def _user(raw: Any) -> int | None:
    if raw is None or raw == "":
        return None
    return int(raw)
