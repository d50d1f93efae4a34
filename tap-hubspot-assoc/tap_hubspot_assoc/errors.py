"""Exceptions raised by the HubSpot client; messages never contain credentials."""

from __future__ import annotations

from singer_sdk.exceptions import FatalAPIError


class HubSpotAPIError(FatalAPIError):
    """A HubSpot answer the tap cannot recover from (after any retries)."""

    def __init__(self, message: str, *, status: int | None = None, category: str | None = None):
        super().__init__(message)
        self.status = status
        self.category = category


class HubSpotAuthError(HubSpotAPIError):
    """401/403: bad or expired credentials, or missing scopes (listed in `missing_scopes`)."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        category: str | None = None,
        missing_scopes: tuple[str, ...] = (),
    ):
        super().__init__(message, status=status, category=category)
        self.missing_scopes = missing_scopes


class MissingCredentialsError(HubSpotAuthError):
    """Neither an access token nor the three OAuth settings are configured."""


class DailyLimitError(HubSpotAPIError):
    """The account's DAILY request limit is used up; retrying today is pointless."""


class RetriesExhaustedError(HubSpotAPIError):
    """A retriable failure (429, 5xx, dropped connection) persisted past the retry budget."""
