"""Run-level guards: an unreachable database fails before any STATE; concurrent runs on one
table serialize run by run."""

from __future__ import annotations

import time

import psycopg
from target_helpers import lines, rec, run_cli, schema_msg, start_cli, state

S = "contacts"
PROPS = {"id": {"type": "string"}, "email": {"type": ["string", "null"]}}


def test_unreachable_database_fails_before_any_state(config, tmp_path):
    # A run with nothing to write (an incremental run without changes) must still fail
    # rather than hand Meltano a bookmark.
    bad = {**config, "sqlalchemy_url": "postgresql+psycopg://nobody@127.0.0.1:1/none"}
    text = lines(schema_msg(S, PROPS, ["id"]), state({"bookmarks": {"x": 1}}))
    res = run_cli(bad, text, tmp_path)
    assert res.returncode != 0
    assert res.states == []  # no STATE
    assert "Cannot connect to PostgreSQL" in res.stderr


def test_second_run_on_a_table_waits_for_the_first_to_finish(config, db, tmp_path):
    settings = {**config, "batch_size_rows": 1}
    first = start_cli(settings, tmp_path)
    assert first.stdin is not None
    first.stdin.write(
        lines(
            schema_msg(S, PROPS, ["id"]),
            rec(S, {"id": "1", "email": "a"}),
            rec(S, {"id": "2", "email": "a"}),
        )
    )
    first.stdin.flush()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # wait until the first batch is committed
        if db.table_exists(S) and db.scalar("SELECT count(*) FROM {s}.contacts") >= 1:
            break
        time.sleep(0.1)

    second = start_cli(settings, tmp_path)
    assert second.stdin is not None
    # One record fills its batch (batch_size_rows 1), so loading it asks for the table's lock.
    second.stdin.write(lines(schema_msg(S, PROPS, ["id"]), rec(S, {"id": "1", "email": "b"})))
    second.stdin.flush()
    # Wait (by the server's own lock table, not by a clock) until the second run asks for the
    # table's advisory lock and is kept waiting; only then may the first run finish.
    waiting = 0
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and second.poll() is None and not waiting:
        waiting = db.scalar(
            "SELECT count(*) FROM pg_locks l, hashtextextended(%s, 0) AS k "
            "WHERE l.locktype = 'advisory' AND NOT l.granted "
            "AND l.classid::bigint = ((k >> 32) & 4294967295) "
            "AND l.objid::bigint = (k & 4294967295)",
            f"{db.schema}.{S}",
        )
        time.sleep(0.05)
    assert waiting == 1, f"the second run did not wait (exit {second.poll()})"

    first.stdin.close()
    assert first.wait(timeout=60) == 0
    _, second_err = second.communicate(timeout=60)
    assert first.returncode == 0
    assert second.returncode == 0, second_err[-2000:]
    assert "being loaded by another run" in second_err
    assert db.rows("SELECT id, email FROM {s}.contacts ORDER BY id") == [("1", "b"), ("2", "a")]


def test_lock_timeout_fails_the_run_instead_of_waiting_forever(config, db, tmp_path):
    text = lines(schema_msg("c", {"id": {"type": "string"}}, ["id"]), rec("c", {"id": "1"}))
    text += lines(state({"bookmark": 1}))
    with psycopg.connect(db.url, autocommit=True) as other:
        # Another run holds the table (the target's per-table advisory lock).
        other.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))", (f"{db.schema}.c",))
        started = time.monotonic()
        res = run_cli({**config, "lock_timeout_seconds": 1}, text, tmp_path)
        waited = time.monotonic() - started
    assert res.returncode != 0
    assert "lock timeout" in res.stderr
    assert res.states == []
    assert waited < 30
    assert not db.table_exists("c") or db.scalar("SELECT count(*) FROM {s}.c") == 0


def test_statement_timeout_fails_the_run_and_rolls_the_batch_back(config, db, tmp_path):
    props = {"id": {"type": "string"}, "n": {"type": ["integer", "null"]}}
    seed = lines(schema_msg("c", props, ["id"]), rec("c", {"id": "seed", "n": 0}))
    assert run_cli(config, seed, tmp_path).returncode == 0
    with psycopg.connect(db.url, autocommit=True) as conn:
        conn.execute(
            f"""CREATE FUNCTION "{db.schema}".slow() RETURNS trigger LANGUAGE plpgsql AS
            $$ BEGIN PERFORM pg_sleep(3); RETURN NULL; END $$;
            CREATE TRIGGER slow AFTER INSERT ON "{db.schema}".c
            FOR EACH STATEMENT EXECUTE FUNCTION "{db.schema}".slow();"""
        )
    text = lines(schema_msg("c", props, ["id"]), rec("c", {"id": "1", "n": 1}), state({"b": 1}))
    res = run_cli({**config, "statement_timeout_seconds": 1}, text, tmp_path)
    assert res.returncode != 0
    assert "statement timeout" in res.stderr
    assert res.states == []
    assert db.rows("SELECT id FROM {s}.c") == [("seed",)]
