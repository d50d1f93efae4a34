"""The object library: which HubSpot-defined object types the account has enabled
(``GET /crm/v3/object-library/enablement`` and its date-versioned aliases).

Custom objects are not part of the library (their schemas API lists them). A type the account
has not enabled is ``false`` here and answers 400 on the objects API.
"""

from __future__ import annotations

from .errors import not_found
from .http import Request, Response, json_response
from .objecttypes import OBJECT_TYPES
from .state import SimulatorState


def enablement(state: SimulatorState, req: Request) -> Response:
    """``{"enablementByObjectTypeId": {"0-1": true, ..., "0-69": false}}``."""
    active = state.dataset.activated
    return json_response(
        {
            "enablementByObjectTypeId": {
                t.type_id: t.name in active for t in OBJECT_TYPES if not t.custom
            }
        }
    )


def enablement_of(state: SimulatorState, req: Request, object_type_id: str) -> Response:
    """``{"enablement": bool}`` of one object type id; 404 for an id HubSpot does not define."""
    for t in OBJECT_TYPES:
        if t.type_id == object_type_id and not t.custom:
            return json_response({"enablement": t.name in state.dataset.activated})
    raise not_found(f"Unknown object type id {object_type_id}")
