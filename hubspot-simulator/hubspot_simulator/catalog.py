"""The properties catalogue: HubSpot ``Property`` definitions plus on-demand value generators.

Every property has a generator ``gen(h, ctx)`` turning a 64-bit hash of (seed, type, record,
property) into a value string (or None), so values need not be stored for unmodified records.
The key properties (created / modified / hs_object_id / hs_merged_object_ids) are computed by the
store and carry ``gen=None``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from .util import iso, iso_date, parse_time


class GenContext(Protocol):
    """What a value generator may read about the record it generates for."""

    record_id: int
    created_ms: int

    def raw(self, name: str) -> str | None:
        """The generated value of another property of the same record."""
        ...


Gen = Callable[[int, GenContext], "str | None"]


@dataclass(frozen=True)
class PropertySpec:
    """One property definition and how its values are generated."""

    name: str
    label: str
    type: str  # string | number | date | datetime | enumeration | bool
    field_type: str
    group: str
    gen: Gen | None
    options: Sequence[tuple[str, str]] = ()
    hubspot_defined: bool = True
    description: str = ""
    has_unique_value: bool = False
    calculated: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def to_api(self, order: int) -> dict[str, Any]:
        """The exact ``Property`` JSON shape of GET /crm/v3/properties/{type}."""
        out: dict[str, Any] = {
            "updatedAt": "2024-01-01T00:00:00.000Z",
            "createdAt": "2020-06-30T15:57:37.277Z",
            "name": self.name,
            "label": self.label,
            "type": self.type,
            "fieldType": self.field_type,
            "description": self.description,
            "groupName": self.group,
            "options": [
                {"label": label, "value": value, "displayOrder": i, "hidden": False}
                for i, (label, value) in enumerate(self.options)
            ],
            "displayOrder": order if not self.hubspot_defined else -1,
            "calculated": self.calculated,
            "externalOptions": False,
            "hasUniqueValue": self.has_unique_value,
            "hidden": False,
            "formField": self.field_type in ("text", "select", "checkbox", "booleancheckbox"),
            "modificationMetadata": {
                "archivable": not self.hubspot_defined,
                "readOnlyDefinition": self.hubspot_defined,
                "readOnlyValue": self.gen is None,
            },
            "archived": False,
        }
        if self.hubspot_defined:
            out["hubspotDefined"] = True
        else:
            out["createdUserId"] = "9586504"
            out["updatedUserId"] = "9586504"
        out.update(self.extra)
        return out


# ---------------------------------------------------------------- generator building blocks


def _nullable(gen: Gen, null_permille: int, empty_permille: int = 0) -> Gen:
    def wrapped(h: int, ctx: GenContext) -> str | None:
        r = (h >> 52) % 1000
        if r < null_permille:
            return None
        if r < null_permille + empty_permille:
            return ""
        return gen(h, ctx)

    return wrapped


def pick(pool: Sequence[str], null: int = 0, empty: int = 0) -> Gen:
    """One value from a pool (inlined null handling: this is the hottest generator)."""
    n = len(pool)
    if not null and not empty:
        return lambda h, _c: pool[h % n]

    def gen(h: int, _c: GenContext) -> str | None:
        r = (h >> 52) % 1000
        if r < null:
            return None
        if r < null + empty:
            return ""
        return pool[h % n]

    return gen


def enum(options: Sequence[tuple[str, str]], null: int = 0) -> Gen:
    """One option value."""
    values = [v for _, v in options]
    return pick(values, null)


def multi(options: Sequence[tuple[str, str]], null: int = 0) -> Gen:
    """A ``;``-joined subset of option values (multi-select checkbox)."""
    values = [v for _, v in options]

    def gen(h: int, _c: GenContext) -> str | None:
        chosen = [v for i, v in enumerate(values) if (h >> (i * 3)) & 3 == 0]
        return ";".join(chosen) if chosen else values[h % len(values)]

    return _nullable(gen, null)


def integer(lo: int, hi: int, null: int = 0) -> Gen:
    """An integer in [lo, hi]."""
    span = hi - lo + 1

    def gen(h: int, _c: GenContext) -> str | None:
        if (h >> 52) % 1000 < null:
            return None
        return str(lo + h % span)

    return gen


def decimal(lo: int, hi: int, null: int = 0) -> Gen:
    """A number with two decimals (trailing zeros trimmed as HubSpot does)."""

    def gen(h: int, _c: GenContext) -> str:
        cents = lo * 100 + h % ((hi - lo) * 100)
        whole, frac = divmod(cents, 100)
        return f"{whole}.{frac:02d}".rstrip("0").rstrip(".")

    return _nullable(gen, null)


def boolean(null: int = 0) -> Gen:
    """``"true"`` or ``"false"``."""

    def gen(h: int, _c: GenContext) -> str | None:
        if (h >> 52) % 1000 < null:
            return None
        return "true" if h & 1 else "false"

    return gen


def datetime_after_created(max_days: int, null: int = 0) -> Gen:
    """A datetime between the record's creation and ``max_days`` later."""
    return _nullable(lambda h, c: iso(c.created_ms + h % (max_days * 86_400_000)), null)


def date_in_years(start_year: int, years: int, null: int = 0) -> Gen:
    """A date (``YYYY-MM-DD``) within the given years."""
    start_ms = int(datetime(start_year, 1, 1, tzinfo=UTC).timestamp() * 1000)
    return _nullable(lambda h, _c: iso_date(start_ms + h % (years * 31_556_952_000)), null)


WORDS = (
    "quarterly",
    "review",
    "planning",
    "onboarding",
    "demo",
    "follow-up",
    "pricing",
    "renewal",
    "kickoff",
    "sync",
    "roadmap",
    "budget",
    "contract",
    "integration",
    "workshop",
    "feedback",
    "escalation",
    "strategy",
    "training",
    "naïve",
    "café",
    "résumé",
    "über",
    "straße",
    "東京",
    "会議",
    "встреча",
    "☕",
    "🚀",
)


def text(min_words: int, max_words: int, null: int = 0, long_every: int = 0) -> Gen:
    """Words from a mixed-script vocabulary; every ``long_every``-th record gets 60,000 chars."""

    def words(h: int, _c: GenContext) -> str:
        n = min_words + h % (max_words - min_words + 1)
        x = h
        out = []
        for _ in range(n):
            out.append(WORDS[x % len(WORDS)])
            x = (x >> 5) | ((x & 31) << 59)
        return " ".join(out)

    short = _nullable(words, null)

    def gen(h: int, c: GenContext) -> str | None:
        if long_every and c.record_id % long_every == 7:
            return LONG_TEXT
        return short(h, c)

    return gen


LONG_TEXT = ("Lorem ipsum dolor sit amet, 東京 ☕ — " * 2000)[:60_000]


FIRST_NAMES = (
    "Alice",
    "Bob",
    "Chloé",
    "Dmitri",
    "Élodie",
    "François",
    "Günther",
    "Hana",
    "Ingrid",
    "José",
    "Jürgen",
    "Kateřina",
    "Liam",
    "María",
    "Noah",
    "Olivia",
    "Øyvind",
    "Priya",
    "Quentin",
    "Renée",
    "Søren",
    "Tomás",
    "Uma",
    "Владимир",
    "Wei",
    "Xóchitl",
    "Yuki",
    "Zoë",
    "李",
    "محمد",
    "O'Brien",
    "Anne-Marie",
)
LAST_NAMES = (
    "Smith",
    "Müller",
    "García",
    "Øberg",
    "Nguyễn",
    "O'Connor",
    "Dubois",
    "Rossi",
    "Kowalski",
    "Johansson",
    "Novák",
    "Papadopoulos",
    "Yilmaz",
    "Иванов",
    "田中",
    "Kim",
    "Silva",
    "Bianchi",
    "van der Berg",
    "Smith-Jones",
    "Lefèvre",
    "Ångström",
    "Łukasz",
    "Schröder",
)
CITIES = (
    "Berlin",
    "Zürich",
    "São Paulo",
    "Kraków",
    "Malmö",
    "Москва",
    "東京",
    "Boston",
    "Dublin",
    "Reykjavík",
    "Montréal",
    "Cape Town",
)
COUNTRIES = (
    "Germany",
    "Switzerland",
    "Brazil",
    "Poland",
    "Sweden",
    "Russia",
    "Japan",
    "United States",
    "Ireland",
    "Iceland",
    "Canada",
    "South Africa",
)
COMPANIES = (
    "Acme Corp",
    "Globex",
    "Initech",
    "Umbrella GmbH",
    "Stark Industries",
    "Wayne Enterprises",
    "Société Générale d'Exemple",
    "株式会社サンプル",
    "Hooli",
)
DOMAINS = ("example.com", "example.org", "mail.example.net", "exämple.de", "corp.example.io")


def _email(h: int, c: GenContext) -> str | None:
    first = (c.raw("firstname") or "user").lower()
    last = (c.raw("lastname") or "x").lower()
    local = "".join(ch for ch in f"{first}.{last}" if ch.isascii() and (ch.isalnum() or ch == "."))
    local = local.strip(".").replace("..", ".")
    return f"{local or 'contact'}{c.record_id}@{DOMAINS[h % len(DOMAINS)]}"


def _opts(*values: str) -> tuple[tuple[str, str], ...]:
    return tuple((v.replace("_", " ").title(), v) for v in values)


def _meeting_start(h: int, c: GenContext) -> str:
    return iso(c.created_ms + (h % (60 * 86_400)) * 1000 - 30 * 86_400_000)


def _meeting_end(h: int, c: GenContext) -> str | None:
    start = c.raw("hs_meeting_start_time")
    if start is None:
        return None
    ms = parse_time(start) or 0
    return iso(ms + (15 + (h % 8) * 15) * 60_000)


LIFECYCLE = _opts(
    "subscriber",
    "lead",
    "marketingqualifiedlead",
    "salesqualifiedlead",
    "opportunity",
    "customer",
    "evangelist",
    "other",
)
LEAD_STATUS = _opts(
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
OUTCOMES = _opts("SCHEDULED", "COMPLETED", "RESCHEDULED", "NO_SHOW", "CANCELED")
MEETING_SOURCES = _opts("CRM_UI", "MEETINGS_PUBLIC", "INTEGRATION", "BIDIRECTIONAL_API")
ACTIVITY_TYPES = (
    ("Discovery call", "Discovery call"),
    ("Demo", "Demo"),
    ("Follow-up", "Follow-up"),
)
APPT_STATUS = _opts("scheduled", "confirmed", "completed", "canceled", "no_show")
APPT_TYPES = _opts("consultation", "follow_up", "treatment", "assessment")
INDUSTRIES = _opts("COMPUTER_SOFTWARE", "HOSPITAL_HEALTH_CARE", "RETAIL", "FINANCIAL_SERVICES")
DEAL_STAGES = _opts(
    "appointmentscheduled",
    "qualifiedtobuy",
    "presentationscheduled",
    "decisionmakerboughtin",
    "contractsent",
    "closedwon",
    "closedlost",
)
DEAL_TAGS = _opts("upsell", "renewal", "new_logo", "partner")


def _key(name: str, label: str, typ: str, group: str) -> PropertySpec:
    field_type = {"datetime": "date", "number": "number", "enumeration": "checkbox"}[typ]
    return PropertySpec(name, label, typ, field_type, group, None)


def _common_keys(group: str, created: str, modified: str) -> list[PropertySpec]:
    return [
        _key(created, "Create Date", "datetime", group),
        _key(modified, "Last Modified Date", "datetime", group),
        _key("hs_object_id", "Record ID", "number", group),
    ]


CONTACTS: list[PropertySpec] = [
    *_common_keys("contactinformation", "createdate", "lastmodifieddate"),
    # Present on contacts but always empty there (HubSpot uses lastmodifieddate).
    PropertySpec(
        "hs_lastmodifieddate",
        "Object last modified date/time",
        "datetime",
        "date",
        "contactinformation",
        lambda _h, _c: None,
    ),
    _key("hs_merged_object_ids", "Merged Contact IDs", "enumeration", "contactinformation"),
    PropertySpec(
        "email",
        "Email",
        "string",
        "text",
        "contactinformation",
        _nullable(_email, 20),
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
        _nullable(lambda h, _c: f"+49 30 {h % 10_000_000:07d}", 150, 30),
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

MEETINGS: list[PropertySpec] = [
    *_common_keys("engagement", "hs_createdate", "hs_lastmodifieddate"),
    PropertySpec(
        "hs_timestamp",
        "Activity date",
        "datetime",
        "date",
        "engagement",
        lambda _h, c: c.raw("hs_meeting_start_time"),
    ),
    PropertySpec(
        "hs_meeting_title", "Meeting name", "string", "text", "meeting", text(2, 6, null=20)
    ),
    PropertySpec(
        "hs_meeting_body",
        "Meeting description",
        "string",
        "html",
        "meeting",
        text(0, 60, null=250, long_every=300),
    ),
    PropertySpec(
        "hs_internal_meeting_notes",
        "Internal meeting notes",
        "string",
        "html",
        "meeting",
        text(1, 30, null=500),
    ),
    PropertySpec(
        "hs_meeting_start_time",
        "Start Time",
        "datetime",
        "date",
        "meeting",
        _nullable(_meeting_start, 10),
    ),
    PropertySpec("hs_meeting_end_time", "End Time", "datetime", "date", "meeting", _meeting_end),
    PropertySpec(
        "hs_meeting_outcome",
        "Meeting outcome",
        "enumeration",
        "select",
        "meeting",
        enum(OUTCOMES, null=100),
        OUTCOMES,
    ),
    PropertySpec(
        "hs_meeting_location",
        "Location",
        "string",
        "text",
        "meeting",
        pick(("Zoom", "Google Meet", "Room 4.01", "Café Einstein", "会議室 A"), null=300, empty=50),
    ),
    PropertySpec(
        "hs_meeting_external_url",
        "External URL",
        "string",
        "text",
        "meeting",
        _nullable(lambda h, _c: f"https://meet.example.com/{h % 10**9:09d}", 400),
    ),
    PropertySpec(
        "hs_meeting_source",
        "Meeting source",
        "enumeration",
        "select",
        "meeting",
        enum(MEETING_SOURCES),
        MEETING_SOURCES,
    ),
    PropertySpec(
        "hs_activity_type",
        "Call and meeting type",
        "enumeration",
        "select",
        "engagement",
        enum(ACTIVITY_TYPES, null=300),
        ACTIVITY_TYPES,
    ),
    PropertySpec(
        "hubspot_owner_id",
        "Activity assigned to",
        "enumeration",
        "select",
        "engagement",
        pick(("9586504", "9586505", "9586506"), null=100),
    ),
    PropertySpec(
        "hs_attendee_owner_ids",
        "Attendee owner IDs",
        "enumeration",
        "checkbox",
        "meeting",
        multi((("a", "9586504"), ("b", "9586505"), ("c", "9586506")), 300),
    ),
    PropertySpec(
        "hs_include_description_in_reminder",
        "Include description in reminder",
        "bool",
        "booleancheckbox",
        "meeting",
        boolean(null=200),
        (("Yes", "true"), ("No", "false")),
    ),
    PropertySpec(
        "attendee_count",
        "Attendee count",
        "number",
        "number",
        "meeting",
        integer(1, 40, null=150),
        hubspot_defined=False,
    ),
    PropertySpec(
        "follow_up_date",
        "Follow-up date",
        "date",
        "date",
        "meeting",
        date_in_years(2022, 4, null=500),
        hubspot_defined=False,
    ),
]

APPOINTMENTS: list[PropertySpec] = [
    *_common_keys("appointment_information", "hs_createdate", "hs_lastmodifieddate"),
    PropertySpec(
        "hs_appointment_name",
        "Appointment name",
        "string",
        "text",
        "appointment_information",
        text(2, 5, null=10),
    ),
    PropertySpec(
        "hs_appointment_start",
        "Appointment start",
        "datetime",
        "date",
        "appointment_information",
        datetime_after_created(90, null=20),
    ),
    PropertySpec(
        "hs_appointment_end",
        "Appointment end",
        "datetime",
        "date",
        "appointment_information",
        datetime_after_created(91, null=40),
    ),
    PropertySpec(
        "hs_appointment_status",
        "Status",
        "enumeration",
        "select",
        "appointment_information",
        enum(APPT_STATUS, null=50),
        APPT_STATUS,
    ),
    PropertySpec(
        "hs_appointment_type",
        "Appointment type",
        "enumeration",
        "checkbox",
        "appointment_information",
        multi(APPT_TYPES, null=200),
        APPT_TYPES,
    ),
    PropertySpec(
        "hs_price",
        "Price",
        "number",
        "number",
        "appointment_information",
        decimal(20, 900, null=150),
    ),
    PropertySpec(
        "hs_is_virtual",
        "Virtual",
        "bool",
        "booleancheckbox",
        "appointment_information",
        boolean(null=100),
        (("Yes", "true"), ("No", "false")),
    ),
    PropertySpec(
        "hs_notes",
        "Notes",
        "string",
        "textarea",
        "appointment_information",
        text(0, 50, null=300, long_every=200),
    ),
    PropertySpec(
        "appointment_date",
        "Appointment date",
        "date",
        "date",
        "appointment_information",
        date_in_years(2023, 3, null=100),
        hubspot_defined=False,
    ),
]

COMPANIES_PROPS: list[PropertySpec] = [
    *_common_keys("companyinformation", "createdate", "hs_lastmodifieddate"),
    _key("hs_merged_object_ids", "Merged Company IDs", "enumeration", "companyinformation"),
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
    *_common_keys("dealinformation", "createdate", "hs_lastmodifieddate"),
    _key("hs_merged_object_ids", "Merged Deal IDs", "enumeration", "dealinformation"),
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
        enum((("Sales Pipeline", "default"),)),
        (("Sales Pipeline", "default"),),
    ),
    PropertySpec(
        "dealstage",
        "Deal Stage",
        "enumeration",
        "radio",
        "dealinformation",
        enum(DEAL_STAGES),
        DEAL_STAGES,
    ),
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

CATALOG: dict[str, list[PropertySpec]] = {
    "contacts": CONTACTS,
    "meetings": MEETINGS,
    "appointments": APPOINTMENTS,
    "companies": COMPANIES_PROPS,
    "deals": DEALS_PROPS,
}


def properties_response(type_name: str) -> dict[str, Any]:
    """Body of GET /crm/v3/properties/{type}."""
    return {"results": [p.to_api(i) for i, p in enumerate(CATALOG[type_name])]}
