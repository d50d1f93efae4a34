"""State for CI-driven syncs lives in PostgreSQL (Meltano's system database), not on the runner.

Each run below could be a fresh CI checkout: only ``MELTANO_DATABASE_URI`` carries the state.
The first run is the scheduled job (``hubspot-sync``, tap, target and dbt); the job's state id
is the tap-target pair's, so the runs after it sync the pair alone (dbt adds nothing to the
state and costs a parse and a build per run).
"""

from __future__ import annotations

import pytest
from pipeline_devtools.postgres import to_sqlalchemy_url

pytestmark = pytest.mark.e2e

STATE_ID = "dev:tap-hubspot-assoc-to-target-hubspot-overwrite"
PAIR = ("run", "tap-hubspot-assoc", "target-hubspot-overwrite")
LIST_ENDPOINT = "GET /crm/v3/objects/{type}"


def _list_requests(simulator) -> int:
    return int(simulator.admin.request_counts()["endpoints"].get(LIST_ENDPOINT, 0))


def test_state_survives_in_postgres_and_can_be_inspected_and_reset(
    meltano_project, fresh_simulator, pg_database_url
):
    meltano_project.env["MELTANO_DATABASE_URI"] = to_sqlalchemy_url(pg_database_url)
    meltano_project.set_config("TAP_HUBSPOT_ASSOC", "object_types", ["contacts"])
    meltano_project.set_config("TAP_HUBSPOT_ASSOC", "association_pairs", [])

    meltano_project.run("run", "hubspot-sync")
    assert _list_requests(fresh_simulator) > 0  # first run: full read

    listed = meltano_project.run("state", "list").stdout
    assert STATE_ID in listed
    bookmark = meltano_project.state(STATE_ID)["singer_state"]["bookmarks"]["contacts"]
    assert bookmark["replication_key_value"]

    fresh_simulator.admin.reset_request_counts()
    meltano_project.run(*PAIR)
    assert _list_requests(fresh_simulator) == 0  # resumed from the stored bookmark

    meltano_project.run("state", "clear", "--force", STATE_ID)
    assert meltano_project.state(STATE_ID) == {}
    fresh_simulator.admin.reset_request_counts()
    meltano_project.run(*PAIR)
    assert _list_requests(fresh_simulator) > 0  # state reset: full read again
