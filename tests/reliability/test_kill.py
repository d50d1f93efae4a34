"""kill -9 of the tap or the target at seeded random points of a full and an incremental sync.

Each scenario chains several killed runs (each resuming from the state the previous one
persisted, as Meltano would), checks after every kill that

* every row in the database is exactly a source record (no torn or half-written rows), with no
  duplicate ids, and
* the persisted state never vouches for data that is not committed (every source record with
  ``updated_at`` ≤ the bookmark, and inside a half-read window every record up to ``last_id``,
  is in the table with its source values),

then lets one run finish and requires the database to equal the simulator exactly (ids, values,
associations in both directions).
"""

from __future__ import annotations

import random
import time
from typing import Any

import pytest
from hubspot_simulator.admin import SimulatorAdmin

from tests.oracle import parse_datetime
from tests.reliability.checks import (
    Oracle,
    assert_database_equals_oracle,
    assert_state_covers_only_committed,
    object_rows,
    row_differences,
)
from tests.reliability.conftest import Pipeline
from tests.reliability.pipe import KillPoint, Victim

pytestmark = pytest.mark.slow
KILLS_PER_SCENARIO = 8  # alternating tap and target: 16 pipe kill points in all
VICTIMS: tuple[Victim, Victim] = ("tap", "target")


def kill_points(seed: str, count: int, max_lines: int) -> list[KillPoint]:
    """Seeded kill points, alternating victims: after N forwarded lines or after N ms (the
    tap needs ~1 s to start)."""
    rng = random.Random(seed)
    points = []
    for n in range(count):
        victim = VICTIMS[n % 2]
        if rng.random() < 0.6:
            points.append(KillPoint(victim, after_lines=rng.randint(1, max_lines)))
        else:
            points.append(KillPoint(victim, after_ms=rng.randint(700, 3200)))
    return points


def assert_every_row_is_a_source_record(pipeline: Pipeline, oracle: Oracle) -> None:
    for stream, expected in oracle.objects.items():
        loaded = object_rows(pipeline.db_url, pipeline.schema, stream)  # asserts no duplicates
        foreign = set(loaded) - set(expected)
        assert not foreign, f"{stream}: rows that are not in the source: {sorted(foreign)[:5]}"


def assert_committed_rows_exact(
    pipeline: Pipeline, oracle: Oracle, before: dict[str, dict[str, dict[str, Any]]]
) -> None:
    """Each row is either its pre-run value or the final source value, never anything else."""
    for stream, expected in oracle.objects.items():
        for record_id, row in object_rows(pipeline.db_url, pipeline.schema, stream).items():
            if not row_differences(expected[record_id], row):
                continue
            old = before.get(stream, {}).get(record_id)
            torn = f"{stream} {record_id}: a torn row {row_differences(expected[record_id], row)}"
            assert old is not None, torn
            assert not row_differences(
                {k: v for k, v in old.items() if k in expected[record_id]}, row
            ), torn


def snapshot_rows(pipeline: Pipeline, oracle: Oracle) -> dict[str, dict[str, dict[str, Any]]]:
    return {s: object_rows(pipeline.db_url, pipeline.schema, s) for s in oracle.objects}


def chain_of_kills(pipeline: Pipeline, oracle: Oracle, points: list[KillPoint]) -> list[str]:
    """Run once per kill point, checking the invariants after each; returns a log."""
    log = []
    before = snapshot_rows(pipeline, oracle)
    for point in points:
        result = pipeline.run(point)
        state = pipeline.state()
        vouched = assert_state_covers_only_committed(
            state, pipeline.db_url, pipeline.schema, oracle
        )
        assert_every_row_is_a_source_record(pipeline, oracle)
        assert_committed_rows_exact(pipeline, oracle, before)
        if result.killed is not None:
            assert result.killed == point.victim
            victim_code = (
                result.tap_returncode if point.victim == "tap" else result.target_returncode
            )
            assert victim_code == -9, f"{point}: {victim_code}"
        log.append(
            f"{point}: forwarded {result.lines_forwarded} lines, killed={result.killed},"
            f" {len(result.states)} states, state vouches for {vouched}"
        )
    return log


def finish_and_compare(pipeline: Pipeline, oracle: Oracle) -> None:
    result = pipeline.run()
    assert result.ok
    assert_database_equals_oracle(pipeline.db_url, pipeline.schema, oracle)
    state = pipeline.state()
    for stream in oracle.objects:
        assert state["bookmarks"][stream]["replication_key_value"]
        assert "window" not in state["bookmarks"][stream]
    assert_state_covers_only_committed(state, pipeline.db_url, pipeline.schema, oracle)


def test_kill_during_full_sync_then_resume(pipeline: Pipeline) -> None:
    oracle = pipeline.oracle()
    points = kill_points("full", KILLS_PER_SCENARIO, max_lines=1800)
    log = chain_of_kills(pipeline, oracle, points)
    assert {r.killed for r in pipeline.results} >= {"tap", "target"}, log
    finish_and_compare(pipeline, oracle)


def change_source_after_bookmark(admin: SimulatorAdmin, state: dict[str, Any]) -> None:
    """Touch, edit and create records just after the state's contacts bookmark."""
    bookmark = state["bookmarks"]["contacts"]["replication_key_value"]
    at = int(parse_datetime(bookmark).timestamp() * 1000) + 500
    admin.touch("contacts", count=220, offset=5, at=at)
    admin.touch("meetings", count=45, offset=3, at=at)
    contacts = [
        o["id"] for o in admin.snapshot("contacts", ["email"])["objects"] if not o["archived"]
    ]
    for n, contact_id in enumerate(contacts[10:40]):
        admin.update_object(
            "contacts", contact_id, {"city": f"Kill-résumé ✓ {n}", "firstname": None}, at=at
        )
    for n in range(5):
        admin.create_object("contacts", {"email": f"new{n}@kill.example", "city": "New"}, at=at)
    meetings = [
        o["id"]
        for o in admin.snapshot("meetings", ["hs_meeting_title"])["objects"]
        if not o["archived"]
    ]
    admin.update_object("meetings", meetings[4], {"hs_meeting_title": "Retitled 'quote'"}, at=at)


def test_kill_during_incremental_sync_then_resume(pipeline: Pipeline) -> None:
    pipeline.run()
    change_source_after_bookmark(pipeline.sim.admin, pipeline.state())
    time.sleep(1.2)  # windows end safety_lag_seconds (1 s) before the sync start
    oracle = pipeline.oracle()
    points = kill_points("incremental", KILLS_PER_SCENARIO, max_lines=1200)
    log = chain_of_kills(pipeline, oracle, points)
    assert {r.killed for r in pipeline.results} >= {"tap", "target"}, log
    finish_and_compare(pipeline, oracle)
