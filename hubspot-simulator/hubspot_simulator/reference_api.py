"""Handlers of the owners and pipelines endpoints (``/crm/v3/owners``, ``/crm/v3/pipelines``)."""

from __future__ import annotations

from typing import Any

from .api import int_param, object_type
from .errors import ApiError, validation_error
from .http import Request, Response, json_response
from .objecttypes import ObjectType
from .pipelines import Pipeline
from .state import SimulatorState
from .util import decode_cursor, encode_cursor

OWNERS_MAX_LIMIT = 500
OWNERS_DEFAULT_LIMIT = 100


def flag(req: Request, name: str) -> bool:
    """A boolean query parameter (absent = false); anything but true/false → 400."""
    raw = req.query(name)
    if raw is None or raw == "":
        return False
    if raw.lower() not in ("true", "false"):
        raise validation_error(f"Unable to parse {name}: {raw!r} is not a boolean.")
    return raw.lower() == "true"


# ------------------------------------------------------------------------------ owners


def list_owners(state: SimulatorState, req: Request) -> Response:
    """GET /crm/v3/owners: id order, ``limit`` ≤ 500, ``after``, ``email``, ``archived``."""
    directory = state.dataset.reference.owners
    limit = int_param(req.query("limit"), "limit", OWNERS_DEFAULT_LIMIT, OWNERS_MAX_LIMIT)
    start = 0
    after = req.query("after")
    if after:
        pos = decode_cursor(after)
        if pos is None:
            raise validation_error(f"Invalid after cursor: {after!r}")
        start = pos
    owners = directory.listing(flag(req, "archived"), req.query("email") or None)
    page = owners[start : start + limit]
    body: dict[str, Any] = {"results": [directory.to_api(o) for o in page]}
    if start + limit < len(owners):
        cursor = encode_cursor(start + limit)
        body["paging"] = {
            "next": {"after": cursor, "link": f"{req.base_url}{req.path}?after={cursor}"}
        }
    return json_response(body)


def get_owner(state: SimulatorState, req: Request, owner_id: str) -> Response:
    """GET /crm/v3/owners/{ownerId}?idProperty=id|userId&archived=."""
    id_property = req.query("idProperty") or "id"
    if id_property not in ("id", "userId"):
        raise validation_error(
            f"Unable to parse idProperty: {id_property!r} is not one of [id, userId]."
        )
    if not owner_id.isdigit():
        raise validation_error(f"Unable to parse ownerId: {owner_id!r} is not an integer.")
    archived = flag(req, "archived")
    directory = state.dataset.reference.owners
    owner = directory.find(int(owner_id), id_property == "userId", archived)
    if owner is None:
        raise ApiError(404, "OBJECT_NOT_FOUND", f"No owner found with {id_property} {owner_id}.")
    return json_response(directory.to_api(owner))


# ------------------------------------------------------------------------------ pipelines


def _pipeline_type(state: SimulatorState, name: str) -> ObjectType:
    otype = object_type(state, name)
    if not state.dataset.reference.pipelines.has_pipelines(otype.name):
        raise validation_error(
            f"Object type {otype.type_id} ({otype.name}) does not support pipelines."
        )
    return otype


def _pipeline(
    state: SimulatorState, type: str, pipeline_id: str, deleted: bool = False
) -> Pipeline:
    otype = _pipeline_type(state, type)
    found = state.dataset.reference.pipelines.get(otype.name, pipeline_id, deleted)
    if found is None:
        raise ApiError(
            404, "OBJECT_NOT_FOUND", f"Unable to find pipeline {pipeline_id} for {otype.type_id}."
        )
    return found


def list_pipelines(state: SimulatorState, req: Request, type: str) -> Response:
    """GET /crm/v3/pipelines/{objectType}: every pipeline (archived ones flagged), no paging."""
    otype = _pipeline_type(state, type)
    book = state.dataset.reference.pipelines
    return json_response({"results": [p.to_api() for p in book.pipelines(otype.name)]})


def get_pipeline(state: SimulatorState, req: Request, type: str, pipeline_id: str) -> Response:
    """GET /crm/v3/pipelines/{objectType}/{pipelineId}."""
    return json_response(_pipeline(state, type, pipeline_id).to_api())


def list_stages(state: SimulatorState, req: Request, type: str, pipeline_id: str) -> Response:
    """GET /crm/v3/pipelines/{objectType}/{pipelineId}/stages: live stages in display order."""
    pipeline = _pipeline(state, type, pipeline_id)
    return json_response({"results": [s.to_api() for s in pipeline.stages]})


def get_stage(
    state: SimulatorState, req: Request, type: str, pipeline_id: str, stage_id: str
) -> Response:
    """GET /crm/v3/pipelines/{objectType}/{pipelineId}/stages/{stageId}."""
    stage = _pipeline(state, type, pipeline_id).stage(stage_id)
    if stage is None:
        raise ApiError(
            404, "OBJECT_NOT_FOUND", f"Unable to find stage {stage_id} in pipeline {pipeline_id}."
        )
    return json_response(stage.to_api())


def pipeline_audit(state: SimulatorState, req: Request, type: str, pipeline_id: str) -> Response:
    """GET .../{pipelineId}/audit: every change of the pipeline and its stages, newest first
    (deleted stages included; a deleted pipeline's audit stays readable)."""
    pipeline = _pipeline(state, type, pipeline_id, deleted=True)
    return json_response({"results": pipeline.audit_json()})


def stage_audit(
    state: SimulatorState, req: Request, type: str, pipeline_id: str, stage_id: str
) -> Response:
    """GET .../{pipelineId}/stages/{stageId}/audit: also for a deleted stage."""
    entries = _pipeline(state, type, pipeline_id, deleted=True).audit_json(stage_id)
    if not entries:
        raise ApiError(
            404, "OBJECT_NOT_FOUND", f"Unable to find stage {stage_id} in pipeline {pipeline_id}."
        )
    return json_response({"results": entries})
