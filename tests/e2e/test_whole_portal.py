"""A whole portal through `meltano run` with `object_types: all` and `association_pairs: all`.

The simulator's portal preset holds every standard type the account has activated, two custom
objects (one linked to 600+ contacts under user-defined labels), a company with 500+ contacts,
deals with Primary and non-Primary companies and a products type with 2,000 populated
properties. After a full run, an incremental run that changes every type, and a full refresh,
every table must equal the simulator (objects, both directions of every pair, labels), and the
full run must make exactly the fewest requests the dataset allows (printed as a table).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from hubspot_simulator.testing import SimulatorProcess
from pipeline_devtools.postgres import Database

from tests import portal_oracle as oracle
from tests.conftest import WHOLE_PORTAL_ENV, MeltanoProject, isolated_project_dir, project_env

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

RUN = ("run", "tap-hubspot-assoc", "target-hubspot-overwrite")
FULL_REFRESH_RUN = ("run", "--full-refresh", "tap-hubspot-assoc", "target-hubspot-overwrite")
WIDE = {"products"}  # 2,000 properties: listed as ids + batch read, loaded with an overflow


@pytest.fixture(scope="module")
def portal_sim() -> Iterator[SimulatorProcess]:
    with SimulatorProcess(portal=True, rate_limit=False) as sim:
        yield sim


@pytest.fixture(params=["default", "2026-03", "legacy"])
def api_version(request: pytest.FixtureRequest) -> str:
    """The tap's `api_version`: the default (the latest date version), the previous one and
    the legacy paths. Only the default run goes on to the incremental run and the refresh."""
    return str(request.param)


@pytest.fixture
def project(
    portal_sim: SimulatorProcess,
    database: Database,
    pg_schema: str,
    tmp_path: Path,
    api_version: str,
) -> MeltanoProject:
    extra = dict(WHOLE_PORTAL_ENV)
    if api_version != "default":
        extra["TAP_HUBSPOT_ASSOC_API_VERSION"] = api_version
    env = project_env(portal_sim, database, pg_schema, tmp_path, **extra)
    return MeltanoProject(isolated_project_dir(tmp_path), env, pg_schema, database.url)


def assert_warehouse_equals_portal(
    sim: SimulatorProcess, project: MeltanoProject, portal: oracle.Portal
) -> None:
    with psycopg.connect(project.database_url) as conn:
        tables = {
            row[0]
            for row in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                (project.schema,),
            )
        }
        expected_tables = {oracle.table_name(t) for t in portal.types} | {
            oracle.association_table(a, b) for a, b in portal.directions
        }
        assert expected_tables <= tables, sorted(expected_tables - tables)
        differences = []
        for object_type in portal.types:
            differences += oracle.object_differences(sim, conn, project.schema, object_type)
        for from_type, to_type in portal.directions:
            differences += oracle.association_differences(
                sim, conn, project.schema, from_type, to_type
            )
        differences += oracle.label_differences(sim, conn, project.schema, portal)
    assert differences == []


def a_minute_ago() -> int:
    return int(time.time() * 1000) - 60_000


def change_every_type(sim: SimulatorProcess, portal: oracle.Portal) -> dict[str, str]:
    """Change one record of every type (a writable string or number property) and link the changed
    records of every pair under the pair's highest type id; returns the changed ids."""
    changed = {}
    for object_type in portal.types:
        props = oracle._get(sim, f"/crm/v3/properties/{object_type}")["results"]
        writable = {
            p["type"]: p["name"]
            for p in reversed(props)
            if p["type"] in ("string", "number")
            and not p["modificationMetadata"]["readOnlyValue"]
            and not p["name"].startswith("hs_object")
        }
        # a string when the type has one (commerce payments have only numbers and enumerations)
        change = (
            {writable["string"]: f"changed {object_type} ✓"}
            if "string" in writable
            else {writable["number"]: "4242.5"}
        )
        objects = sim.admin.snapshot(object_type, properties=["hs_object_id"])["objects"]
        record = next(o["id"] for o in objects if not o["archived"])
        sim.admin.update_object(object_type, record, change, at=a_minute_ago())
        changed[object_type] = record
    for from_type, to_type in portal.directions[::2]:
        # Both ends changed, so the incremental run re-reads both directions' sets.
        type_id = max(t for t, _, _ in oracle.labels_of(sim, from_type, to_type))
        sim.admin.associate(from_type, changed[from_type], to_type, changed[to_type], [type_id])
    return changed


def test_whole_portal_full_incremental_and_full_refresh(portal_sim, project, api_version, capsys):
    sim = portal_sim
    portal = oracle.discover(sim)
    assert len(portal.types) >= 27  # the 2026-09 reference's types the portal enables too
    assert {"carts", "orders", "invoices", "users"} <= set(portal.types)
    assert {"pets", "vehicles", "products"} <= set(portal.types)
    assert ("deals", "companies") in portal.directions
    assert ("pets", "contacts") in portal.directions

    sim.admin.reset_request_counts()
    result = project.run(*RUN)
    got = oracle.measured(sim)
    assert "association_pairs all:" in result.stderr
    assert "object library: not enabled in this account, skipped:" in result.stderr
    assert "services (0-162)" in result.stderr
    assert "subscriptions (0-69)" in result.stderr
    versions = {v: n for v, n in sim.admin.request_counts()["byVersion"].items() if n}
    assert set(versions) == {"2026-09" if api_version == "default" else api_version}, versions
    minimum = oracle.full_run_minimum(sim, portal, WIDE, custom_types=True)
    with capsys.disabled():
        print("\nWhole-portal full run: requests per type and direction\n")
        print(oracle.request_table(minimum, got))
    assert got == minimum
    assert_warehouse_equals_portal(sim, project, portal)
    if api_version != "default":
        return  # the versions' differences are all in the full run's requests

    changed = change_every_type(sim, portal)
    sim.admin.reset_request_counts()
    project.run(*RUN)
    assert_warehouse_equals_portal(sim, project, portal)
    searches = oracle.measured(sim)
    for object_type in changed:
        assert searches[f"POST /crm/v3/objects/{{type}}/search [{object_type}]"] >= 1
    assert sum(n for k, n in searches.items() if k.startswith(oracle.LIST)) == 0

    for object_type in ("tickets", "pets", "notes"):
        objects = sim.admin.snapshot(object_type, properties=["hs_object_id"])["objects"]
        sim.admin.archive(object_type, [o for o in objects if not o["archived"]][-1]["id"])
    project.run(*FULL_REFRESH_RUN)
    assert_warehouse_equals_portal(sim, project, portal)
