"""Owners and pipelines: shapes, paging, limits, errors, scopes, audits, and the records that
point at them (owners who left, an archived pipeline, a stage deleted after deals used it)."""

from __future__ import annotations

import requests
from hubspot_simulator.catalog.refids import OWNER_SEEDS
from sim_helpers import without_ids

OWNER_KEYS = {
    "id",
    "email",
    "type",
    "firstName",
    "lastName",
    "userId",
    "userIdIncludingInactive",
    "createdAt",
    "updatedAt",
    "archived",
}


def _all_owners(api, archived: bool, limit: int) -> tuple[list[dict], int]:
    owners: list[dict] = []
    pages = 0
    params: dict = {"limit": limit, "archived": str(archived).lower()}
    while True:
        body = api.get("/crm/v3/owners", params=params).json()
        pages += 1
        owners += body["results"]
        if "paging" not in body:
            return owners, pages
        assert body["paging"]["next"]["link"].endswith(body["paging"]["next"]["after"])
        params["after"] = body["paging"]["next"]["after"]


def test_owners_shape_paging_and_archived(api):
    active, pages = _all_owners(api, False, 7)
    left, _ = _all_owners(api, True, 100)
    persons_left = sum(1 for o in OWNER_SEEDS if o.left_ms is not None)
    assert len(active) == len(OWNER_SEEDS) - persons_left == 27
    assert pages == 4
    assert len(left) == persons_left == 5
    ids = [int(o["id"]) for o in active]
    assert ids == sorted(ids)
    assert all(set(o) - {"teams"} == OWNER_KEYS for o in active + left)
    assert all(
        o["archived"] is False and o["userId"] == o["userIdIncludingInactive"]
        for o in active
        if o["type"] == "PERSON"
    )
    assert all(
        o["archived"] is True
        and o["userId"] is None
        and isinstance(o["userIdIncludingInactive"], int)
        for o in left
    )
    queue = [o for o in active if o["type"] == "QUEUE"]
    assert len(queue) == 1
    assert queue[0]["userId"] is None
    teamed = [o for o in active if "teams" in o]
    assert all(sum(t["primary"] for t in o["teams"]) == 1 for o in teamed)
    assert any(len(o["teams"]) == 2 for o in teamed)
    assert all(set(t) == {"id", "name", "primary"} for o in teamed for t in o["teams"])
    # era ids with holes: three id blocks
    assert {len(o["id"]) for o in active} == {7, 8, 10}


def test_owner_filters_get_and_errors(api):
    first = api.get("/crm/v3/owners", params={"limit": 1}).json()["results"][0]
    by_email = api.get("/crm/v3/owners", params={"email": first["email"]}).json()
    assert by_email == {"results": [first]}
    assert api.get("/crm/v3/owners", params={"email": "nobody@example.com"}).json() == {
        "results": []
    }
    assert api.get(f"/crm/v3/owners/{first['id']}").json() == first
    by_user = api.get(f"/crm/v3/owners/{first['userId']}", params={"idProperty": "userId"})
    assert by_user.json() == first
    left = api.get("/crm/v3/owners", params={"archived": "true"}).json()["results"][0]
    assert api.get(f"/crm/v3/owners/{left['id']}").status_code == 404
    assert api.get(f"/crm/v3/owners/{left['id']}", params={"archived": "true"}).json() == left
    missing = api.get("/crm/v3/owners/123")
    assert missing.status_code == 404
    assert without_ids(missing.json())["category"] == "OBJECT_NOT_FOUND"
    for params in ({"limit": 501}, {"limit": 0}, {"after": "garbage"}, {"archived": "maybe"}):
        resp = api.get("/crm/v3/owners", params=params)
        assert resp.status_code == 400, params
        assert resp.json()["category"] == "VALIDATION_ERROR"
    assert len(api.get("/crm/v3/owners", params={"limit": 500}).json()["results"]) == 27
    assert api.get("/crm/v3/owners/abc").status_code == 400
    assert api.get("/crm/v3/owners/9586504", params={"idProperty": "email"}).status_code == 400


def test_deal_and_ticket_pipelines(api):
    deals = api.get("/crm/v3/pipelines/deals").json()["results"]
    assert [(p["id"], p["archived"]) for p in deals] == [
        ("default", False),
        ("14593042", False),
        ("31260117", True),
    ]
    assert "archivedAt" in deals[2]
    assert "archivedAt" not in deals[0]
    assert deals[0]["createdAt"] == "1970-01-01T00:00:00.000Z"
    stages = deals[0]["stages"]
    assert [s["displayOrder"] for s in stages] == list(range(7))
    won = next(s for s in stages if s["id"] == "closedwon")
    assert won["metadata"] == {"isClosed": "true", "probability": "1.0"}
    assert all(isinstance(v, str) for s in stages for v in s["metadata"].values())
    assert "14593047" not in {s["id"] for p in deals for s in p["stages"]}
    one = api.get("/crm/v3/pipelines/deals/14593042").json()
    assert one == deals[1]
    assert api.get("/crm/v3/pipelines/deals/14593042/stages").json() == {
        "results": deals[1]["stages"]
    }
    stage = api.get("/crm/v3/pipelines/deals/default/stages/closedwon").json()
    assert stage == won
    tickets = api.get("/crm/v3/pipelines/tickets").json()["results"]
    states = {s["metadata"]["ticketState"] for p in tickets for s in p["stages"]}
    assert states == {"OPEN", "CLOSED"}
    # by type id too, and for the other pipeline types of the portal
    assert api.get("/crm/v3/pipelines/0-3").json()["results"] == deals
    for t in ("leads", "appointments", "pets"):
        assert api.get(f"/crm/v3/pipelines/{t}").json()["results"], t


def test_pipeline_errors(api):
    for path, status in (
        ("/crm/v3/pipelines/contacts", 400),
        ("/crm/v3/pipelines/courses", 400),  # not activated: unknown to the portal
        ("/crm/v3/pipelines/nope", 400),
        ("/crm/v3/pipelines/deals/999", 404),
        ("/crm/v3/pipelines/deals/default/stages/nope", 404),
        ("/crm/v3/pipelines/deals/default/stages/14593047", 404),
        ("/crm/v3/pipelines/deals/default/stages/nope/audit", 404),
    ):
        resp = api.get(path)
        assert resp.status_code == status, path
        assert resp.json()["category"] == (
            "VALIDATION_ERROR" if status == 400 else "OBJECT_NOT_FOUND"
        )


def test_audit_keeps_the_deleted_stage(api):
    audit = api.get("/crm/v3/pipelines/deals/14593042/audit").json()["results"]
    stamps = [e["timestamp"] for e in audit]
    assert stamps == sorted(stamps, reverse=True)
    assert all(
        set(e)
        == {"identifier", "action", "timestamp", "message", "rawObject", "fromUserId", "portalId"}
        for e in audit
    )
    deleted = [e for e in audit if e["action"] == "DELETE"]
    assert [e["identifier"] for e in deleted] == ["14593047"]
    raw = deleted[0]["rawObject"]
    assert raw["label"] == "Legal review"
    assert raw["metadata"]["probability"] == "0.7"
    assert raw["archived"] is True
    assert raw["archivedAt"] == deleted[0]["timestamp"]
    stage_audit = api.get("/crm/v3/pipelines/deals/14593042/stages/14593047/audit").json()
    assert [e["action"] for e in stage_audit["results"]] == ["DELETE", "CREATE"]


def test_scopes(fresh_simulator):
    admin = fresh_simulator.admin
    admin.add_token("pat-deals", scopes=["crm.objects.deals.read"])
    admin.add_token("pat-owners", scopes=["crm.objects.owners.read"])
    base = fresh_simulator.base_url

    def get(path: str, token: str) -> requests.Response:
        return requests.get(base + path, headers={"Authorization": f"Bearer {token}"}, timeout=10)

    assert get("/crm/v3/pipelines/deals", "pat-deals").status_code == 200
    denied = get("/crm/v3/pipelines/tickets", "pat-deals")
    assert denied.status_code == 403
    assert denied.json()["errors"][0]["context"] == {"requiredGranularScopes": ["tickets"]}
    denied = get("/crm/v3/owners", "pat-deals")
    assert denied.json()["errors"][0]["context"] == {
        "requiredGranularScopes": ["crm.objects.owners.read"]
    }
    assert get("/crm/v3/owners", "pat-owners").status_code == 200
    assert get("/crm/v3/owners", "wrong").status_code == 401
    counts = admin.request_counts()["endpoints"]
    assert counts["GET /crm/v3/owners"] == 3
    assert counts["GET /crm/v3/pipelines/{type}"] == 2


def test_records_point_at_owners_pipelines_and_stages(portal_api):
    owners = portal_api.get("/crm/v3/owners", params={"limit": 500}).json()["results"]
    left = portal_api.get("/crm/v3/owners", params={"archived": "true"}).json()["results"]
    owner_ids = {o["id"] for o in owners + left}
    left_ids = {o["id"] for o in left}
    pipelines = portal_api.get("/crm/v3/pipelines/deals").json()["results"]
    stages = {p["id"]: {s["id"] for s in p["stages"]} for p in pipelines}
    audit = portal_api.get("/crm/v3/pipelines/deals/14593042/audit").json()["results"]
    stages["14593042"] |= {e["identifier"] for e in audit if e["action"] == "DELETE"}
    deals = []
    params: dict = {"limit": 100, "properties": "pipeline,dealstage,hubspot_owner_id"}
    while True:
        body = portal_api.get("/crm/v3/objects/deals", params=params).json()
        deals += [d["properties"] for d in body["results"]]
        if "paging" not in body:
            break
        params["after"] = body["paging"]["next"]["after"]
    assert all(d["dealstage"] in stages[d["pipeline"]] for d in deals)
    assert any(d["dealstage"] == "14593047" for d in deals)  # the deleted stage
    assert any(d["pipeline"] == "31260117" for d in deals)  # the archived pipeline
    carried = {d["hubspot_owner_id"] for d in deals} - {None}
    assert carried <= owner_ids
    assert carried & left_ids  # owners who left
    tickets = portal_api.get(
        "/crm/v3/objects/tickets",
        params={"limit": 100, "properties": "hs_pipeline,hs_pipeline_stage"},
    ).json()["results"]
    ticket_stages = {
        (p["id"], s["id"])
        for p in portal_api.get("/crm/v3/pipelines/tickets").json()["results"]
        for s in p["stages"]
    }
    assert all(
        (t["properties"]["hs_pipeline"], t["properties"]["hs_pipeline_stage"]) in ticket_stages
        for t in tickets
    )


def test_custom_object_records_carry_their_pipeline(portal, portal_api):
    pipes = portal_api.get("/crm/v3/pipelines/pets").json()["results"]
    stages = {(p["id"], s["id"]) for p in pipes for s in p["stages"]}
    pets = portal.admin.snapshot("pets", ["hs_pipeline", "hs_pipeline_stage"])["objects"]
    carried = {(r["properties"]["hs_pipeline"], r["properties"]["hs_pipeline_stage"]) for r in pets}
    assert carried == stages
