"""The reference kinds, the `reference_data` setting that chooses them, and their errors."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from singer_sdk import typing as th

from tap_hubspot_assoc.association.pairs import AssociationConfigError
from tap_hubspot_assoc.portal_types import configured_list


class ReferenceKind(enum.StrEnum):
    """One kind of reference data: a pair of streams read together."""

    OWNERS = "owners"
    PIPELINES = "pipelines"
    PROPERTIES = "properties"
    LISTS = "lists"

    @property
    def streams(self) -> tuple[str, str]:
        """The kind's stream and its companion stream."""
        return _STREAMS[self]

    @property
    def scope(self) -> str:
        """The scope HubSpot asks for (pipelines and properties: per object type)."""
        return _SCOPES[self]


_STREAMS = {
    ReferenceKind.OWNERS: ("owners", "owner_teams"),
    ReferenceKind.PIPELINES: ("pipelines", "pipeline_stages"),
    ReferenceKind.PROPERTIES: ("properties", "property_options"),
    ReferenceKind.LISTS: ("lists", "list_memberships"),
}
_SCOPES = {
    ReferenceKind.OWNERS: "crm.objects.owners.read",
    ReferenceKind.PIPELINES: "the object type's read scope",
    ReferenceKind.PROPERTIES: "the object type's schema scope",
    ReferenceKind.LISTS: "crm.lists.read",
}
ALL = "all"


class Target(enum.Enum):
    """Which stream of a kind's pair a record goes to."""

    MAIN = "main"  # owners, pipelines, properties, lists
    COMPANION = "companion"  # owner_teams, pipeline_stages, property_options, list_memberships


Emitted = tuple[Target, dict[str, Any]]


class ReferenceSettingsError(ValueError):
    """`reference_data` or `list_members` is not what the tap understands."""


class ReferenceUnavailableError(Exception):
    """A reference kind the user asked for explicitly cannot be read with this token."""


@dataclass(frozen=True)
class KindChoice:
    """The kinds a run reads, and whether the user named them (explicit) or said `all`."""

    kinds: tuple[ReferenceKind, ...]
    explicit: bool

    def __contains__(self, kind: object) -> bool:
        return kind in self.kinds


def choose_kinds(value: Any) -> KindChoice:
    """`reference_data`: `all` (default), or a list of kind names (`[]` reads none).

    A kind may also be named by either of its streams (`owner_teams` reads owners). JSON and
    comma-separated text are accepted too (how Meltano passes an environment variable).
    """
    try:
        names = configured_list(ALL if value is None else value, "reference_data")
    except AssociationConfigError as exc:
        raise ReferenceSettingsError(str(exc)) from None
    if names is None:
        return KindChoice(tuple(ReferenceKind), explicit=False)
    return KindChoice(_kinds(names), explicit=True)


def _kinds(names: Sequence[Any]) -> tuple[ReferenceKind, ...]:
    found: list[ReferenceKind] = []
    for name in names:
        text = str(name).strip().lower()
        kind = next((k for k in ReferenceKind if text == k.value or text in k.streams), None)
        if kind is None:
            allowed = ", ".join(k.value for k in ReferenceKind)
            msg = f"reference_data: unknown kind {name!r} (use {ALL!r} or a list of {allowed})"
            raise ReferenceSettingsError(msg)
        if kind not in found:
            found.append(kind)
    return tuple(found)


class ReferenceAccessDeniedError(Exception):
    """HubSpot refused (403) the first read of a reference kind: `what` needs `scope`."""

    def __init__(self, what: str, scopes: Sequence[str], detail: str) -> None:
        self.what = what
        self.scopes = tuple(scopes)
        self.detail = detail
        super().__init__(f"{what} cannot be read: the token lacks {self.scope_text} ({detail})")

    @property
    def scope_text(self) -> str:
        return ("scope " if len(self.scopes) == 1 else "scopes ") + ", ".join(self.scopes)


# The settings of reference data (part of the tap's settings schema, tap.py).
REFERENCE_SETTINGS = (
    th.Property(
        "reference_data",
        th.CustomType(  # null first: singer-sdk appends a bare "null" that breaks validation
            {
                "anyOf": [
                    {"type": "null"},
                    {"type": "array", "items": {"type": "string"}},
                    {"type": "string"},
                ]
            }
        ),
        default="all",
        description="Reference streams read whole on every run, each closed by "
        'ACTIVATE_VERSION: "all", or a list of owners (owners, owner_teams), pipelines '
        "(pipelines, pipeline_stages of every synced type with pipelines, deleted stages from "
        "the audit log), properties (properties, property_options of every synced type, "
        "archived included) and lists (lists, list_memberships); [] reads none. With all, a "
        "kind the token cannot read is skipped with one warning naming the scope; a kind "
        "listed explicitly fails the run before any read.",
    ),
    th.Property(
        "list_members",
        th.CustomType(  # null first: singer-sdk appends a bare "null" that breaks validation
            {
                "anyOf": [
                    {"type": "null"},
                    {"type": "array", "items": {"type": "string"}},
                    {"type": "string"},
                ]
            }
        ),
        description="Lists whose members are synced into list_memberships (complete set per "
        'list): list ids or list names, or "all". Default: none (the lists stream still '
        "lists every list). The run prints the chosen lists and the requests they cost "
        "(one per 250 members) before reading; an id or name matching no list fails the run.",
    ),
)
