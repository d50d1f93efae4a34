"""Client-side rate limiting shared by every stream.

`RollingWindowLimiter` is a token bucket whose tokens come back exactly one interval after they
were spent, which is how HubSpot counts (TEN_SECONDLY_ROLLING, and the per-second search limit).
It also listens to the X-HubSpot-RateLimit-* headers: when the server says fewer requests are
left than we think (another process of the same app, such as the discovery run just before a
sync, or another integration spent part of the window), the difference is counted as spent now,
so the limiter waits before a 429 instead of after. Until the first answer has arrived (and with
it the server's count), only one held request is in flight: a new process learns the window's
state before it sends requests in parallel.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from collections.abc import Callable, Mapping

# Our clock starts when a request leaves, the server's when it arrives: keep tokens a little
# longer than the window so network jitter cannot put one request too many into it.
SAFETY_MARGIN_SECONDS = 0.05
MAX_MARGIN_SECONDS = 0.3  # how far widen_margin() may go
# Search tokens are dated at sending (see HubSpotClient._send), so the one-second window keeps a
# wider margin for requests that reach the server late (new connections, a busy machine).
SEARCH_MARGIN_SECONDS = 0.15
IN_FLIGHT_POLL_SECONDS = 0.01
HEADER_MAX = "X-HubSpot-RateLimit-Max"
HEADER_REMAINING = "X-HubSpot-RateLimit-Remaining"
HEADER_INTERVAL = "X-HubSpot-RateLimit-Interval-Milliseconds"

# A child of the tap's logger (singer-sdk names it after the tap), so its level applies.
LOGGER = logging.getLogger("tap-hubspot-assoc.ratelimit")


class RollingWindowLimiter:
    """Allow at most `capacity` acquisitions in any `interval` seconds."""

    def __init__(
        self,
        capacity: int,
        interval: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        margin: float = SAFETY_MARGIN_SECONDS,
    ) -> None:
        if capacity < 1 or interval <= 0:
            raise ValueError("capacity must be >= 1 and interval > 0")
        self.capacity = capacity
        self.interval = interval
        self._clock = clock
        self._sleep = sleep
        self._spent: collections.deque[float] = collections.deque()
        self._paused_until = 0.0
        self.margin = margin
        self._widened_at = float("-inf")
        self._in_flight = 0
        self._answered = False  # no held request has been answered yet
        self._lock = threading.Lock()
        self.wait_count = 0

    def acquire(self, *, hold: bool = False) -> float:
        """Block until a request may be sent; return the seconds waited.

        With `hold`, the token counts as spent *now* until `settle()` (called when the answer
        arrived) dates it at the answer: the server counted the request somewhere in between,
        so the token returns one interval after the server's count at the latest, however long
        requests in flight (several at once) took to arrive.
        """
        waited = 0.0
        while True:
            with self._lock:
                delay = self._delay(self._clock())
                if delay <= 0:
                    if hold:
                        self._in_flight += 1
                    else:
                        self._spent.append(self._clock())
                    if waited:
                        self.wait_count += 1
                    break
            self._sleep(delay)
            waited += delay
        if waited:
            LOGGER.debug(
                "Rate-limit wait: %.3fs for the budget of %d requests per %gs",
                waited,
                self.capacity,
                self.interval,
            )
        return waited

    def settle(self) -> None:
        """The answer to a request acquired with `hold` arrived (or it failed)."""
        with self._lock:
            self._answered = True
            self._in_flight = max(0, self._in_flight - 1)
            self._spent.append(self._clock())

    @property
    def in_flight(self) -> int:
        """Requests acquired with `hold` and not settled yet."""
        return self._in_flight

    def time_until_free(self) -> float:
        """Seconds until the oldest spent token returns (0 if one is free now)."""
        with self._lock:
            return max(self._delay(self._clock()), 0.0)

    def widen_margin(self) -> float:
        """After a 429 this limiter should have prevented: keep tokens 50 ms longer (the
        server counted arrivals later than we dated the sends), up to MAX_MARGIN_SECONDS.
        Refusals within one interval of the last widening are one event, not several."""
        with self._lock:
            now = self._clock()
            if now - self._widened_at >= self.interval:
                self.margin = min(MAX_MARGIN_SECONDS, self.margin + 0.05)
                self._widened_at = now
            return self.margin

    def pause(self, seconds: float) -> None:
        """Hold every acquisition for `seconds` (after a 429 or a low Remaining header)."""
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + seconds)

    def observe_headers(self, headers: Mapping[str, str]) -> None:
        """Adopt the server's window if it is stricter; count what others spent as spent."""
        server_max = _int_header(headers, HEADER_MAX)
        remaining = _int_header(headers, HEADER_REMAINING)
        interval_ms = _int_header(headers, HEADER_INTERVAL)
        if server_max is None or remaining is None or server_max < 1:
            return
        interval = interval_ms / 1000.0 if interval_ms else self.interval
        with self._lock:
            if interval != self.interval:
                # Same rate as configured, expressed over the server's window.
                self.capacity = max(1, int(self.capacity * interval / self.interval))
                self.interval = interval
            self.capacity = min(self.capacity, server_max)
        with self._lock:
            now = self._clock()
            self._expire(now)
            ours_left = self.capacity - len(self._spent) - self._in_flight
            if remaining < ours_left:
                # Spent elsewhere: count it as spent now (it returns one interval later, a
                # little after the server's own tokens do).
                self._spent.extend([now] * (ours_left - remaining))

    def _expire(self, now: float) -> None:
        """Drop the tokens that have come back."""
        hold = self.interval + self.margin
        while self._spent and now - self._spent[0] >= hold:
            self._spent.popleft()

    def _delay(self, now: float) -> float:
        hold = self.interval + self.margin
        self._expire(now)
        delay = self._paused_until - now
        if not self._answered and self._in_flight:
            # The first answer brings the server's count: wait for it before sending more.
            delay = max(delay, IN_FLIGHT_POLL_SECONDS)
        if len(self._spent) + self._in_flight >= self.capacity:
            # Every token is spent or in flight: wait for the oldest to return, or (all in
            # flight) for an answer to settle one.
            oldest = self._spent[0] + hold - now if self._spent else IN_FLIGHT_POLL_SECONDS
            delay = max(delay, oldest)
        return delay


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None
