"""SIGKILL mid-stream, SIGTERM, then re-run: no partial batch, nothing lost or duplicated."""

from __future__ import annotations

import json
import signal
import subprocess
import time

from target_helpers import rec, run_cli, schema_msg, start_cli, state

S = "contacts"
PROPS = {"id": {"type": "string"}, "n": {"type": ["integer", "null"]}}
BATCH = 100


def _messages(total: int) -> list[str]:
    out = [json.dumps(schema_msg(S, PROPS, ["id"]))]
    for i in range(total):
        out.append(json.dumps(rec(S, {"id": str(i), "n": i})))
        if (i + 1) % 50 == 0:
            out.append(json.dumps(state({"pos": i + 1})))
    return out


def _start(config, tmp_path):
    return start_cli({**config, "batch_size_rows": BATCH}, tmp_path, stderr=subprocess.DEVNULL)


def _committed(db) -> int:
    return db.scalar("SELECT count(*) FROM {s}.contacts") if db.table_exists(S) else 0


def _feed_until_rows(proc, msgs, db, minimum: int) -> None:
    """Feed messages until `minimum` rows are committed. stdin stays open: on a loaded machine
    the target may start after every message was written, and then commits them batch by
    batch while the test waits (the bound only stops a hang)."""
    for i, line in enumerate(msgs):
        proc.stdin.write(line + "\n")
        if i % 20 == 0:
            proc.stdin.flush()
            if _committed(db) >= minimum:
                return
    proc.stdin.flush()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if _committed(db) >= minimum:
            return
        time.sleep(0.05)
    raise AssertionError(f"target never committed {minimum} rows ({_committed(db)} committed)")


def _count_when_settled(db) -> int:
    return db.scalar("SELECT count(*) FROM {s}.contacts")


def test_sigkill_mid_stream_then_rerun(config, db, tmp_path):
    msgs = _messages(1000)
    proc = _start(config, tmp_path)
    _feed_until_rows(proc, msgs, db, 300)
    proc.stdin.write(msgs[-1] + "\n" + json.dumps(rec(S, {"id": "partial", "n": 1})) + "\n")
    proc.stdin.flush()
    time.sleep(0.05)
    proc.kill()
    proc.wait(10)
    states = [json.loads(x) for x in proc.stdout.read().splitlines() if x.strip()]
    count = _count_when_settled(db)
    assert count % BATCH == 0, "a partial batch was committed"
    assert db.scalar("SELECT count(*) FROM {s}.contacts WHERE id = 'partial'") == 0
    assert states, "no STATE emitted for committed batches"
    assert states[-1]["pos"] <= count  # STATE only covers committed rows
    res = run_cli(config, "\n".join(msgs) + "\n", tmp_path)
    assert res.returncode == 0, res.stderr
    assert db.scalar("SELECT count(*) FROM {s}.contacts") == 1000
    assert db.scalar("SELECT count(DISTINCT id) FROM {s}.contacts") == 1000
    assert res.states[-1] == {"pos": 1000}


def test_sigterm_emits_no_state_for_uncommitted(config, db, tmp_path):
    msgs = _messages(1000)
    proc = _start(config, tmp_path)
    _feed_until_rows(proc, msgs, db, 200)
    proc.send_signal(signal.SIGTERM)
    proc.wait(10)
    assert proc.returncode != 0
    states = [json.loads(x) for x in proc.stdout.read().splitlines() if x.strip()]
    count = db.scalar("SELECT count(*) FROM {s}.contacts")
    assert count % BATCH == 0
    assert all(s["pos"] <= count for s in states)


def test_kill_during_full_refresh_deletes_nothing(config, db, tmp_path):
    seed = [json.dumps(schema_msg(S, PROPS, ["id"]))]
    seed += [json.dumps(rec(S, {"id": f"old{i}", "n": i})) for i in range(50)]
    assert run_cli(config, "\n".join(seed) + "\n", tmp_path).returncode == 0
    msgs = _messages(1000)
    msgs.insert(1, json.dumps({"type": "ACTIVATE_VERSION", "stream": S, "version": 2}))
    proc = start_cli(
        {**config, "batch_size_rows": BATCH, "hard_delete": True},
        tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _feed_until_rows(proc, msgs, db, 250)
    proc.kill()
    proc.wait(10)
    assert db.scalar("SELECT count(*) FROM {s}.contacts WHERE left(id, 3) = 'old'") == 50
