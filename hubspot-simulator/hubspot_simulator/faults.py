"""Switchable fault injection: 429 bursts, 5xx, slow responses, dropped connections, truncation."""

from __future__ import annotations

import random
import re
from dataclasses import asdict, dataclass, field
from typing import Any

KINDS = ("rate_limit", "status", "slow", "drop", "truncate")


@dataclass
class Fault:
    """One fault rule; applies to the next ``count`` matching requests (None: until cleared)."""

    kind: str
    count: int | None = 1
    probability: float = 1.0
    seed: int | None = None
    path: str | None = None  # regular expression searched in the request path
    method: str | None = None
    status: int = 500  # for kind "status"
    policy: str = "TEN_SECONDLY_ROLLING"  # for kind "rate_limit"
    retry_after: int | None = None  # seconds, for kind "rate_limit"
    delay_ms: int = 0  # for kind "slow"
    id: int = 0
    hits: int = 0
    _rng: random.Random = field(default_factory=random.Random, repr=False)
    _re: re.Pattern[str] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; one of {', '.join(KINDS)}")
        if self.kind == "status" and not 400 <= self.status <= 599:
            raise ValueError("status must be 4xx or 5xx")
        if self.policy not in ("TEN_SECONDLY_ROLLING", "SECONDLY", "DAILY"):
            raise ValueError("policy must be TEN_SECONDLY_ROLLING, SECONDLY or DAILY")
        self._rng = random.Random(self.seed)
        self._re = re.compile(self.path) if self.path else None

    def matches(self, method: str, path: str, legacy_path: str | None = None) -> bool:
        """Whether this rule fires for a request (consumes randomness when probabilistic); the
        path regex may match the request's path or its legacy form (``legacy_path``)."""
        if self.count is not None and self.count <= 0:
            return False
        if self.method and self.method.upper() != method:
            return False
        if self._re is not None and not (
            self._re.search(path) or (legacy_path is not None and self._re.search(legacy_path))
        ):
            return False
        return self.probability >= 1.0 or self._rng.random() < self.probability

    def to_json(self) -> dict[str, Any]:
        """Public fields."""
        return {k: v for k, v in asdict(self).items() if not k.startswith("_")}


class FaultInjector:
    """The active fault rules, in the order they were added."""

    def __init__(self) -> None:
        self.faults: list[Fault] = []
        self._next_id = 1

    def add(self, fault: Fault) -> Fault:
        """Activate a rule."""
        fault.id = self._next_id
        self._next_id += 1
        self.faults.append(fault)
        return fault

    def clear(self) -> None:
        """Deactivate every rule."""
        self.faults.clear()

    def pick(
        self, method: str, path: str, legacy_path: str | None = None
    ) -> tuple[int, Fault | None]:
        """Total delay (ms) of matching slow rules, and the first matching terminal rule; a
        date-versioned request also matches rules written for its ``legacy_path``."""
        if not self.faults:
            return 0, None
        delay = 0
        terminal = None
        for f in self.faults:
            if f.kind == "slow":
                if f.matches(method, path, legacy_path):
                    delay += f.delay_ms
                    self._consume(f)
            elif terminal is None and f.matches(method, path, legacy_path):
                terminal = f
                self._consume(f)
        self.faults = [f for f in self.faults if f.count is None or f.count > 0]
        return delay, terminal

    @staticmethod
    def _consume(f: Fault) -> None:
        f.hits += 1
        if f.count is not None:
            f.count -= 1
