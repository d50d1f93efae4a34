"""Pipelines and stages per object type, with the audit log that outlives deleted stages.

Built from ``catalog/refids.py`` (so record values point at them) and changed by the admin API.
Every change appends to the pipeline's audit (``CREATE``/``UPDATE``/``DELETE`` with the
object's JSON as ``rawObject``); a deleted stage or pipeline leaves the listings but stays in
the audit, so a client can still label records that carry its id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .catalog.refids import PIPELINE_SEEDS, PipelineSeed
from .objecttypes import PORTAL_ID
from .util import iso

AUDIT_USER_ID = 2_110_000  # the portal's first user (owner 9586504) made the generated changes


class AuditAction(StrEnum):
    """What an audit entry records."""

    CREATE = "CREATE"
    UPDATE = "UPDATE"
    DELETE = "DELETE"


class PipelineError(ValueError):
    """A bad admin change of pipelines or stages."""


@dataclass
class Stage:
    """One pipeline stage; ``metadata`` values are strings, as HubSpot sends them."""

    stage_id: str
    label: str
    display_order: int
    metadata: dict[str, str]
    created_ms: int
    updated_ms: int

    def to_api(self, archived_ms: int | None = None) -> dict[str, Any]:
        """HubSpot's ``PipelineStage`` (``archived_ms`` for a deleted stage's last state)."""
        out: dict[str, Any] = {
            "label": self.label,
            "displayOrder": self.display_order,
            "metadata": dict(self.metadata),
            "id": self.stage_id,
            "createdAt": iso(self.created_ms),
            "updatedAt": iso(self.updated_ms),
            "archived": archived_ms is not None,
            "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT",
        }
        if archived_ms is not None:
            out["archivedAt"] = iso(archived_ms)
        return out


@dataclass
class AuditEntry:
    """One mutation of a pipeline or one of its stages."""

    identifier: str  # the pipeline's or the stage's id
    action: AuditAction
    timestamp_ms: int
    message: str
    raw: dict[str, Any]

    def to_api(self) -> dict[str, Any]:
        """HubSpot's ``PublicAuditInfo``."""
        return {
            "identifier": self.identifier,
            "action": self.action.value,
            "timestamp": iso(self.timestamp_ms),
            "message": self.message,
            "rawObject": self.raw,
            "fromUserId": AUDIT_USER_ID,
            "portalId": PORTAL_ID,
        }


@dataclass
class Pipeline:
    """One pipeline, its live stages (display order) and its audit (oldest first)."""

    pipeline_id: str
    label: str
    display_order: int
    created_ms: int
    updated_ms: int
    stages: list[Stage] = field(default_factory=list)
    archived_ms: int | None = None
    audit: list[AuditEntry] = field(default_factory=list)

    def to_api(self) -> dict[str, Any]:
        """HubSpot's ``Pipeline``."""
        out: dict[str, Any] = {
            "label": self.label,
            "displayOrder": self.display_order,
            "id": self.pipeline_id,
            "stages": [s.to_api() for s in self.stages],
            "createdAt": iso(self.created_ms),
            "updatedAt": iso(self.updated_ms),
            "archived": self.archived_ms is not None,
        }
        if self.archived_ms is not None:
            out["archivedAt"] = iso(self.archived_ms)
        return out

    def stage(self, stage_id: str) -> Stage | None:
        """A live stage by id."""
        return next((s for s in self.stages if s.stage_id == stage_id), None)

    def log(self, identifier: str, action: AuditAction, at: int, message: str, raw: Any) -> None:
        """Append an audit entry."""
        self.audit.append(AuditEntry(identifier, action, at, message, raw))

    def audit_json(self, identifier: str | None = None) -> list[dict[str, Any]]:
        """Entries (of one pipeline or stage id, else all), newest first."""
        chosen = [e for e in self.audit if identifier is None or e.identifier == identifier]
        return [e.to_api() for e in sorted(chosen, key=lambda e: -e.timestamp_ms)]


def _from_seed(seed: PipelineSeed, order: int) -> Pipeline:
    created = seed.created_ms
    pipeline = Pipeline(seed.pipeline_id, seed.label, order, created, created)
    pipeline.log(seed.pipeline_id, AuditAction.CREATE, created, "Pipeline created", {})
    order_of_live = 0
    for s in seed.stages:
        stage = Stage(s.stage_id, s.label, order_of_live, dict(s.metadata), created, created)
        pipeline.log(s.stage_id, AuditAction.CREATE, created, "Stage created", stage.to_api())
        if s.deleted_ms is None:
            pipeline.stages.append(stage)
            order_of_live += 1
        else:
            pipeline.log(
                s.stage_id,
                AuditAction.DELETE,
                s.deleted_ms,
                f"Stage {s.label!r} deleted",
                stage.to_api(archived_ms=s.deleted_ms),
            )
            pipeline.updated_ms = max(pipeline.updated_ms, s.deleted_ms)
    if seed.archived_ms is not None:
        pipeline.archived_ms = seed.archived_ms
        pipeline.updated_ms = max(pipeline.updated_ms, seed.archived_ms)
        pipeline.log(
            seed.pipeline_id, AuditAction.UPDATE, seed.archived_ms, "Pipeline archived", {}
        )
    pipeline.audit[0].raw = pipeline.to_api() | {"archived": False}
    pipeline.audit[0].raw.pop("archivedAt", None)
    return pipeline


class PipelineBook:
    """Pipelines of every type that has them (``deleted`` keeps removed pipelines' audits)."""

    def __init__(self) -> None:
        self.by_type: dict[str, list[Pipeline]] = {
            t: [_from_seed(p, i) for i, p in enumerate(seeds)]
            for t, seeds in PIPELINE_SEEDS.items()
        }
        self.deleted: dict[str, list[Pipeline]] = {t: [] for t in PIPELINE_SEEDS}

    def has_pipelines(self, type_name: str) -> bool:
        """Whether HubSpot keeps pipelines for this type."""
        return type_name in self.by_type

    def pipelines(self, type_name: str) -> list[Pipeline]:
        """Live (and archived) pipelines of a type in display order."""
        return sorted(self.by_type[type_name], key=lambda p: (p.display_order, p.label))

    def get(self, type_name: str, pipeline_id: str, deleted: bool = False) -> Pipeline | None:
        """A pipeline by id (``deleted``: also removed ones, for their audit)."""
        pool = self.by_type[type_name] + (self.deleted[type_name] if deleted else [])
        return next((p for p in pool if p.pipeline_id == pipeline_id), None)

    def dump(self, type_names: list[str]) -> dict[str, Any]:
        """Ground truth per type: pipelines with live stages, plus every stage known only
        from an audit (deleted stages; stages of deleted pipelines) with its deletion time."""
        out: dict[str, Any] = {}
        for t in type_names:
            if t not in self.by_type:
                continue
            pipes = [p.to_api() for p in self.pipelines(t)]
            audit_only: list[dict[str, Any]] = []
            for p in self.by_type[t] + self.deleted[t]:
                live = {s.stage_id for s in p.stages} if p in self.by_type[t] else set()
                audit_only.extend(
                    {"pipelineId": p.pipeline_id, **e.raw}
                    for e in p.audit
                    if e.action is AuditAction.DELETE and e.identifier not in (p.pipeline_id, *live)
                )
            deleted = [p.pipeline_id for p in self.deleted[t]]
            out[t] = {
                "pipelines": pipes,
                "auditOnlyStages": audit_only,
                "deletedPipelines": deleted,
            }
        return out

    # ------------------------------------------------------------------ admin changes
    def _pipeline(self, type_name: str, pipeline_id: str) -> Pipeline:
        if type_name not in self.by_type:
            raise PipelineError(f"{type_name} has no pipelines")
        p = self.get(type_name, pipeline_id)
        if p is None:
            raise PipelineError(f"unknown pipeline {type_name}/{pipeline_id}")
        return p

    def add_pipeline(self, type_name: str, body: dict[str, Any], now: int) -> Pipeline:
        """``{id, label, stages: [{id, label, metadata?}]}``."""
        if type_name not in self.by_type:
            raise PipelineError(f"{type_name} has no pipelines")
        pid = str(body["id"])
        if self.get(type_name, pid, deleted=True) is not None:
            raise PipelineError(f"pipeline {pid} exists")
        p = Pipeline(pid, str(body["label"]), len(self.by_type[type_name]), now, now)
        p.log(pid, AuditAction.CREATE, now, "Pipeline created", {})
        self.by_type[type_name].append(p)
        for s in body.get("stages") or []:
            self.add_stage(type_name, pid, s, now)
        p.audit[0].raw = p.to_api()
        return p

    def update_pipeline(self, type_name: str, pid: str, body: dict[str, Any], now: int) -> Pipeline:
        """``{label?, archived?}``: rename, archive or unarchive."""
        p = self._pipeline(type_name, pid)
        if "label" in body:
            p.label = str(body["label"])
        if "archived" in body:
            p.archived_ms = now if body["archived"] else None
        p.updated_ms = now
        p.log(pid, AuditAction.UPDATE, now, "Pipeline updated", p.to_api())
        return p

    def remove_pipeline(self, type_name: str, pid: str, now: int) -> None:
        """Delete a pipeline: gone from the listings, its audit (and stages) kept."""
        p = self._pipeline(type_name, pid)
        for s in p.stages:
            p.log(s.stage_id, AuditAction.DELETE, now, "Stage deleted", s.to_api(archived_ms=now))
        p.log(pid, AuditAction.DELETE, now, "Pipeline deleted", p.to_api() | {"archived": True})
        self.by_type[type_name].remove(p)
        self.deleted[type_name].append(p)

    def add_stage(self, type_name: str, pid: str, body: dict[str, Any], now: int) -> Stage:
        """``{id, label, metadata?, displayOrder?}`` appended (or inserted at displayOrder)."""
        p = self._pipeline(type_name, pid)
        sid = str(body["id"])
        if any(e.identifier == sid for e in p.audit) or p.stage(sid):
            raise PipelineError(f"stage {sid} exists (or existed) in {pid}")
        metadata = {str(k): str(v) for k, v in (body.get("metadata") or {}).items()}
        stage = Stage(sid, str(body["label"]), 0, metadata, now, now)
        p.stages.insert(int(body.get("displayOrder", len(p.stages))), stage)
        self._renumber(p)
        p.updated_ms = now
        p.log(sid, AuditAction.CREATE, now, "Stage created", stage.to_api())
        return stage

    def update_stage(
        self, type_name: str, pid: str, sid: str, body: dict[str, Any], now: int
    ) -> Stage:
        """``{label?, metadata?}``."""
        p = self._pipeline(type_name, pid)
        stage = p.stage(sid)
        if stage is None:
            raise PipelineError(f"unknown stage {sid} in {pid}")
        if "label" in body:
            stage.label = str(body["label"])
        if "metadata" in body:
            stage.metadata = {str(k): str(v) for k, v in body["metadata"].items()}
        stage.updated_ms = p.updated_ms = now
        p.log(sid, AuditAction.UPDATE, now, "Stage updated", stage.to_api())
        return stage

    def remove_stage(self, type_name: str, pid: str, sid: str, now: int) -> None:
        """Delete a stage: it leaves the pipeline, its last state goes to the audit."""
        p = self._pipeline(type_name, pid)
        stage = p.stage(sid)
        if stage is None:
            raise PipelineError(f"unknown stage {sid} in {pid}")
        p.stages.remove(stage)
        self._renumber(p)
        p.updated_ms = now
        p.log(
            sid,
            AuditAction.DELETE,
            now,
            f"Stage {stage.label!r} deleted",
            stage.to_api(archived_ms=now),
        )

    @staticmethod
    def _renumber(p: Pipeline) -> None:
        for i, s in enumerate(p.stages):
            s.display_order = i
