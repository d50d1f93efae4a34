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
from hubspot_simulator.auth import ALL_SCOPES
from hubspot_simulator.testing import SimulatorProcess
from reference_helpers import output_rows, owners_truth, pipelines_truth, properties_truth
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


TYPE_IDS = {
    "contacts": "0-1",
    "deals": "0-3",
    "tickets": "0-5",
    "appointments": "0-421",
    "pets": "2-1001",
}


def test_owners_and_teams_equal_the_simulator(sim, full_run):
    output, _ = full_run
    truth = owners_truth(sim.admin)
    for stream in ("owners", "owner_teams"):
        assert output_rows(output, stream) == truth[stream]
    owners = output.records("owners")
    assert any(o["archived"] for o in owners), "the simulator has owners who left"
    assert {o["owner_type"] for o in owners} == {"PERSON", "QUEUE"}


def test_pipelines_and_stages_equal_the_simulator_with_deleted_stages(sim, full_run):
    output, _ = full_run
    truth = pipelines_truth(sim.admin, TYPE_IDS)
    for stream in ("pipelines", "pipeline_stages"):
        assert output_rows(output, stream) == truth[stream]
    deleted = output_rows(output, "pipeline_stages")[("deals", "14593042", "14593047")]
    assert (deleted["from_audit"], deleted["archived"], deleted["archived_at"]) == (
        True,
        True,
        "2024-06-15T14:20:00.000Z",
    )
    assert {p["object_type"] for p in output.records("pipelines")} == set(PIPELINE_TYPES)
    assert any(p["archived"] for p in output.records("pipelines"))


def test_properties_and_options_equal_the_simulator_archived_included(sim, full_run):
    output, _ = full_run
    truth = properties_truth(sim.admin, TYPES)
    for stream in ("properties", "property_options"):
        assert output_rows(output, stream) == truth[stream]
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
