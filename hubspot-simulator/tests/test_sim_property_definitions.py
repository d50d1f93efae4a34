"""Property definitions: options (hidden, described, removed after use), owner references,
archived properties, one property, groups, pipeline options, and record values that keep to
the options."""

from __future__ import annotations

from hubspot_simulator.propdefs import REMOVED_OPTIONS


def _props(api, type_name: str, **params) -> dict[str, dict]:
    resp = api.get(f"/crm/v3/properties/{type_name}", params=params)
    assert resp.status_code == 200
    return {p["name"]: p for p in resp.json()["results"]}


def test_options_hidden_described_and_removed(api):
    props = _props(api, "contacts")
    stage = props["lifecyclestage"]
    values = [o["value"] for o in stage["options"]]
    assert "evangelist" not in values
    assert [o["displayOrder"] for o in stage["options"]] == list(range(len(values)))
    assert [o["value"] for o in stage["options"] if o["hidden"]] == ["other"]
    assert stage["options"][0] == {
        "label": "Subscriber",
        "value": "subscriber",
        "displayOrder": 0,
        "hidden": False,
        "description": "Opted in to hear more from us.",
    }
    meetings = _props(api, "meetings")
    owner = meetings["hubspot_owner_id"]
    assert owner["referencedObjectType"] == "OWNER"
    assert owner["externalOptions"] is True
    assert owner["options"] == []
    assert owner["type"] == "enumeration"


def test_archived_properties_and_one_property(api):
    live = _props(api, "contacts")
    archived = _props(api, "contacts", archived="true")
    assert set(archived) == {"legacy_lead_source", "fax_number"}
    assert not set(archived) & set(live)
    assert all(p["archived"] is True and p["archivedAt"].endswith("Z") for p in archived.values())
    assert all(p["archived"] is False and "archivedAt" not in p for p in live.values())
    one = api.get("/crm/v3/properties/contacts/lifecyclestage")
    assert one.json() == live["lifecyclestage"]
    assert api.get("/crm/v3/properties/contacts/fax_number").status_code == 404
    got = api.get("/crm/v3/properties/contacts/fax_number", params={"archived": "true"})
    assert got.json() == archived["fax_number"]
    picked = _props(api, "contacts", properties="email,firstname,nope")
    assert set(picked) == {"email", "firstname"}
    assert _props(api, "contacts", dataSensitivity="sensitive") == {}
    assert (
        api.get("/crm/v3/properties/contacts", params={"dataSensitivity": "x"}).status_code == 400
    )
    assert api.get("/crm/v3/properties/contacts", params={"archived": "x"}).status_code == 400
    missing = api.get("/crm/v3/properties/contacts/nope")
    assert missing.status_code == 404
    assert missing.json()["category"] == "OBJECT_NOT_FOUND"


def test_groups(api):
    groups = api.get("/crm/v3/properties/contacts/groups").json()["results"]
    names = [g["name"] for g in groups]
    used = {p["groupName"] for p in _props(api, "contacts").values()}
    assert set(names) == used
    assert all(set(g) == {"name", "label", "displayOrder", "archived"} for g in groups)
    assert [g["displayOrder"] for g in groups] == list(range(len(groups)))
    one = api.get(f"/crm/v3/properties/contacts/groups/{names[0]}").json()
    assert one == groups[0]
    assert api.get("/crm/v3/properties/contacts/groups/nope").status_code == 404
    assert api.get("/crm/v3/properties/courses/groups").status_code == 400  # not activated


def test_pipeline_properties_list_live_pipelines(portal_api):
    props = _props(portal_api, "deals")
    pipelines = portal_api.get("/crm/v3/pipelines/deals").json()["results"]
    live = [p for p in pipelines if not p["archived"]]
    assert [o["value"] for o in props["pipeline"]["options"]] == [p["id"] for p in live]
    assert [o["value"] for o in props["dealstage"]["options"]] == [
        s["id"] for p in live for s in p["stages"]
    ]
    tickets = _props(portal_api, "tickets")
    ticket_pipes = portal_api.get("/crm/v3/pipelines/tickets").json()["results"]
    assert {o["value"] for o in tickets["hs_pipeline_stage"]["options"]} == {
        s["id"] for p in ticket_pipes for s in p["stages"]
    }


def _snapshot(portal, type_name: str) -> list[dict]:
    return portal.admin.snapshot(type_name)["objects"]


def test_record_values_keep_to_options(portal, portal_api):
    """Every enumeration value on a record is an option, except the few options removed after
    records used them (and pipeline values: pipelines or stages the pipelines API knows)."""
    checked = 0
    removed_seen = set()
    for type_name in ("contacts", "deals", "tickets", "meetings", "leads", "calls"):
        props = _props(portal_api, type_name)
        enums = {
            n: p
            for n, p in props.items()
            if p["type"] == "enumeration" and p["options"] and not p.get("externalOptions")
        }
        known_pipeline_values: set[str] = set()
        if type_name in ("deals", "tickets", "leads"):
            for p in portal_api.get(f"/crm/v3/pipelines/{type_name}").json()["results"]:
                known_pipeline_values.add(p["id"])
                audit = portal_api.get(f"/crm/v3/pipelines/{type_name}/{p['id']}/audit").json()
                known_pipeline_values |= {e["identifier"] for e in audit["results"]}
        for rec in _snapshot(portal, type_name):
            for name, prop in enums.items():
                value = rec["properties"].get(name)
                if value in (None, ""):
                    continue
                allowed = {o["value"] for o in prop["options"]}
                removed = set(REMOVED_OPTIONS.get((type_name, name), ()))
                for v in value.split(";") if prop["fieldType"] == "checkbox" else [value]:
                    checked += 1
                    if v in removed:
                        removed_seen.add((type_name, name))
                    else:
                        assert v in allowed | known_pipeline_values, (type_name, name, v)
    assert checked > 2000
    assert removed_seen == set(REMOVED_OPTIONS)
