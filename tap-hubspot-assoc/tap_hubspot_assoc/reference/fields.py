"""Reading HubSpot's reference answers at the boundary: strict about the fields the tap uses
(a missing one is an error naming the endpoint), tolerant of every field HubSpot adds."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from tap_hubspot_assoc.properties import to_iso_datetime


class ReferenceShapeError(ValueError):
    """A HubSpot answer lacks a field the tap needs, or holds a value of the wrong kind."""


class Item:
    """One JSON object of an answer, with the endpoint it came from (for error messages)."""

    def __init__(self, raw: Any, endpoint: str) -> None:
        if not isinstance(raw, Mapping):
            msg = f"{endpoint}: expected a JSON object, got {type(raw).__name__}"
            raise ReferenceShapeError(msg)
        self.raw: Mapping[str, Any] = raw
        self.endpoint = endpoint

    def _missing(self, key: str) -> ReferenceShapeError:
        ident = self.raw.get("id") or self.raw.get("name") or self.raw.get("listId")
        where = f" (item {ident})" if ident is not None else ""
        return ReferenceShapeError(f"{self.endpoint}: required field {key!r} missing{where}")

    def _wrong(self, key: str, kind: str) -> ReferenceShapeError:
        return ReferenceShapeError(
            f"{self.endpoint}: field {key!r} should be {kind}, got {self.raw.get(key)!r}"
        )

    def text(self, key: str) -> str:
        """A required value, as text (ids may come as numbers)."""
        value = self.raw.get(key)
        if value is None or isinstance(value, Mapping | list):
            raise self._missing(key) if value is None else self._wrong(key, "text")
        return str(value)

    def optional_text(self, key: str) -> str | None:
        value = self.raw.get(key)
        if value is None:
            return None
        if isinstance(value, Mapping | list):
            raise self._wrong(key, "text")
        return str(value)

    def flag(self, key: str, *, default: bool | None = None) -> bool:
        """A boolean; absent means `default` (an error when there is none)."""
        value = self.raw.get(key)
        if value is None:
            if default is None:
                raise self._missing(key)
            return default
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("true", "false"):
            return str(value).lower() == "true"
        raise self._wrong(key, "a boolean")

    def integer(self, key: str, *, required: bool = True) -> int | None:
        value = self.raw.get(key)
        if value is None or value == "":
            if required:
                raise self._missing(key)
            return None
        try:
            return int(str(value))
        except ValueError:
            raise self._wrong(key, "an integer") from None

    def timestamp(self, key: str, *, required: bool = True) -> str | None:
        """An ISO 8601 UTC date-time (HubSpot sends ISO text or epoch milliseconds)."""
        value = self.raw.get(key)
        if value is None or value == "":
            if required:
                raise self._missing(key)
            return None
        iso = to_iso_datetime(value)
        if iso is None:
            raise self._wrong(key, "a date-time")
        return iso

    def mapping(self, key: str, *, required: bool = True) -> Mapping[str, Any]:
        value = self.raw.get(key)
        if value is None:
            if required:
                raise self._missing(key)
            return {}
        if not isinstance(value, Mapping):
            raise self._wrong(key, "an object")
        return value

    def items(self, key: str, *, required: bool = True) -> list[Item]:
        """A list of objects, each an Item of the same endpoint."""
        value = self.raw.get(key)
        if value is None:
            if required:
                raise self._missing(key)
            return []
        if not isinstance(value, list):
            raise self._wrong(key, "a list")
        return [Item(entry, self.endpoint) for entry in value]


def results(body: Any, endpoint: str, key: str = "results") -> list[Item]:
    """The items of a collection answer."""
    return Item(body, endpoint).items(key)


def next_after(body: Any) -> str | None:
    """The `paging.next.after` cursor of a paged answer, or None on the last page."""
    paging = body.get("paging") if isinstance(body, Mapping) else None
    following = paging.get("next") if isinstance(paging, Mapping) else None
    after = following.get("after") if isinstance(following, Mapping) else None
    return str(after) if after not in (None, "") else None


def decimal_or_none(raw: Any) -> Decimal | None:
    """A number sent as text (stage probability "0.2"), exact; None when blank or not one."""
    if raw is None or str(raw).strip() == "":
        return None
    try:
        number = Decimal(str(raw).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None
