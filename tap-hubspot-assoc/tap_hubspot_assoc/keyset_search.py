"""Keyset paging of CRM searches over `hs_object_id`: the id-range search body, the properties
such a body can carry, and the check that a page's ids strictly increase (HubSpot's search
has no cursor past 10,000 results, so every chain pages by the last id it saw)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tap_hubspot_assoc.answers import CrmObject
from tap_hubspot_assoc.chunking import SEARCH_BODY_LIMIT, json_length
from tap_hubspot_assoc.errors import HubSpotAPIError

SEARCH_PAGE_SIZE = 200
ID_PROPERTY = "hs_object_id"


class KeysetOrderError(HubSpotAPIError):
    """Search returned ids that do not strictly increase: paging would loop or skip."""


def id_range_body(after: int | None, upper: int | None, properties: list[str]) -> dict[str, Any]:
    """The next 200 records with after < id <= upper (open ends left out), in id order."""
    filters: list[dict[str, Any]] = []
    if after is not None:
        filters.append({"propertyName": ID_PROPERTY, "operator": "GT", "value": str(after)})
    if upper is not None:
        filters.append({"propertyName": ID_PROPERTY, "operator": "LTE", "value": str(upper)})
    return {
        "filterGroups": [{"filters": filters}] if filters else [],
        "sorts": [{"propertyName": ID_PROPERTY, "direction": "ASCENDING"}],
        "properties": properties,
        "limit": SEARCH_PAGE_SIZE,
    }


def keyset_properties(property_names: Sequence[str]) -> list[str]:
    """Every property when the widest id-range body fits SEARCH_BODY_LIMIT, else the id."""
    if json_length(id_range_body(10**19, 10**19, list(property_names))) <= SEARCH_BODY_LIMIT:
        return list(property_names)
    return [ID_PROPERTY]


def last_keyset_id(results: list[CrmObject], after: int | None, object_type: str) -> int:
    """The last id of a non-empty keyset page whose ids strictly increase from `after`."""
    previous = after
    for obj in results:
        current = int(obj["id"])
        if previous is not None and current <= previous:
            msg = (
                f"{object_type} search returned id {current} after {previous}: ids must "
                "strictly increase under keyset paging; stopping rather than loop or skip"
            )
            raise KeysetOrderError(msg)
        previous = current
    assert previous is not None
    return previous
