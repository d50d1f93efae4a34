"""Checking incoming records: one generated check per schema (the fast path) and the per-field
validators and cleaners (the general path).

Checking a record field by field through a table of cleaner functions costs a Python call
per value; for a 26-column stream that was most of the target's CPU time. So, once per
schema, ``compile_check`` generates a straight-line function that checks every property of a
record with inline type tests. It only covers the common, clean case; anything it does not
accept takes the general path (``intake.RecordIntake.clean`` with the cleaners below), which
raises the precise error or does the cleaning (NUL stripping, constraints). Field names enter
the generated source only as ``repr`` literals.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from jsonschema import Draft7Validator

from target_hubspot_overwrite.sqltypes import ColumnKind, FieldType


class InvalidValue(ValueError):  # noqa: N818
    """A value does not match its property's schema."""


class NulCounter:
    """Counts values from which NUL characters were stripped."""

    __slots__ = ("count",)

    def __init__(self) -> None:
        """Start at zero."""
        self.count = 0


def strip_nul(value: Any, counter: NulCounter) -> Any:
    """Remove ``\\x00`` from strings, recursively inside dicts and lists (keys too)."""
    if isinstance(value, str):
        if "\x00" in value:
            counter.count += 1
            return value.replace("\x00", "")
        return value
    if isinstance(value, dict):
        return {strip_nul(k, counter): strip_nul(v, counter) for k, v in value.items()}
    if isinstance(value, list):
        return [strip_nul(v, counter) for v in value]
    return value


Cleaner = Callable[[Any, NulCounter], Any]


def _string(value: Any, counter: NulCounter) -> Any:
    if type(value) is not str:
        raise InvalidValue(f"expected a string, got {type(value).__name__}")
    if "\x00" in value:
        counter.count += 1
        return value.replace("\x00", "")
    return value


def _datetime(value: Any, counter: NulCounter) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    value = _string(value, counter)
    try:
        dt.datetime.fromisoformat(value)
    except ValueError:
        raise InvalidValue(f"not an ISO 8601 date-time: {value[:40]!r}") from None
    return value


def _date(value: Any, counter: NulCounter) -> Any:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    value = _string(value, counter)
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidValue(f"not an ISO 8601 date: {value[:40]!r}") from None
    return value


_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def _integer(value: Any, counter: NulCounter) -> Any:
    kind = type(value)
    if kind is float and value.is_integer():
        value, kind = int(value), int
    if kind is not int:
        raise InvalidValue(f"expected an integer, got {kind.__name__}")
    if not _INT64_MIN <= value <= _INT64_MAX:
        raise InvalidValue("integer out of the bigint range")
    return value


def _number(value: Any, counter: NulCounter) -> Any:
    kind = type(value)
    if kind is int or kind is float or kind is Decimal:
        return value
    raise InvalidValue(f"expected a number, got {kind.__name__}")


def _boolean(value: Any, counter: NulCounter) -> Any:
    if type(value) is bool:
        return value
    raise InvalidValue(f"expected a boolean, got {type(value).__name__}")


def _object(value: Any, counter: NulCounter) -> Any:
    if not isinstance(value, dict):
        raise InvalidValue(f"expected an object, got {type(value).__name__}")
    return strip_nul(value, counter)


def _array(value: Any, counter: NulCounter) -> Any:
    if not isinstance(value, list):
        raise InvalidValue(f"expected an array, got {type(value).__name__}")
    return strip_nul(value, counter)


_CLEANERS: dict[ColumnKind, Cleaner] = {
    ColumnKind.STRING: _string,
    ColumnKind.DATE_TIME: _datetime,
    ColumnKind.DATE: _date,
    ColumnKind.INTEGER: _integer,
    ColumnKind.NUMBER: _number,
    ColumnKind.BOOLEAN: _boolean,
    ColumnKind.OBJECT: _object,
    ColumnKind.ARRAY: _array,
    ColumnKind.ANY: strip_nul,
    ColumnKind.TEXT_ANY: strip_nul,
}


_CONSTRAINTS = frozenset(
    {
        "enum",
        "const",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "minLength",
        "maxLength",
        "pattern",
        "multipleOf",
        "properties",
        "items",
        "required",
        "additionalProperties",
        "minItems",
        "maxItems",
        "uniqueItems",
    }
)


def has_constraints(schema: dict[str, Any]) -> bool:
    """True if a property schema constrains values beyond their JSON type."""
    return _constrained(schema)


def _constrained(schema: dict[str, Any]) -> bool:
    if _CONSTRAINTS & schema.keys():
        return True
    return any(
        isinstance(v, dict) and _constrained(v)
        for key in ("anyOf", "oneOf", "allOf")
        for v in schema.get(key) or []
    )


def cleaner_for(field: FieldType, schema: dict[str, Any] | None = None) -> Cleaner:
    """Return the validating cleaner of a field (nulls are handled by the caller).

    Type checks are hand-written (cheap); properties that also carry constraints
    (enum, bounds, patterns, nested properties/items, ...) are additionally checked
    with a compiled jsonschema validator.
    """
    base = _CLEANERS[field.kind]
    if not schema or not _constrained(schema):
        return base
    validator = Draft7Validator(schema)

    def full_check(value: Any, counter: NulCounter) -> Any:
        cleaned = base(value, counter)
        error = next(iter(validator.iter_errors(cleaned)), None)
        if error is not None:
            where = "/".join(str(p) for p in error.absolute_path)
            raise InvalidValue(f"{where + ': ' if where else ''}{error.message[:200]}")
        return cleaned

    return full_check


# --- the generated check: the fast path ----------------------------------------------------

RecordCheck = Callable[[dict[str, Any]], bool]


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
