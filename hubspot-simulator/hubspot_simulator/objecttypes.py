"""The CRM object types the simulator knows: names, type ids, key properties and scopes.

Every standard HubSpot object type (the classic ones and the commerce, goal and user types of
the 2026-09 reference) plus two portal-specific custom object types. Some types (services,
courses, listings and the newer ones) exist only once activated in the account; which ones are
active is a property of the dataset (``Dataset.resolve``), not of this table.
"""

from __future__ import annotations

from dataclasses import dataclass

PORTAL_ID = 1234567
ENGAGEMENT_DEFAULTS = ("hs_createdate", "hs_lastmodifieddate", "hs_object_id")


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
    activated_by_default: bool = True
    fully_qualified_name: str | None = None  # custom objects only, e.g. "p1234567_pets"

    @property
    def always_props(self) -> tuple[str, ...]:
        """Properties returned even when the caller asks for others."""
        return (self.created_prop, "hs_object_id", self.modified_prop)

    @property
    def custom(self) -> bool:
        """A portal-specific custom object type (``2-…``)."""
        return self.type_id.startswith("2-")


def _std(
    name: str,
    singular: str,
    type_id: str,
    base_id: int,
    scope: str,
    schema: str,
    *,
    created: str = "hs_createdate",
    defaults: tuple[str, ...] = ENGAGEMENT_DEFAULTS,
    activated: bool = True,
) -> ObjectType:
    return ObjectType(
        name,
        singular,
        type_id,
        base_id,
        created,
        "hs_lastmodifieddate",
        defaults,
        scope,
        schema,
        activated,
    )


_ENGAGEMENT = ("crm.objects.contacts.read", "crm.schemas.contacts.read")
_COMMERCE = "e-commerce"

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
    _std(
        "companies",
        "company",
        "0-2",
        5_000_001,
        "crm.objects.companies.read",
        "crm.schemas.companies.read",
        created="createdate",
        defaults=("createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name"),
    ),
    _std(
        "deals",
        "deal",
        "0-3",
        7_000_001,
        "crm.objects.deals.read",
        "crm.schemas.deals.read",
        created="createdate",
        defaults=(
            "amount",
            "closedate",
            "createdate",
            "dealname",
            "dealstage",
            "hs_lastmodifieddate",
            "hs_object_id",
            "pipeline",
        ),
    ),
    _std(
        "tickets",
        "ticket",
        "0-5",
        10_000_001,
        "tickets",
        "crm.schemas.tickets.read",
        created="createdate",
        defaults=(
            "content",
            "createdate",
            "hs_lastmodifieddate",
            "hs_object_id",
            "hs_pipeline",
            "hs_pipeline_stage",
            "hs_ticket_category",
            "hs_ticket_priority",
            "subject",
        ),
    ),
    _std(
        "products",
        "product",
        "0-7",
        12_000_001,
        _COMMERCE,
        "crm.schemas.products.read",
        created="createdate",
        defaults=(
            "createdate",
            "description",
            "hs_lastmodifieddate",
            "hs_object_id",
            "name",
            "price",
        ),
    ),
    _std(
        "line_items",
        "line_item",
        "0-8",
        14_000_001,
        _COMMERCE,
        "crm.schemas.line_items.read",
        created="createdate",
        defaults=(
            "amount",
            "createdate",
            "hs_lastmodifieddate",
            "hs_object_id",
            "hs_product_id",
            "name",
            "price",
            "quantity",
        ),
    ),
    _std(
        "quotes", "quote", "0-14", 16_000_001, "crm.objects.quotes.read", "crm.schemas.quotes.read"
    ),
    _std("communications", "communication", "0-18", 18_000_001, *_ENGAGEMENT),
    _std(
        "feedback_submissions",
        "feedback_submission",
        "0-19",
        19_000_001,
        "crm.objects.feedback_submissions.read",
        "crm.schemas.feedback_submissions.read",
    ),
    _std("tasks", "task", "0-27", 20_000_001, *_ENGAGEMENT),
    _std("notes", "note", "0-46", 22_000_001, *_ENGAGEMENT),
    _std("meetings", "meeting", "0-47", 30_000_001, *_ENGAGEMENT),
    _std("calls", "call", "0-48", 24_000_001, *_ENGAGEMENT),
    _std("emails", "email", "0-49", 26_000_001, *_ENGAGEMENT),
    _std("postal_mail", "postal_mail", "0-116", 28_000_001, *_ENGAGEMENT),
    _std("leads", "lead", "0-136", 40_000_001, "crm.objects.leads.read", "crm.schemas.leads.read"),
    _std(
        "services",
        "service",
        "0-162",
        42_000_001,
        "crm.objects.services.read",
        "crm.schemas.services.read",
        activated=False,
    ),
    _std(
        "courses",
        "course",
        "0-410",
        44_000_001,
        "crm.objects.courses.read",
        "crm.schemas.courses.read",
        activated=False,
    ),
    _std(
        "listings",
        "listing",
        "0-420",
        46_000_001,
        "crm.objects.listings.read",
        "crm.schemas.listings.read",
        activated=False,
    ),
    _std(
        "appointments",
        "appointment",
        "0-421",
        60_000_001,
        "crm.objects.appointments.read",
        "crm.schemas.appointments.read",
    ),
    ObjectType(
        "pets",
        "pet",
        "2-1001",
        80_000_001,
        "hs_createdate",
        "hs_lastmodifieddate",
        ENGAGEMENT_DEFAULTS,
        "crm.objects.custom.read",
        "crm.schemas.custom.read",
        fully_qualified_name=f"p{PORTAL_ID}_pets",
    ),
    ObjectType(
        "vehicles",
        "vehicle",
        "2-1002",
        82_000_001,
        "hs_createdate",
        "hs_lastmodifieddate",
        ENGAGEMENT_DEFAULTS,
        "crm.objects.custom.read",
        "crm.schemas.custom.read",
        fully_qualified_name=f"p{PORTAL_ID}_vehicles",
    ),
)

# Types of HubSpot's 2026-09 reference (name, singular, objectTypeId, first id, read scope,
# schema scope): API names and read scopes from the spec collection's object APIs, type ids from
# HubSpot's object type id table, schema scopes from the properties API's scope list (goal
# targets and users have none: their read scope serves). Not activated by default: the default
# dataset stays as it was; the portal preset enables most of them (generator.PORTAL_ENABLED).
# Contracts, partner clients and partner services are skipped: no published type id.
_LINE = ("crm.objects.line_items.read", "crm.schemas.line_items.read")
TODAY_TYPES: tuple[ObjectType, ...] = tuple(
    _std(name, singular, type_id, base, scope, schema, activated=False)
    for name, singular, type_id, base, scope, schema in (
        ("carts", "cart", "0-142", 50_000_001, "crm.objects.carts.read", "crm.schemas.carts.read"),
        ("orders", "order", "0-123", 51_000_001, "crm.objects.orders.read",
         "crm.schemas.orders.read"),
        ("invoices", "invoice", "0-53", 52_000_001, "crm.objects.invoices.read",
         "crm.schemas.invoices.read"),
        ("commerce_payments", "commerce_payment", "0-101", 53_000_001,
         "crm.objects.commercepayments.read", "crm.schemas.commercepayments.read"),
        ("subscriptions", "subscription", "0-69", 54_000_001, "crm.objects.subscriptions.read",
         "crm.schemas.subscriptions.read"),
        ("discounts", "discount", "0-84", 55_000_001, _COMMERCE, _LINE[1]),
        ("fees", "fee", "0-85", 56_000_001, _COMMERCE, _LINE[1]),
        ("taxes", "tax", "0-86", 57_000_001, *_LINE),
        ("goal_targets", "goal_target", "0-74", 58_000_001, "crm.objects.goals.read",
         "crm.objects.goals.read"),
        ("users", "user", "0-115", 59_000_001, "crm.objects.users.read", "crm.objects.users.read"),
    )
)  # fmt: skip
OBJECT_TYPES += TODAY_TYPES

TYPE_NAMES: tuple[str, ...] = tuple(t.name for t in OBJECT_TYPES)
OPTIONAL_TYPES: tuple[str, ...] = tuple(t.name for t in OBJECT_TYPES if not t.activated_by_default)

_BY_KEY: dict[str, ObjectType] = {}
for _t in OBJECT_TYPES:
    for _key in (_t.name, _t.singular, _t.type_id, _t.fully_qualified_name):
        if _key:
            _BY_KEY[_key.lower()] = _t


def resolve(name: str) -> ObjectType | None:
    """Look up a type by plural name, singular name, type id or (custom objects) fully
    qualified name, case-insensitively; activated or not (see ``Dataset.resolve``)."""
    return _BY_KEY.get(name.lower())


def all_scopes() -> frozenset[str]:
    """Every read scope of every type (object and schema scopes)."""
    return frozenset(s for t in OBJECT_TYPES for s in (t.read_scope, t.schema_scope))
