"""object_types / association_pairs "all" and custom objects, against the portal simulator."""

from __future__ import annotations

import contextlib
import io
import logging
import re
from collections.abc import Iterator

import pytest
from hubspot_simulator.auth import ALL_SCOPES
from hubspot_simulator.testing import SimulatorProcess
from tap_helpers import parse_messages, run_tap, tap_config
from tap_hubspot_assoc.portal_types import ObjectTypeUnavailableError
from tap_hubspot_assoc.tap import TapHubspotAssoc

LIMITED = "pat-na1-limited-token"


@pytest.fixture(scope="module")
def portal() -> Iterator[SimulatorProcess]:
    with SimulatorProcess(portal=True, rate_limit=False) as sim:
        yield sim


@pytest.fixture
def counts(portal: SimulatorProcess):
    portal.admin.reset_request_counts()
    return portal.admin.request_counts


def limited_token(sim: SimulatorProcess, *without: str) -> str:
    """A token with every scope but `without`."""
    sim.admin.add_token(LIMITED, sorted(set(ALL_SCOPES) - set(without)))
    return LIMITED


def streams_of(config: dict) -> dict:
    return TapHubspotAssoc(config=config, parse_env_config=False).streams


def test_all_discovers_every_activated_type_and_custom_object(portal):
    streams = streams_of(tap_config(portal, object_types="all"))
    assert {
        "contacts",
        "companies",
        "deals",
        "tickets",
        "products",
        "line_items",
        "quotes",
        "communications",
        "feedback_submissions",
        "tasks",
        "notes",
        "meetings",
        "calls",
        "emails",
        "postal_mail",
        "leads",
        "appointments",
        "carts",
        "orders",
        "invoices",
        "commerce_payments",
        "discounts",
        "fees",
        "taxes",
        "users",
        "pets",
        "vehicles",
        "object_counts",
        "merges",
    } == set(streams)  # services, courses, listings, subscriptions, goal_targets: not enabled


def test_a_type_without_its_scope_is_skipped_with_all_and_fails_when_listed(portal, counts, caplog):
    token = limited_token(portal, "tickets", "crm.schemas.tickets.read")
    with caplog.at_level(logging.WARNING):
        streams = streams_of(tap_config(portal, access_token=token, object_types="all"))
    assert "tickets" not in streams
    assert "contacts" in streams
    warnings = [r.getMessage() for r in caplog.records if "tickets" in r.getMessage()]
    assert len(warnings) == 1
    assert "tickets (0-5)" in warnings[0]
    assert "the token lacks scope" in warnings[0]
    assert "crm.schemas.tickets.read" in warnings[0]

    counts_before = counts()["total"]
    config = tap_config(portal, access_token=token, object_types=["contacts", "tickets"])
    with pytest.raises(ObjectTypeUnavailableError, match=r"tickets \(0-5\).*scope"):
        run_tap(config)
    endpoints = counts()["endpoints"]
    assert endpoints.get("GET /crm/v3/objects/{type}", 0) == 0  # failed before any read
    assert counts()["total"] > counts_before


def test_without_the_schemas_scope_custom_objects_are_skipped_or_fail(portal, caplog):
    token = limited_token(portal, "crm.schemas.custom.read")
    with caplog.at_level(logging.WARNING):
        streams = streams_of(tap_config(portal, access_token=token, object_types="all"))
    assert not {"pets", "vehicles"} & set(streams)
    assert any("crm.schemas.custom.read" in r.getMessage() for r in caplog.records)
    with pytest.raises(ObjectTypeUnavailableError, match=re.escape("crm.schemas.custom.read")):
        streams_of(tap_config(portal, access_token=token, object_types=["pets"]))


def test_a_listed_type_the_account_has_not_activated_fails_clearly(portal):
    with pytest.raises(ObjectTypeUnavailableError, match=r"courses \(0-410\).*not activated"):
        streams_of(tap_config(portal, object_types=["contacts", "courses"]))


def test_an_unknown_type_name_fails_clearly(portal):
    with pytest.raises(ObjectTypeUnavailableError, match="unknown object type 'widgets'"):
        streams_of(tap_config(portal, object_types=["widgets"]))


@pytest.mark.parametrize("spelling", ["2-1001", "p1234567_pets", "pets", "PETS"])
def test_a_custom_object_by_any_of_its_names(portal, counts, spelling):
    config = tap_config(
        portal,
        object_types=["contacts", spelling],
        association_pairs=[{"from": spelling, "to": "contact"}],
    )
    output = run_tap(config)
    snapshot = portal.admin.snapshot("pets")["objects"]
    assert set(output.by_id("pets")) == {o["id"] for o in snapshot if not o["archived"]}
    links = portal.admin.association_snapshot("pets", "contacts")
    emitted = {
        (r["from_object_id"], r["to_object_id"], r["association_type_id"], r["association_label"])
        for r in output.records("pets_to_contacts_associations")
    }
    assert emitted == {
        (link["fromId"], link["toId"], t["typeId"], t["label"])
        for link in links
        for t in link["types"]
    }
    assert (
        max(sum(1 for x in links if x["fromId"] == f) for f in {x["fromId"] for x in links}) > 500
    )
    assert {r["from_object_type"] for r in output.records("contacts_to_pets_associations")} == {
        "contacts"
    }


def test_pairs_all_prints_the_pairs_and_their_cost(portal, counts, caplog):
    config = tap_config(portal, object_types=["contacts", "deals", "companies", "products"])
    config["association_pairs"] = "all"
    with caplog.at_level(logging.INFO):
        streams = streams_of(config)
    lines = [r.getMessage() for r in caplog.records if "association_pairs all" in r.getMessage()]
    assert len(lines) == 1
    assert re.fullmatch(
        r"association_pairs all: 3 pairs among 4 types, found with 9 label requests in "
        r"[0-9.]+s: contacts<->deals, contacts<->companies, deals<->companies",
        lines[0],
    )
    labels = counts()["byObjectType"]["GET /crm/v4/associations/{from}/{to}/labels"]
    assert sum(labels.values()) == 6 + 3  # C(4, 2) pairs probed, plus each found reverse
    assert {s for s in streams if s.endswith("_associations")} == {
        "contacts_to_companies_associations",
        "companies_to_contacts_associations",
        "contacts_to_deals_associations",
        "deals_to_contacts_associations",
        "companies_to_deals_associations",
        "deals_to_companies_associations",
    }


def test_primary_labels_are_rows_like_every_type(portal):
    config = tap_config(
        portal,
        object_types=["deals", "companies"],
        association_pairs=[{"from": "deals", "to": "companies"}],
    )
    output = run_tap(config)
    rows = output.records("deals_to_companies_associations")
    by_deal: dict[str, set] = {}
    for r in rows:
        by_deal.setdefault(r["from_object_id"], set()).add(
            (r["to_object_id"], r["association_type_id"], r["association_label"])
        )
    primary = [d for d, s in by_deal.items() if any(t == 5 for _, t, _ in s)]
    assert primary
    assert {label for _, t, label in set().union(*by_deal.values()) if t == 5} == {"Primary"}
    # some deals also have a second company without the Primary label
    assert any(len({c for c, _, _ in s}) > 1 for s in by_deal.values())
    labels = {
        (r["from_object_type"], r["association_type_id"], r["association_label"])
        for r in output.records("association_labels")
    }
    assert {("deals", 5, "Primary"), ("deals", 341, None), ("companies", 6, "Primary")} <= labels


def test_discover_lists_every_stream_with_its_schema(portal):
    tap = TapHubspotAssoc(
        config=tap_config(portal, object_types="all", association_pairs="all"),
        parse_env_config=False,
    )
    catalog = tap.catalog_dict["streams"]
    names = {entry["tap_stream_id"] for entry in catalog}
    assert {"pets", "vehicles", "products", "association_labels"} <= names
    assert "pets_to_contacts_associations" in names
    products = next(e for e in catalog if e["tap_stream_id"] == "products")
    assert len(products["schema"]["properties"]) > 2000


def test_a_sync_with_a_catalog_takes_types_and_pairs_from_it(portal, counts):
    """`meltano run` discovers, then syncs with that catalog: the sync reads no properties and
    probes no pair; it reads only each synced direction's labels (data) and the schemas."""
    config = tap_config(portal, object_types="all", association_pairs="all")
    discovered = TapHubspotAssoc(config=config, parse_env_config=False)
    catalog = discovered.catalog_dict
    directions = [s for s in discovered.streams if s.endswith("_associations")]
    plain = run_tap(config)

    portal.admin.reset_request_counts()
    tap = TapHubspotAssoc(config=config, catalog=catalog, parse_env_config=False)
    assert set(tap.streams) == set(discovered.streams)
    products = tap.streams["products"]
    assert products.schema == discovered.streams["products"].schema  # 2,000+ typed properties
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        tap.sync_all()
    endpoints = counts()["endpoints"]
    assert endpoints.get("GET /crm/v3/properties/{type}", 0) == 0
    assert endpoints["GET /crm/v4/associations/{from}/{to}/labels"] == len(directions)
    assert endpoints["GET /crm/v3/schemas"] == 1  # custom objects resolved by name
    synced = parse_messages(buffer.getvalue())
    for stream in ("products", "pets", "deals_to_companies_associations"):
        assert synced.records(stream) == plain.records(stream), stream
    # the same labels (in the catalog's stream order rather than the probing order)
    assert sorted(map(repr, synced.records("association_labels"))) == sorted(
        map(repr, plain.records("association_labels"))
    )
