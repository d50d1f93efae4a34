"""Reference data changed between two runs (admin API): each run's eight streams equal the
simulator's ground truth, a stage deleted in between comes back from the audit, and every
stream is closed by its version (so the target flags what disappeared)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hubspot_simulator.testing import SimulatorProcess
from reference_helpers import (
    KEYS,
    lists_truth,
    output_rows,
    owners_truth,
    pipelines_truth,
    properties_truth,
)
from tap_helpers import TapOutput, assert_version_follows_records, run_tap, tap_config

TYPES = {"contacts": "0-1", "companies": "0-2", "deals": "0-3", "tickets": "0-5", "pets": "2-1001"}


@pytest.fixture(scope="module")
def portal() -> Iterator[SimulatorProcess]:
    with SimulatorProcess(portal=True, rate_limit=False) as sim:
        yield sim


def run(sim: SimulatorProcess) -> TapOutput:
    config = tap_config(sim, object_types=list(TYPES), reference_data="all", list_members="all")
    return run_tap(config)


def truth(sim: SimulatorProcess) -> dict[str, dict]:
    admin = sim.admin
    return {
        **owners_truth(admin),
        **pipelines_truth(admin, TYPES),
        **properties_truth(admin, list(TYPES)),
        **lists_truth(admin, {type_id: name for name, type_id in TYPES.items()}, None),
    }


def assert_equal_truth(output: TapOutput, expected: dict[str, dict]) -> None:
    for stream in KEYS:
        assert output_rows(output, stream) == expected[stream], stream
        assert_version_follows_records(output, stream)


def change_everything(sim: SimulatorProcess) -> dict[str, str]:
    """One change of each kind; returns what the assertions look for."""
    admin = sim.admin
    deals = admin.pipelines_truth()["deals"]["pipelines"][0]
    gone_stage = deals["stages"][1]["id"]
    admin.remove_stage("deals", deals["id"], gone_stage)
    admin.add_stage("deals", deals["id"], "negotiation9", "Negotiation", {"probability": "0.9"})
    ticket_pipeline = admin.pipelines_truth()["tickets"]["pipelines"][0]["id"]
    admin.update_pipeline("tickets", ticket_pipeline, label="Support (renamed)")
    owners = [o for o in admin.owners_truth()["owners"] if not o["archived"] and o.get("teams")]
    admin.archive_owner(owners[0]["id"])
    admin.remove_owner(owners[1]["id"])
    defs = admin.properties_truth("deals")["properties"]
    custom = next(p for p in defs if not p.get("hubspotDefined") and len(p["options"]) > 1)
    admin.remove_option("deals", custom["name"], custom["options"][0]["value"])
    admin.archive_property("deals", custom["name"])
    lists = admin.lists_truth()
    manual = next(lst for lst in lists if lst["processingType"] == "MANUAL" and lst["members"])
    admin.remove_list_members(int(manual["listId"]), [manual["members"][0]["recordId"]])
    doomed = next(lst for lst in lists if lst["listId"] != manual["listId"])
    admin.remove_list(int(doomed["listId"]))
    return {
        "stage": gone_stage,
        "pipeline": deals["id"],
        "list": doomed["listId"],
        "property": custom["name"],
    }


def test_each_run_equals_the_truth_before_and_after_changes(portal):
    assert_equal_truth(run(portal), truth(portal))
    changed = change_everything(portal)
    after = truth(portal)
    output = run(portal)
    assert_equal_truth(output, after)
    stage = output_rows(output, "pipeline_stages")[("deals", changed["pipeline"], changed["stage"])]
    assert (stage["from_audit"], stage["archived"]) == (True, True)
    assert changed["list"] not in {r["list_id"] for r in output.records("lists")}
    assert output_rows(output, "properties")[("deals", changed["property"])]["archived"]
