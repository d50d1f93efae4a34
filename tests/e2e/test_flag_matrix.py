"""Every predecessor flag, through the real `meltano` CLI, asserted on the tables it leaves.

Each test is one row of the README's "From the old commands" table. The simulator is the
oracle: after a run the database must equal what the simulator holds (objects with typed
values, associations in both directions with their type ids and labels).
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter

import psycopg
import pytest
from psycopg import sql

from tests.oracle import expected_rows

pytestmark = pytest.mark.e2e

TAP = "TAP_HUBSPOT_ASSOC"
TARGET = "TARGET_HUBSPOT_OVERWRITE"
RUN = ("run", "tap-hubspot-assoc", "target-hubspot-overwrite")
FULL_REFRESH_RUN = ("run", "--full-refresh", "tap-hubspot-assoc", "target-hubspot-overwrite")
DIRECTIONS = (("meetings", "contacts"), ("contacts", "meetings"))


def a_minute_ago() -> int:
    """Epoch ms inside the next incremental window (windows end `safety_lag_seconds` ago)."""
    return int(time.time() * 1000) - 60_000


def live_rows(project, table: str) -> dict[str, dict]:
    """Rows by id, leaving out rows a full refresh flagged as deleted."""
    return {row["id"]: row for row in project.rows(table) if row.get("_sdc_deleted_at") is None}


def expected_objects(simulator, property_types, object_type: str) -> dict[str, dict]:
    active = [o for o in simulator.admin.snapshot(object_type)["objects"] if not o["archived"]]
    return expected_rows(active, property_types(object_type))


def assert_objects_equal_simulator(project, simulator, property_types, object_type: str):
    expected = expected_objects(simulator, property_types, object_type)
    loaded = live_rows(project, object_type)
    assert set(loaded) == set(expected), f"{object_type}: ids differ"
    diffs = [
        (rid, col, want, loaded[rid].get(col))
        for rid, row in expected.items()
        for col, want in row.items()
        if loaded[rid].get(col) != want
    ]
    assert diffs == [], f"{object_type}: values differ (first: {diffs[:3]})"


def simulator_associations(simulator, from_type: str, to_type: str) -> set[tuple]:
    return {
        (link["fromId"], link["toId"], kind["typeId"], kind["label"])
        for link in simulator.admin.association_snapshot(from_type, to_type)
        for kind in link["types"]
    }


def database_associations(project, from_type: str, to_type: str) -> set[tuple]:
    """Live association rows (rows a full refresh flagged with _sdc_deleted_at are left out)."""
    table = f"{from_type}_to_{to_type}_associations"
    return {
        (
            row["from_object_id"],
            row["to_object_id"],
            row["association_type_id"],
            row["association_label"],
        )
        for row in project.rows(table, order_by="from_object_id")
        if row.get("_sdc_deleted_at") is None
        and (row["from_object_type"], row["to_object_type"]) == (from_type, to_type)
    }


def assert_associations_equal_simulator(project, simulator):
    for from_type, to_type in DIRECTIONS:
        want = simulator_associations(simulator, from_type, to_type)
        got = database_associations(project, from_type, to_type)
        assert got == want, (
            f"{from_type}→{to_type}: missing {sorted(want - got)[:5]}, "
            f"extra {sorted(got - want)[:5]}"
        )


def execute(project, statement: str, *params) -> None:
    with psycopg.connect(project.database_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL(statement).format(schema=sql.Identifier(project.schema)), params or None
        )


def row_versions(project, table: str) -> dict[str, str]:
    """id → xmin: changes whenever PostgreSQL rewrites the row."""
    with psycopg.connect(project.database_url) as conn:
        query = sql.SQL("SELECT id, xmin::text FROM {}.{}").format(
            sql.Identifier(project.schema), sql.Identifier(table)
        )
        return dict(conn.execute(query).fetchall())


def some_link(simulator) -> dict:
    """A meeting→contact link whose meeting has a few associations."""
    return simulator.admin.association_snapshot("meetings", "contacts")[0]


# ---------------------------------------------------------------------------- (no flags)


def test_default_run_is_incremental_and_keeps_everything_equal(
    meltano_project, fresh_simulator, property_types
):
    meltano_project.run(*RUN)
    assert_objects_equal_simulator(meltano_project, fresh_simulator, property_types, "contacts")
    assert_objects_equal_simulator(meltano_project, fresh_simulator, property_types, "meetings")
    assert_associations_equal_simulator(meltano_project, fresh_simulator)

    contact = fresh_simulator.admin.snapshot("contacts")["objects"][3]["id"]
    fresh_simulator.admin.update_object("contacts", contact, {"city": "Köln"}, at=a_minute_ago())
    created = fresh_simulator.admin.create_object(
        "contacts", {"email": "new@example.com", "firstname": "Nova"}, at=a_minute_ago()
    )
    fresh_simulator.admin.reset_request_counts()
    meltano_project.run(*RUN)

    endpoints = fresh_simulator.admin.request_counts()["endpoints"]
    assert endpoints.get("GET /crm/v3/objects/{type}", 0) == 0
    loaded = live_rows(meltano_project, "contacts")
    assert loaded[contact]["city"] == "Köln"
    assert loaded[created["id"]]["firstname"] == "Nova"
    assert_objects_equal_simulator(meltano_project, fresh_simulator, property_types, "contacts")


# ---------------------------------------------------------------------------- --full


@pytest.mark.parametrize("hard_delete", [False, True])
def test_full_refresh_replaces_the_table_contents(
    meltano_project, fresh_simulator, property_types, hard_delete
):
    meltano_project.set_config(TARGET, "hard_delete", hard_delete)
    meltano_project.run(*RUN)
    gone = fresh_simulator.admin.snapshot("contacts")["objects"][5]["id"]
    fresh_simulator.admin.archive("contacts", gone, at=a_minute_ago())
    link = some_link(fresh_simulator)
    fresh_simulator.admin.unassociate("meetings", link["fromId"], "contacts", link["toId"])

    meltano_project.run(*FULL_REFRESH_RUN)

    assert_objects_equal_simulator(meltano_project, fresh_simulator, property_types, "contacts")
    assert_associations_equal_simulator(meltano_project, fresh_simulator)
    all_ids = {row["id"] for row in meltano_project.rows("contacts")}
    assert (gone in all_ids) is not hard_delete  # soft delete keeps a flagged row


def test_elt_full_refresh_with_state_id(meltano_project, fresh_simulator, property_types):
    elt = ("elt", "tap-hubspot-assoc", "target-hubspot-overwrite", "--state-id", "hubspot-elt")
    meltano_project.run(*elt)
    gone = fresh_simulator.admin.snapshot("contacts")["objects"][7]["id"]
    fresh_simulator.admin.archive("contacts", gone, at=a_minute_ago())

    meltano_project.run(*elt, "--full-refresh")

    assert gone not in live_rows(meltano_project, "contacts")
    assert_objects_equal_simulator(meltano_project, fresh_simulator, property_types, "contacts")
    assert meltano_project.state("hubspot-elt")["singer_state"]["bookmarks"]["contacts"]


# ---------------------------------------------------------------------------- --since


def test_since_reads_only_records_modified_after_the_date(meltano_project, fresh_simulator):
    objects = fresh_simulator.admin.snapshot("contacts")["objects"]
    cutoff = sorted(o["updatedAt"] for o in objects if not o["archived"])[-20]
    expected_ids = {o["id"] for o in objects if not o["archived"] and o["updatedAt"] >= cutoff}
    meltano_project.set_config(TAP, "start_date", cutoff)

    meltano_project.run("run", "--full-refresh", "--no-state-update", *RUN[1:])

    assert set(live_rows(meltano_project, "contacts")) == expected_ids
    assert meltano_project.state() == {}  # a backfill leaves the regular bookmark alone


# ---------------------------------------------------------------------------- --force-overwrite


def test_force_overwrite_replaces_whole_rows_of_re_read_records(meltano_project, fresh_simulator):
    meltano_project.run(*RUN)
    contact = fresh_simulator.admin.snapshot("contacts")["objects"][2]["id"]
    # A column the stream no longer carries (e.g. a property deselected or deleted upstream).
    execute(meltano_project, "ALTER TABLE {schema}.contacts ADD COLUMN legacy_score numeric")
    execute(meltano_project, "UPDATE {schema}.contacts SET legacy_score = 9")
    fresh_simulator.admin.update_object("contacts", contact, {"city": "Lyon"}, at=a_minute_ago())

    meltano_project.set_config(TARGET, "force_overwrite", True)
    result = meltano_project.run(*RUN)

    rows = live_rows(meltano_project, "contacts")
    assert rows[contact]["city"] == "Lyon"
    assert rows[contact]["legacy_score"] is None  # whole row replaced
    untouched = [r for rid, r in rows.items() if rid != contact]
    assert all(r["legacy_score"] == 9 for r in untouched)  # only re-read records
    # The visible warning, naming the stream and the one row it replaced.
    assert "force_overwrite replaced 1 existing row(s) in stream 'contacts'" in result.stderr


def test_plain_upsert_keeps_fields_the_record_does_not_carry(meltano_project, fresh_simulator):
    meltano_project.run(*RUN)
    contact = fresh_simulator.admin.snapshot("contacts")["objects"][2]["id"]
    execute(meltano_project, "ALTER TABLE {schema}.contacts ADD COLUMN legacy_score numeric")
    execute(meltano_project, "UPDATE {schema}.contacts SET legacy_score = 9")
    fresh_simulator.admin.update_object("contacts", contact, {"city": "Lyon"}, at=a_minute_ago())

    result = meltano_project.run(*RUN)

    rows = live_rows(meltano_project, "contacts")
    assert rows[contact]["city"] == "Lyon"
    assert rows[contact]["legacy_score"] == 9
    assert "force_overwrite replaced" not in result.stderr


def test_full_refresh_with_force_overwrite_is_a_complete_replacement(
    meltano_project, fresh_simulator, property_types
):
    meltano_project.run(*RUN)
    execute(meltano_project, "UPDATE {schema}.contacts SET email = 'tampered@local'")
    execute(
        meltano_project,
        "INSERT INTO {schema}.contacts (id, email) VALUES ('999999999', 'stale@local')",
    )
    execute(
        meltano_project,
        "INSERT INTO {schema}.meetings_to_contacts_associations "
        "(from_object_type, from_object_id, to_object_type, to_object_id, association_type_id) "
        "VALUES ('meetings', '1', 'contacts', '1', 200)",
    )
    meltano_project.set_config(TARGET, "force_overwrite", True)
    meltano_project.set_config(TARGET, "hard_delete", True)

    meltano_project.run(*FULL_REFRESH_RUN)

    assert_objects_equal_simulator(meltano_project, fresh_simulator, property_types, "contacts")
    assert "999999999" not in {row["id"] for row in meltano_project.rows("contacts")}
    assert_associations_equal_simulator(meltano_project, fresh_simulator)


def test_since_with_force_overwrite(meltano_project, fresh_simulator):
    meltano_project.run(*RUN)
    execute(meltano_project, "UPDATE {schema}.contacts SET email = 'tampered@local'")
    objects = [
        o for o in fresh_simulator.admin.snapshot("contacts")["objects"] if not o["archived"]
    ]
    cutoff = sorted(o["updatedAt"] for o in objects)[-10]
    recent = {o["id"] for o in objects if o["updatedAt"] >= cutoff}
    meltano_project.set_config(TAP, "start_date", cutoff)
    meltano_project.set_config(TARGET, "force_overwrite", True)

    meltano_project.run("run", "--full-refresh", "--no-state-update", *RUN[1:])

    emails = {rid: row["email"] for rid, row in live_rows(meltano_project, "contacts").items()}
    assert {rid for rid, email in emails.items() if email != "tampered@local"} == recent


# ---------------------------------------------------------------------------- --contact-id


def test_contact_ids_syncs_only_that_contact_and_its_associations(meltano_project, fresh_simulator):
    meltano_project.run(*RUN)
    link = some_link(fresh_simulator)
    contact = link["toId"]
    before = row_versions(meltano_project, "contacts")
    fresh_simulator.admin.update_object("contacts", contact, {"city": "Oslo"}, at=a_minute_ago())
    other = next(rid for rid in before if rid != contact)
    fresh_simulator.admin.update_object("contacts", other, {"city": "Bern"}, at=a_minute_ago())

    meltano_project.set_config(TAP, "contact_ids", [contact])
    meltano_project.run(*RUN)

    rows = live_rows(meltano_project, "contacts")
    assert rows[contact]["city"] == "Oslo"
    assert rows[other]["city"] != "Bern"  # outside the scope: not read
    after = row_versions(meltano_project, "contacts")
    assert {rid for rid in before if before[rid] != after.get(rid)} == {contact}


def test_full_with_contact_id_resets_that_contact_only(meltano_project, fresh_simulator):
    meltano_project.run(*RUN)
    link = some_link(fresh_simulator)
    contact = link["toId"]
    fresh_simulator.admin.unassociate("meetings", link["fromId"], "contacts", contact)
    other_links_before = {
        row
        for row in database_associations(meltano_project, "contacts", "meetings")
        if row[0] != contact
    }
    execute(meltano_project, "UPDATE {schema}.contacts SET email = 'tampered@local'")

    meltano_project.set_config(TAP, "contact_ids", [contact])
    meltano_project.set_config(TARGET, "force_overwrite", True)
    meltano_project.run(*RUN)

    rows = live_rows(meltano_project, "contacts")
    assert rows[contact]["email"] != "tampered@local"
    assert all(row["email"] == "tampered@local" for rid, row in rows.items() if rid != contact)
    contact_links = {
        row
        for row in database_associations(meltano_project, "contacts", "meetings")
        if row[0] == contact
    }
    want = {
        row
        for row in simulator_associations(fresh_simulator, "contacts", "meetings")
        if row[0] == contact
    }
    assert contact_links == want  # the removed association is gone
    others_after = {
        row
        for row in database_associations(meltano_project, "contacts", "meetings")
        if row[0] != contact
    }
    assert others_after == other_links_before  # nobody else touched


# ---------------------------------------------------------------------------- the rest


def rows_per_transaction(project, table: str) -> list[int]:
    """How many of the table's rows each transaction wrote (rows grouped by xmin), largest
    first."""
    with psycopg.connect(project.database_url) as conn:
        query = sql.SQL("SELECT count(*) FROM {}.{} GROUP BY xmin::text ORDER BY 1 DESC").format(
            sql.Identifier(project.schema), sql.Identifier(table)
        )
        return [row[0] for row in conn.execute(query)]


def test_batch_size_sets_the_rows_per_transaction(meltano_project, fresh_simulator, property_types):
    meltano_project.set_config(TARGET, "batch_size_rows", 37)
    meltano_project.run(*RUN)
    assert_objects_equal_simulator(meltano_project, fresh_simulator, property_types, "contacts")
    assert_associations_equal_simulator(meltano_project, fresh_simulator)
    # A first run only inserts: each contacts row still carries the transaction (batch) that
    # wrote it. Every batch but the last is full.
    loaded = len(meltano_project.rows("contacts"))
    full, rest = divmod(loaded, 37)
    assert full >= 2  # the dataset spans several batches
    batches = [37] * full + ([rest] if rest else [])
    assert rows_per_transaction(meltano_project, "contacts") == batches


def test_dry_run_writes_nothing_and_reports_what_it_would_do(meltano_project, fresh_simulator):
    meltano_project.set_config(TARGET, "dry_run", True)
    result = meltano_project.run(*RUN)

    with psycopg.connect(meltano_project.database_url) as conn:
        tables = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s",
            (meltano_project.schema,),
        ).fetchone()
    assert tables == (0,)
    assert "DRY RUN" in result.stderr
    active = [o for o in fresh_simulator.admin.snapshot("contacts")["objects"] if not o["archived"]]
    assert f"created={len(active)}" in result.stderr
    assert meltano_project.state() == {}  # bookmarks do not advance on a dry run


def test_max_records_caps_each_stream(meltano_project):
    meltano_project.set_config(TAP, "max_records", 10)
    meltano_project.run(*RUN)
    assert len(meltano_project.rows("contacts")) == 10
    assert len(meltano_project.rows("meetings")) == 10


# The tap's debug lines (client.py, ratelimit.py) and the target's SQL steps.
REQUEST_LINE = re.compile(r"HTTP (GET|POST) (\S+) -> (\d{3}) in \d+\.\d{3}s")
WAIT_LINE = re.compile(r"Rate-limit wait: (\d+\.\d{3})s for the budget of \d+ requests per \d+s")
SQL_STEPS = ("SQL copy", "SQL upsert", "SQL commit")


def test_debug_logging_shows_every_request_wait_and_sql_step_and_never_the_token(
    meltano_project, fresh_simulator
):
    """One debug run and one quiet run: the tap's request and wait lines and the target's SQL
    steps are in the debug run only; the token is in neither."""
    admin = fresh_simulator.admin
    # One 429 asking for a 1 s pause: the client must wait for the budget once, about 1 s.
    admin.add_fault("rate_limit", count=1, path=r"/objects/(\d{4}-\d{2}/)?contacts$", retry_after=1)
    admin.reset_request_counts()
    debug = meltano_project.run("--log-level=debug", *RUN)
    output = debug.stdout + debug.stderr

    served = admin.request_counts()
    logged = REQUEST_LINE.findall(output)
    assert len(logged) == served["total"]  # one line per request, the refused one included
    assert Counter(status for _, _, status in logged) == Counter(
        {status: int(n) for status, n in served["statuses"].items()}
    )
    assert all("?" not in path for _, path, _ in logged)  # never a query string
    assert "429 (TEN_SECONDLY_ROLLING); waiting 1.0s before retrying" in output
    waits = [float(seconds) for seconds in WAIT_LINE.findall(output)]
    assert any(seconds >= 0.9 for seconds in waits), waits
    assert fresh_simulator.token not in output
    for step in SQL_STEPS:
        assert re.search(rf"\b{step}\b", debug.stderr), step

    admin.reset_request_counts()
    quiet = meltano_project.run(*RUN)
    assert admin.request_counts()["total"] > 0
    assert REQUEST_LINE.search(quiet.stdout + quiet.stderr) is None  # debug lines only
    for step in SQL_STEPS:
        assert step not in quiet.stdout + quiet.stderr, step


def dump(project) -> dict[str, set[str]]:
    """Every row of every table in the schema, as JSON text."""
    with psycopg.connect(project.database_url) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                (project.schema,),
            )
        ]
        return {
            table: {
                r[0]
                for r in conn.execute(
                    sql.SQL("SELECT to_jsonb(t)::text FROM {}.{} t").format(
                        sql.Identifier(project.schema), sql.Identifier(table)
                    )
                )
            }
            for table in tables
        }


def test_scoped_force_overwrite_touches_only_the_scope_in_both_directions(
    meltano_project, fresh_simulator
):
    sim = fresh_simulator
    meltano_project.run(*RUN)
    links = sim.admin.association_snapshot("contacts", "meetings")
    contact = next(
        c for c in (x["fromId"] for x in links) if sum(x["fromId"] == c for x in links) >= 2
    )
    mine = [x["toId"] for x in links if x["fromId"] == contact]
    sim.admin.unassociate("contacts", contact, "meetings", mine[0])  # removed: both directions
    new_meeting = next(
        m["id"] for m in sim.admin.snapshot("meetings")["objects"] if m["id"] not in mine
    )
    sim.admin.associate("contacts", contact, "meetings", new_meeting, [1001])  # "Organizer"
    before = dump(meltano_project)

    meltano_project.set_config(TAP, "contact_ids", [contact])
    meltano_project.set_config(TARGET, "force_overwrite", True)
    meltano_project.run(*RUN)
    after = dump(meltano_project)

    def in_scope(table: str, row: dict) -> bool:
        return {
            "contacts": row.get("id") == contact,
            "contacts_to_meetings_associations": row.get("from_object_id") == contact,
            "meetings_to_contacts_associations": row.get("to_object_id") == contact,
            "association_parent_syncs": row.get("from_object_id") == contact,
        }.get(table, False)

    for table in before.keys() | after.keys():
        changed = before.get(table, set()) ^ after.get(table, set())
        outside = [r for r in map(json.loads, changed) if not in_scope(table, r)]
        assert outside == [], f"{table}: rows outside the scope changed: {outside[:3]}"
    for from_type, to_type, end in (("contacts", "meetings", 0), ("meetings", "contacts", 1)):
        want = {
            r
            for r in simulator_associations(fresh_simulator, from_type, to_type)
            if r[end] == contact
        }
        got = {
            r
            for r in database_associations(meltano_project, from_type, to_type)
            if r[end] == contact
        }
        assert got == want, f"{from_type}->{to_type}"
    assert (mine[0], contact) not in {
        (r[0], r[1]) for r in database_associations(meltano_project, "meetings", "contacts")
    }
