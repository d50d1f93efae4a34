"""The portal's owners and teams: generated from the fixed owner ids, changed by the admin API.

An owner who left keeps its id (records still carry it) and is listed only with
``archived=true``: ``archived: true``, ``userId`` null, ``userIdIncludingInactive`` set.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .catalog.pools import DOMAINS, FIRST_NAMES, LAST_NAMES
from .catalog.refids import OWNER_SEEDS, TEAMS
from .util import iso, mix, salt


class OwnerType(StrEnum):
    """HubSpot's owner types."""

    PERSON = "PERSON"
    QUEUE = "QUEUE"


class OwnerError(ValueError):
    """A bad admin change of owners or teams."""


@dataclass
class Owner:
    """One owner; ``teams`` holds team ids with the primary team first."""

    owner_id: int
    user_id: int | None
    owner_type: OwnerType
    first_name: str | None
    last_name: str | None
    email: str | None
    created_ms: int
    updated_ms: int
    archived: bool = False
    teams: list[str] = field(default_factory=list)

    def to_api(self, team_names: dict[str, str]) -> dict[str, Any]:
        """HubSpot's ``PublicOwner``."""
        out: dict[str, Any] = {
            "id": str(self.owner_id),
            "email": self.email,
            "type": self.owner_type.value,
            "firstName": self.first_name,
            "lastName": self.last_name,
            "userId": None if self.archived else self.user_id,
            "userIdIncludingInactive": self.user_id,
            "createdAt": iso(self.created_ms),
            "updatedAt": iso(self.updated_ms),
            "archived": self.archived,
        }
        if self.teams:
            out["teams"] = [
                {"id": t, "name": team_names[t], "primary": i == 0}
                for i, t in enumerate(self.teams)
            ]
        return out


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


class OwnerDirectory:
    """Owners by id (ascending id = listing order) and team names by id."""

    def __init__(self, seed: int) -> None:
        self.teams: dict[str, str] = dict(TEAMS)
        self.owners: dict[int, Owner] = {}
        s = salt(seed, "owners")
        for o in OWNER_SEEDS:
            h = mix(s ^ o.owner_id)
            if o.queue:
                first, last, email = "Support", "Queue", None
            else:
                first = FIRST_NAMES[h % len(FIRST_NAMES)]
                last = LAST_NAMES[(h >> 16) % len(LAST_NAMES)]
                local = f"{_ascii(first) or 'owner'}.{_ascii(last) or 'x'}"
                email = f"{local}{o.owner_id % 1000}@{DOMAINS[(h >> 32) % 2]}"
            updated = o.left_ms if o.left_ms is not None else o.created_ms + (h >> 20) % 86_400_000
            self.owners[o.owner_id] = Owner(
                o.owner_id,
                o.user_id,
                OwnerType.QUEUE if o.queue else OwnerType.PERSON,
                first,
                last,
                email,
                o.created_ms,
                updated,
                archived=o.left_ms is not None,
                teams=[] if o.left_ms is not None else list(o.teams),
            )

    # ------------------------------------------------------------------ reads
    def listing(self, archived: bool, email: str | None = None) -> list[Owner]:
        """Active (or, with ``archived``, only archived) owners in id order."""
        return [
            o
            for _, o in sorted(self.owners.items())
            if o.archived == archived and (email is None or o.email == email)
        ]

    def find(self, key: int, by_user_id: bool, archived: bool) -> Owner | None:
        """An owner by owner id or user id, with the given archived state."""
        for o in self.owners.values():
            if (o.user_id if by_user_id else o.owner_id) == key and o.archived == archived:
                return o
        return None

    def to_api(self, owner: Owner) -> dict[str, Any]:
        """The owner's API JSON."""
        return owner.to_api(self.teams)

    def dump(self) -> dict[str, Any]:
        """Ground truth: every owner (active and archived) and every team."""
        return {
            "owners": [self.to_api(o) for _, o in sorted(self.owners.items())],
            "teams": [{"id": k, "name": v} for k, v in sorted(self.teams.items())],
        }

    # ------------------------------------------------------------------ admin changes
    def _get(self, owner_id: Any) -> Owner:
        owner = self.owners.get(int(owner_id))
        if owner is None:
            raise OwnerError(f"unknown owner {owner_id}")
        return owner

    def add(self, body: dict[str, Any], now: int) -> Owner:
        """A new owner: ``{id?, userId?, email, firstName, lastName, type?, teams?}``."""
        owner_id = int(body.get("id") or max(self.owners) + 1)
        if owner_id in self.owners:
            raise OwnerError(f"owner {owner_id} exists")
        owner_type = OwnerType(body.get("type", OwnerType.PERSON.value))
        user_id = body.get("userId")
        if user_id is None and owner_type is OwnerType.PERSON:
            user_id = max((o.user_id or 0) for o in self.owners.values()) + 1
        owner = Owner(
            owner_id,
            None if user_id is None else int(user_id),
            owner_type,
            body.get("firstName"),
            body.get("lastName"),
            body.get("email"),
            now,
            now,
        )
        self.owners[owner_id] = owner
        for team_id in body.get("teams") or []:
            self.set_team(owner_id, str(team_id), True, False, now)
        return owner

    def update(self, owner_id: Any, body: dict[str, Any], now: int) -> Owner:
        """Rename / re-address: ``{firstName?, lastName?, email?}``."""
        owner = self._get(owner_id)
        for key, attr in (
            ("firstName", "first_name"),
            ("lastName", "last_name"),
            ("email", "email"),
        ):
            if key in body:
                setattr(owner, attr, body[key])
        owner.updated_ms = now
        return owner

    def archive(self, owner_id: Any, now: int) -> Owner:
        """The owner leaves: archived, no longer in teams, ``userId`` null."""
        owner = self._get(owner_id)
        owner.archived = True
        owner.teams = []
        owner.updated_ms = now
        return owner

    def remove(self, owner_id: Any) -> None:
        """Gone from both listings (records keep carrying the id)."""
        self.owners.pop(self._get(owner_id).owner_id)

    def set_team(self, owner_id: Any, team_id: str, add: bool, primary: bool, now: int) -> Owner:
        """Add (optionally as primary) or remove a team membership; unknown teams are created
        only through ``add_team``."""
        owner = self._get(owner_id)
        if team_id not in self.teams:
            raise OwnerError(f"unknown team {team_id}")
        if team_id in owner.teams:
            owner.teams.remove(team_id)
        if add:
            owner.teams.insert(0 if primary or not owner.teams else len(owner.teams), team_id)
        owner.updated_ms = now
        return owner

    def add_team(self, team_id: str, name: str) -> None:
        """Create or rename a team (its members show the new name)."""
        self.teams[team_id] = name

    def remove_team(self, team_id: str, now: int) -> None:
        """Delete a team and every membership in it."""
        if self.teams.pop(team_id, None) is None:
            raise OwnerError(f"unknown team {team_id}")
        for owner in self.owners.values():
            if team_id in owner.teams:
                owner.teams.remove(team_id)
                owner.updated_ms = now
