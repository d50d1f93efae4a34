"""Run the tap in-process or as a subprocess and collect its Singer messages."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import math
from dataclasses import dataclass, field
from typing import Any

from hubspot_simulator.admin import SimulatorAdmin
from hubspot_simulator.testing import SimulatorProcess
from tap_hubspot_assoc.tap import TapHubspotAssoc

FAST_LIMITS = {"requests_per_ten_seconds": 10_000, "search_requests_per_second": 1_000}


@dataclass
class TapOutput:
    """Singer messages of one run, sorted by kind."""

    messages: list[dict[str, Any]] = field(default_factory=list)

    @property
    def states(self) -> list[dict[str, Any]]:
        return [m["value"] for m in self.messages if m["type"] == "STATE"]

    @property
    def final_state(self) -> dict[str, Any]:
        return self.states[-1]

    def records(self, stream: str) -> list[dict[str, Any]]:
        return [
            m["record"] for m in self.messages if m["type"] == "RECORD" and m["stream"] == stream
        ]

    def by_id(self, stream: str) -> dict[str, dict[str, Any]]:
        return {r["id"]: r for r in self.records(stream)}

    def activate_versions(self, stream: str) -> list[int]:
        return [
            m["version"]
            for m in self.messages
            if m["type"] == "ACTIVATE_VERSION" and m["stream"] == stream
        ]


def assert_version_follows_records(output: TapOutput, stream: str) -> None:
    """One ACTIVATE_VERSION, after the stream's last record, naming the records' version."""
    versions = output.activate_versions(stream)
    assert len(versions) == 1, versions
    kinds = [m for m in output.messages if m.get("stream") == stream]
    last_record = max(i for i, m in enumerate(kinds) if m["type"] == "RECORD")
    first_version = min(i for i, m in enumerate(kinds) if m["type"] == "ACTIVATE_VERSION")
    assert first_version > last_record
    assert {m.get("version") for m in kinds if m["type"] == "RECORD"} == {versions[0]}


def tap_config(sim: SimulatorProcess, **overrides: Any) -> dict[str, Any]:
    """Config for the simulator: fast limits, no lag, only contacts, no association pairs, no
    reference data and no property history unless overridden."""
    config: dict[str, Any] = {
        "access_token": sim.token,
        "api_url": sim.base_url,
        "object_types": ["contacts"],
        "association_pairs": [],
        "reference_data": [],
        "property_history": "",
        "safety_lag_seconds": 0,
        "lookback_minutes": 0,
        **FAST_LIMITS,
    }
    config.update(overrides)
    return config


def run_tap(config: dict[str, Any], state: dict[str, Any] | None = None) -> TapOutput:
    """Sync every stream in-process and parse stdout."""
    tap = TapHubspotAssoc(config=config, state=state, parse_env_config=False)
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        tap.sync_all()
    return parse_messages(buffer.getvalue())


def parse_messages(text: str) -> TapOutput:
    """Singer messages from JSON lines (a torn last line is ignored)."""
    messages = []
    for line in text.splitlines():
        with contextlib.suppress(json.JSONDecodeError):
            messages.append(json.loads(line))
    return TapOutput(messages)


def simulator_objects(admin: SimulatorAdmin, object_type: str) -> dict[str, dict[str, Any]]:
    """Every record the simulator holds (active and archived), by id."""
    return {obj["id"]: obj for obj in admin.snapshot(object_type)["objects"]}


def active_ids(admin: SimulatorAdmin, object_type: str) -> set[str]:
    return {i for i, o in simulator_objects(admin, object_type).items() if not o["archived"]}


def endpoint_count(admin: SimulatorAdmin, endpoint: str, object_type: str) -> int:
    """Requests the simulator counted for one endpoint template and type."""
    counts = admin.request_counts()
    return int(counts.get("byObjectType", {}).get(endpoint, {}).get(object_type, 0))


def pages(count: int, size: int) -> int:
    return max(1, math.ceil(count / size))


def now_ms() -> int:
    return int(dt.datetime.now(tz=dt.UTC).timestamp() * 1000)


def expected_value(hubspot_type: str, raw: Any) -> Any:
    """The typed value the tap must emit for a raw property string (independent oracle)."""
    typed = hubspot_type in ("number", "bool", "date", "datetime")
    if raw is None or (raw == "" and typed):
        return None
    if hubspot_type == "number":
        return int(raw) if raw.lstrip("-").isdigit() else float(raw)
    if hubspot_type == "bool":
        return {"true": True, "false": False}[raw]
    if hubspot_type == "datetime":
        return dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    return raw
