"""CRM search requests: HubSpot's limits and the validation of a search body."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import validation_error

MAX_GROUPS = 5
MAX_FILTERS_PER_GROUP = 6
MAX_FILTERS = 18
DEFAULT_LIMIT = 10
MAX_LIMIT = 200
MAX_RESULTS = 10_000
MAX_QUERY_CHARS = 3_000
# DOC-search: "The query body is at most 3,000 characters, or the API returns 400" (the whole
# request body, as sent).
MAX_BODY_CHARS = 3_000
OPERATORS = frozenset(
    (
        "EQ",
        "NEQ",
        "LT",
        "LTE",
        "GT",
        "GTE",
        "BETWEEN",
        "IN",
        "NOT_IN",
        "HAS_PROPERTY",
        "NOT_HAS_PROPERTY",
        "CONTAINS_TOKEN",
        "NOT_CONTAINS_TOKEN",
    )
)


@dataclass
class Filter:
    """One validated filter."""

    prop: str
    op: str
    value: str | None
    high: str | None
    values: list[str]


@dataclass
class SearchRequest:
    """A validated search body."""

    groups: list[list[Filter]]
    sort_prop: str | None
    descending: bool
    properties: list[str] | None
    limit: int
    after: int
    query: str | None


def parse_request(body: Any) -> SearchRequest:
    """Validate a ``PublicObjectSearchRequest``; raises 400 VALIDATION_ERROR."""
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise validation_error("Invalid input JSON: the request body must be a JSON object.")
    groups_raw = body.get("filterGroups") or []
    if not isinstance(groups_raw, list):
        raise validation_error("filterGroups must be a list.")
    if len(groups_raw) > MAX_GROUPS:
        raise validation_error(
            f"Too many filter groups ({len(groups_raw)}). The maximum is {MAX_GROUPS}."
        )
    total = 0
    groups: list[list[Filter]] = []
    for g in groups_raw:
        filters_raw = (g or {}).get("filters") or [] if isinstance(g, dict) else None
        if not isinstance(filters_raw, list):
            raise validation_error("Each filter group must be an object with a filters list.")
        if len(filters_raw) > MAX_FILTERS_PER_GROUP:
            raise validation_error(
                f"Too many filters in a filter group ({len(filters_raw)}). "
                f"The maximum is {MAX_FILTERS_PER_GROUP}."
            )
        total += len(filters_raw)
        groups.append([_parse_filter(f) for f in filters_raw])
    if total > MAX_FILTERS:
        raise validation_error(f"Too many filters ({total}). The maximum is {MAX_FILTERS}.")
    sort_prop, descending = _parse_sorts(body.get("sorts"))
    limit = _int_field(body.get("limit"), "limit", DEFAULT_LIMIT)
    if not 1 <= limit <= MAX_LIMIT:
        raise validation_error(f"limit must be between 1 and {MAX_LIMIT} (got {limit}).")
    after = _int_field(body.get("after"), "after", 0)
    if after < 0:
        raise validation_error("after must be a non-negative integer.")
    if after >= MAX_RESULTS:
        raise validation_error(
            f"Paging beyond {MAX_RESULTS} results is not supported (after={after}). "
            "Narrow the query with filters instead."
        )
    query = body.get("query")
    if query is not None and not isinstance(query, str):
        raise validation_error("query must be a string.")
    if query is not None and len(query) > MAX_QUERY_CHARS:
        raise validation_error(
            f"query is {len(query)} characters long; the maximum is {MAX_QUERY_CHARS}."
        )
    props = body.get("properties")
    if props is not None and not isinstance(props, list):
        raise validation_error("properties must be a list of property names.")
    return SearchRequest(
        groups,
        sort_prop,
        descending,
        [str(p) for p in props] if props else None,
        limit,
        after,
        query or None,
    )


def _int_field(value: Any, name: str, default: int) -> int:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise validation_error(f"{name} must be an integer.")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    raise validation_error(f"{name} must be formatted as an integer (got {value!r}).")


def _parse_filter(raw: Any) -> Filter:
    if not isinstance(raw, dict) or not isinstance(raw.get("propertyName"), str):
        raise validation_error("Each filter needs a propertyName and an operator.")
    op = raw.get("operator")
    if op not in OPERATORS:
        raise validation_error(f"Unknown operator {op!r}.")
    value, high, values = raw.get("value"), raw.get("highValue"), raw.get("values")
    if (
        op in ("EQ", "NEQ", "LT", "LTE", "GT", "GTE", "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN")
        and value is None
    ):
        raise validation_error(f"Operator {op} requires a value.")
    if op == "BETWEEN" and (value is None or high is None):
        raise validation_error("Operator BETWEEN requires value and highValue.")
    if op in ("IN", "NOT_IN") and not isinstance(values, list):
        raise validation_error(f"Operator {op} requires values (a list).")
    return Filter(
        raw["propertyName"],
        op,
        None if value is None else str(value),
        None if high is None else str(high),
        [str(v) for v in values or []],
    )


def _parse_sorts(sorts: Any) -> tuple[str | None, bool]:
    if not sorts:
        return None, False
    if not isinstance(sorts, list):
        raise validation_error("sorts must be a list.")
    if len(sorts) > 1:
        raise validation_error(f"Only one sort is supported (got {len(sorts)}).")
    s = sorts[0]
    if isinstance(s, str):
        return (s[1:], True) if s.startswith("-") else (s, False)
    if isinstance(s, dict) and isinstance(s.get("propertyName"), str):
        direction = s.get("direction", "ASCENDING")
        if direction not in ("ASCENDING", "DESCENDING"):
            raise validation_error(f"Unknown sort direction {direction!r}.")
        return s["propertyName"], direction == "DESCENDING"
    raise validation_error("A sort needs a propertyName.")


# ---------------------------------------------------------------------------- execution
