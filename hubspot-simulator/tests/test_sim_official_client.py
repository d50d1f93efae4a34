"""Fidelity: HubSpot's official Python client (``hubspot-api-client``) against the portal preset,
for every object type and association pair, with the client's model validation on."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
from hubspot import HubSpot
from hubspot.crm.associations.v4 import BatchInputPublicFetchAssociationsBatchRequest
from hubspot.crm.associations.v4.schema.exceptions import ApiException as LabelsApiException
from hubspot.crm.lists import ListSearchRequest
from hubspot.crm.objects import BatchReadInputSimplePublicObjectId, PublicObjectSearchRequest
from hubspot.crm.objects.exceptions import ApiException
from hubspot_simulator.generator import PORTAL_ENABLED
from hubspot_simulator.labels import DEFAULT_LABELS
from hubspot_simulator.objecttypes import OBJECT_TYPES
from hubspot_simulator.testing import SimulatorProcess

ACTIVE_TYPES = [t.name for t in OBJECT_TYPES if t.activated_by_default]
PAIRS = [(a, b) for a, b in DEFAULT_LABELS if a in ACTIVE_TYPES and b in ACTIVE_TYPES]


def client(sim: SimulatorProcess, token: str | None = None, validate: bool = True) -> HubSpot:
    """The official client pointed at the simulator (every API's Configuration gets ``host``
    and ``client_side_validation`` through the client's config dict)."""
    return HubSpot(
        access_token=token or sim.token, host=sim.base_url, client_side_validation=validate
    )


@pytest.fixture(scope="module")
def hs(portal: SimulatorProcess) -> HubSpot:
    return client(portal)


def _cls(obj: Any) -> str:
    return type(obj).__name__


@pytest.mark.parametrize("otype", ACTIVE_TYPES)
def test_objects_of_every_type(hs, portal, portal_info, otype):
    counts = portal_info["counts"][otype]
    assert counts["active"] > 0, otype
    page = hs.crm.objects.basic_api.get_page(otype, limit=5)
    assert _cls(page) == "CollectionResponseSimplePublicObjectWithAssociationsForwardPaging"
    assert len(page.results) == 5
    assert page.paging.next.after
    first = page.results[0]
    assert first.properties["hs_object_id"] == first.id
    one = hs.crm.objects.basic_api.get_by_id(otype, first.id)
    assert _cls(one) == "SimplePublicObjectWithAssociations"
    assert one.id == first.id

    ids = [r.id for r in page.results[:3]]
    batch = hs.crm.objects.batch_api.read(
        otype,
        BatchReadInputSimplePublicObjectId(
            inputs=[{"id": i} for i in ids], properties=[], properties_with_history=[]
        ),
    )
    assert _cls(batch) == "BatchResponseSimplePublicObject"
    assert sorted(r.id for r in batch.results) == sorted(ids)
    # The 207 with a missing id: the SDK's StandardError requires `errors` and `links`, which
    # HubSpot's real 207 bodies omit (reference §1.3, recorded fixtures), so this one call runs
    # without client-side validation.
    batch = client(portal, validate=False).crm.objects.batch_api.read(
        otype,
        BatchReadInputSimplePublicObjectId(
            inputs=[{"id": i} for i in [*ids, "1"]], properties=[], properties_with_history=[]
        ),
    )
    assert _cls(batch) == "BatchResponseSimplePublicObjectWithErrors"
    assert sorted(r.id for r in batch.results) == sorted(ids)
    assert batch.num_errors == 1
    assert batch.errors[0].context == {"ids": ["1"]}

    found = hs.crm.objects.search_api.do_search(otype, PublicObjectSearchRequest(limit=3))
    assert _cls(found) == "CollectionResponseWithTotalSimplePublicObjectForwardPaging"
    assert found.total == counts["active"]
    assert found.paging.next.after == "3"

    props = hs.crm.properties.core_api.get_all(otype)
    assert _cls(props) == "CollectionResponsePropertyNoPaging"
    names = {p.name for p in props.results}
    assert len(names) >= 8
    assert set(first.properties) <= names


def test_custom_object_by_every_name(hs):
    ids = []
    for name in ("2-1001", "p1234567_pets", "pets", "PETS", "pet"):
        page = hs.crm.objects.basic_api.get_page(name, limit=3, properties=["pet_name"])
        ids.append([r.id for r in page.results])
        assert all(r.properties["pet_name"] for r in page.results)
    assert all(x == ids[0] for x in ids)


def test_schemas(hs, portal):
    got = hs.crm.schemas.core_api.get_all()
    assert _cls(got) == "CollectionResponseObjectSchemaNoPaging"
    by_name = {s.name: s for s in got.results}
    assert sorted(by_name) == ["pets", "vehicles"]
    pets = by_name["pets"]
    assert (pets.object_type_id, pets.fully_qualified_name) == ("2-1001", "p1234567_pets")
    assert (pets.labels.singular, pets.labels.plural) == ("Pet", "Pets")
    assert pets.primary_display_property == "pet_name"
    assert {p.name for p in pets.properties} >= {"hs_object_id", "pet_name", "species"}
    assocs = {(a.to_object_type_id, a.id) for a in pets.associations}
    assert {("0-1", "1101"), ("0-1", "1103"), ("0-2", "1105")} <= assocs
    for name in ("2-1002", "p1234567_vehicles", "vehicles"):
        one = hs.crm.schemas.core_api.get_by_id(name)
        assert _cls(one) == "ObjectSchema"
        assert one.object_type_id == "2-1002"


@pytest.mark.parametrize(("a", "b"), PAIRS, ids=[f"{a}-{b}" for a, b in PAIRS])
def test_association_pair(hs, portal, a, b):
    defs = DEFAULT_LABELS[a, b]
    for src, dst, col in ((a, b, 1), (b, a, 3)):
        labels = hs.crm.associations.v4.schema.definitions_api.get_all(src, dst)
        assert _cls(labels) == "CollectionResponseAssociationSpecWithLabelNoPaging"
        assert [x.type_id for x in labels.results] == [d[col] for d in defs]

        snap = portal.admin.association_snapshot(src, dst)
        assert snap, (src, dst)
        from_ids = sorted({s["fromId"] for s in snap})[:50]
        batch = hs.crm.associations.v4.batch_api.get_page(
            src,
            dst,
            BatchInputPublicFetchAssociationsBatchRequest(inputs=[{"id": i} for i in from_ids]),
        )
        assert _cls(batch) in (
            "BatchResponsePublicAssociationMultiWithLabel",
            "BatchResponsePublicAssociationMultiWithLabelWithErrors",
        )
        got = {(r._from.id, t.to_object_id) for r in batch.results for t in r.to}
        want = {(s["fromId"], s["toId"]) for s in snap if s["fromId"] in from_ids}
        # Parents past 500 links answer a first page of 500 with a cursor; the others whole.
        links = Counter(s["fromId"] for s in snap if s["fromId"] in from_ids)
        paged = {r._from.id for r in batch.results if r.paging}
        assert paged == {i for i, n in links.items() if n > 500}
        assert {p for p in got if p[0] not in paged} == {p for p in want if p[0] not in paged}
        assert all(sum(1 for p in got if p[0] == i) == 500 for i in paged)

        listing = hs.crm.associations.v4.basic_api.get_page(src, from_ids[0], dst, limit=500)
        assert _cls(listing) == "CollectionResponseMultiAssociatedObjectWithLabelForwardPaging"
        assert listing.results
        assert all(r.association_types for r in listing.results)


@pytest.mark.parametrize(
    ("src", "rid", "dst"), [("pets", "80000001", "contacts"), ("companies", "5000001", "contacts")]
)
def test_big_fanouts_paginate(hs, portal, src, rid, dst):
    want = {s["toId"] for s in portal.admin.association_snapshot(src, dst) if s["fromId"] == rid}
    assert len(want) > 500
    page = hs.crm.associations.v4.basic_api.get_page(src, rid, dst, limit=500)
    assert len(page.results) == 500
    assert page.paging.next.after
    rest = hs.crm.associations.v4.basic_api.get_page(
        src, rid, dst, limit=500, after=page.paging.next.after
    )
    assert rest.paging is None
    assert {r.to_object_id for r in page.results + rest.results} == want
    batch = hs.crm.associations.v4.batch_api.get_page(
        src, dst, BatchInputPublicFetchAssociationsBatchRequest(inputs=[{"id": rid}])
    )
    assert len(batch.results[0].to) == 500
    assert batch.results[0].paging.next.after


def test_missing_scope_and_inactive_type_errors(portal):
    portal.admin.add_token("pat-contacts-only", scopes=["crm.objects.contacts.read"])
    try:
        limited = client(portal, "pat-contacts-only")
        with pytest.raises(ApiException) as exc:
            limited.crm.objects.basic_api.get_page("tickets")
        assert exc.value.status == 403
        body = json.loads(exc.value.body)
        assert body["category"] == "MISSING_SCOPES"
        assert body["errors"][0]["context"]["requiredGranularScopes"] == ["tickets"]
        with pytest.raises(LabelsApiException) as aexc:
            limited.crm.associations.v4.schema.definitions_api.get_all("contacts", "pets")
        assert aexc.value.status == 403
    finally:
        portal.admin.remove_token("pat-contacts-only")
    with pytest.raises(ApiException) as exc:
        client(portal).crm.objects.basic_api.get_page("courses")
    assert exc.value.status == 400
    assert "Unable to infer object type from: courses" in exc.value.body


# ------------------------------------------------------------------------------ reference data


def test_owners_through_the_client(hs, portal):
    truth = {o["id"]: o for o in portal.admin.owners_truth()["owners"]}
    page = hs.crm.owners.owners_api.get_page(limit=10)
    assert _cls(page) == "CollectionResponsePublicOwnerForwardPaging"
    seen = list(page.results)
    while page.paging is not None:
        page = hs.crm.owners.owners_api.get_page(limit=10, after=page.paging.next.after)
        seen += page.results
    left = hs.crm.owners.owners_api.get_page(archived=True, limit=500).results
    assert {o.id for o in seen + left} == set(truth)
    assert all(o.archived and o.user_id is None for o in left)
    assert {o.type for o in seen} == {"PERSON", "QUEUE"}
    teamed = next(o for o in seen if o.teams and len(o.teams) == 2)
    assert [t.primary for t in teamed.teams] == [True, False]
    one = hs.crm.owners.owners_api.get_by_id(int(teamed.id))
    assert _cls(one) == "PublicOwner"
    assert one.email == truth[teamed.id]["email"]


def test_pipelines_and_audit_through_the_client(hs):
    pipes = hs.crm.pipelines.pipelines_api.get_all("deals").results
    assert [p.id for p in pipes] == ["default", "14593042", "31260117"]
    assert pipes[2].archived is True
    assert pipes[2].archived_at is not None
    stages = hs.crm.pipelines.pipeline_stages_api.get_all("tickets", "0").results
    assert {s.metadata["ticketState"] for s in stages} == {"OPEN", "CLOSED"}
    one = hs.crm.pipelines.pipelines_api.get_by_id("deals", "default")
    assert one.stages[0].metadata["probability"] == "0.2"
    audit = hs.crm.pipelines.pipeline_audits_api.get_audit("deals", "14593042").results
    assert _cls(audit[0]) == "PublicAuditInfo"
    deleted = [a for a in audit if a.action == "DELETE"]
    assert [a.identifier for a in deleted] == ["14593047"]
    assert deleted[0].raw_object["label"] == "Legal review"
    # the client's stage-audit method sends no pipeline id (its path keeps "{pipelineId}"),
    # so stage audits are covered by test_sim_owners_pipelines.py over plain HTTP


def test_properties_and_groups_through_the_client(hs):
    props = {p.name: p for p in hs.crm.properties.core_api.get_all("contacts").results}
    stage = props["lifecyclestage"]
    assert [o.value for o in stage.options if o.hidden] == ["other"]
    assert stage.options[0].description
    archived = hs.crm.properties.core_api.get_all("contacts", archived=True).results
    assert {p.name for p in archived} == {"legacy_lead_source", "fax_number"}
    assert all(p.archived_at is not None for p in archived)
    owner = hs.crm.properties.core_api.get_by_name("deals", "hubspot_owner_id")
    assert owner.referenced_object_type == "OWNER"
    assert owner.external_options is True
    groups = hs.crm.properties.groups_api.get_all("contacts").results
    assert _cls(groups[0]) == "PropertyGroup"
    assert {g.name for g in groups} == {p.group_name for p in props.values()}
    one = hs.crm.properties.groups_api.get_by_name("contacts", groups[0].name)
    assert one.label == groups[0].label


def test_lists_through_the_client(hs, portal):
    truth = {lst["listId"]: lst for lst in portal.admin.lists_truth()}
    found = hs.crm.lists.lists_api.do_search(ListSearchRequest(offset=0, count=3))
    assert _cls(found) == "ListSearchResponse"
    assert found.has_more is True
    lists = list(found.lists)
    while found.has_more:
        found = hs.crm.lists.lists_api.do_search(ListSearchRequest(offset=found.offset, count=3))
        lists += found.lists
    assert [x.list_id for x in lists] == list(truth)
    assert {x.processing_type for x in lists} == {"MANUAL", "DYNAMIC", "SNAPSHOT"}
    assert all(
        x.additional_properties["hs_list_size"] == str(truth[x.list_id]["size"]) for x in lists
    )
    big = max(truth.values(), key=lambda lst: lst["size"])
    assert big["size"] > 250
    fetched = hs.crm.lists.lists_api.get_by_id(big["listId"])
    assert fetched.list.size == big["size"]
    page = hs.crm.lists.memberships_api.get_page(big["listId"], limit=250)
    members = list(page.results)
    while page.paging is not None and page.paging.next is not None:
        page = hs.crm.lists.memberships_api.get_page(
            big["listId"], limit=250, after=page.paging.next.after
        )
        members += page.results
    assert [m.record_id for m in members] == [m["recordId"] for m in big["members"]]
    ordered = hs.crm.lists.memberships_api.get_page_ordered_by_added_to_list_date(
        big["listId"], limit=5
    )
    assert _cls(ordered.results[0]) == "JoinTimeAndRecordId"
    assert ordered.results[0].membership_timestamp is not None
    record = members[0].record_id
    of_record = hs.crm.lists.memberships_api.get_lists("0-1", record).results
    assert big["listId"] in {m.list_id for m in of_record}


@pytest.mark.parametrize("otype", PORTAL_ENABLED)
def test_2026_09_types_through_the_generic_objects_api(hs, portal_info, otype):
    """The portal's 2026-09 types on the legacy paths, with the client's validation on."""
    counts = portal_info["counts"][otype]
    page = hs.crm.objects.basic_api.get_page(otype, limit=100)
    assert len(page.results) == counts["active"] > 0
    one = hs.crm.objects.basic_api.get_by_id(otype, page.results[0].id)
    assert one.id == page.results[0].id
    found = hs.crm.objects.search_api.do_search(otype, PublicObjectSearchRequest(limit=3))
    assert found.total == counts["active"]


def test_invoices_and_taxes_through_their_own_client_apis(hs, portal_info):
    """The client's typed invoices (``crm.commerce.invoices``) and taxes APIs."""
    invoices = hs.crm.commerce.invoices.basic_api.get_page(limit=100, properties=["hs_number"])
    assert len(invoices.results) == portal_info["counts"]["invoices"]["active"]
    assert all(r.properties["hs_number"] == f"INV-{r.id}" for r in invoices.results)
    taxes = hs.crm.objects.taxes.basic_api.get_page(limit=100)
    assert len(taxes.results) == portal_info["counts"]["taxes"]["active"]


def test_realistic_11_digit_ids_through_the_client(fresh_simulator):
    fresh_simulator.admin.reset(
        contacts=2000, meetings=200, appointments=0, big_fanout=0, id_layout="realistic"
    )
    fresh_simulator.admin.set_rate_limits(enabled=False)
    hs = client(fresh_simulator)
    truth = fresh_simulator.admin.snapshot("contacts", ["hs_object_id"])["objects"]
    active = [o["id"] for o in truth if not o["archived"]]
    listed: list[str] = []
    after = None
    while True:
        page = hs.crm.objects.basic_api.get_page("contacts", limit=100, after=after)
        listed += [r.id for r in page.results]
        if page.paging is None:
            break
        after = page.paging.next.after
    assert listed == active
    big = [i for i in listed if len(i) == 11]
    assert len(big) > 20
    found = hs.crm.objects.search_api.do_search(
        "contacts",
        PublicObjectSearchRequest(
            filter_groups=[
                {"filters": [{"propertyName": "hs_object_id", "operator": "GTE", "value": big[0]}]}
            ],
            sorts=[{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
            limit=10,
        ),
    )
    assert _cls(found) == "CollectionResponseWithTotalSimplePublicObjectForwardPaging"
    assert [r.id for r in found.results] == big[:10]
    assert found.total == len([i for i in listed if int(i) >= int(big[0])])
    batch = hs.crm.objects.batch_api.read(
        "contacts",
        BatchReadInputSimplePublicObjectId(
            inputs=[{"id": i} for i in big[-3:]],
            properties=["hs_object_id"],
            properties_with_history=[],
        ),
    )
    assert sorted(r.id for r in batch.results) == sorted(big[-3:])
    links = fresh_simulator.admin.association_snapshot("meetings", "contacts")
    meeting = max(links, key=lambda x: int(x["fromId"]))
    got = hs.crm.associations.v4.basic_api.get_page("meetings", meeting["fromId"], "contacts")
    want = {int(x["toId"]) for x in links if x["fromId"] == meeting["fromId"]}
    assert {int(r.to_object_id) for r in got.results} == want  # the client keeps a str
    assert int(meeting["fromId"]) >= 10**10
