"""Unit tests: object types as values, the stream naming rule, list-or-"all" settings."""

from __future__ import annotations

import pytest
from tap_hubspot_assoc.association.pairs import AssociationConfigError, Direction
from tap_hubspot_assoc.object_types import (
    STANDARD_TYPES,
    ObjectKind,
    SchemaShapeError,
    custom_types_from_schemas,
    standard_type,
)
from tap_hubspot_assoc.portal_types import configured_list


def schema(type_id: str, name: str, portal: int = 1234567, **extra: object) -> dict:
    return {
        "objectTypeId": type_id,
        "name": name,
        "fullyQualifiedName": f"p{portal}_{name}",
        **extra,
    }


@pytest.mark.parametrize(
    ("spelling", "name", "type_id"),
    [
        ("contacts", "contacts", "0-1"),
        ("Contact", "contacts", "0-1"),
        ("0-1", "contacts", "0-1"),
        ("line_item", "line_items", "0-8"),
        ("0-116", "postal_mail", "0-116"),
        (" leads ", "leads", "0-136"),
        ("0-421", "appointments", "0-421"),
    ],
)
def test_standard_types_resolve_from_every_spelling(spelling, name, type_id):
    found = standard_type(spelling)
    assert found is not None
    assert (found.name, found.type_id, found.kind) == (name, type_id, ObjectKind.STANDARD)


def test_only_contacts_use_lastmodifieddate():
    by_modified = {t.name: t.modified_property for t in STANDARD_TYPES}
    assert by_modified.pop("contacts") == "lastmodifieddate"
    assert set(by_modified.values()) == {"hs_lastmodifieddate"}
    assert standard_type("contacts").created_property == "createdate"  # type: ignore[union-attr]
    assert standard_type("notes").created_property == "hs_createdate"  # type: ignore[union-attr]


def test_type_ids_and_names_are_unique():
    assert len({t.type_id for t in STANDARD_TYPES}) == len(STANDARD_TYPES)
    assert len({t.name for t in STANDARD_TYPES}) == len(STANDARD_TYPES)


def test_paths_use_names_only_where_hubspot_documents_them():
    assert standard_type("contacts").path_ref == "contacts"  # type: ignore[union-attr]
    assert standard_type("meetings").path_ref == "meetings"  # type: ignore[union-attr]
    assert standard_type("line_items").path_ref == "0-8"  # type: ignore[union-attr]
    pets = custom_types_from_schemas([schema("2-1001", "pets")])[0]
    assert pets.path_ref == "2-1001"


def test_custom_objects_are_named_by_name_unless_it_clashes():
    pets, tickets, courses, upper = custom_types_from_schemas(
        [
            schema("2-1001", "pets"),
            schema("2-1002", "tickets"),  # a standard type's name
            schema("2-1003", "course"),  # a standard type's singular (not activated: no matter)
            schema("2-1004", "Vehicles"),
        ]
    )
    assert (pets.name, pets.kind, pets.modified_property) == (
        "pets",
        ObjectKind.CUSTOM,
        "hs_lastmodifieddate",
    )
    assert tickets.name == "p1234567_tickets"
    assert courses.name == "p1234567_course"
    assert upper.name == "vehicles"
    assert {"2-1001", "p1234567_pets", "pets"} <= pets.spellings()


def test_custom_objects_clashing_with_each_other_use_their_qualified_names():
    first, second = custom_types_from_schemas(
        [schema("2-1", "Pets"), schema("2-2", "pets", portal=99)]
    )
    assert (first.name, second.name) == ("p1234567_pets", "p99_pets")


def test_archived_schemas_are_ignored_and_bad_ones_rejected():
    assert custom_types_from_schemas([schema("2-1", "pets", archived=True)]) == []
    with pytest.raises(SchemaShapeError):
        custom_types_from_schemas([{"name": "pets"}])


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("all", None),
        (" ALL ", None),
        (["all"], None),
        (["contacts", "meetings"], ["contacts", "meetings"]),
        ('["contacts", "0-421"]', ["contacts", "0-421"]),
        ("contacts, meetings", ["contacts", "meetings"]),
        ("['contacts', 'meetings']", ["contacts", "meetings"]),  # Meltano's --config ENV
        ("[{'from': 'meetings', 'to': 'contacts'}]", [{"from": "meetings", "to": "contacts"}]),
        (["['contacts'", " 'meetings']"], ["contacts", "meetings"]),  # ... split by the SDK
        (["[{'from': 'meetings'", " 'to': 'contacts'}]"], [{"from": "meetings", "to": "contacts"}]),
        ([], []),
    ],
)
def test_list_settings_take_a_list_or_all(value, expected):
    assert configured_list(value, "object_types") == expected


def test_a_list_setting_of_another_type_is_an_error():
    with pytest.raises(AssociationConfigError, match="object_types must be a list"):
        configured_list(42, "object_types")


def test_direction_path_references_do_not_change_identity():
    pets = custom_types_from_schemas([schema("2-1001", "pets")])[0]
    contacts = standard_type("contacts")
    assert contacts is not None
    direction = Direction.between(pets, contacts)
    assert direction == Direction("pets", "contacts")
    assert (direction.from_path, direction.to_path) == ("2-1001", "contacts")
    assert (direction.reverse.from_path, direction.reverse.to_path) == ("contacts", "2-1001")
    assert direction.stream_name == "pets_to_contacts_associations"
