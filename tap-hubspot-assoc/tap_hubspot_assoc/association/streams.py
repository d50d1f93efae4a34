"""Singer streams of the association fan-out: labels, association records, per-parent markers."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from singer_sdk import Tap
from singer_sdk import typing as th
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.helpers.types import Context

from tap_hubspot_assoc.association.labels import LabelRegistry
from tap_hubspot_assoc.association.pairs import Direction
from tap_hubspot_assoc.driven_streams import DrivenStream
from tap_hubspot_assoc.sdk_private import SdkStream
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


class AssociationLabelsStream(SdkStream):
    """Every association type of every configured direction, as a full table each run.

    ACTIVATE_VERSION follows the records only when discovery succeeded for every direction
    (a failed direction must not delete its labels downstream). Scoped runs (`contact_ids`)
    emit nothing. An ordinary stream: the SDK syncs it when it is selected.
    """

    # Records are built already typed from the schema, so singer-sdk's per-record
    # conformance pass would only repeat that work.
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE

    name = LABELS_STREAM
    primary_keys = ("from_object_type", "to_object_type", "association_type_id")

    def __init__(self, tap: Tap, *, directions: Sequence[Direction], labels: LabelRegistry) -> None:
        super().__init__(tap, schema=LABEL_SCHEMA, name=LABELS_STREAM)
        self.directions = list(directions)
        self.labels = labels

    def get_records(self, context: Context | None) -> Iterator[dict[str, Any]]:
        if self.config.get("contact_ids"):
            self.logger.info("association_labels: skipped (contact_ids set)")
            return
        found = [self.labels.of(direction) for direction in self.directions]
        complete = all(d.discovered for d in found) and self.ABORT_AT_RECORD_COUNT is None
        if complete:
            self.table_version = new_version()
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
        if complete and self.selected:
            version = self.table_version or new_version()
            announce_complete(self.write_activate_version, version, empty=not emitted)


class AssociationStream(DrivenStream):
    """`{from}_to_{to}_associations`: one record per (from id, to id, type id).

    Driven by the object stream of its `from` type (association/wiring.py).
    """

    primary_keys = ("from_object_id", "to_object_id", "association_type_id")

    def __init__(self, tap: Tap, *, direction: Direction) -> None:
        self.direction = direction
        super().__init__(tap, name=direction.stream_name, schema=ASSOCIATION_SCHEMA)


class AssociationParentSyncsStream(DrivenStream):
    """`association_parent_syncs`: one marker per parent and direction read completely."""

    primary_keys = ("association_stream", "from_object_id")

    def __init__(self, tap: Tap) -> None:
        super().__init__(tap, name=MARKER_STREAM, schema=MARKER_SCHEMA)
