"""The CRM object types the simulator knows: names, type ids, key properties and scopes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ObjectType:
    """One HubSpot object type."""

    name: str  # plural path name, e.g. "contacts"
    singular: str  # e.g. "contact" (used in v4 error messages)
    type_id: str  # e.g. "0-1"
    base_id: int  # first generated record id
    created_prop: str
    modified_prop: str
    default_props: tuple[str, ...]
    read_scope: str
    schema_scope: str

    @property
    def always_props(self) -> tuple[str, ...]:
        """Properties returned even when the caller asks for others."""
        return (self.created_prop, "hs_object_id", self.modified_prop)


OBJECT_TYPES: tuple[ObjectType, ...] = (
    ObjectType(
        "contacts",
        "contact",
        "0-1",
        1001,
        "createdate",
        "lastmodifieddate",
        ("createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname"),
        "crm.objects.contacts.read",
        "crm.schemas.contacts.read",
    ),
    ObjectType(
        "companies",
        "company",
        "0-2",
        5_000_001,
        "createdate",
        "hs_lastmodifieddate",
        ("createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name"),
        "crm.objects.companies.read",
        "crm.schemas.companies.read",
    ),
    ObjectType(
        "deals",
        "deal",
        "0-3",
        7_000_001,
        "createdate",
        "hs_lastmodifieddate",
        (
            "amount",
            "closedate",
            "createdate",
            "dealname",
            "dealstage",
            "hs_lastmodifieddate",
            "hs_object_id",
            "pipeline",
        ),
        "crm.objects.deals.read",
        "crm.schemas.deals.read",
    ),
    ObjectType(
        "meetings",
        "meeting",
        "0-47",
        30_000_001,
        "hs_createdate",
        "hs_lastmodifieddate",
        ("hs_createdate", "hs_lastmodifieddate", "hs_object_id"),
        "crm.objects.contacts.read",
        "crm.schemas.contacts.read",
    ),
    ObjectType(
        "appointments",
        "appointment",
        "0-421",
        60_000_001,
        "hs_createdate",
        "hs_lastmodifieddate",
        ("hs_createdate", "hs_lastmodifieddate", "hs_object_id"),
        "crm.objects.appointments.read",
        "crm.schemas.appointments.read",
    ),
)

_BY_KEY: dict[str, ObjectType] = {}
for _t in OBJECT_TYPES:
    for _key in (_t.name, _t.singular, _t.type_id):
        _BY_KEY[_key] = _t


def resolve(name: str) -> ObjectType | None:
    """Look up a type by plural name, singular name or type id (case-insensitive)."""
    return _BY_KEY.get(name.lower())
