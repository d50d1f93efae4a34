"""Reference data changed between runs through the admin API, and the ground truth dumps equal
to what the public API serves afterwards."""

from __future__ import annotations

import pytest
from hubspot_simulator.admin import SimulatorAdminError


def _owners(api, archived: bool = False) -> list[dict]:
    params = {"limit": 500, "archived": str(archived).lower()}
    return api.get("/crm/v3/owners", params=params).json()["results"]


def test_owner_changes_and_truth(fresh_simulator, api):
    admin = fresh_simulator.admin
    before = {o["id"]: o for o in _owners(api)}
    new = admin.add_owner(
        id=1180000001, email="new.owner@example.com", firstName="Neu", lastName="Owner"
    )
    assert new["userId"] == new["userIdIncludingInactive"]
    admin.update_owner("9586504", firstName="Renamed")
    admin.set_owner_team("1180000001", "3216550", primary=True)
    admin.set_owner_team("1180000001", "3216551")
    admin.put_team("3216550", "Sales Americas & Canada")
    admin.archive_owner("9586505")
    admin.remove_owner("9586507")
    active = {o["id"]: o for o in _owners(api)}
    left = {o["id"]: o for o in _owners(api, archived=True)}
    assert set(active) == set(before) - {"9586505", "9586507"} | {"1180000001"}
    assert active["9586504"]["firstName"] == "Renamed"
    assert active["9586504"]["updatedAt"] > before["9586504"]["updatedAt"]
    assert active["1180000001"]["teams"] == [
        {"id": "3216550", "name": "Sales Americas & Canada", "primary": True},
        {"id": "3216551", "name": "Customer Support", "primary": False},
    ]
    assert left["9586505"]["userId"] is None
    assert "teams" not in left["9586505"]
    assert "9586507" not in left
    truth = admin.owners_truth()
    assert {o["id"]: o for o in truth["owners"]} == active | left
    assert {"id": "3216550", "name": "Sales Americas & Canada"} in truth["teams"]
    with pytest.raises(SimulatorAdminError):
        admin.set_owner_team("9586504", "no-such-team")


def test_pipeline_changes_go_to_the_audit(fresh_simulator, api):
    admin = fresh_simulator.admin
    admin.add_stage("deals", "default", "1234001", "Verbal yes", {"probability": "0.95"})
    admin.update_stage("deals", "default", "closedlost", label="Lost (any reason)")
    admin.remove_stage("deals", "default", "contractsent")
    admin.add_pipeline("deals", "555", "Renewals", [{"id": "556", "label": "Due"}])
    admin.update_pipeline("deals", "14593042", label="Enterprise EMEA")
    admin.remove_pipeline("deals", "31260117")
    pipes = {p["id"]: p for p in api.get("/crm/v3/pipelines/deals").json()["results"]}
    assert list(pipes) == ["default", "14593042", "555"]
    assert pipes["14593042"]["label"] == "Enterprise EMEA"
    stages = {s["id"]: s for s in pipes["default"]["stages"]}
    assert "contractsent" not in stages
    assert stages["1234001"]["metadata"] == {"probability": "0.95"}
    assert stages["closedlost"]["label"] == "Lost (any reason)"
    assert [s["displayOrder"] for s in pipes["default"]["stages"]] == list(range(7))
    audit = api.get("/crm/v3/pipelines/deals/default/audit").json()["results"]
    deleted = [e for e in audit if e["action"] == "DELETE"]
    assert [e["identifier"] for e in deleted] == ["contractsent"]
    assert deleted[0]["rawObject"]["label"] == "Contract Sent"
    # a deleted pipeline: not listed, 404 by id, its audit (and its stages') still readable
    assert api.get("/crm/v3/pipelines/deals/31260117").status_code == 404
    gone = api.get("/crm/v3/pipelines/deals/31260117/audit").json()["results"]
    assert gone[0]["action"] == "DELETE"
    assert {e["identifier"] for e in gone if e["action"] == "DELETE"} >= {"31260118", "31260121"}
    truth = admin.pipelines_truth()["deals"]
    assert truth["pipelines"] == list(pipes.values())
    assert truth["deletedPipelines"] == ["31260117"]
    audit_only = {(s["pipelineId"], s["id"]) for s in truth["auditOnlyStages"]}
    assert ("default", "contractsent") in audit_only
    assert ("14593042", "14593047") in audit_only
    assert ("31260117", "31260118") in audit_only
    # the deal stage property's options follow the live pipelines
    dealstage = api.get("/crm/v3/properties/deals/dealstage").json()
    values = {o["value"] for o in dealstage["options"]}
    assert "1234001" in values
    assert "556" in values
    assert "contractsent" not in values


def test_property_option_changes_and_archiving(fresh_simulator, api):
    admin = fresh_simulator.admin
    admin.add_option("contacts", "hs_lead_status", "Nurture", "NURTURE", description="Later")
    admin.update_option("contacts", "hs_lead_status", "NEW", label="Brand new", hidden=True)
    admin.remove_option("contacts", "hs_lead_status", "BAD_TIMING")
    admin.archive_property("contacts", "lead_score")
    with pytest.raises(SimulatorAdminError):
        admin.archive_property("contacts", "email")  # HubSpot's own: not archivable
    props = {p["name"]: p for p in api.get("/crm/v3/properties/contacts").json()["results"]}
    options = {o["value"]: o for o in props["hs_lead_status"]["options"]}
    assert options["NURTURE"]["description"] == "Later"
    assert options["NEW"]["label"] == "Brand new"
    assert options["NEW"]["hidden"] is True
    assert "BAD_TIMING" not in options
    assert [o["displayOrder"] for o in props["hs_lead_status"]["options"]] == list(range(8))
    assert "lead_score" not in props
    archived = api.get("/crm/v3/properties/contacts", params={"archived": "true"}).json()
    score = next(p for p in archived["results"] if p["name"] == "lead_score")
    assert score["archived"] is True
    truth = admin.properties_truth("contacts")
    assert truth["properties"] == list(props.values())
    assert truth["archived"] == archived["results"]
    admin.restore_property("contacts", "lead_score")
    names = {p["name"] for p in api.get("/crm/v3/properties/contacts").json()["results"]}
    assert "lead_score" in names


def _member_ids(api, list_id: int) -> list[str]:
    body = api.get(f"/crm/v3/lists/{list_id}/memberships", params={"limit": 250}).json()
    return [m["recordId"] for m in body["results"]]


def test_list_changes_and_dynamic_members(fresh_simulator, api):
    admin = fresh_simulator.admin
    created = admin.add_list("VIPs", "contacts", "MANUAL", list_id=40)
    assert created["listId"] == "40"
    admin.add_list_members(40, ["1003", "1010"], at=1_760_000_000_000)
    admin.add_list_members(24, ["1004"])
    admin.remove_list_members(7, [_member_ids(api, 7)[0]])
    admin.rename_list(15, "Key accounts 2025")
    admin.remove_list(12)
    joined = api.get("/crm/v3/lists/40/memberships/join-order").json()["results"]
    assert joined == [
        {"recordId": "1003", "membershipTimestamp": "2025-10-09T08:53:20.000Z"},
        {"recordId": "1010", "membershipTimestamp": "2025-10-09T08:53:20.000Z"},
    ]
    assert _member_ids(api, 24) == ["1004"]
    assert api.get("/crm/v3/lists/12").status_code == 404
    renamed = api.get("/crm/v3/lists/15").json()["list"]
    assert renamed["name"] == "Key accounts 2025"
    assert renamed["listVersion"] == 2
    # dynamic: members follow the records' values
    members = _member_ids(api, 3)
    leaver = members[0]
    admin.update_object("contacts", leaver, {"email": None})
    joiner = next(
        str(i)
        for i in range(1001, 1251)
        if str(i) not in members and api.get(f"/crm/v3/objects/contacts/{i}").status_code == 200
    )
    admin.update_object("contacts", joiner, {"email": "joined@example.com"})
    after = _member_ids(api, 3)
    assert leaver not in after
    assert joiner in after
    assert len(after) == len(members)
    with pytest.raises(SimulatorAdminError):
        admin.add_list_members(3, ["1001"])  # dynamic lists follow their rule
    truth = {lst["listId"]: lst for lst in admin.lists_truth()}
    assert set(truth) == {"3", "7", "15", "21", "24", "30", "40"}
    for list_id, lst in truth.items():
        body = api.get(f"/crm/v3/lists/{list_id}/memberships", params={"limit": 250}).json()
        assert lst["members"] == body["results"], list_id
        assert lst["size"] == len(body["results"])
