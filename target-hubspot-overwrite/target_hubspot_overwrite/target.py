"""target-hubspot-overwrite: Singer target for PostgreSQL (upsert, force-overwrite, dry run)."""

from __future__ import annotations

import contextlib
import copy
import ctypes
import ctypes.util
import typing as t
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from types import FrameType

import psycopg
from psycopg import Cursor
from psycopg import sql as q
from singer_sdk import typing as th
from singer_sdk.exceptions import RecordsWithoutSchemaException
from singer_sdk.helpers.capabilities import PluginCapabilities, TargetCapabilities
from singer_sdk.mapper import SameRecordTransform
from singer_sdk.sql import SQLTarget
from singer_sdk.target_base import Target

from target_hubspot_overwrite import ddl
from target_hubspot_overwrite.associations import MARKER_STREAM, AssociationMarkerSink
from target_hubspot_overwrite.connector import connect, redact
from target_hubspot_overwrite.merged_records import MERGES_STREAM, MergesSink
from target_hubspot_overwrite.naming import IdentifierClashError, pg_identifier
from target_hubspot_overwrite.parity import PARITY_SINKS, log_parity
from target_hubspot_overwrite.reader import (
    Line,
    LineEscapes,
    OrjsonSingerReader,
    needs_exact,
    parse_exact,
)
from target_hubspot_overwrite.runstate import StreamRun
from target_hubspot_overwrite.sinks import REJECTS_TABLE, HubspotOverwriteSink, raw_json
from target_hubspot_overwrite.stats import LoadStats, log_summary

if t.TYPE_CHECKING:
    from singer_sdk.sinks import Sink

DEFAULT_SCHEMA = "public"
# glibc mallopt() parameters (malloc.h)
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
AGE_CHECK_EVERY = 1000  # records between checks of the SDK's maximum record age

# PostgreSQL session timeouts offered as settings (<name>_seconds), and when each one fires.
_TIMEOUTS = {
    "lock_timeout": "after waiting this long for a lock: another run loading the same table, "
    "or a long query blocking a schema change",
    "statement_timeout": "when one statement (COPY, merge, reconciliation) runs longer than this",
}

CONFIG = th.PropertiesList(
    th.Property(
        "sqlalchemy_url",
        th.StringType,
        secret=True,
        description="SQLAlchemy or libpq URL "
        "(postgresql[+psycopg]://user:pw@host:port/db). "
        "Overrides host/port/user/password/database.",
    ),
    th.Property("host", th.StringType, description="PostgreSQL host."),
    th.Property("port", th.IntegerType, default=5432, description="PostgreSQL port."),
    th.Property("user", th.StringType, description="PostgreSQL user."),
    th.Property("password", th.StringType, secret=True, description="PostgreSQL password."),
    th.Property("database", th.StringType, description="PostgreSQL database name."),
    th.Property(
        "ssl_mode",
        th.StringType,
        allowed_values=["disable", "allow", "prefer", "require", "verify-ca", "verify-full"],
        description="libpq sslmode.",
    ),
    th.Property(
        "ssl_root_cert", th.StringType, description="Path to the CA certificate (sslrootcert)."
    ),
    th.Property("ssl_cert", th.StringType, description="Path to the client certificate (sslcert)."),
    th.Property("ssl_key", th.StringType, description="Path to the client private key (sslkey)."),
    th.Property(
        "default_target_schema",
        th.StringType,
        default=DEFAULT_SCHEMA,
        description="Schema that receives one table per stream (created if missing).",
    ),
    th.Property(
        "load_method",
        th.StringType,
        default="upsert",
        allowed_values=["upsert", "append-only"],
        description="upsert: insert or update by key (a record updates only the fields it "
        "carries; unchanged rows are not rewritten). append-only: insert every record.",
    ),
    th.Property(
        "force_overwrite",
        th.BooleanType,
        default=False,
        description="Replace whole rows: fields absent from a record become NULL (also "
        "table columns outside the current schema, except _sdc_*).",
    ),
    th.Property(
        "dry_run",
        th.BooleanType,
        default=False,
        description="Compute everything in a transaction that is rolled back; report what "
        "would change; emit no STATE.",
    ),
    th.Property(
        "batch_size_rows",
        th.IntegerType,
        default=10000,
        description="Records per batch; each batch is one transaction.",
    ),
    th.Property(
        "hard_delete",
        th.BooleanType,
        default=False,
        description="On full refresh (ACTIVATE_VERSION) delete rows missing from the new "
        "version instead of setting _sdc_deleted_at.",
    ),
    *(
        th.Property(
            f"{name}_seconds",
            th.IntegerType(minimum=0),
            default=0,
            description=f"Fail the run (its open batch rolled back) {when}. 0: no limit.",
        )
        for name, when in _TIMEOUTS.items()
    ),
    th.Property(
        "on_invalid_record",
        th.StringType,
        default="fail",
        allowed_values=["fail", "reject"],
        description="fail: stop on an invalid record or line. reject: store it in "
        "_rejected_records (stream, reason, record, received_at) and continue.",
    ),
).to_dict()


def keep_batch_memory() -> None:
    """Let glibc keep freed batch buffers for the next batch instead of unmapping them.

    Every batch allocates the same few large buffers (COPY text, rows); by default glibc maps
    and unmaps them each time, and the page faults cost about 5 % of a load. Peak memory is
    unchanged (it is set by ``batch_size_rows``). No-op where glibc is not the C library.
    """
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        libc.mallopt(_M_MMAP_THRESHOLD, 32 << 20)
        libc.mallopt(_M_TRIM_THRESHOLD, 128 << 20)
    except (OSError, AttributeError, TypeError):
        return


class TargetHubspotOverwrite(SQLTarget):
    """PostgreSQL target with transactional upsert, force-overwrite and dry runs."""

    name = "target-hubspot-overwrite"
    config_jsonschema = CONFIG
    default_sink_class = HubspotOverwriteSink
    message_reader_class = OrjsonSingerReader
    capabilities: t.ClassVar[list] = [
        PluginCapabilities.ABOUT,
        PluginCapabilities.STREAM_MAPS,
        PluginCapabilities.FLATTENING,
        PluginCapabilities.STRUCTURED_LOGGING,
        PluginCapabilities.ACTIVATE_VERSION,
        TargetCapabilities.TARGET_SCHEMA,
        TargetCapabilities.HARD_DELETE,
    ]

    def __init__(self, **kwargs: t.Any) -> None:
        """Create the target; the database connection opens lazily."""
        super().__init__(**kwargs)
        keep_batch_memory()
        self.max_parallelism = 1
        self._runs: dict[str, StreamRun] = {}
        self._db: psycopg.Connection | None = None
        self._stack = contextlib.ExitStack()
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hso-writer")
        self._pending: Future[None] | None = None
        self._orphan_rejects: list[tuple[str, str, str]] = []
        self._orphan_stats = LoadStats()
        self._schemas_ready: set[str] = set()
        self._locked_tables: set[str] = set()
        self._state_writing = False
        self._last_state_written: dict | None = None
        self.closing_versions_seen = False
        self._pending_signal: int | None = None
        self._fast_sinks: dict[str, HubspotOverwriteSink] = {}
        self._records_since_age_check = 0
        reader = self.message_reader
        if isinstance(reader, OrjsonSingerReader):
            reader.on_record = self._fast_record
            if self.reject_invalid:
                reader.on_malformed = self._reject_line

    @classmethod
    def append_builtin_config(cls, config_jsonschema: dict) -> None:
        """Only add built-ins we honour (stream maps, flattening); ours are declared above."""
        super(Target, cls).append_builtin_config(config_jsonschema)

    # --- settings ---------------------------------------------------------------

    @property
    def load_method(self) -> str:
        """upsert | append-only."""
        return str(self.config.get("load_method") or "upsert")

    @property
    def force_overwrite(self) -> bool:
        """Whole-row replacement."""
        return bool(self.config.get("force_overwrite"))

    @property
    def dry_run(self) -> bool:
        """Roll everything back."""
        return bool(self.config.get("dry_run"))

    @property
    def hard_delete(self) -> bool:
        """Delete instead of soft delete on full refresh."""
        return bool(self.config.get("hard_delete"))

    @property
    def reject_invalid(self) -> bool:
        """on_invalid_record == reject."""
        return self.config.get("on_invalid_record") == "reject"

    @property
    def target_schema(self) -> str:
        """Schema of all tables."""
        return pg_identifier(str(self.config.get("default_target_schema") or DEFAULT_SCHEMA))

    # --- shared state -------------------------------------------------------------

    def stream_run(self, stream_name: str) -> StreamRun:
        """The run-scoped state of a stream (created on first use)."""
        run = self._runs.get(stream_name)
        if run is None:
            table = pg_identifier(stream_name)
            clash = [r.stream_name for r in self._runs.values() if r.table == table]
            if clash or table == REJECTS_TABLE:
                msg = (
                    f"Streams {clash or [REJECTS_TABLE]} and {stream_name!r} both map to the "
                    f"table {table!r}"
                )
                raise IdentifierClashError(msg)
            run = StreamRun(stream_name, len(self._runs), self.target_schema, table)
            self._runs[stream_name] = run
        return run

    def active_sink(self, stream_name: str) -> Sink | None:
        """The current sink of a stream."""
        return self._sinks_active.get(stream_name)

    def get_sink_class(self, stream_name: str) -> type[HubspotOverwriteSink]:
        """Marker and merges streams get their own sinks."""
        if stream_name == MARKER_STREAM:
            return AssociationMarkerSink
        if stream_name == MERGES_STREAM:
            return MergesSink
        if stream_name in PARITY_SINKS:
            return PARITY_SINKS[stream_name]
        return HubspotOverwriteSink

    # --- database -------------------------------------------------------------------

    @property
    def db(self) -> psycopg.Connection:
        """The single connection (dry run: inside a transaction that is rolled back)."""
        if self._db is None:
            self._db = self._stack.enter_context(connect(dict(self.config)))
            self._db.execute("SET TIME ZONE 'UTC'")
            for setting in _TIMEOUTS:
                seconds = int(self.config.get(f"{setting}_seconds") or 0)
                if seconds > 0:
                    self._db.execute(
                        q.SQL("SET {} = {}").format(q.Identifier(setting), q.Literal(f"{seconds}s"))
                    )
            if self.dry_run:
                self._stack.enter_context(self._db.transaction(force_rollback=True))
                self.logger.warning("DRY RUN: all changes are rolled back at the end")
        return self._db

    def wait_pending(self) -> None:
        """Wait for the writer's in-flight batch; re-raise its error."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def run_job(self, job: t.Callable[[], None], *, wait: bool) -> None:
        """Run a database job after the in-flight one; in the background unless ``wait``."""
        self.wait_pending()
        if wait:
            job()
        else:
            self._pending = self._writer.submit(job)

    def run_batch(
        self,
        what: str,
        stage: t.Callable[[Cursor], None],
        finish: t.Callable[[Cursor], None],
        committed: t.Callable[[], None],
        *,
        wait: bool,
    ) -> None:
        """One batch transaction: ``stage`` here, then ``finish`` and the commit.

        ``stage`` (the DDL) runs on the calling thread, which does all the per-record Python
        work. ``finish`` (COPY into the stage, the set-based merge, reconciliation) and the
        commit run on the writer thread unless ``wait``: PostgreSQL then loads the batch while
        the next one is read, and the writer thread, blocked on the server, seldom needs the GIL.
        """
        self.wait_pending()
        tx = contextlib.ExitStack()
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
        except psycopg.Error as exc:
            msg = redact(str(exc)).strip()
            raise RuntimeError(f"PostgreSQL error during {what} (rolled back): {msg}") from None

    def lock_table_for_run(self, cur: Cursor, schema: str, table: str) -> None:
        """Hold a session advisory lock on the table until this run ends.

        Two runs loading the same table then serialize run by run (the second waits, saying
        so), instead of interleaving their batches and full-refresh deletions.
        """
        key = f"{schema}.{table}"
        if key in self._locked_tables:
            return
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

    def write_rejects(self, cur: Cursor, stream: str, rejects: Iterable[tuple[str, str]]) -> None:
        """Insert rejected records into ``_rejected_records``."""
        schema = self.target_schema
        self.ensure_schema(cur, schema)
        table = ddl.qualified(schema, REJECTS_TABLE)
        cur.execute(
            q.SQL(
                "CREATE TABLE IF NOT EXISTS {} (id bigserial PRIMARY KEY, stream text, "
                "reason text NOT NULL, record text, received_at timestamptz NOT NULL DEFAULT now())"
            ).format(table)
        )
        cur.executemany(
            q.SQL("INSERT INTO {} (stream, reason, record) VALUES (%s, %s, %s)").format(table),
            [(stream, r.replace("\x00", ""), raw.replace("\x00", "")) for r, raw in rejects],
        )

    # --- message handling ----------------------------------------------------------

    def _reject_line(self, number: int, reason: str, line: str) -> None:
        self.logger.warning("Rejected input line %d: %s", number, reason)
        self._orphan_rejects.append(("", f"line {number}: {reason}", line.rstrip("\n")))
        self._orphan_stats.rejected += 1

    def _fast_sink(self, stream: str) -> HubspotOverwriteSink | None:
        maps = self.mapper.stream_maps.get(stream)
        if not maps or len(maps) != 1:
            return None
        smap = maps[0]
        if not isinstance(smap, SameRecordTransform) or smap.flattening_enabled:
            return None
        sink = self._sinks_active.get(stream)
        return sink if isinstance(sink, HubspotOverwriteSink) else None

    def _process_record_message(self, message_dict: dict) -> None:
        stream = message_dict.get("stream")
        if isinstance(stream, str) and stream not in self.mapper.stream_maps:
            if self.reject_invalid:
                raw = raw_json(message_dict.get("record"))
                self._orphan_rejects.append((stream, "record before schema (unknown stream)", raw))
                self._orphan_stats.rejected += 1
                return
            msg = f"A record for stream '{stream}' was encountered before a corresponding schema."
            raise RecordsWithoutSchemaException(msg)
        sink = self._fast_sink(stream) if isinstance(stream, str) else None
        if sink is None or "record" not in message_dict:
            super()._process_record_message(message_dict)
            return
        self._fast_sinks[t.cast("str", stream)] = sink
        if sink.accept(message_dict["record"]):
            self.drain_one(sink)
        self._handle_max_record_age()

    def _fast_record(self, message: dict, line: Line, escapes: LineEscapes) -> bool:
        """Hot path for RECORD lines of known plain streams; False = take the general path."""
        stream = message.get("stream")
        sink = self._fast_sinks.get(stream) if stream.__class__ is str else None
        if sink is None or "record" not in message:
            return False
        if sink.needs_exact and needs_exact(line):
            message = parse_exact(line)
        if sink.accept(message["record"], escapes):
            self.drain_one(sink)
        self._records_since_age_check += 1
        if self._records_since_age_check >= AGE_CHECK_EVERY:
            self._records_since_age_check = 0
            self._handle_max_record_age()
        return True

    def _process_schema_message(self, message_dict: dict) -> None:
        """Register the schema; commit a retired sink's rows before any newer record."""
        _ = self.db  # connect now: a wrong database fails the run before anything is accepted
        self._fast_sinks.clear()  # the message may replace a stream's sink
        super()._process_schema_message(message_dict)
        stream = message_dict.get("stream")
        if isinstance(stream, str):
            self.drain_retired(stream)

    def _process_activate_version_message(self, message_dict: dict) -> None:
        self._assert_line_requires(message_dict, requires={"stream", "version"})
        stream = message_dict["stream"]
        if stream not in self.mapper.stream_maps:
            self.logger.warning("ACTIVATE_VERSION for unknown stream '%s' ignored", stream)
        for stream_map in self.mapper.stream_maps.get(stream, []):
            sink = self.get_sink(stream_map.stream_alias)
            if isinstance(sink, HubspotOverwriteSink):
                sink.on_activate_version(int(message_dict["version"]))

    def drain_retired(self, stream_name: str) -> None:
        """Drain sinks of ``stream_name`` retired by a schema change."""
        for sink in self._sinks_to_clear:
            if sink.stream_name == stream_name and sink.current_size:
                self.drain_one(sink)

    def drain_stream(self, stream_name: str) -> None:
        """Commit everything buffered for ``stream_name``."""
        self.drain_retired(stream_name)
        sink = self._sinks_active.get(stream_name)
        if sink is not None and sink.current_size:
            self.drain_one(sink)

    def _drain_all(self, sink_list: Iterable[Sink], parallelism: int) -> None:
        super()._drain_all(sink_list, parallelism)
        self.wait_pending()
        if self._orphan_rejects:
            self.run_job(self._write_orphan_rejects, wait=True)

    def _write_orphan_rejects(self) -> None:
        by_stream: dict[str, list[tuple[str, str]]] = {}
        for stream, reason, raw in self._orphan_rejects:
            by_stream.setdefault(stream, []).append((reason, raw))
        with self.transaction("writing rejected lines") as cur:
            for stream, rows in by_stream.items():
                self.write_rejects(cur, stream, rows)
        self._orphan_rejects = []

    def process_endofpipe(self) -> None:
        """Finalize pending full refreshes with the last batch, then summarize."""
        for sink in self._sinks_active.values():
            self.wait_pending()
            if not isinstance(sink, HubspotOverwriteSink) or sink.run.pending_version is None:
                continue
            if self.closing_versions_seen:
                # The tap brackets streams with ACTIVATE_VERSION: a stream without its
                # closing message did not complete (e.g. the tap failed): delete nothing.
                self.logger.warning(
                    "Stream '%s' got no closing ACTIVATE_VERSION: full-refresh reconciliation "
                    "skipped, no rows deleted",
                    sink.stream_name,
                )
                sink.run.pending_version = None
                continue
            sink.run.finalize_at_end = True
        super().process_endofpipe()
        self._summarize()
        self.close()

    def close(self) -> None:
        """Close the connection (a dry run's transaction is rolled back here)."""
        self._writer.shutdown(wait=True)
        self._pending = None
        self._stack.close()
        self._db = None

    def _summarize(self) -> None:
        total = LoadStats()
        total.add(self._orphan_stats)
        for run in self._runs.values():
            if run.stats == LoadStats():
                continue
            log_summary(
                self.logger,
                f"stream '{run.stream_name}'",
                run.stats,
                dry_run=self.dry_run,
                force_overwrite=self.force_overwrite,
            )
            total.add(run.stats)
        log_summary(
            self.logger, "run", total, dry_run=self.dry_run, force_overwrite=self.force_overwrite
        )
        log_parity(self)

    def _process_state_message(self, message_dict: dict) -> None:
        """Store the STATE; emit it at once if every record before it is committed."""
        super()._process_state_message(message_dict)
        nothing_buffered = not self._orphan_rejects and all(
            s.current_size == 0 for s in (*self._sinks_active.values(), *self._sinks_to_clear)
        )
        if nothing_buffered and self._latest_state:
            self.wait_pending()
            self._write_state_message(copy.deepcopy(self._latest_state))

    def _write_state_message(self, state: dict) -> None:
        self.wait_pending()  # never a STATE while a batch is uncommitted
        _ = self.db  # never a STATE from a run that cannot reach its database
        if state == self._last_state_written:
            return
        self._last_state_written = copy.deepcopy(state)
        if self.dry_run:
            self.logger.info("DRY RUN: STATE not emitted")
            return
        self._state_writing = True
        try:
            super()._write_state_message(state)
        finally:
            self._state_writing = False
        if self._pending_signal is not None:
            raise SystemExit(128 + self._pending_signal)

    def _handle_termination(self, signum: int, frame: FrameType | None) -> None:
        """Abort: the open batch transaction rolls back; no STATE for uncommitted data."""
        self.logger.warning(
            "Received signal %d: aborting; uncommitted work is rolled back, no STATE emitted "
            "for it",
            signum,
        )
        if self._state_writing:
            self._pending_signal = signum
            return
        raise SystemExit(128 + signum)
