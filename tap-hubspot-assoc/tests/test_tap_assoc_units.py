"""Unit tests: pairs and directions, the batch reader's paging and error handling."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from tap_hubspot_assoc.association.labels import LabelRegistry
from tap_hubspot_assoc.association.pairs import (
    AssociationConfigError,
    Direction,
    canonical_type,
    check_parents_configured,
    directions_from_config,
    fallback_type_ids,
)
from tap_hubspot_assoc.association.reader import (
    AssociationReader,
    ParentDone,
    ParentFailed,
    ParentRows,
)
from tap_hubspot_assoc.errors import HubSpotAPIError, HubSpotAuthError
from tap_hubspot_assoc.paths import ApiPaths

LOG = logging.getLogger("test")
M2C = Direction("meetings", "contacts")


class FakeClient:
    """Answers POSTs from a list of bodies (or raises), recording the request bodies."""

    paths = ApiPaths()

    def __init__(self, answers: list[Any]) -> None:
        self.answers = answers
        self.bodies: list[dict[str, Any]] = []

    def post(self, path: str, body: Any, **_: Any) -> Any:
        self.bodies.append(body)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def get(self, path: str, params: Any = None, **_: Any) -> Any:
        return {
            "results": [
                {"category": "HUBSPOT_DEFINED", "typeId": 200, "label": None},
                {"category": "USER_DEFINED", "typeId": 7, "label": "Host"},
            ]
        }


def reader(answers: list[Any]) -> tuple[AssociationReader, FakeClient]:
    client = FakeClient(answers)
    labels = LabelRegistry(client, {}, LOG)  # type: ignore[arg-type]
    return AssociationReader(client, M2C, labels, LOG), client  # type: ignore[arg-type]


def result(
    from_id: str,
    to_ids: list[int],
    after: str | None = None,
    types: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    spec = types or [{"category": "HUBSPOT_DEFINED", "typeId": 200, "label": None}]
    out: dict[str, Any] = {
        "from": {"id": from_id},
        "to": [{"toObjectId": t, "associationTypes": spec} for t in to_ids],
    }
    if after:
        out["paging"] = {"next": {"after": after, "link": "ignored"}}
    return out


def error(ids: list[str], category: str, sub: str | None = None) -> dict[str, Any]:
    return {
        "status": "error",
        "category": category,
        "subCategory": sub,
        "message": "m",
        "context": {"fromObjectId": ids},
    }


def test_canonical_names_and_both_directions_once():
    assert canonical_type("0-421") == "appointments"
    assert canonical_type("Contact") == "contacts"
    assert canonical_type("2-12345") == "2-12345"
    got = directions_from_config(
        [{"from": "meeting", "to": "contacts"}, {"from": "contacts", "to": "0-47"}]
    )
    assert got == [Direction("meetings", "contacts"), Direction("contacts", "meetings")]
    assert got[0].stream_name == "meetings_to_contacts_associations"
    assert directions_from_config(None) == got
    assert directions_from_config([]) == []
    with pytest.raises(AssociationConfigError):
        directions_from_config([{"from": "meetings"}])


def test_parents_must_be_object_streams():
    check_parents_configured(directions_from_config(None), ["0-1", "meeting"])
    with pytest.raises(AssociationConfigError, match="meetings"):
        check_parents_configured(directions_from_config(None), ["contacts"])
    with pytest.raises(AssociationConfigError, match="more than once"):
        check_parents_configured(directions_from_config(None), ["contacts", "meetings", "0-1"])


def test_fallback_defaults_and_overrides():
    merged = fallback_type_ids({"appointment_to_contact": [966]})
    assert merged["appointments_to_contacts"] == [966]
    assert merged["contacts_to_appointments"] == [907]
    assert merged["meetings_to_contacts"] == [200]
    assert merged["contacts_to_meetings"] == [199]


def test_follows_each_inputs_own_cursor_and_resends_only_those():
    r, client = reader(
        [
            {
                "results": [
                    result("1", list(range(500)), after="c1"),
                    result("2", [9]),
                    result("3", list(range(500, 1000)), after="c3"),
                ]
            },
            {
                "results": [
                    result("1", list(range(1000, 1500)), after="c1b"),
                    result("3", list(range(1500, 1600))),
                ]
            },
            {"results": [result("1", [2000])]},
        ]
    )
    events = list(r.read(["1", "2", "3"]))
    assert client.bodies[0] == {"inputs": [{"id": "1"}, {"id": "2"}, {"id": "3"}]}
    assert client.bodies[1] == {"inputs": [{"id": "1", "after": "c1"}, {"id": "3", "after": "c3"}]}
    assert client.bodies[2] == {"inputs": [{"id": "1", "after": "c1b"}]}
    done = {e.from_id: e.count for e in events if isinstance(e, ParentDone)}
    assert done == {"1": 1001, "2": 1, "3": 600}
    rows = [row for e in events if isinstance(e, ParentRows) for row in e.rows]
    assert len(rows) == 1602
    # a parent's Done comes after all of its rows
    last_rows = max(
        i for i, e in enumerate(events) if isinstance(e, ParentRows) and e.from_id == "1"
    )
    assert (
        events.index(next(e for e in events if isinstance(e, ParentDone) and e.from_id == "1"))
        > last_rows
    )
    assert r.requests == 3


def test_exactly_500_without_a_cursor_is_complete_and_duplicates_are_dropped():
    r, _ = reader([{"results": [result("1", [*range(500), 0])]}])
    events = list(r.read(["1", "1"]))
    assert [e.count for e in events if isinstance(e, ParentDone)] == [500]


def test_several_type_ids_per_link_and_labels_from_the_response_or_discovery():
    types = [
        {"category": "HUBSPOT_DEFINED", "typeId": 200, "label": None},
        {"category": "USER_DEFINED", "typeId": 7, "label": "From response"},
        {"typeId": 7},
    ]  # no category: filled from discovery (deduplicated anyway)
    r, _ = reader(
        [{"results": [result("1", [5], types=types), result("2", [6], types=[{"typeId": 7}])]}]
    )
    rows = {
        (e.from_id, row.type_id, row.category, row.label)
        for e in r.read(["1", "2"])
        if isinstance(e, ParentRows)
        for row in e.rows
    }
    assert rows == {
        ("1", 200, "HUBSPOT_DEFINED", None),
        ("1", 7, "USER_DEFINED", "From response"),
        ("2", 7, "USER_DEFINED", "Host"),
    }


def test_no_associations_in_category_or_subcategory_means_none():
    r, _ = reader(
        [
            {
                "results": [],
                "errors": [
                    error(["1"], "OBJECT_NOT_FOUND", "crm.associations.NO_ASSOCIATIONS_FOUND"),
                    error(["2"], "NO_ASSOCIATIONS_FOUND"),
                    error(["3"], "VALIDATION_ERROR", "crm.associations.SOMETHING"),
                ],
            }
        ]
    )
    events = list(r.read(["1", "2", "3", "4"]))
    assert {e.from_id: e.count for e in events if isinstance(e, ParentDone)} == {"1": 0, "2": 0}
    failed = {e.from_id: e.reason for e in events if isinstance(e, ParentFailed)}
    assert set(failed) == {"3", "4"}
    assert "VALIDATION_ERROR" in failed["3"]
    assert "neither" in failed["4"]


def test_no_associations_on_a_later_page_completes_with_what_was_read():
    r, _ = reader(
        [
            {"results": [result("1", [1, 2], after="c")]},
            {"results": [], "errors": [error(["1"], "OBJECT_NOT_FOUND", "NO_ASSOCIATIONS_FOUND")]},
        ]
    )
    assert [e.count for e in r.read(["1"]) if isinstance(e, ParentDone)] == [2]


def test_a_repeated_cursor_fails_the_parent_instead_of_looping():
    r, _ = reader(
        [{"results": [result("1", [1], after="c")]}, {"results": [result("1", [2], after="c")]}]
    )
    events = list(r.read(["1"]))
    assert isinstance(events[-1], ParentFailed)
    assert "repeated" in events[-1].reason


def test_a_refused_request_fails_its_parents_but_auth_errors_stop_the_run():
    r, _ = reader([HubSpotAPIError("bad", status=400)])
    assert {e.from_id for e in r.read(["1", "2"]) if isinstance(e, ParentFailed)} == {"1", "2"}
    r, _ = reader([HubSpotAuthError("no scope", status=403)])
    with pytest.raises(HubSpotAuthError):
        list(r.read(["1"]))
    with pytest.raises(ValueError, match="1000"):
        list(reader([])[0].read([str(i) for i in range(1001)]))
