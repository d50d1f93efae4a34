"""The properties catalogue: HubSpot ``Property`` definitions per object type plus their
on-demand value generators (one module per family of types; ``base`` has the building blocks).
"""

from __future__ import annotations

from typing import Any

from .activities import APPOINTMENTS, MEETINGS
from .base import GenContext, PropertySpec
from .commerce import LINE_ITEMS, PRODUCTS, QUOTES, wide_properties
from .crm import COMPANIES_PROPS, CONTACTS, DEALS_PROPS
from .custom import PETS, VEHICLES
from .engagements import CALLS, COMMUNICATIONS, EMAILS, NOTES, POSTAL_MAIL, TASKS
from .extra import COURSES, LISTINGS, SERVICES
from .service import FEEDBACK_SUBMISSIONS, LEADS, TICKETS
from .today import TODAY_CATALOG

__all__ = [
    "CATALOG",
    "GenContext",
    "PropertySpec",
    "properties_for",
    "properties_response",
]

CATALOG: dict[str, list[PropertySpec]] = {
    "contacts": CONTACTS,
    "meetings": MEETINGS,
    "appointments": APPOINTMENTS,
    "companies": COMPANIES_PROPS,
    "deals": DEALS_PROPS,
    "tickets": TICKETS,
    "products": PRODUCTS,
    "line_items": LINE_ITEMS,
    "quotes": QUOTES,
    "communications": COMMUNICATIONS,
    "feedback_submissions": FEEDBACK_SUBMISSIONS,
    "tasks": TASKS,
    "notes": NOTES,
    "calls": CALLS,
    "emails": EMAILS,
    "postal_mail": POSTAL_MAIL,
    "leads": LEADS,
    "services": SERVICES,
    "courses": COURSES,
    "listings": LISTINGS,
    "pets": PETS,
    "vehicles": VEHICLES,
    **TODAY_CATALOG,
}

WIDE_TYPE = "products"


def properties_for(type_name: str, wide: int = 0) -> list[PropertySpec]:
    """The property definitions of a type (products get ``wide`` extra custom properties)."""
    specs = CATALOG[type_name]
    if wide and type_name == WIDE_TYPE:
        return [*specs, *wide_properties(wide)]
    return specs


def properties_response(specs: list[PropertySpec]) -> dict[str, Any]:
    """Body of GET /crm/v3/properties/{type}."""
    return {"results": [p.to_api(i) for i, p in enumerate(specs)]}
