"""JSON Schema → PostgreSQL type mapping and safe type widening."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

TEXT = "text"
BIGINT = "bigint"
NUMERIC = "numeric"
BOOLEAN = "boolean"
TIMESTAMPTZ = "timestamp with time zone"
DATE = "date"
JSONB = "jsonb"

_INTEGERS = ("smallint", "integer", BIGINT)


class ColumnKind(enum.StrEnum):
    """What a property's values are: shared by the type mapping, the checks
    (``record_checks``), the generated COPY renderer (``copy_text``) and the sinks."""

    STRING = "string"
    DATE_TIME = "date-time"
    DATE = "date"
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    OBJECT = "object"
    ARRAY = "array"
    ANY = "any"  # untyped, or object-or-array: jsonb
    TEXT_ANY = "text-any"  # mixed scalar types: text

    @property
    def parsed_exactly(self) -> bool:
        """orjson always parses values of this kind exactly (no number to round)."""
        return self in _EXACT_KINDS


_EXACT_KINDS = frozenset(
    {ColumnKind.STRING, ColumnKind.DATE_TIME, ColumnKind.DATE, ColumnKind.BOOLEAN}
)


@dataclass(frozen=True)
class FieldType:
    """The validation kind and PostgreSQL type of one JSON Schema property."""

    kind: ColumnKind
    pg_type: str
    nullable: bool


def _types_of(schema: dict[str, Any]) -> tuple[list[str], bool]:
    """Return (non-null JSON types, nullable) of a property schema, including anyOf."""
    raw: list[str] = []
    nullable = False
    variants = schema.get("anyOf") or schema.get("oneOf")
    if variants:
        for variant in variants:
            sub, sub_null = _types_of(variant)
            raw.extend(t for t in sub if t not in raw)
            nullable = nullable or sub_null
        return raw, nullable
    declared = schema.get("type")
    if declared is None:
        return [], True
    listed = declared if isinstance(declared, list) else [declared]
    for item in listed:
        if item == "null":
            nullable = True
        elif item not in raw:
            raw.append(item)
    return raw, nullable


def field_type(schema: dict[str, Any]) -> FieldType:
    """Map one property schema to a :class:`FieldType`."""
    variants = schema.get("anyOf") or schema.get("oneOf")
    if variants:
        real = [v for v in variants if _types_of(v)[0] or not v.get("type")]
        if len(real) == 1:
            inner = field_type(real[0])
            has_null = any(_types_of(v)[1] for v in variants if v is not real[0])
            return FieldType(inner.kind, inner.pg_type, inner.nullable or has_null)
    types, nullable = _types_of(schema)
    if not types:
        return FieldType(ColumnKind.ANY, JSONB, True)
    if len(types) > 1:
        if set(types) <= {"integer", "number"}:
            return FieldType(ColumnKind.NUMBER, NUMERIC, nullable)
        if set(types) <= {"object", "array"}:
            return FieldType(ColumnKind.ANY, JSONB, nullable)
        return FieldType(ColumnKind.TEXT_ANY, TEXT, nullable)
    kind = types[0]
    if kind == "string":
        fmt = schema.get("format")
        if fmt == "date-time":
            return FieldType(ColumnKind.DATE_TIME, TIMESTAMPTZ, nullable)
        if fmt == "date":
            return FieldType(ColumnKind.DATE, DATE, nullable)
        return FieldType(ColumnKind.STRING, TEXT, nullable)
    simple = _SIMPLE.get(kind)
    if simple is None:
        return FieldType(ColumnKind.ANY, JSONB, nullable)
    return FieldType(simple[0], simple[1], nullable)


_SIMPLE = {
    "integer": (ColumnKind.INTEGER, BIGINT),
    "number": (ColumnKind.NUMBER, NUMERIC),
    "boolean": (ColumnKind.BOOLEAN, BOOLEAN),
    "object": (ColumnKind.OBJECT, JSONB),
    "array": (ColumnKind.ARRAY, JSONB),
}


def widen(existing: str, wanted: str) -> str:
    """Return the column type able to hold both ``existing`` and ``wanted`` values.

    Safe widenings only: integer → bigint → numeric, date → timestamptz, anything
    else that differs → text. An existing wider type is kept.
    """
    if existing in (wanted, TEXT):
        return existing
    if existing in _INTEGERS and wanted in _INTEGERS:
        return BIGINT if BIGINT in (existing, wanted) else "integer"
    if {existing, wanted} <= {*_INTEGERS, NUMERIC}:
        return NUMERIC
    if existing.startswith("numeric") and wanted in (*_INTEGERS, NUMERIC):
        return existing
    if existing == TIMESTAMPTZ and wanted == DATE:
        return existing
    if existing in (DATE, "timestamp without time zone") and wanted in (DATE, TIMESTAMPTZ):
        return TIMESTAMPTZ
    if existing in ("real", "double precision") and wanted in (*_INTEGERS, NUMERIC):
        return NUMERIC
    if existing == "json" and wanted == JSONB:
        return JSONB
    if existing.startswith("character varying") and wanted == TEXT:
        return TEXT
    return TEXT
