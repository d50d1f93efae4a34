"""What an object stream hands every emitted page to (association and history feeders)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol

from tap_hubspot_assoc.read_stats import ReadMode


class PageConsumer(Protocol):
    """Receives the ids of every emitted page: `association.feeders.ParentFeeder` (association
    reads) and `history.feeder.HistoryFeeder` (property history).

    `holding` = ids received but not processed yet: the stream only checkpoints past a page
    once no consumer holds any of its ids, so a killed run re-reads those parents.
    """

    @property
    def active(self) -> bool: ...

    @property
    def holding(self) -> int: ...

    def begin(
        self, mode: ReadMode, *, complete_read: bool, retry: Mapping[str, list[str]]
    ) -> None: ...

    def note_survivors(self, ids: Iterable[str]) -> None: ...

    def feed(self, ids: Iterable[str]) -> None: ...

    def sweep(self, ids: Iterable[str]) -> None: ...

    def flush(self) -> None: ...

    def finish(self, *, completed: bool) -> None: ...

    def failed_parents(self) -> dict[str, list[str]]: ...
