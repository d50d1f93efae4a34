"""The ``association_parent_syncs`` marker stream: per-parent association completeness.

A marker (association_stream, from_object_id) means the rows of ``association_stream`` with that
``from_object_id`` are exactly the ones delivered in this run (the contract is in
``reconciliation``). In the marker's batch transaction, after the association records before it
have been committed (``ordering``), the parent's other rows are flagged ``_sdc_deleted_at``
(deleted under ``hard_delete``) by ``removals``, like every other removal. Applies under
``upsert`` with or without ``force_overwrite``; ignored (with a warning) under ``append-only``.
"""

from __future__ import annotations

from target_hubspot_overwrite import reconciliation, removals
from target_hubspot_overwrite.batch_context import BatchContext


def remove_vanished_links(batch: BatchContext) -> None:
    """After the markers are stored: the marked parents' association rows not delivered in
    this run, and (``reverse_stream``) the reverse rows whose link is gone."""
    if not batch.rows:
        return
    session = batch.session
    if not session.settings.upsert:
        batch.logger.warning("append-only: association markers ignored")
        return
    parents, mirrored = reconciliation.marked_parents(batch.rows)
    for stream, ids in parents.items():
        table = session.stream_table(stream)
        removed = batch.remove(removals.VanishedLinks(table, ids))
        removed.count_into(table.stats)
        if removed.rows:
            batch.logger.info(
                "Removed %d vanished association row(s) in %s", removed.rows, table.table
            )
    for (stream, reverse), ids in mirrored.items():
        forward, backward = session.stream_table(stream), session.stream_table(reverse)
        removed = batch.remove(removals.UnmirroredLinks(forward, backward, ids))
        removed.count_into(backward.stats)
        if removed.rows:
            batch.logger.info(
                "Removed %d %s row(s) whose link the marked parents no longer have",
                removed.rows,
                backward.table,
            )
