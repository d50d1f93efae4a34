"""A table's shape as the catalog has it (``TableShape``) and the DDL that changes it, run
inside the batch transaction; which columns a stream wants is decided in ``stream_columns``."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from psycopg import Cursor
from psycopg import sql as q

from target_hubspot_overwrite.sql_log import log_sql
from target_hubspot_overwrite.sqltypes import widen


@dataclass
class TableShape:
    """The existing columns (name → formatted type) and primary key of a table."""

    columns: dict[str, str] = field(default_factory=dict)
    primary_key: list[str] = field(default_factory=list)
    pk_constraint: str | None = None


def qualified(schema: str, table: str) -> q.Identifier:
    """Quoted ``schema.table``."""
    return q.Identifier(schema, table)


def schema_exists(cur: Cursor, schema: str) -> bool:
    """True if the schema exists."""
    cur.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,))
    return cur.fetchone() is not None


def ensure_schema(cur: Cursor, schema: str) -> None:
    """Create the schema if missing."""
    if not schema_exists(cur, schema):
        log_sql('create schema "%s"', schema)
        cur.execute(q.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(q.Identifier(schema)))


def read_table(cur: Cursor, schema: str, table: str) -> TableShape | None:
    """Return the table's shape, or None if it does not exist."""
    cur.execute(
        """
        SELECT a.attname, format_type(a.atttypid, a.atttypmod)
        FROM pg_attribute a
        JOIN pg_class c ON c.oid = a.attrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = %s AND c.relname = %s AND c.relkind IN ('r', 'p')
          AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attnum
        """,
        (schema, table),
    )
    rows = cur.fetchall()
    if not rows:
        return None
    shape = TableShape(columns={name: typ for name, typ in rows})
    cur.execute(
        """
        SELECT con.conname, array_agg(a.attname ORDER BY k.ord)
        FROM pg_constraint con
        JOIN pg_class c ON c.oid = con.conrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        CROSS JOIN LATERAL unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
        WHERE n.nspname = %s AND c.relname = %s AND con.contype = 'p'
        GROUP BY con.conname
        """,
        (schema, table),
    )
    pk = cur.fetchone()
    if pk:
        shape.pk_constraint, shape.primary_key = pk[0], list(pk[1])
    return shape


def create_table(
    cur: Cursor,
    schema: str,
    table: str,
    columns: Sequence[tuple[str, str]],
    primary_key: Sequence[str],
) -> None:
    """CREATE TABLE with the given columns and optional primary key."""
    log_sql('create table "%s" (%d columns, key %s)', table, len(columns), list(primary_key))
    parts = [q.SQL("{} {}").format(q.Identifier(n), q.SQL(t)) for n, t in columns]
    if primary_key:
        parts.append(
            q.SQL("PRIMARY KEY ({})").format(q.SQL(", ").join(map(q.Identifier, primary_key)))
        )
    cur.execute(
        q.SQL("CREATE TABLE {} ({})").format(qualified(schema, table), q.SQL(", ").join(parts))
    )


def add_column(cur: Cursor, schema: str, table: str, name: str, pg_type: str) -> None:
    """ALTER TABLE ADD COLUMN."""
    log_sql('add column "%s" %s to "%s"', name, pg_type, table)
    cur.execute(
        q.SQL("ALTER TABLE {} ADD COLUMN {} {}").format(
            qualified(schema, table), q.Identifier(name), q.SQL(pg_type)
        )
    )


def alter_type(cur: Cursor, schema: str, table: str, name: str, pg_type: str) -> None:
    """ALTER COLUMN TYPE ... USING col::type (a widening)."""
    log_sql('widen column "%s" of "%s" to %s', name, table, pg_type)
    col = q.Identifier(name)
    cur.execute(
        q.SQL("ALTER TABLE {} ALTER COLUMN {} TYPE {} USING {}::{}").format(
            qualified(schema, table), col, q.SQL(pg_type), col, q.SQL(pg_type)
        )
    )


def replace_primary_key(
    cur: Cursor, schema: str, table: str, shape: TableShape, primary_key: Sequence[str]
) -> None:
    """Drop the old primary key constraint (if any) and add one on ``primary_key``."""
    log_sql('replace primary key of "%s" with %s', table, list(primary_key))
    target = qualified(schema, table)
    if shape.pk_constraint:
        cur.execute(
            q.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
                target, q.Identifier(shape.pk_constraint)
            )
        )
    if primary_key:
        cur.execute(
            q.SQL("ALTER TABLE {} ADD PRIMARY KEY ({})").format(
                target, q.SQL(", ").join(map(q.Identifier, primary_key))
            )
        )


def create_or_alter(
    cur: Cursor,
    schema: str,
    table: str,
    shape: TableShape | None,
    typed: Sequence[tuple[str, str]],
    extra: Sequence[tuple[str, str]],
    primary_key: Sequence[str] | None,
    log: logging.Logger,
) -> tuple[TableShape, bool]:
    """Create the table, or add missing columns, widen ``typed`` ones and replace a changed
    primary key (``None``: leave it). ``extra`` columns are only added when missing.

    Returns the table's new shape and whether its primary key was replaced.
    """
    wanted = [*typed, *extra]
    if shape is None:
        create_table(cur, schema, table, wanted, primary_key or [])
        return TableShape(columns=dict(wanted), primary_key=list(primary_key or [])), False
    for column, pg_type in wanted:
        if column not in shape.columns:
            add_column(cur, schema, table, column, pg_type)
            shape.columns[column] = pg_type
    for column, pg_type in typed:
        existing = shape.columns[column]
        wider = widen(existing, pg_type)
        if wider != existing:
            log.info("Widening %s.%s: %s -> %s", table, column, existing, wider)
            alter_type(cur, schema, table, column, wider)
            shape.columns[column] = wider
    if primary_key is None or shape.primary_key == list(primary_key):
        return shape, False
    log.warning("Primary key of %s changes from %s to %s", table, shape.primary_key, primary_key)
    replace_primary_key(cur, schema, table, shape, primary_key)
    shape.primary_key = list(primary_key)
    shape.pk_constraint = None
    return shape, True
