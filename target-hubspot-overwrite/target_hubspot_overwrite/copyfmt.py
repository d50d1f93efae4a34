"""Pre-formatting of rows in PostgreSQL COPY text format (one string per row)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

import orjson

NULL = "\\N"

Formatter = Callable[[Any], str]


def escape(text: str) -> str:
    """Escape a string for COPY text format."""
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return (
            text.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return text


def exact_json_default(value: Any) -> orjson.Fragment:
    """JSON for values orjson does not know: Decimals digit for digit."""
    if isinstance(value, Decimal):
        return orjson.Fragment(str(value))
    raise TypeError(f"Type is not JSON serializable: {type(value).__name__}")


def _json(value: Any) -> str:
    return escape(orjson.dumps(value, default=exact_json_default).decode())


def _as_text(value: Any) -> str:
    kind = type(value)
    if kind is str:
        return escape(value)
    if kind is bool:
        return "true" if value else "false"
    if kind is dict or kind is list:
        return _json(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return escape(str(value))


def _as_bool(value: Any) -> str:
    return "t" if value else "f"


def _as_number(value: Any) -> str:
    return repr(value) if type(value) is float else str(value)


def _as_json(value: Any) -> str:
    return _json(value)


def formatter_for(pg_type: str) -> Formatter:
    """Return the COPY formatter of a column of the given PostgreSQL type."""
    if pg_type == "boolean":
        return _as_bool
    if pg_type in ("smallint", "integer", "bigint") or pg_type.startswith("numeric"):
        return _as_number
    if pg_type in ("jsonb", "json"):
        return _as_json
    return _as_text


def format_row(
    row: dict[str, Any],
    fields: Sequence[tuple[str, Formatter]],
    with_presence: bool,
    overflow: Formatter | None = None,
) -> str:
    """Render one row as a COPY text line (no newline); then the overflow column
    (``overflow(row)``, if given) and optionally a presence bitmap last."""
    parts = []
    for source, fmt in fields:
        value = row.get(source)
        parts.append(NULL if value is None else fmt(value))
    if overflow is not None:
        parts.append(overflow(row))
    if with_presence:
        parts.append("".join("1" if s in row else "0" for s, _ in fields))
    return "\t".join(parts)
