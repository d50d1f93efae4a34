"""kill -9 of the whole ``meltano run`` process group (meltano, tap and target) at seeded random
moments of a full and an incremental sync, then resume through Meltano's own state backend.

Also pins Meltano's real behaviour after such a kill: the killed job stays marked as running, so
the next ``meltano run`` of the same state id refuses with a clear message (for 5 minutes, until
the job counts as stale) unless ``--force`` is given.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time

import pytest
from hubspot_simulator.admin import SimulatorAdmin

from tests.conftest import MELTANO, MeltanoProject
from tests.reliability.checks import (
    ASSOCIATION_STREAMS,
    Oracle,
    assert_database_equals_oracle,
    assert_state_covers_only_committed,
    object_rows,
)
from tests.reliability.conftest import CAPTURED, FAST_TAP_LIMITS, Secrets
from tests.reliability.test_kill import change_source_after_bookmark

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
TAP, TARGET = "TAP_HUBSPOT_ASSOC", "TARGET_HUBSPOT_OVERWRITE"
RUN = ("run", "tap-hubspot-assoc", "target-hubspot-overwrite")
STATE_ID = "dev:tap-hubspot-assoc-to-target-hubspot-overwrite"
REFUSAL = "pipeline is already running"


def simulator_admin(project: MeltanoProject) -> SimulatorAdmin:
    """The admin client of the simulator this project syncs from."""
    return SimulatorAdmin(project.env["TAP_HUBSPOT_ASSOC_API_URL"])


@pytest.fixture
def project(meltano_project: MeltanoProject, sim, database, secret_role: Secrets) -> MeltanoProject:
    meltano_project.env["HUBSPOT_ACCESS_TOKEN"] = secret_role.access_token
    meltano_project.env["PIPELINE_SQLALCHEMY_URL"] = secret_role.db_url(database)
    meltano_project.set_config(TAP, "safety_lag_seconds", 1)
    for name, value in FAST_TAP_LIMITS.items():
        meltano_project.set_config(TAP, name, value)
    meltano_project.set_config(TARGET, "batch_size_rows", 40)
    return meltano_project


def kill_meltano_after(
    project: MeltanoProject, delay_s: float, *extra: str
) -> tuple[int | None, str]:
    """Start ``meltano run`` in its own process group and SIGKILL the group after ``delay_s``."""
    proc = subprocess.Popen(
        [str(MELTANO), *RUN, *extra],
        cwd=project.directory,
        env=project.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        proc.wait(timeout=delay_s)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    output = proc.stdout.read() if proc.stdout else ""
    CAPTURED.append(output)
    _wait_group_gone(proc.pid)
    return (None if proc.returncode == -9 else proc.returncode), output


def _wait_group_gone(pgid: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    raise AssertionError(f"process group {pgid} survived SIGKILL")


def resume_after_kill(project: MeltanoProject) -> bool:
    """Re-run: Meltano refuses while the killed job looks alive, so the resume needs --force.

    Returns whether the plain re-run was refused.
    """
    started = time.monotonic()
    plain = project.run(*RUN, expect_success=False)
    CAPTURED.append(plain.stdout + plain.stderr)
    if plain.returncode == 0:
        return False  # the kill came before the job row was written
    assert REFUSAL in plain.stderr + plain.stdout, plain.stderr[-3000:]
    assert "--force" in plain.stderr + plain.stdout
    assert time.monotonic() - started < 30  # refuses at once, does not wait
    forced = project.run(*RUN, "--force")
    CAPTURED.append(forced.stdout + forced.stderr)
    return True


# Every API call answered this much later while kills are aimed, so the sync outlasts Meltano's
# start-up by several seconds however fast the machine (and the plugins) are; the kill points
# then land mid-sync instead of after a finished run.
SLOW_API_MS = 250


def kill_chain(
    project: MeltanoProject, oracle: Oracle, seed: str, count: int, forced: bool = False
) -> list[str]:
    rng = random.Random(seed)
    log: list[str] = []
    admin = simulator_admin(project)
    admin.add_fault("slow", count=None, delay_ms=SLOW_API_MS)
    try:
        log = _kills(project, oracle, rng, count, forced)
    finally:
        admin.clear_faults()
    return log


def _kills(
    project: MeltanoProject, oracle: Oracle, rng: random.Random, count: int, forced: bool
) -> list[str]:
    log: list[str] = []
    for n in range(count):
        delay = rng.uniform(2.5, 6.0)
        code, _ = kill_meltano_after(project, delay, *(["--force"] if n or forced else []))
        state = project.state(STATE_ID).get("singer_state", {})
        vouched = assert_state_covers_only_committed(
            state, project.database_url, project.schema, oracle
        )
        for stream, expected in oracle.objects.items():
            loaded = object_rows(project.database_url, project.schema, stream)
            assert set(loaded) <= set(expected), f"{stream}: rows not in the source"
        log.append(f"kill after {delay:.2f}s: exit={code}, state vouches for {vouched}")
    return log


def test_kill_meltano_run_during_full_and_incremental_sync(project: MeltanoProject, sim) -> None:
    oracle = Oracle.from_simulator(sim, association_streams=ASSOCIATION_STREAMS)
    log = kill_chain(project, oracle, "meltano-full", 2)
    assert any(line.endswith("exit=None") or "exit=None," in line for line in log), log
    assert resume_after_kill(project), "a killed meltano run should leave its job 'running'"
    assert_database_equals_oracle(project.database_url, project.schema, oracle)
    singer_state = project.state(STATE_ID)["singer_state"]
    assert_state_covers_only_committed(singer_state, project.database_url, project.schema, oracle)

    # Incremental: change the source after the stored bookmark, kill again, resume.
    change_source_after_bookmark(sim.admin, singer_state)
    time.sleep(1.2)  # the incremental window ends safety_lag_seconds before the sync start
    oracle = Oracle.from_simulator(sim, association_streams=ASSOCIATION_STREAMS)
    # The killed job of the first phase still counts as running (stale only after 5 minutes).
    log += kill_chain(project, oracle, "meltano-incremental", 2, forced=True)
    project.run(*RUN, "--force")
    assert_database_equals_oracle(project.database_url, project.schema, oracle)
    assert_state_covers_only_committed(
        project.state(STATE_ID)["singer_state"], project.database_url, project.schema, oracle
    )
    print("\n".join(log))
