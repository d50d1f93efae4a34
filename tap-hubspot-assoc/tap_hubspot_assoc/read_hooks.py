"""What happens around an object stream's read: the one way other streams hook into it.

A `ReadHook` is told of every event of each read of the object streams it is attached to
(`streams.attach`, the one wiring): the read begins, a page's ids are fed, a record that
absorbed merged records is seen, the pages are all fed, the read is done. Association
feeders (`association/feeders.py`), history (`history/feeder.py`), merges reporting
(`merges.py`) and parity (`parity.py`) are hooks; each overrides the events it needs.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from tap_hubspot_assoc.read_stats import ReadMode, ReadStats
from tap_hubspot_assoc.readers import ObjectReader


class ReadStop(enum.Enum):
    """What ended a read before its last page."""

    MAX_RECORDS = "read stopped at max_records"
    REQUEST_BUDGET = "read stopped by the request budget"

    @classmethod
    def of(cls, stats: ReadStats) -> ReadStop | None:
        """What stopped the read `stats` describes; None when it read every page."""
        if stats.budget_stopped:
            return cls.REQUEST_BUDGET
        return cls.MAX_RECORDS if stats.truncated else None


@dataclass(frozen=True)
class ReadStart:
    """An object stream's read begins."""

    stream: str
    mode: ReadMode
    complete_read: bool  # a full read that opens versions (not capped)
    retry: Mapping[str, list[str]] = field(default_factory=dict)  # failed parents, per stream
    # A full read that may span runs (request_budget): its table version, which its
    # association streams use too (None: they number their own).
    version: int | None = None


@dataclass(frozen=True)
class ReadEnd:
    """An object stream's read is done and its state saved."""

    stream: str
    selected: bool  # the object stream's records are written (not only read for others)
    mode: ReadMode
    stop: ReadStop | None  # None: every page was read
    capped: bool  # max_records or singer-sdk's --test: no read of this run is complete
    reader: ObjectReader


class ReadHook:
    """Something done around an object stream's read; every event is a no-op here.

    `holding` = ids fed but not written yet: the stream checkpoints past a page only once no
    hook holds any of its ids, so a killed run re-reads them.
    """

    @property
    def holding(self) -> int:
        return 0

    @property
    def sweeps(self) -> bool:
        """True when the hook wants every id listed by full_association_sync."""
        return False

    def begin(self, start: ReadStart) -> None:
        """The read begins (before its first page)."""

    def feed(self, ids: Sequence[str]) -> None:
        """One emitted page's ids."""

    def sweep(self, ids: Sequence[str]) -> None:
        """Ids listed only to re-read associations (full_association_sync)."""

    def merged(self, stream: str, survivor: str, absorbed: Sequence[str]) -> None:
        """A record of `stream` (fed with the next page) absorbed the `absorbed` ids."""

    def flush(self) -> None:
        """Write everything held now (the stream is about to checkpoint)."""

    def finish(self, *, completed: bool) -> None:
        """Every page is fed (`completed`: the read was not stopped early)."""

    def failed_parents(self) -> dict[str, list[str]]:
        """Ids of this read to retry next run, per stream (kept in the object stream's state)."""
        return {}

    def after(self, end: ReadEnd) -> None:
        """The read is done and the object stream's state saved."""
