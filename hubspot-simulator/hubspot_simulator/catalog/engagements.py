"""The activity engagements besides meetings: calls, emails, notes, tasks, communications and
postal mail (all keyed by ``hs_createdate`` / ``hs_lastmodifieddate``, with ``hs_timestamp``)."""

from __future__ import annotations

from .base import (
    PropertySpec,
    boolean,
    common_keys,
    datetime_after_created,
    enum,
    integer,
    multi,
    nullable,
    opts,
    owner_prop,
    paragraphs,
    pick,
    prop,
    text,
)
from .refids import owner_gen

DIRECTIONS = opts("INBOUND", "OUTBOUND")
CALL_STATUS = opts("COMPLETED", "BUSY", "NO_ANSWER", "FAILED", "CANCELED", "QUEUED")
EMAIL_DIRECTIONS = opts("EMAIL", "INCOMING_EMAIL", "FORWARDED_EMAIL")
EMAIL_STATUS = opts("BOUNCED", "FAILED", "SCHEDULED", "SENDING", "SENT")
TASK_STATUS = opts("NOT_STARTED", "IN_PROGRESS", "WAITING", "COMPLETED", "DEFERRED")
TASK_PRIORITY = opts("NONE", "LOW", "MEDIUM", "HIGH")
TASK_TYPES = opts("CALL", "EMAIL", "TODO", "LINKED_IN")
CHANNELS = opts("SMS", "WHATS_APP", "LINKEDIN_MESSAGE")
POSTAL_TYPES = opts("SENT", "RECEIVED")


def _activity(group: str) -> list[PropertySpec]:
    """Keys plus the fields every engagement has."""
    return [
        *common_keys(group, "hs_createdate", "hs_lastmodifieddate"),
        prop("hs_timestamp", "Activity date", "datetime", group, datetime_after_created(30)),
        owner_prop("hubspot_owner_id", "Activity assigned to", group, owner_gen(null=100)),
    ]


CALLS: list[PropertySpec] = [
    *_activity("call"),
    prop("hs_call_title", "Call title", "string", "call", text(2, 6, null=30)),
    prop(
        "hs_call_body",
        "Call notes",
        "string",
        "call",
        paragraphs(1, 6, null=150),
        field_type="html",
    ),
    prop(
        "hs_call_duration",
        "Call duration (ms)",
        "number",
        "call",
        integer(0, 3_600_000, null=50),
    ),
    prop(
        "hs_call_direction", "Call direction", "enumeration", "call", enum(DIRECTIONS), DIRECTIONS
    ),
    prop("hs_call_status", "Call status", "enumeration", "call", enum(CALL_STATUS), CALL_STATUS),
    prop(
        "hs_call_to_number",
        "To number",
        "string",
        "call",
        nullable(lambda h, _c: f"+1 617 555 {h % 10_000:04d}", 100, 20),
    ),
    prop(
        "hs_call_recording_url",
        "Recording URL",
        "string",
        "call",
        nullable(lambda h, _c: f"https://rec.example.com/{h % 10**9:09d}.mp3", 600),
    ),
    prop("hs_call_has_transcript", "Has transcript", "bool", "call", boolean(null=200)),
]

EMAILS: list[PropertySpec] = [
    *_activity("email"),
    prop("hs_email_subject", "Email subject", "string", "email", text(2, 9, null=20)),
    prop(
        "hs_email_text",
        "Email body (text)",
        "string",
        "email",
        paragraphs(2, 25, null=50, long_every=400),
        field_type="textarea",
    ),
    prop(
        "hs_email_direction",
        "Email direction",
        "enumeration",
        "email",
        enum(EMAIL_DIRECTIONS),
        EMAIL_DIRECTIONS,
    ),
    prop(
        "hs_email_status",
        "Email send status",
        "enumeration",
        "email",
        enum(EMAIL_STATUS),
        EMAIL_STATUS,
    ),
    prop(
        "hs_email_to_email",
        "To",
        "string",
        "email",
        nullable(lambda h, c: f"contact{h % 100_000}@example.com", 30),
    ),
    prop(
        "hs_email_open_count",
        "Open count",
        "number",
        "email",
        integer(0, 40),
        calculated=True,
    ),
    prop("hs_email_has_inline_images", "Inline images", "bool", "email", boolean(null=300)),
]

NOTES: list[PropertySpec] = [
    *_activity("note"),
    prop(
        "hs_note_body",
        "Note body",
        "string",
        "note",
        paragraphs(1, 12, null=30, long_every=100),
        field_type="html",
    ),
    prop(
        "hs_attachment_ids",
        "Attachment IDs",
        "enumeration",
        "note",
        multi((("a", "5001"), ("b", "5002"), ("c", "5003")), null=700),
        field_type="checkbox",
    ),
    prop("hs_note_pinned", "Pinned", "bool", "note", boolean(null=100)),
]

TASKS: list[PropertySpec] = [
    *_activity("task"),
    prop("hs_task_subject", "Task title", "string", "task", text(2, 7, null=10)),
    prop(
        "hs_task_body",
        "Task notes",
        "string",
        "task",
        paragraphs(0, 5, null=300),
        field_type="html",
    ),
    prop("hs_task_status", "Task status", "enumeration", "task", enum(TASK_STATUS), TASK_STATUS),
    prop(
        "hs_task_priority",
        "Priority",
        "enumeration",
        "task",
        enum(TASK_PRIORITY, null=100),
        TASK_PRIORITY,
    ),
    prop("hs_task_type", "Task type", "enumeration", "task", enum(TASK_TYPES), TASK_TYPES),
    prop(
        "hs_task_completion_date",
        "Completed at",
        "datetime",
        "task",
        datetime_after_created(60, null=500),
    ),
    prop("hs_task_is_overdue", "Is overdue", "bool", "task", boolean(), calculated=True),
    prop(
        "hs_task_reminders",
        "Reminders",
        "enumeration",
        "task",
        multi((("1 day", "1d"), ("1 hour", "1h"), ("at time", "0")), null=500),
        field_type="checkbox",
    ),
]

COMMUNICATIONS: list[PropertySpec] = [
    *_activity("communication"),
    prop(
        "hs_communication_channel_type",
        "Channel type",
        "enumeration",
        "communication",
        enum(CHANNELS),
        CHANNELS,
    ),
    prop(
        "hs_communication_body",
        "Message body",
        "string",
        "communication",
        paragraphs(1, 4, null=50),
        field_type="textarea",
    ),
    prop(
        "hs_communication_logged_from",
        "Logged from",
        "enumeration",
        "communication",
        enum(opts("CRM", "INBOX")),
        opts("CRM", "INBOX"),
    ),
]

POSTAL_MAIL: list[PropertySpec] = [
    *_activity("postal_mail"),
    prop(
        "hs_postal_mail_body",
        "Postal mail body",
        "string",
        "postal_mail",
        paragraphs(1, 8, null=100),
        field_type="textarea",
    ),
    prop(
        "hs_postal_mail_type",
        "Sent or received",
        "enumeration",
        "postal_mail",
        enum(POSTAL_TYPES),
        POSTAL_TYPES,
    ),
    prop(
        "hs_postal_mail_carrier",
        "Carrier",
        "string",
        "postal_mail",
        pick(("USPS", "DHL", "Deutsche Post", "La Poste", "日本郵便"), null=200),
    ),
    prop(
        "hs_postal_mail_tracking_number",
        "Tracking number",
        "string",
        "postal_mail",
        nullable(lambda h, _c: f"TRK{h % 10**12:012d}", 400),
    ),
]
