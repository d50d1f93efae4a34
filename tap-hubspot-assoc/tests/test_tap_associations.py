"""Association labels, both directions, markers, batching and request counts (real HTTP)."""

from __future__ import annotations

import pytest
from assoc_helpers import (
    ALL_PAIRS,
    assert_markers_follow_their_records,
    batch_reads,
    directions,
    emitted_rows,
    expected_batch_reads,
    expected_rows,
    labels_of,
    markers,
    stream_of,
    to_counts,
)
from tap_helpers import (
    active_ids,
    assert_version_follows_records,
    run_tap,
    simulator_objects,
    tap_config,
)
from tap_hubspot_assoc.association.pairs import AssociationConfigError

TYPES = ["contacts", "meetings", "appointments"]


@pytest.fixture(scope="module")
def big(simulator):
    """5,000 contacts and meetings: contact and meeting #0 have 2,500 associations each."""
    admin = simulator.admin
    admin.reset(seed=7, contacts=5000, meetings=5000, appointments=400)
    admin.set_rate_limits(enabled=False)
    # a meeting archived after its links were made: its links vanish on both sides
    contact, meeting = _some_link(admin, "contacts", "meetings")
    admin.archive("meetings", meeting)
    admin.reset_request_counts()
    config = tap_config(simulator, object_types=TYPES, association_pairs=ALL_PAIRS)
    output = run_tap(config)
    return admin, output, {"archived_meeting": meeting, "its_contact": contact}


def _some_link(admin, from_type, to_type):
    """A link whose `to` record has few links (not one of the two big ones)."""
    links = admin.association_snapshot(from_type, to_type)
    degree: dict[str, int] = {}
    for link in links:
        degree[link["toId"]] = degree.get(link["toId"], 0) + 1
    link = next(x for x in links if degree[x["toId"]] <= 5)
    return link["fromId"], link["toId"]


def test_full_sync_emits_exactly_the_simulators_associations_in_both_directions(big):
    admin, output, _ = big
    for from_type, to_type in directions(ALL_PAIRS):
        rows = emitted_rows(output, from_type, to_type)
        assert len(rows) == len(set(rows)), "duplicate association records"
        assert set(rows) == expected_rows(admin, from_type, to_type), (from_type, to_type)
        # one marker per active parent, counting exactly its records
        parents = active_ids(admin, from_type)
        found = markers(output, from_type, to_type)
        assert set(found) == parents
        per_parent: dict[str, int] = {}
        for row in rows:
            per_parent[row[0]] = per_parent.get(row[0], 0) + 1
        assert all(found[p] == per_parent.get(p, 0) for p in parents)
    assert_markers_follow_their_records(output)


def test_full_sync_covers_every_type_label_and_the_hard_cases(big):
    admin, output, extra = big
    c2m = emitted_rows(output, "contacts", "meetings")
    m2c = emitted_rows(output, "meetings", "contacts")
    # every category and every discovered type id, with labels from the responses
    assert {r[3] for r in c2m} == {"HUBSPOT_DEFINED", "USER_DEFINED", "INTEGRATOR_DEFINED"}
    assert {(r[2], r[4]) for r in c2m} == {
        (199, None),
        (1001, "Organizer"),
        (1003, "Booked via scheduler"),
    }
    assert {(r[2], r[4]) for r in m2c} == {
        (200, None),
        (1002, "Organized meeting"),
        (1004, "Booked via scheduler"),
    }
    # one link carried by several type ids -> one record per type id
    per_link: dict[tuple[str, str], set[int]] = {}
    for row in c2m:
        per_link.setdefault((row[0], row[1]), set()).add(row[2])
    assert max(len(types) for types in per_link.values()) >= 2
    # a labelled link without the default type
    assert any(199 not in types for types in per_link.values())
    # the parents with thousands come through whole, in both directions
    biggest = max(to_counts(admin, "contacts", "meetings").items(), key=lambda x: x[1])
    assert biggest[1] >= 2400
    assert markers(output, "contacts", "meetings")[biggest[0]] == len(
        [r for r in c2m if r[0] == biggest[0]]
    )
    assert max(to_counts(admin, "meetings", "contacts").values()) >= 2400
    # parents with none get a marker with count 0
    for from_type, to_type in directions(ALL_PAIRS):
        assert 0 in markers(output, from_type, to_type).values(), (from_type, to_type)
    # the archived meeting's link is gone from both sides (the simulator hides links to
    # inactive records), and the meeting itself is not a parent
    archived, contact = extra["archived_meeting"], extra["its_contact"]
    assert not [r for r in c2m if r[0] == contact and r[1] == archived]
    assert archived not in markers(output, "meetings", "contacts")


def test_association_labels_every_direction_as_a_versioned_full_table(big, simulator):
    _admin, output, _ = big
    emitted = {
        (
            r["from_object_type"],
            r["to_object_type"],
            r["association_type_id"],
            r["association_category"],
            r["association_label"],
        )
        for r in output.records("association_labels")
    }
    expected = set()
    for from_type, to_type in directions(ALL_PAIRS):
        expected |= labels_of(simulator, from_type, to_type)
    assert emitted == expected
    assert len(emitted) == 14
    assert_version_follows_records(output, "association_labels")
    # every type id seen in the association streams is a discovered label
    for from_type, to_type in directions(ALL_PAIRS):
        seen = {r[2] for r in emitted_rows(output, from_type, to_type)}
        assert seen <= {e[2] for e in emitted if e[:2] == (from_type, to_type)}


def test_full_read_activates_association_versions_after_their_records(big):
    _admin, output, _ = big
    for from_type, to_type in directions(ALL_PAIRS):
        stream = stream_of(from_type, to_type)
        kinds = [m["type"] for m in output.messages if m.get("stream") == stream]
        assert kinds[0] == "SCHEMA"
        assert_version_follows_records(output, stream)
    assert not output.activate_versions("association_parent_syncs")


def test_batch_reads_are_ceil_parents_over_1000_plus_extra_pages(big):
    admin, output, _ = big
    for from_type, to_type in directions(ALL_PAIRS):
        parents = [r["id"] for r in output.records(from_type)]
        estimate, exact = expected_batch_reads(parents, to_counts(admin, from_type, to_type))
        actual = batch_reads(admin, from_type, to_type)
        assert actual == exact, (from_type, to_type, actual, exact, estimate)
        assert abs(actual - estimate) <= 0.1 * estimate, (from_type, to_type, actual, estimate)
    # 5,000 contacts -> 5 batches, contact #0 needs 4 more pages of 500
    assert batch_reads(admin, "contacts", "meetings") == 9


def test_contact_ids_reads_exactly_those_contacts_and_their_linked_records(fresh_simulator, admin):
    c2m = admin.association_snapshot("contacts", "meetings")
    c2a = admin.association_snapshot("contacts", "appointments")
    with_appointment = next(link["fromId"] for link in c2a)
    with_meetings = max(
        {x["fromId"] for x in c2m}, key=lambda i: sum(1 for x in c2m if x["fromId"] == i)
    )
    linked_anywhere = {x["fromId"] for x in c2m} | {x["fromId"] for x in c2a}
    without = next(i for i in sorted(active_ids(admin, "contacts")) if i not in linked_anywhere)
    scope = [with_meetings, with_appointment, without, "987654321"]
    config = tap_config(
        fresh_simulator, object_types=TYPES, association_pairs=ALL_PAIRS, contact_ids=scope
    )
    output = run_tap(config)

    found = {i for i in scope if i in simulator_objects(admin, "contacts")}
    assert set(output.by_id("contacts")) == found
    for to_type in ("meetings", "appointments"):
        expected = {r for r in expected_rows(admin, "contacts", to_type) if r[0] in found}
        assert set(emitted_rows(output, "contacts", to_type)) == expected
        assert set(markers(output, "contacts", to_type)) == found
        linked = {r[1] for r in expected}
        assert linked
        back = {
            r for r in expected_rows(admin, to_type, "contacts") if r[0] in linked and r[1] in found
        }
        # only the edges back to the scope: nothing about any other contact
        assert set(emitted_rows(output, to_type, "contacts")) == back
        assert markers(output, to_type, "contacts") == {}
        reverse = f"{to_type}_to_contacts_associations"
        assert {
            m["reverse_stream"]
            for m in output.records("association_parent_syncs")
            if m["association_stream"] == f"contacts_to_{to_type}_associations"
        } == {reverse}
    assert markers(output, "contacts", "meetings")[without] == 0
    for stream in (
        "meetings_to_appointments_associations",
        "appointments_to_meetings_associations",
        "association_labels",
        "meetings",
        "appointments",
    ):
        assert not output.records(stream), stream
    assert not [m for m in output.messages if m["type"] == "ACTIVATE_VERSION"]
    assert_markers_follow_their_records(output)


def test_archived_parents_get_count_zero_markers_with_include_archived(fresh_simulator, admin):
    config = tap_config(
        fresh_simulator, object_types=TYPES, association_pairs=ALL_PAIRS[:1], include_archived=True
    )
    output = run_tap(config)
    for from_type, to_type in directions(ALL_PAIRS[:1]):
        source = simulator_objects(admin, from_type)
        archived = {i for i, o in source.items() if o["archived"]}
        found = markers(output, from_type, to_type)
        assert archived
        assert set(found) == set(source)
        assert all(found[i] == 0 for i in archived)
        assert set(emitted_rows(output, from_type, to_type)) == expected_rows(
            admin, from_type, to_type
        )


def test_pairs_need_their_object_types(fresh_simulator):
    config = tap_config(
        fresh_simulator,
        object_types=["contacts"],
        association_pairs=[{"from": "appointment", "to": "0-1"}],
    )
    with pytest.raises(AssociationConfigError, match="appointments"):
        run_tap(config)


def test_type_names_are_canonical_and_a_deselected_parent_still_feeds(fresh_simulator, admin):
    config = tap_config(
        fresh_simulator,
        object_types=["0-1", "meeting"],
        association_pairs=[{"from": "meeting", "to": "contact"}],
    )
    from tap_hubspot_assoc.tap import TapHubspotAssoc

    tap = TapHubspotAssoc(config=config, parse_env_config=False)
    assert {
        "contacts_to_meetings_associations",
        "meetings_to_contacts_associations",
        "association_labels",
        "association_parent_syncs",
    } <= set(tap.streams)
    catalog = tap.catalog_dict
    for entry in catalog["streams"]:
        for metadata in entry["metadata"]:
            if entry["tap_stream_id"] == "meetings" and metadata["breadcrumb"] == []:
                metadata["metadata"]["selected"] = False
    output = run_tap_with_catalog(config, catalog)
    # object streams are named canonically too, whatever spelling configured them
    assert {"contacts", "meetings"} <= set(tap.streams)
    assert not {"0-1", "meeting"} & set(tap.streams)
    assert not [m for m in output.messages if m.get("stream") == "meetings"]
    assert set(emitted_rows(output, "meetings", "contacts")) == expected_rows(
        admin, "meetings", "contacts"
    )
    # the deselected stream keeps its bookmark, so the next run reads changed parents
    assert output.final_state["bookmarks"]["meetings"]["replication_key_value"]

    # with its association stream deselected too, a type's parents are not read at all
    for entry in catalog["streams"]:
        for metadata in entry["metadata"]:
            if entry["tap_stream_id"] == "meetings_to_contacts_associations" and (
                metadata["breadcrumb"] == []
            ):
                metadata["metadata"]["selected"] = False
    admin.reset_request_counts()
    output = run_tap_with_catalog(config, catalog)
    assert not output.records("meetings_to_contacts_associations")
    assert batch_reads(admin, "meetings", "contacts") == 0
    assert batch_reads(admin, "contacts", "meetings") == 1


def run_tap_with_catalog(config, catalog):
    import contextlib
    import io

    from tap_helpers import parse_messages
    from tap_hubspot_assoc.tap import TapHubspotAssoc

    tap = TapHubspotAssoc(config=config, catalog=catalog, parse_env_config=False)
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        tap.sync_all()
    return parse_messages(buffer.getvalue())


def test_association_streams_are_driven_only_by_their_from_type(fresh_simulator, admin):
    """sdk_private.drive: an association stream is a child of its `from` type's object stream
    only; singer-sdk never syncs it on its own, and runs that object stream (without its
    records) when only the association stream is selected."""
    from tap_hubspot_assoc.tap import TapHubspotAssoc

    config = tap_config(
        fresh_simulator,
        object_types=["contacts", "meetings"],
        association_pairs=[{"from": "meetings", "to": "contacts"}],
    )
    tap = TapHubspotAssoc(config=config, parse_env_config=False)
    streams = tap.streams
    children = {name: [c.name for c in s.child_streams] for name, s in streams.items()}
    assert children["contacts"] == ["contacts_to_meetings_associations"]
    assert children["meetings"] == ["meetings_to_contacts_associations"]
    assert not any(c for name, c in children.items() if name not in ("contacts", "meetings"))
    only = "contacts_to_meetings_associations"
    catalog = tap.catalog_dict
    for entry in catalog["streams"]:
        for metadata in entry["metadata"]:
            if metadata["breadcrumb"] == []:
                metadata["metadata"]["selected"] = entry["tap_stream_id"] == only
    admin.reset_request_counts()
    output = run_tap_with_catalog(config, catalog)
    written = {m["stream"] for m in output.messages if m["type"] != "STATE"}
    assert written == {only}
    schemas = [m for m in output.messages if m["type"] == "SCHEMA"]
    assert len(schemas) == 1  # announced once, by the feeder; not again by the SDK
    assert set(emitted_rows(output, "contacts", "meetings")) == expected_rows(
        admin, "contacts", "meetings"
    )
    assert batch_reads(admin, "contacts", "meetings") == 1
    assert batch_reads(admin, "meetings", "contacts") == 0
