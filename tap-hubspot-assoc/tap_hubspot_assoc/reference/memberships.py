"""The members of the chosen lists: `GET /crm/v3/lists/{listId}/memberships/join-order`, 250
per page, carrying each membership's timestamp (`added_at`).

Each list is a chain of pages (a page's cursor names the next). Several lists' chains run at
once on the request pool, each at most a few pages ahead; pages are written list by list and
page by page, in the order a one-at-a-time read writes them, so memory stays bounded however
large a list is.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from tap_hubspot_assoc.client import HubSpotClient
from tap_hubspot_assoc.concurrency import RequestPool
from tap_hubspot_assoc.errors import HubSpotAPIError
from tap_hubspot_assoc.reference.fields import Item, ReferenceShapeError, next_after
from tap_hubspot_assoc.reference.kinds import Emitted, Target
from tap_hubspot_assoc.reference.lists import (
    MEMBERS_PAGE_SIZE,
    HubSpotList,
    ListSearch,
    MemberChoice,
    plan_text,
    search_lists,
)

PAGES_AHEAD = 2  # pages a chain may read before the writer reaches them


@dataclass(frozen=True)
class Membership:
    """One record's membership of one list."""

    list_id: str
    record_id: str
    added_at: str | None


@dataclass
class _Page:
    members: list[Membership]
    after: str | None
    gone: bool = False  # the list disappeared (404) between the search and this read


@dataclass
class _Chain:
    hubspot_list: HubSpotList
    after: str | None = None
    finished: bool = False  # no more pages to ask for
    in_flight: Future[_Page] | None = None
    ready: deque[_Page] = field(default_factory=deque)

    @property
    def drained(self) -> bool:
        return self.finished and self.in_flight is None and not self.ready


class MembershipReader:
    """Reads the members of the chosen lists, several lists in flight."""

    def __init__(self, client: HubSpotClient, pool: RequestPool, logger: logging.Logger) -> None:
        self._client = client
        self._pool = pool
        self._logger = logger
        self.requests = 0

    def members(self, chosen: Sequence[HubSpotList]) -> Iterator[Membership]:
        """Every member of every chosen list, list by list, in join order."""
        waiting = deque(_Chain(hl) for hl in chosen)
        active: deque[_Chain] = deque()
        width = max(1, self._pool.size)
        while waiting or active:
            while waiting and len(active) < width:
                active.append(waiting.popleft())
            for chain in active:
                self._collect(chain, block=False)
                self._ask(chain)
            head = active[0]
            if not head.ready and not head.drained:
                self._collect(head, block=True)
                self._ask(head)
            while head.ready:
                yield from head.ready.popleft().members
                self._ask(head)
            if head.drained:
                active.popleft()

    def _ask(self, chain: _Chain) -> None:
        """Send the chain's next page request unless one is out, it is done or far ahead."""
        if chain.finished or chain.in_flight is not None or len(chain.ready) >= PAGES_AHEAD:
            return
        self.requests += 1
        task = partial(self._page, chain.hubspot_list.list_id, chain.after)
        chain.in_flight = self._pool.submit(task)

    def _collect(self, chain: _Chain, *, block: bool) -> None:
        future = chain.in_flight
        if future is None or (not block and not future.done()):
            return
        chain.in_flight = None
        page = future.result()
        if page.after is not None and page.after == chain.after:
            msg = f"list {chain.hubspot_list.list_id}: membership cursor {page.after!r} repeated"
            raise ReferenceShapeError(msg)
        chain.ready.append(page)
        chain.after = page.after
        chain.finished = page.after is None

    def _page(self, list_id: str, after: str | None) -> _Page:
        path = self._client.paths.list_memberships_by_join_order(list_id)
        params: dict[str, Any] = {"limit": MEMBERS_PAGE_SIZE}
        if after is not None:
            params["after"] = after
        try:
            body = self._client.get(path, params, kind="list_memberships")
        except HubSpotAPIError as exc:
            if exc.status != 404:
                raise
            self._logger.warning(
                "list_memberships: list %s was deleted during the run (%s); no members read",
                list_id,
                exc,
            )
            return _Page([], None, gone=True)
        endpoint = f"GET {path}"
        members = [
            Membership(list_id, item.text("recordId"), item.timestamp("membershipTimestamp"))
            for item in Item(body, endpoint).items("results")
        ]
        return _Page(members, next_after(body))


class ListsSource:
    """Every list, then the members of the chosen ones (`list_members`)."""

    def __init__(
        self,
        client: HubSpotClient,
        pool: RequestPool,
        choice: MemberChoice,
        stream_by_type_id: Mapping[str, str],
        logger: logging.Logger,
    ) -> None:
        self._client = client
        self._choice = choice
        self._streams = dict(stream_by_type_id)
        self._logger = logger
        self._reader = MembershipReader(client, pool, logger)
        self._search: ListSearch | None = None
        self._chosen: list[HubSpotList] = []
        self._search_requests = 0

    @property
    def requests(self) -> int:
        return self._search_requests + self._reader.requests

    def open(self) -> None:
        """Search every list (the scope check), choose the lists whose members are read and
        print them with the requests they will cost."""
        if self._search is not None:
            return
        self._search = search_lists(self._client)
        self._search_requests = self._search.requests
        self._chosen = self._choice.select(self._search.lists)
        self._logger.info(
            "lists: %d lists found in %d search requests%s",
            len(self._search.lists),
            self._search.requests,
            f" ({self._search.deleted} deleted lists left out)" if self._search.deleted else "",
        )
        if self._choice.none:
            self._logger.info("list_members: none (set list_members to list ids, names or all)")
        else:
            self._logger.info(plan_text(self._chosen, len(self._search.lists)))

    def read(self) -> Iterator[Emitted]:
        """Every list's record, then every member of the chosen lists."""
        self.open()
        assert self._search is not None
        chosen = {hl.list_id for hl in self._chosen}
        for hubspot_list in self._search.lists:
            object_type = self._streams.get(hubspot_list.object_type_id)
            record = hubspot_list.record(object_type, members_synced=hubspot_list.list_id in chosen)
            yield Target.MAIN, record
        type_of = {hl.list_id: hl.object_type_id for hl in self._chosen}
        for member in self._reader.members(self._chosen):
            type_id = type_of[member.list_id]
            yield (
                Target.COMPANION,
                {
                    "list_id": member.list_id,
                    "record_id": member.record_id,
                    "object_type": self._streams.get(type_id, type_id),
                    "added_at": member.added_at,
                },
            )
