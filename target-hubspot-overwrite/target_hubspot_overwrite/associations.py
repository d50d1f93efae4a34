"""The ``association_parent_syncs`` marker stream: per-parent association completeness.

A marker (association_stream, from_object_id) means the rows of ``association_stream``
with that ``from_object_id`` are exactly the ones delivered in this run. In the
marker's batch transaction (after the association records before it have been
committed) the other rows of that parent are deleted. Applies under ``upsert`` with
or without ``force_overwrite``; ignored (with a warning) under ``append-only``.
"""

from __future__ import annotations

from collections import defaultdict

from psycopg import Cursor

from target_hubspot_overwrite import ddl, merge
from target_hubspot_overwrite.naming import pg_identifier
from target_hubspot_overwrite.sinks import HubspotOverwriteSink

MARKER_STREAM = "association_parent_syncs"
PARENT_FIELD = "from_object_id"


class AssociationMarkerSink(HubspotOverwriteSink):
    """Stores markers like any stream and deletes vanished associations."""

    def process_batch(self, context: dict) -> None:
        """Commit pending association records first, then markers + deletions."""
        for stream in {str(r.get("association_stream")) for r in self._keyed.values()}:
            self.hso.drain_stream(stream)
        super().process_batch(context)

    def after_rows(self, cur: Cursor, rows: list[dict]) -> None:
        """Delete association rows of the marked parents not delivered in this run."""
        if not rows:
            return
        if self.hso.load_method != "upsert":
            self.logger.warning("append-only: association markers ignored")
            return
        parents: dict[str, list[str]] = defaultdict(list)
        for row in rows:
            parents[str(row.get("association_stream"))].append(str(row.get(PARENT_FIELD)))
        for stream, ids in parents.items():
            self._delete_vanished(cur, stream, ids)

    def _delete_vanished(self, cur: Cursor, stream: str, parent_ids: list[str]) -> None:
        run = self.hso.stream_run(stream)
        self.hso.ensure_schema(cur, run.schema)
        if not run.shape_known:
            run.shape = ddl.read_table(cur, run.schema, run.table)
            run.shape_known = True
        parent_col = pg_identifier(PARENT_FIELD)
        if run.shape is None or parent_col not in run.shape.columns:
            return
        keys = run.key_columns or run.shape.primary_key
        keys_table = run.keys_table if run.key_columns else None
        if keys_table is not None and not run.keys_indexed:
            cur.execute(merge.index_keys_table(keys_table, keys))
            run.keys_indexed = True
        # Few rows (the marked parents') each probe the key table: an index nested loop,
        # never a hash of every key delivered so far, which would grow with the run.
        cur.execute("SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off")
        cur.execute(
            merge.delete_vanished_associations(
                ddl.qualified(run.schema, run.table), parent_col, parent_ids, keys_table, keys
            )
        )
        deleted = cur.rowcount
        cur.execute("SET LOCAL enable_hashjoin = DEFAULT; SET LOCAL enable_mergejoin = DEFAULT")
        if deleted:
            run.stats.deleted += deleted
            self.logger.info("Deleted %d vanished association row(s) from %s", deleted, run.table)
