"""Response latency model: per endpoint kind a fixed part plus a part per record, with jitter.

The delay is slept with asyncio after the request was admitted (rate limits count arrivals, as
HubSpot's do) and before the answer is sent, so concurrent requests overlap like on the real
API. ``realistic`` defaults (stated assumptions; HubSpot publishes no latency figures):

| kind | fixed | per record | typical request |
|---|---|---|---|
| list (``GET /crm/v3/objects/{type}``) | 200 ms | 1 ms per requested record | 100 → 300 ms |
| search | 150 ms | 0.5 ms per requested result (``limit``) | 200 → 250 ms |
| object batch read | 150 ms | 1 ms per input | 100 → 250 ms |
| association batch read | 200 ms | 0.3 ms per input | 1,000 → 500 ms |
| other (properties, labels, schemas, get, oauth) | 150 ms | 0 | 150 ms |

Jitter multiplies each delay by a uniform factor in ``[1 - jitter, 1 + jitter]`` drawn from
``random.Random(seed)`` (default ±20 %, seed 7).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import orjson


class EndpointKind(StrEnum):
    """Latency classes of the API routes."""

    LIST = "list"
    SEARCH = "search"
    BATCH_READ = "batch_read"
    ASSOCIATION_BATCH_READ = "association_batch_read"
    OTHER = "other"


class LatencyPreset(StrEnum):
    """Named configurations of the CLI flag ``--latency``."""

    OFF = "off"
    REALISTIC = "realistic"


@dataclass
class Cost:
    """Delay of one request: ``fixed_ms + per_record_ms * records``."""

    fixed_ms: float = 0.0
    per_record_ms: float = 0.0

    def to_json(self) -> dict[str, float]:
        """camelCase form."""
        return {"fixedMs": self.fixed_ms, "perRecordMs": self.per_record_ms}


REALISTIC: dict[EndpointKind, Cost] = {
    EndpointKind.LIST: Cost(200, 1.0),
    EndpointKind.SEARCH: Cost(150, 0.5),
    EndpointKind.BATCH_READ: Cost(150, 1.0),
    EndpointKind.ASSOCIATION_BATCH_READ: Cost(200, 0.3),
    EndpointKind.OTHER: Cost(150, 0.0),
}
DEFAULT_JITTER = 0.2
DEFAULT_SEED = 7


@dataclass
class LatencyModel:
    """Per-kind costs (an empty dict = no latency), jitter and its seeded generator."""

    costs: dict[EndpointKind, Cost] = field(default_factory=dict)
    jitter: float = DEFAULT_JITTER
    seed: int = DEFAULT_SEED
    _rng: random.Random = field(default_factory=random.Random, repr=False)

    def __post_init__(self) -> None:
        if not 0 <= self.jitter < 1:
            raise ValueError("jitter must be in [0, 1)")
        self._rng = random.Random(self.seed)

    @classmethod
    def preset(
        cls, name: str, *, jitter: float = DEFAULT_JITTER, seed: int = DEFAULT_SEED
    ) -> LatencyModel:
        """``off`` or ``realistic``."""
        preset = LatencyPreset(name)
        costs = (
            {k: Cost(c.fixed_ms, c.per_record_ms) for k, c in REALISTIC.items()}
            if preset is LatencyPreset.REALISTIC
            else {}
        )
        return cls(costs, jitter=jitter, seed=seed)

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> LatencyModel:
        """``{preset?, jitter?, seed?, endpoints?: {kind: {fixedMs, perRecordMs}}}``."""
        model = cls.preset(
            str(body.get("preset") or LatencyPreset.OFF),
            jitter=float(body.get("jitter", DEFAULT_JITTER)),
            seed=int(body.get("seed", DEFAULT_SEED)),
        )
        for kind, cost in (body.get("endpoints") or {}).items():
            model.costs[EndpointKind(kind)] = Cost(
                float(cost.get("fixedMs", 0)), float(cost.get("perRecordMs", 0))
            )
        return model

    def to_json(self) -> dict[str, Any]:
        """The configuration (as ``from_json`` takes it)."""
        return {
            "jitter": self.jitter,
            "seed": self.seed,
            "endpoints": {k.value: c.to_json() for k, c in self.costs.items()},
        }

    def delay_seconds(self, kind: EndpointKind, records: int) -> float:
        """The jittered delay of one request of ``kind`` for ``records`` records."""
        cost = self.costs.get(kind)
        if cost is None:
            return 0.0
        base = cost.fixed_ms + cost.per_record_ms * max(0, records)
        if self.jitter:
            base *= self._rng.uniform(1 - self.jitter, 1 + self.jitter)
        return max(0.0, base) / 1000


def classify(route_key: str, query_limit: str | None, body: bytes) -> tuple[EndpointKind, int]:
    """The latency class of a request (by its route key) and its record count."""
    if route_key.endswith("/search") and "/objects/" in route_key:  # not the lists search
        return EndpointKind.SEARCH, _body_limit(body, 10)
    if route_key.startswith("POST /crm/v4/associations/") and route_key.endswith("/batch/read"):
        return EndpointKind.ASSOCIATION_BATCH_READ, _inputs(body)
    if route_key.endswith("/batch/read"):
        return EndpointKind.BATCH_READ, _inputs(body)
    if route_key == "GET /crm/v3/objects/{type}":
        try:
            return EndpointKind.LIST, min(100, int(query_limit or 10))
        except ValueError:
            return EndpointKind.LIST, 10
    return EndpointKind.OTHER, 0


def _decoded(body: bytes) -> dict[str, Any]:
    try:
        value = orjson.loads(body) if body else {}
    except orjson.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def _inputs(body: bytes) -> int:
    inputs = _decoded(body).get("inputs")
    return len(inputs) if isinstance(inputs, list) else 0


def _body_limit(body: bytes, default: int) -> int:
    limit = _decoded(body).get("limit", default)
    return int(limit) if isinstance(limit, int) else default
