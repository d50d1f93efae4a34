"""The dbt models of reference data and property history (README, "dbt models"), on hand-written
Singer messages (``tests/reference_fixture.py``) loaded by the real target and built by
``meltano invoke dbt-postgres build``, with exact expected answers: labels next to values (a
departed owner, a removed one, an option HubSpot no longer lists and one it never listed, a
multi-select value, a deleted stage), time in each stage for a deal that went back to an earlier
stage, two versions in one millisecond, lifecycle transitions without repeats, a merged-away
deal's history left out, list members, the daily snapshot and its incremental run after a
late version. Then each data test fails on a planted fault.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from pipeline_devtools.postgres import Database, scratch_schema
from psycopg import sql

from tests.conftest import MeltanoProject, isolated_project_dir
from tests.dbt_helpers import BUILD, VARS, load, meltano_env, output, query, target_config
from tests.reference_fixture import singer_text

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

HOUR = 3600


@pytest.fixture(scope="module")
def project(database: Database, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The fixture loaded in two target runs, then `dbt build` through meltano, once."""
    tmp_path = tmp_path_factory.mktemp("dbt_reference")
    with scratch_schema(database, prefix="dbtref") as schema:
        config = target_config(tmp_path, database, schema)
        for run in (1, 2):
            load(config, singer_text(run))
        env = meltano_env(tmp_path, database, schema)
        project = MeltanoProject(isolated_project_dir(tmp_path), env, schema, database.url)
        project.run("invoke", *BUILD)
        yield project


def test_build_passes_and_warns_about_unlisted_options(project):
    printed = output(project.runs[0])
    assert "ERROR=0" in printed
    assert "WARN 3 enumeration_values_reported_unlisted" in printed
    assert "WARN 1 owner_ids_have_owners" in printed  # meeting 304's attendee 99
    for test in (
        "stage_ids_have_stages",
        "enumeration_values_have_options",
        "history_intervals_contiguous",
        "history_current_matches_records",
        "history_daily_days_complete",
    ):
        assert f"PASS {test} " in printed, test


def test_labels_next_to_values(project):
    deals = query(
        project,
        "SELECT id, pipeline__label, dealstage__label, dealtype__label, "
        "hubspot_owner_id__owner_name, hubspot_owner_id__owner_email "
        "FROM deals_labelled ORDER BY id",
    )
    assert deals == [
        ("1", "Sales Pipeline", "Closed won", "New Business", "Ada Lovelace", "ada@example.com"),
        # a stage deleted since (audit), an option HubSpot removed, a departed owner
        (
            "2",
            "Sales Pipeline",
            "Legacy negotiation",
            "Old Type",
            "Bob Departed",
            "bob@example.com",
        ),
        # a value never listed stays unlabelled; a removed owner keeps his name
        ("4", "Enterprise", "Discovery", None, "Cy Removed", "cy@example.com"),
    ]
    contacts = query(
        project,
        "SELECT id, lifecyclestage__label, interests__label, hubspot_owner_id__owner_name "
        "FROM contacts_labelled ORDER BY id",
    )
    assert contacts == [
        ("101", "Customer", "Apples;Pears", "Ada Lovelace"),
        ("102", "Lead", "Pears;plums", None),
    ]
    meetings = query(
        project,
        "SELECT id, hs_attendee_owner_ids__owner_name, hs_attendee_owner_ids__owner_email "
        "FROM meetings_labelled WHERE hs_attendee_owner_ids IS NOT NULL ORDER BY id",
    )
    assert meetings == [
        ("301", "Ada Lovelace;Bob Departed", "ada@example.com;bob@example.com"),
        ("303", "Ada Lovelace", "ada@example.com"),
        ("304", "Bob Departed;", "bob@example.com;"),  # an unknown owner id: empty part
    ]
    # an enumeration without any option holds ids (hs_merged_object_ids): no label column
    labelled = query(
        project, "SELECT property_name FROM hubspot_labelled WHERE object_type = 'contacts'"
    )
    assert sorted(r[0] for r in labelled) == [
        "hubspot_owner_id",
        "hubspot_owner_id",
        "interests",
        "lifecyclestage",
    ]
    tickets = query(
        project, "SELECT hs_pipeline__label, hs_pipeline_stage__label FROM tickets_labelled"
    )
    assert tickets == [("Support Pipeline", "Closed")]
    columns = [
        r[0]
        for r in query(
            project,
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = 'deals_labelled' "
            "ORDER BY ordinal_position",
        )
    ]
    assert columns[columns.index("dealstage") + 1] == "dealstage__label"
    assert "_sdc_deleted_at" not in columns


def test_reference_dimensions_and_unlisted_values(project):
    owners = query(
        project,
        "SELECT owner_id, owner_name, owner_status, teams, primary_team "
        "FROM dim_owners ORDER BY owner_id",
    )
    assert owners == [
        ("11", "Ada Lovelace", "active", ["Sales", "EMEA"], "Sales"),
        ("12", "Bob Departed", "archived", None, None),
        ("13", "Cy Removed", "removed", None, None),
    ]
    stages = query(
        project,
        "SELECT stage_id, stage_label, pipeline_label, stage_status "
        "FROM dim_pipeline_stages WHERE object_type = 'deals' ORDER BY 1",
    )
    assert ("555", "Legacy negotiation", "Sales Pipeline", "deleted") in stages
    assert len(stages) == 5
    unlisted = query(
        project,
        "SELECT object_type, property_name, option_value, records, "
        "option_status, last_label FROM enumeration_values_unlisted ORDER BY 1, 2, 3",
    )
    assert unlisted == [
        ("contacts", "interests", "plums", 1, "never_listed", None),
        ("deals", "dealtype", "mystery", 1, "never_listed", None),
        ("deals", "dealtype", "oldtype", 1, "removed", "Old Type"),
    ]
    members = query(
        project,
        "SELECT list_name, record_id, current_record_id, record_status "
        "FROM list_members ORDER BY record_id",
    )
    assert members == [
        ("VIP contacts", "101", "101", "live"),
        ("VIP contacts", "103", "101", "live"),
    ]


def test_history_intervals(project):
    amount = query(
        project,
        "SELECT value, valid_from, valid_to, is_current FROM property_history_intervals "
        "WHERE object_type = 'deals' AND object_id = '1' AND property_name = 'amount' "
        "ORDER BY valid_from, same_time_seq",
    )
    t3 = dt.datetime(2026, 1, 3, 12, tzinfo=dt.UTC)
    assert [(v, f, t, c) for v, f, t, c in amount] == [
        ("100", dt.datetime(2026, 1, 1, 9, tzinfo=dt.UTC), t3, False),
        ("150", t3, t3, False),  # two versions in one millisecond: an empty interval, then the next
        ("200", t3, None, True),
    ]
    # the merged-away deal 3 and contact 103: their (flagged) versions are left out
    merged = query(
        project,
        "SELECT count(*) FROM property_history_intervals "
        "WHERE (object_type, object_id) IN (('deals', '3'), ('contacts', '103'))",
    )
    assert merged == [(0,)]


def test_time_in_stage_counts_both_visits_of_a_stage(project):
    rows = query(
        project,
        "SELECT stage_id, stage_label, visits, total_seconds, is_current "
        "FROM stage_durations WHERE object_type = 'deals' AND object_id = '1' "
        "AND NOT is_current ORDER BY stage_id",
    )
    assert rows == [
        ("appointmentscheduled", "Appointment scheduled", 2, 60 * HOUR, False),
        ("qualifiedtobuy", "Qualified to buy", 1, 48 * HOUR, False),
    ]
    visits = query(
        project,
        "SELECT stage_id, visit_number, seconds_in_stage FROM stage_visits "
        "WHERE object_type = 'deals' AND object_id = '1' AND NOT is_current "
        "ORDER BY entered_at",
    )
    assert visits == [
        ("appointmentscheduled", 1, 24 * HOUR),
        ("qualifiedtobuy", 1, 48 * HOUR),
        ("appointmentscheduled", 2, 36 * HOUR),
    ]
    current = query(
        project,
        "SELECT object_type, object_id, stage_label, entered_at FROM stage_visits "
        "WHERE is_current ORDER BY 1, 2",
    )
    assert [r[:3] for r in current] == [
        ("deals", "1", "Closed won"),
        ("deals", "2", "Legacy negotiation"),
        ("tickets", "201", "Closed"),
    ]


def test_lifecycle_transitions_skip_repeats(project):
    rows = query(
        project,
        "SELECT object_id, from_stage_label, to_stage_label, seconds_in_from_stage "
        "FROM lifecycle_stage_transitions ORDER BY object_id, transition_number",
    )
    assert rows == [
        ("101", None, "Lead", None),
        ("101", "Lead", "Marketing Qualified Lead", 24 * HOUR),
        # set again on day 3: no transition; in MQL since day 2
        ("101", "Marketing Qualified Lead", "Customer", 72 * HOUR),
        ("102", None, "Lead", None),
    ]


def snapshot(project: MeltanoProject, day: str) -> tuple:
    return query(
        project,
        "SELECT properties, versions_to_date FROM property_history_daily WHERE "
        "object_type = 'deals' AND object_id = '1' AND snapshot_date = %s",
        day,
    )[0]


def test_daily_snapshot_then_a_late_version(project):
    today = dt.datetime.now(dt.UTC).date()
    spans = dict(
        (r[0], r[1:])
        for r in query(
            project,
            "SELECT object_type || ':' || object_id, min(snapshot_date), max(snapshot_date), "
            "count(*) FROM property_history_daily GROUP BY 1",
        )
    )
    assert spans["deals:1"] == (dt.date(2026, 1, 1), today, (today - dt.date(2026, 1, 1)).days + 1)
    assert spans["contacts:102"][0] == dt.date(2026, 1, 4)
    assert set(spans) == {"deals:1", "deals:2", "tickets:201", "contacts:101", "contacts:102"}
    assert snapshot(project, "2026-01-03") == ({"amount": "200", "dealstage": "qualifiedtobuy"}, 5)
    assert snapshot(project, "2026-01-04") == (
        {"amount": "200", "dealstage": "appointmentscheduled"},
        6,
    )
    with psycopg.connect(project.database_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL(
                "INSERT INTO {}.deals_property_history (object_id, property_name, changed_at, "
                "same_time_seq, value, source_type) "
                "VALUES ('1', 'amount', '2026-01-02T10:00:00Z', 0, '120', 'API')"
            ).format(sql.Identifier(project.schema))
        )
    result = project.run("invoke", *BUILD)
    # deal 1 rebuilt from its first day, every other record from its last (partial) day
    inserted = (today - dt.date(2026, 1, 1)).days + 1 + 4
    assert f"INSERT 0 {inserted} in" in output(result)
    assert snapshot(project, "2026-01-02") == ({"amount": "120", "dealstage": "qualifiedtobuy"}, 4)
    assert snapshot(project, "2026-01-03") == ({"amount": "200", "dealstage": "qualifiedtobuy"}, 6)
    assert "ERROR=0" in output(result)


# data test -> (a fault planted in the database, the statement that removes it)
PLANTED = {
    "stage_ids_have_stages": (
        "UPDATE {s}.tickets SET hs_pipeline_stage = '99'",
        "UPDATE {s}.tickets SET hs_pipeline_stage = '4'",
    ),
    "history_current_matches_records": (
        "UPDATE {s}.deals SET amount = 201 WHERE id = '1'",
        "UPDATE {s}.deals SET amount = 200 WHERE id = '1'",
    ),
    "enumeration_values_have_options": (
        "DELETE FROM {s}.enumeration_values_unlisted WHERE option_value = 'plums'",
        "INSERT INTO {s}.enumeration_values_unlisted "
        "VALUES ('contacts', 'interests', 'plums', 1, 'never_listed', NULL)",
    ),
    "history_intervals_contiguous": (
        "UPDATE {s}.property_history_intervals SET valid_to = valid_to + interval '1 hour' "
        "WHERE object_id = '1' AND property_name = 'dealstage' AND version_number = 1",
        "UPDATE {s}.property_history_intervals SET valid_to = valid_to - interval '1 hour' "
        "WHERE object_id = '1' AND property_name = 'dealstage' AND version_number = 1",
    ),
    "history_daily_days_complete": (
        "UPDATE {s}.property_history_daily SET snapshot_date = '1999-01-01' "
        "WHERE object_type = 'deals' AND object_id = '2' AND snapshot_date = '2026-01-05'",
        "UPDATE {s}.property_history_daily SET snapshot_date = '2026-01-05' "
        "WHERE object_type = 'deals' AND object_id = '2' AND snapshot_date = '1999-01-01'",
    ),
}


def test_each_data_test_fails_on_its_planted_fault(project):
    """Each fault alone makes its data test fail (one meltano invoke per fault); once all are
    repaired, one invoke of the five passes them all."""
    for test_name in sorted(PLANTED):
        fault, repair = (
            sql.SQL(statement).format(s=sql.Identifier(project.schema))
            for statement in PLANTED[test_name]
        )
        with psycopg.connect(project.database_url, autocommit=True) as conn:
            conn.execute(fault)
            try:
                result = project.run(
                    "invoke",
                    "dbt-postgres",
                    "test",
                    *VARS,
                    "--select",
                    test_name,
                    expect_success=False,
                )
            finally:
                conn.execute(repair)
        assert result.returncode != 0, test_name
        assert f"FAIL 1 {test_name}" in output(result)
    passed = output(project.run("invoke", "dbt-postgres", "test", *VARS, "--select", *PLANTED))
    for test_name in PLANTED:
        assert f"PASS {test_name}" in passed, test_name


def labelled_tables(project: MeltanoProject) -> list[str]:
    rows = query(
        project,
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
        "AND table_name LIKE '%\\_labelled' ORDER BY 1",
    )
    return [r[0] for r in rows]


def test_labelled_types_var_limits_the_labelled_tables(project):
    assert labelled_tables(project) == [
        "contacts_labelled",
        "deals_labelled",
        "hubspot_labelled",
        "meetings_labelled",
        "tickets_labelled",
    ]
    only = ("--vars", "{hubspot_labelled_types: [deals]}", "--select", "hubspot_labelled")
    project.run("invoke", "dbt-postgres", "run", *only)
    assert labelled_tables(project) == ["deals_labelled", "hubspot_labelled"]
    assert query(project, "SELECT DISTINCT object_type FROM hubspot_labelled") == [("deals",)]
    project.run("invoke", "dbt-postgres", "run", "--select", "hubspot_labelled")
    assert len(labelled_tables(project)) == 5
