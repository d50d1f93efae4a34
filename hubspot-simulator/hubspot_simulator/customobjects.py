"""The portal's custom object schemas (``GET /crm/v3/schemas``), built from the object types,
their property catalogue and their association pairs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .dataset import Dataset
from .objecttypes import OBJECT_TYPES, PORTAL_ID, ObjectType, resolve

DEFINED_AT = "2023-04-12T09:30:00.000Z"


@dataclass(frozen=True)
class CustomObjectDef:
    """Schema metadata of one custom object type (the type itself is in ``objecttypes``)."""

    name: str
    singular_label: str
    plural_label: str
    primary_display: str
    secondary_display: tuple[str, ...]
    required: tuple[str, ...]
    searchable: tuple[str, ...]
    description: str


CUSTOM_OBJECTS: dict[str, CustomObjectDef] = {
    "pets": CustomObjectDef(
        "pets",
        "Pet",
        "Pets",
        "pet_name",
        ("species",),
        ("pet_name",),
        ("pet_name", "species"),
        "Animals owned by contacts.",
    ),
    "vehicles": CustomObjectDef(
        "vehicles",
        "Vehicle",
        "Vehicles",
        "license_plate",
        ("make", "model_year"),
        ("license_plate",),
        ("license_plate", "make"),
        "Vehicles driven by contacts.",
    ),
}
assert set(CUSTOM_OBJECTS) == {t.name for t in OBJECT_TYPES if t.custom}


def _associations(dataset: Dataset, otype: ObjectType) -> list[dict[str, Any]]:
    out = []
    for (a, b), pair in dataset.pairs.items():
        if otype.name not in (a, b):
            continue
        side = 0 if a == otype.name else 1
        other = resolve(b if side == 0 else a)
        assert other is not None
        for label in pair.labels:
            if label.deleted:
                continue
            spec = label.spec(side)
            default = f"{otype.singular}_to_{other.singular}".upper()
            out.append(
                {
                    "fromObjectTypeId": otype.type_id,
                    "toObjectTypeId": other.type_id,
                    "name": spec["label"].upper().replace(" ", "_") if spec["label"] else default,
                    "id": str(spec["typeId"]),
                    "createdAt": DEFINED_AT,
                    "updatedAt": DEFINED_AT,
                }
            )
    return out


def schema(dataset: Dataset, otype: ObjectType) -> dict[str, Any]:
    """One ``ObjectSchema``."""
    d = CUSTOM_OBJECTS[otype.name]
    props = dataset.reference.properties.listing(otype.name, archived=False)
    return {
        "id": otype.type_id.split("-", 1)[1],
        "objectTypeId": otype.type_id,
        "fullyQualifiedName": otype.fully_qualified_name,
        "name": otype.name,
        "labels": {"singular": d.singular_label, "plural": d.plural_label},
        "description": d.description,
        "primaryDisplayProperty": d.primary_display,
        "secondaryDisplayProperties": list(d.secondary_display),
        "requiredProperties": list(d.required),
        "searchableProperties": list(d.searchable),
        "properties": props,
        "associations": _associations(dataset, otype),
        "metaType": "PORTAL_SPECIFIC",
        "portalId": PORTAL_ID,
        "createdByUserId": 9586504,
        "updatedByUserId": 9586504,
        "createdAt": DEFINED_AT,
        "updatedAt": DEFINED_AT,
        "archived": False,
    }


def custom_types(dataset: Dataset) -> list[ObjectType]:
    """The activated custom object types, in type id order."""
    return [t for t in OBJECT_TYPES if t.custom and t.name in dataset.activated]
