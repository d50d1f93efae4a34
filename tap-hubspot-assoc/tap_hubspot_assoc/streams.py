"""One Singer stream per CRM object type: its read modes, versions and state, and `attach`,
the one way other streams hook into its reads (read_hooks.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from singer_sdk import Stream, Tap
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.helpers.types import Context, Record

from tap_hubspot_assoc.answers import CrmObject
from tap_hubspot_assoc.client import HubSpotClient
from tap_hubspot_assoc.concurrency import RequestPool
from tap_hubspot_assoc.incremental_reads import (
    IncrementalRead,
    IncrementalSource,
    IncrementalStart,
    ReadStep,
    steps_of,
)
from tap_hubspot_assoc.object_types import CrmObjectType
from tap_hubspot_assoc.page_flow import PageFlow
from tap_hubspot_assoc.planned_reads import PlannedReads, budgets_from_config, plan_goal
from tap_hubspot_assoc.properties import PropertyDef, record_schema
from tap_hubspot_assoc.read_ahead import ReadAhead
from tap_hubspot_assoc.read_hooks import ReadEnd, ReadHook, ReadStart, ReadStop
from tap_hubspot_assoc.read_stats import ReadMode, ReadStats, log_summary
from tap_hubspot_assoc.readers import ObjectReader
from tap_hubspot_assoc.request_budget import log_stop, run_budget
from tap_hubspot_assoc.sdk_private import SdkStream, drive
from tap_hubspot_assoc.sync_state import (
    REPLICATION_KEY,
    FullReadPhase,
    FullReadPosition,
    StreamProgress,
    list_page_mark,
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
        # The full read's live pages or the incremental read's steps, started ahead of this
        # stream's turn (sync_start.py), the latter with the state they started from.
        self.read_ahead: ReadAhead[list[CrmObject]] | None = None
        self.steps_ahead: tuple[IncrementalStart, ReadAhead[ReadStep]] | None = None
        # The run's request budget (request_budget.py), shared by every object stream.
        self.budget = run_budget(client, self.config)
        if self.budget is not None:
            self.budget.register(self.name)  # and a share without daily header fails here
        # Emitted pages, and the hooks told of every read (`attach`).
        self.pages = PageFlow(
            self.name,
            self.property_defs,
            max_records=self.config.get("max_records"),
            budget=self.budget,
            client=client,
            logger=self.logger,
            checkpoint=self._checkpoint,
        )

    @property
    def read_stats(self) -> ReadStats:
        """What this run's read of the stream emitted and why it stopped."""
        return self.pages.stats

    # -- singer-sdk hooks ----------------------------------------------------------------

    def generate_child_contexts(
        self, record: Record, context: Context | None
    ) -> Iterable[Context | None]:
        """None: the streams in `child_streams` are written by this stream's read hooks, in
        batches (`attach`)."""
        return ()

    def get_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        """Emit this run's records: scoped, full or incremental (see README)."""
        self.pages.stats = ReadStats(mode=self._mode())
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
            # A full read that may span runs numbers its version now: its association streams
            # take the same one, and go on under it with their parents (README, budget).
            resumed = mode is ReadMode.FULL and self._progress_state().full_read is not None
            spanning = self._spanning_position(mode)
            again = incremental or resumed  # a read going on retries last run's failed parents
            retry = self._progress_state().association_retry if again else {}
            if self.budget is not None:
                self.budget.started(self.name)
            version = spanning.version if spanning is not None else None
            start = ReadStart(self.name, mode, self._complete_read(), retry, version)
            for hook in self.pages.hooks:
                hook.begin(start)
            yield from readers[mode]()
            if incremental and not self.read_stats.truncated:
                self._sweep_for_associations()
            self.pages.drain()
            for hook in self.pages.hooks:
                hook.finish(completed=not self.read_stats.truncated)
            if mode is not ReadMode.SCOPED:
                self._remember_failed_parents()
            end = self._read_end_event(mode)
            for hook in self.pages.hooks:
                hook.after(end)
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

    def _read_end_event(self, mode: ReadMode) -> ReadEnd:
        stop = ReadStop.of(self.read_stats)
        capped = not self._complete_read()
        return ReadEnd(self.name, bool(self.selected), mode, stop, capped, self.reader)

    # -- modes ------------------------------------------------------------------------

    def _mode(self) -> ReadMode:
        if self.config.get("contact_ids"):
            return ReadMode.SCOPED if self.object_type.is_contacts else ReadMode.SKIPPED
        if self.replication_method == "FULL_TABLE":  # forced through catalog metadata
            return ReadMode.FULL
        progress = self.progress_view()
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
        yield from self.pages.emit(result.objects)
        if missing and self.config.get("include_archived") and not self.read_stats.truncated:
            archived = self.reader.batch_read(missing, archived=True)
            missing = archived.missing_ids
            yield from self.pages.emit(archived.objects)
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
            yield from self.pages.emit(page)
            if self.read_stats.truncated:
                return
        if self.config.get("include_archived"):
            for page in self.reader.list_pages(archived=True):
                yield from self.pages.emit(page)
                if self.read_stats.truncated:
                    return
        if complete_read:
            self.pages.drain()  # the bookmark moves once every parent's associations are read
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
        position = progress.full_read or self._full_read_position()
        self.table_version = position.version
        self._records_at_version_open = self.read_stats.records
        phases = [FullReadPhase.LIVE]
        if self.config.get("include_archived"):
            phases.append(FullReadPhase.ARCHIVED)
        for phase in phases[phases.index(position.phase) :] if position.phase in phases else []:
            after = position.after if phase is position.phase else None
            archived = phase is FullReadPhase.ARCHIVED
            for page in self.reader.list_pages(archived=archived, after=after):
                cursor = self.reader.list_cursor
                mark = list_page_mark(progress, position, phase, len(page), cursor)
                yield from self.pages.emit(page, mark=mark)
                if self.read_stats.truncated:
                    return
                more = self.reader.list_cursor is not None or phase is not phases[-1]
                if more and self._budget_spent():
                    return
        self.pages.drain()
        if self._complete_read():
            # Also over several runs: the target kept the earlier runs' keys of the version.
            self._announce_version()
        progress.finish_full_read(position.read_end)
        self._checkpoint()

    def _spanning_position(self, mode: ReadMode) -> FullReadPosition | None:
        """A full read that may span runs (a budget, or one going on): its position."""
        going_on = self._progress_state().full_read is not None
        spans = mode is ReadMode.FULL and (going_on or self.budget is not None)
        return self._full_read_position() if spans else None

    def _full_read_position(self) -> FullReadPosition:
        """The saved position of a full read going on, or a new one saved now."""
        progress = self._progress_state()
        position = progress.full_read
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
        return position

    def _budget_spent(self) -> bool:
        """True when the request budget allows no new page (the read is then marked stopped)."""
        if self.budget is None or self.budget.reached() is None:
            return False
        self.read_stats.truncated = self.read_stats.budget_stopped = True
        return True

    def incremental_source(self) -> IncrementalSource:
        """This run's incremental read (its steps read now, or ahead: sync_start.py)."""
        start = IncrementalStart.of(self.progress_view())
        budgeted = self.budget is not None
        args = (self.config, self.reader, self.planned, start, self._read_end(), budgeted)
        return IncrementalSource(self.name, *args, self.logger)

    def _incremental_records(self) -> Iterator[dict[str, Any]]:
        """Search windows since the bookmark (incremental_reads.py), read ahead or now."""
        ahead, self.steps_ahead = self.steps_ahead, None
        read = IncrementalRead(
            steps_of(self.incremental_source(), ahead),
            self.pages,
            self._progress_state(),
            self._read_end(),
            self._budget_spent,
            self._checkpoint,
        )
        return read.records()

    # -- hooks and checkpoints -----------------------------------------------------------

    def _remember_failed_parents(self) -> None:
        """Parents whose associations could not be read are retried by the next run."""
        failed = self.pages.failed_parents()
        progress = self._progress_state()
        if failed != progress.association_retry:
            progress.set_association_retry(failed)
            self._checkpoint()

    def _sweep_for_associations(self) -> None:
        """full_association_sync: list every active id (no properties) for the hooks."""
        sweepers = self.pages.sweepers()
        if not sweepers or not self.config.get("full_association_sync"):
            return
        self.logger.info(
            "Listing every %s id to re-read its associations (full_association_sync)", self.name
        )
        listed = 0
        for ids in self.reader.list_ids():
            listed += len(ids)
            for hook in sweepers:
                hook.sweep(ids)
            if self._budget_spent():
                self.logger.info("%s: association sweep stopped by the request budget", self.name)
                break
        self.logger.info("Listed %d %s ids for association reads", listed, self.name)

    def _read_end(self) -> dt.datetime:
        """Upper end of what this run reads: sync start minus the search-index safety lag."""
        lag = float(self.config.get("safety_lag_seconds") or 0)
        return self.sync_started_at - dt.timedelta(seconds=lag)

    def _progress_state(self) -> StreamProgress:
        return StreamProgress(self.stream_state)

    def progress_view(self) -> StreamProgress:
        """The state, only to read: unlike `stream_state` it adds no empty bookmark to the
        tap's state, so looking before the stream's turn changes no STATE message."""
        return StreamProgress((self.tap_state.get("bookmarks") or {}).get(self.name) or {})

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


def attach(
    hook: ReadHook,
    *,
    to: Sequence[CrmObjectStream],
    drives: Sequence[Stream] = (),
    writes: Sequence[Stream] = (),
) -> None:
    """The one wiring of a read hook: it is told of every read of the streams `to` and writes
    `drives` and `writes`, which singer-sdk then never syncs on their own (sdk_private.drive).
    Selecting one of `drives` makes singer-sdk read `to` for it (association and history
    streams); `writes` are written only while `to` is read anyway (markers, merges, parity)."""
    for stream in to:
        stream.pages.hooks.append(hook)
    for driven in drives:
        drive(driven, by=to)
    for written in writes:
        drive(written)
