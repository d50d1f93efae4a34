"""Count a Singer stream's messages per stream as they arrive, and keep the last STATE."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import IO

import orjson

_RECORD_PREFIX = b'{"type":"RECORD","stream":"'


@dataclass
class StreamCount:
    """Records of one stream and when the first and last arrived."""

    records: int = 0
    first: float = 0.0
    last: float = 0.0

    @property
    def records_per_s(self) -> float:
        """Records per second between the first and the last record."""
        span = self.last - self.first
        return self.records / span if span > 0 else float(self.records)


@dataclass
class SingerCounter:
    """Reads Singer lines from a pipe in a thread; cheap on RECORD lines."""

    streams: dict[str, StreamCount] = field(default_factory=dict)
    last_state: dict[str, object] | None = None
    messages: int = 0
    _thread: threading.Thread | None = None

    def start(self, pipe: IO[bytes]) -> None:
        """Start reading ``pipe`` until EOF."""
        self._thread = threading.Thread(target=self._read, args=(pipe,), daemon=True)
        self._thread.start()

    def join(self) -> None:
        """Wait until the pipe is drained."""
        if self._thread:
            self._thread.join()

    def _read(self, pipe: IO[bytes]) -> None:
        for line in pipe:
            self.messages += 1
            if line.startswith(_RECORD_PREFIX):
                end = line.index(b'"', len(_RECORD_PREFIX))
                self._count(line[len(_RECORD_PREFIX) : end].decode())
                continue
            message = orjson.loads(line)
            if message.get("type") == "RECORD":
                self._count(str(message["stream"]))
            elif message.get("type") == "STATE":
                self.last_state = message["value"]

    def _count(self, stream: str) -> None:
        now = time.perf_counter()
        count = self.streams.get(stream)
        if count is None:
            count = self.streams[stream] = StreamCount(first=now)
        count.records += 1
        count.last = now
