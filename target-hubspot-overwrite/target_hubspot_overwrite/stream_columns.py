"""A stream's columns: its fields, their layout in the table, and its rows as COPY text."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from target_hubspot_overwrite import load_sql
from target_hubspot_overwrite.column_layout import (
    OVERFLOW_COLUMN,
    ColumnLayout,
    PlannedColumn,
    overflow_renderer,
    pinned_sources,
    plan_layout,
)
from target_hubspot_overwrite.copyfmt import Formatter, format_row, formatter_for
from target_hubspot_overwrite.generated_checks import RenderedField, RowRenderer, compile_renderer
from target_hubspot_overwrite.record_checks import Cleaner
from target_hubspot_overwrite.sqltypes import JSONB, TIMESTAMPTZ, FieldType, widen


@dataclass(frozen=True)
class Field:
    """One schema property and its column."""

    source: str
    column: str
    ftype: FieldType
    clean: Cleaner
    constrained: bool


@dataclass(frozen=True)
class RenderedRows:
    """A batch's rows and their COPY text for the given layout and column types."""

    rows: list[dict]
    escaped: set[int]
    layout: ColumnLayout
    types: tuple[str, ...]
    presence: bool
    data: bytes


class StreamColumns:
    """The fields of one schema, planned into a table (see ``column_layout``) and rendered."""

    def __init__(self, fields: list[Field], keys: Sequence[str]) -> None:
        """Plan inputs and an empty renderer cache; no database access."""
        self.fields = fields
        pinned = pinned_sources([f.source for f in fields], keys)
        self._planned = [
            PlannedColumn(f.column, f.ftype.pg_type, f.source in pinned) for f in fields
        ]
        # Every keyed table carries the soft-delete flag from the start, so readers can
        # always filter on it, whether or not a full refresh has flagged anything yet.
        self.extra: list[tuple[str, str]] = []
        if keys and load_sql.SOFT_DELETE not in {f.column for f in fields}:
            self.extra.append((load_sql.SOFT_DELETE, TIMESTAMPTZ))
        self._renderers: dict[tuple, tuple[RowRenderer, Formatter | None]] = {}

    def plan(self, existing: Mapping[str, str] | None) -> ColumnLayout:
        """The layout of this schema in a table with the ``existing`` columns (None: new)."""
        return plan_layout(self._planned, existing, self.extra, widen)

    def typed_fields(self, layout: ColumnLayout) -> list[Field]:
        """The fields stored in their own columns."""
        if not layout.overflowed:
            return self.fields
        return [f for f in self.fields if f.column not in layout.overflowed]

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

    def copy_text(
        self,
        rows: list[dict],
        escaped: set[int],
        layout: ColumnLayout,
        types: tuple[str, ...],
        presence: bool,
    ) -> str:
        """The rows as COPY text: generated renderer, general formatter for escaped rows."""
        fields = self.typed_fields(layout)
        cached = self._renderers.get((types, presence, layout))
        if cached is None:
            overflow = None
            if layout.has_overflow:
                overflow = overflow_renderer(
                    f.source for f in self.fields if f.column in layout.overflowed
                )
            render = compile_renderer(
                [
                    RenderedField(f.source, f.ftype.kind, pg_type, formatter_for(pg_type))
                    for f, pg_type in zip(fields, types, strict=True)
                ],
                presence,
                overflow,
            )
            cached = self._renderers[(types, presence, layout)] = (render, overflow)
        render, overflow = cached
        if not escaped:
            return "\n".join(map(render, rows)) + "\n"
        general: list[tuple[str, Formatter]] = [
            (f.source, formatter_for(pg_type)) for f, pg_type in zip(fields, types, strict=True)
        ]
        lines = [
            format_row(row, general, presence, overflow) if i in escaped else render(row)
            for i, row in enumerate(rows)
        ]
        return "\n".join(lines) + "\n"
