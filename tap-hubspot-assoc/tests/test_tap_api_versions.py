"""HubSpot's API versions: paths per version, each version's answers parsed into one model,
OAuth through /oauth/2026-03/token, and object-library discovery (issue 21)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from hubspot_simulator.testing import SimulatorProcess
from tap_helpers import active_ids, run_tap, tap_config
from tap_hubspot_assoc.answers import (
    AnswerShapeError,
    AssociationCategory,
    association_batch,
    association_labels,
    object_batch,
    object_library,
    object_page,
)
from tap_hubspot_assoc.errors import HubSpotAuthError
from tap_hubspot_assoc.object_types import TODAY_TYPES
from tap_hubspot_assoc.paths import OAUTH_TOKEN, ApiPaths, ApiVersion
from tap_hubspot_assoc.tap import TapHubspotAssoc

LEGACY = ApiPaths(ApiVersion.LEGACY)
LATEST = ApiPaths(ApiVersion.V2026_09)
PREVIOUS = ApiPaths(ApiVersion.V2026_03)
ENDPOINT = "POST /crm/objects/2026-09/contacts/batch/read"


# -- paths ------------------------------------------------------------------------------------


def test_each_version_spells_the_reference_paths():
    assert LATEST.objects("contacts") == "/crm/objects/2026-09/contacts"
    assert PREVIOUS.batch_read("0-421") == "/crm/objects/2026-03/0-421/batch/read"
    assert LEGACY.search("deals") == "/crm/v3/objects/deals/search"
    assert LATEST.schemas == "/crm-object-schemas/2026-09/schemas"
    assert LEGACY.schemas == "/crm/v3/schemas"
    assert LATEST.association_batch_read("contacts", "0-47") == (
        "/crm/associations/2026-09/contacts/0-47/batch/read"
    )
    assert LEGACY.association_labels("contacts", "0-47") == (
        "/crm/v4/associations/contacts/0-47/labels"
    )
    assert LATEST.owners == "/crm/owners/2026-09"
    assert PREVIOUS.pipeline_audit("deals", "a b") == "/crm/pipelines/2026-03/deals/a%20b/audit"
    assert LATEST.lists_search == "/crm/lists/2026-09/search"
    assert LATEST.list_memberships_by_join_order("7") == (
        "/crm/lists/2026-09/7/memberships/join-order"
    )
    assert LATEST.object_library == "/crm/object-library/2026-09/enablement"
    assert LEGACY.object_library == "/crm/v3/object-library/enablement"
    assert OAUTH_TOKEN == "/oauth/2026-03/token"


def test_api_version_setting_is_checked():
    assert ApiVersion.parse(None) is ApiVersion.V2026_09
    assert ApiVersion.parse(" Legacy ") is ApiVersion.LEGACY
    with pytest.raises(ValueError, match="not one of: 2026-09, 2026-03, legacy"):
        ApiVersion.parse("v3")


# -- answers ----------------------------------------------------------------------------------


def _object(object_id: object) -> dict:
    return {
        "id": object_id,
        "properties": {"email": None},
        "archived": False,
        "url": "https://app.hubspot.com/contacts/1/record/0-1/1",
        "someFieldHubSpotAddsLater": {"x": 1},
    }


def test_a_2026_09_batch_read_with_errors_in_a_200_body_names_the_missing_ids():
    body = {
        "status": "COMPLETE",
        "results": [_object(1), _object("2")],
        "numErrors": 1,
        "errors": [
            {
                "status": "error",
                "category": "OBJECT_NOT_FOUND",
                "message": "Could not get some CONTACT objects, they may be deleted or not exist.",
                "context": {"ids": ["3", "4"]},
            }
        ],
        "startedAt": "2026-12-06T00:00:00Z",
        "completedAt": "2026-12-06T00:00:01Z",
    }
    batch = object_batch(body, ENDPOINT)
    assert [obj["id"] for obj in batch.objects] == ["1", "2"]  # number ids become strings
    assert batch.missing_ids == ["3", "4"]
    assert batch.objects[0]["url"].endswith("/1")  # added fields pass through


def test_a_result_without_id_or_properties_is_an_error_naming_the_endpoint():
    with pytest.raises(AnswerShapeError, match=f"{ENDPOINT}: a result's `id` is missing"):
        object_batch({"results": [{"properties": {}}]}, ENDPOINT)
    with pytest.raises(AnswerShapeError, match="result 5 has no `properties` object"):
        object_batch({"results": [{"id": "5"}]}, ENDPOINT)
    with pytest.raises(AnswerShapeError, match="`errors` is not a list"):
        object_batch({"results": [], "errors": {"ids": ["1"]}}, ENDPOINT)


def test_search_paging_of_both_generations():
    legacy = {"total": 3, "results": [_object(1)], "paging": {"next": {"after": "1"}}}
    dated = {
        "total": 3,
        "results": [_object(1)],
        "paging": {"next": {"after": "1", "link": "?after=1"}, "prev": {"before": "0"}},
    }
    for body in (legacy, dated):
        page = object_page(body, "POST /search")
        assert (page.after, page.total, page.objects[0]["id"]) == ("1", 3, "1")
    last = object_page({"total": 1, "results": [_object(9)], "paging": {"prev": {}}}, "x")
    assert last.after is None
    with pytest.raises(AnswerShapeError, match="`total` is not an integer"):
        object_page({"total": "3", "results": []}, "POST /search")


def test_association_batch_with_work_labels_missing_parents_and_either_id_type():
    body = {
        "status": "COMPLETE",
        "results": [
            {
                "from": {"id": "1"},
                "to": [
                    {
                        "toObjectId": 51,  # legacy v4 sends numbers
                        "associationTypes": [
                            {"category": "WORK", "typeId": 1201, "label": "Fulfils"},
                            {"category": "HUBSPOT_DEFINED", "typeId": 279, "label": None},
                        ],
                    },
                    {"toObjectId": "52", "associationTypes": [{"typeId": "280"}]},
                ],
                "paging": {"next": {"after": "c2"}},
            }
        ],
        "numErrors": 2,
        "errors": [
            {
                "category": "NO_ASSOCIATIONS_FOUND",
                "message": "-",
                "context": {"fromObjectId": ["2"]},
            },
            {
                "category": "OBJECT_NOT_FOUND",
                "subCategory": "crm.associations.NO_ASSOCIATIONS_FOUND",
                "message": "-",
                "context": {"fromObjectId": ["3"]},
            },
            {"category": "VALIDATION_ERROR", "message": "boom", "context": {"ids": ["4"]}},
        ],
    }
    batch = association_batch(body, "POST /crm/associations/2026-09/contacts/orders/batch/read")
    (result,) = batch.results
    assert (result.from_id, result.after) == ("1", "c2")
    first, second = result.targets
    assert (first.to_id, second.to_id) == ("51", "52")
    assert first.types[0].category == AssociationCategory.WORK.value
    assert (second.types[0].type_id, second.types[0].category) == (280, None)
    assert [(e.ids, e.no_associations) for e in batch.errors] == [
        (("2",), True),
        (("3",), True),
        (("4",), False),
    ]
    with pytest.raises(AnswerShapeError, match=r"`from\.id` is missing"):
        association_batch({"results": [{"from": {}, "to": []}]}, "POST x")


def test_association_labels_with_work_and_a_strict_type_id():
    body = {
        "results": [
            {"category": "WORK", "typeId": 1201, "label": "Fulfils"},
            {"category": "HUBSPOT_DEFINED", "typeId": 279, "label": None, "extra": True},
        ]
    }
    specs = association_labels(body, "GET labels")
    assert [(s.type_id, s.category, s.label) for s in specs] == [
        (1201, "WORK", "Fulfils"),
        (279, "HUBSPOT_DEFINED", None),
    ]
    with pytest.raises(AnswerShapeError, match="GET labels: an association type has no `typeId`"):
        association_labels({"results": [{"category": "WORK"}]}, "GET labels")


def test_object_library_answer():
    enabled = object_library({"enablementByObjectTypeId": {"0-1": True, "0-69": False}}, "GET x")
    assert enabled == {"0-1": True, "0-69": False}
    with pytest.raises(AnswerShapeError, match="GET x: enablement of 0-1 is not a boolean"):
        object_library({"enablementByObjectTypeId": {"0-1": "yes"}}, "GET x")
    with pytest.raises(AnswerShapeError, match="`enablementByObjectTypeId` is not a JSON object"):
        object_library({}, "GET x")


# -- runs against the simulator -----------------------------------------------------------


@pytest.mark.parametrize("version", ["2026-09", "2026-03", "legacy", None])
def test_every_request_of_a_run_speaks_the_configured_version(fresh_simulator, admin, version):
    config = tap_config(
        fresh_simulator,
        object_types=["contacts", "meetings"],
        association_pairs=[{"from": "contacts", "to": "meetings"}],
        reference_data=["owners", "pipelines", "properties", "lists"],
    )
    if version is not None:
        config["api_version"] = version
    admin.reset_request_counts()
    output = run_tap(config)
    assert set(output.by_id("contacts")) == active_ids(admin, "contacts")
    assert output.records("contacts_to_meetings_associations")
    by_version = {k: v for k, v in admin.request_counts()["byVersion"].items() if v}
    expected = version or "2026-09"  # the default is the latest version
    assert set(by_version) == {expected}, by_version


def _oauth_config(sim: SimulatorProcess) -> dict:
    sim.admin.configure_oauth(
        client_id="cid", client_secret="oauth-secret", refresh_tokens={"refresh-secret": None}
    )
    config = tap_config(
        sim, client_id="cid", client_secret="oauth-secret", refresh_token="refresh-secret"
    )
    del config["access_token"]
    return config


@pytest.mark.parametrize("version", ["2026-09", "legacy"])
def test_oauth_refreshes_through_the_2026_03_endpoint_also_after_the_token_expires(
    fresh_simulator, admin, caplog, version
):
    config = {**_oauth_config(fresh_simulator), "api_version": version}
    admin.reset_request_counts()
    with caplog.at_level(logging.DEBUG):
        tap = TapHubspotAssoc(config=config, parse_env_config=False)
        first = _sync(tap)
        # the access token expires while the process still holds it: the next request is
        # refused (401 EXPIRED_AUTHENTICATION) and the tap renews it once, then goes on
        token = tap.client._credentials._access_token  # type: ignore[attr-defined]
        admin.add_token(token, expires_in=0)
        second = _sync(tap)
    assert set(first.by_id("contacts")) == active_ids(admin, "contacts")
    assert second.states  # the incremental run after the expiry completed
    endpoints = admin.request_counts()["endpoints"]
    assert endpoints["POST /oauth/2026-03/token"] == 2
    assert "POST /oauth/v1/token" not in endpoints
    assert admin.request_counts()["statuses"]["401"] == 1  # the expired token, once
    assert tap.client._credentials.refresh_count == 2  # type: ignore[attr-defined]
    for secret in ("oauth-secret", "refresh-secret", "sim-oat-"):
        assert secret not in caplog.text


def test_oauth_standard_errors_become_one_line_without_secrets(fresh_simulator, caplog):
    config = {**_oauth_config(fresh_simulator), "client_secret": "wrong-secret-value"}
    with pytest.raises(HubSpotAuthError) as error:
        run_tap(config)
    message = str(error.value)
    assert message.startswith("OAuth token refresh rejected (HTTP 401, invalid_client / ")
    assert "\n" not in message
    for secret in ("wrong-secret-value", "refresh-secret"):
        assert secret not in message
        assert secret not in caplog.text


def _sync(tap: TapHubspotAssoc):
    import contextlib
    import io

    from tap_helpers import parse_messages

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        tap.sync_all()
    return parse_messages(buffer.getvalue())


# -- object library on the portal preset --------------------------------------------------


@pytest.fixture(scope="module")
def portal() -> Iterator[SimulatorProcess]:
    with SimulatorProcess(portal=True, rate_limit=False) as sim:
        yield sim


def _discover(sim: SimulatorProcess, **overrides: object) -> tuple[set[str], dict]:
    sim.admin.reset_request_counts()
    config = tap_config(sim, object_types="all", **overrides)
    streams = set(TapHubspotAssoc(config=config, parse_env_config=False).streams)
    return streams, sim.admin.request_counts()


def test_all_types_come_from_one_object_library_request(portal):
    streams, counts = _discover(portal)
    enabled = {"carts", "orders", "invoices", "commerce_payments", "discounts", "fees", "taxes"}
    assert enabled | {"users"} <= streams
    assert not {"subscriptions", "goal_targets", "services", "courses", "listings"} & streams
    endpoints = counts["endpoints"]
    assert endpoints["GET /crm/v3/object-library/enablement"] == 1
    probed = set(counts["byObjectType"]["GET /crm/v3/properties/{type}"])
    disabled_ids = {"0-69", "0-74", "0-162", "0-410", "0-420"}
    assert not probed & (disabled_ids | {"subscriptions", "goal_targets"})  # never asked
    new_streams = {t.name for t in TODAY_TYPES} & streams
    assert len(new_streams) == 8


def test_without_the_object_library_every_type_is_probed(portal, caplog):
    portal.admin.add_fault("status", count=None, status=403, path="/object-library/")
    try:
        with caplog.at_level(logging.INFO):
            streams, counts = _discover(portal)
    finally:
        portal.admin.clear_faults()
    assert "object library unavailable" in caplog.text
    assert {"carts", "users"} <= streams
    assert "subscriptions" not in streams
    probed = counts["byObjectType"]["GET /crm/v3/properties/{type}"]
    assert sum(probed.values()) >= 30  # every standard type asked (the old way)
