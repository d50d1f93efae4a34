"""Reference data (issue 20) through `meltano run tap-hubspot-assoc target-hubspot-overwrite`.

Every reference table (`owners`, `owner_teams`, `pipelines`, `pipeline_stages`, `properties`,
`property_options`, `lists`, `list_memberships`) must equal the simulator's ground truth (its
admin dumps, `tests/reference_oracle.py`) after a full run, after an incremental run in which
owners, teams, stages, options, lists and members changed (one of each removed), and after a
full refresh. The runs use `hard_delete`: the rows a read no longer delivers stay, flagged,
in every reference table, while a member who left a list is deleted. Each run's reference
requests must be the fewest the data allows.
"""

from __future__ import annotations

import math
from collections import Counter
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
TYPES = ["contacts", "companies", "deals", "tickets"]
REFERENCE = {
    "TAP_HUBSPOT_ASSOC_OBJECT_TYPES": '["contacts", "companies", "deals", "tickets"]',
    "TAP_HUBSPOT_ASSOC_ASSOCIATION_PAIRS": "[]",
    "TAP_HUBSPOT_ASSOC_REFERENCE_DATA": "all",
    "TAP_HUBSPOT_ASSOC_LIST_MEMBERS": "all",
    "TAP_HUBSPOT_ASSOC_PROPERTY_HISTORY": '""',
    "TAP_HUBSPOT_ASSOC_REQUESTS_PER_TEN_SECONDS": "100000",
    "TAP_HUBSPOT_ASSOC_SEARCH_REQUESTS_PER_SECOND": "1000",
    "TARGET_HUBSPOT_OVERWRITE_HARD_DELETE": "true",
}
OWNERS = "GET /crm/v3/owners"
PIPELINES = "GET /crm/v3/pipelines/{type}"
AUDIT = "GET /crm/v3/pipelines/{type}/{pipelineId}/audit"
LIST_SEARCH = "POST /crm/v3/lists/search"
MEMBERS = "GET /crm/v3/lists/{listId}/memberships/join-order"
PROPERTIES = "GET /crm/v3/properties/{type}"
MEMBERS_PER_PAGE = 250
OBJECT_READS = {  # the object streams' requests (their minimum is test_whole_portal's subject)
    "GET /crm/v3/objects/{type}",
    "POST /crm/v3/objects/{type}/search",
    "POST /crm/v3/objects/{type}/batch/read",
}


@pytest.fixture(scope="module")
def sim() -> Iterator[SimulatorProcess]:
    sizes = {"tickets": 10}
    with SimulatorProcess(
        contacts=40,
        meetings=0,
        appointments=0,
        companies=8,
        deals=20,
        sizes=sizes,
        rate_limit=False,
    ) as process:
        yield process


@pytest.fixture
def project(
    sim: SimulatorProcess, database: Database, pg_schema: str, tmp_path: Path
) -> MeltanoProject:
    env = project_env(sim, database, pg_schema, tmp_path, **REFERENCE)
    return MeltanoProject(isolated_project_dir(tmp_path), env, pg_schema, database.url)


def truth(sim: SimulatorProcess) -> dict[str, oracle.Rows]:
    """Every reference table as the simulator's ground truth says it should be."""
    chosen = {lst["listId"] for lst in sim.admin.lists_truth()}
    return (
        oracle.owners(sim)
        | oracle.pipelines(sim, TYPES)
        | oracle.properties(sim, TYPES)
        | oracle.lists(sim, TYPES, chosen)
    )


def check_tables(
    project: MeltanoProject, want: dict[str, oracle.Rows], seen: dict[str, set]
) -> list[str]:
    """Live rows equal the truth; every row seen before and gone since is still there,
    flagged (reference tables), or deleted (memberships, under hard_delete)."""
    problems = []
    for name, rows in want.items():
        live, flagged = oracle.table(project.database_url, project.schema, name)
        problems += oracle.differences(rows, live, name)
        seen[name] |= set(rows)
        gone = seen[name] - set(rows)
        expected_flagged = set() if name == "list_memberships" else gone
        if set(flagged) != expected_flagged:
            problems.append(f"{name}: flagged {sorted(flagged)}, want {sorted(expected_flagged)}")
    return problems


def minimum(sim: SimulatorProcess, want: dict[str, oracle.Rows]) -> Counter[str]:
    """The fewest requests of one `meltano run` besides the object reads: the properties of
    each synced type once for discovery (Meltano's first tap process) and twice in the sync
    (live and archived: the `properties` stream; the object streams type themselves from the
    catalog), both owner listings (500 per page), one pipelines listing per type with
    pipelines and one audit per pipeline, one lists search (up to 500 lists), one membership
    page per 250 members of each list (at least one)."""
    owners = want["owners"].values()
    archived = sum(o["archived"] for o in owners)
    types = {o for o, _ in want["pipelines"]}
    sizes = [row["size"] for row in want["lists"].values()]
    return Counter(
        {
            PROPERTIES: 3 * len(TYPES),
            OWNERS: math.ceil((len(owners) - archived) / 500) + math.ceil(archived / 500),
            PIPELINES: len(types),
            AUDIT: len(want["pipelines"]),
            LIST_SEARCH: math.ceil(len(sizes) / 500),
            MEMBERS: sum(max(1, math.ceil(s / MEMBERS_PER_PAGE)) for s in sizes),
        }
    )


def measured(sim: SimulatorProcess) -> Counter[str]:
    """Every request of the run but the object reads."""
    endpoints = sim.admin.request_counts()["endpoints"]
    return Counter({k: n for k, n in endpoints.items() if k not in OBJECT_READS})


def change_everything(sim: SimulatorProcess) -> dict:
    """Owners, teams, stages, options, lists and members change; one of each is removed.
    Returns the removed option."""
    admin = sim.admin
    everyone = admin.owners_truth()["owners"]
    live = [o for o in everyone if not o.get("archived") and o.get("teams")]
    admin.update_owner(live[0]["id"], firstName="Renamed")
    admin.remove_owner(live[1]["id"])  # gone from both listings: its row and teams flagged
    admin.archive_owner(live[2]["id"])  # left: archived, out of its teams
    new_id = str(max(int(o["id"]) for o in everyone) + 1)
    admin.add_owner(id=new_id, email="new.owner@example.org", firstName="New", type="PERSON")
    team = live[3]["teams"][0]["id"]
    admin.set_owner_team(live[3]["id"], team, member=False)  # one team membership removed
    admin.put_team(team, "Renamed team")

    deals = admin.pipelines_truth()["deals"]["pipelines"][0]
    stages = deals["stages"]
    admin.update_stage("deals", deals["id"], stages[0]["id"], label="First contact")
    admin.remove_stage("deals", deals["id"], stages[1]["id"])  # into the audit log
    admin.add_stage(
        "deals",
        deals["id"],
        "negotiation",
        "Negotiation",
        {"isClosed": "false", "probability": "0.85"},
    )

    options = next(
        p for p in admin.properties_truth("contacts")["properties"] if p["name"] == "lifecyclestage"
    )["options"]
    admin.update_option("contacts", "lifecyclestage", options[0]["value"], label="Fan")
    admin.remove_option("contacts", "lifecyclestage", options[1]["value"])
    admin.add_option("contacts", "lifecyclestage", "Champion", "champion", description="Loves us")

    lists = {lst["listId"]: lst for lst in admin.lists_truth()}
    manual = next(
        lst
        for lst in lists.values()
        if lst["processingType"] == "MANUAL" and lst["objectTypeId"] == "0-1" and lst["members"]
    )
    admin.rename_list(int(manual["listId"]), "Newsletter (renamed)")
    admin.remove_list_members(int(manual["listId"]), [manual["members"][0]["recordId"]])
    contacts = admin.snapshot("contacts", properties=["hs_object_id"])["objects"]
    member_ids = {m["recordId"] for m in manual["members"]}
    joining = next(o["id"] for o in contacts if o["id"] not in member_ids and not o["archived"])
    admin.add_list_members(int(manual["listId"]), [joining])
    removed = next(lst for lst in lists.values() if lst["objectTypeId"] == "0-2")
    admin.remove_list(int(removed["listId"]))  # its row flagged, its members deleted
    created = admin.add_list("VIP contacts", "contacts", "MANUAL")
    admin.add_list_members(int(created["listId"]), [contacts[0]["id"], contacts[1]["id"]])
    return dict(options[1])


def test_reference_tables_equal_the_simulator_across_runs(sim, project):
    seen: dict[str, set] = {name: set() for name in oracle.KEYS}

    sim.admin.reset_request_counts()
    project.run(*RUN)
    want = truth(sim)
    assert measured(sim) == minimum(sim, want)
    assert check_tables(project, want, seen) == []
    assert all(want[name] for name in oracle.KEYS), "every reference table has rows"

    option = change_everything(sim)
    sim.admin.reset_request_counts()
    project.run(*RUN)
    want = truth(sim)
    assert measured(sim) == minimum(sim, want)
    assert check_tables(project, want, seen) == []

    # the removed option comes back: its flagged row is live again
    sim.admin.add_option("contacts", "lifecyclestage", option["label"], option["value"])
    assert ("contacts", "lifecyclestage", option["value"]) in truth(sim)["property_options"]
    sim.admin.reset_request_counts()
    project.run(*FULL_REFRESH_RUN)
    assert measured(sim) == minimum(sim, want)
    assert check_tables(project, truth(sim), seen) == []
