"""The dbt project (transform/) against a whole simulated portal loaded through `meltano run`.

Every model is compared with answers computed here from the simulator's admin snapshots only
(objects, links of every direction with their type ids and labels): `<type>_current`,
`hubspot_objects`, `association_edges`, `contact_meeting_roles`, `object_activity`,
`merged_ids`, and the labels of `deals_labelled` and `tickets_labelled` (pipelines, stages
with the ones deleted since, owners). Then the dbt tests pass (those of the reference and history
models included); an incremental run after link changes keeps
`association_edges` exact; a planted disagreement between the two directions of a pair makes
the `association_directions_agree` test fail.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from hubspot_simulator.testing import SimulatorProcess
from pipeline_devtools.postgres import Database, scratch_schema
from psycopg import sql

from tests import portal_oracle as oracle
from tests.conftest import WHOLE_PORTAL_ENV, MeltanoProject, isolated_project_dir, project_env

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

RUN = ("run", "tap-hubspot-assoc", "target-hubspot-overwrite", "dbt-postgres:run")
ENGAGEMENTS = {"calls", "emails", "meetings", "notes", "tasks", "communications", "postal_mail"}


@pytest.fixture(scope="module")
def portal_sim() -> Iterator[SimulatorProcess]:
    with SimulatorProcess(portal=True, rate_limit=False) as sim:
        yield sim


@pytest.fixture(scope="module")
def project(
    portal_sim: SimulatorProcess, database: Database, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[MeltanoProject]:
    """The portal synced (all types, all pairs) and the dbt models built, once per module."""
    tmp_path = tmp_path_factory.mktemp("dbt")
    with scratch_schema(database, prefix="dbt") as schema:
        env = project_env(portal_sim, database, schema, tmp_path, **WHOLE_PORTAL_ENV)
        project = MeltanoProject(isolated_project_dir(tmp_path), env, schema, database.url)
        project.run(*RUN, "dbt-postgres:data-tests")
        yield project


@pytest.fixture(scope="module")
def portal(portal_sim: SimulatorProcess) -> oracle.Portal:
    return oracle.discover(portal_sim)


def query(project: MeltanoProject, statement: str, *params: Any) -> list[tuple]:
    with psycopg.connect(project.database_url) as conn:
        conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(project.schema)))
        return list(conn.execute(statement, params or None))


def live_objects(sim: SimulatorProcess, object_type: str, props: list[str]) -> dict[str, dict]:
    objects = sim.admin.snapshot(object_type, properties=props or ["hs_object_id"])["objects"]
    return {o["id"]: o["properties"] for o in objects if not o["archived"]}


def direction(sim: SimulatorProcess, from_type: str, to_type: str) -> dict[tuple, list[dict]]:
    """(fromId, toId) → the link's types [{typeId, category, label}] (live links only)."""
    return {
        (link["fromId"], link["toId"]): link["types"]
        for link in sim.admin.association_snapshot(from_type, to_type)
    }


def summary(types: list[dict] | None) -> tuple | None:
    if types is None:
        return None
    return (
        sorted({t["typeId"] for t in types}),
        sorted({t["label"] for t in types if t["label"]}) or None,
        sorted({t["category"] for t in types}),
    )


def expected_edges(sim: SimulatorProcess, portal: oracle.Portal) -> dict[tuple, tuple]:
    """(from type, from id, to type, to id) → (forward, reverse, disagree), types ordered."""
    expected = {}
    for from_type, to_type in portal.directions:
        a, b = oracle.table_name(from_type), oracle.table_name(to_type)
        if a > b:
            continue
        forward = direction(sim, from_type, to_type)
        reverse = {(k[1], k[0]): v for k, v in direction(sim, to_type, from_type).items()}
        for a_id, b_id in set(forward) | set(reverse):
            fwd, rev = summary(forward.get((a_id, b_id))), summary(reverse.get((a_id, b_id)))
            disagree = fwd is None or rev is None or len(fwd[0]) != len(rev[0])
            expected[(a, a_id, b, b_id)] = (fwd, rev, disagree)
    return expected


def loaded_edges(project: MeltanoProject) -> dict[tuple, tuple]:
    rows = query(
        project,
        "SELECT object_type_a, object_id_a, object_type_b, object_id_b, "
        "a_to_b_type_ids, a_to_b_labels, a_to_b_categories, "
        "b_to_a_type_ids, b_to_a_labels, b_to_a_categories, directions_disagree "
        "FROM association_edges",
    )
    got = {}
    for row in rows:
        fwd = None if row[4] is None else (list(row[4]), row[5], list(row[6]))
        rev = None if row[7] is None else (list(row[7]), row[8], list(row[9]))
        got[row[:4]] = (fwd, rev, row[10])
    return got


def assert_edges_equal(project: MeltanoProject, sim: SimulatorProcess, portal: oracle.Portal):
    want, got = expected_edges(sim, portal), loaded_edges(project)
    missing, extra = sorted(set(want) - set(got)), sorted(set(got) - set(want))
    assert (missing[:5], extra[:5]) == ([], []), (len(missing), len(extra))
    wrong = [(key, want[key], got[key]) for key in want if want[key] != got[key]]
    assert wrong[:3] == [], len(wrong)
    assert len(got) > 1000


def test_current_tables_and_objects_equal_the_simulator(project, portal_sim, portal):
    counts = dict(query(project, "SELECT object_type, live_rows FROM hubspot_objects"))
    assert set(counts) == {oracle.table_name(t) for t in portal.types}
    for object_type in portal.types:
        table = oracle.table_name(object_type)
        want = set(live_objects(portal_sim, object_type, []))
        got = {row[0] for row in query(project, f'SELECT id FROM "{table}_current"')}
        assert got == want, (
            f"{table}: missing {sorted(want - got)[:3]} extra {sorted(got - want)[:3]}"
        )
        assert counts[table] == len(want)


def test_association_edges_equal_both_directions_of_every_pair(project, portal_sim, portal):
    assert_edges_equal(project, portal_sim, portal)


def test_contact_meeting_roles_answers_the_readme_question(project, portal_sim):
    meetings = live_objects(portal_sim, "meetings", [])
    contacts = live_objects(portal_sim, "contacts", ["firstname", "lastname", "email"])
    want = {}
    for (meeting, contact), types in direction(portal_sim, "meetings", "contacts").items():
        if meeting in meetings and contact in contacts:
            labels = sorted({t["label"] for t in types if t["label"]})
            props = contacts[contact]
            want[(meeting, contact)] = (
                props.get("firstname"),
                props.get("lastname"),
                props.get("email"),
                ", ".join(labels) or "unlabeled",
                sorted(t["typeId"] for t in types),
            )
    rows = query(
        project,
        "SELECT meeting_id, contact_id, firstname, lastname, email, roles, type_ids "
        "FROM contact_meeting_roles",
    )
    got = {(r[0], r[1]): (r[2], r[3], r[4], r[5], list(r[6])) for r in rows}
    assert got == want
    assert any(v[3] != "unlabeled" for v in got.values())


def test_object_activity_lists_every_engagement_of_every_record(project, portal_sim, portal):
    want = set()
    engagement_types = [t for t in portal.types if t in ENGAGEMENTS]
    live = {t: set(live_objects(portal_sim, t, [])) for t in portal.types}
    for from_type, to_type in portal.directions:
        if from_type in ENGAGEMENTS and to_type not in ENGAGEMENTS:
            for e_id, r_id in direction(portal_sim, from_type, to_type):
                if e_id in live[from_type] and r_id in live[to_type]:
                    want.add((oracle.table_name(to_type), r_id, from_type, e_id))
    # links present in one direction only still count (the reverse direction)
    for from_type, to_type in portal.directions:
        if to_type in ENGAGEMENTS and from_type not in ENGAGEMENTS:
            for r_id, e_id in direction(portal_sim, from_type, to_type):
                if e_id in live[to_type] and r_id in live[from_type]:
                    want.add((oracle.table_name(from_type), r_id, to_type, e_id))
    rows = query(
        project,
        "SELECT object_type, object_id, engagement_type, engagement_id FROM object_activity",
    )
    assert len(rows) == len(set(rows))
    assert set(rows) == want
    assert {r[2] for r in rows} == set(engagement_types)


def test_merged_ids_point_at_the_simulators_survivors(project, portal_sim, portal):
    rows = query(project, "SELECT object_type, merged_id, survivor_id FROM merged_ids")
    survivors: dict[str, dict[str, str]] = defaultdict(dict)
    for object_type in portal.types:
        merged = portal_sim.admin.snapshot(object_type, properties=["hs_object_id"])["merged"]
        for absorbed in merged:
            final = merged[absorbed]
            while final in merged:
                final = merged[final]
            survivors[oracle.table_name(object_type)][absorbed] = final
    assert rows, "the portal has merges; the tap's merges table feeds merged_ids"
    for object_type, merged_id, survivor_id in rows:
        assert survivors[object_type].get(merged_id) == survivor_id, (object_type, merged_id)


PIPELINE_COLUMNS = {
    "deals": ("pipeline", "dealstage"),
    "tickets": ("hs_pipeline", "hs_pipeline_stage"),
}


@pytest.mark.parametrize("object_type", sorted(PIPELINE_COLUMNS))
def test_labelled_tables_carry_the_simulators_labels(project, portal_sim, object_type):
    """Pipeline, stage (deleted stages from the audit included) and owner labels next to the ids
    of every live record, as the simulator's own pipelines and owners have them."""
    pipeline_col, stage_col = PIPELINE_COLUMNS[object_type]
    truth = portal_sim.admin.pipelines_truth()[object_type]
    pipelines = {p["id"]: p["label"] for p in truth["pipelines"]}
    stages = {(p["id"], s["id"]): s["label"] for p in truth["pipelines"] for s in p["stages"]}
    stages.update({(s["pipelineId"], s["id"]): s["label"] for s in truth["auditOnlyStages"]})
    owners = {
        o["id"]: " ".join(n for n in (o.get("firstName"), o.get("lastName")) if n) or None
        for o in portal_sim.admin.owners_truth()["owners"]
    }
    records = live_objects(portal_sim, object_type, [pipeline_col, stage_col, "hubspot_owner_id"])
    want = {
        record_id: (
            pipelines.get(props.get(pipeline_col)),
            stages.get((props.get(pipeline_col), props.get(stage_col))),
            owners.get(props.get("hubspot_owner_id")),
        )
        for record_id, props in records.items()
    }
    rows = query(
        project,
        f'SELECT id, "{pipeline_col}__label", "{stage_col}__label", hubspot_owner_id__owner_name '
        f"FROM {object_type}_labelled",
    )
    got = {row[0]: row[1:] for row in rows}
    assert got == want
    assert all(label is not None for labels in got.values() for label in labels[:2])
    assert sum(labels[2] is not None for labels in got.values()) > len(got) / 2


def test_dbt_tests_pass(project):
    """The module's first run ended with dbt-postgres:data-tests (a failing test fails the run)."""
    output = project.runs[0].stderr
    assert "PASS association_directions_agree" in output
    for test in ("stage_ids_have_stages", "history_current_matches_records"):
        assert f"PASS {test} " in output
    assert "ERROR=0" in output
    assert "FAIL" not in output


def a_minute_ago() -> int:
    return int(time.time() * 1000) - 60_000


def test_incremental_run_keeps_edges_exact(project, portal_sim, portal):
    sim = portal_sim
    links = sim.admin.association_snapshot("meetings", "contacts")
    removed, relabelled = links[0], links[1]
    sim.admin.unassociate("meetings", removed["fromId"], "contacts", removed["toId"])
    label = max(
        t
        for t, category, _ in oracle.labels_of(sim, "meetings", "contacts")
        if category == "USER_DEFINED"
    )
    sim.admin.associate("meetings", relabelled["fromId"], "contacts", relabelled["toId"], [label])
    # Link changes do not move a modified date: touch both ends so the run re-reads their sets.
    sim.admin.touch("meetings", [removed["fromId"], relabelled["fromId"]], at=a_minute_ago())
    sim.admin.touch("contacts", [removed["toId"], relabelled["toId"]], at=a_minute_ago())
    before = query(project, "SELECT count(*) FROM association_edges")[0][0]
    result = project.run(*RUN)
    inserted = [
        line
        for line in result.stderr.splitlines()
        if "model" in line and "association_edges" in line and "INSERT" in line
    ]
    assert inserted, result.stderr[-3000:]
    assert before > 1000
    assert_edges_equal(project, sim, portal)


def test_directions_test_fails_on_a_planted_disagreement(project, portal_sim, portal):
    link = portal_sim.admin.association_snapshot("contacts", "meetings")[5]
    with psycopg.connect(project.database_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL(
                "DELETE FROM {}.contacts_to_meetings_associations "
                "WHERE from_object_id = %s AND to_object_id = %s"
            ).format(sql.Identifier(project.schema)),
            (link["fromId"], link["toId"]),
        )
    project.run("run", "dbt-postgres:full-refresh")
    flagged = query(
        project,
        "SELECT object_id_a, object_id_b FROM association_edges WHERE directions_disagree",
    )
    assert flagged == [(link["fromId"], link["toId"])]
    result = project.run("invoke", "dbt-postgres:data-tests", expect_success=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "FAIL 1 association_directions_agree" in output
    assert "ERROR=1" in output
