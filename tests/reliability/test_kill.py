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
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from hubspot_simulator.admin import SimulatorAdmin
from psycopg import sql

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
KILLS_PER_SCENARIO = 9  # alternating tap and target: 18 pipe kill points in all
VICTIMS: tuple[Victim, Victim] = ("tap", "target")


def kill_points(seed: str, count: int, max_lines: int) -> list[KillPoint]:
    """Seeded kill points, alternating victims: after N forwarded lines, or N ms after the
    tap's first output line."""
    rng = random.Random(seed)
    points = []
    for n in range(count):
        victim = VICTIMS[n % 2]
        if rng.random() < 0.6:
            points.append(KillPoint(victim, after_lines=rng.randint(1, max_lines)))
        else:  # on this dataset both are done within ~0.5 s of the first line
            limit = 400 if victim == "tap" else 500
            points.append(KillPoint(victim, after_ms=rng.randint(20, limit)))
    return points


def assert_every_row_is_a_source_record(
    pipeline: Pipeline, oracle: Oracle, deleted: dict[str, set[str]], state: dict[str, Any]
) -> None:
    """No row outside the source, except records deleted from it whose stream's full read has
    not completed yet (reconciliation only runs once a stream is complete: a killed run must
    not delete early, and a bookmarked stream must not keep them)."""
    for stream, expected in oracle.objects.items():
        loaded = object_rows(pipeline.db_url, pipeline.schema, stream)  # asserts no duplicates
        foreign = set(loaded) - set(expected)
        gone = deleted.get(stream, set())
        assert foreign <= gone, f"{stream}: rows not in the source: {sorted(foreign - gone)[:5]}"
        if (state.get("bookmarks", {}).get(stream) or {}).get("replication_key_value"):
            assert not foreign, f"{stream} is bookmarked but still has deleted rows {foreign}"


def assert_committed_rows_exact(
    pipeline: Pipeline, oracle: Oracle, before: dict[str, dict[str, dict[str, Any]]]
) -> None:
    """Each row is either its pre-run value or the final source value, never anything else."""
    for stream, expected in oracle.objects.items():
        loaded = object_rows(pipeline.db_url, pipeline.schema, stream)
        # A (killed) run never deletes a row whose record still exists at the source; a late
        # revival by the next run would hide an early delete, so check right after each run.
        vanished = (set(before.get(stream, {})) & set(expected)) - set(loaded)
        assert not vanished, f"{stream}: live rows deleted by a run: {sorted(vanished)[:5]}"
        for record_id, row in loaded.items():
            if record_id not in expected:
                continue  # a record deleted at the source (checked separately)
            if not row_differences(expected[record_id], row):
                continue
            old = before.get(stream, {}).get(record_id)
            torn = f"{stream} {record_id}: a torn row {row_differences(expected[record_id], row)}"
            assert old is not None, torn
            assert not row_differences(
                {k: v for k, v in old.items() if k in expected[record_id]}, row
            ), torn


def all_rows(pipeline: Pipeline, stream: str) -> list[dict[str, Any]]:
    with psycopg.connect(pipeline.db_url, row_factory=psycopg.rows.dict_row) as conn:
        return list(
            conn.execute(
                sql.SQL("SELECT * FROM {}").format(sql.Identifier(pipeline.schema, stream))
            )
        )


def snapshot_rows(pipeline: Pipeline, oracle: Oracle) -> dict[str, dict[str, dict[str, Any]]]:
    return {s: object_rows(pipeline.db_url, pipeline.schema, s) for s in oracle.objects}


def chain_of_kills(
    pipeline: Pipeline,
    oracle: Oracle,
    points: list[KillPoint],
    deleted: dict[str, set[str]] | None = None,
    renew: Callable[[], Oracle] | None = None,
    caught_up: Callable[[dict[str, Any]], bool] | None = None,
) -> tuple[list[str], Oracle]:
    """Run once per kill point, checking the invariants after each.

    When the stored state says the previous run caught up (``caught_up(state)``), ``renew``
    first sets up more work of the same kind (a new full refresh, or new changes) so every
    kill point hits a real sync. Returns a log and the oracle in force at the end.
    """
    log = []
    for point in points:
        if renew is not None and caught_up is not None and caught_up(pipeline.state()):
            oracle = renew()
        before = snapshot_rows(pipeline, oracle)
        result = pipeline.run(point)
        state = pipeline.state()
        vouched = assert_state_covers_only_committed(
            state, pipeline.db_url, pipeline.schema, oracle
        )
        assert_every_row_is_a_source_record(pipeline, oracle, deleted or {}, state)
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
    hits = sum(1 for r in pipeline.results[-len(points) :] if r.killed)
    assert hits >= len(points) - 3, "\n".join(log)
    return log, oracle


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
    """A full refresh over a loaded schema after records were archived and a link removed."""
    pipeline.run()
    admin = pipeline.sim.admin
    contacts = sorted(object_rows(pipeline.db_url, pipeline.schema, "contacts"))
    meetings = sorted(object_rows(pipeline.db_url, pipeline.schema, "meetings"))
    deleted = {"contacts": set(contacts[3:7]), "meetings": {meetings[2]}}
    for stream, ids in deleted.items():
        for record_id in ids:
            admin.archive(stream, record_id)
    link = admin.association_snapshot("meetings", "contacts")[0]
    admin.unassociate("meetings", link["fromId"], "contacts", link["toId"])
    (pipeline.workdir / "state.json").unlink()  # = meltano run --full-refresh
    oracle = pipeline.oracle()
    points = kill_points("full", KILLS_PER_SCENARIO, max_lines=1800)

    def new_full_refresh() -> Oracle:
        (pipeline.workdir / "state.json").unlink()
        return oracle

    def full_read_done(state: dict[str, Any]) -> bool:
        return all(bookmarked(state, stream) for stream in oracle.objects)

    log, oracle = chain_of_kills(
        pipeline, oracle, points, deleted, new_full_refresh, full_read_done
    )
    assert {r.killed for r in pipeline.results} >= {"tap", "target"}, log
    print("\n".join(log))
    finish_and_compare(pipeline, oracle)
    for stream, ids in deleted.items():
        soft = {r["id"] for r in all_rows(pipeline, stream) if r["_sdc_deleted_at"] is not None}
        assert soft == ids, f"{stream}: soft-deleted {soft}, expected {ids}"


def bookmarked(state: dict[str, Any], stream: str, after_ms: int = 0) -> bool:
    """The stream has a bookmark (past ``after_ms``) and no half-read window."""
    bookmark = (state.get("bookmarks") or {}).get(stream) or {}
    value = bookmark.get("replication_key_value")
    return (
        bool(value)
        and "window" not in bookmark
        and (parse_datetime(value).timestamp() * 1000 > after_ms)
    )


def change_source_after_bookmark(admin: SimulatorAdmin, state: dict[str, Any]) -> int:
    """Touch, edit and create records just after the state's contacts bookmark; returns the
    modification time (epoch ms)."""
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
    return at


def test_kill_during_incremental_sync_then_resume(pipeline: Pipeline) -> None:
    pipeline.run()
    first_change = change_source_after_bookmark(pipeline.sim.admin, pipeline.state())
    time.sleep(1.2)  # windows end safety_lag_seconds (1 s) before the sync start
    oracle = pipeline.oracle()
    points = kill_points("incremental", KILLS_PER_SCENARIO, max_lines=1200)

    changed_at = [first_change]

    def new_changes() -> Oracle:
        changed_at.append(change_source_after_bookmark(pipeline.sim.admin, pipeline.state()))
        time.sleep(1.2)
        return pipeline.oracle()

    def changes_read(state: dict[str, Any]) -> bool:
        return all(bookmarked(state, s, changed_at[-1]) for s in oracle.objects)

    log, oracle = chain_of_kills(
        pipeline, oracle, points, renew=new_changes, caught_up=changes_read
    )
    assert {r.killed for r in pipeline.results} >= {"tap", "target"}, log
    print("\n".join(log))
    finish_and_compare(pipeline, oracle)
