"""Table versions still open when a run's input ends: their delivered keys, kept across runs.

A full read may span runs (the tap's ``request_budget``): its RECORD messages carry one
version in every run, and only the run that reads its last page sends the closing
ACTIVATE_VERSION. Reconciling that version against one run's keys would remove what the earlier
runs loaded, so every batch of a keyed stream whose records carry a version also appends its
staged keys to a lasting table, in the batch's transaction (one ``INSERT ... SELECT`` from the
stage):

* ``_sdc_open_versions`` (in the target schema): one row per stream with an open version:
  ``stream``, ``version``, ``keys_table``, ``key_columns``, ``opened_at``, ``runs``.
* ``_sdc_open_keys_<16 hex of md5(table)>``: the keys delivered under that version so far,
  typed like the stream's key columns.

A batch carrying another version (or another key) than the stored one discards the stored keys
and starts anew (a newer read supersedes it). Closing a version reconciles against the union
of the run's keys and the stored keys of that version, then drops the stream's open version
(any version: a closed read supersedes it) in the same transaction. A version closed in the run
that opened it therefore leaves nothing behind; one still open at end of input keeps its keys,
committed with the batches that delivered them (a killed run keeps those of its committed
batches, as its STATE does). Dry runs roll everything back.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from psycopg import Cursor
from psycopg import sql as q

from target_hubspot_overwrite import ddl
from target_hubspot_overwrite.sql_log import log_sql
from target_hubspot_overwrite.stream_table import StreamTable

OPEN_VERSIONS_TABLE = "_sdc_open_versions"
KEYS_TABLE_PREFIX = "_sdc_open_keys_"
Ident = q.Identifier


@dataclass(frozen=True)
class OpenVersion:
    """A stream's stored open version."""

    version: int
    keys_table: str
    key_columns: list[str]


def keys_table_name(table: str) -> str:
    """The lasting key table of the stream loaded into ``table`` (fits 63 bytes)."""
    return KEYS_TABLE_PREFIX + hashlib.md5(table.encode(), usedforsecurity=False).hexdigest()[:16]


def _registry(schema: str) -> q.Identifier:
    return Ident(schema, OPEN_VERSIONS_TABLE)


def _exists(cur: Cursor, schema: str, table: str) -> bool:
    cur.execute("SELECT to_regclass(%s)", (Ident(schema, table).as_string(cur),))
    found = cur.fetchone()
    return found is not None and found[0] is not None


def stored(cur: Cursor, schema: str, stream: str, *, lock: bool = False) -> OpenVersion | None:
    """The stream's stored open version, if any."""
    if not _exists(cur, schema, OPEN_VERSIONS_TABLE):
        return None
    select = "SELECT version, keys_table, key_columns FROM {} WHERE stream = %s"
    select += " FOR UPDATE" if lock else ""
    cur.execute(q.SQL(select).format(_registry(schema)), (stream,))
    row = cur.fetchone()
    if row is None or not _exists(cur, schema, row[1]):
        return None
    return OpenVersion(int(row[0]), str(row[1]), list(row[2]))


def track(
    cur: Cursor,
    table: StreamTable,
    stage: str,
    key_columns: Sequence[tuple[str, str]],
    version: int,
    logger: logging.Logger,
) -> None:
    """One batch under ``version``: its staged keys (column, type) into the lasting table."""
    names = [c for c, _ in key_columns]
    if table.open_version != version or table.open_key_types != list(key_columns):
        _open(cur, table, key_columns, version, logger)
    cols = q.SQL(", ").join(map(Ident, names))
    log_sql('keep keys of version %d in "%s"', version, table.open_keys_table)
    cur.execute(
        q.SQL("INSERT INTO {} ({}) SELECT {} FROM {}").format(
            Ident(table.schema, str(table.open_keys_table)), cols, cols, Ident(stage)
        )
    )


def _open(
    cur: Cursor,
    table: StreamTable,
    key_columns: Sequence[tuple[str, str]],
    version: int,
    logger: logging.Logger,
) -> None:
    """Go on with the stored keys of ``version``, or discard the stored ones and start anew."""
    schema, names = table.schema, [c for c, _ in key_columns]
    cur.execute(
        q.SQL(
            "CREATE TABLE IF NOT EXISTS {} (stream text PRIMARY KEY, version bigint NOT NULL, "
            "keys_table text NOT NULL, key_columns text[] NOT NULL, "
            "opened_at timestamptz NOT NULL DEFAULT now(), runs integer NOT NULL DEFAULT 1)"
        ).format(_registry(schema))
    )
    found = stored(cur, schema, table.stream_name, lock=True)
    name = keys_table_name(table.table)
    if found is not None and found.version == version and found.key_columns == names:
        logger.info(
            "Stream '%s': version %d was left open by an earlier run: its keys are kept for "
            "the reconciliation that closes it",
            table.stream_name,
            version,
        )
        if table.open_version != version:
            cur.execute(
                q.SQL("UPDATE {} SET runs = runs + 1 WHERE stream = %s").format(_registry(schema)),
                (table.stream_name,),
            )
        _widen(cur, schema, name, key_columns)
    else:
        if found is not None:
            logger.info(
                "Stream '%s': keys of open version %d discarded (records now carry version %d)",
                table.stream_name,
                found.version,
                version,
            )
        log_sql('create "%s" (keys of open version %d)', name, version)
        cur.execute(q.SQL("DROP TABLE IF EXISTS {}").format(Ident(schema, name)))
        parts = [q.SQL("{} {}").format(Ident(c), q.SQL(t)) for c, t in key_columns]
        cur.execute(
            q.SQL("CREATE TABLE {} ({})").format(Ident(schema, name), q.SQL(", ").join(parts))
        )
        cur.execute(
            q.SQL(
                "INSERT INTO {} (stream, version, keys_table, key_columns) "
                "VALUES (%s, %s, %s, %s) ON CONFLICT (stream) DO UPDATE SET "
                "version = EXCLUDED.version, keys_table = EXCLUDED.keys_table, "
                "key_columns = EXCLUDED.key_columns, opened_at = now(), runs = 1"
            ).format(_registry(schema)),
            (table.stream_name, version, name, names),
        )
    table.open_version, table.open_keys_table, table.open_key_columns = version, name, names
    table.open_key_types = list(key_columns)


def _widen(cur: Cursor, schema: str, name: str, key_columns: Sequence[tuple[str, str]]) -> None:
    """The kept keys typed like the stream's key columns now (widened with the table)."""
    shape = ddl.read_table(cur, schema, name)
    for column, pg_type in key_columns:
        if shape is not None and shape.columns.get(column) not in (None, pg_type):
            log_sql('widen column "%s" of "%s"', column, name)
            cur.execute(
                q.SQL("ALTER TABLE {0} ALTER COLUMN {1} TYPE {2} USING {1}::{2}").format(
                    Ident(schema, name), Ident(column), q.SQL(pg_type)
                )
            )


def closing(
    cur: Cursor, table: StreamTable, version: int, key_columns: Sequence[str]
) -> str | None:
    """Closing ``version``: the lasting key table to reconcile against too (None: none of
    this version with this key)."""
    if table.open_version == version and table.open_key_columns == list(key_columns):
        found: OpenVersion | None = OpenVersion(version, str(table.open_keys_table), [])
    else:
        found = stored(cur, table.schema, table.stream_name)
        if found is not None and (found.version != version or found.key_columns != key_columns):
            found = None
    if found is None:
        return None
    cur.execute(q.SQL("ANALYZE {}").format(Ident(table.schema, found.keys_table)))
    return found.keys_table


def close(cur: Cursor, table: StreamTable) -> None:
    """After a reconciliation: the stream's open version (whichever) and its keys are gone."""
    table.open_version = table.open_keys_table = table.open_key_columns = None
    table.open_key_types = None
    if not _exists(cur, table.schema, OPEN_VERSIONS_TABLE):
        return
    cur.execute(
        q.SQL("DELETE FROM {} WHERE stream = %s RETURNING keys_table, version").format(
            _registry(table.schema)
        ),
        (table.stream_name,),
    )
    for keys_table, version in cur.fetchall():
        log_sql('drop "%s" (open version %d closed)', keys_table, version)
        cur.execute(q.SQL("DROP TABLE IF EXISTS {}").format(Ident(table.schema, keys_table)))
