"""Lists (`POST /crm/v3/lists/search`, 500 per page) and the choice of the lists whose members
are synced (`list_members`: ids, names or `all`; none by default)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tap_hubspot_assoc.association.pairs import AssociationConfigError
from tap_hubspot_assoc.client import HubSpotClient
from tap_hubspot_assoc.errors import HubSpotAuthError
from tap_hubspot_assoc.portal_types import configured_list
from tap_hubspot_assoc.reference.fields import Item, ReferenceShapeError
from tap_hubspot_assoc.reference.kinds import (
    ReferenceAccessDeniedError,
    ReferenceKind,
    ReferenceSettingsError,
)

SEARCH_PAGE_SIZE = 500  # HubSpot's maximum `count` for the lists search
MEMBERS_PAGE_SIZE = 250  # HubSpot's maximum `limit` for the membership listings
SIZE_PROPERTY = "hs_list_size"


@dataclass(frozen=True)
class HubSpotList:
    """One list (a segment) of records of one object type."""

    list_id: str
    name: str
    object_type_id: str
    processing_type: str
    processing_status: str | None
    list_version: int | None
    size: int | None
    created_at: str | None
    updated_at: str | None
    filters_updated_at: str | None

    @property
    def member_requests(self) -> int:
        """Membership pages needed (an empty or unsized list still costs one)."""
        return max(1, math.ceil((self.size or 0) / MEMBERS_PAGE_SIZE))

    def describe(self) -> str:
        size = "size unknown" if self.size is None else f"{self.size:,} members"
        return f"{self.list_id} '{self.name}' ({self.processing_type}, {size})"

    def record(self, object_type: str | None, *, members_synced: bool) -> dict[str, Any]:
        """The `lists` record (`object_type`: the stream name when that type is synced)."""
        return {
            "list_id": self.list_id,
            "name": self.name,
            "object_type_id": self.object_type_id,
            "object_type": object_type,
            "processing_type": self.processing_type,
            "processing_status": self.processing_status,
            "list_version": self.list_version,
            "size": self.size,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "filters_updated_at": self.filters_updated_at,
            "members_synced": members_synced,
        }


def parse_list(item: Item) -> HubSpotList:
    """A list from one search result."""
    extra = item.mapping("additionalProperties", required=False)
    size = Item(extra, item.endpoint).integer(SIZE_PROPERTY, required=False)
    return HubSpotList(
        list_id=item.text("listId"),
        name=item.text("name"),
        object_type_id=item.text("objectTypeId"),
        processing_type=item.text("processingType"),
        processing_status=item.optional_text("processingStatus"),
        list_version=item.integer("listVersion", required=False),
        size=size,
        created_at=item.timestamp("createdAt", required=False),
        updated_at=item.timestamp("updatedAt", required=False),
        filters_updated_at=item.timestamp("filtersUpdatedAt", required=False),
    )


@dataclass
class ListSearch:
    """Every list of the account, read page by page."""

    lists: list[HubSpotList]
    requests: int
    deleted: int  # results carrying `deletedAt`, left out


def search_lists(client: HubSpotClient) -> ListSearch:
    """Page through the lists search (offset paging); a list seen twice is kept once."""
    found: dict[str, HubSpotList] = {}
    offset, requests, deleted = 0, 0, 0
    endpoint = f"POST {client.paths.lists_search}"
    while True:
        body = {"offset": offset, "count": SEARCH_PAGE_SIZE, "additionalProperties": []}
        try:
            answer = client.post(client.paths.lists_search, body, kind="lists")
        except HubSpotAuthError as exc:
            if exc.status != 403:
                raise
            scopes = exc.missing_scopes or (ReferenceKind.LISTS.scope,)
            raise ReferenceAccessDeniedError("lists", scopes, str(exc)) from exc
        requests += 1
        page = Item(answer, endpoint)
        for item in page.items("lists"):
            if item.raw.get("deletedAt"):
                deleted += 1
                continue
            hubspot_list = parse_list(item)
            found.setdefault(hubspot_list.list_id, hubspot_list)
        next_offset = page.integer("offset", required=False)
        if not page.flag("hasMore", default=False) or next_offset is None:
            break
        if next_offset <= offset:
            msg = f"{endpoint}: offset did not advance ({offset} -> {next_offset})"
            raise ReferenceShapeError(msg)
        offset = next_offset
    ordered = sorted(found.values(), key=lambda hl: _id_key(hl.list_id))
    return ListSearch(ordered, requests, deleted)


@dataclass(frozen=True)
class MemberChoice:
    """`list_members`: every list (`all`), or the lists named by id or name."""

    every: bool
    wanted: tuple[str, ...]

    @property
    def none(self) -> bool:
        return not self.every and not self.wanted

    def select(self, lists: Sequence[HubSpotList]) -> list[HubSpotList]:
        """The chosen lists; an id or name matching no list is an error."""
        if self.every:
            return list(lists)
        by_id = {hl.list_id: hl for hl in lists}
        chosen: dict[str, HubSpotList] = {}
        unknown = []
        for wanted in self.wanted:
            matches = _matches(wanted, lists, by_id)
            if not matches:
                unknown.append(wanted)
            for hubspot_list in matches:
                chosen.setdefault(hubspot_list.list_id, hubspot_list)
        if unknown:
            msg = (
                f"list_members: no list has the id or name {', '.join(map(repr, unknown))} "
                f"(searched {len(lists):,} lists)"
            )
            raise ReferenceSettingsError(msg)
        return sorted(chosen.values(), key=lambda hl: _id_key(hl.list_id))


def choose_members(value: Any) -> MemberChoice:
    """Parse `list_members` (default: no list's members)."""
    if value is None:
        return MemberChoice(every=False, wanted=())
    try:
        entries = configured_list(value, "list_members")
    except AssociationConfigError as exc:
        raise ReferenceSettingsError(str(exc)) from None
    if entries is None:
        return MemberChoice(every=True, wanted=())
    wanted = tuple(dict.fromkeys(str(e).strip() for e in entries if str(e).strip()))
    return MemberChoice(every=False, wanted=wanted)


def plan_text(chosen: Sequence[HubSpotList], total: int, shown: int = 20) -> str:
    """The log line naming the chosen lists and what reading their members will cost."""
    requests = sum(hl.member_requests for hl in chosen)
    members = sum(hl.size or 0 for hl in chosen)
    names = "; ".join(hl.describe() for hl in chosen[:shown])
    more = f"; and {len(chosen) - shown:,} more" if len(chosen) > shown else ""
    return (
        f"list_members: {len(chosen):,} of {total:,} lists selected, {members:,} members, "
        f"{requests:,} membership requests ({MEMBERS_PAGE_SIZE} per page): {names or 'none'}"
        f"{more}"
    )


def _matches(
    wanted: str, lists: Iterable[HubSpotList], by_id: Mapping[str, HubSpotList]
) -> list[HubSpotList]:
    if wanted in by_id:
        return [by_id[wanted]]
    exact = [hl for hl in lists if hl.name == wanted]
    return exact or [hl for hl in lists if hl.name.casefold() == wanted.casefold()]


def _id_key(list_id: str) -> tuple[int, int, str]:
    return (0, int(list_id), "") if list_id.isdigit() else (1, 0, list_id)
