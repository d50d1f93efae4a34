"""Removing rows: the one place that flags or deletes them, for every reason the target has.

Other modules say *what* to remove with a request value; this module decides *how*: one
result type (:class:`Removed`), one rule for flagging versus deleting (:func:`deletion`), one
SQL builder (:func:`removal_sql`). Everything runs in the caller's batch transaction.

==========================  ===================================================  ==========
request                     rows                                                 kind
==========================  ===================================================  ==========
:class:`NotDelivered`       a stream's rows whose key this run did not deliver   the stream's
                            (full refresh closed by ACTIVATE_VERSION), nor an
                            earlier run under the same open version
:class:`VanishedLinks`      a marked parent's association rows not delivered     ASSOCIATION
:class:`UnmirroredLinks`    reverse rows to a marked parent whose link is gone   ASSOCIATION
:class:`ObjectRows`         an object table's rows by id (merged, deleted)       OBJECT
:class:`LinksNaming`        every association row naming the ids, both           ASSOCIATION
                            directions, in every association table (merged,
                            archived, deleted); logged in ``_sdc_removed_objects``
:class:`HistoryRows`        a merged-away record's property history rows        HISTORY
==========================  ===================================================  ==========

The rule: rows are flagged ``_sdc_deleted_at`` (rows already flagged keep their first time),
or deleted under ``hard_delete``; reference rows (``StreamKind.REFERENCE``) and property
history (``StreamKind.HISTORY``) are always flagged; a table without the flag column can
only be deleted from. An archived record that comes back gets the association rows flagged
with it back (:func:`restore_links`): HubSpot restores its links with it.
"""

from __future__ import annotations

import datetime as dt
import enum
import typing as t
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from psycopg import Cursor
from psycopg import sql as q

from target_hubspot_overwrite import ddl, load_sql
from target_hubspot_overwrite.load_sql import SOFT_DELETE
from target_hubspot_overwrite.naming import pg_identifier
from target_hubspot_overwrite.reconciliation import MarkerField, StreamKind
from target_hubspot_overwrite.sql_log import log_sql

if t.TYPE_CHECKING:
    from target_hubspot_overwrite.stats import LoadStats
    from target_hubspot_overwrite.stream_table import StreamTable

ASSOCIATION_COLUMNS = ("from_object_type", "from_object_id", "to_object_type", "to_object_id")
REMOVALS_TABLE = "_sdc_removed_objects"
Ident = q.Identifier


class Reason(enum.Enum):
    """Why an object left the warehouse (kept in ``_sdc_removed_objects``)."""

    MERGED = "merged"
    ARCHIVED = "archived"
    DELETED = "deleted"


class Deletion(enum.Enum):
    """How rows are removed."""

    FLAG = "flag"
    DELETE = "delete"


def deletion(kind: StreamKind, *, hard_delete: bool, flaggable: bool = True) -> Deletion:
    """The one rule: flag unless ``hard_delete``; reference and history rows are always
    flagged (records keep naming them / history is never lost); no flag column: delete."""
    if not flaggable:
        return Deletion.DELETE
    if hard_delete and not kind.always_flags:
        return Deletion.DELETE
    return Deletion.FLAG


@dataclass
class Removed:
    """Rows one removal flagged or deleted."""

    deleted: int = 0
    soft_deleted: int = 0

    @property
    def rows(self) -> int:
        """Rows removed either way."""
        return self.deleted + self.soft_deleted

    def __add__(self, other: Removed) -> Removed:
        """Both counts summed."""
        return Removed(self.deleted + other.deleted, self.soft_deleted + other.soft_deleted)

    def count_into(self, stats: LoadStats) -> None:
        """Add these rows to a stream's load counters."""
        stats.deleted += self.deleted
        stats.soft_deleted += self.soft_deleted


def removal_sql(
    target: q.Composable, where: q.Composable, how: Deletion, at: dt.datetime | None = None
) -> q.Composed:
    """The one SQL builder: ``DELETE`` the rows matching ``where`` (alias ``t``), or flag the
    ones not yet flagged with ``at`` (``now()`` when None)."""
    if how is Deletion.DELETE:
        return q.SQL("DELETE FROM {} AS t WHERE {}").format(target, where)
    stamp = q.SQL("now()") if at is None else q.Literal(at)
    return q.SQL("UPDATE {} AS t SET {} = {} WHERE t.{} IS NULL AND {}").format(
        target, Ident(SOFT_DELETE), stamp, Ident(SOFT_DELETE), where
    )


@dataclass(frozen=True)
class Step:
    """One statement of a request: the rows of ``target`` matching ``where``."""

    target: q.Composable
    where: q.Composable
    what: str  # for the SQL log, after the verb (flag or delete)
    flaggable: bool = True
    probe: bool = False  # few rows probing a key table: index nested loop, no hash join
    prefix: str = ""  # the SQL log's step name before the verb


class Request(t.Protocol):
    """What to remove (the values below)."""

    @property
    def kind(self) -> StreamKind:
        """Whose rules apply (``deletion``)."""
        ...

    @property
    def at(self) -> dt.datetime | None:
        """The flag's time (None: the transaction's ``now()``)."""
        ...

    def steps(self, cur: Cursor) -> Iterator[Step]:
        """The statements' targets and conditions (catalog reads happen here)."""
        ...


def remove(cur: Cursor, request: Request, *, hard_delete: bool) -> Removed:
    """Flag or delete the rows ``request`` names (see the module doc for the rule)."""
    total = Removed()
    for step in request.steps(cur):
        how = deletion(request.kind, hard_delete=hard_delete, flaggable=step.flaggable)
        log_sql("%s%s %s", step.prefix, how.value, step.what)
        if step.probe:
            cur.execute("SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off")
        cur.execute(removal_sql(step.target, step.where, how, request.at))
        count = int(cur.rowcount or 0)
        if step.probe:
            cur.execute("SET LOCAL enable_hashjoin = DEFAULT; SET LOCAL enable_mergejoin = DEFAULT")
        total += Removed(deleted=count) if how is Deletion.DELETE else Removed(soft_deleted=count)
    return total


# --- the requests ---------------------------------------------------------------------------


def _not_delivered(
    keys_table: str | None, keys: Sequence[str], kept: q.Identifier | None = None
) -> q.Composable:
    """Rows ``t`` whose key is in neither key table (no table: every row)."""
    join = q.SQL(" AND ").join(q.SQL("k.{0} = t.{0}").format(Ident(k)) for k in keys)
    tables = [Ident(keys_table)] if keys_table is not None else []
    tables += [kept] if kept is not None else []
    if not tables:
        return q.SQL("TRUE")
    return q.SQL(" AND ").join(
        q.SQL("NOT EXISTS (SELECT 1 FROM {} AS k WHERE {})").format(k, join) for k in tables
    )


def _exists(cur: Cursor, schema: str, table: str) -> bool:
    cur.execute("SELECT to_regclass(%s)", (Ident(schema, table).as_string(cur),))
    found = cur.fetchone()
    return found is not None and found[0] is not None


@dataclass(frozen=True)
class NotDelivered:
    """Full refresh: a stream's rows whose key was not delivered in this run, nor (``kept``,
    a lasting table of the target schema) under the same version in earlier runs."""

    table: StreamTable
    key_columns: Sequence[str]
    kind: StreamKind
    at: dt.datetime | None = None
    kept: str | None = None

    def steps(self, cur: Cursor) -> Iterator[Step]:
        """One anti-join against the run's and the kept key tables (none: every row)."""
        table = self.table
        keys_table = table.keys_table if table.key_columns == list(self.key_columns) else None
        if keys_table is not None:
            cur.execute(q.SQL("ANALYZE {}").format(Ident(keys_table)))  # TEMP: no autovacuum
        target = ddl.qualified(table.schema, table.table)
        kept = Ident(table.schema, self.kept) if self.kept is not None else None
        where = _not_delivered(keys_table, self.key_columns, kept)
        what = f"rows of {target.as_string(cur)} not delivered in this run"
        what += " nor kept for its version" if kept is not None else ""
        yield Step(target, where, what, prefix="reconcile: ")


@dataclass(frozen=True)
class VanishedLinks:
    """A marker: the marked parents' rows of an association table not delivered in this run."""

    table: StreamTable
    parent_ids: Sequence[str]
    kind: StreamKind = StreamKind.ASSOCIATION
    at: dt.datetime | None = None

    def steps(self, cur: Cursor) -> Iterator[Step]:
        """Few rows (the marked parents') each probing the key table: an index nested loop,
        never a hash of every key delivered so far, which would grow with the run."""
        table = self.table
        if not table.shape_known:
            table.shape = ddl.read_table(cur, table.schema, table.table)
            table.shape_known = True
        parent_col = pg_identifier(MarkerField.FROM_OBJECT_ID)
        if table.shape is None or parent_col not in table.shape.columns:
            return
        keys = table.key_columns or table.shape.primary_key
        keys_table = table.keys_table if table.key_columns else None
        if keys_table is not None and not table.keys_indexed:
            cur.execute(load_sql.index_keys_table(keys_table, keys))
            table.keys_indexed = True
        target = ddl.qualified(table.schema, table.table)
        where = q.SQL("t.{} = ANY({}) AND {}").format(
            Ident(parent_col), q.Literal(list(self.parent_ids)), _not_delivered(keys_table, keys)
        )
        what = (
            f"vanished associations of {len(self.parent_ids)} parent(s) in {target.as_string(cur)}"
        )
        yield Step(target, where, what, SOFT_DELETE in table.shape.columns, probe=True)


@dataclass(frozen=True)
class UnmirroredLinks:
    """A scoped marker: ``backward`` rows pointing at the parents whose link ``forward`` no
    longer has live."""

    forward: StreamTable
    backward: StreamTable
    parent_ids: Sequence[str]
    kind: StreamKind = StreamKind.ASSOCIATION
    at: dt.datetime | None = None

    def steps(self, cur: Cursor) -> Iterator[Step]:
        """One statement on the reverse table, if it exists."""
        back = self.backward
        shape = ddl.read_table(cur, back.schema, back.table)
        if shape is None:
            return
        target = ddl.qualified(back.schema, back.table)
        where = q.SQL(
            "t.to_object_id = ANY({}) AND NOT EXISTS "
            "(SELECT 1 FROM {} AS f WHERE f.from_object_id = t.to_object_id "
            "AND f.to_object_id = t.from_object_id AND f.{} IS NULL)"
        ).format(
            q.Literal(list(self.parent_ids)),
            ddl.qualified(self.forward.schema, self.forward.table),
            Ident(SOFT_DELETE),
        )
        what = f"unmirrored rows to {len(self.parent_ids)} parent(s) in {target.as_string(cur)}"
        yield Step(target, where, what, SOFT_DELETE in shape.columns)


@dataclass(frozen=True)
class ObjectRows:
    """Rows of an object table by id (merged-away or deleted records)."""

    schema: str
    table: str
    ids: Sequence[str]
    at: dt.datetime | None
    kind: StreamKind = StreamKind.OBJECT

    def steps(self, cur: Cursor) -> Iterator[Step]:
        """One statement, if the table exists."""
        if self.ids and _exists(cur, self.schema, self.table):
            where = q.SQL("t.id = ANY({})").format(q.Literal(list(self.ids)))
            yield Step(Ident(self.schema, self.table), where, f"removed rows in {self.table}")


@dataclass(frozen=True)
class HistoryRows:
    """A merged-away record's rows in its type's property history table."""

    schema: str
    table: str
    ids: Sequence[str]
    at: dt.datetime | None
    kind: StreamKind = StreamKind.HISTORY

    def steps(self, cur: Cursor) -> Iterator[Step]:
        """One statement, if the table exists."""
        if self.ids and _exists(cur, self.schema, self.table):
            where = q.SQL("t.object_id = ANY({})").format(q.Literal(list(self.ids)))
            yield Step(Ident(self.schema, self.table), where, f"removed rows in {self.table}")


def association_tables(cur: Cursor, schema: str) -> list[str]:
    """Tables of ``schema`` shaped like association streams (found by their columns, so every
    pair the target has loaded is covered, whichever streams this run carries)."""
    cur.execute(
        """
        SELECT c.table_name
        FROM information_schema.columns c
        WHERE c.table_schema = %s AND c.column_name = ANY(%s)
        GROUP BY c.table_name
        HAVING count(*) = %s
        ORDER BY c.table_name
        """,
        (schema, list(ASSOCIATION_COLUMNS), len(ASSOCIATION_COLUMNS)),
    )
    return [row[0] for row in cur.fetchall()]


def _naming(object_type: str, ids: Sequence[str]) -> q.Composable:
    return q.SQL(
        "((t.from_object_type = {t} AND t.from_object_id = ANY({ids})) OR "
        "(t.to_object_type = {t} AND t.to_object_id = ANY({ids})))"
    ).format(t=q.Literal(object_type), ids=q.Literal(list(ids)))


@dataclass(frozen=True)
class LinksNaming:
    """Every association row naming one of ``ids`` of ``object_type``, in both directions."""

    schema: str
    object_type: str
    ids: Sequence[str]
    at: dt.datetime
    why: Reason
    kind: StreamKind = StreamKind.ASSOCIATION

    def steps(self, cur: Cursor) -> Iterator[Step]:
        """Log the removal in ``_sdc_removed_objects``, then one statement per table."""
        if not self.ids:
            return
        self._log(cur)
        for table in association_tables(cur, self.schema):
            target = Ident(self.schema, table)
            yield Step(target, _naming(self.object_type, self.ids), f"removed rows in {table}")

    def _log(self, cur: Cursor) -> None:
        table = Ident(self.schema, REMOVALS_TABLE)
        cur.execute(
            q.SQL(
                "CREATE TABLE IF NOT EXISTS {} (object_type text, object_id text, "
                "removed_at timestamptz NOT NULL, reason text NOT NULL, "
                "PRIMARY KEY (object_type, object_id))"
            ).format(table)
        )
        cur.execute(
            q.SQL(
                "INSERT INTO {} SELECT %s, unnest(%s::text[]), %s, %s "
                "ON CONFLICT (object_type, object_id) DO UPDATE "
                "SET removed_at = EXCLUDED.removed_at, reason = EXCLUDED.reason"
            ).format(table),
            (self.object_type, list(self.ids), self.at, self.why.value),
        )


def restore_links(cur: Cursor, schema: str, object_type: str, ids: Sequence[str]) -> int:
    """Live again: un-flag the association rows flagged when these records were archived."""
    if not ids or not _exists(cur, schema, REMOVALS_TABLE):
        return 0
    cur.execute(
        q.SQL(
            "DELETE FROM {} WHERE object_type = %s AND object_id = ANY(%s) AND reason = %s "
            "RETURNING object_id, removed_at"
        ).format(Ident(schema, REMOVALS_TABLE)),
        (object_type, list(ids), Reason.ARCHIVED.value),
    )
    by_time: dict[dt.datetime, list[str]] = {}
    for object_id, removed_at in cur.fetchall():
        by_time.setdefault(removed_at, []).append(object_id)
    total = 0
    if by_time:
        log_sql("restore association rows of %d restored %s record(s)", len(ids), object_type)
    for removed_at, restored in by_time.items():
        for table in association_tables(cur, schema):
            cur.execute(
                q.SQL("UPDATE {} AS t SET {} = NULL WHERE t.{} = %s AND {}").format(
                    Ident(schema, table),
                    Ident(SOFT_DELETE),
                    Ident(SOFT_DELETE),
                    _naming(object_type, restored),
                ),
                (removed_at,),
            )
            total += int(cur.rowcount or 0)
    return total
