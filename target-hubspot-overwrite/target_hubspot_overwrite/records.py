"""Cheap per-field validation and cleaning (NUL stripping) of incoming records."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from target_hubspot_overwrite.sqltypes import FieldType


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


def _integer(value: Any, counter: NulCounter) -> Any:
    kind = type(value)
    if kind is int:
        return value
    if kind is float and value.is_integer():
        return int(value)
    raise InvalidValue(f"expected an integer, got {kind.__name__}")


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


_CLEANERS: dict[str, Cleaner] = {
    "string": _string,
    "date-time": _datetime,
    "date": _date,
    "integer": _integer,
    "number": _number,
    "boolean": _boolean,
    "object": _object,
    "array": _array,
    "any": strip_nul,
    "text-any": strip_nul,
}


def cleaner_for(field: FieldType) -> Cleaner:
    """Return the validating cleaner of a field (nulls are handled by the caller)."""
    return _CLEANERS[field.kind]
