"""A stream's table made ready for a batch: created, extended or widened (DDL in ``ddl``)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from psycopg import Cursor

from target_hubspot_overwrite import ddl
from target_hubspot_overwrite.column_layout import ColumnLayout
from target_hubspot_overwrite.stream_columns import StreamColumns
from target_hubspot_overwrite.stream_table import StreamTable


def known_shape(cur: Cursor, table: StreamTable) -> ddl.TableShape | None:
    """The table's shape, read from the catalog once per run (None: no table yet)."""
    if not table.shape_known:
        table.shape = ddl.read_table(cur, table.schema, table.table)
        table.shape_known = True
    return table.shape


def prepare_target_table(
    cur: Cursor,
    table: StreamTable,
    columns: StreamColumns,
    primary_key: Sequence[str] | None,
    ensure_schema: Callable[[Cursor, str], None],
    log: logging.Logger,
) -> tuple[ddl.TableShape, ColumnLayout]:
    """Create/extend/widen the table inside the current transaction; its shape and layout.

    ``primary_key`` None leaves the table's key as it is (append-only)."""
    ensure_schema(cur, table.schema)
    shape = known_shape(cur, table)
    layout = columns.plan(shape.columns if shape else None)
    typed, extra = columns.wanted(layout)
    table.shape, replaced = ddl.prepare_table(
        cur, table.schema, table.table, shape, typed, extra, primary_key, log
    )
    table.shape_known = not replaced
    return table.shape, layout
