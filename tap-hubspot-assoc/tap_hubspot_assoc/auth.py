"""Credentials: a static token (private app or service key) or an OAuth refresh-token grant.

OAuth tokens are refreshed through `POST /oauth/2026-03/token` (every parameter in the
form-encoded body, nothing in the URL) whatever `api_version` the CRM reads use.
Tokens are kept out of every message: they are only ever placed in the Authorization header.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol

import requests

from tap_hubspot_assoc import paths
from tap_hubspot_assoc.errors import HubSpotAuthError, MissingCredentialsError

REFRESH_MARGIN_SECONDS = 300
DEFAULT_EXPIRES_IN_SECONDS = 1800


class Credentials(Protocol):
    """What the client needs from any credential source."""

    def authorization(self) -> str:
        """Return the Authorization header value (refreshing first if about to expire)."""
        ...

    def refresh_after_unauthorized(self) -> bool:
        """Renew after a 401; return False if this kind of credential cannot be renewed."""
        ...

    def secrets(self) -> list[str]:
        """Every secret string, so that messages can be scrubbed of them."""
        ...


class PrivateAppToken:
    """A private-app (or service-key) token: static, never refreshed."""

    def __init__(self, access_token: str) -> None:
        self._token = access_token

    def authorization(self) -> str:
        return f"Bearer {self._token}"

    def refresh_after_unauthorized(self) -> bool:
        return False

    def secrets(self) -> list[str]:
        return [self._token]

    def __repr__(self) -> str:
        return "PrivateAppToken(***)"


class OAuthRefreshToken:
    """OAuth app credentials: renews the access token before expiry and once after a 401."""

    def __init__(
        self,
        *,
        session: requests.Session,
        api_url: str,
        client_id: str,
        client_secret: str,
        refresh_token: str,
        timeout: float = 60.0,
    ) -> None:
        self._session = session
        self._token_url = api_url.rstrip("/") + paths.OAUTH_TOKEN
        self._client_id = client_id
        self._client_secret = client_secret
        self._refresh_token = refresh_token
        self._timeout = timeout
        self._access_token: str | None = None
        self._expires_at = 0.0
        self._lock = threading.Lock()
        self.refresh_count = 0

    def authorization(self) -> str:
        with self._lock:
            if self._access_token is None or time.monotonic() >= self._expires_at:
                self._refresh()
            return f"Bearer {self._access_token}"

    def refresh_after_unauthorized(self) -> bool:
        with self._lock:
            self._refresh()
        return True

    def secrets(self) -> list[str]:
        return [s for s in (self._client_secret, self._refresh_token, self._access_token) if s]

    def __repr__(self) -> str:
        return "OAuthRefreshToken(***)"

    def _description(self, response: requests.Response) -> str:
        """`: <error_description>` (or the older `message`), scrubbed of every secret."""
        try:
            body = response.json()
        except ValueError:
            return ""
        if not isinstance(body, dict):
            return ""
        text = str(body.get("error_description") or body.get("message") or "").splitlines()
        line = text[0][:200] if text else ""
        for secret in self.secrets():
            line = line.replace(secret, "***")
        return f": {line}" if line else ""

    def _refresh(self) -> None:
        form = {
            "grant_type": "refresh_token",
            "client_id": self._client_id,
            "client_secret": self._client_secret,
            "refresh_token": self._refresh_token,
        }
        try:
            response = self._session.post(self._token_url, data=form, timeout=self._timeout)
        except requests.RequestException as exc:
            msg = f"OAuth token refresh failed: {type(exc).__name__}"
            raise HubSpotAuthError(msg) from None
        if response.status_code != 200:
            raise HubSpotAuthError(
                f"OAuth token refresh rejected (HTTP {response.status_code}, "
                f"{_error_status(response)}{self._description(response)}); check client_id, "
                "client_secret and refresh_token",
                status=response.status_code,
                category=_error_status(response),
            )
        body = _token_answer(response)
        self._access_token = str(body["access_token"])
        self._refresh_token = str(body.get("refresh_token") or self._refresh_token)
        lifetime = float(body.get("expires_in") or DEFAULT_EXPIRES_IN_SECONDS)
        self._expires_at = time.monotonic() + max(lifetime - REFRESH_MARGIN_SECONDS, lifetime / 2)
        self.refresh_count += 1


def _token_answer(response: requests.Response) -> dict:
    """A 200 answer of the token endpoint, which must carry `access_token`."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or not body.get("access_token"):
        msg = f"OAuth token refresh answered HTTP 200 without an access_token ({paths.OAUTH_TOKEN})"
        raise HubSpotAuthError(msg, status=200, category="INVALID_TOKEN_ANSWER")
    return body


def _error_status(response: requests.Response) -> str:
    """The token endpoint's error codes: OAuth's standard `error` (2026-03) and HubSpot's
    `status` kept for compatibility (`invalid_grant / BAD_REFRESH_TOKEN`), else `category`."""
    try:
        body = response.json()
    except ValueError:
        return "no JSON body"
    if not isinstance(body, dict):
        return "unexpected body"
    codes = [str(body[key]) for key in ("error", "status") if body.get(key)]
    if not codes and body.get("category"):
        codes = [str(body["category"])]
    return " / ".join(dict.fromkeys(codes)) or "unknown error"


def credentials_from_config(config: dict, session: requests.Session) -> Credentials:
    """Pick the credential source the settings describe (private-app token wins)."""
    if config.get("access_token"):
        return PrivateAppToken(config["access_token"])
    oauth_keys = ("client_id", "client_secret", "refresh_token")
    if all(config.get(key) for key in oauth_keys):
        return OAuthRefreshToken(
            session=session,
            api_url=config.get("api_url") or "https://api.hubapi.com",
            client_id=config["client_id"],
            client_secret=config["client_secret"],
            refresh_token=config["refresh_token"],
        )
    missing = [key for key in oauth_keys if not config.get(key)]
    msg = "Set access_token, or all of client_id/client_secret/refresh_token (missing: " + (
        ", ".join(missing) + ")"
    )
    raise MissingCredentialsError(msg)
