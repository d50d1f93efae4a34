"""The one sink of every stream: intake → one transaction per batch.

Each idea lives in its own module: checking and buffering in ``intake``, what must be committed
first in ``ordering``, COPY text in ``copy_text``, the table's columns in ``stream_columns``
(DDL in ``ddl``), the upsert in ``batch_upsert``/``load_sql``, what else a stream's batch does in
``handlers``, the full-refresh machine in ``reconciliation`` and removing rows in ``removals``.
The sink wires them to the SDK and to the run's
:class:`~target_hubspot_overwrite.session.LoadSession`, whose writer commits the batch and logs
its ``batch_processing_time`` (the load path: ``docs/DESIGN.md``).
"""

from __future__ import annotations

import typing as t

from psycopg import Cursor
from psycopg import sql as q
from singer_sdk import metrics
from singer_sdk.exceptions import MissingKeyPropertiesError

from target_hubspot_overwrite import (
    ddl,
    handlers,
    open_versions,
    ordering,
    parity,
    reconciliation,
    removals,
)
from target_hubspot_overwrite.batch_context import BatchContext
from target_hubspot_overwrite.batch_upsert import BatchUpsert
from target_hubspot_overwrite.connector import HubspotOverwriteConnector
from target_hubspot_overwrite.copy_text import (
    PreparedRows,
    RenderedRows,
    needs_presence,
    render_rows,
)
from target_hubspot_overwrite.copy_text import prepare_rows as _prepare_rows
from target_hubspot_overwrite.intake import (
    Buffered,
    InvalidRecordError,
    NullKeyError,
    RecordIntake,
    raw_json,
    resolve_key,
    schema_fields,
)
from target_hubspot_overwrite.reader import LineEscapes
from target_hubspot_overwrite.reconciliation import VersionMessage
from target_hubspot_overwrite.sdk_private import SinkHooks
from target_hubspot_overwrite.session import LoadSession
from target_hubspot_overwrite.stats import LoadStats
from target_hubspot_overwrite.stream_columns import ColumnLayout, StreamColumns

__all__ = ["HubspotOverwriteSink", "InvalidRecordError", "NullKeyError", "raw_json"]


class SilencedTimer(metrics.Timer):
    """A timer that logs nothing (the SDK's, around a batch hand-off)."""

    def __exit__(self, *exc: object) -> None:
        """Log nothing: the batch's own timer reports it when its transaction ends."""


class HasSession(t.Protocol):
    """A target that hands its load session to the sinks it creates."""

    session: LoadSession


class HubspotOverwriteSink(SinkHooks):
    """Loads one stream into PostgreSQL (see README for the semantics)."""

    connector_class = HubspotOverwriteConnector

    def __init__(
        self,
        target: t.Any,
        stream_name: str,
        schema: dict,
        key_properties: t.Sequence[str] | None,
        connector: HubspotOverwriteConnector | None = None,
    ) -> None:
        """Prepare field specs; no database access happens here."""
        super().__init__(target, stream_name, schema, key_properties, connector)
        self.session: LoadSession = t.cast("HasSession", target).session
        settings = self.session.settings
        self.table = self.session.stream_table(stream_name)
        self.refresh = self.session.reconciliation.stream(stream_name)
        self.fields = schema_fields(stream_name, self.schema)
        sources = [f.source for f in self.fields]
        self.keys = [resolve_key(k, sources) for k in self.key_properties]
        missing = [k for k in self.keys if k not in sources]
        if missing:
            msg = f"Stream '{stream_name}': key properties {missing} are not in the schema"
            raise MissingKeyPropertiesError(msg)
        by_source = {f.source: f for f in self.fields}
        self.key_columns = [by_source[k].column for k in self.keys]
        self.kind, misnamed = reconciliation.stream_kind(stream_name, self.keys)
        if misnamed:
            self.logger.warning(misnamed)
        self.upsert = bool(self.keys) and settings.upsert
        self.force = settings.force_overwrite
        self.needs_exact = not all(f.ftype.kind.parsed_exactly for f in self.fields)
        self.intake = RecordIntake(
            stream_name,
            self.fields,
            self.keys,
            dedupe=self.upsert,
            force=self.force,
            keep_first=self.kind.insert_only,
            reject_invalid=settings.reject_invalid,
            limit=self.max_size,
            received=self.table.stats,
            refresh=self.refresh,
        )
        self.columns = StreamColumns(self.fields, self.keys)
        self.upserter = BatchUpsert(
            self.table,
            self.columns,
            self.key_columns,
            self.upsert,
            self.force,
            insert_only=self.kind.insert_only,
        )
        self.handlers = handlers.for_stream(stream_name, self.schema, upsert=self.upsert)
        # The table version the buffered records carry (RECORD ``version``; one per batch).
        self.record_version: int | None = None

    # --- SDK hooks -------------------------------------------------------------------------

    def get_validator(self) -> None:
        """Validation is done by the intake (cheaper, same strictness on types)."""
        return None

    def setup(self) -> None:
        """No DDL at SCHEMA time: tables are prepared inside batch transactions."""

    @property
    def current_size(self) -> int:
        """Records (and rejects) buffered for the next batch: the intake counts them, on the
        fast path and the SDK's general path alike."""
        return self.intake.count

    def process_record(self, record: dict, context: dict) -> None:
        """Buffer a record (the SDK's general path, with stream maps / flattening)."""
        self.intake.accept(record)

    def accept(self, record: t.Any, escapes: LineEscapes = LineEscapes.UNKNOWN) -> bool:
        """Fast path: check, clean and buffer one record; True when the batch is full."""
        return self.intake.accept(record, escapes)

    def get_batch_processing_timer(self) -> metrics.Timer:
        """The SDK times ``process_batch``, which hands the batch to the writer and returns
        before the commit: its timer is silenced, and each batch logs its own
        ``batch_processing_time`` when its transaction ends (``batch_timer``)."""
        return SilencedTimer(metrics.Metric.BATCH_PROCESSING_TIME)

    def batch_timer(self) -> metrics.Timer:
        """The timer of a batch taken now (logged by the session at commit or rollback)."""
        return metrics.Timer(
            metrics.Metric.BATCH_PROCESSING_TIME, {metrics.Tag.STREAM: self.stream_name}
        )

    def process_batch(self, context: dict) -> None:
        """Load the buffered batch in one transaction (plus reconciliation when due), after
        what it needs committed first (``ordering``)."""
        ordering.before_batch(self.session.router, self.stream_name, self.intake.buffered_rows)
        finalize = self.refresh.due and self.session.router.is_active(self)
        self.load_batch(finalize=finalize, wait=finalize)

    def clean_up(self) -> None:
        """At end of input: reconcile if the last batch did not already do it."""
        at_end = self.refresh.state is reconciliation.RefreshState.AT_END
        if at_end and self.session.router.is_active(self):
            self.load_batch(finalize=True)
        super().clean_up()

    # --- batches ---------------------------------------------------------------------------

    def load_batch(self, *, finalize: bool, wait: bool = True) -> None:
        """Hand the buffered rows, rejects and (optional) reconciliation to the writer.

        With ``wait=False`` the transaction runs on the session's writer thread while the
        next batch is read (the session waits for it before any STATE is emitted).
        """
        timer = self.batch_timer()
        batch = self.intake.take()
        version = self.record_version if self.kind.reconciled else None
        rows = batch.rows
        prepared: list[PreparedRows] = []
        rendered = None
        stores_rows = self.handlers.stores_rows
        if rows and stores_rows:
            presence = self.upsert and not self.force and needs_presence(self.columns, rows)
            rendered = render_rows(self.columns, self.table, rows, batch.escaped, presence)

        def stage(cur: Cursor) -> None:
            if stores_rows:
                self.session.lock_table_for_run(cur, self.table)
            if rendered is not None:
                prepared.append(self.prepare_rows(cur, rendered))

        def finish(cur: Cursor) -> None:
            if not stores_rows:
                parity.copy_ids(cur, rows)
            elif prepared:
                self.upserter.load_rows(cur, prepared[0], batch.stats, version, self.logger)
            after = BatchContext(
                cur, rows, batch.stats, self.table, self.session, self.logger, self.upsert
            )
            for effect in self.handlers.effects:
                effect(after)
            if finalize and stores_rows:
                self.reconcile(cur, batch.stats)
            self.write_rejects(cur, batch)

        def committed() -> None:
            self.table.stats.add(batch.stats)
            self._log_batch(len(rows), batch.stats)

        self.session.run_batch(
            f"batch of stream '{self.stream_name}'",
            stage,
            finish,
            committed,
            wait=wait,
            timer=timer,
        )

    def write_rejects(self, cur: Cursor, batch: Buffered) -> None:
        """The batch's rejected records, into ``_rejected_records``."""
        if batch.rejects:
            self.session.write_rejects(cur, self.stream_name, batch.rejects)
            batch.stats.rejected += len(batch.rejects)

    def _log_batch(self, rows: int, b: LoadStats) -> None:
        self.record_counter_metric.increment(rows)
        self.logger.info(
            "%s batch of '%s': %d row(s) -> created=%d updated=%d overwritten=%d unchanged=%d "
            "deleted=%d soft_deleted=%d rejected=%d",
            "Dry-run (not committed)" if self.session.settings.dry_run else "Committed",
            self.stream_name,
            rows,
            b.created,
            b.updated,
            b.overwritten,
            b.unchanged,
            b.deleted,
            b.soft_deleted,
            b.rejected,
        )

    def table_sql(self) -> q.Identifier:
        """Quoted target table name."""
        return ddl.qualified(self.table.schema, self.table.table)

    def prepare_target_table(self, cur: Cursor) -> tuple[ddl.TableShape, ColumnLayout]:
        """Create/extend/widen the target table inside the current transaction."""
        return self.columns.prepare(
            cur,
            self.table,
            self.key_columns if self.upsert else None,
            self.session.ensure_schema,
            self.logger,
        )

    def prepare_rows(self, cur: Cursor, rendered: RenderedRows) -> PreparedRows:
        """Create/extend the table (DDL), re-rendering the rows if its types or layout differ."""
        shape, layout = self.prepare_target_table(cur)
        return _prepare_rows(self.columns, shape, layout, rendered)

    # --- full refresh (ACTIVATE_VERSION; the machine is in ``reconciliation``) ---------------

    def on_activate_version(self, version: int) -> None:
        """Opening: remembered. Closing (after records, or the same version again): the
        stream's buffered records and the reconciliation are committed now. Streams never
        reconciled (property history) ignore it with a WARNING."""
        if not self.kind.reconciled:
            self.logger.warning(
                "ACTIVATE_VERSION %s for '%s' ignored: a %s stream is insert-only and never "
                "reconciled; no rows removed",
                version,
                self.stream_name,
                self.kind.name.lower(),
            )
            return
        self.session.wait_pending()
        meaning = self.session.reconciliation.activate(self.stream_name, version)
        if meaning is VersionMessage.OPENING:
            self.logger.info(
                "ACTIVATE_VERSION %s for '%s' before its records: reconciliation deferred "
                "to the end of the stream",
                version,
                self.stream_name,
            )
            return
        self.logger.info(
            "ACTIVATE_VERSION %s for '%s' %s: reconciling now",
            version,
            self.stream_name,
            "after its records" if meaning is VersionMessage.CLOSING else "repeated (empty read)",
        )
        if not ordering.before_closing(self.session.router, self):
            self.load_batch(finalize=True)  # nothing buffered: the reconciliation alone

    def set_version(self, version: object) -> None:
        """The next records carry table version ``version`` (None: none); the caller has
        committed the buffered ones (a batch has one version)."""
        if version is not None and version.__class__ is not int:
            msg = f"Stream '{self.stream_name}': RECORD version {version!r} is not an integer"
            raise InvalidRecordError(msg, {})
        self.record_version = t.cast("int | None", version)

    def reconcile(self, cur: Cursor, stats: LoadStats) -> None:
        """Remove the rows whose key was delivered neither in this run nor, under the closing
        version, in earlier runs (``open_versions``), when due (``removals``)."""
        version = self.refresh.take()
        if version is None:
            return
        if not self.keys:
            self.logger.warning(
                "Stream '%s' has no key properties: full-refresh reconciliation skipped",
                self.stream_name,
            )
            return
        self.prepare_target_table(cur)
        kept = open_versions.closing(cur, self.table, version, self.key_columns)
        request = removals.NotDelivered(self.table, self.key_columns, self.kind, kept=kept)
        self.session.remove(cur, request).count_into(stats)
        open_versions.close(cur, self.table)
