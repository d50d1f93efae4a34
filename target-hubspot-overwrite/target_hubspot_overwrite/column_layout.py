"""Column layout of a stream's table: typed columns while a row is sure to fit, the rest in
one JSONB overflow column.

PostgreSQL stores a row in one 8 KiB page: at most ``MAX_HEAP_TUPLE_BYTES`` after TOAST, and at
most 1600 columns. TOAST moves a varlena value (text, numeric, jsonb) out of line only when it
is longer than ``VARLENA_INLINE_MAX`` bytes (MAXALIGN of the 18-byte TOAST pointer); shorter
values stay in the row, longer ones leave an 18-byte pointer. So the worst case of a varlena
column is ``VARLENA_INLINE_MAX`` bytes whatever its values, and a fixed-width column costs its
width plus the worst alignment padding before it. Add the tuple header and the null bitmap and
the worst-case row size of a set of columns is known before any value is seen.

The plan (``plan_layout``) keeps that worst case within ``ROW_BUDGET_BYTES`` (well under the
page limit, leaving room for later type widenings) and the column count within
``MAX_TYPED_COLUMNS``. It is deterministic and never moves a stored value:

* every column already in the table stays a typed column; pinned properties (keys, the tap's
  fixed fields, ``_sdc_*`` metadata, every property of an association stream) always get one;
* a table that already has the overflow column takes every other new property into it;
* otherwise new properties get columns in schema order while the budget allows; from the first
  one that does not fit, that one and all later new ones go into the overflow column.

A stream whose schema fits gets exactly the table it got before this module existed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import orjson

from target_hubspot_overwrite.copyfmt import NULL, escape, exact_json_default
from target_hubspot_overwrite.naming import IdentifierClashError
from target_hubspot_overwrite.sqltypes import JSONB

OVERFLOW_COLUMN = "_sdc_overflow_properties"
MAX_HEAP_TUPLE_BYTES = 8160  # 8 KiB page - page header - one line pointer
ROW_BUDGET_BYTES = 6000  # worst case allowed for typed columns; > 2 KB left for widenings
MAX_TYPED_COLUMNS = 400  # PostgreSQL's limit is 1600 (dropped columns count too)
TUPLE_HEADER_BYTES = 23
VARLENA_INLINE_MAX = 24  # MAXALIGN(TOAST pointer): longer values are moved out of line

# The tap's fixed record fields (tap_hubspot_assoc.properties.TOP_LEVEL_FIELDS).
FIXED_FIELDS = frozenset({"id", "created_at", "updated_at", "archived", "archived_at"})
# Properties that make a schema an association stream's (all of them stay typed).
ASSOCIATION_FIELDS = frozenset({"from_object_id", "to_object_id"})

# Worst-case bytes of a fixed-width column: width + worst alignment padding before it.
_FIXED_COST = {
    "boolean": 1,
    '"char"': 1,
    "smallint": 2 + 1,
    "integer": 4 + 3,
    "real": 4 + 3,
    "date": 4 + 3,
    "oid": 4 + 3,
    "bigint": 8 + 7,
    "double precision": 8 + 7,
    "timestamp with time zone": 8 + 7,
    "timestamp without time zone": 8 + 7,
    "time without time zone": 8 + 7,
    "money": 8 + 7,
    "time with time zone": 12 + 7,
    "uuid": 16,
    "interval": 16 + 7,
}


def column_cost(pg_type: str) -> int:
    """Worst-case bytes one column of ``pg_type`` takes in a stored row."""
    return _FIXED_COST.get(pg_type, VARLENA_INLINE_MAX)


def _row_bytes(columns: int, values: int) -> int:
    """Worst-case row size: MAXALIGNed header with null bitmap, plus ``values`` bytes."""
    header = TUPLE_HEADER_BYTES + (columns + 7) // 8
    return (header + 7) // 8 * 8 + values


def row_cost(pg_types: Iterable[str]) -> int:
    """Worst-case size of a row with columns of these types."""
    costs = [column_cost(t) for t in pg_types]
    return _row_bytes(len(costs), sum(costs))


@dataclass(frozen=True)
class PlannedColumn:
    """A schema property as the planner sees it."""

    column: str
    pg_type: str
    pinned: bool


@dataclass(frozen=True)
class ColumnLayout:
    """Which schema columns are stored in the overflow column, and whether the table has one."""

    overflowed: frozenset[str] = frozenset()
    has_overflow: bool = False


ALL_TYPED = ColumnLayout()


def pinned_sources(sources: Sequence[str], keys: Iterable[str]) -> frozenset[str]:
    """Properties that always get a typed column (all of them for an association stream)."""
    if set(sources) >= ASSOCIATION_FIELDS:
        return frozenset(sources)
    fixed = FIXED_FIELDS | set(keys)
    return frozenset(s for s in sources if s in fixed or s.startswith("_sdc_"))


def plan_layout(
    props: Sequence[PlannedColumn],
    existing: Mapping[str, str] | None,
    extra: Sequence[tuple[str, str]] = (),
    widen: Callable[[str, str], str] = lambda old, new: old,
) -> ColumnLayout:
    """Decide the layout from the table's current columns and the schema (see module doc).

    ``extra`` are columns the table always has besides the properties (e.g. the soft-delete
    flag); ``widen(existing, wanted)`` gives the type an existing column will be widened to.
    """
    existing = existing or {}
    frozen = OVERFLOW_COLUMN in existing
    columns = dict(existing)
    for prop in props:
        if prop.column in existing:
            columns[prop.column] = widen(existing[prop.column], prop.pg_type)
        elif prop.pinned:
            columns[prop.column] = prop.pg_type
    for column, pg_type in extra:
        columns.setdefault(column, pg_type)
    # Count the overflow column from the start: it may be needed.
    count = len(columns) + (OVERFLOW_COLUMN not in columns)
    values = sum(map(column_cost, columns.values())) + column_cost(JSONB) * (not frozen)
    overflowed: list[str] = []
    for prop in props:
        if prop.column in columns:
            continue
        if not (frozen or overflowed):
            cost = column_cost(prop.pg_type)
            if (
                count < MAX_TYPED_COLUMNS
                and _row_bytes(count + 1, values + cost) <= ROW_BUDGET_BYTES
            ):
                columns[prop.column] = prop.pg_type
                count, values = count + 1, values + cost
                continue
        overflowed.append(prop.column)
    if overflowed and OVERFLOW_COLUMN in (p.column for p in props):
        msg = f"The property {OVERFLOW_COLUMN!r} clashes with the target's overflow column"
        raise IdentifierClashError(msg)
    return ColumnLayout(frozenset(overflowed), frozen or bool(overflowed))


# --- the overflow value -------------------------------------------------------------------

_INT64 = range(-(2**63), 2**64)


def _exact(value: Any) -> Any:
    """``value`` with integers beyond 64 bits (orjson refuses them) as JSON fragments."""
    if value.__class__ is int and value not in _INT64:
        return orjson.Fragment(str(value))
    if isinstance(value, dict):
        return {k: _exact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_exact(v) for v in value]
    return value


def json_text(obj: Any) -> str:
    """JSON text with every number exact (Decimals and big integers digit for digit)."""
    try:
        return orjson.dumps(obj, default=exact_json_default).decode()
    except orjson.JSONEncodeError:
        return orjson.dumps(_exact(obj), default=exact_json_default).decode()


def overflow_renderer(sources: Iterable[str]) -> Callable[[dict[str, Any]], str]:
    """COPY text of a row's overflow object: the overflowed properties the record carries.

    A carried null stays a JSON null (under upsert it must replace a stored value); a row
    carrying none of them gets SQL NULL. Keys are the property names (NUL removed).
    """
    wanted = frozenset(sources)
    renamed = {s: s.replace("\x00", "") for s in wanted if "\x00" in s}

    def render(row: dict[str, Any]) -> str:
        obj = {k: v for k, v in row.items() if k in wanted}
        if not obj:
            return NULL
        if renamed:
            obj = {renamed.get(k, k): v for k, v in obj.items()}
        return escape(json_text(obj))

    return render


def parse_overflow(text: str) -> dict[str, Any]:
    """Parse a stored overflow object exactly (numbers as int/Decimal): for readers and tests."""
    return dict(json.loads(text, parse_float=Decimal))
