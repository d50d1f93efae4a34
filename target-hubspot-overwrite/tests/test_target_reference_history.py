"""Reference data, list memberships and property history (DESIGN.md, "Reference data and
property history"): Singer messages through the real target into PostgreSQL.

* Reference rows a complete read no longer delivers are flagged, never deleted (also under
  ``hard_delete``); delivered again they are live again.
* ``list_memberships`` follows ``hard_delete`` like an association.
* ``{type}_property_history`` is insert-only (upsert and force_overwrite), ignores
  ACTIVATE_VERSION with a WARNING, and a merge flags the merged-away record's history rows.
"""

from __future__ import annotations

import logging

import pytest
from target_helpers import activate, lines, rec, run_target, schema_msg

STR = {"type": "string"}
NSTR = {"type": ["string", "null"]}
TIME = {"type": ["string", "null"], "format": "date-time"}

OWNERS = "owners"
OWNER_PROPS = {"owner_id": STR, "email": NSTR, "archived": {"type": ["boolean", "null"]}}
MEMBERS = "list_memberships"
MEMBER_PROPS = {"list_id": STR, "record_id": STR, "object_type": NSTR, "added_at": TIME}
HISTORY = "contacts_property_history"
HISTORY_KEY = ["object_id", "property_name", "changed_at", "same_time_seq"]
HISTORY_PROPS = {
    "object_id": STR,
    "property_name": STR,
    "changed_at": {"type": "string", "format": "date-time"},
    "same_time_seq": {"type": "integer"},
    "value": NSTR,
    "source_type": NSTR,
}
CONTACT_PROPS = {"id": STR, "email": NSTR, "updated_at": TIME}
MERGE_PROPS = {"object_type": STR, "merged_id": STR, "survivor_id": STR, "seen_at": TIME}


def owner(owner_id: str, version: int) -> dict:
    return rec(OWNERS, {"owner_id": owner_id, "email": f"{owner_id}@x.io"}, version)


def member(list_id: str, record_id: str, version: int) -> dict:
    return rec(
        MEMBERS, {"list_id": list_id, "record_id": record_id, "object_type": "contacts"}, version
    )


def version(
    object_id: str, value: str | None, at: str = "2026-01-01T00:00:00Z", seq: int = 0
) -> dict:
    return rec(
        HISTORY,
        {
            "object_id": object_id,
            "property_name": "email",
            "changed_at": at,
            "same_time_seq": seq,
            "value": value,
            "source_type": "API",
        },
    )


def run(config: dict, *msgs: dict, **settings) -> dict:
    """One target run with every schema of this module first; the LOAD_SUMMARY per stream."""
    head = [  # merges first: drained last at end of input unless it drains what it names
        schema_msg("merges", MERGE_PROPS, ["object_type", "merged_id"]),
        schema_msg(OWNERS, OWNER_PROPS, ["owner_id"]),
        schema_msg(MEMBERS, MEMBER_PROPS, ["list_id", "record_id"]),
        schema_msg(HISTORY, HISTORY_PROPS, HISTORY_KEY),
        schema_msg("contacts", CONTACT_PROPS, ["id"]),
    ]
    res = run_target({**config, **settings}, lines(*head, *msgs))
    return {s["scope"]: s for s in res.summaries}


def live_and_flagged(db, table: str, key: str) -> tuple[list[str], list[str]]:
    """Keys of the live rows and of the flagged rows of ``table``."""
    rows = db.rows(f'SELECT {key}, _sdc_deleted_at IS NULL FROM {{s}}."{table}" ORDER BY 1')
    return [k for k, live in rows if live], [k for k, live in rows if not live]


def history(db) -> list[tuple]:
    """Every history row: (object_id, changed_at text, seq, value, flagged)."""
    return db.rows(
        f"SELECT object_id, to_char(changed_at AT TIME ZONE 'UTC', 'MM-DD'), same_time_seq, "
        f'value, _sdc_deleted_at IS NOT NULL FROM {{s}}."{HISTORY}" ORDER BY 1, 2, 3'
    )


# --- reference streams ---------------------------------------------------------------------


@pytest.mark.parametrize("hard", [False, True])
def test_reference_rows_vanished_from_a_full_read_are_flagged_not_deleted(config, db, hard):
    run(config, owner("1", 1), owner("2", 1), owner("3", 1), activate(OWNERS, 1))
    summary = run(config, owner("1", 2), owner("2", 2), activate(OWNERS, 2), hard_delete=hard)
    assert live_and_flagged(db, OWNERS, "owner_id") == (["1", "2"], ["3"])
    counts = summary[f"stream '{OWNERS}'"]
    assert (counts["deleted"], counts["soft_deleted"]) == (0, 1)


@pytest.mark.parametrize("force", [False, True])
def test_flagged_reference_row_delivered_again_is_live(config, db, force):
    run(config, owner("1", 1), owner("2", 1), activate(OWNERS, 1))
    run(config, owner("1", 2), activate(OWNERS, 2), hard_delete=True)
    assert live_and_flagged(db, OWNERS, "owner_id") == (["1"], ["2"])
    run(config, owner("1", 3), owner("2", 3), activate(OWNERS, 3), force_overwrite=force)
    assert live_and_flagged(db, OWNERS, "owner_id") == (["1", "2"], [])


def test_empty_reference_read_flags_every_row(config, db):
    run(config, owner("1", 1), activate(OWNERS, 1))
    run(config, activate(OWNERS, 2), activate(OWNERS, 2), hard_delete=True)
    assert live_and_flagged(db, OWNERS, "owner_id") == ([], ["1"])


def test_reference_dry_run_counts_flags_without_writing(config, db):
    run(config, owner("1", 1), owner("2", 1), activate(OWNERS, 1))
    summary = run(config, owner("1", 2), activate(OWNERS, 2), hard_delete=True, dry_run=True)
    counts = summary[f"stream '{OWNERS}'"]
    assert (counts["deleted"], counts["soft_deleted"]) == (0, 1)
    assert live_and_flagged(db, OWNERS, "owner_id") == (["1", "2"], [])


# --- list memberships ----------------------------------------------------------------------


@pytest.mark.parametrize("hard", [False, True])
def test_memberships_follow_hard_delete(config, db, hard):
    run(config, member("7", "a", 1), member("7", "b", 1), member("8", "a", 1), activate(MEMBERS, 1))
    summary = run(config, member("7", "a", 2), activate(MEMBERS, 2), hard_delete=hard)
    rows = db.rows(
        f'SELECT list_id, record_id, _sdc_deleted_at IS NULL FROM {{s}}."{MEMBERS}" ORDER BY 1, 2'
    )
    expected = [("7", "a", True)] + ([] if hard else [("7", "b", False), ("8", "a", False)])
    assert rows == expected
    counts = summary[f"stream '{MEMBERS}'"]
    assert (counts["deleted"], counts["soft_deleted"]) == ((2, 0) if hard else (0, 2))


# --- property history ----------------------------------------------------------------------


@pytest.mark.parametrize("force", [False, True])
def test_history_is_insert_only(config, db, force):
    run(config, version("1", "old"), version("1", "same ms", seq=1))
    summary = run(
        config,
        version("1", "CHANGED"),  # same key, another value: the stored version stays
        version("1", "same ms", seq=1),
        version("1", "new", "2026-01-02T00:00:00Z"),
        force_overwrite=force,
    )
    assert history(db) == [
        ("1", "01-01", 0, "old", False),
        ("1", "01-01", 1, "same ms", False),
        ("1", "01-02", 0, "new", False),
    ]
    counts = summary[f"stream '{HISTORY}'"]
    assert (counts["created"], counts["already_present"]) == (1, 2)
    assert (counts["updated"], counts["overwritten"], counts["unchanged"]) == (0, 0, 0)


def test_history_keeps_the_first_of_one_key_in_a_batch(config, db):
    run(config, version("1", "first"), version("1", "second"), force_overwrite=True)
    assert history(db) == [("1", "01-01", 0, "first", False)]


def test_history_dry_run_counts_without_writing(config, db):
    run(config, version("1", "old"))
    summary = run(config, version("1", "CHANGED"), version("2", "x"), dry_run=True)
    counts = summary[f"stream '{HISTORY}'"]
    assert (counts["created"], counts["already_present"]) == (1, 1)
    assert history(db) == [("1", "01-01", 0, "old", False)]


@pytest.mark.parametrize("opening", [False, True])
def test_activate_version_for_history_is_ignored_with_a_warning(config, db, caplog, opening):
    run(config, version("1", "a"), version("2", "b"))
    caplog.set_level(logging.WARNING)
    msgs = [version("1", "a")]
    msgs = [activate(HISTORY, 5), *msgs] if opening else [*msgs, activate(HISTORY, 5)]
    run(config, *msgs, hard_delete=True)
    assert history(db) == [("1", "01-01", 0, "a", False), ("2", "01-01", 0, "b", False)]
    assert f"ACTIVATE_VERSION 5 for '{HISTORY}' ignored" in caplog.text


def test_history_named_stream_with_another_key_loads_as_ordinary(config, db, caplog):
    caplog.set_level(logging.WARNING)
    props = {"object_id": STR, "value": NSTR}
    run_target(
        config,
        lines(
            schema_msg("deals_property_history", props, ["object_id"]),
            rec("deals_property_history", {"object_id": "1", "value": "a"}),
            rec("deals_property_history", {"object_id": "1", "value": "b"}),
        ),
    )
    assert db.rows('SELECT value FROM {s}."deals_property_history"') == [("b",)]
    assert "named like a history stream but its key is ['object_id']" in caplog.text


# --- merges flag history -------------------------------------------------------------------


def contact(contact_id: str) -> dict:
    return rec("contacts", {"id": contact_id, "email": f"{contact_id}@x.io"})


def merged(merged_id: str, survivor_id: str) -> dict:
    return rec(
        "merges",
        {
            "object_type": "contacts",
            "merged_id": merged_id,
            "survivor_id": survivor_id,
            "seen_at": "2026-01-03T00:00:00Z",
        },
    )


@pytest.mark.parametrize("hard", [False, True])
def test_merge_flags_the_merged_away_history(config, db, hard):
    run(config, contact("1"), contact("2"), contact("3"), version("1", "a"), version("3", "c"))
    # the merged-away record's history arrives in the same run, buffered before the merge
    summary = run(
        config,
        contact("1"),
        version("2", "b"),
        merged("2", "1"),
        merged("3", "1"),
        hard_delete=hard,
    )
    assert history(db) == [
        ("1", "01-01", 0, "a", False),
        ("2", "01-01", 0, "b", True),
        ("3", "01-01", 0, "c", True),
    ]
    contacts = db.rows('SELECT id, _sdc_deleted_at IS NULL FROM {s}."contacts" ORDER BY 1')
    assert contacts == ([("1", True)] if hard else [("1", True), ("2", False), ("3", False)])
    counts = summary["stream 'merges'"]
    assert (counts["deleted"], counts["soft_deleted"]) == ((2, 2) if hard else (0, 4))


def test_merge_without_history_table_works(config, db):
    run_target(
        config,
        lines(
            schema_msg("contacts", CONTACT_PROPS, ["id"]),
            schema_msg("merges", MERGE_PROPS, ["object_type", "merged_id"]),
            contact("1"),
            contact("2"),
            merged("2", "1"),
        ),
    )
    assert not db.table_exists(HISTORY)
    assert db.rows('SELECT id FROM {s}."contacts" WHERE _sdc_deleted_at IS NULL') == [("1",)]


def test_reference_and_history_values_round_trip_on_the_fast_path(config, db):
    stages = "pipeline_stages"
    props = {
        "object_type": STR,
        "pipeline_id": STR,
        "stage_id": STR,
        "probability": {"type": ["number", "null"]},
        "metadata": {"type": ["object", "null"]},
    }
    odd = 'tab\there "quoted" back\\slash \u00e9\u4e2d \\N'
    run(
        config,
        schema_msg(stages, props, ["object_type", "pipeline_id", "stage_id"]),
        rec(
            stages,
            {
                "object_type": "deals",
                "pipeline_id": "default",
                "stage_id": "won",
                "probability": 1.0,
                "metadata": {"isClosed": "true", "probability": "1.0"},
            },
        ),
        activate(stages, 1),
        version("1", odd),
        version("1", None, "2026-01-02T00:00:00Z"),
    )
    assert db.rows(f'SELECT probability, metadata FROM {{s}}."{stages}"') == [
        (1, {"isClosed": "true", "probability": "1.0"})
    ]
    assert [r[3] for r in history(db)] == [odd, None]
