"""Handlers of the custom object schema endpoints (``/crm/v3/schemas``,
``/crm-object-schemas/<version>/schemas``)."""

from __future__ import annotations

from typing import Any

from .api import object_type
from .customobjects import custom_types, schema
from .dataset import Dataset
from .errors import ApiError
from .http import Request, Response, json_response
from .objecttypes import ObjectType
from .state import SimulatorState
from .versions import ApiVersion


def _versioned(dataset: Dataset, otype: ObjectType, version: ApiVersion) -> dict[str, Any]:
    """The schema; date versions also carry ``allowsSensitiveProperties`` (required there)."""
    body = schema(dataset, otype)
    if version is not ApiVersion.LEGACY:
        body["allowsSensitiveProperties"] = False
    return body


def list_schemas(state: SimulatorState, req: Request) -> Response:
    """GET /crm/v3/schemas: every custom object type of the portal (no paging)."""
    return json_response(
        {
            "results": [
                _versioned(state.dataset, t, req.api_version) for t in custom_types(state.dataset)
            ]
        }
    )


def get_schema(state: SimulatorState, req: Request, type: str) -> Response:
    """GET /crm/v3/schemas/{objectType}: by objectTypeId, fully qualified name or name."""
    otype = object_type(state, type)
    if not otype.custom:
        raise ApiError(404, "OBJECT_NOT_FOUND", f"{otype.name} is not a custom object type")
    return json_response(_versioned(state.dataset, otype, req.api_version))
