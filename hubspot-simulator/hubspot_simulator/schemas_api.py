"""Handlers of the custom object schema endpoints (``/crm/v3/schemas``)."""

from __future__ import annotations

from .api import object_type
from .customobjects import custom_types, schema
from .errors import ApiError
from .http import Request, Response, json_response
from .state import SimulatorState


def list_schemas(state: SimulatorState, req: Request) -> Response:
    """GET /crm/v3/schemas: every custom object type of the portal (no paging)."""
    return json_response(
        {"results": [schema(state.dataset, t) for t in custom_types(state.dataset)]}
    )


def get_schema(state: SimulatorState, req: Request, type: str) -> Response:
    """GET /crm/v3/schemas/{objectType}: by objectTypeId, fully qualified name or name."""
    otype = object_type(state, type)
    if not otype.custom:
        raise ApiError(404, "OBJECT_NOT_FOUND", f"{otype.name} is not a custom object type")
    return json_response(schema(state.dataset, otype))
