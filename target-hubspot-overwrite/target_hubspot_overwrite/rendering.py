"""A batch's rows as COPY text, rendered before the batch waits for the database."""

from __future__ import annotations

from dataclasses import dataclass

from target_hubspot_overwrite import ddl
from target_hubspot_overwrite.column_layout import ColumnLayout
from target_hubspot_overwrite.stream_columns import RenderedRows, StreamColumns
from target_hubspot_overwrite.stream_table import StreamTable


@dataclass(frozen=True)
class PreparedRows:
    """A batch's COPY text for a table whose DDL is done, waiting to be staged and merged."""

    shape: ddl.TableShape
    layout: ColumnLayout
    types: tuple[str, ...]
    presence: bool
    count: int
    data: bytes


def needs_presence(columns: StreamColumns, rows: list[dict]) -> bool:
    """Some row lacks a property: the stage needs the per-row presence bitmap (upsert)."""
    width = len(columns.fields)
    return any(len(r) != width for r in rows)


def render_rows(
    columns: StreamColumns, table: StreamTable, rows: list[dict], escaped: set[int], presence: bool
) -> RenderedRows:
    """COPY text of the rows, for the column types the table is expected to have.

    Runs before the batch waits for the database (the previous batch may still be merging);
    ``prepare_rows`` renders again if the table turns out different. ``escaped`` holds the
    positions of rows whose strings may need COPY escaping.
    """
    shape = table.shape if table.shape_known else None
    existing = shape.columns if shape else None
    layout = columns.plan(existing)
    types = columns.expected_types(existing, layout)
    data = columns.copy_text(rows, escaped, layout, types, presence).encode()
    return RenderedRows(rows, escaped, layout, types, presence, data)


def prepare_rows(
    columns: StreamColumns, shape: ddl.TableShape, layout: ColumnLayout, rendered: RenderedRows
) -> PreparedRows:
    """The rendered rows for the table as its DDL left it (re-rendered if types or layout
    differ from what ``render_rows`` expected)."""
    types = tuple(shape.columns[f.column] for f in columns.typed_fields(layout))
    data = rendered.data
    if types != rendered.types or layout != rendered.layout:
        rows, escaped, presence = rendered.rows, rendered.escaped, rendered.presence
        data = columns.copy_text(rows, escaped, layout, types, presence).encode()
    return PreparedRows(shape, layout, types, rendered.presence, len(rendered.rows), data)
