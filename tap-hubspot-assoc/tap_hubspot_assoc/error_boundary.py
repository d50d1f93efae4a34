"""The tap's one error boundary: a failure the user can act on ends the run with one line.

Missing credentials, an unreachable API, a refused or expired token, a missing scope, the
DAILY limit and invalid settings end the run with one ERROR line saying what went wrong and
what to do, and exit code 1; the traceback is logged only at DEBUG level. Any other exception
(a bug) propagates unchanged, with its traceback. Messages are built from the exceptions' own
texts, which the client already scrubbed of secrets, and from URLs reduced to scheme, host and
port (never a query string or user info).

`guard_command` puts every callback of singer-sdk's click command behind the boundary: the
sync (`invoke`) and the option callbacks that run before it (`--discover`, `--test`,
`--config`), so one hook covers every way the tap is run.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import socket
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import click
import requests
from singer_sdk.exceptions import ConfigValidationError

from tap_hubspot_assoc.association.pairs import AssociationConfigError
from tap_hubspot_assoc.errors import (
    DailyLimitError,
    HubSpotAuthError,
    MissingCredentialsError,
    RetriesExhaustedError,
)
from tap_hubspot_assoc.reference.kinds import ReferenceSettingsError, ReferenceUnavailableError

EXIT_CODE = 1
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "0.0.0.0"})
SETTINGS_HINT = "`meltano config tap-hubspot-assoc list` shows them"
CREDENTIALS_HINT = (
    "set access_token (Meltano: HUBSPOT_ACCESS_TOKEN) to a valid private-app token, or "
    "client_id, client_secret and refresh_token of an OAuth app"
)


def guard_command(command: click.Command, logger: logging.Logger) -> click.Command:
    """Put the command's callback and every option callback behind the error boundary."""
    if command.callback is not None:
        command.callback = _guarded(command.callback, logger)
    for param in command.params:
        if param.callback is not None:
            param.callback = _guarded(param.callback, logger)
    return command


def _guarded(callback: Callable[..., Any], logger: logging.Logger) -> Callable[..., Any]:
    @functools.wraps(callback)
    def run(*args: Any, **kwargs: Any) -> Any:
        with error_boundary(logger):
            return callback(*args, **kwargs)

    return run


@contextlib.contextmanager
def error_boundary(logger: logging.Logger) -> Iterator[None]:
    """Turn an actionable failure into one ERROR line and exit code 1 (traceback at DEBUG)."""
    try:
        yield
    except Exception as exc:
        line = actionable_message(exc)
        if line is None:
            raise
        logger.debug("Traceback of the failure reported below:", exc_info=exc)
        logger.error(line)
        raise SystemExit(EXIT_CODE) from None


def actionable_message(exc: BaseException) -> str | None:
    """One line saying what failed and what to do, or None when the user cannot act on it."""
    chain = list(_chain(exc))
    unreachable = next((e for e in chain if _is_connection_failure(e)), None)
    if unreachable is not None:
        return _unreachable(unreachable)
    for error in chain:
        if isinstance(error, ConfigValidationError):
            details = "; ".join(str(e) for e in error.errors) or str(error)
            return f"invalid settings: {details} ({SETTINGS_HINT})"
        if isinstance(error, MissingCredentialsError):
            return f"no HubSpot credentials: {CREDENTIALS_HINT}"
        if isinstance(error, ReferenceUnavailableError):
            return str(error)
        if isinstance(error, ReferenceSettingsError):
            return f"invalid settings: {error} ({SETTINGS_HINT})"
        if isinstance(error, AssociationConfigError):
            return _config_error(error, chain)
        if isinstance(error, HubSpotAuthError):
            return _auth_error(error)
        if isinstance(error, DailyLimitError):
            return str(error)
        if isinstance(error, RetriesExhaustedError):
            return f"{error}: HubSpot kept failing; run again later (https://status.hubspot.com)"
    return None


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception, then its causes and contexts (outermost first, each once)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _is_connection_failure(error: BaseException) -> bool:
    return isinstance(error, requests.ConnectionError | requests.Timeout)


def _unreachable(error: BaseException) -> str:
    request = getattr(error, "request", None)
    url = _base_url(getattr(request, "url", None) or "")
    host = urlsplit(url).hostname or ""
    if host in LOCAL_HOSTS:
        environment = os.environ.get("MELTANO_ENVIRONMENT")
        advice = "is the simulator running?"
        if environment:
            advice += f" ({environment} environment)"
    else:
        advice = "check api_url and the network (DNS, proxy, firewall)"
    return f"cannot reach {url or 'the HubSpot API'} ({_reason(error)}): {advice}"


def _reason(error: BaseException) -> str:
    causes = list(_chain(error))
    if any(isinstance(e, ConnectionRefusedError) for e in causes):
        return "connection refused"
    if any(isinstance(e, socket.gaierror) for e in causes):
        return "host name not found"
    if any(isinstance(e, requests.exceptions.SSLError) for e in causes):
        return "TLS handshake failed"
    if any(isinstance(e, requests.Timeout | TimeoutError) for e in causes):
        return "timed out"
    return "connection failed"


def _base_url(url: str) -> str:
    """Scheme, host and port only: no user info, path or query string."""
    parts = urlsplit(url)
    if not parts.scheme or not parts.hostname:
        return ""
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}"


def _auth_error(error: HubSpotAuthError) -> str:
    if error.missing_scopes or error.status == 403:
        return (
            f"{error}: add the missing scopes to the private app (or OAuth app) in HubSpot, "
            "or remove the object types that need them from object_types"
        )
    if error.status == 401:
        return f"{error}: the token is invalid or expired; {CREDENTIALS_HINT}"
    return str(error)


def _config_error(error: AssociationConfigError, chain: list[BaseException]) -> str:
    if any(isinstance(e, HubSpotAuthError) and e.status == 403 for e in chain):
        return (
            f"{error}: add the missing scopes to the private app (or OAuth app) in HubSpot, "
            "or remove that type from object_types"
        )
    return f"invalid settings: {error} (fix object_types or association_pairs; {SETTINGS_HINT})"
