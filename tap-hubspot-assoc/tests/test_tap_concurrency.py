"""Requests in flight at once: overlap under latency, the shared limiter, and output and state
identical to a sequential run (max_concurrent_requests = 1). Nothing here is timed: overlap is
read from the simulator's in-flight peak, limits from its 429 count."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from assoc_helpers import assert_markers_follow_their_records, emitted_rows, expected_rows
from tap_helpers import TapOutput, run_tap, tap_config
from tap_hubspot_assoc.ratelimit import RollingWindowLimiter

PAIRS = [{"from": "meetings", "to": "contacts"}]
TYPES = ["contacts", "meetings"]
RUN_CLOCK_FIELDS = ("synced_at", "seen_at", "counted_at")  # when the run saw it, not data
SLOW_ASSOCIATIONS = {"association_batch_read": {"fixedMs": 150, "perRecordMs": 0}}


def _records(output: TapOutput) -> dict[str, list[dict[str, Any]]]:
    """Every stream's records in emitted order, without the run's own clock readings."""
    streams: dict[str, list[dict[str, Any]]] = {}
    for message in output.messages:
        if message["type"] == "RECORD":
            record = dict(message["record"])
            for clock_field in RUN_CLOCK_FIELDS:
                record.pop(clock_field, None)
            streams.setdefault(message["stream"], []).append(record)
    return streams


def _state(output: TapOutput) -> dict[str, Any]:
    """The final state without the values that depend on the run's start time."""
    state = copy.deepcopy(output.final_state)
    for bookmark in state.get("bookmarks", {}).values():
        bookmark.pop("replication_key_value", None)
        bookmark.pop("window", None)
    return state


def _run(simulator, config: dict[str, Any], state=None) -> tuple[TapOutput, int]:
    simulator.admin.reset_request_counts()
    output = run_tap(config, state=state)
    return output, simulator.admin.request_counts()["maxInFlight"]


def test_concurrent_reads_overlap_and_write_what_a_sequential_run_writes(simulator):
    admin = simulator.admin
    admin.reset(seed=11, contacts=4000, meetings=900, appointments=0)
    admin.set_rate_limits(enabled=False)
    admin.set_latency("off", endpoints=SLOW_ASSOCIATIONS, jitter=0)
    # Full reads stay on list pages (no keyset switch, whose pages come in answer order):
    # this compares the order of everything written; test_tap_read_plan covers the switch.
    base = tap_config(
        simulator, object_types=TYPES, association_pairs=PAIRS, read_plan="fewest_requests"
    )
    sequential = {**base, "max_concurrent_requests": 1}
    concurrent = {**base, "max_concurrent_requests": 8}

    full_seq, peak_seq = _run(simulator, sequential)
    full_con, peak_con = _run(simulator, concurrent)
    assert peak_seq == 1
    assert peak_con >= 2  # association batch reads were in flight together
    assert _records(full_con) == _records(full_seq)
    assert _state(full_con) == _state(full_seq)
    assert_markers_follow_their_records(full_con)
    for from_type, to_type in (("contacts", "meetings"), ("meetings", "contacts")):
        assert set(emitted_rows(full_con, from_type, to_type)) == expected_rows(
            admin, from_type, to_type
        )

    admin.touch("contacts", count=2600, offset=5)
    admin.touch("meetings", count=300, offset=5)
    incr_seq, _ = _run(simulator, sequential, state=full_seq.final_state)
    incr_con, peak = _run(simulator, concurrent, state=full_seq.final_state)
    assert peak >= 2
    assert len(incr_con.records("contacts")) >= 2600
    assert _records(incr_con) == _records(incr_seq)
    assert _state(incr_con) == _state(incr_seq)
    # every mid-window checkpoint comes after the markers of the parents it covers
    _assert_checkpoints_wait_for_markers(incr_con)


def test_the_shared_limiter_holds_with_many_requests_in_flight(simulator):
    """A tight server limit (12 per second) with slow (1.5 s) association answers and 16 requests
    allowed in flight: the tap is rate-limited while several requests are outstanding, and
    the server never answers 429."""
    admin = simulator.admin
    admin.reset(seed=3, contacts=6000, meetings=1500, appointments=0)
    admin.set_rate_limits(enabled=True, burst=12, window_ms=1000, search_per_second=5)
    slow = {"association_batch_read": {"fixedMs": 1500, "perRecordMs": 0}}
    admin.set_latency("off", endpoints=slow, jitter=0)
    config = tap_config(
        simulator,
        object_types=TYPES,
        association_pairs=PAIRS,
        max_concurrent_requests=16,
        requests_per_ten_seconds=100,
    )
    admin.reset_request_counts()
    output = run_tap(config)
    counts = admin.request_counts()
    assert counts["maxInFlight"] >= 3
    assert counts["statuses"].get("429", 0) == 0, counts["statuses"]
    assert counts["total"] > 3 * 12  # several windows' worth: the limit was binding
    assert set(emitted_rows(output, "contacts", "meetings")) == expected_rows(
        admin, "contacts", "meetings"
    )


def _assert_checkpoints_wait_for_markers(output: TapOutput) -> None:
    marked: set[str] = set()
    emitted: list[str] = []
    checked = 0
    for message in output.messages:
        if message["type"] == "RECORD" and message["stream"] == "contacts":
            emitted.append(message["record"]["id"])
        elif message["type"] == "RECORD" and message["stream"] == "association_parent_syncs":
            if message["record"]["association_stream"] == "contacts_to_meetings_associations":
                marked.add(message["record"]["from_object_id"])
        elif message["type"] == "STATE":
            window = message["value"]["bookmarks"].get("contacts", {}).get("window") or {}
            if window.get("last_id"):
                covered = {i for i in emitted if int(i) <= int(window["last_id"])}
                assert covered <= marked
                checked += 1
    assert checked >= 2


def test_held_tokens_count_while_in_flight_and_return_one_interval_after_the_answer():
    now = [80.0]
    limiter = RollingWindowLimiter(2, 10.0, clock=lambda: now[0], sleep=lambda s: None)
    limiter.acquire(hold=True)  # a new limiter's first request goes alone: the answer comes
    limiter.settle()  # back (its token has returned by 100 s), then requests go in parallel
    now[0] = 100.0
    limiter.acquire(hold=True)
    limiter.acquire(hold=True)
    assert limiter.in_flight == 2
    assert limiter.time_until_free() > 0  # both tokens are out, none spent yet
    now[0] = 103.0  # the answers arrive 3 s later: the server counted them by then
    limiter.settle()
    limiter.settle()
    assert limiter.in_flight == 0
    now[0] = 112.0  # 12 s after sending, but only 9 s after the answers
    assert limiter.time_until_free() == pytest.approx(1.05)
    now[0] = 113.06
    assert limiter.time_until_free() == 0


def test_a_search_429_keeps_tokens_longer_once_per_window_up_to_a_cap():
    now = [100.0]
    limiter = RollingWindowLimiter(5, 1.0, clock=lambda: now[0], sleep=lambda s: None)
    limiter.acquire()
    assert limiter.time_until_free() == 0  # 4 of 5 tokens left
    for _ in range(4):
        limiter.acquire()
    assert limiter.time_until_free() == pytest.approx(1.05)
    assert limiter.widen_margin() == pytest.approx(0.10)
    assert limiter.widen_margin() == pytest.approx(0.10)  # the same burst of refusals
    assert limiter.time_until_free() == pytest.approx(1.10)
    for second in range(1, 10):
        now[0] = 100.0 + second
        limiter.widen_margin()
    assert limiter.margin == pytest.approx(0.30)  # MAX_MARGIN_SECONDS
