"""The per-stream state the tap keeps (inside singer-sdk's bookmark for the stream).

    {"replication_key": "updated_at",
     "replication_key_value": "2026-01-01T00:00:00.000Z",   # all changes up to here emitted
     "window": {"start": "...", "end": "...", "last_id": "1234"},  # only mid-window
     "full_read": {"version": 1767225600000, "read_end": "...",   # only mid full read
                   "phase": "live", "after": "<list cursor>"},      # (request_budget)
     "association_retry": {"contacts_to_meetings_associations": ["5"]}}  # failed parents

`replication_key_value` only ever moves to the end of a window (or of a full read) that was
emitted completely. `window` lets an interrupted run resume exactly where it stopped;
`full_read` lets a full read stopped by the request budget go on in the next run: the table
version its records carry, the bookmark it will set (the first run's read end), and the list
cursor after the last page whose records (and their associations and history) were emitted.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Mapping, MutableMapping
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


class FullReadPhase(enum.StrEnum):
    """Which listing a resumable full read is in."""

    LIVE = "live"
    ARCHIVED = "archived"  # live records all read (archived ones listed with include_archived)


@dataclass
class FullReadPosition:
    """A full read spanning runs: its version, bookmark to be, phase and list cursor."""

    version: int
    read_end: dt.datetime
    phase: FullReadPhase = FullReadPhase.LIVE
    after: str | None = None


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
        self._state.pop("full_read", None)
        self.set_bookmark(read_end)

    @property
    def full_read(self) -> FullReadPosition | None:
        """The full read a previous run left unfinished (None: none, or unreadable)."""
        raw = self._state.get("full_read")
        if not isinstance(raw, dict):
            return None
        read_end = parse_datetime(raw.get("read_end"))
        version = raw.get("version")
        if read_end is None or not isinstance(version, int):
            return None
        try:
            phase = FullReadPhase(raw.get("phase") or FullReadPhase.LIVE)
        except ValueError:
            return None
        after = raw.get("after")
        return FullReadPosition(version, read_end, phase, str(after) if after else None)

    def save_full_read(self, position: FullReadPosition) -> None:
        self._state["full_read"] = {
            "version": position.version,
            "read_end": format_datetime(position.read_end),
            "phase": position.phase.value,
            "after": position.after,
        }

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


def list_page_mark(
    progress: StreamProgress,
    position: FullReadPosition,
    phase: FullReadPhase,
    page_size: int,
    cursor: str | None,
) -> Callable[[list[str]], None]:
    """The state change of one list page of a full read spanning runs (applied once its
    consumers are done): the `cursor` after it, or the next phase after the last page. A page
    cut short by max_records moves nothing."""

    def advance(ids: list[str]) -> None:
        if len(ids) < page_size:
            return
        if cursor is None:
            position.phase, position.after = FullReadPhase.ARCHIVED, None
        else:
            position.phase, position.after = phase, cursor
        progress.save_full_read(position)

    return advance
