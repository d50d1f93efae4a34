"""The reference streams: their schemas, and the stream that reads one kind whole and writes
its companion stream alongside (`owners` writes `owner_teams`, ...)."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from typing import Any, Protocol

from singer_sdk import Tap
from singer_sdk import typing as th
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.helpers.types import Context, Record

from tap_hubspot_assoc.driven_streams import DrivenStream
from tap_hubspot_assoc.reference.kinds import Emitted, ReferenceKind, Target
from tap_hubspot_assoc.sdk_private import SdkStream
from tap_hubspot_assoc.versions import announce_complete, new_version

_S, _I, _B, _N, _T = th.StringType, th.IntegerType, th.BooleanType, th.NumberType, th.DateTimeType


def _schema(*fields: tuple[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return th.PropertiesList(
        *(th.Property(name, kind, required=name in keys) for name, kind in fields)
    ).to_dict()


_STAMPS = (("created_at", _T), ("updated_at", _T))
_ARCHIVED = (("archived", _B), ("archived_at", _T))

# (keys, schema) per stream, as docs/DESIGN.md "Reference streams" lists them.
SCHEMAS: dict[str, tuple[tuple[str, ...], dict[str, Any]]] = {}


def _define(name: str, keys: tuple[str, ...], *fields: tuple[str, Any]) -> None:
    SCHEMAS[name] = (keys, _schema(*((k, _S) for k in keys), *fields, keys=keys))


_define(
    "owners",
    ("owner_id",),
    ("user_id", _I),
    ("user_id_including_inactive", _I),
    ("email", _S),
    ("first_name", _S),
    ("last_name", _S),
    ("owner_type", _S),
    *_STAMPS,
    ("archived", _B),
)
_define("owner_teams", ("owner_id", "team_id"), ("team_name", _S), ("is_primary", _B))
_define(
    "pipelines",
    ("object_type", "pipeline_id"),
    ("object_type_id", _S),
    ("label", _S),
    ("display_order", _I),
    *_STAMPS,
    *_ARCHIVED,
)
_define(
    "pipeline_stages",
    ("object_type", "pipeline_id", "stage_id"),
    ("label", _S),
    ("display_order", _I),
    ("probability", _N),
    ("is_closed", _B),
    ("ticket_state", _S),
    ("metadata", th.CustomType({"type": ["object", "null"]})),
    *_STAMPS,
    *_ARCHIVED,
    ("from_audit", _B),
)
_define(
    "properties",
    ("object_type", "property_name"),
    ("label", _S),
    ("property_type", _S),
    ("field_type", _S),
    ("group_name", _S),
    ("description", _S),
    ("display_order", _I),
    ("calculated", _B),
    ("external_options", _B),
    ("hubspot_defined", _B),
    ("has_unique_value", _B),
    ("hidden", _B),
    ("referenced_object_type", _S),
    *_ARCHIVED,
    *_STAMPS,
)
_define(
    "property_options",
    ("object_type", "property_name", "option_value"),
    ("label", _S),
    ("description", _S),
    ("display_order", _I),
    ("hidden", _B),
)
_define(
    "lists",
    ("list_id",),
    ("name", _S),
    ("object_type_id", _S),
    ("object_type", _S),
    ("processing_type", _S),
    ("processing_status", _S),
    ("list_version", _I),
    ("size", _I),
    *_STAMPS,
    ("filters_updated_at", _T),
    ("members_synced", _B),
)
_define("list_memberships", ("list_id", "record_id"), ("object_type", _S), ("added_at", _T))


class ReferenceSource(Protocol):
    """Reads one kind: `open` makes its first request(s) (the scope check), `read` the rest."""

    @property
    def requests(self) -> int: ...

    def open(self) -> None: ...

    def read(self) -> Iterator[Emitted]: ...


class SourceProvider(Protocol):
    """Gives a kind's opened source, or None when the run skips the kind (wiring.py)."""

    def source(self, kind: ReferenceKind) -> ReferenceSource | None: ...

    def reads_reference_data(self) -> bool: ...

    def add_total(self, stream: str, records: int, requests: int) -> None: ...


class CompanionStream(DrivenStream):
    """`owner_teams`, `pipeline_stages`, `property_options`, `list_memberships`: written
    while the kind's main stream reads (never synced by singer-sdk on its own)."""

    def __init__(self, tap: Tap, *, name: str) -> None:
        keys, schema = SCHEMAS[name]
        super().__init__(tap, name=name, schema=schema)
        self.primary_keys = keys


class ReferenceStream(SdkStream):
    """`owners`, `pipelines`, `properties`, `lists`: the kind read whole on every run (full or
    incremental), its companion written alongside, ACTIVATE_VERSION after each complete read."""

    # Records are built already typed, so singer-sdk's conformance pass would only repeat it.
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE

    def __init__(
        self,
        tap: Tap,
        *,
        kind: ReferenceKind,
        companion: CompanionStream,
        provider: SourceProvider,
        logger: logging.Logger,
    ) -> None:
        name = kind.streams[0]
        keys, schema = SCHEMAS[name]
        super().__init__(tap, schema=schema, name=name)
        self.primary_keys = keys
        self.kind = kind
        self.companion = companion
        self._provider = provider
        self._log = logger

    def generate_child_contexts(
        self, record: Record, context: Context | None
    ) -> Iterable[Context | None]:
        """None: the companion is written by `get_records` itself (sdk_private.drive)."""
        return ()

    def get_records(self, context: Context | None) -> Iterator[dict[str, Any]]:
        """Every record of the kind; the companion's records are written in between."""
        if not self._provider.reads_reference_data():
            self._log.info("%s: skipped (contact_ids set)", self.name)
            return
        started = time.monotonic()
        source = self._provider.source(self.kind)
        if source is None:
            return  # skipped: the warning named the missing scope
        limit = self.config.get("max_records")
        complete = not limit and self.ABORT_AT_RECORD_COUNT is None
        version = new_version()
        if complete:
            self.table_version = version
            if self.companion.selected:
                self.companion.open_version(version)
        main = companion = 0
        truncated = False
        for target, record in source.read():
            if target is Target.COMPANION:
                if self.companion.selected:
                    self.companion.write(record)
                companion += 1
                continue
            if limit and main >= limit:
                truncated = True
                break
            main += 1
            yield record
        if complete:
            if self.selected:
                announce_complete(self.write_activate_version, version, empty=main == 0)
            if self.companion.selected:
                self.companion.announce_version()
        self._provider.add_total(self.name, main, source.requests)
        self._provider.add_total(self.companion.name, companion, 0)
        self._log.info(
            "Summary %s (reference, read whole): %d records, %s %d records, %d requests in %.1fs%s",
            self.name,
            main,
            self.companion.name,
            companion,
            source.requests,
            time.monotonic() - started,
            ", stopped at max_records (no ACTIVATE_VERSION)" if truncated else "",
        )
