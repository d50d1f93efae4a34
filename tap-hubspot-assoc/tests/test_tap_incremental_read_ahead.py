"""Incremental reads read ahead (issue 22): the same output and state as a sequential run.

The simulator's whole-portal preset, first read in full; then records of many types are
modified, archived and merged, and the contacts' state is given an interrupted window to
resume. Both runs below start from that state at one fixed sync start: one with
`max_concurrent_requests: 1` (nothing read ahead), one reading every type's incremental
pages ahead on threads of their own.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import io
import logging
import re
from typing import Any

import pytest
from hubspot_simulator.admin import SimulatorAdmin
from hubspot_simulator.testing import SimulatorProcess
from tap_helpers import TapOutput, now_ms, parse_messages, tap_config
from tap_hubspot_assoc.errors import HubSpotAPIError
from tap_hubspot_assoc.incremental_reads import (
    IncrementalSource,
    IncrementalStart,
    Reach,
    ReadStep,
    steps_of,
)
from tap_hubspot_assoc.properties import format_datetime, parse_datetime
from tap_hubspot_assoc.read_ahead import PageBudget, ReadAheads
from tap_hubspot_assoc.streams import CrmObjectStream
from tap_hubspot_assoc.tap import TapHubspotAssoc

CHANGED = ("contacts", "companies", "deals", "tickets", "meetings", "calls", "notes", "pets")
ARCHIVED = ("companies", "deals", "calls")
RUN_CLOCK = ("synced_at", "seen_at", "counted_at")  # fields stamped with the run's own clock
SIGNPOST = "replication_key_signpost"  # singer-sdk's clock at the stream's start


def run_at(
    config: dict[str, Any], state: dict[str, Any], started: dt.datetime
) -> tuple[TapOutput, BaseException | None]:
    """Sync in-process as if started at `started`; the messages and the error, if any."""
    state = copy.deepcopy(state)  # the tap moves the state it is given
    tap = TapHubspotAssoc(config=config, state=state, parse_env_config=False)
    for stream in tap.streams.values():
        if isinstance(stream, CrmObjectStream):
            stream.sync_started_at = started
    buffer = io.StringIO()
    error: BaseException | None = None
    with contextlib.redirect_stdout(buffer):
        try:
            tap.sync_all()
        except HubSpotAPIError as exc:
            error = exc
    return parse_messages(buffer.getvalue()), error


def without_run_clock(output: TapOutput) -> list[dict[str, Any]]:
    """Every message, the fields stamped with the run's clock blanked (table versions, also
    numbered from the clock, replaced by their order of appearance)."""
    out = []
    versions: dict[int, int] = {}
    for message in output.messages:
        if "version" in message:
            message = {**message, "version": versions.setdefault(message["version"], len(versions))}
        if message["type"] == "RECORD":
            record = {k: (None if k in RUN_CLOCK else v) for k, v in message["record"].items()}
            message = {**message, "record": record, "time_extracted": None}
        elif message["type"] == "STATE":
            bookmarks = {
                name: {k: v for k, v in bookmark.items() if k != SIGNPOST}
                for name, bookmark in message["value"].get("bookmarks", {}).items()
            }
            message = {**message, "value": {**message["value"], "bookmarks": bookmarks}}
        out.append(message)
    return out


def whole_portal_config(sim: SimulatorProcess, **extra: Any) -> dict[str, Any]:
    """The simulator reset to the portal preset (no rate limits) and a config reading all of
    it, archived records included."""
    sim.admin.reset_portal()
    sim.admin.set_rate_limits(enabled=False)
    return tap_config(
        sim, object_types="all", association_pairs="all", include_archived=True, **extra
    )


@pytest.fixture
def changed_portal(fresh_simulator: SimulatorProcess) -> dict[str, Any]:
    """The portal after a first run and changes in many types; the state to start from,
    with an interrupted contacts window; the config and a sync start after the changes."""
    config = whole_portal_config(fresh_simulator)
    admin = fresh_simulator.admin
    first, _ = run_at(config, {}, dt.datetime.now(tz=dt.UTC))
    state = first.final_state
    bookmark = parse_datetime(state["bookmarks"]["contacts"]["replication_key_value"])
    assert bookmark is not None
    at = max(now_ms(), int(bookmark.timestamp() * 1000) + 1)
    for name in CHANGED:
        admin.touch(name, count=250 if name == "contacts" else 20, offset=5, at=at)
    for name in ARCHIVED:
        admin.archive(name, _active_ids(admin, name)[-1], at=at)
    contacts = _active_ids(admin, "contacts")
    admin.merge("contacts", contacts[10], contacts[11], at=at)
    touched = sorted(
        int(i)
        for i, o in _objects(admin, "contacts").items()
        if not o["archived"] and o["updatedAt"] == format_datetime(parse_datetime(str(at)))
    )
    # The contacts' window [bookmark, at] was interrupted after the 100th touched id.
    state["bookmarks"]["contacts"]["window"] = {
        "start": state["bookmarks"]["contacts"]["replication_key_value"],
        "end": format_datetime(parse_datetime(str(at))),
        "last_id": str(touched[99]),
    }
    started = dt.datetime.fromtimestamp(at / 1000 + 2, tz=dt.UTC)
    return {"admin": admin, "config": config, "state": state, "started": started}


def _objects(admin: SimulatorAdmin, name: str) -> dict[str, dict[str, Any]]:
    return {o["id"]: o for o in admin.snapshot(name)["objects"]}


def _active_ids(admin: SimulatorAdmin, name: str) -> list[str]:
    return sorted((i for i, o in _objects(admin, name).items() if not o["archived"]), key=int)


def test_an_incremental_run_read_ahead_writes_what_a_sequential_run_writes(
    changed_portal: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    """Record for record, marker for marker and STATE for STATE: the resumed window,
    archived records, merges and every type's new window; association batches fetched
    ahead (every one used, sets re-read for merge survivors left out)."""
    config, state, started = (changed_portal[k] for k in ("config", "state", "started"))
    sequential, _ = run_at({**config, "max_concurrent_requests": 1}, state, started)
    with caplog.at_level(logging.INFO):
        ahead, _ = run_at(config, state, started)
    said = [r.getMessage() for r in caplog.records]
    assert any(m.startswith("Reading ahead: the pages of") and "incremental" in m for m in said)
    assert any(m.startswith("Resuming contacts window") for m in said)
    assert without_run_clock(ahead) == without_run_clock(sequential)
    used = {}  # association batch reads fetched ahead (association/prefetch.py), by type
    for m in said:
        if found := re.fullmatch(r"Associations from (\w+): (\d+) of (\d+) batch reads .*", m):
            used[found[1]] = (int(found[2]), int(found[3]))
    assert used["contacts"][0] >= 20  # 20 directions, the resumed and the new window
    assert all(n > 0 for n, _ in used.values())
    assert all(n == fetched for n, fetched in used.values()), used  # every one was used
    for name in CHANGED:  # the changes were read
        assert len(ahead.records(name)) >= 20, name
    assert any(r["archived"] for r in ahead.records("companies"))
    assert ahead.records("merges")


@pytest.mark.parametrize("plan", ["lists", "searches"])
def test_a_first_run_since_start_date_read_ahead_writes_what_a_sequential_run_writes(
    fresh_simulator: SimulatorProcess,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    plan: str,
) -> None:
    """A first run with start_date is incremental: its list plan (every record listed, kept
    to the window; chosen here for every type, the portal's small types would search) or its
    windowed search, read ahead, writes the sequential run's messages."""
    if plan == "lists":
        monkeypatch.setattr(
            "tap_hubspot_assoc.planned_reads.filtered_list_or_window",
            lambda window_records, all_records, shape: (True, 0, 0),
        )
    config = whole_portal_config(fresh_simulator, start_date="2000-01-01T00:00:00Z")
    started = dt.datetime.now(tz=dt.UTC)
    sequential, _ = run_at({**config, "max_concurrent_requests": 1}, {}, started)
    with caplog.at_level(logging.INFO):
        ahead, _ = run_at(config, {}, started)
    said = [r.getMessage() for r in caplog.records]
    chosen = "list pages filtered" if plan == "lists" else "windowed keyset search"
    assert any(f"Plan contacts: first run since start_date: {chosen}" in m for m in said)
    assert any(m.startswith("Reading ahead: the pages of") and "incremental" in m for m in said)
    assert without_run_clock(ahead) == without_run_clock(sequential)
    assert len(ahead.records("contacts")) > 500


def test_no_state_claims_a_record_written_after_it(changed_portal: dict[str, Any]) -> None:
    """A STATE written while one stream is written holds the other streams' positions as
    their own records stand: no later record of a stream lies inside its STATE's window up
    to the last id, nor before its bookmark (archived records are listed, not searched)."""
    config, state, started = (changed_portal[k] for k in ("config", "state", "started"))
    output, _ = run_at(config, state, started)
    claims: dict[str, dict[str, Any]] = {}
    checked = 0
    for message in output.messages:
        if message["type"] == "STATE":
            claims = message["value"]["bookmarks"]
            continue
        if message["type"] != "RECORD" or message["record"].get("archived") is not False:
            continue
        claim = claims.get(message["stream"]) or {}
        if "replication_key_value" not in claim:
            continue
        record = message["record"]
        updated = parse_datetime(record["updated_at"])
        bookmark = parse_datetime(claim["replication_key_value"])
        assert updated is not None
        assert bookmark is not None
        assert updated >= bookmark, (message["stream"], record["id"], claim)
        window = claim.get("window") or {}
        if window.get("last_id"):
            start, end = parse_datetime(window["start"]), parse_datetime(window["end"])
            assert start is not None
            assert end is not None
            inside = start <= updated <= end
            assert not (inside and int(record["id"]) <= int(window["last_id"])), (record, claim)
        checked += 1
    assert checked > 400


def test_a_failing_read_ahead_raises_at_its_streams_turn(changed_portal: dict[str, Any]) -> None:
    """Tickets' searches answer 404: their source fails at the sync's start, but the run
    writes every stream before tickets (and their STATE) as a sequential run does, then
    fails at the same point."""
    admin, config, state, started = (
        changed_portal[k] for k in ("admin", "config", "state", "started")
    )
    admin.add_fault("status", count=None, path="tickets/search", status=404)
    sequential, sequential_error = run_at({**config, "max_concurrent_requests": 1}, state, started)
    ahead, error = run_at(config, state, started)
    admin.clear_faults()
    assert sequential_error is not None
    assert error is not None
    assert error.status == sequential_error.status == 404  # type: ignore[attr-defined]
    streams = [m["stream"] for m in ahead.messages if m["type"] == "RECORD"]
    assert "contacts" in streams
    assert "tickets" not in streams
    assert without_run_clock(ahead) == without_run_clock(sequential)


def test_steps_read_ahead_from_another_state_are_dropped_and_read_now() -> None:
    """The stream's state at its turn is not the one its read-ahead started from: the pages
    read ahead are cancelled and the source reads from the state as it is."""
    read_end = dt.datetime(2026, 1, 2, tzinfo=dt.UTC)
    then = IncrementalStart(None, None)
    now = IncrementalStart(dt.datetime(2026, 1, 1, tzinfo=dt.UTC), None)
    source = IncrementalSource(
        "contacts", {}, None, None, now, read_end, False, logging.getLogger("test")
    )  # type: ignore[arg-type]  # steps() is not run: reader and planner unused
    reading = ReadAheads(PageBudget(limit=2))
    stale = reading.start("contacts", lambda: iter([ReadStep(Reach.NOTHING)] * 5))
    steps = steps_of(source, (then, stale))
    assert stale.cancelled
    assert getattr(steps, "gi_code", None) is source.steps.__func__.__code__  # type: ignore[attr-defined]
    same = reading.start("contacts", lambda: iter([ReadStep(Reach.NOTHING)] * 5))
    assert list(steps_of(source, (now, same))) == [ReadStep(Reach.NOTHING)] * 5
    reading.cancel_all()
