"""Service and sales-process types: tickets, leads and feedback submissions."""

from __future__ import annotations

from .base import (
    PropertySpec,
    boolean,
    common_keys,
    date_in_years,
    datetime_after_created,
    enum,
    integer,
    key_prop,
    multi,
    nullable,
    opts,
    owner_prop,
    paragraphs,
    pick,
    prop,
    text,
)
from .pools import FIRST_NAMES, LAST_NAMES
from .refids import owner_gen, pipeline_gen, pipeline_options, stage_gen, stage_options

PRIORITIES = opts("LOW", "MEDIUM", "HIGH", "URGENT")
CATEGORIES = opts("PRODUCT_ISSUE", "BILLING_ISSUE", "FEATURE_REQUEST", "GENERAL_INQUIRY")
SOURCES = opts("EMAIL", "CHAT", "FORM", "PHONE")
LEAD_TYPES = opts("NEW_BUSINESS", "UPSELL", "RE_ATTEMPTING")
LEAD_LABELS = opts("COLD", "WARM", "HOT")
SURVEY_TYPES = opts("NPS", "CSAT", "CES", "CUSTOM")
SENTIMENT = opts("DETRACTOR", "PASSIVE", "PROMOTER")

TICKETS: list[PropertySpec] = [
    *common_keys("ticketinformation", "createdate", "hs_lastmodifieddate"),
    key_prop("hs_merged_object_ids", "Merged Ticket IDs", "enumeration", "ticketinformation"),
    prop("subject", "Ticket name", "string", "ticketinformation", text(2, 8, null=5)),
    prop(
        "content",
        "Ticket description",
        "string",
        "ticketinformation",
        paragraphs(1, 10, null=100, long_every=50),
        field_type="textarea",
    ),
    prop(
        "hs_pipeline",
        "Pipeline",
        "enumeration",
        "ticketinformation",
        pipeline_gen("tickets"),
        pipeline_options("tickets"),
    ),
    prop(
        "hs_pipeline_stage",
        "Ticket status",
        "enumeration",
        "ticketinformation",
        stage_gen("tickets", "hs_pipeline"),
        stage_options("tickets"),
    ),
    prop(
        "hs_ticket_priority",
        "Priority",
        "enumeration",
        "ticketinformation",
        enum(PRIORITIES, null=150),
        PRIORITIES,
    ),
    prop(
        "hs_ticket_category",
        "Category",
        "enumeration",
        "ticketinformation",
        multi(CATEGORIES, null=300),
        CATEGORIES,
        field_type="checkbox",
    ),
    prop("source_type", "Source", "enumeration", "ticketinformation", enum(SOURCES), SOURCES),
    prop(
        "closed_date",
        "Close date",
        "datetime",
        "ticketinformation",
        datetime_after_created(30, null=500),
    ),
    prop(
        "time_to_close",
        "Time to close (ms)",
        "number",
        "ticketinformation",
        integer(60_000, 2_592_000_000, null=500),
        calculated=True,
    ),
    prop("hs_is_escalated", "Escalated", "bool", "ticketinformation", boolean(null=200)),
    owner_prop("hubspot_owner_id", "Ticket owner", "ticketinformation", owner_gen(null=100)),
    prop(
        "customer_tier",
        "Customer tier",
        "enumeration",
        "ticketinformation",
        enum(opts("bronze", "silver", "gold"), null=200),
        opts("bronze", "silver", "gold"),
        hubspot_defined=False,
    ),
]

LEADS: list[PropertySpec] = [
    *common_keys("lead_information", "hs_createdate", "hs_lastmodifieddate"),
    prop(
        "hs_lead_name",
        "Lead name",
        "string",
        "lead_information",
        nullable(
            lambda h, _c: (
                f"{FIRST_NAMES[h % len(FIRST_NAMES)]} {LAST_NAMES[(h >> 8) % len(LAST_NAMES)]}"
            ),
            5,
        ),
    ),
    prop(
        "hs_pipeline",
        "Lead pipeline",
        "enumeration",
        "lead_information",
        pipeline_gen("leads"),
        pipeline_options("leads"),
    ),
    prop(
        "hs_pipeline_stage",
        "Lead stage",
        "enumeration",
        "lead_information",
        stage_gen("leads", "hs_pipeline"),
        stage_options("leads"),
    ),
    prop(
        "hs_lead_type",
        "Lead type",
        "enumeration",
        "lead_information",
        enum(LEAD_TYPES, 100),
        LEAD_TYPES,
    ),
    prop(
        "hs_lead_label",
        "Lead label",
        "enumeration",
        "lead_information",
        enum(LEAD_LABELS, null=200),
        LEAD_LABELS,
    ),
    prop(
        "hs_lead_is_disqualified",
        "Disqualified",
        "bool",
        "lead_information",
        boolean(),
        calculated=True,
    ),
    prop(
        "hs_time_in_stage",
        "Time in current stage (ms)",
        "number",
        "lead_information",
        integer(0, 10_000_000_000),
        calculated=True,
    ),
    owner_prop("hubspot_owner_id", "Lead owner", "lead_information", owner_gen(null=50)),
]

FEEDBACK_SUBMISSIONS: list[PropertySpec] = [
    *common_keys("feedback_submission_information", "hs_createdate", "hs_lastmodifieddate"),
    prop(
        "hs_survey_type",
        "Survey type",
        "enumeration",
        "feedback_submission_information",
        enum(SURVEY_TYPES),
        SURVEY_TYPES,
    ),
    prop(
        "hs_survey_name",
        "Survey name",
        "string",
        "feedback_submission_information",
        pick(("Quarterly NPS", "Support CSAT", "Onboarding CES", "Umfrage 2024", "満足度調査")),
    ),
    prop(
        "hs_response",
        "Response",
        "string",
        "feedback_submission_information",
        paragraphs(0, 4, null=200),
        field_type="textarea",
    ),
    prop(
        "hs_value", "Rating", "number", "feedback_submission_information", integer(0, 10, null=20)
    ),
    prop(
        "hs_sentiment",
        "Sentiment",
        "enumeration",
        "feedback_submission_information",
        enum(SENTIMENT, null=20),
        SENTIMENT,
        calculated=True,
    ),
    prop(
        "hs_submission_timestamp",
        "Submitted at",
        "datetime",
        "feedback_submission_information",
        datetime_after_created(2),
    ),
    prop(
        "hs_survey_channel",
        "Channel",
        "enumeration",
        "feedback_submission_information",
        enum(opts("EMAIL", "WEB", "CHAT")),
        opts("EMAIL", "WEB", "CHAT"),
    ),
    prop(
        "hs_visitor_date",
        "Visit date",
        "date",
        "feedback_submission_information",
        date_in_years(2023, 2, null=300),
    ),
]
