"""Pipelines and their stages, current and deleted: `GET /crm/v3/pipelines/{type}` per synced
type that has pipelines, and each pipeline's audit log for the stages deleted before a run saw
them (`from_audit`).

The audit (`GET .../{pipelineId}/audit`, newest first) holds entries with an `action`, an
`identifier`, a `timestamp` and a `rawObject`: the pipeline as it was (with its `stages`) or
the stage an action touched. A stage id found there but not in the pipeline today was deleted:
its newest snapshot gives its fields, the deletion time is the newest DELETE entry naming it,
else the oldest snapshot of the pipeline taken after its last appearance.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import partial
from typing import Any

from tap_hubspot_assoc.client import HubSpotClient
from tap_hubspot_assoc.concurrency import OrderedPipeline, RequestPool
from tap_hubspot_assoc.errors import HubSpotAPIError, HubSpotAuthError
from tap_hubspot_assoc.object_types import CrmObjectType, ObjectKind
from tap_hubspot_assoc.properties import parse_datetime
from tap_hubspot_assoc.reference.fields import Item, ReferenceShapeError, decimal_or_none, results
from tap_hubspot_assoc.reference.kinds import Emitted, ReferenceAccessDeniedError, Target

# Standard types that have pipelines (HubSpot's pipelines guide); custom objects may too.
PIPELINE_TYPES = frozenset(
    {"deals", "tickets", "appointments", "courses", "listings", "orders", "services", "leads"}
)
AUDIT_DEPTH = 8  # audit requests in flight ahead of the one being written


def has_pipelines(object_type: CrmObjectType) -> bool:
    """True for the types whose pipelines are read."""
    return object_type.name in PIPELINE_TYPES or object_type.kind is ObjectKind.CUSTOM


@dataclass(frozen=True)
class Stage:
    """One pipeline stage, current or known only from the audit log."""

    stage_id: str
    label: str | None
    display_order: int | None
    metadata: Mapping[str, Any]
    created_at: str | None
    updated_at: str | None
    archived: bool
    archived_at: str | None
    from_audit: bool = False

    def record(self, object_type: str, pipeline_id: str) -> dict[str, Any]:
        """The `pipeline_stages` record."""
        return {
            "object_type": object_type,
            "pipeline_id": pipeline_id,
            "stage_id": self.stage_id,
            "label": self.label,
            "display_order": self.display_order,
            "probability": _probability(self.metadata),
            "is_closed": _is_closed(self.metadata),
            "ticket_state": _text_or_none(self.metadata.get("ticketState")),
            "metadata": dict(self.metadata),
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "archived": self.archived,
            "archived_at": self.archived_at,
            "from_audit": self.from_audit,
        }


@dataclass(frozen=True)
class Pipeline:
    """One pipeline of one object type, with its current stages."""

    pipeline_id: str
    label: str
    display_order: int | None
    created_at: str | None
    updated_at: str | None
    archived: bool
    archived_at: str | None
    stages: tuple[Stage, ...]

    def record(self, object_type: CrmObjectType) -> dict[str, Any]:
        """The `pipelines` record."""
        return {
            "object_type": object_type.name,
            "pipeline_id": self.pipeline_id,
            "object_type_id": object_type.type_id,
            "label": self.label,
            "display_order": self.display_order,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "archived": self.archived,
            "archived_at": self.archived_at,
        }


def parse_stage(item: Item) -> Stage:
    """A stage from a pipeline answer (every field HubSpot requires, metadata as sent)."""
    metadata = item.mapping("metadata")
    if decimal_or_none(metadata.get("probability")) is None and _present(metadata, "probability"):
        raise ReferenceShapeError(
            f"{item.endpoint}: stage {item.raw.get('id')} has a probability that is not a "
            f"number: {metadata.get('probability')!r}"
        )
    return Stage(
        stage_id=item.text("id"),
        label=item.text("label"),
        display_order=item.integer("displayOrder"),
        metadata=metadata,
        created_at=item.timestamp("createdAt"),
        updated_at=item.timestamp("updatedAt"),
        archived=item.flag("archived"),
        archived_at=item.timestamp("archivedAt", required=False),
    )


def parse_pipeline(item: Item) -> Pipeline:
    """A pipeline and its stages from `GET /crm/v3/pipelines/{type}`."""
    return Pipeline(
        pipeline_id=item.text("id"),
        label=item.text("label"),
        display_order=item.integer("displayOrder"),
        created_at=item.timestamp("createdAt"),
        updated_at=item.timestamp("updatedAt"),
        archived=item.flag("archived"),
        archived_at=item.timestamp("archivedAt", required=False),
        stages=tuple(parse_stage(stage) for stage in item.items("stages")),
    )


@dataclass(frozen=True)
class AuditEntry:
    """One audit log entry, reduced to what deleted stages need."""

    action: str
    identifier: str
    timestamp: str | None
    stages: tuple[Item, ...]  # stage snapshots the entry carries (a pipeline's, or one)
    whole_pipeline: bool  # the snapshot is the whole pipeline (every stage it had then)


def parse_audit(body: Any, endpoint: str, pipeline_id: str) -> list[AuditEntry]:
    """The audit entries, newest first (sorted by timestamp; HubSpot sends them so)."""
    entries = []
    for item in results(body, endpoint):
        raw = item.mapping("rawObject", required=False)
        snapshot = Item(raw, endpoint)
        if "stages" in raw:
            stages, whole = tuple(snapshot.items("stages")), True
        elif raw.get("id") is not None and str(raw.get("id")) != pipeline_id:
            stages, whole = (snapshot,), False
        else:
            stages, whole = (), False
        entries.append(
            AuditEntry(
                action=item.text("action").upper(),
                identifier=item.text("identifier"),
                timestamp=item.timestamp("timestamp", required=False),
                stages=stages,
                whole_pipeline=whole,
            )
        )
    entries.sort(key=lambda e: _when(e.timestamp), reverse=True)
    return entries


def deleted_stages(pipeline: Pipeline, audit: Sequence[AuditEntry]) -> list[Stage]:
    """Stages the audit knows and the pipeline no longer has, ordered by stage id."""
    current = {stage.stage_id for stage in pipeline.stages}
    last_seen: dict[str, Item] = {}
    deleted_at: dict[str, str | None] = {}  # by a DELETE entry
    missing_since: dict[str, str | None] = {}  # by a whole snapshot without the stage
    for entry in reversed(audit):  # oldest first
        here = {snapshot.text("id"): snapshot for snapshot in entry.stages}
        for stage_id, snapshot in here.items():
            last_seen[stage_id] = snapshot
            missing_since.pop(stage_id, None)
            deleted_at.pop(stage_id, None)
        if entry.whole_pipeline:
            for stage_id in last_seen.keys() - here.keys() - missing_since.keys():
                missing_since[stage_id] = entry.timestamp
        if "DELETE" in entry.action:
            touched = {entry.identifier} if entry.whole_pipeline else here.keys()
            for stage_id in touched | ({entry.identifier} & last_seen.keys()):
                deleted_at[stage_id] = entry.timestamp
    found = []
    for stage_id in sorted(last_seen.keys() - current, key=_id_key):
        when = deleted_at.get(stage_id) or missing_since.get(stage_id)
        stage = _snapshot_stage(last_seen[stage_id])
        found.append(replace(stage, archived=True, archived_at=when, from_audit=True))
    return found


def _snapshot_stage(item: Item) -> Stage:
    """A stage from an audit snapshot: only its id is required there."""
    metadata = item.mapping("metadata", required=False)
    return Stage(
        stage_id=item.text("id"),
        label=item.optional_text("label"),
        display_order=item.integer("displayOrder", required=False),
        metadata=metadata,
        created_at=item.timestamp("createdAt", required=False),
        updated_at=item.timestamp("updatedAt", required=False),
        archived=True,
        archived_at=item.timestamp("archivedAt", required=False),
    )


class PipelinesSource:
    """Pipelines of every synced type that has them, each with its current and deleted stages.

    `open` reads each type's pipelines (the scope check, answers kept); `read` then sends the
    audit requests, several in flight, and writes in type and pipeline order.
    """

    def __init__(
        self,
        client: HubSpotClient,
        pool: RequestPool,
        types: Sequence[CrmObjectType],
        logger: logging.Logger,
    ) -> None:
        self._client = client
        self._pool = pool
        self._types = [t for t in types if has_pipelines(t)]
        self._logger = logger
        self._pipelines: dict[str, list[Pipeline]] | None = None
        self.requests = 0

    def open(self) -> None:
        """Read every type's pipelines (several in flight); a 403 names the type's scope."""
        if self._pipelines is not None:
            return
        found: dict[str, list[Pipeline]] = {}
        queue: OrderedPipeline[list[Pipeline] | None] = OrderedPipeline(self._pool, AUDIT_DEPTH)
        done: list[tuple[object, list[Pipeline] | None]] = []
        for object_type in self._types:
            self.requests += 1
            done += queue.submit(object_type.name, partial(self._list, object_type))
        done += queue.drain()
        for name, pipelines in done:
            if pipelines is not None:
                found[str(name)] = pipelines
        self._pipelines = found

    def read(self) -> Iterator[Emitted]:
        """Each pipeline's record, then its stages' (current ones, then deleted ones)."""
        self.open()
        assert self._pipelines is not None
        audits: OrderedPipeline[list[AuditEntry]] = OrderedPipeline(self._pool, AUDIT_DEPTH)
        for object_type in self._types:
            for pipeline in self._pipelines.get(object_type.name, []):
                self.requests += 1
                key = _Audited(object_type, pipeline)
                for done, audit in audits.submit(key, partial(self._audit, object_type, pipeline)):
                    yield from _emit(done, audit)
        for done, audit in audits.drain():
            yield from _emit(done, audit)

    def _list(self, object_type: CrmObjectType) -> list[Pipeline] | None:
        endpoint = f"GET {self._client.paths.pipelines(object_type.path_ref)}"
        try:
            body = self._client.get(
                self._client.paths.pipelines(object_type.path_ref), kind="pipelines"
            )
        except HubSpotAuthError as exc:
            if exc.status != 403:
                raise
            scopes = exc.missing_scopes or (object_type.read_scope,)
            raise ReferenceAccessDeniedError(
                f"pipelines of {object_type.describe()}", scopes, str(exc)
            ) from exc
        except HubSpotAPIError as exc:
            if exc.status not in (400, 404):
                raise
            self._logger.info("pipelines: %s has no pipelines here (%s)", object_type.name, exc)
            return None
        return [parse_pipeline(item) for item in results(body, endpoint)]

    def _audit(self, object_type: CrmObjectType, pipeline: Pipeline) -> list[AuditEntry]:
        path = self._client.paths.pipeline_audit(object_type.path_ref, pipeline.pipeline_id)
        try:
            body = self._client.get(path, kind="pipeline_audit")
        except HubSpotAPIError as exc:
            if exc.status != 404:
                raise
            self._logger.warning(
                "pipelines: no audit for %s pipeline %s (%s); its deleted stages are unknown",
                object_type.name,
                pipeline.pipeline_id,
                exc,
            )
            return []
        return parse_audit(body, f"GET {path}", pipeline.pipeline_id)


@dataclass(frozen=True)
class _Audited:
    object_type: CrmObjectType
    pipeline: Pipeline


def _emit(key: object, audit: list[AuditEntry]) -> Iterator[Emitted]:
    assert isinstance(key, _Audited)
    object_type, pipeline = key.object_type, key.pipeline
    yield Target.MAIN, pipeline.record(object_type)
    for stage in (*pipeline.stages, *deleted_stages(pipeline, audit)):
        yield Target.COMPANION, stage.record(object_type.name, pipeline.pipeline_id)


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _when(timestamp: str | None) -> dt.datetime:
    return parse_datetime(timestamp) or _EPOCH


def _id_key(stage_id: str) -> tuple[int, int, str]:
    """Numeric ids in numeric order, then the others by text."""
    return (0, int(stage_id), "") if stage_id.isdigit() else (1, 0, stage_id)


def _present(metadata: Mapping[str, Any], key: str) -> bool:
    value = metadata.get(key)
    return value is not None and str(value).strip() != ""


def _probability(metadata: Mapping[str, Any]) -> Decimal | None:
    return decimal_or_none(metadata.get("probability"))


def _is_closed(metadata: Mapping[str, Any]) -> bool | None:
    value = metadata.get("isClosed")
    if value is None:
        return None
    return str(value).strip().lower() == "true"


def _text_or_none(value: Any) -> str | None:
    return None if value is None else str(value)
