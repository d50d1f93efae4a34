"""Which pieces a stream's batches are made of: one table, read top-down.

Every stream is loaded by the same sink (``sinks``); what differs is composed here, by
stream name (and, for archived records, by schema):

==============================  ==========================  ====================================
stream                          its rows go to              then, in the batch's transaction
==============================  ==========================  ====================================
``object_ids``                  the run's TEMP id list      nothing (``parity.copy_ids``)
                                (no warehouse table)
``object_counts``               its table (upsert)          ``parity.check_parity``: reconcile
                                                            a closed id list, count, store the gap
``merges``                      its table                   ``merged_records.remove_merged``
``association_parent_syncs``    its table                   ``associations.remove_vanished_links``
every other stream              its table                   nothing
and any of these with an        (as above)                  first ``archived_links``: an archived
``archived`` property (keyed,                               record's association rows leave, a
upsert)                                                     restored one's come back
==============================  ==========================  ====================================

Every stream that stores rows also reconciles a closed full refresh in the batch that
closes it (``sinks``; the rule is ``reconciliation.RefreshState``). Which stream is
committed before which is in ``ordering``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from target_hubspot_overwrite import removals
from target_hubspot_overwrite.associations import remove_vanished_links
from target_hubspot_overwrite.batch_context import BatchContext, Effect
from target_hubspot_overwrite.merged_records import MERGES_STREAM, remove_merged
from target_hubspot_overwrite.parity import COUNTS_STREAM, IDS_STREAM, check_parity
from target_hubspot_overwrite.reconciliation import MARKER_STREAM


@dataclass(frozen=True)
class Handlers:
    """The pieces of one stream's batches."""

    stores_rows: bool = True  # False: an id list copied to a TEMP table (``object_ids``)
    effects: tuple[Effect, ...] = ()  # after the rows, in the batch's transaction


def archived_links(batch: BatchContext) -> None:
    """Archived records take their association rows (both directions) with them, and bring
    them back when restored (``removals``)."""
    archived = [str(r["id"]) for r in batch.rows if r.get("archived") is True and "id" in r]
    live = [str(r["id"]) for r in batch.rows if r.get("archived") is False and "id" in r]
    schema, stream = batch.table.schema, batch.table.stream_name
    if live:
        batch.stats.updated += removals.restore_links(batch.cur, schema, stream, live)
    if archived:
        at = dt.datetime.now(tz=dt.UTC)
        gone = removals.LinksNaming(schema, stream, archived, at, removals.Reason.ARCHIVED)
        batch.remove(gone).count_into(batch.stats)


BY_STREAM: dict[str, Handlers] = {
    IDS_STREAM: Handlers(stores_rows=False),
    COUNTS_STREAM: Handlers(effects=(check_parity,)),
    MERGES_STREAM: Handlers(effects=(remove_merged,)),
    MARKER_STREAM: Handlers(effects=(remove_vanished_links,)),
}


def for_stream(stream_name: str, schema: dict, *, upsert: bool) -> Handlers:
    """The pieces of ``stream_name``'s batches (the table in the module doc)."""
    found = BY_STREAM.get(stream_name, Handlers())
    if found.stores_rows and upsert and "archived" in schema.get("properties", {}):
        return Handlers(effects=(archived_links, *found.effects))
    return found
