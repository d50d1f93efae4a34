"""Pure-logic tests: typing and conversion, request budgets, the limiter, the state format."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from tap_hubspot_assoc.chunking import chunk_for_query, encoded_list_length
from tap_hubspot_assoc.concurrency import RequestPool
from tap_hubspot_assoc.properties import (
    PropertyDef,
    field_name_for,
    parse_property_definitions,
    record_schema,
)
from tap_hubspot_assoc.ratelimit import RollingWindowLimiter
from tap_hubspot_assoc.readers import Window
from tap_hubspot_assoc.sync_state import StreamProgress


@pytest.mark.parametrize(
    ("hubspot_type", "raw", "expected"),
    [
        ("number", "42", 42),
        ("number", "12345678901234567890", 12345678901234567890),
        ("number", "1.5", 1.5),
        ("number", "", None),
        ("number", "abc", None),
        ("bool", "true", True),
        ("bool", "false", False),
        ("bool", "", None),
        ("datetime", "2024-01-17T19:55:04.281Z", "2024-01-17T19:55:04.281Z"),
        ("datetime", "2024-01-17T19:55:04Z", "2024-01-17T19:55:04.000Z"),
        ("datetime", "1705521304281", "2024-01-17T19:55:04.281Z"),
        ("datetime", "", None),
        ("date", "2024-01-17", "2024-01-17"),
        ("date", "2024-01-17T00:00:00.000Z", "2024-01-17"),
        ("date", "", None),
        ("string", "", ""),
        ("enumeration", "a;b", "a;b"),
        ("phonenumber", "+1 555", "+1 555"),
        ("string", None, None),
    ],
)
def test_values_are_typed(hubspot_type, raw, expected):
    assert PropertyDef("p", hubspot_type).convert(raw) == expected


def test_schema_types_and_collisions():
    props = parse_property_definitions(
        [
            {"name": "n", "type": "number"},
            {"name": "b", "type": "bool"},
            {"name": "d", "type": "date"},
            {"name": "t", "type": "datetime"},
            {"name": "e", "type": "enumeration"},
            {"name": "x", "type": "object_coordinates"},
            {"name": "archived", "type": "string"},
        ]
    )
    schema = record_schema(props)["properties"]
    assert schema["n"]["type"] == ["number", "null"]
    assert schema["b"]["type"] == ["boolean", "null"]
    assert schema["d"]["format"] == "date"
    assert schema["t"]["format"] == "date-time"
    assert schema["e"]["type"] == ["string", "null"]
    assert schema["x"]["type"] == ["string", "null"]
    assert schema["property_archived"]["type"] == ["string", "null"]
    assert schema["archived"]["type"] == ["boolean", "null"]
    assert field_name_for("updated_at") == "property_updated_at"


def test_property_chunks_respect_budget():
    names = [f"custom_property_number_{i}" for i in range(1200)]
    chunks = chunk_for_query(names, 2000)
    assert [n for chunk in chunks for n in chunk] == names
    assert all(encoded_list_length(chunk) <= 2000 for chunk in chunks)
    assert chunk_for_query(names[:5], 2000) == [names[:5]]


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_limiter_never_exceeds_rolling_window():
    clock = FakeClock()
    limiter = RollingWindowLimiter(10, 1.0, clock=clock.time, sleep=clock.sleep)
    stamps = []
    for _ in range(35):
        limiter.acquire()
        stamps.append(clock.now)
    for i in range(len(stamps) - 10):
        assert stamps[i + 10] - stamps[i] >= 1.0 - 1e-9
    assert limiter.wait_count > 0


def test_limiter_adopts_server_budget_and_slows_when_low():
    clock = FakeClock()
    limiter = RollingWindowLimiter(100, 10.0, clock=clock.time, sleep=clock.sleep)
    limiter.observe_headers(
        {
            "X-HubSpot-RateLimit-Max": "50",
            "X-HubSpot-RateLimit-Remaining": "0",
            "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
        }
    )
    assert limiter.capacity == 50
    assert limiter.acquire() > 0


def test_limiter_counts_what_others_spent_in_the_window():
    """The server says 3 of 10 are left while we spent none (the discovery process just before,
    another app): exactly 3 more go now, the 4th waits for the window to roll."""
    clock = FakeClock()
    limiter = RollingWindowLimiter(10, 10.0, clock=clock.time, sleep=clock.sleep)
    limiter.acquire(hold=True)
    limiter.settle()
    limiter.observe_headers(
        {
            "X-HubSpot-RateLimit-Max": "10",
            "X-HubSpot-RateLimit-Remaining": "3",
            "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
        }
    )
    assert [limiter.acquire() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.acquire() >= 10.0


def test_limiter_sends_one_request_until_the_first_answer():
    """A new process learns the window's state from its first answer before it sends more."""
    clock = FakeClock()
    limiter = RollingWindowLimiter(10, 10.0, clock=clock.time, sleep=clock.sleep)
    assert limiter.acquire(hold=True) == 0.0
    slept: list[float] = []

    def answer_arrives(seconds: float) -> None:
        slept.append(seconds)
        clock.sleep(seconds)
        limiter.settle()  # the first answer comes while the second request waits

    limiter._sleep = answer_arrives
    assert limiter.acquire(hold=True) > 0
    assert len(slept) == 1
    limiter._sleep = clock.sleep
    assert [limiter.acquire(hold=True) for _ in range(3)] == [0.0, 0.0, 0.0]  # then in parallel


def test_state_round_trip():
    state: dict = {}
    progress = StreamProgress(state)
    window = Window(dt.datetime(2024, 1, 1, tzinfo=dt.UTC), dt.datetime(2024, 1, 2, tzinfo=dt.UTC))
    progress.start_window(window)
    progress.advance_window(41)
    pending = StreamProgress(dict(state)).pending
    assert pending is not None
    assert pending.window == window
    assert pending.last_id == 41
    progress.finish_window(window)
    assert "window" not in state
    assert state["replication_key_value"] == "2024-01-02T00:00:00.000Z"


def test_pool_shutdown_does_not_wait_on_a_task_that_submits_another():
    """A running task that submits while the pool shuts down gets an error in its result;
    shutdown does not hold the pool's lock while it waits for that task (no deadlock)."""
    pool = RequestPool(2)
    go = threading.Event()

    def submits_later() -> object:
        go.wait(10)
        return pool.submit(lambda: None)

    running = pool.submit(submits_later)
    shutting = threading.Thread(target=pool.shutdown, daemon=True)
    shutting.start()
    shutting.join(0.5)  # shutdown is waiting for the running task now
    go.set()
    shutting.join(10)
    assert not shutting.is_alive()
    with pytest.raises(RuntimeError, match="after shutdown"):
        running.result(timeout=1)
