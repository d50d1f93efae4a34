"""Reference data parsing without a server: deleted stages from audit logs, strict fields,
the reference_data and list_members settings."""

from __future__ import annotations

from typing import Any

import pytest
from tap_hubspot_assoc.reference.fields import Item, ReferenceShapeError
from tap_hubspot_assoc.reference.kinds import (
    ReferenceKind,
    ReferenceSettingsError,
    choose_kinds,
)
from tap_hubspot_assoc.reference.lists import HubSpotList, choose_members
from tap_hubspot_assoc.reference.owners import parse_owner
from tap_hubspot_assoc.reference.pipelines import deleted_stages, parse_audit, parse_pipeline

ENDPOINT = "GET /crm/v3/pipelines/deals"


def stage(stage_id: str, label: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": stage_id,
        "label": label,
        "displayOrder": 0,
        "metadata": {"probability": "0.5"},
        "createdAt": "2024-01-01T00:00:00Z",
        "updatedAt": "2024-01-02T00:00:00Z",
        "archived": False,
        **extra,
    }


def pipeline(*stages: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "p1",
        "label": "Sales",
        "displayOrder": 0,
        "createdAt": "2024-01-01T00:00:00Z",
        "updatedAt": "2024-01-01T00:00:00Z",
        "archived": False,
        "stages": list(stages),
    }


def entry(action: str, identifier: str, at: str, raw: dict[str, Any]) -> dict[str, Any]:
    return {
        "action": action,
        "identifier": identifier,
        "timestamp": at,
        "rawObject": raw,
        "portalId": 1,
    }


def deleted(current: dict[str, Any], entries: list[dict[str, Any]]) -> list[tuple]:
    audit = parse_audit({"results": entries}, ENDPOINT + "/p1/audit", "p1")
    found = deleted_stages(parse_pipeline(Item(current, ENDPOINT)), audit)
    return [(s.stage_id, s.label, s.archived, s.archived_at, s.from_audit) for s in found]


def test_a_stage_missing_from_a_newer_pipeline_snapshot_was_deleted_then():
    a, b = stage("a", "Open"), stage("b", "Legal")
    entries = [  # newest first, as HubSpot sends them
        entry("UPDATE", "p1", "2024-03-01T00:00:00Z", pipeline(a)),
        entry("UPDATE", "p1", "2024-02-01T00:00:00Z", pipeline(a, stage("b", "Legal review"))),
        entry("CREATE", "p1", "2024-01-01T00:00:00Z", pipeline(a, b)),
    ]
    assert deleted(pipeline(a), entries) == [
        ("b", "Legal review", True, "2024-03-01T00:00:00.000Z", True)
    ]


def test_a_delete_entry_dates_the_deletion_and_order_of_entries_does_not_matter():
    a, b = stage("a", "Open"), stage("b", "Won")
    entries = [
        entry("CREATE", "b", "2024-01-01T00:00:00Z", b),
        entry("DELETE", "b", "2024-05-05T05:05:05.5Z", {**b, "archived": True}),
        entry("CREATE", "p1", "2024-01-01T00:00:00Z", pipeline(a)),
    ]
    assert deleted(pipeline(a), entries) == [("b", "Won", True, "2024-05-05T05:05:05.500Z", True)]


def test_a_stage_in_the_pipeline_today_is_never_from_the_audit():
    a, b = stage("a", "Open"), stage("b", "Won")
    entries = [
        entry("CREATE", "b", "2024-06-01T00:00:00Z", b),
        entry("DELETE", "b", "2024-05-01T00:00:00Z", b),
        entry("CREATE", "b", "2024-01-01T00:00:00Z", b),
    ]
    assert deleted(pipeline(a, b), entries) == []


def test_audit_entries_without_a_stage_snapshot_add_nothing():
    a = stage("a", "Open")
    entries = [entry("UPDATE", "p1", "2024-06-01T00:00:00Z", {})]
    assert deleted(pipeline(a), entries) == []


def test_a_required_field_missing_names_the_endpoint_and_item():
    with pytest.raises(ReferenceShapeError, match=r"GET /crm/v3/owners: required field 'type' "):
        parse_owner(
            Item(
                {
                    "id": "41",
                    "createdAt": "2024-01-01T00:00:00Z",
                    "updatedAt": "2024-01-01T00:00:00Z",
                    "archived": False,
                },
                "GET /crm/v3/owners",
            )
        )
    bad = pipeline(stage("a", "Open", metadata={"probability": "likely"}))
    with pytest.raises(ReferenceShapeError, match="probability that is not a number: 'likely'"):
        parse_pipeline(Item(bad, ENDPOINT))


def test_fields_hubspot_adds_are_ignored():
    owner = parse_owner(
        Item(
            {
                "id": "41",
                "type": "QUEUE",
                "createdAt": "2024-01-01T00:00:00Z",
                "updatedAt": "2024-01-01T00:00:00Z",
                "archived": False,
                "somethingNew": {"nested": [1, 2]},
            },
            "GET /crm/v3/owners",
        )
    )
    assert (owner.owner_id, owner.owner_type, owner.user_id, owner.teams) == (
        "41",
        "QUEUE",
        None,
        (),
    )


@pytest.mark.parametrize(
    ("value", "kinds", "explicit"),
    [
        (None, tuple(ReferenceKind), False),
        ("all", tuple(ReferenceKind), False),
        (["ALL"], tuple(ReferenceKind), False),
        ([], (), True),
        ('["lists", "owner_teams"]', (ReferenceKind.LISTS, ReferenceKind.OWNERS), True),
        ("pipelines, pipeline_stages", (ReferenceKind.PIPELINES,), True),
    ],
)
def test_reference_data_setting(value, kinds, explicit):
    choice = choose_kinds(value)
    assert (choice.kinds, choice.explicit) == (kinds, explicit)


def test_reference_data_rejects_unknown_kinds():
    with pytest.raises(ReferenceSettingsError, match="unknown kind 'workflows'"):
        choose_kinds(["owners", "workflows"])


def hubspot_list(list_id: str, name: str) -> HubSpotList:
    return HubSpotList(list_id, name, "0-1", "MANUAL", None, None, 10, None, None, None)


def test_list_members_choose_by_id_or_name():
    lists = [
        hubspot_list("3", "Q4 webinar"),
        hubspot_list("7", "q4 WEBINAR"),
        hubspot_list("9", "7"),
    ]
    assert choose_members(None).none
    assert [hl.list_id for hl in choose_members("all").select(lists)] == ["3", "7", "9"]
    assert [hl.list_id for hl in choose_members(["Q4 webinar"]).select(lists)] == ["3"]
    assert [hl.list_id for hl in choose_members(["q4 Webinar"]).select(lists)] == ["3", "7"]
    assert [hl.list_id for hl in choose_members(["7"]).select(lists)] == ["7"]  # id first
    with pytest.raises(ReferenceSettingsError, match="no list has the id or name 'Q5'"):
        choose_members(["Q5", "3"]).select(lists)
