"""Load semantics asserted by reading PostgreSQL back (no mocks)."""

from __future__ import annotations

import pytest
from target_helpers import activate, lines, rec, run_cli, run_target, schema_msg, state

S = "contacts"
PROPS = {
    "id": {"type": "string"},
    "email": {"type": ["string", "null"]},
    "name": {"type": ["string", "null"]},
    "score": {"type": ["integer", "null"]},
}


def _load(config, *records, props=PROPS, extra=(), **settings):
    text = lines(schema_msg(S, props, ["id"]), *(rec(S, r) for r in records), *extra)
    return run_target({**config, **settings}, text)


def test_upsert_updates_only_carried_fields(config, db):
    _load(config, {"id": "1", "email": "a@x", "name": "A", "score": 1})
    res = _load(config, {"id": "1", "email": "new@x"})
    assert db.rows("SELECT id, email, name, score FROM {s}.contacts") == [("1", "new@x", "A", 1)]
    assert res.stream(S)["updated"] == 1


def test_force_overwrite_nulls_absent_fields_and_extra_columns(config, db, caplog):
    wide = {**PROPS, "legacy": {"type": ["string", "null"]}}
    _load(config, {"id": "1", "email": "a@x", "name": "A", "score": 1, "legacy": "L"}, props=wide)
    res = _load(config, {"id": "1", "email": "b@x"}, force_overwrite=True)
    assert db.rows("SELECT email, name, score, legacy FROM {s}.contacts") == [
        ("b@x", None, None, None)
    ]
    assert res.stream(S)["overwritten"] == 1
    assert "force_overwrite replaced 1 existing row" in caplog.text


def test_unchanged_rows_are_not_rewritten(config, db):
    records = [{"id": str(i), "email": f"{i}@x", "name": "n", "score": i} for i in range(50)]
    _load(config, *records)
    before = db.rows("SELECT id, xmin::text FROM {s}.contacts ORDER BY id")
    res = _load(config, *records)
    res2 = _load(config, *records, force_overwrite=True)
    assert db.rows("SELECT id, xmin::text FROM {s}.contacts ORDER BY id") == before
    assert res.stream(S)["unchanged"] == 50
    assert res.stream(S)["updated"] == 0
    assert res2.stream(S)["unchanged"] == 50
    assert res2.stream(S)["overwritten"] == 0


def test_same_key_twice_in_batch_last_wins(config, db):
    _load(config, {"id": "1", "email": "first", "score": 1}, {"id": "1", "email": "second"})
    assert db.rows("SELECT email, score FROM {s}.contacts") == [("second", 1)]
    _load(
        config,
        {"id": "2", "email": "first", "score": 1},
        {"id": "2", "email": "second"},
        force_overwrite=True,
    )
    assert db.rows("SELECT email, score FROM {s}.contacts WHERE id='2'") == [("second", None)]


def test_append_only_keeps_every_record(config, db):
    _load(config, {"id": "1", "email": "a"}, {"id": "1", "email": "b"}, load_method="append-only")
    assert db.scalar("SELECT count(*) FROM {s}.contacts") == 2


@pytest.mark.parametrize("placement", ["start", "end", "both"])
@pytest.mark.parametrize("hard", [True, False])
def test_full_refresh_activate_version(config, db, placement, hard):
    _load(config, *({"id": str(i), "email": "old"} for i in range(5)))
    msgs = [schema_msg(S, PROPS, ["id"])]
    if placement in ("start", "both"):
        msgs.append(activate(S, 2))
    msgs += [rec(S, {"id": str(i), "email": "new"}, version=2) for i in (1, 3)]
    if placement in ("end", "both"):
        msgs.append(activate(S, 2))
    res = run_target({**config, "hard_delete": hard, "batch_size_rows": 1}, lines(*msgs))
    if hard:
        assert db.rows("SELECT id FROM {s}.contacts ORDER BY id") == [("1",), ("3",)]
        assert res.stream(S)["deleted"] == 3
    else:
        live = db.rows("SELECT id FROM {s}.contacts WHERE _sdc_deleted_at IS NULL ORDER BY id")
        assert live == [("1",), ("3",)]
        assert db.scalar("SELECT count(*) FROM {s}.contacts") == 5
        assert res.stream(S)["soft_deleted"] == 3


def _another_stream_closed() -> list[dict]:
    """A bracketing tap's complete full read of another stream (opened and closed)."""
    other = "meetings"
    return [
        schema_msg(other, PROPS, ["id"]),
        rec(other, {"id": "m1"}, version=4),
        activate(other, 4),
    ]


def test_version_repeated_without_records_empties_the_table(config, db):
    # A complete full read that found nothing: the version opened and closed with no records
    # in between. It must empty the table even after another stream's closing message was
    # seen (which makes bare start-placed versions wait for a closing one).
    _load(config, *({"id": str(i)} for i in range(3)))
    msgs = [
        *_another_stream_closed(),
        schema_msg(S, PROPS, ["id"]),
        activate(S, 7),
        activate(S, 7),
    ]
    res = run_target({**config, "hard_delete": True}, lines(*msgs))
    assert db.scalar("SELECT count(*) FROM {s}.contacts") == 0
    assert res.stream(S)["deleted"] == 3


def test_start_placed_version_without_closing_deletes_nothing_once_closings_seen(config, db):
    # Another stream was closed, so this tap brackets its streams: a stream left with only its
    # opening message did not complete (the tap died), and nothing may be deleted.
    _load(config, *({"id": str(i)} for i in range(3)))
    msgs = [
        *_another_stream_closed(),
        schema_msg(S, PROPS, ["id"]),
        activate(S, 7),
        rec(S, {"id": "0"}, version=7),
    ]
    run_target({**config, "hard_delete": True}, lines(*msgs))
    assert db.scalar("SELECT count(*) FROM {s}.contacts") == 3


def test_soft_deleted_row_revived_when_delivered_again(config, db):
    _load(config, {"id": "1"}, {"id": "2"})
    _load(config, {"id": "1"}, extra=[activate(S, 5)])
    assert db.scalar("SELECT count(*) FROM {s}.contacts WHERE _sdc_deleted_at IS NOT NULL") == 1
    _load(config, {"id": "2"})
    assert db.scalar("SELECT count(*) FROM {s}.contacts WHERE _sdc_deleted_at IS NOT NULL") == 0


def test_failed_full_refresh_leaves_data_untouched(config, db):
    _load(config, *({"id": str(i), "email": "old"} for i in range(5)))
    before = db.rows("SELECT * FROM {s}.contacts ORDER BY id")
    text = lines(
        schema_msg(S, PROPS, ["id"]),
        activate(S, 9),
        rec(S, {"id": "1", "email": "x"}),
        rec(S, {"id": "2", "score": "not-an-int"}),
    )
    with pytest.raises(Exception, match=r"score"):
        run_target({**config, "hard_delete": True}, text)
    assert db.rows("SELECT * FROM {s}.contacts ORDER BY id") == before


def test_dry_run_writes_nothing_and_reports(config, db, tmp_path):
    res = run_cli(
        {**config, "dry_run": True},
        lines(schema_msg(S, PROPS, ["id"]), rec(S, {"id": "1"}), state({"a": 1})),
        tmp_path,
    )
    assert res.returncode == 0, res.stderr
    assert not db.table_exists("contacts")
    assert res.states == []
    assert res.stream(S)["created"] == 1
    assert res.stream(S)["dry_run"] is True
    _load(config, {"id": "1", "email": "a"}, {"id": "2", "email": "b"})
    res = _load(
        config,
        {"id": "1", "email": "z"},
        {"id": "3"},
        dry_run=True,
        hard_delete=True,
        force_overwrite=True,
        extra=[activate(S, 3)],
    )
    summary = res.stream(S)
    assert (summary["overwritten"], summary["created"], summary["deleted"]) == (1, 1, 1)
    assert db.rows("SELECT id, email FROM {s}.contacts ORDER BY id") == [("1", "a"), ("2", "b")]


def test_reject_mode_stores_bad_records(config, db):
    text = lines(
        schema_msg(S, PROPS, ["id"]),
        rec(S, {"id": "1", "score": 1}),
        rec(S, {"id": "2", "score": "x"}),
        rec(S, {"email": "no key"}),
        "this is not json",
        rec("unknown_stream", {"id": 1}),
    )
    res = run_target({**config, "on_invalid_record": "reject"}, text)
    assert db.rows("SELECT id FROM {s}.contacts") == [("1",)]
    reasons = db.rows("SELECT stream, reason, record FROM {s}._rejected_records ORDER BY id")
    assert len(reasons) == 4
    assert any("score" in r[1] and r[0] == S for r in reasons)
    assert any("key property 'id'" in r[1] for r in reasons)
    assert any("not valid JSON" in r[1] for r in reasons)
    assert any(r[0] == "unknown_stream" for r in reasons)
    assert res.run_summary["rejected"] == 4


@pytest.mark.parametrize(
    ("bad", "match"),
    [
        (rec(S, {"id": "1", "score": "x"}), r"contacts.*id='1'.*score"),
        (rec(S, {"id": None}), r"key property 'id'"),
        (rec(S, {"email": "x"}), r"key property 'id'"),
        (rec("nope", {"id": "1"}), r"nope.*before a corresponding schema"),
        ("{broken", r"line 2"),
    ],
)
def test_fail_mode_clear_errors(config, db, bad, match):
    with pytest.raises(Exception, match=match):
        run_target(config, lines(schema_msg(S, PROPS, ["id"]), bad))


def test_nul_characters_stripped_recursively(config, db):
    props = {
        "id": {"type": "string"},
        "txt": {"type": ["string", "null"]},
        "obj": {"type": ["object", "null"]},
    }
    res = _load(
        config,
        {"id": "1", "txt": "a\x00b", "obj": {"k\x00": ["x\x00y", {"z": "\x00"}]}},
        props=props,
    )
    assert db.rows("SELECT txt, obj::text FROM {s}.contacts") == [
        ("ab", '{"k": ["xy", {"z": ""}]}')
    ]
    assert res.stream(S)["nul_stripped"] == 4


def test_long_and_hostile_identifiers(config, db):
    long_a = "p" * 70 + "_a"
    long_b = "p" * 70 + "_b"
    hostile = 'x"; DROP TABLE y; --'
    props = {
        "id": {"type": "string"},
        long_a: {"type": "string"},
        long_b: {"type": "string"},
        hostile: {"type": "string"},
        "Ünïcødé ✓": {"type": "string"},
    }
    stream = 'weird"; stream ' + "s" * 70
    text = lines(
        schema_msg(stream, props, ["id"]),
        rec(stream, {"id": "1", long_a: "A", long_b: "B", hostile: "H", "Ünïcødé ✓": "U"}),
    )
    run_target(config, text)
    tables = db.rows("SELECT tablename FROM pg_tables WHERE schemaname=%s", db.schema)
    assert len(tables) == 1
    assert len(tables[0][0].encode()) <= 63
    cols = [
        r[0]
        for r in db.rows(
            "SELECT column_name FROM information_schema.columns WHERE table_schema=%s", db.schema
        )
    ]
    assert hostile in cols
    assert "Ünïcødé ✓" in cols
    assert len(cols) == 6  # five properties plus the soft-delete flag of keyed tables
    assert "_sdc_deleted_at" in cols
    assert all(len(c.encode()) <= 63 for c in cols)


def test_identifier_clash_detected(config):
    base = "q" * 80
    from target_hubspot_overwrite.naming import pg_identifier

    assert pg_identifier(base + "1") != pg_identifier(base + "2")
    with pytest.raises(Exception, match="both map"):
        run_target(
            config, lines(schema_msg(S, {"id": {"type": "string"}, "a\x00": {}, "a": {}}, ["id"]))
        )
    with pytest.raises(Exception, match="both map"):
        run_target(
            config, lines(schema_msg("t\x00", {"id": {}}, []), schema_msg("t", {"id": {}}, []))
        )


def test_type_widening_and_new_columns(config, db):
    _load(config, {"id": "1", "score": 5})
    props = {**PROPS, "score": {"type": ["number", "null"]}, "extra": {"type": ["boolean", "null"]}}
    _load(config, {"id": "2", "score": 2.5, "extra": True}, props=props)
    props2 = {**props, "score": {"type": ["string", "null"]}}
    _load(config, {"id": "3", "score": "lots"}, props=props2)
    types = dict(
        db.rows(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema=%s",
            db.schema,
        )
    )
    assert types["score"] == "text"
    assert types["extra"] == "boolean"
    assert db.rows("SELECT id, score FROM {s}.contacts ORDER BY id") == [
        ("1", "5"),
        ("2", "2.5"),
        ("3", "lots"),
    ]


def test_type_mapping(config, db):
    props = {
        "id": {"type": "integer"},
        "s": {"type": "string"},
        "ts": {"type": "string", "format": "date-time"},
        "d": {"type": "string", "format": "date"},
        "n": {"type": "number"},
        "b": {"type": "boolean"},
        "o": {"type": "object"},
        "a": {"type": "array"},
    }
    _load(
        config,
        {
            "id": 1,
            "s": "x",
            "ts": "2024-05-01T10:00:00+02:00",
            "d": "2024-05-01",
            "n": 1.5,
            "b": False,
            "o": {"k": 1},
            "a": [1, "t\tab"],
        },
        props=props,
    )
    types = dict(
        db.rows(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema=%s",
            db.schema,
        )
    )
    assert types == {
        "id": "bigint",
        "s": "text",
        "ts": "timestamp with time zone",
        "d": "date",
        "n": "numeric",
        "b": "boolean",
        "o": "jsonb",
        "a": "jsonb",
        "_sdc_deleted_at": "timestamp with time zone",
    }
    assert db.scalar("SELECT a->>1 FROM {s}.contacts") == "t\tab"


def test_state_emitted_after_commit(config, db, tmp_path):
    text = lines(
        schema_msg(S, PROPS, ["id"]),
        rec(S, {"id": "1"}),
        state({"b": 1}),
        rec(S, {"id": "2"}),
        state({"b": 2}),
    )
    res = run_cli(config, text, tmp_path)
    assert res.returncode == 0, res.stderr
    assert res.states == [{"b": 2}]
    assert db.scalar("SELECT count(*) FROM {s}.contacts") == 2


def test_password_not_leaked(config, tmp_path):
    bad = {**config, "sqlalchemy_url": "postgresql://postgres:S3cretPw@127.0.0.1:1/postgres"}
    res = run_cli(bad, lines(schema_msg(S, PROPS, ["id"]), rec(S, {"id": "1"})), tmp_path)
    assert res.returncode != 0
    assert "S3cretPw" not in res.stderr


def test_dry_run_creates_no_schema(config, db):
    schema = db.schema + "_new"
    run_target(
        {**config, "default_target_schema": schema, "dry_run": True},
        lines(schema_msg(S, PROPS, ["id"]), rec(S, {"id": "1"})),
    )
    assert db.rows("SELECT 1 FROM pg_namespace WHERE nspname = %s", schema) == []


def test_schema_change_mid_stream_keeps_order(config, db):
    props2 = {**PROPS, "extra": {"type": ["string", "null"]}}
    text = lines(
        schema_msg(S, PROPS, ["id"]),
        rec(S, {"id": "1", "email": "old"}),
        schema_msg(S, props2, ["id"]),
        rec(S, {"id": "1", "email": "new", "extra": "e"}),
    )
    run_target({**config, "batch_size_rows": 1}, text)
    assert db.rows("SELECT email, extra FROM {s}.contacts") == [("new", "e")]


def test_failed_batch_error_is_redacted_and_rolled_back(config, db):
    _load(config, {"id": "1", "email": "same"}, {"id": "2", "email": "same"})
    before = db.rows("SELECT * FROM {s}.contacts ORDER BY id")
    text = lines(schema_msg(S, PROPS, ["email"]), rec(S, {"id": "3", "email": "other"}))
    with pytest.raises(RuntimeError, match=r"stream 'contacts'.*rolled back"):
        run_target(config, text)  # new key violated by existing rows -> whole batch rolls back
    assert db.rows("SELECT * FROM {s}.contacts ORDER BY id") == before


def test_stream_maps_slow_path(config, db):
    maps = {"stream_maps": {S: {"email": "email.upper()", "name": None}}, "batch_size_rows": 2}
    res = _load(
        {**config, **maps},
        {"id": "1", "email": "a@x", "name": "n"},
        {"id": "2", "email": "b@x"},
        {"id": "3", "email": "c@x"},
    )
    assert db.rows("SELECT id, email FROM {s}.contacts ORDER BY id") == [
        ("1", "A@X"),
        ("2", "B@X"),
        ("3", "C@X"),
    ]
    assert res.stream(S)["created"] == 3


def test_bracketing_tap_failure_deletes_nothing(config, db):
    """Tap brackets streams (start+end); second stream cut off by a tap crash (EOF)."""
    other = "meetings"
    _load(config, *({"id": str(i)} for i in range(3)))
    run_target(
        config,
        lines(schema_msg(other, PROPS, ["id"]), *(rec(other, {"id": str(i)}) for i in range(3))),
    )
    text = lines(
        schema_msg(other, PROPS, ["id"]),
        activate(other, 7),
        rec(other, {"id": "0"}),
        activate(other, 7),
        schema_msg(S, PROPS, ["id"]),
        activate(S, 7),
        rec(S, {"id": "0"}),
    )
    run_target({**config, "hard_delete": True}, text)
    assert db.scalar("SELECT count(*) FROM {s}.meetings") == 1
    assert db.scalar("SELECT count(*) FROM {s}.contacts") == 3


@pytest.mark.parametrize(
    ("prop", "value", "match"),
    [
        ({"type": "string", "enum": ["a", "b"]}, "c", "is not one of"),
        ({"type": "integer", "maximum": 10}, 11, "greater than the maximum"),
        ({"type": "object", "properties": {"k": {"type": "integer"}}}, {"k": "x"}, "k: 'x'"),
        ({"type": ["integer", "null"]}, 2**70, "bigint range"),
        ({"type": "string", "format": "date-time"}, "yesterday", "date-time"),
        ({"type": "boolean"}, "true", "expected a boolean"),
    ],
)
def test_constraint_violations(config, db, prop, value, match):
    props = {"id": {"type": "string"}, "f": prop}
    with pytest.raises(Exception, match=match):
        _load(config, {"id": "1", "f": value}, props=props)
    res = _load(config, {"id": "1", "f": value}, props=props, on_invalid_record="reject")
    assert res.stream(S)["rejected"] == 1
