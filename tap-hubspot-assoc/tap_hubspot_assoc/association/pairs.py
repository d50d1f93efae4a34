"""Association pairs and directions: type names, stream names, fallback type ids."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tap_hubspot_assoc.object_types import CrmObjectType, standard_type

DEFAULT_PAIRS: list[dict[str, str]] = [{"from": "meetings", "to": "contacts"}]

# HubSpot's default (HUBSPOT_DEFINED) type ids per direction, used only when label discovery
# fails (hubspot-api.md §4; reverse ids are looked up, never computed).
DEFAULT_FALLBACK_TYPE_IDS: dict[str, list[int]] = {
    "meetings_to_contacts": [200],
    "contacts_to_meetings": [199],
    "appointments_to_contacts": [906],
    "contacts_to_appointments": [907],
    "contacts_to_companies": [279, 1],
    "companies_to_contacts": [280, 2],
    "contacts_to_deals": [4],
    "deals_to_contacts": [3],
    "contacts_to_tickets": [15],
    "tickets_to_contacts": [16],
    "contacts_to_calls": [193],
    "calls_to_contacts": [194],
    "contacts_to_emails": [197],
    "emails_to_contacts": [198],
    "contacts_to_notes": [201],
    "notes_to_contacts": [202],
    "contacts_to_tasks": [203],
    "tasks_to_contacts": [204],
    "companies_to_deals": [342, 6],
    "deals_to_companies": [341, 5],
    "companies_to_tickets": [340, 25],
    "tickets_to_companies": [339, 26],
    "companies_to_meetings": [187],
    "meetings_to_companies": [188],
    "companies_to_appointments": [909],
    "appointments_to_companies": [908],
    "deals_to_meetings": [211],
    "meetings_to_deals": [212],
    "deals_to_appointments": [945],
    "appointments_to_deals": [944],
    "tickets_to_meetings": [225],
    "meetings_to_tickets": [226],
    "tickets_to_appointments": [947],
    "appointments_to_tickets": [946],
    "meetings_to_appointments": [919],
    "appointments_to_meetings": [918],
}


class AssociationConfigError(ValueError):
    """association_pairs / object_types do not fit together."""


def canonical_type(name: str) -> str:
    """The plural name of a standard type (`contact`, `0-1` -> `contacts`); others unchanged."""
    cleaned = str(name).strip()
    found = standard_type(cleaned)
    return found.name if found else cleaned


@dataclass(frozen=True)
class Direction:
    """One direction of a pair: associations read from `from_type` records to `to_type`."""

    from_type: str
    to_type: str
    # How each end is named in API paths (a type id for most types); defaults to the name.
    from_ref: str = field(default="", compare=False)
    to_ref: str = field(default="", compare=False)

    @classmethod
    def between(cls, from_type: CrmObjectType, to_type: CrmObjectType) -> Direction:
        return cls(from_type.name, to_type.name, from_type.path_ref, to_type.path_ref)

    @property
    def from_path(self) -> str:
        return self.from_ref or self.from_type

    @property
    def to_path(self) -> str:
        return self.to_ref or self.to_type

    @property
    def key(self) -> str:
        """`meetings_to_contacts` (also the key of fallback_association_type_ids)."""
        return f"{self.from_type}_to_{self.to_type}"

    @property
    def stream_name(self) -> str:
        """`meetings_to_contacts_associations`."""
        return f"{self.key}_associations"

    @property
    def reverse(self) -> Direction:
        return Direction(self.to_type, self.from_type, self.to_ref, self.from_ref)

    def __str__(self) -> str:
        return f"{self.from_type}->{self.to_type}"


TypeResolver = Callable[[str], CrmObjectType]


def directions_from_config(
    pairs: Iterable[Mapping[str, Any]] | None, resolve: TypeResolver | None = None
) -> list[Direction]:
    """Both directions of every configured pair, canonical names, duplicates removed.

    `resolve` names custom objects and path references; without it only standard names are
    canonicalised.
    """
    found: dict[Direction, None] = {}
    for pair in DEFAULT_PAIRS if pairs is None else pairs:
        from_type, to_type = pair.get("from"), pair.get("to")
        if not from_type or not to_type:
            msg = f"association_pairs entries need 'from' and 'to': {dict(pair)}"
            raise AssociationConfigError(msg)
        if resolve is not None:
            forward = Direction.between(resolve(str(from_type)), resolve(str(to_type)))
        else:
            forward = Direction(canonical_type(from_type), canonical_type(to_type))
        found[forward] = None
        found[forward.reverse] = None
    return list(found)


def check_parents_configured(directions: Iterable[Direction], object_types: Iterable[str]) -> None:
    """Every association end must be an object stream: it supplies the parent ids."""
    canonical = [canonical_type(t) for t in object_types]
    configured = set(canonical)
    ends = {d.from_type for d in directions}
    twice = sorted(t for t in ends if canonical.count(t) > 1)
    if twice:
        msg = f"object_types names {', '.join(twice)} more than once (e.g. a name and a type id)"
        raise AssociationConfigError(msg)
    missing = sorted(ends - configured)
    if missing:
        msg = (
            f"association_pairs use object types missing from object_types: {', '.join(missing)}."
            " Add them to object_types (their streams supply the parent ids, incremental "
            "change detection and state); deselect those streams in the catalog (Meltano "
            "`select`) if you do not want their records."
        )
        raise AssociationConfigError(msg)


def fallback_type_ids(configured: Mapping[str, Any] | None) -> dict[str, list[int]]:
    """The defaults, overridden per direction key by the configured value."""
    merged = dict(DEFAULT_FALLBACK_TYPE_IDS)
    for key, ids in (configured or {}).items():
        from_type, sep, to_type = str(key).partition("_to_")
        name = Direction(canonical_type(from_type), canonical_type(to_type)).key if sep else key
        merged[str(name)] = [int(i) for i in ids or []]
    return merged
