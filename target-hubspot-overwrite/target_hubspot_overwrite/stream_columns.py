"""What columns a stream's table has: the schema's fields, which of them get typed columns and
which go into the JSONB overflow column, and the DDL that gives the table those columns.

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

A stream whose schema fits gets exactly the table it would get without an overflow column.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from psycopg import Cursor

from target_hubspot_overwrite import ddl, load_sql
from target_hubspot_overwrite.naming import IdentifierClashError
from target_hubspot_overwrite.record_checks import Cleaner
from target_hubspot_overwrite.sqltypes import JSONB, TIMESTAMPTZ, FieldType, widen
from target_hubspot_overwrite.stream_table import StreamTable

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


@dataclass(frozen=True)
class Field:
    """One schema property: its name, its column, its type and its cleaner."""

    source: str
    column: str
    ftype: FieldType
    clean: Cleaner
    constrained: bool


@dataclass(frozen=True)
class ColumnLayout:
    """Which schema columns are stored in the overflow column, and whether the table has one."""

    overflowed: frozenset[str] = frozenset()
    has_overflow: bool = False


# --- the plan ------------------------------------------------------------------------------


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


def pinned_sources(sources: Sequence[str], keys: Iterable[str]) -> frozenset[str]:
    """Properties that always get a typed column (all of them for an association stream)."""
    if set(sources) >= ASSOCIATION_FIELDS:
        return frozenset(sources)
    fixed = FIXED_FIELDS | set(keys)
    return frozenset(s for s in sources if s in fixed or s.startswith("_sdc_"))


def plan_layout(
    props: Sequence[tuple[str, str]],
    pinned: Collection[str],
    existing: Mapping[str, str] | None,
    extra: Sequence[tuple[str, str]] = (),
    widen: Callable[[str, str], str] = lambda old, new: old,
) -> ColumnLayout:
    """Decide the layout from the table's current columns and the schema (see module doc).

    ``props`` are the schema's (column, type) in schema order, ``pinned`` the columns that
    always get a typed column; ``extra`` are columns the table always has besides the
    properties (e.g. the soft-delete flag); ``widen(existing, wanted)`` gives the type an
    existing column will be widened to.
    """
    existing = existing or {}
    frozen = OVERFLOW_COLUMN in existing
    columns = dict(existing)
    for column, pg_type in props:
        if column in existing:
            columns[column] = widen(existing[column], pg_type)
        elif column in pinned:
            columns[column] = pg_type
    for column, pg_type in extra:
        columns.setdefault(column, pg_type)
    # Count the overflow column from the start: it may be needed.
    count = len(columns) + (OVERFLOW_COLUMN not in columns)
    values = sum(map(column_cost, columns.values())) + column_cost(JSONB) * (not frozen)
    overflowed: list[str] = []
    for column, pg_type in props:
        if column in columns:
            continue
        if not (frozen or overflowed):
            cost = column_cost(pg_type)
            if (
                count < MAX_TYPED_COLUMNS
                and _row_bytes(count + 1, values + cost) <= ROW_BUDGET_BYTES
            ):
                columns[column] = pg_type
                count, values = count + 1, values + cost
                continue
        overflowed.append(column)
    if overflowed and OVERFLOW_COLUMN in (column for column, _ in props):
        msg = f"The property {OVERFLOW_COLUMN!r} clashes with the target's overflow column"
        raise IdentifierClashError(msg)
    return ColumnLayout(frozenset(overflowed), frozen or bool(overflowed))


# --- a stream's columns --------------------------------------------------------------------


class StreamColumns:
    """The fields of one schema, planned into its table (``plan``) and given to it (``prepare``)."""

    def __init__(self, fields: list[Field], keys: Sequence[str]) -> None:
        """Plan inputs; no database access."""
        self.fields = fields
        pinned = pinned_sources([f.source for f in fields], keys)
        self._props = [(f.column, f.ftype.pg_type) for f in fields]
        self._pinned = frozenset(f.column for f in fields if f.source in pinned)
        # Every keyed table carries the soft-delete flag from the start, so readers can
        # always filter on it, whether or not a full refresh has flagged anything yet.
        self.extra: list[tuple[str, str]] = []
        if keys and load_sql.SOFT_DELETE not in {f.column for f in fields}:
            self.extra.append((load_sql.SOFT_DELETE, TIMESTAMPTZ))

    def plan(self, existing: Mapping[str, str] | None) -> ColumnLayout:
        """The layout of this schema in a table with the ``existing`` columns (None: new)."""
        return plan_layout(self._props, self._pinned, existing, self.extra, widen)

    def typed_fields(self, layout: ColumnLayout) -> list[Field]:
        """The fields stored in their own columns."""
        if not layout.overflowed:
            return self.fields
        return [f for f in self.fields if f.column not in layout.overflowed]

    def overflowed_sources(self, layout: ColumnLayout) -> list[str]:
        """The properties stored in the overflow column, in schema order."""
        return [f.source for f in self.fields if f.column in layout.overflowed]

    def wanted(self, layout: ColumnLayout) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        """(typed property columns, other columns) the table must have under ``layout``."""
        typed = [(f.column, f.ftype.pg_type) for f in self.typed_fields(layout)]
        extra = [*self.extra, (OVERFLOW_COLUMN, JSONB)] if layout.has_overflow else self.extra
        return typed, extra

    def staged(self, layout: ColumnLayout, types: tuple[str, ...]) -> list[tuple[str, str]]:
        """Staged columns and types: the typed fields, then the overflow column if any."""
        staged = [(f.column, t) for f, t in zip(self.typed_fields(layout), types, strict=True)]
        return [*staged, (OVERFLOW_COLUMN, JSONB)] if layout.has_overflow else staged

    def expected_types(
        self, existing: Mapping[str, str] | None, layout: ColumnLayout
    ) -> tuple[str, ...]:
        """Column types after this batch's DDL, as far as known without asking the database."""
        columns = existing or {}
        out = []
        for f in self.typed_fields(layout):
            old = columns.get(f.column)
            out.append(f.ftype.pg_type if old is None else widen(old, f.ftype.pg_type))
        return tuple(out)

    def prepare(
        self,
        cur: Cursor,
        table: StreamTable,
        primary_key: Sequence[str] | None,
        ensure_schema: Callable[[Cursor, str], None],
        log: logging.Logger,
    ) -> tuple[ddl.TableShape, ColumnLayout]:
        """Create, extend or widen the table inside the current transaction so that it has
        these columns; its shape and the layout. ``primary_key`` None leaves the table's key
        as it is (append-only). The shape is read from the catalog once per run."""
        ensure_schema(cur, table.schema)
        if not table.shape_known:
            table.shape = ddl.read_table(cur, table.schema, table.table)
            table.shape_known = True
        shape = table.shape
        layout = self.plan(shape.columns if shape else None)
        typed, extra = self.wanted(layout)
        table.shape, replaced = ddl.create_or_alter(
            cur, table.schema, table.table, shape, typed, extra, primary_key, log
        )
        table.shape_known = not replaced
        return table.shape, layout
