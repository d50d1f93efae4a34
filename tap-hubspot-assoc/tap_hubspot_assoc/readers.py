"""Reading one object type: list pages, batch reads and windowed keyset search."""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from tap_hubspot_assoc.answers import (
    AnswerShapeError,
    CrmObject,
    ObjectPage,
    object_batch,
    object_page,
)
from tap_hubspot_assoc.chunking import (
    LIST_URL_LIMIT,
    SEARCH_BODY_LIMIT,
    chunk_for_query,
    json_length,
)
from tap_hubspot_assoc.client import HubSpotClient
from tap_hubspot_assoc.concurrency import RequestPool
from tap_hubspot_assoc.errors import HubSpotAPIError
from tap_hubspot_assoc.keyset_search import (
    ID_PROPERTY,
    SEARCH_PAGE_SIZE,
    keyset_properties,
    last_keyset_id,
)
from tap_hubspot_assoc.object_types import CrmObjectType
from tap_hubspot_assoc.properties import PropertyDef, parse_datetime

LIST_PAGE_SIZE = 100
BATCH_READ_SIZE = 100
# A list page whose properties need more URL chunks than this is read as ids + batch read.
WIDE_LIST_CHUNKS = 2


@dataclass(frozen=True)
class Window:
    """A closed interval of last-modified times, both ends included."""

    start: dt.datetime
    end: dt.datetime

    @property
    def start_ms(self) -> int:
        return _epoch_ms(self.start)

    @property
    def end_ms(self) -> int:
        return _epoch_ms(self.end)

    def contains(self, value: dt.datetime) -> bool:
        return self.start_ms <= _epoch_ms(value) <= self.end_ms


@dataclass
class BatchReadResult:
    """Objects found by a batch read, and the requested ids HubSpot did not find."""

    objects: list[CrmObject]
    missing_ids: list[str]


class ObjectReader:
    """All reads of one object type, with its property definitions."""

    def __init__(
        self,
        client: HubSpotClient,
        object_type: CrmObjectType,
        properties: Sequence[PropertyDef],
        logger: logging.Logger,
        pool: RequestPool | None = None,
    ) -> None:
        self.client = client
        self.pool = pool or RequestPool(1)
        self.object_type = object_type.name
        self.path_ref = object_type.path_ref
        self.property_names = [prop.name for prop in properties]
        self.modified_property = object_type.modified_property
        self._logger = logger
        self.search_properties = self._search_properties()
        self.window_violations = 0
        # The list cursor after the last page handed out (None once the listing is complete).
        self.list_cursor: str | None = None
        self._id_cursor: str | None = None
        # HubSpot's count of live records, from this run's first unfiltered probe: the
        # planner's and the parity check's question, asked once per type per run.
        self._live_count: tuple[int | None, str] | None = None  # (total, endpoint)

    # -- list (full reads and archived records) -----------------------------------------

    def list_pages(
        self, *, archived: bool = False, after: str | None = None
    ) -> Iterator[list[CrmObject]]:
        """Every page of GET /crm/v3/objects/{type}, 100 per page, all properties included.

        Properties go in the query string in chunks that keep the URL under LIST_URL_LIMIT.
        With up to two chunks a page costs that many requests (merged by id); a wider type
        lists ids only and batch-reads each page (properties in the POST body), two requests
        per 100 records however many properties it has. `after`: the cursor to start from
        (a full read going on from an earlier run).
        """
        chunks = self._list_property_chunks(archived=archived)
        if len(chunks) > WIDE_LIST_CHUNKS:
            yield from self._wide_list_pages(archived=archived, after=after)
            return
        while True:
            objects, after = self._list_page(chunks, after=after, archived=archived)
            self.list_cursor = after
            if objects:
                yield objects
            if not after:
                return

    def list_requests_per_page(self) -> int:
        """Requests one list page of 100 costs: URL chunks, or 2 (ids + batch read) if wide."""
        chunks = len(self._list_property_chunks(archived=False))
        return chunks if chunks <= WIDE_LIST_CHUNKS else 2

    def list_ids(self) -> Iterator[list[str]]:
        """Ids of every active record: list pages of 100 asking only for hs_object_id."""
        return self._id_pages(archived=False, kind="list_ids")

    def _id_pages(
        self, *, archived: bool, kind: str, after: str | None = None
    ) -> Iterator[list[str]]:
        while True:
            objects, after = self._list_page(
                [[ID_PROPERTY]], after=after, archived=archived, kind=kind
            )
            self._id_cursor = after
            if objects:
                yield [str(obj["id"]) for obj in objects]
            if not after:
                return

    def _wide_list_pages(
        self, *, archived: bool, after: str | None = None
    ) -> Iterator[list[CrmObject]]:
        """List ids, batch-read their properties; ids gone in between are left out."""
        for ids in self._id_pages(archived=archived, kind="list", after=after):
            self.list_cursor = self._id_cursor
            found = self.batch_read(ids, archived=archived)
            by_id = {str(obj["id"]): obj for obj in found.objects}
            page = [by_id[i] for i in ids if i in by_id]
            if page:
                yield page

    def _list_property_chunks(self, *, archived: bool) -> list[list[str]]:
        base = self.client.api_url + self.client.paths.objects(self.path_ref)
        fixed = len(base) + len(f"?limit={LIST_PAGE_SIZE}&archived={str(archived).lower()}")
        fixed += len("&after=") + 24 + len("&properties=")
        return chunk_for_query(self.property_names, max(LIST_URL_LIMIT - fixed, 200))

    def _list_page(
        self, chunks: list[list[str]], *, after: str | None, archived: bool, kind: str = "list"
    ) -> tuple[list[CrmObject], str | None]:
        merged: dict[str, CrmObject] = {}
        next_after: str | None = None
        for index, chunk in enumerate(chunks):
            params: dict[str, Any] = {
                "limit": LIST_PAGE_SIZE,
                "archived": str(archived).lower(),
                "properties": ",".join(chunk),
            }
            if after:
                params["after"] = after
            path = self.client.paths.objects(self.path_ref)
            page = object_page(self.client.get(path, params, kind=kind), f"GET {path}")
            if index == 0:
                next_after = page.after
                merged = {obj["id"]: obj for obj in page.objects}
                continue
            self._merge_chunk(merged, page.objects)
        return list(merged.values()), next_after

    def _merge_chunk(self, merged: dict[str, CrmObject], results: list[CrmObject]) -> None:
        """Add one property chunk; drop ids not present in every chunk (changed in between)."""
        seen = set()
        for obj in results:
            key = str(obj["id"])
            if key in merged:
                merged[key].setdefault("properties", {}).update(obj.get("properties") or {})
                seen.add(key)
        for key in set(merged) - seen:
            del merged[key]

    # -- batch read --------------------------------------------------------------------------

    def batch_read(self, ids: Sequence[str], *, archived: bool = False) -> BatchReadResult:
        """POST batch/read in calls of at most 100 ids; all properties travel in the body."""
        found: list[CrmObject] = []
        missing: list[str] = []
        path = self.client.paths.batch_read(self.path_ref)
        for start in range(0, len(ids), BATCH_READ_SIZE):
            chunk = [str(i) for i in ids[start : start + BATCH_READ_SIZE]]
            body = self.client.post(
                path + f"?archived={str(archived).lower()}",
                {
                    "inputs": [{"id": i} for i in chunk],
                    "properties": self.property_names,
                    "propertiesWithHistory": [],
                },
                kind="batch_read",
            )
            batch = object_batch(body, f"POST {path}")
            found += batch.objects
            missing += batch.missing_ids
        return BatchReadResult(found, missing)

    # -- windowed keyset search -------------------------------------------------------

    def search_window(self, window: Window, *, after_id: int | None) -> Iterator[list[CrmObject]]:
        """Pages of objects modified inside `window`, ordered by id, starting after `after_id`.

        Each request is a fresh query (hs_object_id > last id, sorted ascending), never the
        offset cursor, so the 10,000-result cap, ties on one timestamp and records edited
        mid-sync cannot cause gaps or loops. The next search is in flight while a page's
        batch reads (several at once) and its records are handled; pages come out in order.
        """
        last_id = after_id
        upcoming = self.pool.submit(functools.partial(self._search, window, last_id))
        while True:
            page = upcoming.result()
            results = page.objects
            if not results:
                return
            last_id = self._check_keyset(results, window, last_id)
            total = page.total
            more = len(results) == SEARCH_PAGE_SIZE and not (
                isinstance(total, int) and total <= len(results)
            )
            if more:
                upcoming = self.pool.submit(functools.partial(self._search, window, last_id))
            yield self._complete_properties(results)
            if not more:
                return

    def _search(self, window: Window, after_id: int | None) -> ObjectPage:
        """One search request; a 400 to an all-properties body switches to id-only searches."""
        try:
            path = self.client.paths.search(self.path_ref)
            body = self._search_body(window, after_id)
            answer = self.client.post(path, body, kind="search", search=True)
            return object_page(answer, f"POST {path}")
        except HubSpotAPIError as exc:
            if exc.status != 400 or self.search_properties != self.property_names:
                raise
            self._logger.warning(
                "%s search with all %d properties in the body was refused (%s); reading "
                "properties through batch/read from now on",
                self.object_type,
                len(self.property_names),
                exc,
            )
            self.search_properties = self._id_only_properties()
            return self._search(window, after_id)

    def _id_only_properties(self) -> list[str]:
        return [ID_PROPERTY, self.modified_property]

    # -- one-result probes (counts and the highest id) ------------------------------------

    def probe(
        self, filters: list[dict[str, Any]], *, highest_first: bool = False
    ) -> tuple[int, int | None]:
        """One search of limit 1: HubSpot's count of live records matching `filters` (ANDed),
        and the id of the first result (the highest id with `highest_first`)."""
        body: dict[str, Any] = {
            "filterGroups": [{"filters": filters}] if filters else [],
            "properties": [ID_PROPERTY],
            "limit": 1,
        }
        if highest_first:
            body["sorts"] = [{"propertyName": ID_PROPERTY, "direction": "DESCENDING"}]
        path = self.client.paths.search(self.path_ref)
        answer = self.client.post(path, body, kind="search", search=True)
        page = object_page(answer, f"POST {path}")
        first = int(page.objects[0]["id"]) if page.objects else None
        if not filters:
            self._live_count = (page.total, f"POST {path}")
        return page.total or 0, first

    def live_count(self) -> int:
        """HubSpot's count of live records of the type: this run's unfiltered probe when one
        was made (the read planner's), else one search of limit 1 now."""
        if self._live_count is None:
            self.probe([], highest_first=True)
        assert self._live_count is not None
        total, endpoint = self._live_count
        if total is None:
            raise AnswerShapeError(f"{endpoint}: the search answer has no `total`")
        return total

    def modified_filters(self, window: Window) -> list[dict[str, Any]]:
        """Search filters for records modified inside `window`."""
        prop = self.modified_property
        return [
            {"propertyName": prop, "operator": "GTE", "value": str(window.start_ms)},
            {"propertyName": prop, "operator": "LTE", "value": str(window.end_ms)},
        ]

    def keyset_search_properties(self) -> list[str]:
        """The properties an id-range search body can carry (keyset_search.py)."""
        return keyset_properties(self.property_names)

    def search_carries_properties(self) -> bool:
        """Whether a search body can ask for every property (else ids + batch reads)."""
        return self.keyset_search_properties() == self.property_names

    def _search_body(self, window: Window, after_id: int | None) -> dict[str, Any]:
        filters = self.modified_filters(window)
        if after_id is not None:
            filters.append({"propertyName": ID_PROPERTY, "operator": "GT", "value": str(after_id)})
        return {
            "filterGroups": [{"filters": filters}],
            "sorts": [{"propertyName": ID_PROPERTY, "direction": "ASCENDING"}],
            "properties": self.search_properties,
            "limit": SEARCH_PAGE_SIZE,
        }

    def _search_properties(self) -> list[str]:
        """All properties if the largest possible search body stays under SEARCH_BODY_LIMIT.

        Otherwise (or after HubSpot refuses a long body with a 400) only the id and modified
        date: the page's ids are then batch-read (POST, properties in the body), which costs
        1 search + 2 batch reads per 200 records.
        """
        self.search_properties = self.property_names
        widest = Window(_EPOCH, dt.datetime(2999, 12, 31, tzinfo=dt.UTC))
        if json_length(self._search_body(widest, 10**19)) <= SEARCH_BODY_LIMIT:
            return self.property_names
        return self._id_only_properties()

    def _complete_properties(self, results: list[CrmObject]) -> list[CrmObject]:
        """When the search body could not carry every property, batch-read the page's ids."""
        if self.search_properties == self.property_names:
            return results
        ids = [str(obj["id"]) for obj in results]
        chunks = [ids[i : i + BATCH_READ_SIZE] for i in range(0, len(ids), BATCH_READ_SIZE)]
        reads = [self.pool.submit(functools.partial(self.batch_read, chunk)) for chunk in chunks]
        by_id = {str(obj["id"]): obj for read in reads for obj in read.result().objects}
        # Ids missing now were archived since the search; the archived listing reports them.
        return [by_id[str(obj["id"])] for obj in results if str(obj["id"]) in by_id]

    def _check_keyset(self, results: list[CrmObject], window: Window, last_id: int | None) -> int:
        """The page's last id (ids must increase); counts results outside the window."""
        for obj in results:
            modified = parse_datetime((obj.get("properties") or {}).get(self.modified_property))
            if modified is not None and not window.contains(modified):
                self.window_violations += 1
        return last_keyset_id(results, last_id, self.object_type)


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _epoch_ms(value: dt.datetime) -> int:
    return int(value.timestamp() * 1000)
