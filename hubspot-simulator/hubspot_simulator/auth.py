"""Bearer-token authentication, scopes and the OAuth v1 refresh-token grant."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from .errors import ApiError
from .objecttypes import all_scopes
from .util import iso, now_ms

DEFAULT_TOKEN = "pat-na1-simulator-token"
DEFAULT_CLIENT_ID = "simulator-client-id"
DEFAULT_CLIENT_SECRET = "simulator-client-secret"
DEFAULT_REFRESH_TOKEN = "simulator-refresh-token"

UNAUTHENTICATED = (
    "Authentication credentials not found. This API supports OAuth 2.0 authentication and you "
    "can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"
)
MISSING_SCOPES = (
    "This app hasn't been granted all required scopes to make this call. Read more about "
    "required scopes here: https://developers.hubspot.com/scopes."
)


OWNERS_SCOPE = "crm.objects.owners.read"
LISTS_SCOPE = "crm.lists.read"
ALL_SCOPES = all_scopes() | {"oauth", OWNERS_SCOPE, LISTS_SCOPE}


@dataclass
class TokenInfo:
    """One accepted access token: its scopes (None = every scope) and expiry."""

    scopes: frozenset[str] | None = None
    expires_at_ms: int | None = None
    oauth: bool = False  # issued by the refresh-token grant (HubSpot sends no daily headers)


class Authenticator:
    """Accepted tokens, OAuth client credentials and refresh tokens."""

    def __init__(self, token: str = DEFAULT_TOKEN, token_ttl_s: int = 1800) -> None:
        self.static_token = token
        self.default_ttl_s = token_ttl_s
        self.reset()

    def reset(self) -> None:
        """Back to the startup configuration (one static all-scopes token)."""
        self.tokens: dict[str, TokenInfo] = {self.static_token: TokenInfo()}
        self.client_id = DEFAULT_CLIENT_ID
        self.client_secret = DEFAULT_CLIENT_SECRET
        self.refresh_tokens: dict[str, frozenset[str] | None] = {DEFAULT_REFRESH_TOKEN: None}
        self.token_ttl_s = self.default_ttl_s

    def add_token(
        self, token: str, scopes: list[str] | None = None, expires_in_s: float | None = None
    ) -> None:
        """Accept ``token`` (with only ``scopes`` if given; expiring if ``expires_in_s``)."""
        expires = None if expires_in_s is None else now_ms() + int(expires_in_s * 1000)
        self.tokens[token] = TokenInfo(None if scopes is None else frozenset(scopes), expires)

    def remove_token(self, token: str) -> None:
        """Stop accepting a token."""
        self.tokens.pop(token, None)

    def is_oauth(self, authorization: str | None) -> bool:
        """Whether the request's bearer token came from the OAuth refresh grant."""
        token = authorization[7:].strip() if authorization else ""
        info = self.tokens.get(token)
        return info is not None and info.oauth

    def check(self, authorization: str | None, required: list[tuple[str, ...]]) -> None:
        """Raise the 401/403 ``ApiError`` unless the header carries a good token with, for
        each group in ``required``, at least one of its scopes."""
        token = None
        if authorization and authorization[:7].lower() == "bearer ":
            token = authorization[7:].strip()
        info = self.tokens.get(token) if token else None
        if info is None:
            raise ApiError(401, "INVALID_AUTHENTICATION", UNAUTHENTICATED)
        if info.expires_at_ms is not None:
            now = now_ms()
            if now >= info.expires_at_ms:
                ago = (now - info.expires_at_ms) // 1000
                raise ApiError(
                    401,
                    "EXPIRED_AUTHENTICATION",
                    f"The OAuth token used to make this call expired {ago} second(s) ago.",
                    context={"expire time": [iso(info.expires_at_ms)]},
                )
        if info.scopes is not None:
            scopes = info.scopes
            missing = [
                s for group in required if not any(g in scopes for g in group) for s in group
            ]
            if missing:
                raise ApiError(
                    403,
                    "MISSING_SCOPES",
                    MISSING_SCOPES,
                    errors=[
                        {
                            "message": "One or more of the following scopes are required.",
                            "context": {"requiredGranularScopes": missing},
                        }
                    ],
                    links={"scopes": "https://developers.hubspot.com/scopes"},
                )

    def introspect(self, token: str) -> tuple[int, dict[str, Any]]:
        """``GET /oauth/v1/access-tokens/{token}``: (status, body)."""
        info = self.tokens.get(token)
        now = now_ms()
        if info is None or (info.expires_at_ms is not None and now >= info.expires_at_ms):
            return 404, {
                "status": "error",
                "message": "Token not found",
                "category": "OBJECT_NOT_FOUND",
            }
        scopes = sorted(info.scopes) if info.scopes is not None else sorted(ALL_SCOPES)
        expires = 0 if info.expires_at_ms is None else (info.expires_at_ms - now) // 1000
        return 200, {
            "token": token,
            "user": "simulator@example.com",
            "hub_id": 1234567,
            "app_id": 7654321,
            "scopes": scopes,
            "expires_in": expires,
            "user_id": 9586504,
            "token_type": "access",
            "hub_domain": "simulator.example.com",
        }

    def refresh(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """The ``POST /oauth/v1/token`` refresh_token grant: (status, body)."""
        if form.get("grant_type") != "refresh_token":
            return 400, {"status": "BAD_GRANT_TYPE", "message": "grant_type must be refresh_token"}
        if form.get("client_id") != self.client_id:
            return 400, {"status": "BAD_CLIENT_ID", "message": "missing or unknown client id"}
        if form.get("client_secret") != self.client_secret:
            return 400, {
                "status": "BAD_CLIENT_SECRET",
                "message": "missing or invalid client secret",
            }
        refresh = form.get("refresh_token", "")
        if refresh not in self.refresh_tokens:
            return 400, {
                "status": "BAD_REFRESH_TOKEN",
                "message": "missing or unknown refresh token",
            }
        access = "sim-oat-" + secrets.token_hex(24)
        scopes = self.refresh_tokens[refresh]
        self.add_token(access, None if scopes is None else sorted(scopes), self.token_ttl_s)
        self.tokens[access].oauth = True
        return 200, {
            "token_type": "bearer",
            "refresh_token": refresh,
            "access_token": access,
            "expires_in": self.token_ttl_s,
        }
