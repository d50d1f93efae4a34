"""Request counters per endpoint template and per object type (read through the admin API)."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from .versions import ApiVersion


class RequestCounters:
    """Counts of API requests (admin requests are not counted)."""

    def __init__(self) -> None:
        self.in_flight = 0
        self.reset()

    def reset(self) -> None:
        """Forget all counts."""
        self.total = 0
        self.by_endpoint: Counter[str] = Counter()
        self.by_type: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self.by_status: Counter[str] = Counter()
        self.by_version: Counter[str] = Counter({v.value: 0 for v in ApiVersion})
        self.by_endpoint_version: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self.max_in_flight = self.in_flight

    def enter(self) -> None:
        """A request started being served (the peak of concurrent requests is kept)."""
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def leave(self) -> None:
        """A request was answered (or dropped)."""
        self.in_flight -= 1

    def record(
        self, endpoint: str, object_type: str | None, version: ApiVersion = ApiVersion.LEGACY
    ) -> None:
        """Count one request to ``endpoint`` (the canonical legacy template, e.g.
        ``GET /crm/v3/objects/{type}``, whatever version the path named) and its version."""
        self.total += 1
        self.by_endpoint[endpoint] += 1
        self.by_version[version.value] += 1
        self.by_endpoint_version[endpoint][version.value] += 1
        if object_type:
            self.by_type[endpoint][object_type] += 1

    def record_status(self, status: int) -> None:
        """Count one response status."""
        self.by_status[str(status)] += 1

    def to_json(self) -> dict[str, Any]:
        """``{total, endpoints, byObjectType, byVersion, byEndpointVersion, statuses,
        maxInFlight}``; ``byVersion`` always names every version (0 when unused)."""
        return {
            "total": self.total,
            "endpoints": dict(self.by_endpoint),
            "byObjectType": {k: dict(v) for k, v in self.by_type.items()},
            "byVersion": dict(self.by_version),
            "byEndpointVersion": {k: dict(v) for k, v in self.by_endpoint_version.items()},
            "statuses": dict(self.by_status),
            "maxInFlight": self.max_in_flight,
        }
