"""Per-schema code generation for the hot path: one record check, one COPY line per row.

Checking a record field by field through a table of cleaner functions costs a Python call
per value; for a 26-column stream that was most of the target's CPU time. Here, once per
schema, we generate a straight-line function that checks every property of a record with
inline type tests, and one that renders a row as a COPY text line. The generated code only
covers the common, clean case; anything it does not accept takes the general path
(``intake.RecordIntake.clean`` and ``copyfmt.format_row``), which raises the precise
error or does the cleaning. Field names enter the generated source only as ``repr`` literals.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from target_hubspot_overwrite.copyfmt import NULL, Formatter
from target_hubspot_overwrite.sqltypes import ColumnKind

RecordCheck = Callable[[dict[str, Any]], bool]
RowRenderer = Callable[[dict[str, Any]], str]

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_TEXT_COLUMNS = frozenset({"text", "timestamp with time zone", "date"})
_NUMBER_COLUMNS = frozenset({"smallint", "integer", "bigint", "numeric"})


@dataclass(frozen=True)
class CheckedField:
    """What the generated check needs to know about one property."""

    source: str
    kind: ColumnKind
    nullable: bool
    is_key: bool


# Per kind, a boolean expression, true when ``v`` (not None) is NOT acceptable as-is.
_TYPE_TESTS: dict[ColumnKind, str] = {
    ColumnKind.STRING: "v.__class__ is not _str",
    ColumnKind.DATE_TIME: "v.__class__ is not _str or _datetime(v) is None",
    ColumnKind.DATE: "v.__class__ is not _str or _date(v) is None",
    ColumnKind.INTEGER: "v.__class__ is not _int or not _MIN <= v <= _MAX",
    ColumnKind.NUMBER: "v.__class__ is not _float and v.__class__ is not _int "
    "and v.__class__ is not _Decimal",
    ColumnKind.BOOLEAN: "v.__class__ is not _bool",
    ColumnKind.OBJECT: "v.__class__ is not _dict",
    ColumnKind.ARRAY: "v.__class__ is not _list",
    ColumnKind.ANY: "False",
    ColumnKind.TEXT_ANY: "False",
}
_TEXT_KINDS = frozenset({ColumnKind.STRING, ColumnKind.DATE_TIME, ColumnKind.DATE})
_NUMBER_KINDS = frozenset({ColumnKind.INTEGER, ColumnKind.NUMBER})


def compile_check(fields: Sequence[CheckedField]) -> RecordCheck | None:
    """Return ``check(record) -> bool``: True when the record is valid and needs no cleaning.

    "Needs no cleaning" assumes the caller has ruled out NUL characters (they can only come
    from a ``\\u0000`` escape in the JSON text). Returns None when a kind is not covered.
    """
    lines = [
        "def check(r):",
        "    if not r.keys() <= _KNOWN:",
        "        return False",
        "    g = r.get",
        "    try:",
    ]
    for spec in fields:
        test = _TYPE_TESTS.get(spec.kind)
        if test is None:
            return None
        lines.append(f"        v = g({spec.source!r}, _MISSING)")
        if spec.is_key:
            lines.append(f"        if v is None or v is _MISSING or {test}:")
            lines.append("            return False")
            continue
        lines.append("        if v is not _MISSING:")
        if spec.nullable:
            lines.append(f"            if v is not None and ({test}):")
        else:
            lines.append(f"            if v is None or {test}:")
        lines.append("                return False")
    lines += ["    except (ValueError, TypeError):", "        return False", "    return True"]
    namespace: dict[str, Any] = {
        "_KNOWN": frozenset(spec.source for spec in fields),
        "_MISSING": object(),
        "_str": str,
        "_int": int,
        "_float": float,
        "_bool": bool,
        "_dict": dict,
        "_list": list,
        "_Decimal": Decimal,
        "_MIN": _INT64_MIN,
        "_MAX": _INT64_MAX,
        "_datetime": dt.datetime.fromisoformat,
        "_date": dt.date.fromisoformat,
    }
    exec("\n".join(lines), namespace)  # source built from repr() literals only
    check: RecordCheck = namespace["check"]
    return check


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
    without a backslash cannot contain them). Other rows go through ``copyfmt.format_row``.
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
