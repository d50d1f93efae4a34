"""CRM search: the 13 filter operators, sorting and offset paging (requests: search_request).

Ranges on the type's last-modified property are answered from the sorted modified index
(``ObjectTable.mod_index``), so incremental-sync queries cost O(log n + page) even on millions of
records; any other filter is evaluated record by record.
"""

from __future__ import annotations

import fnmatch
import math
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from typing import Any

from .search_request import (
    MAX_RESULTS,
    Filter,
    SearchRequest,
)
from .store import ACTIVE, ObjectTable
from .util import parse_time

RANGE_OPS = frozenset(("EQ", "LT", "LTE", "GT", "GTE", "BETWEEN"))
QUERY_PROPS = {
    "contacts": ("firstname", "lastname", "email", "phone", "company"),
    "companies": ("name", "domain"),
    "deals": ("dealname",),
    "meetings": ("hs_meeting_title",),
    "appointments": ("hs_appointment_name",),
    "tickets": ("subject", "content"),
    "products": ("name", "hs_sku", "description"),
    "line_items": ("name",),
    "quotes": ("hs_title",),
    "calls": ("hs_call_title", "hs_call_body"),
    "emails": ("hs_email_subject",),
    "notes": ("hs_note_body",),
    "tasks": ("hs_task_subject",),
    "communications": ("hs_communication_body",),
    "postal_mail": ("hs_postal_mail_body",),
    "leads": ("hs_lead_name",),
    "feedback_submissions": ("hs_survey_name", "hs_response"),
    "pets": ("pet_name",),
    "vehicles": ("license_plate", "make"),
}
_TOKEN_RE = re.compile(r"\w+")

Predicate = Callable[[str | None], bool]
AssocResolver = Callable[[str, list[str]], set[int]]


def _kind(table: ObjectTable, prop: str) -> str:
    if prop == "hs_object_id":
        return "number"
    spec = table.spec_by_name.get(prop)
    if spec is None:
        return "string"
    return {
        "number": "number",
        "date": "time",
        "datetime": "time",
        "bool": "bool",
        "enumeration": "enum",
    }.get(spec.type, "string")


def _convert(kind: str, raw: str | None) -> Any:
    """A raw value as a comparable key for its kind (None when empty/unparseable)."""
    if raw is None or raw == "":
        return None
    if kind == "number":
        try:
            return float(raw)
        except ValueError:
            return None
    if kind == "time":
        return parse_time(raw)
    return raw.lower()


def _tokens(raw: str) -> set[str]:
    low = raw.lower()
    return set(_TOKEN_RE.findall(low)) | set(low.split())


def _contains_token(raw: str | None, pattern: str) -> bool:
    if raw is None or raw == "":
        return False
    pat = pattern.lower()
    toks = _tokens(raw)
    if "*" in pat:
        return fnmatch.fnmatchcase(raw.lower(), pat) or any(
            fnmatch.fnmatchcase(t, pat) for t in toks
        )
    return pat in toks or pat == raw.lower()


def compile_filter(table: ObjectTable, f: Filter) -> Predicate:
    """A predicate over a record's raw property value."""
    kind = _kind(table, f.prop)
    op = f.op
    if op == "HAS_PROPERTY":
        return lambda raw: raw is not None and raw != ""
    if op == "NOT_HAS_PROPERTY":
        return lambda raw: raw is None or raw == ""
    if op in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
        pattern = f.value or ""
        if op == "CONTAINS_TOKEN":
            return lambda raw: _contains_token(raw, pattern)
        return lambda raw: not _contains_token(raw, pattern)
    if op in ("IN", "NOT_IN"):
        if kind == "enum":
            wanted_enum = set(f.values)  # case-sensitive
            hit: Predicate = lambda raw: bool(raw and wanted_enum & set(raw.split(";")))  # noqa: E731
        elif kind == "string":
            wanted_str = set(f.values)  # must be lowercase, as on HubSpot
            hit = lambda raw: raw is not None and raw.lower() in wanted_str  # noqa: E731
        else:
            wanted = {_convert(kind, v) for v in f.values} - {None}
            hit = lambda raw: _convert(kind, raw) in wanted  # noqa: E731
        return hit if op == "IN" else (lambda raw: not hit(raw))
    if kind == "enum" and op in ("EQ", "NEQ"):
        target_enum = f.value or ""
        eq: Predicate = lambda raw: bool(raw and target_enum in raw.split(";"))  # noqa: E731
        return eq if op == "EQ" else (lambda raw: not eq(raw))
    target = _convert(kind, f.value)
    if op == "EQ":
        return lambda raw: target is not None and _convert(kind, raw) == target
    if op == "NEQ":
        return lambda raw: _convert(kind, raw) != target
    if op == "BETWEEN":
        high = _convert(kind, f.high)

        def between(raw: str | None) -> bool:
            x = _convert(kind, raw)
            return (
                x is not None and target is not None and high is not None and (target <= x <= high)
            )

        return between
    cmp: dict[str, Callable[[Any, Any], bool]] = {
        "LT": lambda x, t: x < t,
        "LTE": lambda x, t: x <= t,
        "GT": lambda x, t: x > t,
        "GTE": lambda x, t: x >= t,
    }
    fn = cmp[op]

    def compare(raw: str | None) -> bool:
        x = _convert(kind, raw)
        return x is not None and target is not None and type(x) is type(target) and fn(x, target)

    return compare


def _mod_range(table: ObjectTable, filters: list[Filter]) -> tuple[int, int, list[Filter]] | None:
    """(lo_ms, hi_ms, remaining filters) when a group has range filters on the modified prop."""
    lo, hi = -(1 << 62), 1 << 62
    rest = []
    used = False
    for f in filters:
        if f.prop == table.type.modified_prop and f.op in RANGE_OPS:
            v = parse_time(f.value or "")
            h = parse_time(f.high or "") if f.op == "BETWEEN" else v
            if v is None or h is None:
                return None
            used = True
            if f.op in ("EQ", "BETWEEN"):
                lo, hi = max(lo, v), min(hi, h)
            elif f.op == "GT":
                lo = max(lo, v + 1)
            elif f.op == "GTE":
                lo = max(lo, v)
            elif f.op == "LT":
                hi = min(hi, v - 1)
            else:
                hi = min(hi, v)
        else:
            rest.append(f)
    return (lo, hi, rest) if used else None


def _idx_range(table: ObjectTable, filters: list[Filter]) -> tuple[int, int]:
    """Index bounds implied by range filters on ``hs_object_id`` or the created property.

    Creation order is id order, so both map to index ranges (ids by bisect on the table's
    sorted ids). The filters still run on the narrowed candidates.
    """
    lo, hi = 0, len(table.created)
    created = table.created
    for f in filters:
        if f.op not in RANGE_OPS:
            continue
        if f.prop == "hs_object_id":
            try:
                low = float(f.value or "")
                high = float(f.high or "") if f.op == "BETWEEN" else low
            except ValueError:
                continue
            first = table.first_at_or_above(math.ceil(low))
            last = table.first_above(math.floor(high)) - 1
        elif f.prop == table.type.created_prop:
            low_ms = parse_time(f.value or "")
            high_ms = parse_time(f.high or "") if f.op == "BETWEEN" else low_ms
            if low_ms is None or high_ms is None:
                continue
            first = bisect_left(created, low_ms)
            last = bisect_right(created, high_ms) - 1
        else:
            continue
        if f.op in ("EQ", "BETWEEN", "GT", "GTE"):
            lo = max(lo, first)
        if f.op in ("EQ", "BETWEEN", "LT", "LTE"):
            hi = min(hi, last + 1)
    return lo, max(lo, hi)


def execute(
    table: ObjectTable, req: SearchRequest, visible_before_ms: int | None, assoc: AssocResolver
) -> dict[str, Any]:
    """Run a search; ``visible_before_ms`` hides records modified later (index lag)."""
    names = table.select_properties(req.properties)
    mod_prop = table.type.modified_prop
    sort_prop = req.sort_prop
    by_mod = sort_prop == mod_prop
    unfiltered = not any(req.groups) and not req.query
    # Fast paths: sorted by the modified property with no filters or only modified-range
    # filters (the index answers), or no filters at all in creation (= id) order.
    if by_mod and unfiltered:
        return _indexed_page(table, req, -(1 << 62), 1 << 62, visible_before_ms, names)
    if len(req.groups) == 1 and by_mod and not req.query:
        rng = _mod_range(table, req.groups[0])
        if rng is not None and not rng[2]:
            return _indexed_page(table, req, rng[0], rng[1], visible_before_ms, names)
    if unfiltered and sort_prop in (None, table.type.created_prop, "hs_object_id"):
        return _id_order_page(table, req, visible_before_ms, names)
    bounds = _exact_id_bounds(table, req)
    if bounds is not None and visible_before_ms is None:
        return _id_range_page(table, req, bounds, names)
    matched = _match(table, req, visible_before_ms, assoc)
    total = len(matched)
    if sort_prop is None or sort_prop in (table.type.created_prop, "hs_object_id"):
        matched.sort(reverse=req.descending)
    elif by_mod:
        mod = table.modified
        matched.sort(key=lambda i: (mod[i], i), reverse=req.descending)
    else:
        matched = _sort_by_value(table, matched, sort_prop, req.descending)
    end = min(req.after + req.limit, total, MAX_RESULTS)
    page = matched[req.after : end]
    return _body(table, page, names, total, req.after)


def _exact_id_bounds(table: ObjectTable, req: SearchRequest) -> tuple[int, int] | None:
    """[lo, hi) indexes when the one filter group holds only integer ranges on hs_object_id,
    sorted by id (keyset paging); None for any other search."""
    if len(req.groups) != 1 or req.query or req.sort_prop not in (None, "hs_object_id"):
        return None
    lo, hi = 0, len(table.created)
    for f in req.groups[0]:
        if f.prop != "hs_object_id" or f.op not in ("GT", "GTE", "LT", "LTE", "EQ"):
            return None
        if not (f.value or "").isdigit():
            return None
        rid = int(f.value or "")
        if f.op in ("GT", "GTE", "EQ"):
            lo = max(lo, table.first_above(rid) if f.op == "GT" else table.first_at_or_above(rid))
        if f.op in ("LT", "LTE", "EQ"):
            hi = min(hi, table.first_at_or_above(rid) if f.op == "LT" else table.first_above(rid))
    lo = min(max(lo, 0), len(table.created))
    return lo, max(lo, min(hi, len(table.created)))


def _id_range_page(
    table: ObjectTable, req: SearchRequest, bounds: tuple[int, int], names: list[str]
) -> dict[str, Any]:
    """Keyset paging on an id range without index lag: count and walk only what is needed."""
    lo, hi = bounds
    status = table.status
    total = status.count(ACTIVE, lo, hi)
    end = min(req.after + req.limit, total, MAX_RESULTS)
    order = range(hi - 1, lo - 1, -1) if req.descending else range(lo, hi)
    page: list[int] = []
    seen = 0
    for idx in order:
        if seen >= end:
            break
        if status[idx] != ACTIVE:
            continue
        if seen >= req.after:
            page.append(idx)
        seen += 1
    return _body(table, page, names, total, req.after)


def _id_order_page(
    table: ObjectTable, req: SearchRequest, visible_before_ms: int | None, names: list[str]
) -> dict[str, Any]:
    """Unfiltered search in id order: walk at most after+limit visible records."""
    index = table.mod_index  # exactly the active records
    if visible_before_ms is None:
        total = len(index)
    else:
        total = index.bisect_left((visible_before_ms + 1) << 32)
    status, modified = table.status, table.modified
    order = range(len(status) - 1, -1, -1) if req.descending else range(len(status))
    end = min(req.after + req.limit, total, MAX_RESULTS)
    page: list[int] = []
    seen = 0
    for idx in order:
        if seen >= end:
            break
        if status[idx] != ACTIVE or (
            visible_before_ms is not None and modified[idx] > visible_before_ms
        ):
            continue
        if seen >= req.after:
            page.append(idx)
        seen += 1
    return _body(table, page, names, total, req.after)


def _indexed_page(
    table: ObjectTable,
    req: SearchRequest,
    lo: int,
    hi: int,
    visible_before_ms: int | None,
    names: list[str],
) -> dict[str, Any]:
    if visible_before_ms is not None:
        hi = min(hi, visible_before_ms)
    index = table.mod_index
    if lo > hi:
        return {"total": 0, "results": []}
    start = index.bisect_left(lo << 32)
    stop = index.bisect_left((hi + 1) << 32)
    total = stop - start
    end = min(req.after + req.limit, total, MAX_RESULTS)
    if req.after >= end:
        keys: Iterable[int] = []
    elif req.descending:
        keys = index.islice(stop - end, stop - req.after, reverse=True)
    else:
        keys = index.islice(start + req.after, start + end)
    page = [k & 0xFFFFFFFF for k in keys]
    return _body(table, page, names, total, req.after)


def _body(
    table: ObjectTable, page: list[int], names: list[str], total: int, after: int
) -> dict[str, Any]:
    """``{total, results, paging?}``; ``paging.next.after`` is the offset of the next page."""
    body: dict[str, Any] = {"total": total, "results": [table.render(i, names) for i in page]}
    nxt = after + len(page)
    if page and nxt < total:
        body["paging"] = {"next": {"after": str(nxt)}}
    return body


def _match(
    table: ObjectTable, req: SearchRequest, visible_before_ms: int | None, assoc: AssocResolver
) -> list[int]:
    """Indexes of visible records matching any group (and the query)."""
    status, modified = table.status, table.modified
    groups = req.groups or [[]]
    found: set[int] = set()
    for group in groups:
        candidates: Iterable[int]
        rng = _mod_range(table, group)
        filters = group
        if rng is not None:
            lo, hi, filters = rng
            index = table.mod_index
            candidates = [k & 0xFFFFFFFF for k in index.irange(lo << 32, ((hi + 1) << 32) - 1)]
        assoc_sets = [
            assoc(f.prop.split(".", 1)[1], [f.value or ""] if f.op == "EQ" else f.values)
            for f in filters
            if f.prop.startswith("associations.")
        ]
        if rng is None:
            lo_idx, hi_idx = _idx_range(table, filters)
            if assoc_sets:  # associated records are few: start from them
                candidates = sorted(
                    i for i in set.intersection(*assoc_sets) if lo_idx <= i < hi_idx
                )
            else:
                candidates = range(lo_idx, hi_idx)
        preds = [
            (f.prop, compile_filter(table, f))
            for f in filters
            if not f.prop.startswith("associations.")
        ]
        for idx in candidates:
            if status[idx] != ACTIVE or idx in found:
                continue
            if visible_before_ms is not None and modified[idx] > visible_before_ms:
                continue
            if any(idx not in s for s in assoc_sets):
                continue
            if all(p(table.value(idx, prop)) for prop, p in preds):
                found.add(idx)
    if req.query:
        q = req.query.lower()
        props = QUERY_PROPS.get(table.type.name, ())
        found = {i for i in found if any(q in (table.value(i, p) or "").lower() for p in props)}
    return list(found)


def _sort_by_value(table: ObjectTable, idxs: list[int], prop: str, descending: bool) -> list[int]:
    kind = _kind(table, prop)
    present: list[tuple[Any, int]] = []
    missing: list[tuple[Any, int]] = []
    for i in idxs:
        key = _convert(kind, table.value(i, prop))
        (missing if key is None else present).append((key, i))
    present.sort(reverse=descending)
    missing.sort(key=lambda t: t[1])
    return [i for _, i in present] + [i for _, i in missing]
