"""Meetings (the 0-47 engagement) and appointments (the 0-421 object)."""

from __future__ import annotations

from ..util import iso, parse_time
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
    multi,
    nullable,
    opts,
    owner_prop,
    pick,
    text,
)


def _meeting_start(h: int, c: GenContext) -> str:
    return iso(c.created_ms + (h % (60 * 86_400)) * 1000 - 30 * 86_400_000)


def _meeting_end(h: int, c: GenContext) -> str | None:
    start = c.raw("hs_meeting_start_time")
    if start is None:
        return None
    ms = parse_time(start) or 0
    return iso(ms + (15 + (h % 8) * 15) * 60_000)


OUTCOMES = opts("SCHEDULED", "COMPLETED", "RESCHEDULED", "NO_SHOW", "CANCELED")
MEETING_SOURCES = opts("CRM_UI", "MEETINGS_PUBLIC", "INTEGRATION", "BIDIRECTIONAL_API")
ACTIVITY_TYPES = (
    ("Discovery call", "Discovery call"),
    ("Demo", "Demo"),
    ("Follow-up", "Follow-up"),
)
APPT_STATUS = opts("scheduled", "confirmed", "completed", "canceled", "no_show")
APPT_TYPES = opts("consultation", "follow_up", "treatment", "assessment")

MEETINGS: list[PropertySpec] = [
    *common_keys("engagement", "hs_createdate", "hs_lastmodifieddate"),
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
        nullable(_meeting_start, 10),
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
        nullable(lambda h, _c: f"https://meet.example.com/{h % 10**9:09d}", 400),
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
    # the portal's first owners (9586506 has left since): values unchanged for the default
    # dataset, the definitions reference owners like HubSpot's
    owner_prop(
        "hubspot_owner_id",
        "Activity assigned to",
        "engagement",
        pick(("9586504", "9586505", "9586506"), null=100),
    ),
    owner_prop(
        "hs_attendee_owner_ids",
        "Attendee owner IDs",
        "meeting",
        multi((("a", "9586504"), ("b", "9586505"), ("c", "9586506")), 300),
        field_type="checkbox",
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
    *common_keys("appointment_information", "hs_createdate", "hs_lastmodifieddate"),
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
