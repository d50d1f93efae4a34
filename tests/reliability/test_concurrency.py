"""Concurrent runs: two ``meltano run`` of the same job started together, and two targets
writing the same table at once."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import threading
import time
import uuid
from pathlib import Path

import psycopg
import pytest
from pipeline_devtools.postgres import Database

from tests.conftest import MELTANO, MeltanoProject
from tests.reliability.checks import (
    ASSOCIATION_STREAMS,
    Oracle,
    assert_database_equals_oracle,
    assert_state_covers_only_committed,
)
from tests.reliability.conftest import CAPTURED, FAST_TAP_LIMITS, SECRETS, Secrets
from tests.reliability.pipe import TARGET, write_json
from tests.reliability.singer import dumps, record, schema, state, states_of

RUN = ("run", "tap-hubspot-assoc", "target-hubspot-overwrite")
STATE_ID = "dev:tap-hubspot-assoc-to-target-hubspot-overwrite"


@pytest.mark.e2e
def test_two_meltano_runs_of_the_same_job_started_together(
    meltano_project: MeltanoProject, sim, database: Database, secret_role: Secrets
) -> None:
    project = meltano_project
    project.env["HUBSPOT_ACCESS_TOKEN"] = secret_role.access_token
    project.env["PIPELINE_SQLALCHEMY_URL"] = secret_role.db_url(database)
    project.set_config("TAP_HUBSPOT_ASSOC", "safety_lag_seconds", 1)
    for name, value in FAST_TAP_LIMITS.items():
        project.set_config("TAP_HUBSPOT_ASSOC", name, value)
    project.set_config("TARGET_HUBSPOT_OVERWRITE", "batch_size_rows", 40)
    oracle = Oracle.from_simulator(sim, association_streams=ASSOCIATION_STREAMS)
    # Migrate the system database first: two *first* runs on a fresh one race in Meltano's
    # migrations ("table plugin_settings already exists"), a Meltano limitation.
    project.run("state", "list")
    # Meltano's running-job check is not atomic (two runs started in the same instant can both
    # pass it), so the second run starts once the first has written its RUNNING job row, while
    # slow answers keep the first one running; then the refusal is the only right outcome.
    sim.admin.set_latency("off", endpoints={"list": {"fixedMs": 500, "perRecordMs": 0}})
    try:
        first = _popen_meltano(project)
        _wait_for_running_job(
            Path(project.env["MELTANO_DATABASE_URI"].removeprefix("sqlite:///")), first
        )
        second = _popen_meltano(project)
        outputs = [p.communicate(timeout=300)[0] for p in (first, second)]
    finally:
        sim.admin.set_latency("off")
    CAPTURED.extend(outputs)
    codes = [first.returncode, second.returncode]
    tails = [out[-3000:] for out in outputs]
    assert "pipeline is already running" not in outputs[0], tails[0]
    assert codes == [0, 1], tails
    refusals = [line for line in outputs[1].splitlines() if "already running" in line]
    assert refusals, tails[1]
    assert "pipeline is already running" in refusals[0], refusals
    # Two runs loading at once take turns per table (the target's advisory lock): at most one
    # waited for each table.
    waiting = re.findall(r"Table (\S+) is being loaded by another run", "".join(outputs))
    assert len(waiting) == len(set(waiting)), waiting
    # Whatever happened, the writes did not interleave into a wrong table or state.
    assert_database_equals_oracle(project.database_url, project.schema, oracle)
    assert_state_covers_only_committed(
        project.state(STATE_ID)["singer_state"], project.database_url, project.schema, oracle
    )
    print(f"concurrent meltano runs exited {codes}")


def _popen_meltano(project: MeltanoProject) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(MELTANO), *RUN],
        cwd=project.directory,
        env=project.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait_for_running_job(system_db: Path, run: subprocess.Popen[str]) -> None:
    """Until Meltano's system database holds a RUNNING job (60 s at most, while ``run`` lives)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and run.poll() is None:
        with sqlite3.connect(system_db) as conn:
            running = conn.execute("SELECT count(*) FROM runs WHERE state = 'RUNNING'").fetchone()
        if running[0]:
            return
        time.sleep(0.1)
    pytest.fail(f"no RUNNING job row appeared (first run exited {run.poll()})")


def _start_target(config: dict, tmp_path: Path) -> subprocess.Popen[bytes]:
    cfg = tmp_path / f"target-{uuid.uuid4().hex[:6]}.json"
    write_json(cfg, config)
    return subprocess.Popen(
        [str(TARGET), "--config", str(cfg)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_two_targets_writing_the_same_table_serialize_on_an_advisory_lock(
    pg_database_url: str, secret_role: Secrets, tmp_path: Path
) -> None:
    config = {
        "sqlalchemy_url": SECRETS.db_url(Database(pg_database_url, "scratch database")),
        "default_target_schema": "crm",
        "batch_size_rows": 50,
    }
    # Create the table first, then make every write statement take a while.
    write_json(tmp_path / "seed.json", config)
    seed = subprocess.run(
        [str(TARGET), "--config", str(tmp_path / "seed.json")],
        input="\n".join(dumps(schema("c"), record("c", {"id": "seed"}))).encode(),
        capture_output=True,
        check=False,
    )
    assert seed.returncode == 0, seed.stderr.decode()[-2000:]
    with psycopg.connect(pg_database_url, autocommit=True) as conn:
        conn.execute("""
            CREATE FUNCTION crm.slow() RETURNS trigger LANGUAGE plpgsql AS
            $$ BEGIN PERFORM pg_sleep(0.4); RETURN NULL; END $$;
            CREATE TRIGGER slow AFTER INSERT OR UPDATE ON crm.c
            FOR EACH STATEMENT EXECUTE FUNCTION crm.slow();""")

    def load(writer: str, sign: int) -> list[str]:
        return dumps(
            schema("c"),
            *(record("c", {"id": f"r{n}", "n": sign * n, "label": writer}) for n in range(300)),
            state({"writer": writer}),
        )

    waits: list[tuple[int, str]] = []  # (backend pid, wait event) of every sampled lock wait
    stop = threading.Event()

    def watch_locks() -> None:
        with psycopg.connect(pg_database_url, autocommit=True) as conn:
            while not stop.is_set():
                waits.extend(
                    (r[0], r[1])
                    for r in conn.execute(
                        "SELECT pid, wait_event FROM pg_stat_activity WHERE application_name = "
                        "'target-hubspot-overwrite' AND datname = current_database() AND "
                        "wait_event_type = 'Lock'"
                    )
                )
                time.sleep(0.02)

    watcher = threading.Thread(target=watch_locks)
    watcher.start()
    procs = {w: _start_target(config, tmp_path) for w in ("A", "B")}
    results: dict[str, tuple[bytes, bytes]] = {}

    def feed(writer: str) -> None:
        lines = load(writer, 1 if writer == "A" else -1)
        results[writer] = procs[writer].communicate(("\n".join(lines) + "\n").encode(), 120)

    feeders = [threading.Thread(target=feed, args=(w,)) for w in procs]
    for thread in feeders:
        thread.start()
    for thread in feeders:
        thread.join()
    stop.set()
    watcher.join()
    for writer, (out, err) in results.items():
        CAPTURED.append(out.decode(errors="replace") + err.decode(errors="replace"))
        assert procs[writer].returncode == 0, err.decode()[-2000:]
        assert states_of(out) == [{"writer": writer}]
    # The lock is held for the whole run (target: lock_table_for_run): one connection waited
    # for it, the other never did. With a lock per batch transaction each would in turn wait
    # for the other's batch.
    advisory_waiters = {pid for pid, event in waits if event == "advisory"}
    assert len(advisory_waiters) == 1, f"connections waiting for the advisory lock: {waits}"
    waited = [w for w, (_, err) in results.items() if b"being loaded by another run" in err]
    assert len(waited) == 1, waited  # ... and that target said so
    second = waited[0]
    with psycopg.connect(pg_database_url) as conn:
        rows = conn.execute("SELECT id, n, label FROM crm.c WHERE id <> 'seed'").fetchall()
    # The second run wrote after the first: every row is the second run's.
    sign = 1 if second == "A" else -1
    assert sorted(rows) == sorted((f"r{n}", sign * n, second) for n in range(300))
