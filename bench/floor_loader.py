"""The raw floor: the least a Python loader must do to upsert a Singer file into PostgreSQL.

orjson reads each line; records are deduplicated per key (last wins) and every 10,000 of them
go, in one transaction, through psycopg 3 ``COPY`` into a TEMP table and one
``INSERT ... SELECT ... ON CONFLICT (key) DO UPDATE ... WHERE ... IS DISTINCT FROM ...``
(unchanged rows are not rewritten, as in our target). No validation, no schema evolution.

Usage: python -m bench.floor_loader URL SCHEMA FILE [--batch-size N]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import orjson
import psycopg
from psycopg import sql

_SQL_TYPES = {"integer": "bigint", "number": "numeric", "boolean": "boolean"}


def column_type(prop: dict[str, Any]) -> str:
    """PostgreSQL type of one JSON Schema property."""
    types = prop.get("type", "string")
    kind = next(t for t in ([types] if isinstance(types, str) else types) if t != "null")
    if kind == "string" and prop.get("format") == "date-time":
        return "timestamptz"
    return _SQL_TYPES.get(kind, "text")


class Table:
    """One stream's target table, its key and its pending records."""

    def __init__(self, conn: psycopg.Connection[Any], schema: str, message: dict[str, Any]) -> None:
        self.conn = conn
        self.name = sql.Identifier(schema, message["stream"])
        self.props: dict[str, Any] = message["schema"]["properties"]
        self.columns = list(self.props)
        self.key: list[str] = message["key_properties"]
        self.pending: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        cols = sql.SQL(", ").join(
            sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(column_type(p)))
            for c, p in self.props.items()
        )
        with conn.transaction():
            conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
            conn.execute(
                sql.SQL("CREATE TABLE IF NOT EXISTS {} ({}, PRIMARY KEY ({}))").format(
                    self.name, cols, self._idents(self.key)
                )
            )

    def add(self, record: dict[str, Any]) -> None:
        """Buffer one record (a later record with the same key replaces it)."""
        row = tuple(record.get(c) for c in self.columns)
        self.pending[tuple(record[k] for k in self.key)] = row

    def flush(self) -> None:
        """COPY the pending records into a TEMP table and merge them in one transaction."""
        if not self.pending:
            return
        cols = self._idents(self.columns)
        non_key = [c for c in self.columns if c not in self.key]
        excluded = sql.SQL(", ").join(
            sql.SQL("EXCLUDED.{}").format(sql.Identifier(c)) for c in non_key
        )
        current = sql.SQL(", ").join(sql.SQL("t.{}").format(sql.Identifier(c)) for c in non_key)
        with self.conn.transaction():
            self.conn.execute(
                sql.SQL(
                    "CREATE TEMP TABLE stage (LIKE {} INCLUDING DEFAULTS) ON COMMIT DROP"
                ).format(self.name)
            )
            with self.conn.cursor().copy(
                sql.SQL("COPY stage ({}) FROM STDIN").format(cols)
            ) as copy:
                for row in self.pending.values():
                    copy.write_row(row)
            self.conn.execute(
                sql.SQL(
                    "INSERT INTO {} AS t ({cols}) SELECT {cols} FROM stage ON CONFLICT ({key}) "
                    "DO UPDATE SET ({non_key}) = ROW({excluded}) "
                    "WHERE ROW({current}) IS DISTINCT FROM ROW({excluded})"
                ).format(
                    self.name,
                    cols=cols,
                    key=self._idents(self.key),
                    non_key=self._idents(non_key),
                    excluded=excluded,
                    current=current,
                )
            )
        self.pending.clear()

    @staticmethod
    def _idents(names: list[str]) -> sql.Composable:
        return sql.SQL(", ").join(sql.Identifier(n) for n in names)


def load(url: str, schema: str, path: Path, batch_size: int) -> int:
    """Load one Singer file; return the number of records read."""
    tables: dict[str, Table] = {}
    count = 0
    with psycopg.connect(url) as conn, path.open("rb") as fh:
        for line in fh:
            message = orjson.loads(line)
            kind = message["type"]
            if kind == "RECORD":
                table = tables[message["stream"]]
                table.add(message["record"])
                count += 1
                if len(table.pending) >= batch_size:
                    table.flush()
            elif kind == "SCHEMA":
                tables[message["stream"]] = Table(conn, schema, message)
        for table in tables.values():
            table.flush()
    return count


def main(argv: list[str] | None = None) -> None:
    """CLI entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("url")
    parser.add_argument("schema")
    parser.add_argument("file", type=Path)
    parser.add_argument("--batch-size", type=int, default=10_000)
    args = parser.parse_args(argv)
    count = load(args.url, args.schema, args.file, args.batch_size)
    print(f"{count} records", file=sys.stderr)


if __name__ == "__main__":
    main()
