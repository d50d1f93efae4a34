"""The ``merges`` stream: merged-away records leave the warehouse with their associations.

The tap writes one record per id a survivor absorbed (``object_type``, ``merged_id``,
``survivor_id``, ``seen_at``). They are stored like any stream (downstream joins redirect old
ids through this table) and, in the same transaction, the merged-away rows and every
association row naming them (both directions) are flagged ``_sdc_deleted_at`` (or deleted
under ``hard_delete``). The merged-away records' rows in their type's property history table
(``{type}_property_history``) are flagged too, never deleted, also under ``hard_delete``: they
stay as the record's history, out of the live rows. The object streams named by the batch and
their history streams are committed first, so the survivor's row is in before its absorbed
rows go (``ordering``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from target_hubspot_overwrite import removals
from target_hubspot_overwrite.batch_context import BatchContext
from target_hubspot_overwrite.naming import pg_identifier
from target_hubspot_overwrite.reconciliation import history_stream

MERGES_STREAM = "merges"


def remove_merged(batch: BatchContext) -> None:
    """After the merges are stored: the merged-away rows, the association rows naming them,
    and their property history rows (``removals``)."""
    if not batch.rows or not batch.session.settings.upsert:
        return
    merged: dict[str, list[str]] = defaultdict(list)
    for row in batch.rows:
        merged[str(row.get("object_type"))].append(str(row.get("merged_id")))
    at = dt.datetime.now(tz=dt.UTC)
    schema = batch.table.schema
    for object_type, ids in merged.items():
        objects = batch.remove(removals.ObjectRows(schema, pg_identifier(object_type), ids, at))
        links = batch.remove(
            removals.LinksNaming(schema, object_type, ids, at, removals.Reason.MERGED)
        )
        history_table = pg_identifier(history_stream(object_type))
        history = batch.remove(removals.HistoryRows(schema, history_table, ids, at))
        (objects + links + history).count_into(batch.stats)
        if objects.rows or links.rows or history.rows:
            batch.logger.info(
                "Merges: removed %d merged-away %s row(s) and %d association row(s); "
                "flagged %d property history row(s)",
                objects.rows,
                object_type,
                links.rows,
                history.rows,
            )
