"""The ``merges`` stream: merged-away records leave the warehouse with their associations.

The tap writes one record per id a survivor absorbed (``object_type``, ``merged_id``,
``survivor_id``, ``seen_at``). They are stored like any stream (downstream joins redirect old
ids through this table) and, in the same transaction, the merged-away rows and every
association row naming them (both directions) are flagged ``_sdc_deleted_at`` (or deleted
under ``hard_delete``). The merged-away records' rows in their type's property history table
(``{type}_property_history``) are flagged too, never deleted, also under ``hard_delete``: they
stay as the record's history, out of the live rows. The object streams named by the batch and
their history streams are committed first, so the survivor's row is in before its absorbed
rows go.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from psycopg import Cursor

from target_hubspot_overwrite import removals
from target_hubspot_overwrite.naming import pg_identifier
from target_hubspot_overwrite.reconciliation import history_stream
from target_hubspot_overwrite.sinks import HubspotOverwriteSink

MERGES_STREAM = "merges"


class MergesSink(HubspotOverwriteSink):
    """Stores merges and removes the merged-away rows and their association rows."""

    def process_batch(self, context: dict) -> None:
        """Commit pending records of the object and history streams first, then the merges."""
        for stream in {str(r.get("object_type")) for r in self.intake.buffered_rows()}:
            self.session.router.drain_stream(stream)
            self.session.router.drain_stream(history_stream(stream))
        super().process_batch(context)

    def after_rows(self, cur: Cursor, rows: list[dict]) -> None:
        """Flag (or delete) the merged-away rows and their association rows."""
        if not rows or not self.session.settings.upsert:
            return
        merged: dict[str, list[str]] = defaultdict(list)
        for row in rows:
            merged[str(row.get("object_type"))].append(str(row.get("merged_id")))
        at = dt.datetime.now(tz=dt.UTC)
        schema, remove = self.table.schema, self.session.remove
        for object_type, ids in merged.items():
            objects = remove(cur, removals.ObjectRows(schema, pg_identifier(object_type), ids, at))
            links = remove(
                cur, removals.LinksNaming(schema, object_type, ids, at, removals.Reason.MERGED)
            )
            history_table = pg_identifier(history_stream(object_type))
            history = remove(cur, removals.HistoryRows(schema, history_table, ids, at))
            (objects + links + history).count_into(self._batch)
            if objects.rows or links.rows or history.rows:
                self.logger.info(
                    "Merges: removed %d merged-away %s row(s) and %d association row(s); "
                    "flagged %d property history row(s)",
                    objects.rows,
                    object_type,
                    links.rows,
                    history.rows,
                )
