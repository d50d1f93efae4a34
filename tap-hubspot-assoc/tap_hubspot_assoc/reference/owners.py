"""Owners and their teams: `GET /crm/v3/owners`, active then archived, 500 per page."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from tap_hubspot_assoc.client import HubSpotClient
from tap_hubspot_assoc.errors import HubSpotAuthError
from tap_hubspot_assoc.reference.fields import Item, next_after, results
from tap_hubspot_assoc.reference.kinds import (
    Emitted,
    ReferenceAccessDeniedError,
    ReferenceKind,
    Target,
)

OWNERS_PAGE_SIZE = 500  # HubSpot's maximum `limit` for the owners API


@dataclass(frozen=True)
class OwnerTeam:
    """One team an owner belongs to."""

    team_id: str
    team_name: str | None
    is_primary: bool


@dataclass(frozen=True)
class Owner:
    """One owner (a user or a queue), active or archived (deactivated user)."""

    owner_id: str
    user_id: int | None
    user_id_including_inactive: int | None
    email: str | None
    first_name: str | None
    last_name: str | None
    owner_type: str
    created_at: str | None
    updated_at: str | None
    archived: bool
    teams: tuple[OwnerTeam, ...]

    def record(self) -> dict[str, Any]:
        """The `owners` record."""
        return {
            "owner_id": self.owner_id,
            "user_id": self.user_id,
            "user_id_including_inactive": self.user_id_including_inactive,
            "email": self.email,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "owner_type": self.owner_type,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "archived": self.archived,
        }

    def team_records(self) -> Iterator[dict[str, Any]]:
        """The `owner_teams` records, one per team."""
        for team in self.teams:
            yield {
                "owner_id": self.owner_id,
                "team_id": team.team_id,
                "team_name": team.team_name,
                "is_primary": team.is_primary,
            }


def parse_owner(item: Item, *, archived_listing: bool = False) -> Owner:
    """An owner from one entry of the owners API (`archived_listing`: from `archived=true`)."""
    return Owner(
        owner_id=item.text("id"),
        user_id=item.integer("userId", required=False),
        user_id_including_inactive=item.integer("userIdIncludingInactive", required=False),
        email=item.optional_text("email"),
        first_name=item.optional_text("firstName"),
        last_name=item.optional_text("lastName"),
        owner_type=item.text("type"),
        created_at=item.timestamp("createdAt"),
        updated_at=item.timestamp("updatedAt"),
        archived=item.flag("archived", default=archived_listing) or archived_listing,
        teams=tuple(
            OwnerTeam(
                team_id=team.text("id"),
                team_name=team.optional_text("name"),
                is_primary=team.flag("primary", default=False),
            )
            for team in item.items("teams", required=False)
        ),
    )


class OwnersSource:
    """Every owner: the active listing, then the `archived=true` listing (each paged)."""

    def __init__(self, client: HubSpotClient) -> None:
        self._client = client
        self._first_page: Any = None
        self.requests = 0

    def open(self) -> None:
        """Read the first page of active owners (the scope check); kept for `owners()`."""
        if self._first_page is not None:
            return
        try:
            self._first_page = self._page(archived=False, after=None)
        except HubSpotAuthError as exc:
            if exc.status != 403:
                raise
            scopes = exc.missing_scopes or (ReferenceKind.OWNERS.scope,)
            raise ReferenceAccessDeniedError("owners", scopes, str(exc)) from exc

    def read(self) -> Iterator[Emitted]:
        """Each owner's record, then its teams' records."""
        for owner in self.owners():
            yield Target.MAIN, owner.record()
            for team in owner.team_records():
                yield Target.COMPANION, team

    def owners(self) -> Iterator[Owner]:
        """Active owners, then archived ones; an id listed twice is given once."""
        self.open()
        seen: set[str] = set()
        for archived in (False, True):
            body = self._first_page if not archived else self._page(archived=True, after=None)
            while True:
                for item in results(body, f"GET {self._client.paths.owners}"):
                    owner = parse_owner(item, archived_listing=archived)
                    if owner.owner_id not in seen:
                        seen.add(owner.owner_id)
                        yield owner
                after = next_after(body)
                if after is None:
                    break
                body = self._page(archived=archived, after=after)

    def _page(self, *, archived: bool, after: str | None) -> Any:
        params: dict[str, Any] = {"limit": OWNERS_PAGE_SIZE, "archived": str(archived).lower()}
        if after is not None:
            params["after"] = after
        self.requests += 1
        return self._client.get(self._client.paths.owners, params, kind="owners")
