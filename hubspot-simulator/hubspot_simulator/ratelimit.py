"""HubSpot's rate limits: a rolling 10-second burst window, a per-second search limit, daily.

Search requests count against the search limit and the daily limit only; every other API
request counts against the burst window and the daily limit. Rejected requests do not count.
Every answer carries ``X-HubSpot-RateLimit-Daily`` / ``-Daily-Remaining`` (search answers only
those two, other answers the burst headers too); with the limits disabled none are sent. The daily
count belongs to the simulator process (like HubSpot's to the account): a new client process
sees what earlier ones spent; the admin API sets it (``PUT /_sim/config/ratelimits``
``{"daily": N, "dailyUsed": M}``) and a new UTC day or a reset starts it at zero.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import asdict, dataclass, replace
from typing import Any


@dataclass
class RateLimitConfig:
    """Limits; ``enabled=False`` still sends headers but never answers 429."""

    enabled: bool = True
    burst: int = 100
    window_ms: int = 10_000
    search_per_second: int = 5
    daily: int = 250_000

    def to_json(self) -> dict[str, Any]:
        """Plain dict form."""
        return asdict(self)


class RateLimiter:
    """Sliding-window counters and the ``X-HubSpot-RateLimit-*`` headers."""

    def __init__(self, config: RateLimitConfig) -> None:
        self.startup = replace(config)
        self.config = config
        self.reset_state()

    def reset(self) -> None:
        """Startup configuration and empty windows."""
        self.config = replace(self.startup)
        self.reset_state()

    def reset_state(self) -> None:
        """Empty windows and daily count."""
        self._burst: deque[float] = deque()
        self._second: deque[float] = deque()
        self._search: deque[float] = deque()
        self._day = self._today()
        self.daily_used = 0

    @staticmethod
    def _today() -> int:
        return int(time.time() // 86_400)

    def daily_left(self) -> int:
        """Requests left today (negative when over; a new UTC day starts at zero used)."""
        day = self._today()
        if day != self._day:
            self._day, self.daily_used = day, 0
        return self.config.daily - self.daily_used

    def check_search(self) -> tuple[str | None, list[tuple[str, str]]]:
        """Admit a search request: (violated policy or None, headers to send)."""
        now = time.monotonic()
        cfg = self.config
        window = self._search
        while window and window[0] <= now - 1.0:
            window.popleft()
        policy = None
        if cfg.enabled:
            if self.daily_left() <= 0:
                policy = "DAILY"
            elif len(window) >= cfg.search_per_second:
                policy = "SECONDLY"
        if policy is None:
            window.append(now)
            self.daily_used += 1
        if not cfg.enabled:
            return None, []  # no limit to report (as ``check``)
        # Search answers (429s included) carry the two daily headers only (recorded answers).
        return policy, self._daily_headers()

    def _daily_headers(self) -> list[tuple[str, str]]:
        return [
            ("X-HubSpot-RateLimit-Daily", str(self.config.daily)),
            ("X-HubSpot-RateLimit-Daily-Remaining", str(max(0, self.daily_left()))),
        ]

    def check(self) -> tuple[str | None, list[tuple[str, str]]]:
        """Admit a non-search request: (violated policy or None, the seven headers)."""
        now = time.monotonic()
        cfg = self.config
        burst, second = self._burst, self._second
        horizon = now - cfg.window_ms / 1000
        while burst and burst[0] <= horizon:
            burst.popleft()
        while second and second[0] <= now - 1.0:
            second.popleft()
        policy = None
        if cfg.enabled:
            if self.daily_left() <= 0:
                policy = "DAILY"
            elif len(burst) >= cfg.burst:
                policy = "TEN_SECONDLY_ROLLING"
        if policy is None:
            burst.append(now)
            second.append(now)
            self.daily_used += 1
        if not cfg.enabled:
            # No limit to report: HubSpot omits the headers when it has no rate-limit
            # information, and a client that paces itself by them must not be slowed.
            return None, []
        secondly = max(1, cfg.burst // 10)
        headers = [
            *self._daily_headers(),
            ("X-HubSpot-RateLimit-Interval-Milliseconds", str(cfg.window_ms)),
            ("X-HubSpot-RateLimit-Max", str(cfg.burst)),
            ("X-HubSpot-RateLimit-Remaining", str(max(0, cfg.burst - len(burst)))),
            ("X-HubSpot-RateLimit-Secondly", str(secondly)),
            ("X-HubSpot-RateLimit-Secondly-Remaining", str(max(0, secondly - len(second)))),
        ]
        return policy, headers
