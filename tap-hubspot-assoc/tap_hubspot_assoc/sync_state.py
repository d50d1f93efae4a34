"""The per-stream state the tap keeps (inside singer-sdk's bookmark for the stream).

    {"replication_key": "updated_at",
     "replication_key_value": "2026-01-01T00:00:00.000Z",   # all changes up to here emitted
     "window": {"start": "...", "end": "...", "last_id": "1234"},  # only mid-window
     "association_retry": {"contacts_to_meetings_associations": ["5"]}}  # failed parents

`replication_key_value` only ever moves to the end of a window (or of a full read) that was
emitted completely. `window` lets an interrupted run resume exactly where it stopped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

from tap_hubspot_assoc.properties import format_datetime, parse_datetime
from tap_hubspot_assoc.readers import Window

REPLICATION_KEY = "updated_at"


@dataclass
class PendingWindow:
    """A window in progress: its bounds and the last id emitted from it."""

    window: Window
    last_id: int | None


class StreamProgress:
    """Typed access to one stream's state dict (mutated in place, as singer-sdk expects)."""

    def __init__(self, state: MutableMapping[str, Any]) -> None:
        self._state = state

    @property
    def bookmark(self) -> dt.datetime | None:
        if self._state.get("replication_key") not in (None, REPLICATION_KEY):
            return None
        return parse_datetime(self._state.get("replication_key_value"))

    def set_bookmark(self, value: dt.datetime) -> None:
        self._state["replication_key"] = REPLICATION_KEY
        self._state["replication_key_value"] = format_datetime(value)

    @property
    def pending(self) -> PendingWindow | None:
        raw = self._state.get("window")
        if not isinstance(raw, dict):
            return None
        start, end = parse_datetime(raw.get("start")), parse_datetime(raw.get("end"))
        if start is None or end is None:
            return None
        last_id = raw.get("last_id")
        return PendingWindow(Window(start, end), int(last_id) if last_id else None)

    def start_window(self, window: Window) -> None:
        self._state["window"] = {
            "start": format_datetime(window.start),
            "end": format_datetime(window.end),
            "last_id": None,
        }

    def advance_window(self, last_id: int) -> None:
        self._state["window"]["last_id"] = str(last_id)

    def finish_full_read(self, read_end: dt.datetime) -> None:
        """A full read supersedes any half-read window."""
        self._state.pop("window", None)
        self.set_bookmark(read_end)

    @property
    def association_retry(self) -> dict[str, list[str]]:
        """Parents whose association read failed last run, per association stream."""
        raw = self._state.get("association_retry")
        if not isinstance(raw, dict):
            return {}
        return {str(k): [str(i) for i in v or []] for k, v in raw.items()}

    def set_association_retry(self, retry: Mapping[str, list[str]]) -> None:
        kept = {k: list(v) for k, v in retry.items() if v}
        if kept:
            self._state["association_retry"] = kept
        else:
            self._state.pop("association_retry", None)

    def finish_window(self, window: Window) -> None:
        self._state.pop("window", None)
        self.set_bookmark(window.end)
