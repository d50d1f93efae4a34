"""Everything a running simulator holds: the dataset and the operational switches."""

from __future__ import annotations

from dataclasses import replace

from .auth import DEFAULT_TOKEN, Authenticator
from .counters import RequestCounters
from .dataset import Dataset
from .faults import FaultInjector
from .generator import DatasetSpec
from .latency import LatencyModel
from .ratelimit import RateLimitConfig, RateLimiter


class SimulatorState:
    """Mutable simulator state shared by the API and admin handlers."""

    def __init__(
        self,
        spec: DatasetSpec | None = None,
        token: str = DEFAULT_TOKEN,
        rate_limits: RateLimitConfig | None = None,
        token_ttl_s: int = 1800,
        search_lag_ms: int = 0,
        latency: LatencyModel | None = None,
    ) -> None:
        self.startup_spec = replace(spec or DatasetSpec())
        self.dataset = Dataset(replace(self.startup_spec))
        self.auth = Authenticator(token, token_ttl_s)
        self.limiter = RateLimiter(rate_limits or RateLimitConfig())
        self.faults = FaultInjector()
        self.counters = RequestCounters()
        self.startup_search_lag_ms = search_lag_ms
        self.search_lag_ms = search_lag_ms
        self.startup_latency = latency or LatencyModel()
        self.latency = LatencyModel.from_json(self.startup_latency.to_json())

    def regenerate(self, spec: DatasetSpec) -> None:
        """Replace the dataset."""
        self.dataset = Dataset(spec)

    def reset_operations(self) -> None:
        """Faults, counters, rate limits, tokens, search lag and latency back to startup values."""
        self.faults.clear()
        self.counters.reset()
        self.limiter.reset()
        self.auth.reset()
        self.search_lag_ms = self.startup_search_lag_ms
        self.latency = LatencyModel.from_json(self.startup_latency.to_json())
