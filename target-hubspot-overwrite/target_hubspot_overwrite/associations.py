"""The ``association_parent_syncs`` marker stream: per-parent association completeness.

A marker (association_stream, from_object_id) means the rows of ``association_stream`` with that
``from_object_id`` are exactly the ones delivered in this run (the contract and the SQL are in
``reconciliation``). In the marker's batch transaction, after the association records before it
have been committed, the parent's other rows are flagged ``_sdc_deleted_at`` (deleted under
``hard_delete``), like every other removal. Applies under ``upsert`` with or without
``force_overwrite``; ignored (with a warning) under ``append-only``.
"""

from __future__ import annotations

from psycopg import Cursor

from target_hubspot_overwrite import reconciliation, removals
from target_hubspot_overwrite.reconciliation import MARKER_STREAM, MarkerField
from target_hubspot_overwrite.sinks import HubspotOverwriteSink

__all__ = ["MARKER_STREAM", "AssociationMarkerSink"]


class AssociationMarkerSink(HubspotOverwriteSink):
    """Stores markers like any stream and removes vanished associations."""

    def process_batch(self, context: dict) -> None:
        """Commit pending association records first, then markers + removals."""
        rows = self.intake.buffered_rows()
        for stream in {str(r.get(MarkerField.ASSOCIATION_STREAM)) for r in rows}:
            self.session.router.drain_stream(stream)
        super().process_batch(context)

    def after_rows(self, cur: Cursor, rows: list[dict]) -> None:
        """Flag (or delete) association rows of the marked parents not delivered in this run."""
        if not rows:
            return
        if not self.session.settings.upsert:
            self.logger.warning("append-only: association markers ignored")
            return
        session = self.session
        parents, mirrored = reconciliation.marked_parents(rows)
        for stream, ids in parents.items():
            table = session.stream_table(stream)
            removed = session.remove(cur, removals.VanishedLinks(table, ids))
            removed.count_into(table.stats)
            if removed.rows:
                self.logger.info(
                    "Removed %d vanished association row(s) in %s", removed.rows, table.table
                )
        for (stream, reverse), ids in mirrored.items():
            forward, backward = session.stream_table(stream), session.stream_table(reverse)
            removed = session.remove(cur, removals.UnmirroredLinks(forward, backward, ids))
            removed.count_into(backward.stats)
            if removed.rows:
                self.logger.info(
                    "Removed %d %s row(s) whose link the marked parents no longer have",
                    removed.rows,
                    backward.table,
                )
