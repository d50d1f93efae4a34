"""HubSpot CRM object types as values: names, type ids, date properties, scopes, stream names.

Standard types come from HubSpot's published table (shared/reference/hubspot-api.md §2);
custom objects from `GET /crm/v3/schemas`. Stream (and table) naming rule:

* a standard type's stream is its plural API name (`contacts`, `line_items`, `postal_mail`);
* a custom object's stream is its `name`, lower-cased (`pets`), unless that name is also the
  name, singular or type id of a standard type (or of another custom object once
  lower-cased): then it is its `fullyQualifiedName` (`p1234567_tickets`), which HubSpot keeps
  unique per portal. Standard names win whether or not the account has activated that type, so
  a table's name never changes when an object is activated later.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

CONTACTS = "contacts"
# Types whose v3/v4 paths HubSpot documents by name (plus meetings and appointments, used by
# name since version 1). Every other type goes into paths by its objectTypeId, which the v4
# association guide asks for ("for other objects, use the type ID").
_PATH_BY_NAME = frozenset(
    {"contacts", "companies", "deals", "tickets", "notes", "meetings", "appointments"}
)


class ObjectKind(enum.Enum):
    """Where a type is defined."""

    STANDARD = "standard"
    CUSTOM = "custom"


@dataclass(frozen=True)
class CrmObjectType:
    """One CRM object type and everything the tap needs to know to read it."""

    name: str  # stream/table name, also the canonical name in association records
    type_id: str  # objectTypeId: "0-1", "2-3508482"
    singular: str
    kind: ObjectKind
    read_scope: str
    schema_scope: str
    created_property: str = "hs_createdate"
    modified_property: str = "hs_lastmodifieddate"
    fully_qualified_name: str | None = None
    api_name: str | None = None  # custom objects: the schema's `name`

    @property
    def path_ref(self) -> str:
        """How the type is named in API paths."""
        return self.name if self.name in _PATH_BY_NAME else self.type_id

    @property
    def is_contacts(self) -> bool:
        return self.name == CONTACTS

    def spellings(self) -> set[str]:
        """Every name a user may configure the type by (compared lower-cased)."""
        names = {self.name, self.singular, self.type_id, self.api_name, self.fully_qualified_name}
        return {n.lower() for n in names if n}

    def describe(self) -> str:
        return f"{self.name} ({self.type_id})"


def _standard(
    name: str,
    singular: str,
    type_id: str,
    scope: str,
    *,
    created: str = "hs_createdate",
    modified: str = "hs_lastmodifieddate",
    schema: str | None = None,
) -> CrmObjectType:
    return CrmObjectType(
        name=name,
        type_id=type_id,
        singular=singular,
        kind=ObjectKind.STANDARD,
        read_scope=scope,
        schema_scope=schema or f"crm.schemas.{name}.read",
        created_property=created,
        modified_property=modified,
    )


_ENGAGEMENT_SCOPE = "crm.objects.contacts.read"  # engagements are read under the contacts scope
_ENGAGEMENT_SCHEMA = "crm.schemas.contacts.read"

_LINE_ITEMS_SCHEMA = "crm.schemas.line_items.read"
_GOALS, _USERS = "crm.objects.goals.read", "crm.objects.users.read"

# The object types of HubSpot's 2026-09 reference beyond the older twenty: API names and read
# scopes from the reference's object APIs, type ids from HubSpot's object type id table. All
# keep hs_createdate / hs_lastmodifieddate. Contracts, partner clients and partner services
# have object APIs but no published type id yet: configure them by name once HubSpot lists one.
TODAY_TYPES: tuple[CrmObjectType, ...] = (
    _standard("carts", "cart", "0-142", "crm.objects.carts.read"),
    _standard("orders", "order", "0-123", "crm.objects.orders.read"),
    _standard("invoices", "invoice", "0-53", "crm.objects.invoices.read"),
    _standard(
        "commerce_payments",
        "commerce_payment",
        "0-101",
        "crm.objects.commercepayments.read",
        schema="crm.schemas.commercepayments.read",
    ),
    _standard("subscriptions", "subscription", "0-69", "crm.objects.subscriptions.read"),
    _standard("discounts", "discount", "0-84", "e-commerce", schema=_LINE_ITEMS_SCHEMA),
    _standard("fees", "fee", "0-85", "e-commerce", schema=_LINE_ITEMS_SCHEMA),
    _standard("taxes", "tax", "0-86", "crm.objects.line_items.read", schema=_LINE_ITEMS_SCHEMA),
    # goal targets and users have no schema scope: their read scope serves
    _standard("goal_targets", "goal_target", "0-74", "crm.objects.goals.read", schema=_GOALS),
    _standard("users", "user", "0-115", "crm.objects.users.read", schema=_USERS),
)

# Contacts filter and sort on `lastmodifieddate` (their `hs_lastmodifieddate` is empty and
# silently matches nothing); every other type, custom objects included, on
# `hs_lastmodifieddate`.
STANDARD_TYPES: tuple[CrmObjectType, ...] = (
    _standard(
        "contacts",
        "contact",
        "0-1",
        "crm.objects.contacts.read",
        created="createdate",
        modified="lastmodifieddate",
    ),
    _standard("companies", "company", "0-2", "crm.objects.companies.read", created="createdate"),
    _standard("deals", "deal", "0-3", "crm.objects.deals.read", created="createdate"),
    _standard("tickets", "ticket", "0-5", "tickets", created="createdate"),
    _standard(
        "products",
        "product",
        "0-7",
        "e-commerce",
        created="createdate",
        schema="crm.schemas.products.read",
    ),
    _standard(
        "line_items",
        "line_item",
        "0-8",
        "e-commerce",
        created="createdate",
        schema="crm.schemas.line_items.read",
    ),
    _standard("quotes", "quote", "0-14", "crm.objects.quotes.read"),
    _standard(
        "communications", "communication", "0-18", _ENGAGEMENT_SCOPE, schema=_ENGAGEMENT_SCHEMA
    ),
    _standard(
        "feedback_submissions",
        "feedback_submission",
        "0-19",
        "crm.objects.feedback_submissions.read",
    ),
    _standard("tasks", "task", "0-27", _ENGAGEMENT_SCOPE, schema=_ENGAGEMENT_SCHEMA),
    _standard("notes", "note", "0-46", _ENGAGEMENT_SCOPE, schema=_ENGAGEMENT_SCHEMA),
    _standard("meetings", "meeting", "0-47", _ENGAGEMENT_SCOPE, schema=_ENGAGEMENT_SCHEMA),
    _standard("calls", "call", "0-48", _ENGAGEMENT_SCOPE, schema=_ENGAGEMENT_SCHEMA),
    _standard("emails", "email", "0-49", _ENGAGEMENT_SCOPE, schema=_ENGAGEMENT_SCHEMA),
    _standard("postal_mail", "postal_mail", "0-116", _ENGAGEMENT_SCOPE, schema=_ENGAGEMENT_SCHEMA),
    _standard("leads", "lead", "0-136", "crm.objects.leads.read"),
    _standard("services", "service", "0-162", "crm.objects.services.read"),
    _standard("courses", "course", "0-410", "crm.objects.courses.read"),
    _standard("listings", "listing", "0-420", "crm.objects.listings.read"),
    _standard("appointments", "appointment", "0-421", "crm.objects.appointments.read"),
    *TODAY_TYPES,
)

_STANDARD_BY_SPELLING: dict[str, CrmObjectType] = {
    spelling: t for t in STANDARD_TYPES for spelling in t.spellings()
}


def standard_type(name: str) -> CrmObjectType | None:
    """A standard type by plural name, singular name or type id (case-insensitive)."""
    return _STANDARD_BY_SPELLING.get(str(name).strip().lower())


def is_custom_reference(name: str) -> bool:
    """True for a custom objectTypeId (`2-…`)."""
    return str(name).strip().startswith("2-")


class SchemaShapeError(ValueError):
    """A `GET /crm/v3/schemas` entry lacks what the tap needs."""


def custom_types_from_schemas(results: Iterable[Mapping[str, Any]]) -> list[CrmObjectType]:
    """Custom object types from the schemas endpoint, named by the module's naming rule."""
    entries = []
    for schema in results:
        if schema.get("archived"):
            continue
        type_id = str(schema.get("objectTypeId") or "")
        api_name = str(schema.get("name") or "")
        if not type_id or not api_name:
            raise SchemaShapeError(f"custom object schema without objectTypeId or name: {schema}")
        fqn = str(schema.get("fullyQualifiedName") or api_name)
        entries.append((type_id, api_name, fqn))
    lowered = [api_name.lower() for _, api_name, _ in entries]
    found = []
    for type_id, api_name, fqn in entries:
        name = api_name.lower()
        if name in _STANDARD_BY_SPELLING or lowered.count(name) > 1 or name.startswith("2-"):
            name = fqn.lower()
        found.append(
            CrmObjectType(
                name=name,
                type_id=type_id,
                singular=api_name.lower(),
                kind=ObjectKind.CUSTOM,
                read_scope="crm.objects.custom.read",
                schema_scope="crm.schemas.custom.read",
                fully_qualified_name=fqn,
                api_name=api_name,
            )
        )
    return found
