"""The two portal-specific custom object types: pets and vehicles (not HubSpot-defined)."""

from __future__ import annotations

from .base import (
    PropertySpec,
    boolean,
    common_keys,
    date_in_years,
    datetime_after_created,
    decimal,
    enum,
    integer,
    multi,
    opts,
    paragraphs,
    pick,
    pipeline_props,
    prop,
)
from .refids import pipeline_gen, pipeline_options, stage_gen, stage_options

SPECIES = opts("dog", "cat", "rabbit", "parrot", "hamster")
TRAITS = opts("friendly", "shy", "playful", "noisy", "lazy")
FUELS = opts("petrol", "diesel", "electric", "hybrid")
PET_NAMES = ("Bello", "Minka", "Rex", "Luna", "Schnüffel", "Pépé", "ポチ", "Барсик", "Kiwi", "Olaf")
MAKES = ("Volkswagen", "Škoda", "Toyota", "Renault", "Tesla", "Fiat", "Citroën", "Volvo")


def _custom(*props: PropertySpec) -> list[PropertySpec]:
    # Portal-defined: HubSpot marks the keys as defined by it, the rest as custom.
    return [
        *common_keys("custom_object_information", "hs_createdate", "hs_lastmodifieddate"),
        *(
            PropertySpec(
                p.name,
                p.label,
                p.type,
                p.field_type,
                p.group,
                p.gen,
                p.options,
                hubspot_defined=False,
                has_unique_value=p.has_unique_value,
            )
            for p in props
        ),
    ]


PETS: list[PropertySpec] = _custom(
    prop("pet_name", "Pet name", "string", "custom_object_information", pick(PET_NAMES)),
    prop("species", "Species", "enumeration", "custom_object_information", enum(SPECIES), SPECIES),
    prop(
        "traits",
        "Traits",
        "enumeration",
        "custom_object_information",
        multi(TRAITS, null=200),
        TRAITS,
        field_type="checkbox",
    ),
    prop("weight_kg", "Weight (kg)", "number", "custom_object_information", decimal(1, 60, 100)),
    prop(
        "birth_date",
        "Birth date",
        "date",
        "custom_object_information",
        date_in_years(2008, 16, 150),
    ),
    prop(
        "last_vet_visit",
        "Last vet visit",
        "datetime",
        "custom_object_information",
        datetime_after_created(365, null=300),
    ),
    prop("vaccinated", "Vaccinated", "bool", "custom_object_information", boolean(null=100)),
    prop(
        "pet_notes",
        "Notes",
        "string",
        "custom_object_information",
        paragraphs(0, 4, null=400),
        field_type="textarea",
    ),
)
PETS += pipeline_props(
    "custom_object_information",
    pipeline_gen("pets"),
    stage_gen("pets", "hs_pipeline"),
    (pipeline_options("pets"), stage_options("pets")),
)

VEHICLES: list[PropertySpec] = _custom(
    prop(
        "license_plate",
        "License plate",
        "string",
        "custom_object_information",
        lambda h, c: f"B-{chr(65 + h % 26)}{chr(65 + (h >> 5) % 26)} {c.record_id % 10000}",
        has_unique_value=True,
    ),
    prop("make", "Make", "string", "custom_object_information", pick(MAKES)),
    prop("fuel", "Fuel", "enumeration", "custom_object_information", enum(FUELS), FUELS),
    prop("model_year", "Model year", "number", "custom_object_information", integer(1995, 2025)),
    prop(
        "mileage_km", "Mileage (km)", "number", "custom_object_information", integer(0, 400_000, 50)
    ),
    prop(
        "registered_on",
        "Registered on",
        "date",
        "custom_object_information",
        date_in_years(1995, 30, 50),
    ),
    prop("is_leased", "Leased", "bool", "custom_object_information", boolean(null=50)),
)
