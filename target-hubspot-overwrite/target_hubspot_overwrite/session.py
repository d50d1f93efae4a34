"""The load session: one run's connection, writer thread, transactions, locks, rejects, STATE gate.

The target creates one session and hands it to every sink; sinks never reach into the target.
What a sink needs from the target's routing (committing another stream's buffered records
first, whether it is still its stream's current sink) it asks through :class:`StreamRouter`.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import typing as t
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import psycopg
from psycopg import Cursor
from psycopg import sql as q
from singer_sdk import metrics

from target_hubspot_overwrite import ddl, removals
from target_hubspot_overwrite.connector import connect, redact
from target_hubspot_overwrite.naming import IdentifierClashError, pg_identifier
from target_hubspot_overwrite.reconciliation import RunReconciliation
from target_hubspot_overwrite.settings import LoadSettings
from target_hubspot_overwrite.sql_log import log_sql
from target_hubspot_overwrite.stats import LoadStats
from target_hubspot_overwrite.stream_table import StreamTable

if t.TYPE_CHECKING:
    from singer_sdk.sinks import Sink

REJECTS_TABLE = "_rejected_records"


class StreamRouter(t.Protocol):
    """What sinks may ask of the message routing (implemented by the target)."""

    def drain_stream(self, stream_name: str) -> None:
        """Commit everything buffered for ``stream_name``."""

    def drain_sink(self, sink: Sink) -> None:
        """Commit ``sink``'s buffered records now."""

    def drain_retired(self, stream_name: str) -> None:
        """Commit the buffered records of ``stream_name``'s sinks retired by a schema change."""

    def is_active(self, sink: Sink) -> bool:
        """``sink`` is its stream's current sink."""


class LoadSession:
    """Everything one run shares across streams (see module doc)."""

    def __init__(
        self,
        settings: LoadSettings,
        config: dict[str, t.Any],
        logger: logging.Logger,
        router: StreamRouter,
    ) -> None:
        """A session that connects lazily, on first use of :attr:`db`."""
        self.settings = settings
        self.logger = logger
        self.router = router
        self.reconciliation = RunReconciliation()
        self.parity_results: list[t.Any] = []  # parity.ParityResult, in arrival order
        self._config = config
        self._tables: dict[str, StreamTable] = {}
        self._db: psycopg.Connection | None = None
        self._stack = contextlib.ExitStack()
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="load-writer")
        self._pending: Future[None] | None = None
        self._schemas_ready: set[str] = set()
        self._locked_tables: set[str] = set()
        self.orphan_rejects: list[tuple[str, str, str]] = []  # (stream, reason, raw line)
        self.orphan_stats = LoadStats()
        self._state_writing = False
        self._last_state_written: dict | None = None
        self._pending_signal: int | None = None

    # --- tables --------------------------------------------------------------------------

    def stream_table(self, stream_name: str) -> StreamTable:
        """The run-scoped facts of a stream's table (created on first use)."""
        found = self._tables.get(stream_name)
        if found is None:
            table = pg_identifier(stream_name)
            clash = [r.stream_name for r in self._tables.values() if r.table == table]
            if clash or table == REJECTS_TABLE:
                msg = (
                    f"Streams {clash or [REJECTS_TABLE]} and {stream_name!r} both map to the "
                    f"table {table!r}"
                )
                raise IdentifierClashError(msg)
            found = StreamTable(stream_name, len(self._tables), self.settings.target_schema, table)
            self._tables[stream_name] = found
        return found

    def known_table(self, stream_name: str) -> StreamTable | None:
        """The stream's table facts if the run has seen the stream."""
        return self._tables.get(stream_name)

    def tables(self) -> list[StreamTable]:
        """Every stream table of the run, in order of first use."""
        return list(self._tables.values())

    # --- connection and transactions --------------------------------------------------------

    @property
    def db(self) -> psycopg.Connection:
        """The single connection (dry run: inside a transaction that is rolled back)."""
        if self._db is None:
            self._db = self._stack.enter_context(connect(self._config))
            self._db.execute("SET TIME ZONE 'UTC'")
            for setting, seconds in self.settings.timeouts.items():
                self._db.execute(
                    q.SQL("SET {} = {}").format(q.Identifier(setting), q.Literal(f"{seconds}s"))
                )
            if self.settings.dry_run:
                self._stack.enter_context(self._db.transaction(force_rollback=True))
                self.logger.warning("DRY RUN: all changes are rolled back at the end")
        return self._db

    def wait_pending(self) -> None:
        """Wait for the writer's in-flight batch; re-raise its error."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def run_job(self, job: Callable[[], None], *, wait: bool) -> None:
        """Run a database job after the in-flight one; in the background unless ``wait``."""
        self.wait_pending()
        if wait:
            job()
        else:
            self._pending = self._writer.submit(job)

    def run_batch(
        self,
        what: str,
        stage: Callable[[Cursor], None],
        finish: Callable[[Cursor], None],
        committed: Callable[[], None],
        *,
        wait: bool,
        timer: metrics.Timer,
    ) -> None:
        """One batch transaction: ``stage`` here, then ``finish`` and the commit.

        ``stage`` (the DDL) runs on the calling thread, which does all the per-record Python
        work. ``finish`` (COPY into the stage, the set-based upsert, reconciliation) and the
        commit run on the writer thread unless ``wait``: PostgreSQL then loads the batch while
        the next one is read, and the writer thread, blocked on the server, seldom needs the GIL.
        ``timer`` (the batch's ``batch_processing_time``, started when the batch was taken) is
        logged when the transaction ends: ``succeeded`` only after the commit.
        """
        self.wait_pending()
        tx = contextlib.ExitStack()
        tx.push(timer)  # exits last: after the commit or the rollback, with their outcome
        cur = tx.enter_context(self.transaction(what))
        try:
            stage(cur)
        except BaseException as exc:
            if not tx.__exit__(type(exc), exc, exc.__traceback__):
                raise
            return

        def rest() -> None:
            with tx:
                finish(cur)
            committed()

        self.run_job(rest, wait=wait)

    @contextlib.contextmanager
    def transaction(self, what: str = "load") -> Iterator[Cursor]:
        """One transaction (a savepoint in dry run); errors are re-raised redacted."""
        try:
            with self.db.transaction(), self.db.cursor() as cur:
                yield cur
            log_sql("commit %s%s", what, " (savepoint; dry run)" if self.settings.dry_run else "")
        except psycopg.Error as exc:
            msg = redact(str(exc)).strip()
            raise DatabaseError(f"PostgreSQL error during {what} (rolled back): {msg}") from None

    def remove(self, cur: Cursor, request: removals.Request) -> removals.Removed:
        """Flag or delete the rows ``request`` names, under this run's ``hard_delete``."""
        return removals.remove(cur, request, hard_delete=self.settings.hard_delete)

    def lock_table_for_run(self, cur: Cursor, table: StreamTable) -> None:
        """Hold a session advisory lock on the table until this run ends.

        Two runs loading the same table then serialize run by run (the second waits, saying
        so), instead of interleaving their batches and full-refresh deletions.
        """
        key = f"{table.schema}.{table.table}"
        if key in self._locked_tables:
            return
        log_sql("lock %s (advisory, until the run ends)", key)
        cur.execute("SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", (key,))
        row = cur.fetchone()
        if not (row and row[0]):
            self.logger.warning(
                "Table %s is being loaded by another run: waiting until it finishes", key
            )
            cur.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))", (key,))
        self._locked_tables.add(key)

    def ensure_schema(self, cur: Cursor, schema: str) -> None:
        """Create the target schema once per run."""
        if schema not in self._schemas_ready:
            ddl.ensure_schema(cur, schema)
            self._schemas_ready.add(schema)

    def close(self) -> None:
        """Stop the writer and close the connection (a dry run's transaction rolls back)."""
        self._writer.shutdown(wait=True)
        self._pending = None
        self._stack.close()
        self._db = None

    # --- rejects ------------------------------------------------------------------------------

    def write_rejects(self, cur: Cursor, stream: str, rejects: Iterable[tuple[str, str]]) -> None:
        """Insert rejected records (reason, raw) into ``_rejected_records``."""
        schema = self.settings.target_schema
        self.ensure_schema(cur, schema)
        table = ddl.qualified(schema, REJECTS_TABLE)
        cur.execute(
            q.SQL(
                "CREATE TABLE IF NOT EXISTS {} (id bigserial PRIMARY KEY, stream text, "
                "reason text NOT NULL, record text, received_at timestamptz NOT NULL DEFAULT now())"
            ).format(table)
        )
        rows = [(stream, r.replace("\x00", ""), raw.replace("\x00", "")) for r, raw in rejects]
        log_sql("reject %d row(s) into %s", len(rows), table)
        cur.executemany(
            q.SQL("INSERT INTO {} (stream, reason, record) VALUES (%s, %s, %s)").format(table),
            rows,
        )

    def reject_orphan(self, stream: str, reason: str, raw: str) -> None:
        """Keep a rejected line that belongs to no sink (written at the next full drain)."""
        self.orphan_rejects.append((stream, reason, raw))
        self.orphan_stats.rejected += 1

    def flush_orphan_rejects(self) -> None:
        """Write the kept rejected lines, in one transaction."""
        if not self.orphan_rejects:
            return
        by_stream: dict[str, list[tuple[str, str]]] = {}
        for stream, reason, raw in self.orphan_rejects:
            by_stream.setdefault(stream, []).append((reason, raw))

        def write() -> None:
            with self.transaction("writing rejected lines") as cur:
                for stream, rows in by_stream.items():
                    self.write_rejects(cur, stream, rows)
            self.orphan_rejects = []

        self.run_job(write, wait=True)

    # --- the STATE gate -----------------------------------------------------------------------

    def may_write_state(self, state: dict) -> bool:
        """Whether ``state`` may be emitted now: after every batch before it is committed,
        on a reachable database, once per distinct value, never in a dry run."""
        self.wait_pending()  # never a STATE while a batch is uncommitted
        _ = self.db  # never a STATE from a run that cannot reach its database
        if state == self._last_state_written:
            return False
        self._last_state_written = copy.deepcopy(state)
        if self.settings.dry_run:
            self.logger.info("DRY RUN: STATE not emitted")
            return False
        self._state_writing = True
        return True

    def state_written(self) -> None:
        """A STATE line is out: now act on a signal that arrived while it was written."""
        self._state_writing = False
        if self._pending_signal is not None:
            raise SystemExit(128 + self._pending_signal)

    def abort(self, signum: int) -> None:
        """SIGTERM/SIGINT: the open batch rolls back; a STATE being written is finished first."""
        self.logger.warning(
            "Received signal %d: aborting; uncommitted work is rolled back, no STATE emitted "
            "for it",
            signum,
        )
        if self._state_writing:
            self._pending_signal = signum
            return
        raise SystemExit(128 + signum)


class DatabaseError(RuntimeError):
    """PostgreSQL refused a statement; the batch was rolled back (message redacted)."""
