"""Count parity and deletion reconciliation: the ``object_counts`` and ``object_ids`` streams.

``object_ids`` (object_type, id) records are the live ids HubSpot listed for a type; they go
to a run-scoped TEMP table, never to a warehouse table. ``object_counts`` (object_type,
hubspot_count, counted_at, listed_ids) follows a type's read and closes its id list. It is
stored like any stream (key object_type) and, in its batch transaction, after that type's
object stream and the ids are committed (``ordering``):

1. when ``listed_ids`` is set and equals the distinct ids received for the type, the table's
   live rows (``_sdc_deleted_at IS NULL`` and not ``archived``) whose id is not among them are
   flagged with ``_sdc_deleted_at`` (deleted under ``hard_delete``), together with every
   association row naming them in either direction (``removals``); a missing
   or different count removes nothing (warning);
2. the table's live rows are counted and compared with ``hubspot_count``; the row gets
   ``live_rows`` and ``gap`` (live_rows - hubspot_count).

The run summary prints one parity line per type (a WARNING when the gap is larger than the
rows the run changed in that table) and one Singer ``METRIC`` line per type.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import typing as t
from dataclasses import dataclass

from psycopg import Cursor
from psycopg import sql as q

from target_hubspot_overwrite import ddl, load_sql, removals
from target_hubspot_overwrite.batch_context import BatchContext
from target_hubspot_overwrite.naming import pg_identifier
from target_hubspot_overwrite.sql_log import log_sql
from target_hubspot_overwrite.stats import LoadStats

if t.TYPE_CHECKING:
    import logging

    from target_hubspot_overwrite.session import LoadSession

COUNTS_STREAM = "object_counts"
IDS_STREAM = "object_ids"
IDS_TABLE = "_load_object_ids"
METRIC_NAME = "hubspot_count_parity"


class Reconciliation(enum.Enum):
    """What happened to a type's id list."""

    NOT_REQUESTED = "not requested"
    DONE = "done"
    INCOMPLETE = "incomplete id list, nothing removed"
    APPEND_ONLY = "append-only, nothing removed"
    NO_TABLE = "no table"


@dataclass
class ParityResult:
    """One type's parity check."""

    object_type: str
    hubspot_count: int
    live_rows: int | None  # None: the type has no table
    run_changes: int
    reconciliation: Reconciliation
    removed: removals.Removed  # the type's rows
    removed_links: removals.Removed  # association rows naming them

    @property
    def gap(self) -> int | None:
        """Live rows minus HubSpot's count (positive: rows HubSpot no longer has)."""
        return None if self.live_rows is None else self.live_rows - self.hubspot_count

    @property
    def drifted(self) -> bool:
        """The gap is larger than what this run changed in the table."""
        return self.gap is not None and abs(self.gap) > self.run_changes


def _ensure_ids_table(cur: Cursor) -> None:
    cur.execute(
        q.SQL(
            "CREATE TEMP TABLE IF NOT EXISTS {} (object_type text NOT NULL, id text NOT NULL)"
        ).format(q.Identifier(IDS_TABLE))
    )


def copy_ids(cur: Cursor, rows: list[dict]) -> None:
    """An ``object_ids`` batch: its (object_type, id) pairs into the run's TEMP id table."""
    _ensure_ids_table(cur)
    copy_sql = q.SQL("COPY {} (object_type, id) FROM STDIN")
    log_sql("copy %d rows into temp %s", len(rows), IDS_TABLE)
    with cur.copy(copy_sql.format(q.Identifier(IDS_TABLE))) as copy:
        for row in rows:
            copy.write_row((row["object_type"], row["id"]))


def check_parity(batch: BatchContext) -> None:
    """After the counts are stored, per counted type: reconcile (if its id list is complete),
    count, record the gap."""
    for row in batch.rows:
        result = _parity(batch, row)
        batch.session.parity_results.append(result)
        (result.removed + result.removed_links).count_into(batch.stats)
        _store(batch, result)
        log_metric(batch.logger, result, dry_run=batch.session.settings.dry_run)


def _parity(batch: BatchContext, row: dict) -> ParityResult:
    cur, session = batch.cur, batch.session
    object_type = str(row["object_type"])
    hubspot_count = int(row["hubspot_count"])
    schema, table = batch.table.schema, pg_identifier(object_type)
    shape = ddl.read_table(cur, schema, table)
    counted = session.known_table(object_type)
    stats = counted.stats if counted is not None else LoadStats()
    changes = stats.created + stats.updated + stats.overwritten + stats.deleted
    changes += stats.soft_deleted
    removed = links = removals.Removed()
    listed = row.get("listed_ids")
    if listed is None:
        outcome = Reconciliation.NOT_REQUESTED
    elif shape is None:
        outcome = Reconciliation.NO_TABLE
    elif not session.settings.upsert:
        outcome = Reconciliation.APPEND_ONLY
    else:
        at = _timestamp(row.get("counted_at"))
        outcome, removed, links = _reconcile(batch, object_type, table, shape, int(listed), at)
    live = None if shape is None else _live_rows(cur, schema, table, shape)
    _forget_ids(cur, object_type)
    return ParityResult(
        object_type, hubspot_count, live, changes + removed.rows, outcome, removed, links
    )


def _reconcile(
    batch: BatchContext,
    object_type: str,
    table: str,
    shape: ddl.TableShape,
    listed: int,
    at: dt.datetime,
) -> tuple[Reconciliation, removals.Removed, removals.Removed]:
    cur, schema = batch.cur, batch.table.schema
    _ensure_ids_table(cur)
    cur.execute(
        q.SQL("SELECT count(DISTINCT id) FROM {} WHERE object_type = %s").format(
            q.Identifier(IDS_TABLE)
        ),
        (object_type,),
    )
    received = int(cur.fetchone()[0])  # type: ignore[index]
    if received != listed:
        batch.logger.warning(
            "Reconciliation of %s skipped: the tap listed %d ids, %d arrived; nothing removed",
            object_type,
            listed,
            received,
        )
        return Reconciliation.INCOMPLETE, removals.Removed(), removals.Removed()
    cur.execute(
        q.SQL(
            "SELECT t.id FROM {} AS t WHERE {} AND NOT EXISTS "
            "(SELECT 1 FROM {} AS k WHERE k.object_type = %s AND k.id = t.id)"
        ).format(ddl.qualified(schema, table), _live(shape), q.Identifier(IDS_TABLE)),
        (object_type,),
    )
    gone = [str(r[0]) for r in cur.fetchall()]
    removed = batch.remove(removals.ObjectRows(schema, table, gone, at))
    links = batch.remove(
        removals.LinksNaming(schema, object_type, gone, at, removals.Reason.DELETED)
    )
    if gone:
        batch.logger.info(
            "Reconciliation of %s: %d row(s) HubSpot no longer has (%s) and %d association "
            "row(s) naming them %s",
            object_type,
            removed.rows,
            ", ".join(gone[:20]) + (" ..." if len(gone) > 20 else ""),
            links.rows,
            "deleted" if batch.session.settings.hard_delete else "flagged with _sdc_deleted_at",
        )
    return Reconciliation.DONE, removed, links


def _store(batch: BatchContext, result: ParityResult) -> None:
    """Fill live_rows and gap on the stored object_counts row (when the columns exist)."""
    table = batch.table
    shape = table.shape
    if not batch.upsert or shape is None or not {"live_rows", "gap"} <= set(shape.columns):
        return
    batch.cur.execute(
        q.SQL("UPDATE {} SET live_rows = %s, gap = %s WHERE object_type = %s").format(
            ddl.qualified(table.schema, table.table)
        ),
        (result.live_rows, result.gap, result.object_type),
    )


def _timestamp(value: object) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return dt.datetime.now(tz=dt.UTC)


def _live(shape: ddl.TableShape) -> q.Composable:
    cond = q.SQL("t.{} IS NULL").format(q.Identifier(load_sql.SOFT_DELETE))
    if "archived" in shape.columns:
        cond = q.SQL("{} AND t.archived IS NOT TRUE").format(cond)
    return cond


def _live_rows(cur: Cursor, schema: str, table: str, shape: ddl.TableShape) -> int:
    if load_sql.SOFT_DELETE not in shape.columns:
        cur.execute(q.SQL("SELECT count(*) FROM {}").format(ddl.qualified(schema, table)))
    else:
        cur.execute(
            q.SQL("SELECT count(*) FROM {} AS t WHERE {}").format(
                ddl.qualified(schema, table), _live(shape)
            )
        )
    return int(cur.fetchone()[0])  # type: ignore[index]


def _forget_ids(cur: Cursor, object_type: str) -> None:
    cur.execute(
        "SELECT 1 FROM pg_class WHERE relname = %s AND relpersistence = 't' "
        "AND pg_table_is_visible(oid)",
        (IDS_TABLE,),
    )
    if cur.fetchone() is not None:
        cur.execute(
            q.SQL("DELETE FROM {} WHERE object_type = %s").format(q.Identifier(IDS_TABLE)),
            (object_type,),
        )


def log_metric(logger: logging.Logger, result: ParityResult, *, dry_run: bool) -> None:
    """One Singer METRIC line (singer-sdk's format) for a type's parity."""
    point = {
        "type": "counter",
        "metric": METRIC_NAME,
        "value": result.gap,
        "tags": {
            "object_type": result.object_type,
            "hubspot_count": result.hubspot_count,
            "live_rows": result.live_rows,
            "run_changes": result.run_changes,
            "removed_rows": result.removed.rows,
            "removed_association_rows": result.removed_links.rows,
            "reconciliation": result.reconciliation.value,
            "dry_run": dry_run,
        },
    }
    logger.info("METRIC: %s", json.dumps(point, separators=(",", ":")))


def log_parity(session: LoadSession) -> None:
    """The run summary's parity lines (a WARNING per drifted type)."""
    logger, found = session.logger, session.parity_results
    prefix = "DRY RUN (nothing written) " if session.settings.dry_run else ""
    if not found:
        logger.info(
            "%sParity: not checked in this run (no object_counts records: a contact_ids or "
            "max_records run, or a tap without them)",
            prefix,
        )
        return
    for r in found:
        if r.live_rows is None:
            logger.warning(
                "%sParity %s: HubSpot %d, no table in the warehouse",
                prefix,
                r.object_type,
                r.hubspot_count,
            )
            continue
        line = (
            f"{prefix}Parity {r.object_type}: HubSpot {r.hubspot_count}, warehouse "
            f"{r.live_rows} live rows, gap {r.gap:+d} (this run changed {r.run_changes} "
            f"row(s); reconciliation {r.reconciliation.value}"
            + (
                f": removed {r.removed.rows} row(s), {r.removed_links.rows} association row(s))"
                if r.reconciliation is Reconciliation.DONE
                else ")"
            )
        )
        if r.drifted:
            logger.warning(
                "%s. WARNING: the gap is larger than this run's changes; rows HubSpot "
                "deleted permanently are removed by reconcile_deletions or a full refresh",
                line,
            )
        else:
            logger.info("%s", line)
