"""The admin API under ``/_sim/`` (no auth): dataset, mutations, snapshots (switches and
counters: admin_operations.py; the route table: admin_routes.py)."""

from __future__ import annotations

from typing import Any

from .admin_history_api import version_source  # importing it also registers its routes
from .admin_operations import rate_limits_json  # importing it also registers its routes
from .admin_routes import dispatch, route
from .customobjects import CUSTOM_OBJECTS
from .errors import ApiError, validation_error
from .generator import DatasetSpec
from .http import Request, Response
from .objecttypes import OBJECT_TYPES, ObjectType, resolve
from .state import SimulatorState
from .store import ACTIVE, ARCHIVED, DELETED, MERGED, ObjectTable
from .util import now_ms


def handle(state: SimulatorState, req: Request) -> Response:
    """Dispatch one admin request (every admin module's routes are registered by now)."""
    return dispatch(state, req)


def _type(name: str) -> ObjectType:
    otype = resolve(name)
    if otype is None:
        raise validation_error(f"unknown object type {name}")
    return otype


def _table(state: SimulatorState, name: str) -> ObjectTable:
    return state.dataset.table(_type(name))


def _idx(table: ObjectTable, record_id: Any) -> int:
    idx = table.idx_of(record_id)
    if idx is None or table.status[idx] == DELETED:
        raise ApiError(404, "OBJECT_NOT_FOUND", f"no {table.type.singular} {record_id}")
    return idx


def _record(table: ObjectTable, idx: int) -> dict[str, Any]:
    out = table.snapshot(idx)
    if table.status[idx] == MERGED:
        out["mergedInto"] = table.id_of(table.survivor(idx))
    return out


def _at(body: dict[str, Any]) -> int:
    at = body.get("at")
    return int(at) if at is not None else now_ms()


# ------------------------------------------------------------------------------ basics


@route("GET", "/health")
def health(state: SimulatorState, body: Any, req: Request) -> Any:
    """Liveness."""
    return {"status": "ok"}


@route("GET", "/info")
def info(state: SimulatorState, body: Any, req: Request) -> Any:
    """Dataset spec, record counts and switches."""
    counts = {}
    for t in OBJECT_TYPES:
        table = state.dataset.tables[t.name]
        st = table.status
        counts[t.name] = {
            "objectTypeId": t.type_id,
            "activated": t.name in state.dataset.activated,
            "total": len(st),
            "active": st.count(ACTIVE),
            "archived": st.count(ARCHIVED),
            "merged": st.count(MERGED),
            "deleted": st.count(DELETED),
        }
    customs = [
        {
            "name": t.name,
            "objectTypeId": t.type_id,
            "fullyQualifiedName": t.fully_qualified_name,
            "labels": {"singular": d.singular_label, "plural": d.plural_label},
            "primaryDisplayProperty": d.primary_display,
            "activated": t.name in state.dataset.activated,
        }
        for t in OBJECT_TYPES
        if t.custom
        for d in [CUSTOM_OBJECTS[t.name]]
    ]
    return {
        "dataset": state.dataset.spec.to_json(),
        "counts": counts,
        "customObjects": customs,
        "rateLimits": rate_limits_json(state.limiter.config),
        "searchLagMs": state.search_lag_ms,
        "latency": state.latency.to_json(),
        "token": state.auth.static_token,
        "tokenTtlSeconds": state.auth.token_ttl_s,
    }


def _spec(body: dict[str, Any]) -> DatasetSpec:
    return DatasetSpec.from_json({k: v for k, v in body.items() if k != "resetOperations"})


@route("POST", "/dataset")
def regenerate(state: SimulatorState, body: Any, req: Request) -> Any:
    """Regenerate the dataset (missing fields take DatasetSpec defaults)."""
    spec = _spec(body)
    state.regenerate(spec)
    if body.get("resetOperations"):
        state.reset_operations()
    return info(state, body, req)


@route("POST", "/reset")
def reset(state: SimulatorState, body: Any, req: Request) -> Any:
    """Regenerate the dataset AND reset faults, counters, rate limits, tokens, search lag."""
    spec = _spec(body)
    state.regenerate(spec)
    state.reset_operations()
    return info(state, body, req)


@route("POST", "/reset-operations")
def reset_operations(state: SimulatorState, body: Any, req: Request) -> Any:
    """Faults, counters, rate limits, tokens, search lag back to startup values."""
    state.reset_operations()
    return {"status": "ok"}


# ------------------------------------------------------------------------------ objects


@route("POST", "/objects/{type}")
def create_object(state: SimulatorState, body: Any, req: Request, type: str) -> Any:
    """Create a record with exactly the given properties."""
    table = _table(state, type)
    idx = table.create(body.get("properties") or {}, _at(body), version_source(body))
    return _record(table, idx)


@route("GET", "/objects/{type}/{id}")
def read_object(state: SimulatorState, body: Any, req: Request, type: str, id: str) -> Any:
    """Any record (active, archived or merged away) with every property."""
    table = _table(state, type)
    return _record(table, _idx(table, id))


@route("PATCH", "/objects/{type}/{id}")
def update_object(state: SimulatorState, body: Any, req: Request, type: str, id: str) -> Any:
    """Set property values (one version each, with the body's ``sourceType``, ``sourceId``,
    ``sourceLabel``, ``updatedByUserId``); bumps the last-modified property and updatedAt."""
    table = _table(state, type)
    idx = _idx(table, id)
    table.update(idx, body.get("properties") or {}, _at(body), version_source(body))
    return _record(table, idx)


@route("POST", "/objects/{type}/{id}/archive")
def archive_object(state: SimulatorState, body: Any, req: Request, type: str, id: str) -> Any:
    """Archive (soft-delete) a record."""
    table = _table(state, type)
    idx = _idx(table, id)
    table.archive(idx, _at(body))
    return _record(table, idx)


@route("POST", "/objects/{type}/{id}/unarchive")
def unarchive_object(state: SimulatorState, body: Any, req: Request, type: str, id: str) -> Any:
    """Restore an archived record."""
    table = _table(state, type)
    idx = _idx(table, id)
    table.unarchive(idx, _at(body))
    return _record(table, idx)


@route("POST", "/objects/{type}/{id}/delete-permanently")
def delete_permanently(state: SimulatorState, body: Any, req: Request, type: str, id: str) -> Any:
    """GDPR delete: the record and its links are gone everywhere (active or archived only)."""
    table = _table(state, type)
    idx = _idx(table, id)
    state.dataset.delete_permanently(table.type.name, idx)
    return {"id": table.id_of(idx), "deleted": True}


@route("POST", "/objects/{type}/merge")
def merge_objects(state: SimulatorState, body: Any, req: Request, type: str) -> Any:
    """Merge ``mergedId`` into ``primaryId``, which keeps its id and gains the links; with
    ``newRecord`` (HubSpot's current behaviour) both go into a new record with a new id."""
    table = _table(state, type)
    if "hs_merged_object_ids" not in table.spec_by_name:
        raise ValueError(f"{table.type.name} cannot be merged")
    primary = _idx(table, body["primaryId"])
    merged = _idx(table, body["mergedId"])
    if primary == merged or not (table.is_active(primary) and table.is_active(merged)):
        raise ValueError("both records must be distinct and active")
    if body.get("newRecord"):
        survivor = table.merge_into_new(primary, merged, _at(body))
        state.dataset.move_links(table.type.name, primary, survivor)
    else:
        survivor = primary
        table.merge(primary, merged, _at(body))
    state.dataset.move_links(table.type.name, merged, survivor)
    return _record(table, survivor)


@route("POST", "/objects/{type}/touch")
def touch_objects(state: SimulatorState, body: Any, req: Request, type: str) -> Any:
    """Set last-modified of ``ids`` (or of ``count`` active records from ``offset``) to ``at``."""
    table = _table(state, type)
    at = _at(body)
    if "ids" in body:
        idxs = [_idx(table, i) for i in body["ids"]]
    else:
        count = int(body.get("count", 0))
        idxs = []
        for idx in table.iter_active(int(body.get("offset", 0))):
            if len(idxs) >= count:
                break
            idxs.append(idx)
    table.touch_many(idxs, at)
    return {"at": at, "count": len(idxs), "ids": [table.id_of(i) for i in idxs]}


@route("GET", "/snapshot/{type}")
def snapshot_objects(state: SimulatorState, body: Any, req: Request, type: str) -> Any:
    """Every active and archived record with every property, plus merged-away ids."""
    table = _table(state, type)
    wanted = req.query_list("properties")
    names = table.property_names if wanted is None else table.select_properties(wanted)
    objects = [
        table.render(i, names) for i in range(len(table)) if table.status[i] in (ACTIVE, ARCHIVED)
    ]
    merged = {
        table.id_of(i): table.id_of(table.survivor(i))
        for i in table.merged_into
        if table.status[table.survivor(i)] != DELETED
    }
    return {"objects": objects, "merged": merged}


# ------------------------------------------------------------------------------ associations


@route("GET", "/snapshot/associations/{from_type}/{to_type}")
def snapshot_associations(
    state: SimulatorState, body: Any, req: Request, from_type: str, to_type: str
) -> Any:
    """Every live link in one direction: ``{fromId, toId, types:[{category,typeId,label}]}``."""
    f, t = _type(from_type), _type(to_type)
    return {"associations": state.dataset.snapshot_associations(f.name, t.name)}


def _assoc_args(body: dict[str, Any]) -> tuple[str, str, str, str]:
    return (
        _type(body["fromType"]).name,
        str(body["fromId"]),
        _type(body["toType"]).name,
        str(body["toId"]),
    )


@route("POST", "/associations")
def add_association(state: SimulatorState, body: Any, req: Request) -> Any:
    """Add type ids (from→to direction) to a link; modified dates are not touched."""
    type_ids = [int(t) for t in body.get("typeIds") or []]
    if not type_ids:
        raise ValueError("typeIds is required")
    return {"typeIds": state.dataset.set_association(*_assoc_args(body), type_ids, add=True)}


@route("DELETE", "/associations")
def remove_association(state: SimulatorState, body: Any, req: Request) -> Any:
    """Remove type ids from a link (all of them, i.e. the link, when ``typeIds`` is absent)."""
    raw = body.get("typeIds")
    type_ids = None if raw is None else [int(t) for t in raw]
    return {"typeIds": state.dataset.set_association(*_assoc_args(body), type_ids, add=False)}


@route("POST", "/labels")
def create_label(state: SimulatorState, body: Any, req: Request) -> Any:
    """Create a label; ``inverseLabel`` makes it a paired label. One type id per direction."""
    return state.dataset.create_label(
        _type(body["fromType"]).name,
        _type(body["toType"]).name,
        str(body["label"]),
        body.get("inverseLabel"),
        body.get("category", "USER_DEFINED"),
    )


@route("DELETE", "/labels/{from_type}/{to_type}/{type_id}")
def delete_label(
    state: SimulatorState, body: Any, req: Request, from_type: str, to_type: str, type_id: str
) -> Any:
    """Delete a label by its from→to type id (links lose that type)."""
    state.dataset.delete_label(_type(from_type).name, _type(to_type).name, int(type_id))
    return {"status": "ok"}
