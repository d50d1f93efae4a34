"""Types that must be activated in an account first: services, courses and listings."""

from __future__ import annotations

from .base import (
    PropertySpec,
    common_keys,
    date_in_years,
    decimal,
    enum,
    integer,
    opts,
    owner_prop,
    paragraphs,
    pick,
    pipeline_props,
    prop,
    text,
)
from .pools import CITIES
from .refids import owner_gen, pipeline_gen, pipeline_options, stage_gen, stage_options

SERVICES: list[PropertySpec] = [
    *common_keys("service_information", "hs_createdate", "hs_lastmodifieddate"),
    prop("hs_name", "Service name", "string", "service_information", text(1, 4)),
    prop(
        "hs_description",
        "Description",
        "string",
        "service_information",
        paragraphs(0, 3, null=300),
        field_type="textarea",
    ),
    prop(
        "hs_pipeline",
        "Pipeline",
        "enumeration",
        "service_information",
        pipeline_gen("services"),
        pipeline_options("services"),
    ),
    prop(
        "hs_pipeline_stage",
        "Stage",
        "enumeration",
        "service_information",
        stage_gen("services", "hs_pipeline"),
        stage_options("services"),
    ),
    prop("hs_target_end_date", "Target end", "date", "service_information", date_in_years(2024, 2)),
    owner_prop("hs_owner_id", "Owner", "service_information", owner_gen()),
]

COURSES: list[PropertySpec] = [
    *common_keys("course_information", "hs_createdate", "hs_lastmodifieddate"),
    prop("hs_course_name", "Course name", "string", "course_information", text(2, 5)),
    prop("hs_price", "Price", "number", "course_information", decimal(10, 2000, null=100)),
    prop("hs_seats", "Seats", "number", "course_information", integer(5, 200)),
    prop("hs_start_date", "Start date", "date", "course_information", date_in_years(2024, 2)),
    owner_prop("hs_owner_id", "Owner", "course_information", owner_gen()),
]
COURSES += pipeline_props(
    "course_information",
    pipeline_gen("courses"),
    stage_gen("courses", "hs_pipeline"),
    (pipeline_options("courses"), stage_options("courses")),
)

LISTINGS: list[PropertySpec] = [
    *common_keys("listing_information", "hs_createdate", "hs_lastmodifieddate"),
    prop("hs_name", "Listing name", "string", "listing_information", text(2, 5)),
    prop("hs_price", "Price", "number", "listing_information", decimal(50_000, 2_000_000)),
    prop("hs_city", "City", "string", "listing_information", pick(CITIES)),
    prop("hs_bedrooms", "Bedrooms", "number", "listing_information", integer(0, 8)),
    prop(
        "hs_listing_type",
        "Listing type",
        "enumeration",
        "listing_information",
        enum(opts("house", "apartment", "townhouse", "land")),
        opts("house", "apartment", "townhouse", "land"),
    ),
]
LISTINGS += pipeline_props(
    "listing_information",
    pipeline_gen("listings"),
    stage_gen("listings", "hs_pipeline"),
    (pipeline_options("listings"), stage_options("listings")),
)
