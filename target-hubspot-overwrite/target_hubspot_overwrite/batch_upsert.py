"""One batch into its table: COPY into a TEMP stage, set-based upsert, key tracking (the run's
TEMP key table, and for records carrying a table version the lasting one of ``open_versions``).

The SQL text itself is built in ``load_sql``; this module runs it in order and counts.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from psycopg import Cursor
from psycopg import sql as q

from target_hubspot_overwrite import ddl, load_sql, open_versions
from target_hubspot_overwrite.copy_text import PreparedRows
from target_hubspot_overwrite.sql_log import log_sql
from target_hubspot_overwrite.stats import LoadStats
from target_hubspot_overwrite.stream_columns import OVERFLOW_COLUMN, StreamColumns
from target_hubspot_overwrite.stream_table import StreamTable


@dataclass
class BatchUpsert:
    """How one stream's batches are written into its table."""

    table: StreamTable
    columns: StreamColumns
    key_columns: list[str]
    upsert: bool
    force: bool
    insert_only: bool = False  # history: existing keys are never updated

    def target(self) -> q.Identifier:
        """Quoted target table name."""
        return ddl.qualified(self.table.schema, self.table.table)

    def load_rows(
        self,
        cur: Cursor,
        prepared: PreparedRows,
        stats: LoadStats,
        version: int | None = None,
        logger: logging.Logger | None = None,
    ) -> None:
        """COPY the rows into a TEMP stage, write them set-based (upsert, overwrite or append),
        track their keys (also under ``version``, the records' table version), then drop the
        stage."""
        presence, layout = prepared.presence, prepared.layout
        stage = self.table.stage_table
        typed = self.columns.staged(layout, prepared.types)
        columns = [c for c, _ in typed]
        cur.execute(load_sql.create_stage(stage, typed, presence))
        log_sql('copy %d rows into temp "%s"', prepared.count, stage)
        with cur.copy(load_sql.copy_into(stage, columns, presence)) as copy:
            copy.write(memoryview(prepared.data))  # slices of a view: no copies
        if self.upsert:
            # Probe the target's primary key per staged row instead of hashing the
            # whole (growing) target table on every batch.
            cur.execute("SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off")
            self._insert_then_update(cur, prepared, columns, stats)
            # Only for the upsert: the anti-joins later in this transaction (reconciliation,
            # association markers) need hash joins, or they turn quadratic.
            cur.execute("SET LOCAL enable_hashjoin = DEFAULT; SET LOCAL enable_mergejoin = DEFAULT")
        else:
            log_sql('append into "%s"', self.table.table)
            cur.execute(load_sql.append_all(self.target(), stage, columns))
            stats.created += cur.rowcount
        if self.key_columns:
            self._track_keys(cur, prepared.shape)
            if version is not None and not self.insert_only:
                keys = [(c, prepared.shape.columns[c]) for c in self.key_columns]
                log = logger or logging.getLogger(__name__)
                open_versions.track(cur, self.table, stage, keys, version, log)
        cur.execute(q.SQL("DROP TABLE {}").format(q.Identifier(stage)))

    def _assignments(self, prepared: PreparedRows) -> list[tuple[str, q.Composable]]:
        shape, presence, layout = prepared.shape, prepared.presence, prepared.layout
        keyset = set(self.key_columns)
        out: list[tuple[str, q.Composable]] = []
        for pos, f in enumerate(self.columns.typed_fields(layout), start=1):
            if f.column in keyset:
                continue
            expr = load_sql.presence_expr(f.column, pos) if presence else load_sql.staged(f.column)
            out.append((f.column, expr))
        schema_cols = {f.column for f in self.columns.fields}
        if layout.has_overflow:
            # Under upsert the record's overflowed properties replace only their own keys.
            merged = load_sql.staged if self.force else load_sql.patch_object
            out.append((OVERFLOW_COLUMN, merged(OVERFLOW_COLUMN)))
            schema_cols.add(OVERFLOW_COLUMN)
        for col in shape.columns:
            if col in schema_cols or col in keyset:
                continue
            if col == load_sql.SOFT_DELETE or (self.force and not col.startswith("_sdc_")):
                out.append((col, q.SQL("NULL")))
        return out

    def _insert_then_update(
        self, cur: Cursor, prepared: PreparedRows, columns: Sequence[str], stats: LoadStats
    ) -> None:
        """Insert the new keys, then update the existing rows whose values differ.

        Inserting first (``ON CONFLICT DO NOTHING``: no lock on existing rows) lets a batch
        of only new keys, the common case of a first load, skip the update's probes.
        Insert-only streams stop there: their existing rows are counted as already present.
        """
        stage, n, target = self.table.stage_table, prepared.count, self.target()
        log_sql('upsert into "%s": insert new keys', self.table.table)
        cur.execute(load_sql.insert_new(target, stage, columns, self.key_columns))
        created = cur.rowcount
        stats.created += created
        if self.insert_only:
            stats.already_present += n - created
            return
        assignments = self._assignments(prepared)
        updated = 0
        if assignments and created < n:
            log_sql('upsert into "%s": update %d existing key(s)', self.table.table, n - created)
            cur.execute(load_sql.update_existing(target, stage, self.key_columns, assignments))
            updated = cur.rowcount
        if self.force:
            stats.overwritten += updated
        else:
            stats.updated += updated
        stats.unchanged += n - created - updated

    def _track_keys(self, cur: Cursor, shape: ddl.TableShape) -> None:
        table = self.table
        if table.keys_table is None or table.key_columns != self.key_columns:
            name = table.keys_table_name
            cur.execute(q.SQL("DROP TABLE IF EXISTS {}").format(q.Identifier(name)))
            cols = [(c, shape.columns[c]) for c in self.key_columns]
            cur.execute(load_sql.create_keys_table(name, cols))
            table.keys_table, table.key_columns = name, list(self.key_columns)
            table.keys_indexed = False
        cur.execute(load_sql.track_keys(table.keys_table, table.stage_table, self.key_columns))
