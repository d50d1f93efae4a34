"""Requests in flight at once: a bounded worker pool; Singer output stays on the caller's thread.

Workers only send requests and decode answers (through the shared client, whose limiters are
thread-safe); every record, marker and STATE is written by the thread that runs the streams,
in the order a sequential run writes them. `max_concurrent_requests = 1` runs every task inline,
exactly as before concurrency existed.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Generic, TypeVar

DEFAULT_MAX_CONCURRENT_REQUESTS = 8
T = TypeVar("T")


class RequestPool:
    """Runs request tasks on up to `size` worker threads (inline when `size` is 1)."""

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError("max_concurrent_requests must be >= 1")
        self.size = size
        self._executor: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    @property
    def concurrent(self) -> bool:
        return self.size > 1

    def submit(self, task: Callable[[], T]) -> Future[T]:
        """Start `task` (on a worker, or now when sequential); its errors surface in result()."""
        if not self.concurrent:
            future: Future[T] = Future()
            try:
                future.set_result(task())
            except BaseException as exc:  # re-raised by result(), like a worker's
                future.set_exception(exc)
            return future
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(self.size, thread_name_prefix="hubspot")
            return self._executor.submit(task)

    def settle_all(self, tasks: Iterable[Callable[[], T]]) -> list[Future[T]]:
        """Start every task, wait until each has finished, and return their futures in order.

        Callers read the results only then, so an error raised from one result comes after
        every sibling request has ended: nothing is logged after the run's error line."""
        futures = [self.submit(task) for task in tasks]
        wait(futures)
        return futures

    def shutdown(self) -> None:
        """Wait for running tasks, then stop the workers. The lock is not held while waiting:
        a running task that submits another gets the executor's RuntimeError in its result
        instead of waiting for the lock forever."""
        with self._lock:
            executor = self._executor
        if executor is None:
            return
        executor.shutdown(wait=True, cancel_futures=True)
        with self._lock:
            if self._executor is executor:
                self._executor = None


class OrderedPipeline(Generic[T]):
    """Tasks started in order, results handed back in the same order.

    At most `depth` tasks are outstanding: submitting one more first waits for the oldest.
    `ready()` yields the finished prefix without blocking; `drain()` waits for everything.
    """

    def __init__(self, pool: RequestPool, depth: int) -> None:
        self._pool = pool
        self._depth = max(1, depth)
        self._queue: deque[tuple[object, Future[T]]] = deque()

    def __len__(self) -> int:
        return len(self._queue)

    def pending_keys(self) -> Iterator[object]:
        """The keys of tasks whose results were not handed back yet."""
        return (key for key, _ in self._queue)

    def submit(self, key: object, task: Callable[[], T]) -> Iterator[tuple[object, T]]:
        """Start `task`; yield (key, result) of the oldest ones while more than `depth` wait."""
        self._queue.append((key, self._pool.submit(task)))
        while len(self._queue) > self._depth:
            yield self._pop()
        yield from self.ready()

    def ready(self) -> Iterator[tuple[object, T]]:
        """Results of the finished tasks at the front, in submission order."""
        while self._queue and self._queue[0][1].done():
            yield self._pop()

    def drain(self) -> Iterator[tuple[object, T]]:
        """Every outstanding result, in submission order (waiting as needed)."""
        while self._queue:
            yield self._pop()

    def _pop(self) -> tuple[object, T]:
        key, future = self._queue.popleft()
        return key, future.result()
