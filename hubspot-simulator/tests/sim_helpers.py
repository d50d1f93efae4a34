"""Assertion helpers shared by the simulator's tests."""

from __future__ import annotations

from typing import Any


def without_ids(body: dict[str, Any]) -> dict[str, Any]:
    """An error body without its random correlationId/requestId (asserted to be present)."""
    out = dict(body)
    assert isinstance(out.pop("correlationId"), str)
    out.pop("requestId", None)
    return out


def without_times(body: dict[str, Any]) -> dict[str, Any]:
    """A batch body without startedAt/completedAt (asserted to be present)."""
    out = dict(body)
    assert out.pop("startedAt").endswith("Z")
    assert out.pop("completedAt").endswith("Z")
    return out
