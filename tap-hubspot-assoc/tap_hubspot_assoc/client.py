"""The one HTTP client every stream shares: one session, one credential, one pair of limiters."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests

from tap_hubspot_assoc.auth import Credentials
from tap_hubspot_assoc.errors import (
    DailyLimitError,
    HubSpotAPIError,
    HubSpotAuthError,
    RetriesExhaustedError,
)
from tap_hubspot_assoc.paths import ApiPaths
from tap_hubspot_assoc.ratelimit import RollingWindowLimiter

RETRIABLE_STATUSES = frozenset({500, 502, 503, 504, 520, 521, 522, 523, 524, 423, 477})
BACKOFF_BASE_SECONDS = 0.5
MAX_THROTTLED = 20
ROUND_TRIP_SAMPLES = 20
HEADER_DAILY = "X-HubSpot-RateLimit-Daily"
HEADER_DAILY_REMAINING = "X-HubSpot-RateLimit-Daily-Remaining"
CONNECTION_ERRORS = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    ConnectionResetError,
)


@dataclass
class ClientStats:
    """Counters for progress lines and the final summary."""

    requests: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)  # answers by HTTP status
    retries: int = 0
    rate_limited: int = 0
    rate_limit_wait_seconds: float = 0.0
    # Requests sent per HubSpot budget ("burst": the ten-second window, "search": the
    # per-second search limit); every one of them also counts against the daily limit.
    by_budget: Counter[str] = field(default_factory=Counter)
    # The account's daily limit and what is left of it, from the latest answer carrying
    # X-HubSpot-RateLimit-Daily / -Daily-Remaining (None until one did: OAuth apps never get them).
    daily_limit: int | None = None
    daily_remaining: int | None = None
    # Round-trip seconds per request kind (recent answers), for the read planner.
    round_trips: dict[str, deque[float]] = field(default_factory=dict)

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())

    def observe_round_trip(self, kind: str, seconds: float) -> None:
        """Remember how long one answer of `kind` took (the last ROUND_TRIP_SAMPLES)."""
        self.round_trips.setdefault(kind, deque(maxlen=ROUND_TRIP_SAMPLES)).append(seconds)

    def median_round_trip(self, *kinds: str) -> float | None:
        """Median seconds of the recent answers of these kinds (None before any answer)."""
        samples = sorted(s for kind in kinds for s in self.round_trips.get(kind, ()))
        return samples[len(samples) // 2] if samples else None


class HubSpotClient:
    """Sends JSON requests to HubSpot with rate limiting, retries and token refresh."""

    def __init__(
        self,
        *,
        api_url: str,
        credentials: Credentials,
        session: requests.Session,
        limiter: RollingWindowLimiter,
        search_limiter: RollingWindowLimiter,
        logger: logging.Logger,
        max_attempts: int = 8,
        backoff_base: float | None = None,
        backoff_cap: float = 30.0,
        timeout: float = 120.0,
        sleep: Callable[[float], None] = time.sleep,
        max_in_flight: int = 1,
        paths: ApiPaths | None = None,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.paths = paths or ApiPaths()  # the API version's paths: every module asks here
        self._credentials = credentials
        self._session = session
        self.limiter = limiter
        self.search_limiter = search_limiter
        self._logger = logger
        self._max_attempts = max_attempts
        self._backoff_base = BACKOFF_BASE_SECONDS if backoff_base is None else backoff_base
        self._backoff_cap = backoff_cap
        self._timeout = timeout
        self._sleep = sleep
        self.stats = ClientStats()
        # Every thread's requests together: at most `max_in_flight` in flight at once.
        self._slots = threading.BoundedSemaphore(max_in_flight)
        self._stats_lock = threading.Lock()

    # -- public API ---------------------------------------------------------------------

    def get(self, path: str, params: Mapping[str, Any] | None = None, *, kind: str = "get") -> Any:
        """GET `path` and return the decoded JSON body."""
        return self.request("GET", path, params=params, kind=kind)

    def post(self, path: str, body: Any, *, kind: str = "post", search: bool = False) -> Any:
        """POST a JSON body (search=True uses the search budget instead of the burst budget)."""
        return self.request("POST", path, json_body=body, kind=kind, search=search)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        kind: str,
        search: bool = False,
    ) -> Any:
        """Send one logical request, retrying what is worth retrying.

        Failures (5xx, dropped connections, unreadable bodies) and 429s have separate budgets:
        `max_attempts` failures with jittered exponential backoff, MAX_THROTTLED 429s.
        """
        refreshed = False
        failures = throttles = 0
        while True:
            try:
                response = self._send(method, path, params, json_body, kind=kind, search=search)
            except CONNECTION_ERRORS as exc:
                name = type(exc).__name__
                self._logger.debug("HTTP %s %s -> %s", method, _path_only(path), name)
                failures += 1
                self._retry_or_raise(f"{method} {path}: {type(exc).__name__}", failures)
                continue
            status = response.status_code
            self._logger.debug(
                "HTTP %s %s -> %d in %.3fs",
                method,
                _path_only(path),
                status,
                response.elapsed.total_seconds(),
            )
            if status < 300:
                body = _decoded(response)
                if body is not None:
                    return body
                failures += 1
                self._retry_or_raise(f"{method} {path}: HTTP {status}, unreadable body", failures)
            elif (
                status == 401 and not refreshed and (self._credentials.refresh_after_unauthorized())
            ):
                refreshed = True
                self._logger.info("HubSpot answered 401; renewed the OAuth access token once")
            elif status in (401, 403):
                raise self._auth_error(response)
            elif status == 429:
                throttles += 1
                if throttles > MAX_THROTTLED:
                    msg = f"{method} {path}: still rate limited after {throttles} waits"
                    raise RetriesExhaustedError(msg, status=429)
                self._wait_after_429(response, attempt=throttles, search=search)
            elif status in RETRIABLE_STATUSES:
                failures += 1
                self._retry_or_raise(f"{method} {path}: HTTP {status}", failures)
            else:
                raise self._fatal_error(response)

    # -- internals ----------------------------------------------------------------------

    def _send(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        json_body: Any,
        *,
        kind: str,
        search: bool,
    ) -> requests.Response:
        """One HTTP exchange under the right limiter, holding one of the in-flight slots."""
        limiter = self.search_limiter if search else self.limiter
        with self._slots:
            # Burst tokens are held until the answer (see RollingWindowLimiter.acquire): over
            # 10 s that costs ~4 % of the rate. Search tokens are dated at sending: held for
            # the round trip they would lose a third of a one-second window; the window's
            # margin (SAFETY_MARGIN_SECONDS) covers network jitter, and a 429 is waited out.
            waited = limiter.acquire(hold=not search)
            with self._stats_lock:
                self.stats.rate_limit_wait_seconds += waited
                self.stats.requests[kind] += 1
                self.stats.by_budget["search" if search else "burst"] += 1
            sent_at = time.monotonic()
            try:  # the held token is settled whatever happens, a failed token refresh included
                headers = {
                    "Authorization": self._credentials.authorization(),
                    "Accept": "application/json",
                }
                response = self._session.request(
                    method,
                    self.api_url + path,
                    params=params,
                    json=json_body,
                    headers=headers,
                    timeout=self._timeout,
                )
            finally:
                if not search:
                    limiter.settle()
            with self._stats_lock:
                self.stats.observe_round_trip(kind, time.monotonic() - sent_at)
                self.stats.statuses[response.status_code] += 1
                _observe_daily(self.stats, response.headers)
        if not search:
            self.limiter.observe_headers(response.headers)
        return response

    def _retry_or_raise(self, reason: str, failures: int) -> None:
        if failures >= self._max_attempts:
            raise RetriesExhaustedError(f"{reason}; gave up after {failures} attempts")
        self._wait_after_failure(reason, attempt=failures)

    def _wait_after_failure(self, reason: str, *, attempt: int) -> None:
        ceiling = min(self._backoff_cap, self._backoff_base * 2 ** (attempt - 1))
        delay = random.uniform(ceiling / 2, ceiling)
        with self._stats_lock:
            self.stats.retries += 1
        self._logger.warning("%s; retry %d in %.1fs", reason, attempt, delay)
        self._sleep(delay)

    def _wait_after_429(self, response: requests.Response, *, attempt: int, search: bool) -> None:
        body = _json_or_empty(response)
        policy = str(body.get("policyName") or ("SECONDLY" if search else "TEN_SECONDLY_ROLLING"))
        with self._stats_lock:
            self.stats.rate_limited += 1
        if policy.upper() == "DAILY":
            msg = (
                "HubSpot DAILY request limit reached for this account; stopping "
                "(it resets at midnight in the account's time zone)"
            )
            raise DailyLimitError(msg, status=429, category="RATE_LIMIT")
        limiter = self.search_limiter if search else self.limiter
        delay = _retry_after_seconds(response)
        if delay is None:
            step = limiter.interval / 10 if not search else limiter.interval
            delay = max(limiter.time_until_free(), min(limiter.interval, step * attempt))
        self._logger.info("429 (%s); waiting %.1fs before retrying", policy, delay)
        with self._stats_lock:
            self.stats.rate_limit_wait_seconds += delay
        limiter.pause(delay)
        if search:  # search tokens are dated at sending: date them later from now on
            self._logger.debug("search budget margin now %.2fs", limiter.widen_margin())

    def _auth_error(self, response: requests.Response) -> HubSpotAuthError:
        body = _json_or_empty(response)
        category = str(body.get("category") or "UNKNOWN")
        scopes = _missing_scopes(body)
        message = f"HubSpot refused the credentials: HTTP {response.status_code} {category}"
        if scopes:
            message += f"; missing scopes: {', '.join(scopes)}"
        if body.get("message"):
            message += f" ({self._scrub(str(body['message']))})"
        return HubSpotAuthError(
            message, status=response.status_code, category=category, missing_scopes=tuple(scopes)
        )

    def _fatal_error(self, response: requests.Response) -> HubSpotAPIError:
        body = _json_or_empty(response)
        category = str(body.get("category") or "UNKNOWN")
        detail = self._scrub(str(body.get("message") or response.reason or ""))
        request = response.request
        where = f"{request.method} {_path_only(request.url or '')}"
        message = f"{where}: HTTP {response.status_code} {category}: {detail}"
        return HubSpotAPIError(message, status=response.status_code, category=category)

    def _scrub(self, text: str) -> str:
        for secret in self._credentials.secrets():
            if secret:
                text = text.replace(secret, "***")
        return text


def _observe_daily(stats: ClientStats, headers: Mapping[str, str]) -> None:
    """Remember the daily limit headers when the answer has both (search answers may too)."""
    limit = _int_or_none(headers.get(HEADER_DAILY))
    remaining = _int_or_none(headers.get(HEADER_DAILY_REMAINING))
    if limit is not None and remaining is not None and limit > 0:
        stats.daily_limit, stats.daily_remaining = limit, max(0, remaining)


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _decoded(response: requests.Response) -> Any:
    """The JSON body of a success ({} when empty), or None when it is truncated or garbled."""
    if not response.content:
        return {}
    try:
        return response.json()
    except ValueError:
        return None


def _json_or_empty(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _retry_after_seconds(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return min(max(float(value), 0.0), 300.0)
    except ValueError:
        return None


def _missing_scopes(body: Mapping[str, Any]) -> list[str]:
    scopes: list[str] = []
    contexts = [body.get("context") or {}]
    contexts += [item.get("context") or {} for item in body.get("errors") or []]
    for context in contexts:
        for key in ("requiredGranularScopes", "missingScopes", "requiredScopes"):
            scopes += [str(scope) for scope in context.get(key) or []]
    return sorted(set(scopes))


def _path_only(url: str) -> str:
    """The URL without its query string (which may be long and is never useful in errors)."""
    return url.split("?", 1)[0]
