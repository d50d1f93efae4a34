"""Handlers of the OAuth endpoints, and the scopes each API route requires."""

from __future__ import annotations

from urllib.parse import parse_qsl

from .auth import LISTS_SCOPE, OWNERS_SCOPE
from .dataset import Dataset
from .errors import correlation_id
from .http import Request, Response, json_response
from .objecttypes import OBJECT_TYPES
from .state import SimulatorState


def oauth_token(state: SimulatorState, req: Request) -> Response:
    """POST /oauth/v1/token (form-encoded refresh_token grant)."""
    form = dict(parse_qsl(req.body.decode("utf-8", "replace"), keep_blank_values=True))
    status, body = state.auth.refresh(form)
    if status != 200:
        body["correlationId"] = correlation_id()
    return json_response(body, status)


def oauth_introspect(state: SimulatorState, req: Request, token: str) -> Response:
    """GET /oauth/v1/access-tokens/{token}."""
    status, body = state.auth.introspect(token)
    if status != 200:
        body["correlationId"] = correlation_id()
    return json_response(body, status)


def required_scopes(kind: str, params: dict[str, str], dataset: Dataset) -> list[tuple[str, ...]]:
    """Scopes an API route needs: every group is required, any one scope of a group will do.

    The properties endpoint accepts the type's object read scope or its schema read scope;
    pipelines need the type's read scope, owners and lists their own scope, the object library
    any object read scope.
    Types that are unknown or not activated need nothing (the handler answers 400).
    """
    if kind == "properties":
        otype = dataset.resolve(params.get("type", ""))
        return [(otype.schema_scope, otype.read_scope)] if otype else []
    if kind == "schemas":
        return [("crm.schemas.custom.read",)]
    if kind == "owners":
        return [(OWNERS_SCOPE,)]
    if kind == "lists":
        return [(LISTS_SCOPE,)]
    if kind == "object_library":  # any CRM object read scope will do
        return [tuple(sorted({t.read_scope for t in OBJECT_TYPES}))]
    scopes: list[tuple[str, ...]] = []
    for key in ("type", "from_type", "to_type"):
        otype = dataset.resolve(params.get(key, ""))
        if otype and (otype.read_scope,) not in scopes:
            scopes.append((otype.read_scope,))
    return scopes
