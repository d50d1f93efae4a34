"""A table version spanning runs (``open_versions``): records of one version over several
target runs, closed by the last one, reconcile against every run's keys."""

from __future__ import annotations

import json
import subprocess

import pytest
from target_helpers import activate, lines, rec, run_cli, run_target, schema_msg, start_cli, state

S = "contacts"
PROPS = {"id": {"type": "string"}, "n": {"type": ["integer", "null"]}}
A = "contacts_to_companies_associations"
A_PROPS = {
    "from_object_type": {"type": "string"},
    "from_object_id": {"type": "string"},
    "to_object_type": {"type": "string"},
    "to_object_id": {"type": "string"},
    "association_type_id": {"type": "integer"},
}
A_KEYS = ["from_object_id", "to_object_id", "association_type_id"]


def _object(key: str, version: int | None) -> dict:
    return rec(S, {"id": key, "n": len(key)}, version)


def _link(key: str, version: int | None) -> dict:
    row = {
        "from_object_type": "contacts",
        "from_object_id": key,
        "to_object_type": "companies",
        "to_object_id": "c1",
        "association_type_id": 1,
    }
    return rec(A, row, version)


STREAMS = {
    S: (schema_msg(S, PROPS, ["id"]), _object, "id"),
    A: (schema_msg(A, A_PROPS, A_KEYS), _link, "from_object_id"),
}


def _run(config: dict, stream: str, keys: list[str], version: int, *, close: bool) -> None:
    schema, record, _ = STREAMS[stream]
    msgs = [schema, *(record(k, version) for k in keys)]
    run_target(config, lines(*msgs, *([activate(stream, version)] if close else [])))


def _rows(db, stream: str) -> dict[str, bool]:
    """Key → live, for every stored row."""
    key = STREAMS[stream][2]
    found = db.rows(f'SELECT {key}, _sdc_deleted_at IS NULL FROM {{s}}."{stream}"')
    return dict(found)


@pytest.mark.parametrize("stream", [S, A])
@pytest.mark.parametrize(("force", "hard"), [(False, False), (True, True), (False, True)])
def test_version_spanning_two_runs_removes_only_what_neither_delivered(
    config, db, stream, force, hard
):
    config = {**config, "force_overwrite": force, "hard_delete": hard, "batch_size_rows": 2}
    _run(config, stream, ["a", "b", "c", "d", "e"], 1, close=True)
    # Run 1 of version 2 stops (the tap's budget) after a, b, c: no closing message.
    _run(config, stream, ["a", "b", "c"], 2, close=False)
    assert _rows(db, stream) == dict.fromkeys("abcde", True)
    assert db.rows("SELECT stream, version FROM {s}._sdc_open_versions") == [(stream, 2)]
    # Run 2 goes on with d, then closes version 2: e was deleted in HubSpot between the runs.
    _run(config, stream, ["d"], 2, close=True)
    expected = dict.fromkeys("abcd", True)
    if not hard:
        expected["e"] = False
    assert _rows(db, stream) == expected
    assert db.rows("SELECT * FROM {s}._sdc_open_versions") == []
    kept = "SELECT count(*) FROM pg_tables WHERE schemaname = %s AND tablename LIKE %s"
    assert db.scalar(kept, db.schema, "_sdc_open_keys_%") == 0


def test_empty_last_run_closes_against_the_kept_keys(config, db):
    """The read's last page was the earlier run's: the closing run delivers nothing (the
    version twice) and removes only what the earlier run did not deliver."""
    _run(config, S, ["a", "b", "c"], 1, close=True)
    _run(config, S, ["a", "b"], 2, close=False)
    run_target(config, lines(STREAMS[S][0], activate(S, 2), activate(S, 2)))
    assert _rows(db, S) == {"a": True, "b": True, "c": False}


def test_newer_version_discards_the_open_one(config, db):
    _run(config, S, ["a", "b", "c"], 1, close=True)
    _run(config, S, ["a", "b"], 2, close=False)
    _run(config, S, ["c"], 3, close=True)  # a new read: version 2's keys no longer count
    assert _rows(db, S) == {"a": False, "b": False, "c": True}
    assert db.rows("SELECT * FROM {s}._sdc_open_versions") == []


def test_dry_runs_keep_no_keys(config, db):
    _run(config, S, ["a", "b", "c"], 1, close=True)
    _run({**config, "dry_run": True}, S, ["a"], 2, close=False)
    assert db.rows("SELECT * FROM {s}._sdc_open_versions") == []
    _run(config, S, ["a"], 2, close=False)
    _run({**config, "dry_run": True}, S, ["b"], 2, close=True)  # rolled back: still open
    assert db.rows("SELECT stream, version, runs FROM {s}._sdc_open_versions") == [(S, 2, 1)]
    assert _rows(db, S) == dict.fromkeys("abc", True)


def test_kill_mid_run_keeps_the_committed_keys(config, db, tmp_path):
    """A run of an open version killed after some batches: the next run goes on from the last
    STATE and closes the version; nothing the killed run committed is removed."""
    seed = [schema_msg(S, PROPS, ["id"]), *(_object(f"{i}", 1) for i in range(400))]
    run_target(config, lines(*seed, _object("gone", 1), activate(S, 1)))
    msgs = [json.dumps(schema_msg(S, PROPS, ["id"]))]
    for i in range(400):
        msgs.append(json.dumps(_object(f"{i}", 2)))
        if (i + 1) % 50 == 0:
            msgs.append(json.dumps(state({"pos": i + 1})))
    proc = start_cli({**config, "batch_size_rows": 50}, tmp_path, stderr=subprocess.DEVNULL)
    assert proc.stdin is not None
    assert proc.stdout is not None
    for line in msgs[:300]:  # about 290 records, then killed while reading
        proc.stdin.write(line + "\n")
    proc.stdin.flush()
    emitted: list[dict] = []
    while not emitted or emitted[-1]["pos"] < 200:  # STATEs follow commits
        emitted.append(json.loads(proc.stdout.readline()))
    proc.kill()
    proc.wait(10)
    pos = emitted[-1]["pos"]
    rest = [_object(f"{i}", 2) for i in range(pos, 400)]
    res = run_cli(config, lines(schema_msg(S, PROPS, ["id"]), *rest, activate(S, 2)), tmp_path)
    assert res.returncode == 0, res.stderr
    rows = _rows(db, S)
    assert [k for k, live in rows.items() if not live] == ["gone"]
    assert sum(rows.values()) == 400


def test_mapped_streams_keep_their_versions_keys_too(config, db):
    """Stream maps send records through singer-sdk's general path: versions are kept there too."""
    mapped = {**config, "stream_maps": {S: {"n": None}}}
    _run(mapped, S, ["a", "b", "c"], 1, close=True)
    _run(mapped, S, ["a"], 2, close=False)
    _run(mapped, S, ["b"], 2, close=True)
    assert _rows(db, S) == {"a": True, "b": True, "c": False}


def test_a_version_that_is_no_integer_is_bad_input(config):
    text = lines(STREAMS[S][0], {**_object("a", None), "version": "v2"})
    with pytest.raises(Exception, match="RECORD version 'v2' is not an integer"):
        run_target(config, text)


def test_kept_keys_follow_a_widened_key_column(config, db):
    """A key column widened between the runs of a version (integer to text): the kept keys are
    widened with it, and the close still sees them."""
    integer = schema_msg(S, {"id": {"type": "integer"}}, ["id"])
    text = schema_msg(S, {"id": {"type": "string"}}, ["id"])
    run_target(config, lines(integer, *(rec(S, {"id": i}, 1) for i in (1, 2, 3)), activate(S, 1)))
    run_target(config, lines(integer, rec(S, {"id": 1}, 2)))
    run_target(config, lines(text, rec(S, {"id": "x"}, 2), activate(S, 2)))
    assert dict(db.rows("SELECT id, _sdc_deleted_at IS NULL FROM {s}.contacts")) == {
        "1": True,
        "2": False,
        "3": False,
        "x": True,
    }
