"""A project that syncs no reference data and no property history (object streams and
association labels only, from ``tests/reference_fixture.py``): every dbt model builds, empty
where it has no source, every data test passes without a warning, and the labelled tables
carry no label column.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pipeline_devtools.postgres import Database, scratch_schema

from tests.conftest import MeltanoProject, isolated_project_dir
from tests.dbt_helpers import BUILD, load, meltano_env, output, query, target_config
from tests.reference_fixture import messages

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_a_project_without_reference_data_or_history_builds_and_passes(
    database: Database, tmp_path: Path
):
    """Only object streams (and association labels): every model builds, empty where it has no
    source, every data test passes, the labelled tables have no label column."""
    with scratch_schema(database, prefix="dbtnoref") as schema:
        objects = {"deals", "contacts", "tickets", "meetings", "association_labels"}
        text = "".join(json.dumps(m) + "\n" for m in messages(1) if m.get("stream") in objects)
        load(target_config(tmp_path, database, schema), text)
        bare = MeltanoProject(
            isolated_project_dir(tmp_path),
            meltano_env(tmp_path, database, schema),
            schema,
            database.url,
        )
        printed = output(bare.run("invoke", *BUILD))
        assert "ERROR=0" in printed
        assert "WARN=0" in printed
        empty = query(
            bare,
            "SELECT (SELECT count(*) FROM dim_owners) + (SELECT count(*) FROM hubspot_labelled)"
            " + (SELECT count(*) FROM property_history_intervals)"
            " + (SELECT count(*) FROM stage_durations) + (SELECT count(*) FROM list_members)"
            " + (SELECT count(*) FROM property_history_daily)",
        )
        assert empty == [(0,)]
        columns = query(
            bare,
            "SELECT column_name FROM information_schema.columns WHERE table_schema = "
            "current_schema() AND table_name = 'deals_labelled' AND column_name LIKE '%\\_\\_%'",
        )
        assert columns == []
        assert query(bare, "SELECT count(*) FROM deals_labelled") == [(4,)]  # no merges here
