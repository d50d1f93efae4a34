"""An object stream's incremental read: closed search windows since the bookmark, resumable
mid-window, archived records by archivedAt, or list pages on a first run the plan prefers.

Two halves, so the reading can run ahead of the stream's turn (read_ahead.py):

* `IncrementalSource.steps` reads: it yields each page with the position the read reaches
  once that page is written (a window page moves the window's last id), and the window's
  opening and closing. It never touches the state: it starts from an `IncrementalStart`
  taken from the state before the read, and may run on a read-ahead thread.
* `IncrementalRead.records`, on the writer's thread, emits each page and applies its
  position to the stream's state only then (through `PageFlow`, once the hooks have written
  what the page fed them), so a STATE never claims a record not yet written and a killed run
  resumes exactly where the last STATE says.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from tap_hubspot_assoc.answers import CrmObject
from tap_hubspot_assoc.page_flow import PageFlow
from tap_hubspot_assoc.planned_reads import PlannedReads
from tap_hubspot_assoc.properties import parse_datetime
from tap_hubspot_assoc.read_ahead import ReadAhead
from tap_hubspot_assoc.readers import ObjectReader, Window
from tap_hubspot_assoc.sync_state import PendingWindow, StreamProgress


class Reach(enum.StrEnum):
    """What writing one step of an incremental read changes in the stream's state."""

    NOTHING = "nothing"  # archived records, or a first-run list page: no position of its own
    WINDOW_PAGE = "window page"  # the window's last id moves to the page's last written id
    WINDOW_OPENED = "window opened"  # the state holds the window (no id read from it yet)
    WINDOW_CLOSED = "window closed"  # the bookmark moves to the window's end
    LISTED = "listed"  # a first run read by list pages: the bookmark moves to read_end


@dataclass(frozen=True)
class ReadStep:
    """One page (or none) of an incremental read and the position writing it reaches."""

    reach: Reach
    objects: list[CrmObject] = field(default_factory=list)
    window: Window | None = None


@dataclass(frozen=True)
class IncrementalStart:
    """The state an incremental read starts from: the bookmark and any interrupted window."""

    bookmark: dt.datetime | None
    pending: PendingWindow | None

    @classmethod
    def of(cls, progress: StreamProgress) -> IncrementalStart:
        return cls(progress.bookmark, progress.pending)


@dataclass
class IncrementalSource:
    """Reads one incremental read's steps; never touches the state (see module docstring)."""

    name: str
    config: Mapping[str, Any]
    reader: ObjectReader
    planned: PlannedReads
    start: IncrementalStart
    read_end: dt.datetime
    budgeted: bool  # a request budget is set: no first-run list plan
    logger: logging.Logger

    def steps(self) -> Iterator[ReadStep]:
        """Resume any interrupted window, then search the next closed window."""
        pending, bookmark = self.start.pending, self.start.bookmark
        next_start = self._window_start(bookmark)
        if bookmark is None and pending is None and not self.budgeted:
            first_window = Window(next_start, self.read_end)
            if self.planned.first_run_lists(first_window):
                yield from self._first_run_listed(first_window)
                return
        if self.config.get("include_archived"):
            self.planned.archived_listing_note()
            oldest = min(pending.window.start, next_start) if pending else next_start
            yield from self._archived_between(Window(oldest, self.read_end))
        if pending:
            self.logger.info(
                "Resuming %s window %s after id %s",
                self.name,
                _window_text(pending.window),
                pending.last_id,
            )
            yield from self._window_steps(pending.window, pending.last_id)
            bookmark = pending.window.end  # where the writer's state is once it is closed
        next_start = self._window_start(bookmark)
        if next_start >= self.read_end:
            return
        window = Window(next_start, self.read_end)
        yield ReadStep(Reach.WINDOW_OPENED, window=window)
        yield from self._window_steps(window, None)

    def _first_run_listed(self, window: Window) -> Iterator[ReadStep]:
        """First run since start_date through list pages kept to the window (the plan's
        choice when the window holds most records); the bookmark then moves to read_end."""
        for page in self.planned.filtered_list_pages(window):
            yield ReadStep(Reach.NOTHING, page)
        if self.config.get("include_archived"):
            yield from self._archived_between(window)
        yield ReadStep(Reach.LISTED)

    def _window_steps(self, window: Window, after_id: int | None) -> Iterator[ReadStep]:
        for page in self.reader.search_window(window, after_id=after_id):
            yield ReadStep(Reach.WINDOW_PAGE, page, window)
        yield ReadStep(Reach.WINDOW_CLOSED, window=window)

    def _archived_between(self, window: Window) -> Iterator[ReadStep]:
        """Archived records (never in search) whose archivedAt falls inside `window`."""
        for page in self.reader.list_pages(archived=True):
            yield ReadStep(Reach.NOTHING, [obj for obj in page if _archived_inside(obj, window)])

    def _window_start(self, bookmark: dt.datetime | None) -> dt.datetime:
        lookback = dt.timedelta(minutes=float(self.config.get("lookback_minutes") or 0))
        if bookmark:
            return bookmark - lookback
        start = parse_datetime(self.config.get("start_date"))
        return start or dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass
class IncrementalRead:
    """Writes one incremental read's steps (`records()`), its state kept in `progress`."""

    steps: Iterator[ReadStep]  # IncrementalSource.steps, read now or read ahead
    flow: PageFlow
    progress: StreamProgress
    read_end: dt.datetime
    budget_spent: Callable[[], bool]  # True when the budget allows no new page
    checkpoint: Callable[[], None]

    def records(self) -> Iterator[dict[str, Any]]:
        """Emit every step's records, applying its position once they are written; stop at
        max_records or the request budget (both keep reading ahead off; the sync's end
        cancels any source left)."""
        progress, flow = self.progress, self.flow
        try:
            for step in self.steps:
                if step.reach is Reach.WINDOW_OPENED:
                    assert step.window is not None
                    progress.start_window(step.window)
                    self.checkpoint()
                elif step.reach is Reach.WINDOW_CLOSED:
                    assert step.window is not None
                    flow.drain()
                    progress.finish_window(step.window)
                    self.checkpoint()
                elif step.reach is Reach.LISTED:
                    flow.drain()
                    progress.finish_full_read(self.read_end)
                    self.checkpoint()
                else:
                    mark = _advance(progress) if step.reach is Reach.WINDOW_PAGE else None
                    yield from flow.emit(step.objects, mark=mark)
                    if flow.stats.truncated or self.budget_spent():
                        return
        finally:
            close = getattr(self.steps, "close", None)
            if close is not None:
                close()  # a source read now stops its reads (read_ahead.py stops its own)


def steps_of(
    source: IncrementalSource, ahead: tuple[IncrementalStart, ReadAhead[ReadStep]] | None
) -> Iterator[ReadStep]:
    """The read's steps: those read ahead when they started from the same state (else they
    are dropped and the steps are read now)."""
    if ahead is None:
        return source.steps()
    start, steps = ahead
    if start == source.start:
        return steps.pages()
    steps.cancel(wait=True)  # the same reader reads now: the dropped source must have ended
    return source.steps()


class StepIds(Protocol):
    """Told the ids each step read ahead will feed (association/prefetch.AheadBatches)."""

    def step(self, ids: list[str], *, flush: bool) -> None: ...


def telling(
    steps: Callable[[], Iterator[ReadStep]], listener: StepIds
) -> Callable[[], Iterator[ReadStep]]:
    """`steps` that tell `listener` each page's ids as it is read (on the read-ahead thread),
    and where the writer drains its hooks: a window's close, a first run's list end, the end."""

    def told() -> Iterator[ReadStep]:
        for step in steps():
            drains = step.reach in (Reach.WINDOW_CLOSED, Reach.LISTED)
            listener.step([str(obj["id"]) for obj in step.objects], flush=drains)
            yield step
        listener.step([], flush=True)

    return told


def _advance(progress: StreamProgress) -> Callable[[list[str]], None]:
    """A window page's position: the last id written (a page cut short moves less)."""

    def advance(ids: list[str]) -> None:
        progress.advance_window(int(ids[-1]))

    return advance


def _archived_inside(obj: CrmObject, window: Window) -> bool:
    archived_at = parse_datetime(obj.get("archivedAt"))
    return archived_at is None or window.contains(archived_at)


def _window_text(window: Window) -> str:
    return f"[{window.start.isoformat()}, {window.end.isoformat()}]"
