"""The stream sink: validate → buffer (deduped) → one transaction per batch (COPY + merge)."""

from __future__ import annotations

import datetime as dt
import operator
import typing as t
from dataclasses import dataclass

import orjson
from psycopg import Cursor
from psycopg import sql as q
from singer_sdk.exceptions import InvalidRecord, MissingKeyPropertiesError
from singer_sdk.sql import SQLSink

from target_hubspot_overwrite import ddl, merge, removals
from target_hubspot_overwrite.column_layout import OVERFLOW_COLUMN, ColumnLayout
from target_hubspot_overwrite.compiled import CheckedField, RecordCheck, compile_check
from target_hubspot_overwrite.connector import HubspotOverwriteConnector
from target_hubspot_overwrite.copyfmt import exact_json_default
from target_hubspot_overwrite.naming import column_names
from target_hubspot_overwrite.reader import LineEscapes
from target_hubspot_overwrite.records import InvalidValue, NulCounter, cleaner_for, has_constraints
from target_hubspot_overwrite.sqltypes import field_type
from target_hubspot_overwrite.stats import LoadStats
from target_hubspot_overwrite.stream_columns import Field, RenderedRows, StreamColumns

if t.TYPE_CHECKING:
    from target_hubspot_overwrite.runstate import StreamRun
    from target_hubspot_overwrite.target import TargetHubspotOverwrite

REJECTS_TABLE = "_rejected_records"


class InvalidRecordError(InvalidRecord):
    """A record violates its stream's schema (message names stream, key and field)."""


class NullKeyError(MissingKeyPropertiesError):
    """A record lacks a key property or has it NULL."""


@dataclass(frozen=True)
class PreparedRows:
    """A batch's COPY text for a table whose DDL is done, waiting to be staged and merged."""

    shape: ddl.TableShape
    layout: ColumnLayout
    types: tuple[str, ...]
    presence: bool
    count: int
    data: bytes


class HubspotOverwriteSink(SQLSink):
    """Loads one stream into PostgreSQL (see README for the semantics)."""

    connector_class = HubspotOverwriteConnector

    def __init__(
        self,
        target: TargetHubspotOverwrite,
        stream_name: str,
        schema: dict,
        key_properties: t.Sequence[str] | None,
        connector: HubspotOverwriteConnector | None = None,
    ) -> None:
        """Prepare field specs; no database access happens here."""
        super().__init__(target, stream_name, schema, key_properties, connector)
        self.hso = target
        self.run: StreamRun = target.stream_run(stream_name)
        self.fields = self._build_fields()
        self.by_source = {f.source: f for f in self.fields}
        self.keys = [self._resolve_key(k) for k in self.key_properties]
        missing = [k for k in self.keys if k not in self.by_source]
        if missing:
            msg = f"Stream '{stream_name}': key properties {missing} are not in the schema"
            raise MissingKeyPropertiesError(msg)
        self.key_columns = [self.by_source[k].column for k in self.keys]
        self._keyset = set(self.keys)
        self.upsert = bool(self.keys) and target.load_method == "upsert"
        self.force = target.force_overwrite
        self.nul = NulCounter()
        self.batch_limit = self.max_size
        self.needs_exact = any(f.ftype.kind not in _EXACT_KINDS for f in self.fields)
        self._check = self._compile_check()
        self.columns = StreamColumns(self.fields, self.keys)
        self._key_of = _key_getter(self.keys)
        self._keyed: dict[t.Any, dict] = {}
        self._rows: list[dict] = []
        self._escaped: set[t.Any] = set()  # keys (upsert) or row positions needing escapes
        self._rejects: list[tuple[str, str]] = []
        self._batch = LoadStats()  # stats of the batch being written (writer side)
        self._intake = LoadStats()  # counters collected while reading the next batch

    # --- SDK hooks we replace -------------------------------------------------

    def get_validator(self) -> None:
        """Validation is done by :meth:`clean` (cheaper, same strictness on types)."""
        return None

    def setup(self) -> None:
        """No DDL at SCHEMA time: tables are prepared inside batch transactions."""

    def _validate_and_parse(self, record: dict) -> dict:
        return record

    def _singer_validate_message(self, record: dict) -> None:
        pass

    def process_record(self, record: dict, context: dict) -> None:
        """Buffer a record (slow path used with stream maps / flattening)."""
        self.accept(record)

    # --- record intake ---------------------------------------------------------

    def _build_fields(self) -> list[Field]:
        props: dict[str, dict] = self.schema.get("properties") or {}
        names = column_names(props, what=f"stream '{self.stream_name}'")
        fields = []
        for src, prop in props.items():
            ftype = field_type(prop or {})
            prop = prop or {}
            fields.append(
                Field(src, names[src], ftype, cleaner_for(ftype, prop), has_constraints(prop))
            )
        return fields

    def _compile_check(self) -> RecordCheck | None:
        """The generated fast check of this schema (None if some property has constraints)."""
        if any(f.constrained for f in self.fields):
            return None
        keys = set(self.keys)
        return compile_check(
            [
                CheckedField(f.source, f.ftype.kind, f.ftype.nullable, f.source in keys)
                for f in self.fields
            ]
        )

    def _resolve_key(self, key: str) -> str:
        """Exact property name, else the single property equal ignoring case."""
        if key in self.by_source:
            return key
        matches = [s for s in self.by_source if s.lower() == key.lower()]
        return matches[0] if len(matches) == 1 else key

    def _describe_key(self, record: dict) -> str:
        return ", ".join(f"{k}={record.get(k)!r}" for k in self.keys) or "(no key)"

    def clean(self, record: dict) -> dict:
        """Validate and clean one record; raise InvalidValue naming the field."""
        out: dict[str, t.Any] = {}
        by_source = self.by_source
        for name, value in record.items():
            spec = by_source.get(name)
            if spec is None:
                continue
            if value is None:
                if name in self._keyset:
                    break
                if not spec.ftype.nullable:
                    raise InvalidValue(f"field '{name}': null is not allowed")
                out[name] = None
                continue
            try:
                out[name] = spec.clean(value, self.nul)
            except InvalidValue as exc:
                raise InvalidValue(f"field '{name}': {exc}") from None
        for key in self.keys:
            if out.get(key) is None:
                raise NullKeyError(
                    f"Stream '{self.stream_name}': key property '{key}' is missing or null "
                    f"in record with {self._describe_key(record)}"
                )
        return out

    def accept(self, record: t.Any, escapes: LineEscapes = LineEscapes.UNKNOWN) -> bool:
        """Validate, clean and buffer one record (dedupe on key: last wins).

        ``escapes`` is what the raw input line said about the record's strings. Returns True
        when the batch is full.
        """
        self.run.stats.received += 1
        self.run.records_since_activation += 1
        check = self._check
        if (
            escapes <= LineEscapes.ESCAPED
            and check is not None
            and record.__class__ is dict
            and check(record)
        ):
            row = record
        else:
            try:
                if not isinstance(record, dict):
                    raise InvalidValue("record is not a JSON object")
                row = self.clean(record)
            except (InvalidValue, NullKeyError) as exc:
                self._invalid(record, exc)
                return self._batch_records_read >= self.batch_limit
        if self.upsert:
            key = self._key_of(row)
            previous = self._keyed.get(key)
            if previous is not None:
                self._intake.duplicates_merged += 1
                if not self.force:
                    previous.update(row)
                    row = previous
            self._keyed[key] = row
            if escapes:
                self._escaped.add(key)
        else:
            if escapes:
                self._escaped.add(len(self._rows))
            self._rows.append(row)
        self._batch_records_read += 1
        return self._batch_records_read >= self.batch_limit

    def _invalid(self, record: t.Any, exc: Exception) -> None:
        reason = str(exc)
        if self.hso.reject_invalid:
            self._rejects.append((reason, raw_json(record)))
            self._batch_records_read += 1
            return
        if isinstance(exc, NullKeyError):
            raise exc
        msg = (
            f"Invalid record in stream '{self.stream_name}' "
            f"({self._describe_key(record) if isinstance(record, dict) else 'no key'}): {reason}"
        )
        raise InvalidRecordError(msg, record if isinstance(record, dict) else {})

    # --- batch processing ------------------------------------------------------

    def process_batch(self, context: dict) -> None:
        """Load the buffered batch in one transaction (plus reconciliation at stream end)."""
        run = self.run
        finalize = (run.finalize_now or run.finalize_at_end) and self._is_active()
        self.load_batch(finalize=finalize, wait=finalize)

    def load_batch(self, *, finalize: bool, wait: bool = True) -> None:
        """Hand the buffered rows, rejects and (optional) reconciliation to the writer.

        With ``wait=False`` the transaction runs on the target's writer thread while the
        next batch is read (the target waits for it before any STATE is emitted).
        """
        escaped = self._escaped
        if self.upsert:
            rows = list(self._keyed.values())
            if escaped:
                escaped = {i for i, key in enumerate(self._keyed) if key in escaped}
        else:
            rows = self._rows
        rejects, stats = self._rejects, self._intake
        stats.nul_stripped += self.nul.count
        self.nul.count = 0
        self._intake = LoadStats()
        self._keyed, self._rows, self._rejects, self._escaped = {}, [], [], set()
        prepared: list[PreparedRows] = []
        rendered = self.render_rows(rows, escaped) if rows else None

        def stage(cur: Cursor) -> None:
            self.hso.lock_table_for_run(cur, self.run.schema, self.run.table)
            if rendered is not None:
                prepared.append(self.prepare_rows(cur, rendered))

        def finish(cur: Cursor) -> None:
            self._batch = stats
            if prepared:
                self.merge_rows(cur, prepared[0])
            self.after_rows(cur, rows)
            if finalize:
                self.reconcile(cur)
            if rejects:
                self.hso.write_rejects(cur, self.stream_name, rejects)
                stats.rejected += len(rejects)

        def committed() -> None:
            self.run.stats.add(stats)
            self._log_batch(len(rows))

        self.hso.run_batch(
            f"batch of stream '{self.stream_name}'", stage, finish, committed, wait=wait
        )

    def _log_batch(self, rows: int) -> None:
        b = self._batch
        self.record_counter_metric.increment(rows)
        self.logger.info(
            "%s batch of '%s': %d row(s) -> created=%d updated=%d overwritten=%d unchanged=%d "
            "deleted=%d soft_deleted=%d rejected=%d",
            "Dry-run (not committed)" if self.hso.dry_run else "Committed",
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

    def after_rows(self, cur: Cursor, rows: list[dict]) -> None:
        """In the batch transaction after the merge: archived records take their association
        rows (both directions) with them, and bring them back when restored (removals.py)."""
        if "archived" not in self.schema.get("properties", {}) or not self.upsert:
            return
        archived = [str(r["id"]) for r in rows if r.get("archived") is True and "id" in r]
        live = [str(r["id"]) for r in rows if r.get("archived") is False and "id" in r]
        if live:
            restored = removals.restore_associations(cur, self.run.schema, self.stream_name, live)
            self._batch.updated += restored
        if archived:
            n = removals.remove_associations(
                cur,
                self.run.schema,
                self.stream_name,
                archived,
                dt.datetime.now(tz=dt.UTC),
                hard=self.hso.hard_delete,
            )
            if self.hso.hard_delete:
                self._batch.deleted += n
            else:
                self._batch.soft_deleted += n

    def _is_active(self) -> bool:
        return self.hso.active_sink(self.stream_name) is self

    def table_sql(self) -> q.Identifier:
        """Quoted target table name."""
        return ddl.qualified(self.run.schema, self.run.table)

    def prepare_target_table(self, cur: Cursor) -> tuple[ddl.TableShape, ColumnLayout]:
        """Create/extend/widen the target table inside the current transaction."""
        run = self.run
        self.hso.ensure_schema(cur, run.schema)
        if not run.shape_known:
            run.shape = ddl.read_table(cur, run.schema, run.table)
            run.shape_known = True
        layout = self.columns.plan(run.shape.columns if run.shape else None)
        typed, extra = self.columns.wanted(layout)
        pk = self.key_columns if self.upsert else None
        run.shape, replaced = ddl.prepare_table(
            cur, run.schema, run.table, run.shape, typed, extra, pk, self.logger
        )
        run.shape_known = not replaced
        return run.shape, layout

    def render_rows(self, rows: list[dict], escaped: set[int]) -> RenderedRows:
        """COPY text of the rows, for the column types the table is expected to have.

        Runs before the batch waits for the database (the previous batch may still be
        merging); ``prepare_rows`` renders again if the table turns out different.
        ``escaped`` holds the positions of rows whose strings may need COPY escaping.
        """
        presence = self.upsert and not self.force and self._needs_presence(rows)
        shape = self.run.shape if self.run.shape_known else None
        existing = shape.columns if shape else None
        layout = self.columns.plan(existing)
        types = self.columns.expected_types(existing, layout)
        data = self.columns.copy_text(rows, escaped, layout, types, presence).encode()
        return RenderedRows(rows, escaped, layout, types, presence, data)

    def prepare_rows(self, cur: Cursor, rendered: RenderedRows) -> PreparedRows:
        """Create/extend the table (DDL), re-rendering the rows if its types or layout differ."""
        shape, layout = self.prepare_target_table(cur)
        types = tuple(shape.columns[f.column] for f in self.columns.typed_fields(layout))
        data = rendered.data
        if types != rendered.types or layout != rendered.layout:
            rows, escaped, presence = rendered.rows, rendered.escaped, rendered.presence
            data = self.columns.copy_text(rows, escaped, layout, types, presence).encode()
        return PreparedRows(shape, layout, types, rendered.presence, len(rendered.rows), data)

    def merge_rows(self, cur: Cursor, prepared: PreparedRows) -> None:
        """COPY the rows into a TEMP stage, merge them set-based, then drop the stage."""
        shape, presence, layout = prepared.shape, prepared.presence, prepared.layout
        stage = self.run.stage_table
        typed = self.columns.staged(layout, prepared.types)
        columns = [c for c, _ in typed]
        cur.execute(merge.create_stage(stage, typed, presence))
        with cur.copy(merge.copy_into(stage, columns, presence)) as copy:
            copy.write(memoryview(prepared.data))  # slices of a view: no copies
        if self.upsert:
            # Probe the target's primary key per staged row instead of hashing the
            # whole (growing) target table on every batch.
            cur.execute("SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off")
            self._merge_upsert(cur, prepared, columns)
            # Only for the merge: the anti-joins later in this transaction (reconciliation,
            # association markers) need hash joins, or they turn quadratic.
            cur.execute("SET LOCAL enable_hashjoin = DEFAULT; SET LOCAL enable_mergejoin = DEFAULT")
        else:
            cur.execute(merge.append_all(self.table_sql(), stage, columns))
            self._batch.created += cur.rowcount
        if self.keys:
            self._track_keys(cur, shape)
        cur.execute(q.SQL("DROP TABLE {}").format(q.Identifier(stage)))

    def _needs_presence(self, rows: list[dict]) -> bool:
        width = len(self.fields)
        return any(len(r) != width for r in rows)

    def _assignments(self, prepared: PreparedRows) -> list[tuple[str, q.Composable]]:
        shape, presence, layout = prepared.shape, prepared.presence, prepared.layout
        keyset = set(self.key_columns)
        out: list[tuple[str, q.Composable]] = []
        for pos, f in enumerate(self.columns.typed_fields(layout), start=1):
            if f.column in keyset:
                continue
            expr = merge.presence_expr(f.column, pos) if presence else merge.staged(f.column)
            out.append((f.column, expr))
        schema_cols = {f.column for f in self.fields}
        if layout.has_overflow:
            # Under upsert the record's overflowed properties replace only their own keys.
            merged = merge.staged if self.force else merge.merge_object
            out.append((OVERFLOW_COLUMN, merged(OVERFLOW_COLUMN)))
            schema_cols.add(OVERFLOW_COLUMN)
        for col in shape.columns:
            if col in schema_cols or col in keyset:
                continue
            if col == merge.SOFT_DELETE or (self.force and not col.startswith("_sdc_")):
                out.append((col, q.SQL("NULL")))
        return out

    def _merge_upsert(self, cur: Cursor, prepared: PreparedRows, columns: list[str]) -> None:
        """Insert the new keys, then update the existing rows whose values differ.

        Inserting first (``ON CONFLICT DO NOTHING``: no lock on existing rows) lets a batch
        of only new keys, the common case of a first load, skip the update's probes.
        """
        stage, n = self.run.stage_table, prepared.count
        cur.execute(merge.insert_new(self.table_sql(), stage, columns, self.key_columns))
        created = cur.rowcount
        assignments = self._assignments(prepared)
        updated = 0
        if assignments and created < n:
            cur.execute(
                merge.update_existing(self.table_sql(), stage, self.key_columns, assignments)
            )
            updated = cur.rowcount
        if self.force:
            self._batch.overwritten += updated
        else:
            self._batch.updated += updated
        self._batch.created += created
        self._batch.unchanged += n - created - updated

    def _track_keys(self, cur: Cursor, shape: ddl.TableShape) -> None:
        run = self.run
        if run.keys_table is None or run.key_columns != self.key_columns:
            name = run.keys_table_name
            cur.execute(q.SQL("DROP TABLE IF EXISTS {}").format(q.Identifier(name)))
            cols = [(c, shape.columns[c]) for c in self.key_columns]
            cur.execute(merge.create_keys_table(name, cols))
            run.keys_table, run.key_columns = name, list(self.key_columns)
            run.keys_indexed = False
        cur.execute(merge.track_keys(run.keys_table, run.stage_table, self.key_columns))

    # --- full refresh (ACTIVATE_VERSION) --------------------------------------

    def on_activate_version(self, version: int) -> None:
        """Start-placed: remember; closing (after records, or the same version again): finalize.

        A version repeated with no records in between closes an empty read, which must empty
        the table rather than wait for the end of input like a start-placed message.
        """
        self.hso.wait_pending()
        run = self.run
        closes_empty_read = run.pending_version == version
        if run.records_since_activation == 0 and not closes_empty_read:
            self.logger.info(
                "ACTIVATE_VERSION %s for '%s' before its records: reconciliation deferred "
                "to the end of the stream",
                version,
                self.stream_name,
            )
            run.pending_version = version
            return
        self.logger.info(
            "ACTIVATE_VERSION %s for '%s' after its records: reconciling now",
            version,
            self.stream_name,
        )
        run.pending_version = version
        run.finalize_now = True
        self.hso.closing_versions_seen = True
        self.hso.drain_retired(self.stream_name)
        if self.current_size:
            self.hso.drain_one(self)
        else:
            self.load_batch(finalize=True)
        run.records_since_activation = 0

    def reconcile(self, cur: Cursor) -> None:
        """Delete / soft-delete rows whose key was not delivered in this run."""
        run = self.run
        if run.pending_version is None:
            return
        run.pending_version = None
        run.finalize_at_end = run.finalize_now = False
        if not self.keys:
            self.logger.warning(
                "Stream '%s' has no key properties: full-refresh reconciliation skipped",
                self.stream_name,
            )
            return
        self.prepare_target_table(cur)
        keys_table = run.keys_table if run.key_columns == self.key_columns else None
        if keys_table is not None:
            cur.execute(q.SQL("ANALYZE {}").format(q.Identifier(keys_table)))  # TEMP: no autovacuum
        if self.hso.hard_delete:
            cur.execute(merge.delete_missing(self.table_sql(), keys_table, self.key_columns))
            self._batch.deleted += cur.rowcount
            return
        cur.execute(merge.soft_delete_missing(self.table_sql(), keys_table, self.key_columns))
        self._batch.soft_deleted += cur.rowcount

    def clean_up(self) -> None:
        """At end of input: reconcile if the last batch did not already do it."""
        if self.run.finalize_at_end and self.run.pending_version is not None and self._is_active():
            self.load_batch(finalize=True)
        super().clean_up()


# Kinds whose values orjson always parses exactly (strings, booleans); others may need the
# exact parse of lines holding long numbers.
_EXACT_KINDS = frozenset({"string", "date-time", "date", "boolean"})


def _key_getter(keys: list[str]) -> t.Callable[[dict], t.Any]:
    """Function giving a row's dedupe key (the value itself for a single key)."""
    if not keys:
        return lambda row: ()
    return operator.itemgetter(*keys)


def raw_json(record: t.Any) -> str:
    """Record as JSON text for the reject table (repr if not serializable)."""
    try:
        return orjson.dumps(record, default=exact_json_default).decode()
    except TypeError:
        return repr(record)
