"""Property history (issue 23) through `meltano run tap-hubspot-assoc target-hubspot-overwrite`.

`{type}_property_history` must hold every version HubSpot answered in any run (the simulator's
histories, newest 20 per property, numbered as the contract says), each once, the first
answer kept: after a first run, after two incremental runs with updates in between (several
updates of one property, two updates in one millisecond, a property past HubSpot's 20-version
cap, a merge), and after a full refresh, which adds nothing. The merged-away record's rows
stay, flagged; the survivor gains the versions HubSpot moved to it.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hubspot_simulator.testing import SimulatorProcess
from pipeline_devtools.postgres import Database

from tests import reference_oracle as oracle
from tests.conftest import MeltanoProject, isolated_project_dir, project_env

pytestmark = pytest.mark.e2e

RUN = ("run", "tap-hubspot-assoc", "target-hubspot-overwrite")
FULL_REFRESH_RUN = ("run", "--full-refresh", "tap-hubspot-assoc", "target-hubspot-overwrite")
HISTORY = {"contacts": ["lifecyclestage", "hs_lead_status"], "deals": ["dealstage", "amount"]}
ENV = {
    "TAP_HUBSPOT_ASSOC_OBJECT_TYPES": json.dumps(list(HISTORY)),
    "TAP_HUBSPOT_ASSOC_ASSOCIATION_PAIRS": "[]",
    "TAP_HUBSPOT_ASSOC_REFERENCE_DATA": "[]",
    "TAP_HUBSPOT_ASSOC_PROPERTY_HISTORY": json.dumps(HISTORY),
    "TAP_HUBSPOT_ASSOC_REQUESTS_PER_TEN_SECONDS": "100000",
    "TAP_HUBSPOT_ASSOC_SEARCH_REQUESTS_PER_SECOND": "1000",
    "TARGET_HUBSPOT_OVERWRITE_HARD_DELETE": "true",  # history rows are flagged all the same
}
SUMMARY = re.compile(r'\{"type":"LOAD_SUMMARY".*?\}')


@pytest.fixture(scope="module")
def sim() -> Iterator[SimulatorProcess]:
    with SimulatorProcess(contacts=60, meetings=0, appointments=0, deals=30, rate_limit=False) as s:
        yield s


@pytest.fixture
def project(
    sim: SimulatorProcess, database: Database, pg_schema: str, tmp_path: Path
) -> MeltanoProject:
    env = project_env(sim, database, pg_schema, tmp_path, **ENV)
    return MeltanoProject(isolated_project_dir(tmp_path), env, pg_schema, database.url)


class Expected:
    """Every version answered so far per type (first answer kept), and the merged-away ids."""

    def __init__(self) -> None:
        self.rows: dict[str, oracle.Rows] = {t: {} for t in HISTORY}
        self.merged: dict[str, set[str]] = {t: set() for t in HISTORY}

    def absorb(self, sim: SimulatorProcess) -> int:
        """Add what HubSpot answers now; returns how many versions were new."""
        new = 0
        for object_type, props in HISTORY.items():
            for key, row in oracle.history(sim, object_type, props).items():
                if key not in self.rows[object_type]:
                    self.rows[object_type][key] = row
                    new += 1
        return new

    def differences(self, project: MeltanoProject) -> list[str]:
        """Live rows = the versions of records not merged away; flagged rows = theirs."""
        found = []
        for object_type, rows in self.rows.items():
            table = f"{object_type}_property_history"
            live, flagged = oracle.table(project.database_url, project.schema, table)
            gone = self.merged[object_type]
            found += oracle.differences(
                {k: r for k, r in rows.items() if k[0] not in gone}, live, table
            )
            found += oracle.differences(
                {k: r for k, r in rows.items() if k[0] in gone}, flagged, f"{table} (flagged)"
            )
        return found


def a_minute_ago() -> int:
    return int(time.time() * 1000) - 60_000


def versions(sim: SimulatorProcess, object_type: str, object_id: str, prop: str) -> list[dict]:
    return sim.admin.history(object_type, object_id, [prop])[prop]


def summaries(result) -> dict[str, dict]:
    """The target's LOAD_SUMMARY per stream in a meltano run's log."""
    found = [json.loads(m) for m in SUMMARY.findall(result.stderr)]
    return {s["scope"]: s for s in found}


def test_history_tables_across_runs_merges_and_a_full_refresh(sim, project):
    expected = Expected()
    admin = sim.admin
    project.run(*RUN)
    assert expected.absorb(sim) > 300
    assert expected.differences(project) == []

    contacts = sorted(admin.history_snapshot("contacts", HISTORY["contacts"]), key=int)
    capped = next(c for c in contacts if len(versions(sim, "contacts", c, "lifecyclestage")) == 20)
    several, same_ms, survivor, merged = [c for c in contacts[:6] if c != capped][:4]
    at = a_minute_ago()
    for step, stage in enumerate(["lead", "marketingqualifiedlead", "salesqualifiedlead"]):
        admin.update_property("contacts", several, {"lifecyclestage": stage}, at=at + step)
    admin.update_property("contacts", same_ms, {"hs_lead_status": "NEW"}, at=at)
    admin.update_property("contacts", same_ms, {"hs_lead_status": "OPEN"}, at=at)
    oldest = versions(sim, "contacts", capped, "lifecyclestage")[-1]
    admin.update_property("contacts", capped, {"lifecyclestage": "customer"}, at=at)
    assert oldest not in versions(sim, "contacts", capped, "lifecyclestage")  # past the cap
    admin.merge("contacts", survivor, merged, at=at)
    deal = sorted(admin.history_snapshot("deals", ["dealstage"]), key=int)[0]
    admin.update_property("deals", deal, {"dealstage": "closedwon"}, at=at, source_type="CRM_UI")
    project.run(*RUN)
    assert expected.absorb(sim) >= 7
    expected.merged["contacts"].add(merged)
    assert [k for k in expected.rows["contacts"] if k[0] == merged], "merged record had history"
    pair = [
        r
        for k, r in expected.rows["contacts"].items()
        if k[0] == same_ms and r["value"] in ("NEW", "OPEN") and r["source_type"] == "API"
    ]
    assert sorted((r["same_time_seq"], r["value"]) for r in pair) == [(0, "NEW"), (1, "OPEN")]
    assert expected.differences(project) == []

    admin.update_property("contacts", several, {"lifecyclestage": "opportunity"}, at=a_minute_ago())
    admin.update_property("deals", deal, {"amount": "1234.5"}, at=a_minute_ago())
    project.run(*RUN)
    assert expected.absorb(sim) == 2
    assert expected.differences(project) == []

    result = project.run(*FULL_REFRESH_RUN)
    assert expected.absorb(sim) == 0
    assert expected.differences(project) == []
    loaded = summaries(result)
    for object_type in HISTORY:
        counts = loaded[f"stream '{object_type}_property_history'"]
        assert (counts["created"], counts["updated"], counts["overwritten"]) == (0, 0, 0)
        assert counts["already_present"] == counts["received"] > 0
