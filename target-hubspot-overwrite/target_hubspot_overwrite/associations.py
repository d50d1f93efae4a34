"""The ``association_parent_syncs`` marker stream: per-parent association completeness.

A marker (association_stream, from_object_id) means the rows of ``association_stream``
with that ``from_object_id`` are exactly the ones delivered in this run. In the
marker's batch transaction (after the association records before it have been
committed) the other rows of that parent are deleted. Applies under ``upsert`` with
or without ``force_overwrite``; ignored (with a warning) under ``append-only``.

A marker naming a ``reverse_stream`` (scoped runs) also deletes that stream's rows pointing
at the parent (``to_object_id``) whose link is no longer in the parent's set: a link removed
from a listed record disappears in both directions, without reading the other records.
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
        mirrored: dict[tuple[str, str], list[str]] = defaultdict(list)
        for row in rows:
            stream, parent = str(row.get("association_stream")), str(row.get(PARENT_FIELD))
            parents[stream].append(parent)
            if row.get("reverse_stream"):
                mirrored[stream, str(row["reverse_stream"])].append(parent)
        for stream, ids in parents.items():
            self._delete_vanished(cur, stream, ids)
        for (stream, reverse), ids in mirrored.items():
            self._delete_unmirrored(cur, stream, reverse, ids)

    def _delete_unmirrored(
        self, cur: Cursor, stream: str, reverse: str, parent_ids: list[str]
    ) -> None:
        """Delete `reverse` rows to the parents that `stream` no longer links them to."""
        forward, backward = self.hso.stream_run(stream), self.hso.stream_run(reverse)
        if ddl.read_table(cur, backward.schema, backward.table) is None:
            return
        cur.execute(
            merge.delete_unmirrored(
                ddl.qualified(backward.schema, backward.table),
                ddl.qualified(forward.schema, forward.table),
                parent_ids,
            )
        )
        if cur.rowcount:
            backward.stats.deleted += cur.rowcount
            self.logger.info(
                "Deleted %d %s row(s) whose link the marked parents no longer have",
                cur.rowcount,
                backward.table,
            )

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
