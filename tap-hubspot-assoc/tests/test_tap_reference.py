"""Reference streams (owners, pipelines, properties) against the simulator: records equal its
answers, deleted stages come from the audit, requests equal the minimum, versions close each
stream, and scopes are checked before any read."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import math
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from hubspot_simulator.auth import ALL_SCOPES
from hubspot_simulator.testing import SimulatorProcess
from tap_helpers import (
    TapOutput,
    assert_version_follows_records,
    parse_messages,
    run_tap,
    tap_config,
)
from tap_hubspot_assoc.reference.kinds import ReferenceUnavailableError
from tap_hubspot_assoc.tap import TapHubspotAssoc

TYPES = ["contacts", "deals", "tickets", "appointments", "pets"]
PIPELINE_TYPES = ["deals", "tickets", "appointments", "pets"]
KINDS = ["owners", "pipelines", "properties"]
LIMITED = "pat-na1-reference-limited"


@pytest.fixture(scope="module")
def sim() -> Iterator[SimulatorProcess]:
    sizes = {"tickets": 12, "pets": 8}
    with SimulatorProcess(
        contacts=40, meetings=0, appointments=6, deals=25, sizes=sizes, rate_limit=False
    ) as process:
        yield process


def api(sim: SimulatorProcess, path: str, **params: Any) -> Any:
    """The simulator's own answer (the oracle), read after the tap's counted requests."""
    answer = requests.get(sim.base_url + path, params=params, headers=sim.auth_headers())
    answer.raise_for_status()
    return answer.json()


def iso(text: str | None) -> str | None:
    """HubSpot's timestamps as the tap normalises them (milliseconds, Z)."""
    if text is None:
        return None
    head, _, rest = text.rstrip("Z").partition(".")
    return f"{head}.{(rest + '000')[:3]}Z"


def expected_owners(sim: SimulatorProcess) -> tuple[list[dict], list[dict]]:
    owners, teams = [], []
    for archived in ("false", "true"):
        body = api(sim, "/crm/v3/owners", limit=500, archived=archived)
        assert "paging" not in body
        for o in body["results"]:
            owners.append(
                {
                    "owner_id": o["id"],
                    "user_id": o.get("userId"),
                    "user_id_including_inactive": o.get("userIdIncludingInactive"),
                    "email": o.get("email"),
                    "first_name": o.get("firstName"),
                    "last_name": o.get("lastName"),
                    "owner_type": o["type"],
                    "created_at": iso(o["createdAt"]),
                    "updated_at": iso(o["updatedAt"]),
                    "archived": archived == "true",
                }
            )
            teams += [
                {
                    "owner_id": o["id"],
                    "team_id": t["id"],
                    "team_name": t["name"],
                    "is_primary": t["primary"],
                }
                for t in o.get("teams") or []
            ]
    return owners, teams


def stage_row(type_name: str, pipeline_id: str, s: dict, *, from_audit: bool) -> dict:
    meta = s.get("metadata") or {}
    probability = meta.get("probability")
    return {
        "object_type": type_name,
        "pipeline_id": pipeline_id,
        "stage_id": s["id"],
        "label": s["label"],
        "display_order": s["displayOrder"],
        "probability": None if probability is None else float(probability),
        "is_closed": None if "isClosed" not in meta else meta["isClosed"] == "true",
        "ticket_state": meta.get("ticketState"),
        "metadata": meta,
        "created_at": iso(s["createdAt"]),
        "updated_at": iso(s["updatedAt"]),
        "archived": s["archived"] or from_audit,
        "archived_at": iso(s.get("archivedAt")),
        "from_audit": from_audit,
    }


def expected_pipelines(sim: SimulatorProcess, type_ids: dict[str, str]) -> tuple[list, list]:
    pipelines, stages = [], []
    for type_name in PIPELINE_TYPES:
        path_ref = type_name if type_name != "pets" else type_ids["pets"]
        for p in api(sim, f"/crm/v3/pipelines/{path_ref}")["results"]:
            pipelines.append(
                {
                    "object_type": type_name,
                    "pipeline_id": p["id"],
                    "object_type_id": type_ids[type_name],
                    "label": p["label"],
                    "display_order": p["displayOrder"],
                    "created_at": iso(p["createdAt"]),
                    "updated_at": iso(p["updatedAt"]),
                    "archived": p["archived"],
                    "archived_at": iso(p.get("archivedAt")),
                }
            )
            live = {s["id"] for s in p["stages"]}
            stages += [stage_row(type_name, p["id"], s, from_audit=False) for s in p["stages"]]
            audit = api(sim, f"/crm/v3/pipelines/{path_ref}/{p['id']}/audit")["results"]
            stages += [
                stage_row(type_name, p["id"], e["rawObject"], from_audit=True)
                for e in audit
                if e["action"] == "DELETE" and e["identifier"] not in live | {p["id"]}
            ]
    return pipelines, stages


def expected_properties(sim: SimulatorProcess, type_ids: dict[str, str]) -> tuple[list, list]:
    properties, options = [], []
    for type_name in TYPES:
        path_ref = type_name if type_name != "pets" else type_ids["pets"]
        for archived in ("false", "true"):
            for p in api(sim, f"/crm/v3/properties/{path_ref}", archived=archived)["results"]:
                properties.append(
                    {
                        "object_type": type_name,
                        "property_name": p["name"],
                        "label": p["label"],
                        "property_type": p["type"],
                        "field_type": p["fieldType"],
                        "group_name": p["groupName"],
                        "description": p.get("description"),
                        "display_order": p.get("displayOrder"),
                        "calculated": p.get("calculated", False),
                        "external_options": p.get("externalOptions", False),
                        "hubspot_defined": p.get("hubspotDefined", False),
                        "has_unique_value": p.get("hasUniqueValue", False),
                        "hidden": p.get("hidden", False),
                        "referenced_object_type": p.get("referencedObjectType"),
                        "archived": archived == "true",
                        "archived_at": iso(p.get("archivedAt")),
                        "created_at": iso(p.get("createdAt")),
                        "updated_at": iso(p.get("updatedAt")),
                    }
                )
                options += [
                    {
                        "object_type": type_name,
                        "property_name": p["name"],
                        "option_value": o["value"],
                        "label": o["label"],
                        "description": o.get("description"),
                        "display_order": o.get("displayOrder"),
                        "hidden": o["hidden"],
                    }
                    for o in p.get("options") or []
                ]
    return properties, options


def keyed(rows: list[dict], *keys: str) -> dict[tuple, dict]:
    found = {tuple(r[k] for k in keys): r for r in rows}
    assert len(found) == len(rows), "duplicate keys"
    return found


@pytest.fixture(scope="module")
def full_run(sim: SimulatorProcess) -> tuple[TapOutput, dict[str, Any]]:
    """One run of every object type and reference kind; the simulator's counts of it."""
    sim.admin.reset_request_counts()
    output = run_tap(tap_config(sim, object_types=TYPES, reference_data=KINDS))
    return output, sim.admin.request_counts()


def type_ids(output: TapOutput) -> dict[str, str]:
    return {p["object_type"]: p["object_type_id"] for p in output.records("pipelines")} | {
        "contacts": "0-1"
    }


def test_owners_and_teams_equal_the_simulator(sim, full_run):
    output, _ = full_run
    owners, teams = expected_owners(sim)
    assert keyed(output.records("owners"), "owner_id") == keyed(owners, "owner_id")
    assert keyed(output.records("owner_teams"), "owner_id", "team_id") == keyed(
        teams, "owner_id", "team_id"
    )
    departed = [o for o in output.records("owners") if o["archived"]]
    assert departed, "the simulator has owners who left"
    assert {o["owner_type"] for o in output.records("owners")} == {"PERSON", "QUEUE"}


def test_pipelines_and_stages_equal_the_simulator_with_deleted_stages(sim, full_run):
    output, _ = full_run
    pipelines, stages = expected_pipelines(sim, type_ids(output))
    assert keyed(output.records("pipelines"), "object_type", "pipeline_id") == keyed(
        pipelines, "object_type", "pipeline_id"
    )
    got = keyed(output.records("pipeline_stages"), "object_type", "pipeline_id", "stage_id")
    assert got == keyed(stages, "object_type", "pipeline_id", "stage_id")
    deleted = got[("deals", "14593042", "14593047")]
    assert (deleted["from_audit"], deleted["archived"], deleted["archived_at"]) == (
        True,
        True,
        "2024-06-15T14:20:00.000Z",
    )
    assert {p["object_type"] for p in pipelines} == set(PIPELINE_TYPES)
    assert any(p["archived"] for p in output.records("pipelines"))


def test_properties_and_options_equal_the_simulator_archived_included(sim, full_run):
    output, _ = full_run
    properties, options = expected_properties(sim, type_ids(output))
    assert keyed(output.records("properties"), "object_type", "property_name") == keyed(
        properties, "object_type", "property_name"
    )
    assert keyed(
        output.records("property_options"), "object_type", "property_name", "option_value"
    ) == keyed(options, "object_type", "property_name", "option_value")
    assert any(p["archived"] for p in output.records("properties"))


def test_requests_are_the_minimum_and_properties_are_read_once(full_run):
    output, counts = full_run
    by_type = counts["byObjectType"]
    owners = output.records("owners")
    active = sum(not o["archived"] for o in owners)
    assert counts["endpoints"]["GET /crm/v3/owners"] == math.ceil(active / 500) + math.ceil(
        (len(owners) - active) / 500
    )
    assert sum(by_type["GET /crm/v3/pipelines/{type}"].values()) == len(PIPELINE_TYPES)
    audits = by_type["GET /crm/v3/pipelines/{type}/{pipelineId}/audit"]
    assert sum(audits.values()) == len(output.records("pipelines"))
    # discovery's answer types the object streams and feeds `properties`: once, plus archived
    assert sum(by_type["GET /crm/v3/properties/{type}"].values()) == 2 * len(TYPES)


@pytest.mark.parametrize(
    "stream",
    ["owners", "owner_teams", "pipelines", "pipeline_stages", "properties", "property_options"],
)
def test_each_reference_stream_is_closed_by_activate_version(full_run, stream):
    output, _ = full_run
    assert_version_follows_records(output, stream)


def limited_token(sim: SimulatorProcess, *without: str) -> str:
    sim.admin.add_token(LIMITED, sorted(set(ALL_SCOPES) - set(without)))
    return LIMITED


def test_all_skips_a_kind_without_its_scope_with_one_warning(sim, caplog):
    token = limited_token(sim, "crm.objects.owners.read")
    config = tap_config(sim, access_token=token, object_types=["deals"], reference_data="all")
    with caplog.at_level(logging.WARNING):
        output = run_tap(config)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        "owners and owner_teams skipped: owners cannot be read, the token lacks scope "
        "crm.objects.owners.read"
    ]
    assert output.records("owners") == []
    assert output.activate_versions("owners") == []
    assert output.records("pipelines")
    assert output.activate_versions("pipelines")


def test_a_listed_kind_without_its_scope_fails_before_any_read(sim, tmp_path):
    token = limited_token(sim, "crm.objects.owners.read")
    config = tap_config(sim, access_token=token, object_types=["contacts", "deals"])
    config["reference_data"] = ["pipelines", "owners"]
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    sim.admin.reset_request_counts()
    result = subprocess.run(
        [sys.executable, "-m", "tap_hubspot_assoc.tap", "--config", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    lines = result.stderr.splitlines()
    errors = [line for line in lines if "| ERROR    | tap-hubspot-assoc " in line]
    assert result.returncode == 1
    assert len(errors) == 1, result.stderr
    assert errors[0].split("| tap-hubspot-assoc              | ", 1)[1] == (
        "owners cannot be read: the token lacks scope crm.objects.owners.read (HubSpot refused "
        "the credentials: HTTP 403 MISSING_SCOPES; missing scopes: crm.objects.owners.read "
        "(This app hasn't been granted all required scopes to make this call. Read more about "
        "required scopes here: https://developers.hubspot.com/scopes.)). Add the missing scope "
        "to the private app (or OAuth app) in HubSpot, or remove owners from reference_data "
        "(listed in reference_data)"
    )
    assert "Traceback" not in result.stderr
    messages = parse_messages(result.stdout).messages
    assert [m for m in messages if m["type"] == "RECORD"] == []
    counts = sim.admin.request_counts()["endpoints"]
    assert "GET /crm/v3/objects/{type}" not in counts  # no object read began
    assert "POST /crm/v3/objects/{type}/search" not in counts


def run_with_catalog(config: dict[str, Any], selected: set[str]) -> tuple[TapOutput, Any]:
    """Discover in one tap, sync with the catalog (only `selected` streams) in another, as
    `meltano run` does."""
    catalog = TapHubspotAssoc(config=config, parse_env_config=False).catalog_dict
    for entry in catalog["streams"]:
        for metadata in entry["metadata"]:
            if metadata["breadcrumb"] == []:
                metadata["metadata"]["selected"] = entry["tap_stream_id"] in selected
    tap = TapHubspotAssoc(config=config, catalog=catalog, parse_env_config=False)
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        tap.sync_all()
    return parse_messages(buffer.getvalue()), catalog


def test_a_companion_selected_alone_is_written_with_its_version(sim, full_run):
    """owner_teams and property_options without owners and properties: their kind is read,
    only they are written; a catalog run reads each type's definitions once (+ archived)."""
    config = tap_config(sim, object_types=TYPES, reference_data=KINDS)
    sim.admin.reset_request_counts()
    output, _ = run_with_catalog(config, {"contacts", "owner_teams", "property_options"})
    discovered = sim.admin.request_counts()["byObjectType"]["GET /crm/v3/properties/{type}"]
    written = {m["stream"] for m in output.messages if m["type"] in ("RECORD", "SCHEMA")}
    assert written == {"contacts", "owner_teams", "property_options"}
    reference, _ = full_run
    assert output.records("owner_teams") == reference.records("owner_teams")
    options = reference.records("property_options")  # of the synced (selected) types only
    assert output.records("property_options") == [
        o for o in options if o["object_type"] == "contacts"
    ]
    for stream in ("owner_teams", "property_options"):
        assert_version_follows_records(output, stream)
    # discovery reads every type once; the sync takes contacts' typing from the catalog, so
    # the properties kind reads contacts' active definitions once, then the archived ones
    assert discovered == {t: 1 for t in TYPES} | {"contacts": 3}


def test_lists_without_their_scope_skip_under_all_but_fail_when_members_are_asked(sim, caplog):
    token = limited_token(sim, "crm.lists.read")
    config = tap_config(sim, access_token=token, object_types=["contacts"], reference_data="all")
    with caplog.at_level(logging.WARNING):
        output = run_tap(config)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        "lists and list_memberships skipped: lists cannot be read, the token lacks scope "
        "crm.lists.read"
    ]
    assert output.records("lists") == []
    assert output.activate_versions("list_memberships") == []
    assert output.records("owners")
    with pytest.raises(ReferenceUnavailableError, match=r"remove lists from reference_data \("):
        run_tap({**config, "list_members": ["Anything"]})
