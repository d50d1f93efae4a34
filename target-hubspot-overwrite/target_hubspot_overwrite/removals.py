"""Objects that left HubSpot between full refreshes, and the association rows that name them.

A merged-away, archived or permanently deleted record takes its association rows in both
directions with it: rows whose ``from`` end is the record (its own sets) and rows whose ``to``
end is it (other records' sets). Association tables are found by their columns
(``from_object_type``, ``from_object_id``, ``to_object_type``, ``to_object_id``), so every pair
the target has loaded is covered, whichever streams this run carries. Rows are flagged with
``_sdc_deleted_at`` (the time the tap saw the removal), or deleted under ``hard_delete``; rows
already flagged keep their first time. Everything runs in the caller's transaction.

Each removal is logged in ``_sdc_removed_objects`` (object type, id, when, why). An archived
record that comes back (restored in HubSpot) gets the association rows flagged with it back:
HubSpot restores its links with it, and the records on the other end did not change.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from dataclasses import dataclass

from psycopg import Cursor
from psycopg import sql as q

from target_hubspot_overwrite.load_sql import SOFT_DELETE
from target_hubspot_overwrite.sql_log import log_sql

ASSOCIATION_COLUMNS = ("from_object_type", "from_object_id", "to_object_type", "to_object_id")
REMOVALS_TABLE = "_sdc_removed_objects"


class Reason(enum.Enum):
    """Why an object left the warehouse."""

    MERGED = "merged"
    ARCHIVED = "archived"
    DELETED = "deleted"


@dataclass
class Removed:
    """Rows flagged or deleted by one call."""

    objects: int = 0
    associations: int = 0


def association_tables(cur: Cursor, schema: str) -> list[str]:
    """Tables of `schema` shaped like association streams."""
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


def _remove(
    cur: Cursor, target: q.Composable, where: q.Composable, at: dt.datetime, *, hard: bool
) -> int:
    log_sql("%s removed rows in %s", "delete" if hard else "flag", target)
    if hard:
        cur.execute(q.SQL("DELETE FROM {} AS t WHERE {}").format(target, where))
    else:
        cur.execute(
            q.SQL("UPDATE {} AS t SET {} = %s WHERE t.{} IS NULL AND {}").format(
                target, q.Identifier(SOFT_DELETE), q.Identifier(SOFT_DELETE), where
            ),
            (at,),
        )
    return int(cur.rowcount or 0)


def _log(
    cur: Cursor, schema: str, object_type: str, ids: Sequence[str], at: dt.datetime, why: Reason
) -> None:
    table = q.Identifier(schema, REMOVALS_TABLE)
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
        (object_type, list(ids), at, why.value),
    )


def _naming(object_type: str, ids: Sequence[str]) -> q.Composable:
    return q.SQL(
        "((t.from_object_type = {t} AND t.from_object_id = ANY({ids})) OR "
        "(t.to_object_type = {t} AND t.to_object_id = ANY({ids})))"
    ).format(t=q.Literal(object_type), ids=q.Literal(list(ids)))


def remove_associations(
    cur: Cursor,
    schema: str,
    object_type: str,
    ids: Sequence[str],
    at: dt.datetime,
    *,
    hard: bool,
    why: Reason = Reason.ARCHIVED,
) -> int:
    """Flag (or delete) every association row naming one of `ids` of `object_type`."""
    if not ids:
        return 0
    _log(cur, schema, object_type, ids, at, why)
    total = 0
    for table in association_tables(cur, schema):
        where = _naming(object_type, ids)
        total += _remove(cur, q.Identifier(schema, table), where, at, hard=hard)
    return total


def restore_associations(cur: Cursor, schema: str, object_type: str, ids: Sequence[str]) -> int:
    """Live again: un-flag the association rows flagged when these records were archived."""
    if not ids:
        return 0
    cur.execute("SELECT to_regclass(%s)", (q.Identifier(schema, REMOVALS_TABLE).as_string(cur),))
    found = cur.fetchone()
    if found is None or found[0] is None:
        return 0
    log = q.Identifier(schema, REMOVALS_TABLE)
    cur.execute(
        q.SQL(
            "DELETE FROM {} WHERE object_type = %s AND object_id = ANY(%s) AND reason = %s "
            "RETURNING object_id, removed_at"
        ).format(log),
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
                    q.Identifier(schema, table),
                    q.Identifier(SOFT_DELETE),
                    q.Identifier(SOFT_DELETE),
                    _naming(object_type, restored),
                ),
                (removed_at,),
            )
            total += int(cur.rowcount or 0)
    return total


def flag_history(cur: Cursor, schema: str, table: str, ids: Sequence[str], at: dt.datetime) -> int:
    """Flag (never delete) the rows of ``ids`` in the property history table ``table``, if it
    exists; rows already flagged keep their first time."""
    if not ids:
        return 0
    cur.execute("SELECT to_regclass(%s)", (q.Identifier(schema, table).as_string(cur),))
    found = cur.fetchone()
    if found is None or found[0] is None:
        return 0
    where = q.SQL("t.object_id = ANY({})").format(q.Literal(list(ids)))
    return _remove(cur, q.Identifier(schema, table), where, at, hard=False)


def remove_objects(
    cur: Cursor,
    schema: str,
    object_type: str,
    table: str,
    ids: Sequence[str],
    at: dt.datetime,
    *,
    hard: bool,
    why: Reason,
) -> Removed:
    """Flag (or delete) the rows of `ids` in the object table and their association rows."""
    removed = Removed()
    if not ids:
        return removed
    cur.execute(
        "SELECT 1 FROM information_schema.tables WHERE table_schema = %s AND table_name = %s",
        (schema, table),
    )
    if cur.fetchone() is not None:
        where = q.SQL("t.id = ANY({})").format(q.Literal(list(ids)))
        removed.objects = _remove(cur, q.Identifier(schema, table), where, at, hard=hard)
    removed.associations = remove_associations(
        cur, schema, object_type, ids, at, hard=hard, why=why
    )
    return removed
