"""Catalog reads and DDL (run inside the batch transaction)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from psycopg import Cursor
from psycopg import sql as q


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
    cur.execute(
        q.SQL("ALTER TABLE {} ADD COLUMN {} {}").format(
            qualified(schema, table), q.Identifier(name), q.SQL(pg_type)
        )
    )


def alter_type(cur: Cursor, schema: str, table: str, name: str, pg_type: str) -> None:
    """ALTER COLUMN TYPE ... USING col::type (a widening)."""
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
