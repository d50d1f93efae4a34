"""Cheap per-field validation and cleaning (NUL stripping) of incoming records."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
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
