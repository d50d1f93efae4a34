"""Handlers of the lists endpoints (``/crm/v3/lists/...``): search, fetch, memberships in
record-id and join order, and the memberships of records."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from typing import Any

from .api import int_param, json_body
from .errors import ApiError, validation_error
from .http import Request, Response, json_response
from .lists import ListBook, ObjectList, ProcessingType
from .objecttypes import resolve
from .state import SimulatorState
from .util import decode_cursor, encode_cursor, iso, now_ms

SEARCH_MAX_COUNT = 500
SEARCH_DEFAULT_COUNT = 20
MEMBERSHIPS_MAX_LIMIT = 250
MEMBERSHIPS_DEFAULT_LIMIT = 100
BATCH_MAX_INPUTS = 100
DEFAULT_ADDITIONAL = ("hs_list_size", "hs_last_record_added_at", "hs_list_reference_count")


def _book(state: SimulatorState) -> ListBook:
    return state.dataset.reference.lists


def _list(state: SimulatorState, list_id: str) -> ObjectList:
    found = _book(state).get(list_id)
    if found is None:
        raise ApiError(
            404,
            "OBJECT_NOT_FOUND",
            f"List does not exist with ID {list_id}.",
            context={"listId": [list_id]},
        )
    return found


def _summary(book: ListBook, lst: ObjectList, extra: list[str]) -> dict[str, Any]:
    """A search result: no ``size``; the size is in ``additionalProperties.hs_list_size``."""
    body = book.to_api(lst)
    body.pop("size")
    available = body["additionalProperties"]
    wanted = dict.fromkeys([*DEFAULT_ADDITIONAL, *extra])
    body["additionalProperties"] = {k: available[k] for k in wanted if available.get(k) is not None}
    return body


def search_lists(state: SimulatorState, req: Request) -> Response:
    """POST /crm/v3/lists/search: ``offset``, ``count`` ≤ 500, ``query`` (name, case-
    insensitive), ``processingTypes``, ``listIds``, ``objectTypeId``, ``additionalProperties``;
    lists in id order."""
    body = json_body(req)
    if not isinstance(body, dict):
        raise validation_error("The request body must be a JSON object.")
    offset = body.get("offset", 0)
    count = body.get("count", SEARCH_DEFAULT_COUNT)
    if not isinstance(offset, int) or offset < 0:
        raise validation_error(f"offset must be a non-negative integer (got {offset!r}).")
    if not isinstance(count, int) or not 1 <= count <= SEARCH_MAX_COUNT:
        raise validation_error(f"count must be between 1 and {SEARCH_MAX_COUNT} (got {count!r}).")
    if body.get("sort") is not None:
        raise validation_error("sort is not supported; lists are returned in listId order.")
    kinds = body.get("processingTypes") or []
    unknown = [k for k in kinds if k not in ProcessingType.__members__]
    if unknown:
        raise validation_error(f"Unknown processingTypes: {unknown}.")
    query = str(body.get("query") or "").lower()
    ids = {str(i) for i in body.get("listIds") or []}
    type_id = body.get("objectTypeId")
    book = _book(state)
    matched = [
        lst
        for lst in book.all()
        if query in lst.name.lower()
        and (not kinds or lst.processing_type.value in kinds)
        and (not ids or str(lst.list_id) in ids)
        and (type_id is None or _type_id(lst) == type_id)
    ]
    page = matched[offset : offset + count]
    extra = [str(p) for p in body.get("additionalProperties") or []]
    return json_response(
        {
            "lists": [_summary(book, lst, extra) for lst in page],
            "hasMore": offset + count < len(matched),
            "offset": offset + len(page),
            "total": len(matched),
        }
    )


def _type_id(lst: ObjectList) -> str:
    otype = resolve(lst.type_name)
    return otype.type_id if otype is not None else ""


def get_list(state: SimulatorState, req: Request, list_id: str) -> Response:
    """GET /crm/v3/lists/{listId} → ``{list}`` (``includeFilters`` is accepted; the simulator
    keeps rules, not HubSpot filter branches, so none are sent)."""
    return json_response({"list": _book(state).to_api(_list(state, list_id))})


def get_lists(state: SimulatorState, req: Request) -> Response:
    """GET /crm/v3/lists?listIds=…: the lists that exist among the ids."""
    book = _book(state)
    found = [book.get(i) for i in req.query_list("listIds") or []]
    return json_response({"lists": [book.to_api(lst) for lst in found if lst is not None]})


def _page(state: SimulatorState, req: Request, list_id: str, join_order: bool) -> dict[str, Any]:
    lst = _list(state, list_id)
    book = _book(state)
    table = book.tables[lst.type_name]
    limit = int_param(req.query("limit"), "limit", MEMBERSHIPS_DEFAULT_LIMIT, MEMBERSHIPS_MAX_LIMIT)
    keyed = book.ordered(lst, join_order)
    after, before = req.query("after"), req.query("before")
    link = f"{req.base_url}{req.path}"
    paging: dict[str, Any] = {}
    if after or not before:  # ascending (``after`` wins over ``before``)
        start = bisect_right(keyed, _cursor(after), key=_key) if after else 0
        chosen = keyed[start : start + limit]
        if len(keyed) - start > limit:
            paging["next"] = _link(link, "after", chosen[-1][0])
        if after and chosen:
            paging["prev"] = _link(link, "before", chosen[0][0])
    else:  # descending from ``before``
        end = bisect_left(keyed, _cursor(before or ""), key=_key)
        chosen = keyed[max(0, end - limit) : end][::-1]
        if end > limit:
            paging["prev"] = _link(link, "before", chosen[-1][0])
        if chosen:
            paging["next"] = _link(link, "after", chosen[0][0])
    out: dict[str, Any] = {
        "results": [
            {"recordId": table.id_of(i), "membershipTimestamp": iso(t)} for _, i, t in chosen
        ],
        "total": len(keyed),
    }
    if paging:
        out["paging"] = paging
    return out


def _key(member: tuple[int, int, int]) -> int:
    return member[0]


def _link(base: str, name: str, key: int) -> dict[str, str]:
    cursor = encode_cursor(key)
    return {name: cursor, "link": f"{base}?{name}={cursor}"}


def _cursor(raw: str) -> int:
    value = decode_cursor(raw)
    if value is None:
        raise validation_error(f"Invalid paging cursor: {raw!r}")
    return value


def memberships(state: SimulatorState, req: Request, list_id: str) -> Response:
    """GET /crm/v3/lists/{listId}/memberships: ascending record ids (descending from
    ``before`` alone), ``limit`` ≤ 250."""
    return json_response(_page(state, req, list_id, join_order=False))


def memberships_join_order(state: SimulatorState, req: Request, list_id: str) -> Response:
    """GET /crm/v3/lists/{listId}/memberships/join-order: by the time records joined."""
    return json_response(_page(state, req, list_id, join_order=True))


def _record_memberships(
    book: ListBook, lists: list[ObjectList], type_name: str, idx: int
) -> list[dict[str, Any]]:
    out = []
    for lst in lists:
        if lst.type_name != type_name or idx not in lst.members:
            continue
        if book.tables[type_name].status[idx] != 0:
            continue
        joined = iso(lst.members[idx])
        out.append(
            {
                "listId": str(lst.list_id),
                "listVersion": lst.list_version,
                "firstAddedTimestamp": joined,
                "lastAddedTimestamp": joined,
            }
        )
    return out


def record_memberships(
    state: SimulatorState, req: Request, object_type_id: str, record_id: str
) -> Response:
    """GET /crm/v3/lists/records/{objectTypeId}/{recordId}/memberships."""
    otype = state.dataset.resolve(object_type_id)
    if otype is None:
        raise validation_error(f"Unable to infer object type from: {object_type_id}")
    table = state.dataset.table(otype)
    idx = table.idx_of(record_id)
    book = _book(state)
    results = [] if idx is None else _record_memberships(book, book.all(), otype.name, idx)
    return json_response({"results": results})


def batch_read_memberships(state: SimulatorState, req: Request) -> Response:
    """POST /crm/v3/lists/records/memberships/batch/read: ``inputs`` of
    ``{objectTypeId, recordId}`` (≤ 100)."""
    started = now_ms()
    body = json_body(req)
    inputs = body.get("inputs") if isinstance(body, dict) else None
    if not isinstance(inputs, list):
        raise validation_error("inputs is required and must be a list.")
    if len(inputs) > BATCH_MAX_INPUTS:
        raise validation_error(
            f"Batch input size {len(inputs)} exceeds the maximum of {BATCH_MAX_INPUTS}."
        )
    book = _book(state)
    lists = book.all()
    results = []
    for item in inputs:
        if not isinstance(item, dict) or "objectTypeId" not in item or "recordId" not in item:
            raise validation_error("Every input needs objectTypeId and recordId.")
        otype = state.dataset.resolve(str(item["objectTypeId"]))
        if otype is None:
            raise validation_error(f"Unable to infer object type from: {item['objectTypeId']}")
        idx = state.dataset.table(otype).idx_of(item["recordId"])
        found = [] if idx is None else _record_memberships(book, lists, otype.name, idx)
        results.append(
            {
                "objectTypeId": otype.type_id,
                "recordId": str(item["recordId"]),
                "recordListMemberships": found,
            }
        )
    return json_response(
        {
            "status": "COMPLETE",
            "results": results,
            "startedAt": iso(started),
            "completedAt": iso(now_ms()),
        }
    )
