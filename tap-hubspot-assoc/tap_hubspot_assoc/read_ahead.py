"""Object pages read ahead of their stream's turn, so a portal's types are read concurrently.

singer-sdk syncs streams one after another on one thread, the writer: every RECORD, marker
and STATE is written there, in the same order as without reading ahead, so the output and
the state are exactly as valid as a sequential run's. What moves earlier is only the reading:
at the sync's start each full read's page source (list pages, or the read plan's keyset
chains) starts on a dedicated thread (never a `RequestPool` worker: the sources submit their
own requests to the pool and wait for them, so running them there could deadlock) and puts
its pages into a bounded buffer. When the stream's turn comes, it takes the pages from the
buffer instead of reading them itself; association and history reads start from those pages
on the writer's thread as before. Every request still goes through the one shared client,
its rate limiters and its in-flight slots.

Memory stays bounded whatever the portal's size: streams whose turn has not come share
`BUFFERED_PAGES` pages (each also at most `STREAM_PAGES`); the stream being written only has
its own `STREAM_PAGES` (it never waits for the shared budget, so nothing can deadlock).
An error of a source is re-raised on the writer's thread when that stream takes its pages,
at the point where a sequential run would have raised it. On any failure of the run (or its
end) every source still running is cancelled: its thread stops at its next page.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")

BUFFERED_PAGES = 100  # pages held by all streams waiting for their turn (100 records each)
STREAM_PAGES = 20  # pages held by one stream
_POLL_SECONDS = 0.1  # how often a blocked source looks whether it was cancelled


class PageBudget:
    """The pages all waiting read-aheads may hold together."""

    def __init__(self, limit: int = BUFFERED_PAGES) -> None:
        self.limit = max(1, limit)
        self.used = 0
        self._changed = threading.Condition()

    def acquire(self, ahead: ReadAhead[Any]) -> bool:
        """Count one page of `ahead`; False when it need not be counted (its turn came) or
        it was cancelled while waiting."""
        with self._changed:
            while not ahead.taking and not ahead.cancelled:
                if self.used < self.limit:
                    self.used += 1
                    return True
                self._changed.wait(_POLL_SECONDS)
            return False

    def release(self) -> None:
        with self._changed:
            self.used -= 1
            self._changed.notify_all()

    def wake(self) -> None:
        with self._changed:
            self._changed.notify_all()


@dataclass(frozen=True)
class _Item(Generic[T]):
    page: T | None = None
    error: BaseException | None = None
    end: bool = False
    counted: bool = False  # holds a unit of the shared PageBudget


class ReadAhead(Generic[T]):
    """One stream's page source, run on its own thread into a bounded buffer."""

    def __init__(
        self,
        name: str,
        source: Callable[[], Iterator[T]],
        budget: PageBudget,
        depth: int = STREAM_PAGES,
    ) -> None:
        self.name = name
        self._source = source
        self._budget = budget
        self._buffer: queue.Queue[_Item[T]] = queue.Queue(maxsize=max(1, depth))
        self._thread = threading.Thread(target=self._run, name=f"read-ahead-{name}", daemon=True)
        self.taking = False  # the stream's turn came: it takes pages as they arrive
        self.cancelled = False
        self.taken = 0  # pages handed to the stream

    def start(self) -> ReadAhead[T]:
        self._thread.start()
        return self

    def pages(self) -> Iterator[T]:
        """The source's pages in order, on the writer's thread; its error is raised here."""
        self.taking = True
        self._budget.wake()
        while True:
            item = self._buffer.get()
            if item.counted:
                self._budget.release()
            if item.error is not None:
                raise item.error
            if item.end:
                return
            self.taken += 1
            assert item.page is not None
            yield item.page

    def cancel(self, *, wait: bool = False) -> None:
        """Stop the source at its next page and drop what it holds (idempotent). With `wait`,
        return only once its thread has ended (its request in flight answered), so nothing of
        it runs alongside a read started in its place."""
        self.cancelled = True
        self._budget.wake()
        while True:
            try:
                item = self._buffer.get_nowait()
            except queue.Empty:
                break
            if item.counted:
                self._budget.release()
        self._thread.join(timeout=None if wait else 5 * _POLL_SECONDS)

    def _run(self) -> None:
        pages: Iterator[T] | None = None
        try:
            pages = self._source()
            for page in pages:
                if not self._put(_Item(page=page, counted=self._budget.acquire(self))):
                    return
            self._put(_Item(end=True))
        except BaseException as exc:  # handed to the writer, raised at the stream's turn
            self._put(_Item(error=exc))
        finally:
            close = getattr(pages, "close", None) if pages is not None else None
            if close is not None:
                close()  # a generator's `finally` (the keyset chains stop their reads)

    def _put(self, item: _Item[T]) -> bool:
        while not self.cancelled:
            try:
                self._buffer.put(item, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        if item.counted:
            self._budget.release()
        return False


class ReadAheads:
    """Every read-ahead of one run: started together, cancelled together."""

    def __init__(self, budget: PageBudget | None = None) -> None:
        self.budget = budget or PageBudget()
        self.started: list[ReadAhead[Any]] = []
        self._on_cancel: list[Callable[[], None]] = []

    def on_cancel(self, drop: Callable[[], None]) -> None:
        """Also run `drop` at `cancel_all` (what was fetched along with the pages)."""
        self._on_cancel.append(drop)

    def start(self, name: str, source: Callable[[], Iterator[T]]) -> ReadAhead[T]:
        ahead: ReadAhead[T] = ReadAhead(name, source, self.budget).start()
        self.started.append(ahead)
        return ahead

    def cancel_all(self) -> None:
        for ahead in self.started:
            ahead.cancel()
        self.started = []
        for drop in self._on_cancel:
            drop()
        self._on_cancel = []
