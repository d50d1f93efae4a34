"""An object stream's incremental read: closed search windows since the bookmark, resumable
mid-window, archived records by archivedAt, or list pages on a first run the plan prefers."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from tap_hubspot_assoc.answers import CrmObject
from tap_hubspot_assoc.page_flow import PageFlow
from tap_hubspot_assoc.planned_reads import PlannedReads
from tap_hubspot_assoc.properties import parse_datetime
from tap_hubspot_assoc.readers import ObjectReader, Window
from tap_hubspot_assoc.sync_state import StreamProgress


@dataclass
class IncrementalRead:
    """One incremental read of an object stream (`records()`), its state kept in `progress`."""

    name: str
    config: Mapping[str, Any]
    reader: ObjectReader
    planned: PlannedReads
    flow: PageFlow
    progress: StreamProgress
    read_end: dt.datetime
    budgeted: bool  # a request budget is set: no first-run list plan
    budget_spent: Callable[[], bool]  # True when the budget allows no new page
    checkpoint: Callable[[], None]
    logger: logging.Logger

    def records(self) -> Iterator[dict[str, Any]]:
        """Resume any interrupted window, then search the next closed window."""
        progress = self.progress
        pending = progress.pending
        next_start = self._next_window_start()
        if progress.bookmark is None and pending is None and not self.budgeted:
            first_window = Window(next_start, self.read_end)
            if self.planned.first_run_lists(first_window):
                yield from self._first_run_listed(first_window)
                return
        if self.config.get("include_archived"):
            self.planned.archived_listing_note()
            oldest = min(pending.window.start, next_start) if pending else next_start
            yield from self._archived_between(Window(oldest, self.read_end))
        if pending and not self.flow.stats.truncated:
            self.logger.info(
                "Resuming %s window %s after id %s",
                self.name,
                _window_text(pending.window),
                pending.last_id,
            )
            yield from self._window_records(pending.window, pending.last_id)
        next_start = self._next_window_start()
        if self.flow.stats.truncated or next_start >= self.read_end:
            return
        window = Window(next_start, self.read_end)
        progress.start_window(window)
        self.checkpoint()
        yield from self._window_records(window, None)

    def _first_run_listed(self, window: Window) -> Iterator[dict[str, Any]]:
        """First run since start_date through list pages kept to the window (the plan's
        choice when the window holds most records); the bookmark then moves to read_end."""
        for page in self.planned.filtered_list_pages(window):
            yield from self.flow.emit(page)
            if self.flow.stats.truncated:
                return
        if self.config.get("include_archived"):
            yield from self._archived_between(window)
            if self.flow.stats.truncated:
                return
        self.flow.drain()
        self.progress.finish_full_read(self.read_end)
        self.checkpoint()

    def _window_records(self, window: Window, after_id: int | None) -> Iterator[dict[str, Any]]:
        progress = self.progress

        def advance(ids: list[str]) -> None:
            progress.advance_window(int(ids[-1]))

        for page in self.reader.search_window(window, after_id=after_id):
            yield from self.flow.emit(page, mark=advance)
            if self.flow.stats.truncated or self.budget_spent():
                return
        self.flow.drain()
        progress.finish_window(window)
        self.checkpoint()

    def _archived_between(self, window: Window) -> Iterator[dict[str, Any]]:
        """Archived records (never in search) whose archivedAt falls inside `window`."""
        for page in self.reader.list_pages(archived=True):
            recent = [obj for obj in page if _archived_inside(obj, window)]
            yield from self.flow.emit(recent)
            if self.flow.stats.truncated or self.budget_spent():
                return

    def _next_window_start(self) -> dt.datetime:
        lookback = dt.timedelta(minutes=float(self.config.get("lookback_minutes") or 0))
        if self.progress.bookmark:
            return self.progress.bookmark - lookback
        start = parse_datetime(self.config.get("start_date"))
        return start or dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _archived_inside(obj: CrmObject, window: Window) -> bool:
    archived_at = parse_datetime(obj.get("archivedAt"))
    return archived_at is None or window.contains(archived_at)


def _window_text(window: Window) -> str:
    return f"[{window.start.isoformat()}, {window.end.isoformat()}]"
