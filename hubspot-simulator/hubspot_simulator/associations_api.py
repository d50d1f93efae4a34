"""Handlers of the associations v4 endpoints: labels, batch read, per-record listing."""

from __future__ import annotations

from bisect import bisect_left
from typing import Any

import orjson

from .api import int_param, json_body, object_type
from .errors import validation_error
from .http import Request, Response, json_response
from .objecttypes import ObjectType
from .state import SimulatorState
from .util import decode_cursor, encode_cursor, iso, mix, now_ms
from .versions import batch_errors_status

ASSOC_BATCH_MAX_INPUTS = 1000
ASSOC_PAGE_SIZE = 500
ASSOC_LIST_MAX_LIMIT = 500


def association_labels(
    state: SimulatorState, req: Request, from_type: str, to_type: str
) -> Response:
    """GET /crm/v4/associations/{from}/{to}/labels: this direction's types only."""
    f, t = object_type(state, from_type), object_type(state, to_type)
    found = state.dataset.pair(f.name, t.name)
    if found is None:
        return json_response({"results": []})
    pair, side = found
    return json_response({"results": [d.spec(side) for d in pair.labels if not d.deleted]})


def _assoc_page(
    state: SimulatorState, f: ObjectType, t: ObjectType, idx: int, start: int, size: int
) -> tuple[orjson.Fragment | None, int | None]:
    """One page of a record's associations from ``start`` (a to-index) as a pre-serialised
    JSON array (None when empty), and the next start."""
    dataset = state.dataset
    found = dataset.pair(f.name, t.name)
    if found is None:
        return None, None
    pair, side = found
    links = dataset.links(f.name, idx, t.name)
    if start:
        links = links[bisect_left(links, (start, 0)) :]
    if not links:
        return None, None
    ids = dataset.table(t).ids
    types = pair.types_json
    parts = [
        b'{"toObjectId":%d,"associationTypes":%b}' % (ids[other], types(side, mask))
        for other, mask in links[:size]
    ]
    nxt = links[size][0] if len(links) > size else None
    return orjson.Fragment(b"[" + b",".join(parts) + b"]"), nxt


def association_batch_read(
    state: SimulatorState, req: Request, from_type: str, to_type: str
) -> Response:
    """POST /crm/v4/associations/{from}/{to}/batch/read: per-input pages of 500; inputs without
    associations are NO_ASSOCIATIONS_FOUND errors, answered 207 (legacy, 2026-03) or 200
    (2026-09)."""
    started = now_ms()
    f, t = object_type(state, from_type), object_type(state, to_type)
    body = json_body(req)
    inputs = body.get("inputs") if isinstance(body, dict) else None
    if not isinstance(inputs, list):
        raise validation_error("inputs is required and must be a list.")
    if len(inputs) > ASSOC_BATCH_MAX_INPUTS:
        raise validation_error(
            f"Batch input size {len(inputs)} exceeds the maximum of {ASSOC_BATCH_MAX_INPUTS}."
        )
    table = state.dataset.table(f)
    results: list[tuple[int, dict[str, Any]]] = []
    errors: list[dict[str, Any]] = []
    seen: set[tuple[str, str | None]] = set()
    for item in inputs:
        if not isinstance(item, dict) or "id" not in item:
            raise validation_error("Each input needs an id.")
        rid = str(item["id"])
        after = item.get("after")
        if (rid, after) in seen:
            continue
        seen.add((rid, after))
        start = 0
        if after:
            pos = decode_cursor(str(after))
            if pos is None:
                raise validation_error(f"Invalid after cursor: {after!r}")
            start = pos
        idx = table.idx_of(rid)
        page = nxt = None
        if idx is not None and table.is_active(idx):
            page, nxt = _assoc_page(state, f, t, idx, start, ASSOC_PAGE_SIZE)
        if idx is None or page is None:
            errors.append(
                {
                    "status": "error",
                    "category": "OBJECT_NOT_FOUND",
                    "subCategory": "crm.associations.NO_ASSOCIATIONS_FOUND",
                    "message": f"No {t.singular} is associated with {f.singular} {rid}.",
                    "context": {
                        "fromObjectId": [rid],
                        "fromObjectType": [f.singular],
                        "toObjectType": [t.singular],
                    },
                }
            )
            continue
        result: dict[str, Any] = {"from": {"id": rid}, "to": page}
        if nxt is not None:
            result["paging"] = {"next": {"after": encode_cursor(nxt)}}
        results.append((mix(idx), result))
    out: dict[str, Any] = {
        "status": "COMPLETE",
        "results": [r for _, r in sorted(results, key=lambda x: x[0])],
    }
    if errors:
        out["numErrors"] = len(errors)
        out["errors"] = errors
    out["startedAt"] = iso(started)
    out["completedAt"] = iso(now_ms())
    return json_response(out, batch_errors_status(req.api_version) if errors else 200)


def object_associations(
    state: SimulatorState, req: Request, type: str, id: str, to_type: str
) -> Response:
    """GET /crm/v4/objects/{type}/{id}/associations/{toType}?limit&after."""
    f, t = object_type(state, type), object_type(state, to_type)
    limit = int_param(req.query("limit"), "limit", ASSOC_LIST_MAX_LIMIT, ASSOC_LIST_MAX_LIMIT)
    start = 0
    after = req.query("after")
    if after:
        pos = decode_cursor(after)
        if pos is None:
            raise validation_error(f"Invalid after cursor: {after!r}")
        start = pos
    table = state.dataset.table(f)
    idx = table.idx_of(id)
    page = nxt = None
    if idx is not None and table.is_active(idx):
        page, nxt = _assoc_page(state, f, t, idx, start, limit)
    body: dict[str, Any] = {"results": page if page is not None else []}
    if nxt is not None:
        cursor = encode_cursor(nxt)
        body["paging"] = {
            "next": {"after": cursor, "link": f"{req.base_url}{req.path}?after={cursor}"}
        }
    return json_response(body)
