"""Handlers of the properties endpoints: definitions (live or archived), one property, groups."""

from __future__ import annotations

from .api import object_type
from .errors import ApiError, validation_error
from .http import Request, Response, json_response
from .reference_api import flag
from .state import SimulatorState

SENSITIVITIES = ("non_sensitive", "sensitive", "highly_sensitive")


def _sensitivity(req: Request) -> str:
    raw = req.query("dataSensitivity") or "non_sensitive"
    if raw not in SENSITIVITIES:
        raise validation_error(
            f"Unable to parse dataSensitivity: {raw!r} is not one of {list(SENSITIVITIES)}."
        )
    return raw


def get_properties(state: SimulatorState, req: Request, type: str) -> Response:
    """GET /crm/v3/properties/{type}?archived=&properties=&dataSensitivity= (no paging).

    The portal has no sensitive properties: ``sensitive`` / ``highly_sensitive`` list none.
    """
    otype = object_type(state, type)
    archived = flag(req, "archived")
    if _sensitivity(req) != "non_sensitive":
        return json_response({"results": []})
    results = state.dataset.reference.properties.listing(otype.name, archived)
    wanted = req.query_list("properties")
    if wanted:
        names = set(wanted)
        results = [p for p in results if p["name"] in names]
    return json_response({"results": results})


def get_property(state: SimulatorState, req: Request, type: str, property_name: str) -> Response:
    """GET /crm/v3/properties/{type}/{propertyName}?archived=."""
    otype = object_type(state, type)
    _sensitivity(req)
    found = state.dataset.reference.properties.get(otype.name, property_name, flag(req, "archived"))
    if found is None:
        raise ApiError(
            404,
            "OBJECT_NOT_FOUND",
            f"Unable to find property {property_name} for object type {otype.type_id}.",
        )
    return json_response(found)


def list_groups(state: SimulatorState, req: Request, type: str) -> Response:
    """GET /crm/v3/properties/{type}/groups."""
    otype = object_type(state, type)
    return json_response({"results": state.dataset.reference.properties.groups(otype.name)})


def get_group(state: SimulatorState, req: Request, type: str, group_name: str) -> Response:
    """GET /crm/v3/properties/{type}/groups/{groupName}."""
    otype = object_type(state, type)
    for group in state.dataset.reference.properties.groups(otype.name):
        if group["name"] == group_name:
            return json_response(group)
    raise ApiError(
        404,
        "OBJECT_NOT_FOUND",
        f"Unable to find property group {group_name} for object type {otype.type_id}.",
    )
