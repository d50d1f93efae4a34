"""The date-versioned OAuth endpoints: ``POST /oauth/2026-03/token`` (refresh-token grant) and
``POST /oauth/2026-03/token/introspect`` (the same under ``2026-09``).

Every parameter travels in the form-encoded body; a request with a query string is refused.
Errors carry the OAuth standard ``error`` / ``error_description`` (RFC 6749 §5.2) and, for
compatibility, HubSpot's ``status`` / ``message`` / ``category`` / ``correlationId``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any
from urllib.parse import parse_qsl

from .auth import ALL_SCOPES
from .errors import correlation_id
from .http import Request, Response, json_response
from .state import SimulatorState
from .util import now_ms

FORM_TYPE = "application/x-www-form-urlencoded"
HUB_ID = 1234567
USER_ID = 9586504
APP_ID = 7654321


class OAuthError(StrEnum):
    """The RFC 6749 error codes the simulator answers."""

    INVALID_REQUEST = "invalid_request"
    INVALID_CLIENT = "invalid_client"
    INVALID_GRANT = "invalid_grant"
    UNSUPPORTED_GRANT_TYPE = "unsupported_grant_type"


# the legacy endpoint's ``status`` codes (auth.refresh) → the standard error and HTTP status
_FROM_LEGACY: dict[str, tuple[OAuthError, int]] = {
    "BAD_GRANT_TYPE": (OAuthError.UNSUPPORTED_GRANT_TYPE, 400),
    "BAD_CLIENT_ID": (OAuthError.INVALID_CLIENT, 401),
    "BAD_CLIENT_SECRET": (OAuthError.INVALID_CLIENT, 401),
    "BAD_REFRESH_TOKEN": (OAuthError.INVALID_GRANT, 400),
}


def oauth_error(error: OAuthError, description: str, status: int, legacy: str) -> Response:
    """An OAuth error answer in the standard form plus HubSpot's compatibility fields."""
    body = {
        "error": error.value,
        "error_description": description,
        "status": legacy,
        "message": description,
        "category": "INVALID_AUTHENTICATION" if status == 401 else "BAD_REQUEST",
        "correlationId": correlation_id(),
    }
    return json_response(body, status)


def _form(req: Request) -> dict[str, str] | Response:
    """The form-encoded body, or the error answer of a request that puts parameters elsewhere."""
    if req.query_string:
        return oauth_error(
            OAuthError.INVALID_REQUEST,
            "OAuth parameters must be sent in the form-encoded request body, not in the URL",
            400,
            "BAD_REQUEST",
        )
    content_type = req.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != FORM_TYPE:
        return oauth_error(
            OAuthError.INVALID_REQUEST,
            f"the request body must be {FORM_TYPE}",
            400,
            "BAD_REQUEST",
        )
    return dict(parse_qsl(req.body.decode("utf-8", "replace"), keep_blank_values=True))


def token(state: SimulatorState, req: Request) -> Response:
    """POST /oauth/2026-03/token: the refresh_token grant (the only one a tap uses)."""
    form = _form(req)
    if isinstance(form, Response):
        return form
    grant = form.get("grant_type")
    if not grant:
        return oauth_error(
            OAuthError.INVALID_REQUEST, "grant_type is required", 400, "BAD_GRANT_TYPE"
        )
    if grant != "refresh_token":
        return oauth_error(
            OAuthError.UNSUPPORTED_GRANT_TYPE,
            f"the simulator serves the refresh_token grant, not {grant}",
            400,
            "BAD_GRANT_TYPE",
        )
    status, body = state.auth.refresh(form)
    if status != 200:
        error, http_status = _FROM_LEGACY[body["status"]]
        return oauth_error(error, body["message"], http_status, body["status"])
    scopes = state.auth.refresh_tokens[form["refresh_token"]]
    body |= {
        "token_use": "access_token",
        "hub_id": HUB_ID,
        "user_id": USER_ID,
        "scopes": sorted(ALL_SCOPES if scopes is None else scopes),
    }
    return json_response(body)


def introspect(state: SimulatorState, req: Request) -> Response:
    """POST /oauth/2026-03/token/introspect: ``{"active": false}`` for an unknown or expired
    token (RFC 7662), the token's metadata otherwise."""
    form = _form(req)
    if isinstance(form, Response):
        return form
    auth = state.auth
    if form.get("client_id") != auth.client_id or form.get("client_secret") != auth.client_secret:
        return oauth_error(
            OAuthError.INVALID_CLIENT, "missing or invalid client credentials", 401, "BAD_CLIENT"
        )
    value = form.get("token", "")
    if value in auth.refresh_tokens:
        scopes = auth.refresh_tokens[value]
        return json_response(_info(value, scopes, "refresh_token", auth.client_id, None))
    info = auth.tokens.get(value)
    now = now_ms()
    if info is None or (info.expires_at_ms is not None and now >= info.expires_at_ms):
        return json_response({"active": False})
    expires = 0 if info.expires_at_ms is None else (info.expires_at_ms - now) // 1000
    return json_response(_info(value, info.scopes, "access_token", auth.client_id, expires))


def _info(
    value: str, scopes: frozenset[str] | None, use: str, client_id: str, expires: int | None
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "active": True,
        "token": value,
        "token_use": use,
        "token_type": "bearer",
        "client_id": client_id,
        "app_id": APP_ID,
        "hub_id": HUB_ID,
        "user_id": USER_ID,
        "user": "simulator@example.com",
        "hub_domain": "simulator.example.com",
        "scopes": sorted(ALL_SCOPES if scopes is None else scopes),
    }
    if expires is not None:
        out["expires_in"] = expires
        out["is_private_distribution"] = False
    return out
