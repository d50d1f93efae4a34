"""One direction's association reads for batches of parents: records, markers, versions.

A `DirectionSync` reads a batch of up to 1,000 parents (following each parent's cursor, or
takes the answers a worker fetched), writes the association records and, after a parent's
last record, its `association_parent_syncs` marker; it opens and closes the association
stream's version on full reads and logs the direction's summary.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Container, Sequence
from dataclasses import dataclass, field

from tap_hubspot_assoc.association.batches import FetchedBatch
from tap_hubspot_assoc.association.reader import (
    BATCH_SIZE,
    AssociationReader,
    ParentDone,
    ParentFailed,
    ParentRows,
)
from tap_hubspot_assoc.association.streams import AssociationParentSyncsStream, AssociationStream
from tap_hubspot_assoc.properties import format_datetime
from tap_hubspot_assoc.versions import new_version

REPORTED_FAILURES = 50
RETRY_LIMIT = 10_000  # failed parents remembered in the state for the next run


@dataclass
class DirectionStats:
    """What one direction did in this run (for progress lines and the summary)."""

    parents: int = 0
    parents_without: int = 0
    rows: int = 0
    by_type: Counter[int] = field(default_factory=Counter)
    failed: int = 0
    failed_ids: list[str] = field(default_factory=list)
    retry_ids: list[str] = field(default_factory=list)
    failure_reasons: Counter[str] = field(default_factory=Counter)
    batches: int = 0
    started: float = field(default_factory=time.monotonic)


class DirectionSync:
    """Reads one direction for batches of parents and writes records and markers."""

    def __init__(
        self,
        reader: AssociationReader,
        stream: AssociationStream,
        markers: AssociationParentSyncsStream,
        logger: logging.Logger,
    ) -> None:
        self.direction = reader.direction
        self.reader = reader
        self.stream = stream
        self.markers = markers
        self._logger = logger
        self.stats = DirectionStats()
        self._version: int | None = None
        self._begun = False
        # Scoped runs: markers also ask the target to drop this stream's mirror rows (the
        # reverse stream's rows pointing at the parent) whose link the parent no longer has.
        self.reverse_stream: str | None = None

    @property
    def active(self) -> bool:
        """Read only when the association stream is selected."""
        return bool(self.stream.selected)

    def begin(self, *, full_version: bool, version: int | None = None) -> None:
        """Announce the streams; on a complete full read of the parents open a table version
        (``version``: the parents' read spanning runs, else a new one)."""
        if self._begun:
            return
        self._begun = True
        self.stats.started = time.monotonic()
        self.stream.announce()
        if self.markers.selected:
            self.markers.announce()
        if full_version:
            self._version = version if version is not None else new_version()
            self.stream.open_version(self._version)

    def prepare(self) -> None:
        """Discover the direction's labels on the streams' thread, before any worker reads."""
        self.reader.labels.of(self.direction)

    def read_batch(
        self,
        from_ids: Sequence[str],
        linked: set[str] | None = None,
        linked_from: Container[str] | None = None,
        to_filter: Container[str] | None = None,
        fetched: FetchedBatch | None = None,
    ) -> None:
        """Read up to 1,000 parents (or write the answers `fetched` already holds); `linked`
        collects the to ids seen (of the parents in `linked_from` only, when given). With
        `to_filter` only rows to those ids are written and no marker (the parents' sets are
        not delivered whole)."""
        stats = self.stats
        requests_before, rows_before = self.reader.thread_requests(), stats.rows
        without_before, failed_before = stats.parents_without, stats.failed
        counts: Counter[str] = Counter()
        events = fetched.events if fetched is not None else self.reader.read(from_ids)
        for event in events:
            if isinstance(event, ParentRows):
                rows = event.rows
                if to_filter is not None:
                    rows = [row for row in rows if row.to_id in to_filter]
                for row in rows:
                    self.stream.write(
                        {
                            "from_object_type": self.direction.from_type,
                            "from_object_id": event.from_id,
                            "to_object_type": self.direction.to_type,
                            "to_object_id": row.to_id,
                            "association_type_id": row.type_id,
                            "association_category": row.category,
                            "association_label": row.label,
                        }
                    )
                    stats.by_type[row.type_id] += 1
                    if linked is not None and (linked_from is None or event.from_id in linked_from):
                        linked.add(row.to_id)
                counts[event.from_id] += len(rows)
                stats.rows += len(rows)
            elif isinstance(event, ParentDone) and to_filter is None:
                self._done(event, counts[event.from_id])
            elif isinstance(event, ParentDone):
                self.stats.parents += 1
            elif isinstance(event, ParentFailed):
                self._failed(event)
        stats.batches += 1
        self._logger.info(
            "Associations %s batch %d: %d parents, %d request(s), %d associations, "
            "%d without any, %d failed (run: %d parents, %d associations, %d failed)",
            self.direction,
            stats.batches,
            len(from_ids),
            fetched.requests
            if fetched is not None
            else self.reader.thread_requests() - requests_before,
            stats.rows - rows_before,
            stats.parents_without - without_before,
            stats.failed - failed_before,
            stats.parents,
            stats.rows,
            stats.failed,
        )

    def fetch(self, from_ids: Sequence[str]) -> FetchedBatch:
        """Read a batch without writing anything (safe on a worker thread)."""
        before = self.reader.thread_requests()
        events = list(self.reader.read(from_ids))
        return FetchedBatch(events, self.reader.thread_requests() - before)

    def _done(self, event: ParentDone, emitted: int) -> None:
        if emitted != event.count:  # cannot happen: rows are deduplicated by the reader
            self._logger.error(
                "%s %s: %d rows emitted but %d counted",
                self.direction,
                event.from_id,
                emitted,
                event.count,
            )
        self.stats.parents += 1
        self.stats.parents_without += int(event.count == 0)
        if self.markers.selected:
            self.markers.write(
                {
                    "association_stream": self.stream.name,
                    "from_object_type": self.direction.from_type,
                    "to_object_type": self.direction.to_type,
                    "from_object_id": event.from_id,
                    "association_count": event.count,
                    "synced_at": format_datetime(event.synced_at),
                    "reverse_stream": self.reverse_stream,
                }
            )

    def _failed(self, event: ParentFailed) -> None:
        self.stats.failed += 1
        self.stats.failure_reasons[event.reason] += 1
        if len(self.stats.failed_ids) < REPORTED_FAILURES:
            self.stats.failed_ids.append(event.from_id)
        if len(self.stats.retry_ids) < RETRY_LIMIT:
            self.stats.retry_ids.append(event.from_id)
        self._logger.warning(
            "Associations %s of %s not read completely (no marker): %s",
            self.direction,
            event.from_id,
            event.reason,
        )

    def read_all(
        self,
        from_ids: Sequence[str],
        linked: set[str] | None = None,
        to_filter: Container[str] | None = None,
    ) -> None:
        """Read any number of parents, 1,000 per batch."""
        for start in range(0, len(from_ids), BATCH_SIZE):
            self.read_batch(from_ids[start : start + BATCH_SIZE], linked, to_filter=to_filter)

    def finish(self, *, complete: bool) -> None:
        """Close the table version if every parent was read; log the summary."""
        if self._version is not None:
            if complete and not self.stats.failed:
                self.stream.announce_version()
            else:
                self._logger.warning(
                    "%s: full read %s; no closing ACTIVATE_VERSION, so associations of "
                    "parents deleted in HubSpot are not removed in this run",
                    self.stream.name,
                    f"had {self.stats.failed} failed parents"
                    if self.stats.failed
                    else "did not complete",
                )
            self._version = None
        self.log_summary()

    def log_summary(self) -> None:
        stats = self.stats
        self._logger.info(
            "Summary %s: %d parents read (%d without associations), %d associations "
            "(per type id: %s), %d failed parents%s, %d batch requests, %.1fs",
            self.stream.name,
            stats.parents,
            stats.parents_without,
            stats.rows,
            ", ".join(f"{t}={n}" for t, n in sorted(stats.by_type.items())) or "none",
            stats.failed,
            _failures_text(stats) if stats.failed else "",
            self.reader.requests,
            time.monotonic() - stats.started,
        )


def _failures_text(stats: DirectionStats) -> str:
    more = " ..." if stats.failed > len(stats.failed_ids) else ""
    reasons = "; ".join(f"{n}x {r}" for r, n in stats.failure_reasons.most_common(3))
    return f" (ids: {', '.join(stats.failed_ids)}{more}; {reasons})"
