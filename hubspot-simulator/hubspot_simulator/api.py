"""Handlers of the CRM object endpoints: list, get, batch read, search."""

from __future__ import annotations

from typing import Any

import orjson

from . import search, search_request
from .errors import not_found, validation_error
from .history import history_json
from .http import Request, Response, json_response
from .objecttypes import PORTAL_ID, ObjectType
from .state import SimulatorState
from .store import ACTIVE, ARCHIVED, ObjectTable
from .util import decode_cursor, encode_cursor, iso, mix, now_ms
from .versions import ApiVersion, batch_errors_status

LIST_MAX_LIMIT = 100
HISTORY_MAX = 50
BATCH_READ_MAX_INPUTS = 100


def object_type(state: SimulatorState, name: str) -> ObjectType:
    """Resolve a path's object type (if activated in the portal) or answer 400 like HubSpot."""
    otype = state.dataset.resolve(name)
    if otype is None:
        raise validation_error(f"Unable to infer object type from: {name}")
    return otype


def json_body(req: Request) -> Any:
    """The request's JSON body, or 400 VALIDATION_ERROR."""
    try:
        return req.json()
    except orjson.JSONDecodeError as exc:
        raise validation_error(f"Invalid input JSON on line 1: {exc}") from exc


def int_param(raw: str | None, name: str, default: int, maximum: int) -> int:
    """An integer query parameter in [1, maximum], or 400 VALIDATION_ERROR."""
    if raw is None or raw == "":
        return default
    if not raw.isdigit():
        raise validation_error(f"Unable to parse {name}: {raw!r} is not an integer.")
    value = int(raw)
    if not 1 <= value <= maximum:
        raise validation_error(f"{name} must be between 1 and {maximum} (got {value}).")
    return value


def _truthy(raw: str | None) -> bool:
    return (raw or "").lower() == "true"


def record_url(otype: ObjectType, record_id: str) -> str:
    """The record's page in HubSpot's app (the ``url`` field of date-versioned objects)."""
    return f"https://app.hubspot.com/contacts/{PORTAL_ID}/record/{otype.type_id}/{record_id}"


def add_urls(results: list[dict[str, Any]], otype: ObjectType, version: ApiVersion) -> None:
    """Date versions: every object carries its ``url`` (legacy objects have none)."""
    if version is not ApiVersion.LEGACY:
        for rec in results:
            rec["url"] = record_url(otype, rec["id"])


def _with_history(
    table: ObjectTable, idx: int, names: list[str], history: list[str] | None
) -> dict[str, Any]:
    rec = table.render(idx, names)
    if history:
        rec["propertiesWithHistory"] = history_json(table, idx, history)
    return rec


# ------------------------------------------------------------------------------ objects


def list_objects(state: SimulatorState, req: Request, type: str) -> Response:
    """GET /crm/v3/objects/{type}: id order, opaque cursor, paging absent on the last page."""
    otype = object_type(state, type)
    table = state.dataset.table(otype)
    history = req.query_list("propertiesWithHistory")
    maximum = HISTORY_MAX if history else LIST_MAX_LIMIT
    limit = int_param(req.query("limit"), "limit", 10, maximum)
    start = 0
    after = req.query("after")
    if after:
        pos = decode_cursor(after)
        if pos is None:
            raise validation_error(f"Invalid after cursor: {after!r}")
        start = pos
    names = table.select_properties(req.query_list("properties"))
    archived = _truthy(req.query("archived"))
    it = table.iter_archived(start) if archived else table.iter_active(start)
    results: list[dict[str, Any]] = []
    next_idx = None
    for idx in it:
        if len(results) == limit:
            next_idx = idx
            break
        results.append(_with_history(table, idx, names, history))
    add_urls(results, otype, req.api_version)
    body: dict[str, Any] = {"results": results}
    if next_idx is not None:
        cursor = encode_cursor(next_idx)
        body["paging"] = {
            "next": {
                "after": cursor,
                "link": f"{req.base_url}{req.path}?after={cursor}",
            }
        }
    return json_response(body)


def _lookup(table: ObjectTable, record_id: str, id_property: str | None) -> int | None:
    if id_property and id_property != "hs_object_id":
        if id_property not in table.spec_by_name:
            return None
        for idx in table.iter_active():
            if table.value(idx, id_property) == record_id:
                return idx
        return None
    found = table.idx_of(record_id)
    return None if found is None else table.survivor(found)


def get_object(state: SimulatorState, req: Request, type: str, id: str) -> Response:
    """GET /crm/v3/objects/{type}/{id}: merged-away ids answer with the survivor."""
    otype = object_type(state, type)
    table = state.dataset.table(otype)
    idx = _lookup(table, id, req.query("idProperty"))
    wanted = ARCHIVED if _truthy(req.query("archived")) else ACTIVE
    if idx is None or table.status[idx] != wanted:
        raise not_found(
            f"Object not found.  objectId are usually numeric. {otype.singular} {id} does not exist"
        )
    names = table.select_properties(req.query_list("properties"))
    rec = _with_history(table, idx, names, req.query_list("propertiesWithHistory"))
    add_urls([rec], otype, req.api_version)
    return json_response(rec)


def batch_read(state: SimulatorState, req: Request, type: str) -> Response:
    """POST /crm/v3/objects/{type}/batch/read: one OBJECT_NOT_FOUND for missing ids, answered
    207 (legacy, 2026-03) or 200 (2026-09: ``errors``/``numErrors`` in a 200 body)."""
    started = now_ms()
    otype = object_type(state, type)
    table = state.dataset.table(otype)
    body = json_body(req)
    inputs = body.get("inputs") if isinstance(body, dict) else None
    if not isinstance(inputs, list):
        raise validation_error("inputs is required and must be a list.")
    if len(inputs) > BATCH_READ_MAX_INPUTS:
        raise validation_error(
            f"Batch input size {len(inputs)} exceeds the maximum of {BATCH_READ_MAX_INPUTS}."
        )
    history = body.get("propertiesWithHistory") or None
    if history and len(inputs) > HISTORY_MAX:
        raise validation_error(
            "The maximum number of inputs supported in a batch request for property histories "
            f"is {HISTORY_MAX}. Please reduce the number of items and try again"
        )
    props = body.get("properties") or None
    names = table.select_properties(props)
    wanted = ARCHIVED if _truthy(req.query("archived")) else ACTIVE
    id_property = body.get("idProperty")
    found: dict[int, None] = {}
    missing: list[str] = []
    for item in inputs:
        rid = str(item.get("id", "")) if isinstance(item, dict) else ""
        idx = _lookup(table, rid, id_property)
        if idx is None or table.status[idx] != wanted:
            if rid not in missing:
                missing.append(rid)
        else:
            found[idx] = None
    results = [_with_history(table, i, names, history) for i in sorted(found, key=mix)]
    add_urls(results, otype, req.api_version)
    out: dict[str, Any] = {"status": "COMPLETE", "results": results}
    if missing:
        out["numErrors"] = 1
        out["errors"] = [
            {
                "status": "error",
                "category": "OBJECT_NOT_FOUND",
                "message": f"Could not get some {otype.singular.upper()} objects, they may be "
                "deleted or not exist. Check that ids are valid.",
                "context": {"ids": missing},
            }
        ]
    out["startedAt"] = iso(started)
    out["completedAt"] = iso(now_ms())
    return json_response(out, batch_errors_status(req.api_version) if missing else 200)


def search_objects(state: SimulatorState, req: Request, type: str) -> Response:
    """POST /crm/v3/objects/{type}/search."""
    otype = object_type(state, type)
    table = state.dataset.table(otype)
    if len(req.body) > search_request.MAX_BODY_CHARS:
        raise validation_error(
            f"The search request body is {len(req.body)} characters long; the maximum is "
            f"{search_request.MAX_BODY_CHARS}."
        )
    parsed = search_request.parse_request(json_body(req))
    lag = state.search_lag_ms
    visible_before = now_ms() - lag if lag > 0 else None
    dataset = state.dataset

    def assoc(other_type: str, ids: list[str]) -> set[int]:
        other = dataset.resolve(other_type)
        if other is None:
            return set()
        other_table = dataset.table(other)
        out: set[int] = set()
        for rid in ids:
            idx = other_table.idx_of(rid)
            if idx is not None and other_table.is_active(idx):
                out.update(i for i, _ in dataset.links(other.name, idx, otype.name))
        return out

    body = search.execute(table, parsed, visible_before, assoc)
    add_urls(body["results"], otype, req.api_version)
    return json_response(body)
