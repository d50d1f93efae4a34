"""Set-based SQL builders: staging, the write (upsert / overwrite / append), the run's key
tables. Removing rows is built in ``removals``."""

from __future__ import annotations

from collections.abc import Sequence

from psycopg import sql as q

PRESENCE = "_load_present"
SOFT_DELETE = "_sdc_deleted_at"

Ident = q.Identifier


def _list(names: Sequence[str], alias: str | None = None) -> q.Composable:
    if alias is None:
        return q.SQL(", ").join(map(Ident, names))
    return q.SQL(", ").join(Ident(alias, n) for n in names)


def _join(keys: Sequence[str], left: str, right: str) -> q.Composable:
    return q.SQL(" AND ").join(
        q.SQL("{} = {}").format(Ident(left, k), Ident(right, k)) for k in keys
    )


def create_stage(stage: str, columns: Sequence[tuple[str, str]], presence: bool) -> q.Composed:
    """A TEMP staging table without indexes or constraints."""
    parts = [q.SQL("{} {}").format(Ident(n), q.SQL(t)) for n, t in columns]
    if presence:
        parts.append(q.SQL("{} text").format(Ident(PRESENCE)))
    return q.SQL("CREATE TEMP TABLE {} ({})").format(Ident(stage), q.SQL(", ").join(parts))


def copy_into(stage: str, columns: Sequence[str], presence: bool) -> q.Composed:
    """COPY ... FROM STDIN for the staging table."""
    names = [*columns, PRESENCE] if presence else list(columns)
    return q.SQL("COPY {} ({}) FROM STDIN").format(Ident(stage), _list(names))


def update_existing(
    table: q.Composable,
    stage: str,
    keys: Sequence[str],
    assignments: Sequence[tuple[str, q.Composable]],
) -> q.Composed:
    """UPDATE rows whose new values differ (IS DISTINCT FROM guard: no dead tuples otherwise).

    ``assignments`` are (column, new-value expression over aliases t and s).
    """
    cols = [c for c, _ in assignments]
    exprs = [e for _, e in assignments]
    return q.SQL(
        "UPDATE {table} AS t SET ({cols}) = ROW({exprs}) FROM {stage} AS s "
        "WHERE {join} AND ({old}) IS DISTINCT FROM ({new})"
    ).format(
        table=table,
        cols=_list(cols),
        exprs=q.SQL(", ").join(exprs),
        stage=Ident(stage),
        join=_join(keys, "t", "s"),
        old=q.SQL(", ").join([*(Ident("t", c) for c in cols), q.SQL("NULL")]),
        new=q.SQL(", ").join([*exprs, q.SQL("NULL")]),
    )


def presence_expr(column: str, position: int) -> q.Composed:
    """New value of ``column`` under upsert: the staged value only if the record carried it."""
    return q.SQL("CASE WHEN substr(s.{p}, {i}, 1) = '1' THEN s.{c} ELSE t.{c} END").format(
        p=Ident(PRESENCE), i=q.Literal(position), c=Ident(column)
    )


def staged(column: str) -> q.Composed:
    """The staged value of ``column``."""
    return q.SQL("s.{}").format(Ident(column))


def insert_new(
    table: q.Composable, stage: str, columns: Sequence[str], keys: Sequence[str]
) -> q.Composed:
    """INSERT staged rows whose key is not in the table yet (existing keys are skipped
    without being locked; the table's primary key is ``keys``)."""
    return q.SQL(
        "INSERT INTO {table} ({cols}) SELECT {scols} FROM {stage} AS s "
        "ON CONFLICT ({keys}) DO NOTHING"
    ).format(
        table=table,
        cols=_list(columns),
        scols=_list(columns, "s"),
        stage=Ident(stage),
        keys=_list(keys),
    )


def append_all(table: q.Composable, stage: str, columns: Sequence[str]) -> q.Composed:
    """INSERT every staged row (append-only / keyless streams)."""
    return q.SQL("INSERT INTO {} ({}) SELECT {} FROM {}").format(
        table, _list(columns), _list(columns), Ident(stage)
    )


def create_keys_table(name: str, key_columns: Sequence[tuple[str, str]]) -> q.Composed:
    """Run-scoped TEMP table of the keys delivered in this run (no index: appending stays
    cheap; see ``index_keys_table`` for when one pays off)."""
    parts = [q.SQL("{} {}").format(Ident(n), q.SQL(t)) for n, t in key_columns]
    return q.SQL("CREATE TEMP TABLE {} ({})").format(Ident(name), q.SQL(", ").join(parts))


def track_keys(keys_table: str, stage: str, keys: Sequence[str]) -> q.Composed:
    """Remember the staged keys of this batch (repeats are harmless to ``NOT EXISTS``)."""
    return q.SQL("INSERT INTO {} ({}) SELECT {} FROM {}").format(
        Ident(keys_table), _list(keys), _list(keys), Ident(stage)
    )


def index_keys_table(keys_table: str, keys: Sequence[str]) -> q.Composed:
    """An index on the key table, for the per-parent probes of association markers."""
    return q.SQL("CREATE INDEX IF NOT EXISTS {} ON {} ({})").format(
        Ident(f"{keys_table}_idx"), Ident(keys_table), _list(keys)
    )


def patch_object(column: str) -> q.Composed:
    """Upsert value of a JSONB object column: the stored object with the keys the staged
    object carries replaced or added (either side NULL: the other one)."""
    return q.SQL("COALESCE(t.{c} || s.{c}, t.{c}, s.{c})").format(c=Ident(column))
