"""Build Singer messages for feeding the target directly."""

from __future__ import annotations

import json
from typing import Any

PROPS: dict[str, Any] = {
    "id": {"type": "string"},
    "n": {"type": ["integer", "null"]},
    "label": {"type": ["string", "null"]},
}


def schema(
    stream: str, props: dict[str, Any] | None = None, keys: list[str] | None = None
) -> dict[str, Any]:
    return {
        "type": "SCHEMA",
        "stream": stream,
        "key_properties": ["id"] if keys is None else keys,
        "schema": {"type": "object", "properties": PROPS if props is None else props},
    }


def record(stream: str, value: dict[str, Any]) -> dict[str, Any]:
    return {"type": "RECORD", "stream": stream, "record": value}


def state(value: dict[str, Any]) -> dict[str, Any]:
    return {"type": "STATE", "value": value}


def dumps(*messages: dict[str, Any] | str) -> list[str]:
    return [m if isinstance(m, str) else json.dumps(m) for m in messages]


def numbered(
    stream: str, start: int, stop: int, label: str, state_every: int = 0
) -> list[dict[str, Any]]:
    """Records ``r<start>``…``r<stop-1>``; a STATE ``{"pos": n}`` after every ``state_every``."""
    out: list[dict[str, Any]] = []
    for n in range(start, stop):
        out.append(record(stream, {"id": f"r{n}", "n": n, "label": label}))
        if state_every and (n + 1) % state_every == 0:
            out.append(state({"pos": n + 1, "label": label}))
    return out


def states_of(stdout: bytes | str) -> list[dict[str, Any]]:
    text = stdout.decode() if isinstance(stdout, bytes) else stdout
    return [json.loads(line) for line in text.splitlines() if line.strip()]
