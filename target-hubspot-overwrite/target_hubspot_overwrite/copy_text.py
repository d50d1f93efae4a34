"""Turning a batch's rows into PostgreSQL COPY text, one line per row.

The hot path is a function generated once per column set (``compile_renderer``): it renders a
row whose strings need no escaping with inline expressions, no Python call per value. Rows whose
raw line had escapes take the general path (``format_row``, one formatter per column). A wide
stream's overflowed properties become one JSON object, appended to the line. The batch is
rendered before it waits for the database (``render_rows``), for the column types the table is
expected to have, and rendered again only if its DDL left other types (``prepare_rows``).
Field names enter the generated source only as ``repr`` literals.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import orjson

from target_hubspot_overwrite import ddl
from target_hubspot_overwrite.sqltypes import ColumnKind
from target_hubspot_overwrite.stream_columns import ColumnLayout, StreamColumns
from target_hubspot_overwrite.stream_table import StreamTable

NULL = "\\N"

Formatter = Callable[[Any], str]
RowRenderer = Callable[[dict[str, Any]], str]

# --- values: the general path --------------------------------------------------------------


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


def _json(value: Any) -> str:
    try:
        text = orjson.dumps(value, default=exact_json_default).decode()
    except orjson.JSONEncodeError:  # an integer beyond 64 bits: not on the common path
        text = orjson.dumps(_exact(value), default=exact_json_default).decode()
    return escape(text)


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


# --- the overflow value --------------------------------------------------------------------


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


# --- the generated row renderer: the hot path ----------------------------------------------

_TEXT_COLUMNS = frozenset({"text", "timestamp with time zone", "date"})
_NUMBER_COLUMNS = frozenset({"smallint", "integer", "bigint", "numeric"})
_TEXT_KINDS = frozenset({ColumnKind.STRING, ColumnKind.DATE_TIME, ColumnKind.DATE})
_NUMBER_KINDS = frozenset({ColumnKind.INTEGER, ColumnKind.NUMBER})


@dataclass(frozen=True)
class RenderedField:
    """One staged column: its property, validation kind, column type and general formatter."""

    source: str
    kind: ColumnKind
    pg_type: str
    fallback: Formatter


def _value_expr(index: int, spec: RenderedField) -> str:
    """COPY text of ``v{index}`` for a row whose strings need no escaping."""
    var = f"v{index}"
    if spec.kind in _TEXT_KINDS and spec.pg_type in _TEXT_COLUMNS:
        return f"(_N if {var} is None else {var})"
    if spec.kind in _NUMBER_KINDS and spec.pg_type in _NUMBER_COLUMNS:
        return f"(_N if {var} is None else _s({var}))"
    if spec.kind == ColumnKind.BOOLEAN and spec.pg_type == "boolean":
        return f"(_N if {var} is None else ('t' if {var} else 'f'))"
    return f"(_N if {var} is None else _F[{index}]({var}))"


def compile_renderer(
    fields: Sequence[RenderedField],
    with_presence: bool,
    overflow: Formatter | None = None,
) -> RowRenderer:
    """Return ``render(row) -> str``: the row as one COPY text line (no newline).

    Only valid for rows whose string values hold no backslash, tab, CR or LF (the caller
    knows this from the raw JSON line: such characters are always escaped in JSON, so a line
    without a backslash cannot contain them). Other rows go through ``format_row``.
    ``overflow(row)``, if given, renders the overflow column, after the fields' columns.
    """
    lines = ["def render(r):", "    g = r.get"]
    lines += [f"    v{i} = g({spec.source!r})" for i, spec in enumerate(fields)]
    values = [_value_expr(i, spec) for i, spec in enumerate(fields)]
    if overflow is not None:
        values.append("_O(r)")
    if with_presence:
        bits = " + ".join(f"('1' if {spec.source!r} in r else '0')" for spec in fields)
        values.append(f"({bits})" if fields else "''")
    lines.append(f"    return '\\t'.join(({', '.join(values)},))")
    namespace: dict[str, Any] = {
        "_N": NULL,
        "_s": str,
        "_F": [spec.fallback for spec in fields],
        "_O": overflow,
    }
    exec("\n".join(lines), namespace)  # source built from repr() literals only
    render: RowRenderer = namespace["render"]
    return render


@functools.lru_cache(maxsize=256)
def _renderers(
    staged: tuple[tuple[str, ColumnKind, str], ...],
    presence: bool,
    overflowed: tuple[str, ...] | None,
) -> tuple[RowRenderer, Formatter | None]:
    """The generated renderer of a column set (property, kind, type), and its overflow
    renderer; generated once per column set and kept."""
    overflow = None if overflowed is None else overflow_renderer(overflowed)
    fields = [RenderedField(s, kind, t, formatter_for(t)) for s, kind, t in staged]
    return compile_renderer(fields, presence, overflow), overflow


# --- a batch -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RenderedRows:
    """A batch's rows and their COPY text for the given layout and column types."""

    rows: list[dict]
    escaped: set[int]
    layout: ColumnLayout
    types: tuple[str, ...]
    presence: bool
    data: bytes


@dataclass(frozen=True)
class PreparedRows:
    """A batch's COPY text for a table whose DDL is done, waiting to be staged and upserted."""

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


def copy_lines(
    columns: StreamColumns,
    rows: list[dict],
    escaped: set[int],
    layout: ColumnLayout,
    types: tuple[str, ...],
    presence: bool,
) -> bytes:
    """The rows as COPY text: generated renderer, general formatter for escaped rows."""
    fields = columns.typed_fields(layout)
    staged = tuple((f.source, f.ftype.kind, t) for f, t in zip(fields, types, strict=True))
    overflowed = tuple(columns.overflowed_sources(layout)) if layout.has_overflow else None
    render, overflow = _renderers(staged, presence, overflowed)
    if not escaped:
        return ("\n".join(map(render, rows)) + "\n").encode()
    general: list[tuple[str, Formatter]] = [(s, formatter_for(t)) for s, _, t in staged]
    lines = [
        format_row(row, general, presence, overflow) if i in escaped else render(row)
        for i, row in enumerate(rows)
    ]
    return ("\n".join(lines) + "\n").encode()


def render_rows(
    columns: StreamColumns, table: StreamTable, rows: list[dict], escaped: set[int], presence: bool
) -> RenderedRows:
    """COPY text of the rows, for the column types the table is expected to have.

    Runs before the batch waits for the database (the previous batch may still be upserting);
    ``prepare_rows`` renders again if the table turns out different. ``escaped`` holds the
    positions of rows whose strings may need COPY escaping.
    """
    shape = table.shape if table.shape_known else None
    existing = shape.columns if shape else None
    layout = columns.plan(existing)
    types = columns.expected_types(existing, layout)
    data = copy_lines(columns, rows, escaped, layout, types, presence)
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
        data = copy_lines(columns, rows, escaped, layout, types, presence)
    return PreparedRows(shape, layout, types, rendered.presence, len(rendered.rows), data)
