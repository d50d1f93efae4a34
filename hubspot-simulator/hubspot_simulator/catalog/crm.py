"""Contacts, companies and deals."""

from __future__ import annotations

from .base import (
    GenContext,
    PropertySpec,
    boolean,
    common_keys,
    date_in_years,
    datetime_after_created,
    decimal,
    enum,
    integer,
    key_prop,
    multi,
    nullable,
    opts,
    owner_prop,
    pick,
    text,
)
from .pools import CITIES, COMPANIES, COUNTRIES, DOMAINS, FIRST_NAMES, LAST_NAMES
from .refids import owner_gen, pipeline_gen, pipeline_options, stage_gen, stage_options


def _email(h: int, c: GenContext) -> str | None:
    first = (c.raw("firstname") or "user").lower()
    last = (c.raw("lastname") or "x").lower()
    local = "".join(ch for ch in f"{first}.{last}" if ch.isascii() and (ch.isalnum() or ch == "."))
    local = local.strip(".").replace("..", ".")
    return f"{local or 'contact'}{c.record_id}@{DOMAINS[h % len(DOMAINS)]}"


LIFECYCLE = opts(
    "subscriber",
    "lead",
    "marketingqualifiedlead",
    "salesqualifiedlead",
    "opportunity",
    "customer",
    "evangelist",
    "other",
)
LEAD_STATUS = opts(
    "NEW",
    "OPEN",
    "IN_PROGRESS",
    "OPEN_DEAL",
    "UNQUALIFIED",
    "ATTEMPTED_TO_CONTACT",
    "CONNECTED",
    "BAD_TIMING",
)
INTERESTS = (
    ("Chocolate", "chocolate"),
    ("Strawberry", "strawberry"),
    ("Vanilla", "vanilla"),
    ("Pistachio", "pistachio"),
    ("Crème brûlée", "creme_brulee"),
)
INDUSTRIES = opts("COMPUTER_SOFTWARE", "HOSPITAL_HEALTH_CARE", "RETAIL", "FINANCIAL_SERVICES")
DEAL_TAGS = opts("upsell", "renewal", "new_logo", "partner")


CONTACTS: list[PropertySpec] = [
    *common_keys("contactinformation", "createdate", "lastmodifieddate"),
    # Present on contacts but always empty there (HubSpot uses lastmodifieddate).
    PropertySpec(
        "hs_lastmodifieddate",
        "Object last modified date/time",
        "datetime",
        "date",
        "contactinformation",
        lambda _h, _c: None,
    ),
    key_prop("hs_merged_object_ids", "Merged Contact IDs", "enumeration", "contactinformation"),
    PropertySpec(
        "email",
        "Email",
        "string",
        "text",
        "contactinformation",
        nullable(_email, 20),
        has_unique_value=True,
    ),
    PropertySpec(
        "firstname",
        "First Name",
        "string",
        "text",
        "contactinformation",
        pick(FIRST_NAMES, null=15),
    ),
    PropertySpec(
        "lastname", "Last Name", "string", "text", "contactinformation", pick(LAST_NAMES, null=15)
    ),
    PropertySpec(
        "phone",
        "Phone Number",
        "string",
        "phonenumber",
        "contactinformation",
        nullable(lambda h, _c: f"+49 30 {h % 10_000_000:07d}", 150, 30),
    ),
    PropertySpec(
        "company",
        "Company Name",
        "string",
        "text",
        "contactinformation",
        pick(COMPANIES, null=100, empty=20),
    ),
    PropertySpec("city", "City", "string", "text", "contactinformation", pick(CITIES, null=80)),
    PropertySpec(
        "country",
        "Country/Region",
        "string",
        "text",
        "contactinformation",
        pick(COUNTRIES, null=80),
    ),
    PropertySpec(
        "lifecyclestage",
        "Lifecycle Stage",
        "enumeration",
        "radio",
        "contactinformation",
        enum(LIFECYCLE, null=50),
        LIFECYCLE,
    ),
    PropertySpec(
        "hs_lead_status",
        "Lead Status",
        "enumeration",
        "select",
        "sales_properties",
        enum(LEAD_STATUS, null=200),
        LEAD_STATUS,
    ),
    PropertySpec(
        "hs_email_optout",
        "Unsubscribed from all email",
        "bool",
        "booleancheckbox",
        "contactinformation",
        boolean(null=100),
        (("Yes", "true"), ("No", "false")),
    ),
    PropertySpec(
        "hs_analytics_num_page_views",
        "Number of Pageviews",
        "number",
        "number",
        "analyticsinformation",
        integer(0, 5000),
        calculated=True,
    ),
    PropertySpec(
        "notes_last_contacted",
        "Last Contacted",
        "datetime",
        "date",
        "contactinformation",
        datetime_after_created(400, null=300),
    ),
    # Custom (portal-defined) properties.
    PropertySpec(
        "interests",
        "Interests",
        "enumeration",
        "checkbox",
        "contactinformation",
        multi(INTERESTS, null=200),
        INTERESTS,
        hubspot_defined=False,
    ),
    PropertySpec(
        "lead_score",
        "Lead score",
        "number",
        "number",
        "contactinformation",
        decimal(0, 100, null=100),
        hubspot_defined=False,
    ),
    PropertySpec(
        "date_of_birth",
        "Date of birth",
        "date",
        "date",
        "contactinformation",
        date_in_years(1950, 55, null=300),
        hubspot_defined=False,
    ),
    PropertySpec(
        "is_vip",
        "VIP",
        "bool",
        "booleancheckbox",
        "contactinformation",
        boolean(null=50),
        (("Yes", "true"), ("No", "false")),
        hubspot_defined=False,
    ),
    PropertySpec(
        "bio",
        "Biography",
        "string",
        "textarea",
        "contactinformation",
        text(3, 40, null=300, long_every=500),
        hubspot_defined=False,
    ),
    # Name collides with the top-level ``archived`` field: the tap must prefix it.
    PropertySpec(
        "archived",
        "Archived in legacy CRM",
        "string",
        "text",
        "contactinformation",
        pick(("yes", "no"), null=400),
        hubspot_defined=False,
        description="Whether the record was archived in the legacy CRM.",
    ),
]

COMPANIES_PROPS: list[PropertySpec] = [
    *common_keys("companyinformation", "createdate", "hs_lastmodifieddate"),
    key_prop("hs_merged_object_ids", "Merged Company IDs", "enumeration", "companyinformation"),
    PropertySpec(
        "name", "Company name", "string", "text", "companyinformation", pick(COMPANIES, null=10)
    ),
    PropertySpec(
        "domain",
        "Company Domain Name",
        "string",
        "text",
        "companyinformation",
        pick(DOMAINS, null=100),
    ),
    PropertySpec(
        "industry",
        "Industry",
        "enumeration",
        "select",
        "companyinformation",
        enum(INDUSTRIES, null=200),
        INDUSTRIES,
    ),
    PropertySpec(
        "numberofemployees",
        "Number of Employees",
        "number",
        "number",
        "companyinformation",
        integer(1, 100_000, null=200),
    ),
    PropertySpec("city", "City", "string", "text", "companyinformation", pick(CITIES, null=80)),
    PropertySpec(
        "is_public",
        "Is public",
        "bool",
        "booleancheckbox",
        "companyinformation",
        boolean(null=100),
        (("Yes", "true"), ("No", "false")),
    ),
    PropertySpec(
        "founded_date",
        "Founded",
        "date",
        "date",
        "companyinformation",
        date_in_years(1950, 70, null=300),
        hubspot_defined=False,
    ),
]

DEALS_PROPS: list[PropertySpec] = [
    *common_keys("dealinformation", "createdate", "hs_lastmodifieddate"),
    key_prop("hs_merged_object_ids", "Merged Deal IDs", "enumeration", "dealinformation"),
    PropertySpec("dealname", "Deal Name", "string", "text", "dealinformation", text(2, 5, null=5)),
    PropertySpec(
        "amount", "Amount", "number", "number", "dealinformation", decimal(100, 250_000, null=100)
    ),
    PropertySpec(
        "closedate",
        "Close Date",
        "datetime",
        "date",
        "dealinformation",
        datetime_after_created(180, null=200),
    ),
    PropertySpec(
        "pipeline",
        "Pipeline",
        "enumeration",
        "select",
        "dealinformation",
        pipeline_gen("deals"),
        pipeline_options("deals"),
    ),
    PropertySpec(
        "dealstage",
        "Deal Stage",
        "enumeration",
        "radio",
        "dealinformation",
        stage_gen("deals", "pipeline"),
        stage_options("deals"),
    ),
    owner_prop("hubspot_owner_id", "Deal owner", "dealinformation", owner_gen(null=80)),
    PropertySpec(
        "deal_tags",
        "Tags",
        "enumeration",
        "checkbox",
        "dealinformation",
        multi(DEAL_TAGS, null=300),
        DEAL_TAGS,
        hubspot_defined=False,
    ),
]
