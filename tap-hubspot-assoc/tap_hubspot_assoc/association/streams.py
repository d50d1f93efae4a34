"""Singer streams for association labels, association records, per-parent markers and merges."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from singer_sdk import Stream, Tap
from singer_sdk import typing as th
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.helpers.types import Context, Record

from tap_hubspot_assoc.labels import LabelRegistry
from tap_hubspot_assoc.pairs import Direction
from tap_hubspot_assoc.versions import announce_complete, new_version

LABELS_STREAM = "association_labels"
MARKER_STREAM = "association_parent_syncs"

LABEL_SCHEMA = th.PropertiesList(
    th.Property("from_object_type", th.StringType, required=True),
    th.Property("to_object_type", th.StringType, required=True),
    th.Property("association_type_id", th.IntegerType, required=True),
    th.Property("association_category", th.StringType),
    th.Property("association_label", th.StringType),
).to_dict()

ASSOCIATION_SCHEMA = th.PropertiesList(
    th.Property("from_object_type", th.StringType, required=True),
    th.Property("from_object_id", th.StringType, required=True),
    th.Property("to_object_type", th.StringType, required=True),
    th.Property("to_object_id", th.StringType, required=True),
    th.Property("association_type_id", th.IntegerType, required=True),
    th.Property("association_category", th.StringType),
    th.Property("association_label", th.StringType),
).to_dict()

MERGES_STREAM = "merges"
MERGES_SCHEMA = th.PropertiesList(
    th.Property("object_type", th.StringType, required=True),
    th.Property("merged_id", th.StringType, required=True),
    th.Property("survivor_id", th.StringType, required=True),
    th.Property("seen_at", th.DateTimeType, required=True),
).to_dict()

MARKER_SCHEMA = th.PropertiesList(
    th.Property("association_stream", th.StringType, required=True),
    th.Property("from_object_type", th.StringType, required=True),
    th.Property("to_object_type", th.StringType, required=True),
    th.Property("from_object_id", th.StringType, required=True),
    th.Property("association_count", th.IntegerType, required=True),
    th.Property("synced_at", th.DateTimeType, required=True),
    th.Property(
        "reverse_stream",
        th.StringType,
        description="Scoped runs: the reverse direction's stream, whose rows pointing at this "
        "parent without a matching row in this parent's set are removed too.",
    ),
).to_dict()


class AssociationLabelsStream(Stream):
    """Every association type of every configured direction, as a full table each run.

    ACTIVATE_VERSION follows the records only when discovery succeeded for every direction
    (a failed direction must not delete its labels downstream). Scoped runs (`contact_ids`)
    emit nothing. The association streams are registered as this stream's children only so
    that singer-sdk does not sync them on their own: their records are written while their
    parent object streams are read (see association_sync).
    """

    # Records are built already typed from the schema (properties.py / the association
    # readers), so singer-sdk's per-record conformance pass would only repeat that work.
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE

    name = LABELS_STREAM
    primary_keys = ("from_object_type", "to_object_type", "association_type_id")

    def __init__(self, tap: Tap, *, directions: Sequence[Direction], labels: LabelRegistry) -> None:
        super().__init__(tap, schema=LABEL_SCHEMA, name=LABELS_STREAM)
        self.directions = list(directions)
        self.labels = labels

    def generate_child_contexts(
        self, record: Record, context: Context | None
    ) -> Iterable[Context | None]:
        """Never: the 'children' are driven by the object streams, in batches."""
        return ()

    def get_records(self, context: Context | None) -> Iterator[dict[str, Any]]:
        if self.config.get("contact_ids"):
            self.logger.info("association_labels: skipped (contact_ids set)")
            return
        found = [self.labels.of(direction) for direction in self.directions]
        complete = all(d.discovered for d in found) and self.ABORT_AT_RECORD_COUNT is None
        if complete:
            self._stream_version = new_version()
        else:
            self.logger.warning(
                "association_labels: discovery failed for %s; no ACTIVATE_VERSION, so labels "
                "already loaded for those directions stay",
                ", ".join(str(d.direction) for d in found if not d.discovered) or "none",
            )
        emitted = 0
        for labels in found:
            if not labels.discovered:
                continue
            for assoc_type in labels.types.values():
                emitted += 1
                yield {
                    "from_object_type": labels.direction.from_type,
                    "to_object_type": labels.direction.to_type,
                    "association_type_id": assoc_type.type_id,
                    "association_category": assoc_type.category,
                    "association_label": assoc_type.label,
                }
        if complete and self.selected:  # else running only because association streams are
            version = self._stream_version or new_version()
            announce_complete(self._write_activate_version_message, version, empty=not emitted)


class DrivenStream(Stream):
    """A stream whose records are written while another stream is being read.

    `get_records` yields nothing; `announce` writes its SCHEMA once per run before anything
    else of the stream.
    """

    # Records are built already typed from the schema (properties.py / the association
    # readers), so singer-sdk's per-record conformance pass would only repeat that work.
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE

    def __init__(self, tap: Tap, *, name: str, schema: dict[str, Any]) -> None:
        super().__init__(tap, schema=schema, name=name)
        self._announced = False
        self._written_at_version_open = 0
        self.written = 0

    def get_records(self, context: Context | None) -> Iterator[dict[str, Any]]:
        """Nothing: records are written through `write` by the object streams' feeders."""
        return iter(())

    def announce(self) -> None:
        if not self._announced:
            self._write_schema_message()
            self._announced = True

    def write(self, record: dict[str, Any]) -> None:
        self.announce()
        self._write_record_message(record)
        self.written += 1

    def open_version(self, version: int) -> None:
        """Number a full read's version: the records written from now on carry it."""
        self.announce()
        self._stream_version = version
        self._written_at_version_open = self.written

    def announce_version(self) -> None:
        """The full read is complete: send ACTIVATE_VERSION for its version."""
        if self._stream_version is not None:
            empty = self.written == self._written_at_version_open
            announce_complete(
                self._write_activate_version_message, self._stream_version, empty=empty
            )


class AssociationStream(DrivenStream):
    """`{from}_to_{to}_associations`: one record per (from id, to id, type id).

    A nominal child of association_labels, so that singer-sdk never syncs it on its own.
    """

    parent_stream_type = AssociationLabelsStream

    primary_keys = ("from_object_id", "to_object_id", "association_type_id")

    def __init__(self, tap: Tap, *, direction: Direction) -> None:
        self.direction = direction
        super().__init__(tap, name=direction.stream_name, schema=ASSOCIATION_SCHEMA)


class AssociationParentSyncsStream(DrivenStream):
    """`association_parent_syncs`: one marker per parent and direction read completely."""

    parent_stream_type = AssociationLabelsStream

    primary_keys = ("association_stream", "from_object_id")

    def __init__(self, tap: Tap) -> None:
        super().__init__(tap, name=MARKER_STREAM, schema=MARKER_SCHEMA)


class MergesStream(DrivenStream):
    """`merges`: one record per merged-away id, written when its survivor is read.

    The survivor lists every id it absorbed in `hs_merged_object_ids`; the target removes the
    merged-away rows and their association rows (both directions) when it loads these records.
    """

    primary_keys = ("object_type", "merged_id")

    def __init__(self, tap: Tap) -> None:
        super().__init__(tap, name=MERGES_STREAM, schema=MERGES_SCHEMA)
