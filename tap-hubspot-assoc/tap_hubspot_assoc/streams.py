"""One Singer stream per CRM object type: full list reads, windowed search, targeted reads."""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from singer_sdk import Tap
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.helpers.types import Context, Record

from tap_hubspot_assoc.answers import CrmObject
from tap_hubspot_assoc.client import HubSpotClient
from tap_hubspot_assoc.concurrency import RequestPool
from tap_hubspot_assoc.driven_streams import MergesStream
from tap_hubspot_assoc.object_records import merged_ids, to_record
from tap_hubspot_assoc.object_types import CrmObjectType
from tap_hubspot_assoc.page_consumer import PageConsumer
from tap_hubspot_assoc.planned_reads import PlannedReads, budgets_from_config, plan_goal
from tap_hubspot_assoc.properties import (
    PropertyDef,
    format_datetime,
    parse_datetime,
    record_schema,
)
from tap_hubspot_assoc.read_ahead import ReadAhead
from tap_hubspot_assoc.read_stats import ReadMode, ReadStats, log_progress, log_summary
from tap_hubspot_assoc.readers import ObjectReader, Window
from tap_hubspot_assoc.request_budget import log_stop, run_budget
from tap_hubspot_assoc.sdk_private import SdkStream
from tap_hubspot_assoc.sync_state import (
    REPLICATION_KEY,
    FullReadPhase,
    FullReadPosition,
    StreamProgress,
)
from tap_hubspot_assoc.versions import announce_complete, new_version


class CrmObjectStream(SdkStream):
    """Records of one CRM object type (standard or custom), named by the type's stream name."""

    # Records are built already typed from the schema (properties.py / the association
    # readers), so singer-sdk's per-record conformance pass would only repeat that work.
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE

    primary_keys = ("id",)
    replication_key = REPLICATION_KEY

    def __init__(
        self,
        tap: Tap,
        *,
        object_type: CrmObjectType,
        properties: Sequence[PropertyDef],
        client: HubSpotClient,
        pool: RequestPool,
        sync_started_at: dt.datetime,
    ) -> None:
        self.object_type = object_type
        self.sync_started_at = sync_started_at
        self.property_defs = list(properties)
        self.client = client
        super().__init__(tap, schema=record_schema(self.property_defs), name=object_type.name)
        self.reader = ObjectReader(client, object_type, self.property_defs, self.logger, pool)
        self.planned = PlannedReads(
            self.reader,
            pool,
            budgets_from_config(self.config, pool),
            plan_goal(self.config),
            self.logger,
        )
        self._records_at_version_open = 0
        self.read_stats = ReadStats()
        # Get the ids of every emitted page (batched association reads).
        self.page_consumers: list[PageConsumer] = []
        self._fed = 0  # ids handed to the consumers so far
        self._marks: deque[tuple[int, Callable[[], None]]] = deque()  # state changes waiting
        # Called once the read is complete (parity counts, deletion reconciliation).
        self.read_observers: list[Callable[[CrmObjectStream], None]] = []
        self.merges: MergesStream | None = None  # where merged-away ids are reported
        # The full read's live pages, started ahead of this stream's turn (read_ahead.py).
        self.read_ahead: ReadAhead[list[CrmObject]] | None = None
        # The run's request budget (request_budget.py), shared by every object stream.
        self.budget = run_budget(client, self.config)
        if self.budget is not None:
            self.budget.register(self.name)  # and a share without daily header fails here

    # -- singer-sdk hooks ----------------------------------------------------------------

    def generate_child_contexts(
        self, record: Record, context: Context | None
    ) -> Iterable[Context | None]:
        """None: the streams in `child_streams` are driven through `page_consumers`, in
        batches (sdk_private.drive)."""
        return ()

    def get_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        """Emit this run's records: scoped, full or incremental (see README)."""
        self.read_stats = ReadStats(mode=self._mode())
        requests_before = self.client.stats.total_requests
        self.logger.info("Syncing %s: %s read", self.name, self.read_stats.mode)
        mode = self.read_stats.mode
        if mode.reads and self._budget_spent():
            self.read_stats.mode = ReadMode.NOT_READ
            self.logger.info("Not reading %s: the request budget is spent", self.name)
            mode = ReadMode.NOT_READ
        readers = {
            ReadMode.SCOPED: self._scoped_records,
            ReadMode.FULL: self._full_records,
            ReadMode.INCREMENTAL: self._incremental_records,
        }
        if mode.reads:
            incremental = mode is ReadMode.INCREMENTAL
            retry = self._progress_state().association_retry if incremental else {}
            # A full read going on from an earlier run opens no association versions: their
            # rows of the earlier runs would not be in this run's version (README, budget).
            resumed = mode is ReadMode.FULL and self._progress_state().full_read is not None
            complete_read = self._complete_read() and not resumed
            if self.budget is not None:
                self.budget.started(self.name)
            for consumer in self.page_consumers:
                consumer.begin(mode, complete_read=complete_read, retry=retry)
            yield from readers[mode]()
            if incremental and not self.read_stats.truncated:
                self._sweep_for_associations()
            self._drain()
            for consumer in self.page_consumers:
                consumer.finish(completed=not self.read_stats.truncated)
            if mode is not ReadMode.SCOPED:
                self._remember_failed_parents()
            for observe in self.read_observers:
                observe(self)
            if self.budget is not None:
                self.budget.finished(self.name, stopped=self.read_stats.budget_stopped)
        if self.budget is not None and self.budget.stopped is not None:
            log_stop(self.logger, self.budget)
        self.read_stats.window_violations = self.reader.window_violations
        log_summary(
            self.logger,
            self.name,
            self.read_stats,
            self.client,
            self.client.stats.total_requests - requests_before,
        )

    # -- modes ------------------------------------------------------------------------

    def _mode(self) -> ReadMode:
        if self.config.get("contact_ids"):
            return ReadMode.SCOPED if self.object_type.is_contacts else ReadMode.SKIPPED
        if self.replication_method == "FULL_TABLE":  # forced through catalog metadata
            return ReadMode.FULL
        progress = self._progress_state()
        if progress.full_read is not None:  # a full read stopped by the budget goes on
            return ReadMode.FULL
        if progress.bookmark or progress.pending or self.config.get("start_date"):
            return ReadMode.INCREMENTAL
        return ReadMode.FULL

    def read_mode(self) -> ReadMode:
        """How this run reads the stream (from the config and the stream's state)."""
        return self._mode()

    def _live_pages(self) -> Iterator[list[CrmObject]]:
        """A full read's live pages: from the read-ahead when one was started, else read now."""
        ahead, self.read_ahead = self.read_ahead, None
        return ahead.pages() if ahead is not None else self.planned.full_pages()

    def _scoped_records(self) -> Iterator[dict[str, Any]]:
        """Batch-read the configured contact ids; unknown ids are reported, not fatal."""
        ids = list(dict.fromkeys(str(i).strip() for i in self.config["contact_ids"] if str(i)))
        result = self.reader.batch_read(ids)
        missing = result.missing_ids
        yield from self._emit(result.objects)
        if missing and self.config.get("include_archived") and not self.read_stats.truncated:
            archived = self.reader.batch_read(missing, archived=True)
            missing = archived.missing_ids
            yield from self._emit(archived.objects)
        self.read_stats.unknown_ids = missing
        if missing:
            self.logger.warning(
                "%d of %d contact_ids not found in HubSpot (deleted, merged away or wrong): %s",
                len(missing),
                len(ids),
                ", ".join(missing[:50]),
            )

    def _complete_read(self) -> bool:
        """A capped read (max_records, or the SDK's --test dry run) must not start a version."""
        return not self.config.get("max_records") and self.ABORT_AT_RECORD_COUNT is None

    def _full_records(self) -> Iterator[dict[str, Any]]:
        """Every record via the list endpoint; ACTIVATE_VERSION once the read is complete."""
        if self.budget is not None or self._progress_state().full_read is not None:
            yield from self._resumable_full_records()
            return
        read_end = self._read_end()
        complete_read = self._complete_read()
        if complete_read:
            self._open_version()
        for page in self._live_pages():
            yield from self._emit(page)
            if self.read_stats.truncated:
                return
        if self.config.get("include_archived"):
            for page in self.reader.list_pages(archived=True):
                yield from self._emit(page)
                if self.read_stats.truncated:
                    return
        if complete_read:
            self._drain()  # the bookmark may only move once every parent's associations are read
            self._announce_version()
            self._progress_state().finish_full_read(read_end)
            self._checkpoint()

    def _resumable_full_records(self) -> Iterator[dict[str, Any]]:
        """A full read that may span runs (request_budget): list pages only, the position
        (phase, list cursor) and the table version kept in the state after every page."""
        if self.read_ahead is not None:  # pages from the start: not this read's
            self.read_ahead.cancel()
            self.read_ahead = None
        progress = self._progress_state()
        position = progress.full_read
        spans_runs = position is not None
        if position is None:
            position = FullReadPosition(new_version(), self._read_end())
            progress.save_full_read(position)
            self._checkpoint()
        else:
            self.logger.info(
                "Going on with the %s full read of version %d (%s records, cursor %s)",
                self.name,
                position.version,
                position.phase,
                "at the start" if position.after is None else "saved",
            )
        self.table_version = position.version
        self._records_at_version_open = self.read_stats.records
        phases = [FullReadPhase.LIVE]
        if self.config.get("include_archived"):
            phases.append(FullReadPhase.ARCHIVED)
        for phase in phases[phases.index(position.phase) :] if position.phase in phases else []:
            after = position.after if phase is position.phase else None
            archived = phase is FullReadPhase.ARCHIVED
            for page in self.reader.list_pages(archived=archived, after=after):
                mark = self._position_mark(progress, position, phase, len(page))
                yield from self._emit(page, checkpoint=mark)
                if self.read_stats.truncated:
                    return
                more = self.reader.list_cursor is not None or phase is not phases[-1]
                if more and self._budget_spent():
                    return
        self._drain()
        if self._complete_read():
            if spans_runs:
                self.logger.warning(
                    "%s: full read of version %d complete over several runs; no "
                    "ACTIVATE_VERSION (the target reconciles a version against the rows of one "
                    "run), so rows deleted in HubSpot before this read are not removed",
                    self.name,
                    position.version,
                )
            else:
                self._announce_version()
        progress.finish_full_read(position.read_end)
        self._checkpoint()

    def _position_mark(
        self,
        progress: StreamProgress,
        position: FullReadPosition,
        phase: FullReadPhase,
        page_size: int,
    ) -> Callable[[list[str]], None]:
        """The state change of one list page (applied once its consumers are done): the
        cursor after it, or the next phase after the last page. A page cut short by
        max_records moves nothing."""
        cursor = self.reader.list_cursor

        def advance(ids: list[str]) -> None:
            if len(ids) < page_size:
                return
            if cursor is None:
                position.phase, position.after = FullReadPhase.ARCHIVED, None
            else:
                position.phase, position.after = phase, cursor
            progress.save_full_read(position)

        return advance

    def _budget_spent(self) -> bool:
        """True when the request budget allows no new page (the read is then marked stopped)."""
        if self.budget is None or self.budget.reached() is None:
            return False
        self.read_stats.truncated = self.read_stats.budget_stopped = True
        return True

    def _incremental_records(self) -> Iterator[dict[str, Any]]:
        """Resume any interrupted window, then search the next closed window."""
        progress = self._progress_state()
        read_end = self._read_end()
        pending = progress.pending
        next_start = self._next_window_start(progress)
        if progress.bookmark is None and pending is None and self.budget is None:
            first_window = Window(next_start, read_end)
            if self.planned.first_run_lists(first_window):
                yield from self._first_run_listed(first_window, read_end)
                return
        if self.config.get("include_archived"):
            self.planned.archived_listing_note()
            oldest = min(pending.window.start, next_start) if pending else next_start
            yield from self._archived_between(Window(oldest, read_end))
        if pending and not self.read_stats.truncated:
            self.logger.info(
                "Resuming %s window %s after id %s",
                self.name,
                _window_text(pending.window),
                pending.last_id,
            )
            yield from self._window_records(pending.window, pending.last_id)
        next_start = self._next_window_start(progress)
        if self.read_stats.truncated or next_start >= read_end:
            return
        window = Window(next_start, read_end)
        progress.start_window(window)
        self._checkpoint()
        yield from self._window_records(window, None)

    # -- building blocks ----------------------------------------------------------------

    def _first_run_listed(self, window: Window, read_end: dt.datetime) -> Iterator[dict[str, Any]]:
        """First run since start_date through list pages kept to the window (the plan's
        choice when the window holds most records); the bookmark then moves to read_end."""
        for page in self.planned.filtered_list_pages(window):
            yield from self._emit(page)
            if self.read_stats.truncated:
                return
        if self.config.get("include_archived"):
            yield from self._archived_between(window)
            if self.read_stats.truncated:
                return
        self._drain()
        self._progress_state().finish_full_read(read_end)
        self._checkpoint()

    def _window_records(self, window: Window, after_id: int | None) -> Iterator[dict[str, Any]]:
        progress = self._progress_state()

        def advance(ids: list[str]) -> None:
            progress.advance_window(int(ids[-1]))

        for page in self.reader.search_window(window, after_id=after_id):
            yield from self._emit(page, checkpoint=advance)
            if self.read_stats.truncated or self._budget_spent():
                return
        self._drain()
        progress.finish_window(window)
        self._checkpoint()

    def _archived_between(self, window: Window) -> Iterator[dict[str, Any]]:
        """Archived records (never in search) whose archivedAt falls inside `window`."""
        for page in self.reader.list_pages(archived=True):
            recent = [obj for obj in page if _archived_inside(obj, window)]
            yield from self._emit(recent)
            if self.read_stats.truncated or self._budget_spent():
                return

    def _emit(
        self,
        objects: Iterable[CrmObject],
        *,
        checkpoint: Callable[[list[str]], None] | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Yield one page's records, then hand their ids on; `checkpoint` (called with the
        ids) records the page in the state once the consumers have read them."""
        limit = self.config.get("max_records")
        emitted: list[str] = []
        for obj in objects:
            if limit and self.read_stats.records >= limit:
                self.read_stats.truncated = True
                break
            record = to_record(obj, self.property_defs)
            self.read_stats.records += 1
            self.read_stats.archived_records += int(bool(record["archived"]))
            absorbed = merged_ids(obj)
            if absorbed:
                self._report_merges(record["id"], absorbed)
            yield record
            emitted.append(record["id"])
        if self.budget is not None:
            self.budget.page(self.name, len(emitted))
        self._page_done(emitted, checkpoint)
        log_progress(self.logger, self.name, self.read_stats, self.client)

    def _report_merges(self, survivor: str, absorbed: list[str]) -> None:
        """`merges` records for the absorbed ids; consumers re-read what the survivor links."""
        self.read_stats.merged_away_ids += len(absorbed)
        self.logger.debug("%s %s absorbed merged ids %s", self.name, survivor, ", ".join(absorbed))
        for consumer in self.page_consumers:
            consumer.note_survivors([survivor])
        if self.merges is None or not self.merges.selected:
            return
        seen_at = format_datetime(dt.datetime.now(tz=dt.UTC))
        for merged in absorbed:
            if merged != survivor:
                self.merges.write(
                    {
                        "object_type": self.name,
                        "merged_id": merged,
                        "survivor_id": survivor,
                        "seen_at": seen_at,
                    }
                )

    # -- pages, consumers and checkpoints ----------------------------------------------

    def _page_done(self, ids: list[str], checkpoint: Callable[[list[str]], None] | None) -> None:
        self._fed += len(ids)
        if checkpoint is not None and ids:
            self._marks.append((self._fed, lambda: checkpoint(ids)))
        for consumer in self.page_consumers:
            consumer.feed(ids)
        self._apply_durable_marks()

    def _apply_durable_marks(self) -> None:
        """Apply the state changes of pages whose ids every consumer has processed."""
        durable = self._fed - max((c.holding for c in self.page_consumers), default=0)
        applied = False
        while self._marks and self._marks[0][0] <= durable:
            self._marks.popleft()[1]()
            applied = True
        if applied:
            self._checkpoint()

    def _drain(self) -> None:
        """Let the consumers process everything they hold, then apply every waiting mark."""
        for consumer in self.page_consumers:
            consumer.flush()
        self._apply_durable_marks()

    def _remember_failed_parents(self) -> None:
        """Parents whose associations could not be read are retried by the next run."""
        failed: dict[str, list[str]] = {}
        for consumer in self.page_consumers:
            failed.update(consumer.failed_parents())
        progress = self._progress_state()
        if failed != progress.association_retry:
            progress.set_association_retry(failed)
            self._checkpoint()

    def _sweep_for_associations(self) -> None:
        """full_association_sync: list every active id (no properties) for the consumers."""
        consumers = [c for c in self.page_consumers if c.active]
        if not consumers or not self.config.get("full_association_sync"):
            return
        self.logger.info(
            "Listing every %s id to re-read its associations (full_association_sync)", self.name
        )
        listed = 0
        for ids in self.reader.list_ids():
            listed += len(ids)
            for consumer in consumers:
                consumer.sweep(ids)
            if self._budget_spent():
                self.logger.info("%s: association sweep stopped by the request budget", self.name)
                break
        self.logger.info("Listed %d %s ids for association reads", listed, self.name)

    def _next_window_start(self, progress: StreamProgress) -> dt.datetime:
        lookback = dt.timedelta(minutes=float(self.config.get("lookback_minutes") or 0))
        if progress.bookmark:
            return progress.bookmark - lookback
        start = parse_datetime(self.config.get("start_date"))
        return start or dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

    def _read_end(self) -> dt.datetime:
        """Upper end of what this run reads: sync start minus the search-index safety lag."""
        lag = float(self.config.get("safety_lag_seconds") or 0)
        return self.sync_started_at - dt.timedelta(seconds=lag)

    def _progress_state(self) -> StreamProgress:
        return StreamProgress(self.stream_state)

    def _checkpoint(self) -> None:
        """Emit a STATE message now (records before it have already been written)."""
        self.write_state_now()

    def _open_version(self) -> None:
        """Number this full read's version (its records carry it); announce nothing yet."""
        if self.table_version is None:
            self.table_version = new_version()
        self._records_at_version_open = self.read_stats.records

    def _announce_version(self) -> None:
        if not self.selected or self.table_version is None:
            return  # running only to feed association reads: no messages
        empty = self.read_stats.records == self._records_at_version_open
        announce_complete(self.write_activate_version, self.table_version, empty=empty)


def _archived_inside(obj: CrmObject, window: Window) -> bool:
    archived_at = parse_datetime(obj.get("archivedAt"))
    return archived_at is None or window.contains(archived_at)


def _window_text(window: Window) -> str:
    return f"[{window.start.isoformat()}, {window.end.isoformat()}]"
