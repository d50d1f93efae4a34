"""HubSpot-side faults injected by the simulator, through the real tap | target pipe.

Transient faults (429 storms of both policies with and without Retry-After, 5xx, slow answers,
dropped connections, truncated JSON, real server-side rate limiting) must not change the loaded
data at all; a permanent error must fail the run with a clear message, leave committed data and
the state consistent, and the next run must converge; a DAILY limit must fail fast.
"""

from __future__ import annotations

import re
import time

import pytest
from hubspot_simulator.admin import SimulatorAdmin

from tests.reliability.checks import (
    assert_database_equals_oracle,
    assert_state_covers_only_committed,
    object_rows,
)
from tests.reliability.conftest import Pipeline
from tests.reliability.pipe import PipeResult
from tests.reliability.test_kill import change_source_after_bookmark

pytestmark = pytest.mark.slow


def test_transient_faults_in_full_and_incremental_sync_change_nothing(pipeline: Pipeline) -> None:
    admin = pipeline.sim.admin
    oracle = pipeline.oracle()
    # contacts: no Retry-After; paths match the legacy and the date-versioned spelling
    admin.add_fault("rate_limit", count=2, path=r"/objects/(\d{4}-\d{2}/)?contacts$")
    admin.add_fault("rate_limit", count=2, path=r"/objects/(\d{4}-\d{2}/)?meetings$", retry_after=1)
    admin.add_fault("rate_limit", count=1, path="/crm/(v4/)?associations", retry_after=1)
    # One failure of each kind per endpoint: the tap's backoff grows per logical request
    # (0.5 s doubling), so stacking six failures on one request would cost ~25 s of waiting.
    admin.add_fault("status", count=1, status=500, path="/crm/(v3/)?objects")
    admin.add_fault("status", count=1, status=503, path="/crm/(v3/)?properties")
    admin.add_fault("status", count=1, status=502, path="/crm/(v4/)?associations/.*/batch/read")
    admin.add_fault("drop", count=1, path=r"/objects/(\d{4}-\d{2}/)?meetings$")
    admin.add_fault("drop", count=1, path="/crm/(v4/)?associations/.*/batch/read")
    admin.add_fault("truncate", count=1, path=r"/objects/(\d{4}-\d{2}/)?contacts$")
    admin.add_fault("truncate", count=1, path="/crm/(v4/)?associations/.*/batch/read")
    admin.add_fault("slow", count=4, delay_ms=400)
    started = time.monotonic()
    full = pipeline.run()
    assert admin.faults() == [], "every injected fault fired"
    statuses = admin.request_counts()["statuses"]
    assert int(statuses["429"]) == 5
    assert_database_equals_oracle(pipeline.db_url, pipeline.schema, oracle)
    assert "429 (TEN_SECONDLY_ROLLING)" in full.tap_stderr
    assert time.monotonic() - started < 60

    change_source_after_bookmark(admin, pipeline.state())
    time.sleep(1.2)
    oracle = pipeline.oracle()
    admin.add_fault("rate_limit", count=2, path="/search", policy="SECONDLY")
    admin.add_fault("rate_limit", count=1, path="/search", policy="SECONDLY", retry_after=1)
    admin.add_fault("status", count=1, status=502, path=r"/objects/(\d{4}-\d{2}/)?contacts/search")
    admin.add_fault("drop", count=1, path=r"/objects/(\d{4}-\d{2}/)?meetings/search")
    admin.add_fault("truncate", count=1, path="/crm/(v4/)?associations/.*/batch/read")
    admin.add_fault("slow", count=2, delay_ms=300, path="/search")
    incremental = pipeline.run()
    assert admin.faults() == []
    assert "429 (SECONDLY)" in incremental.tap_stderr
    assert_database_equals_oracle(pipeline.db_url, pipeline.schema, oracle)
    assert_state_covers_only_committed(pipeline.state(), pipeline.db_url, pipeline.schema, oracle)


def assert_every_429_was_absorbed(admin: SimulatorAdmin, result: PipeResult) -> None:
    """The server refused some requests with 429 (without Retry-After), and the tap waited and
    retried after each one of them (one `429 (<policy>); waiting` line per refusal)."""
    refused = int(admin.request_counts()["statuses"].get("429", 0))
    assert refused > 0, "the server never answered 429: the test exercises nothing"
    waits = re.findall(r"429 \((\w+)\); waiting \d+\.\ds before retrying", result.tap_stderr)
    assert len(waits) == refused, waits
    assert set(waits) <= {"TEN_SECONDLY_ROLLING", "SECONDLY"}


def test_real_server_rate_limits_tighter_than_the_client_budget(pipeline: Pipeline) -> None:
    """The server allows 8 calls per second and 1 search per second; the client believes in
    far more, so it gets real 429s (no Retry-After) and must absorb them."""
    admin = pipeline.sim.admin
    admin.set_rate_limits(enabled=True, burst=8, window_ms=1000, search_per_second=1)
    oracle = pipeline.oracle()
    admin.reset_request_counts()
    full = pipeline.run()
    assert_every_429_was_absorbed(admin, full)
    assert_database_equals_oracle(pipeline.db_url, pipeline.schema, oracle)
    change_source_after_bookmark(admin, pipeline.state())
    time.sleep(1.2)
    oracle = pipeline.oracle()
    admin.set_rate_limits(enabled=True, burst=8, window_ms=1000, search_per_second=1)
    admin.reset_request_counts()
    incremental = pipeline.run()
    assert_every_429_was_absorbed(admin, incremental)
    assert_database_equals_oracle(pipeline.db_url, pipeline.schema, oracle)


def test_permanent_error_fails_clearly_and_the_next_run_converges(pipeline: Pipeline) -> None:
    admin = pipeline.sim.admin
    oracle = pipeline.oracle()
    admin.add_fault("status", count=None, status=400, path=r"/objects/(\d{4}-\d{2}/)?meetings$")
    failed = pipeline.run(expect_ok=False)
    assert failed.tap_returncode not in (0, -9)
    assert "HTTP 400" in failed.tap_stderr
    assert "/crm/objects/2026-09/meetings" in failed.tap_stderr  # the default API version
    state = pipeline.state()
    assert not (state.get("bookmarks", {}).get("meetings") or {}).get("replication_key_value")
    assert_state_covers_only_committed(state, pipeline.db_url, pipeline.schema, oracle)
    assert object_rows(pipeline.db_url, pipeline.schema, "meetings") == {}
    admin.clear_faults()
    pipeline.run()
    assert_database_equals_oracle(pipeline.db_url, pipeline.schema, oracle)


def test_daily_limit_fails_fast_with_a_clear_message(pipeline: Pipeline) -> None:
    pipeline.run()
    before = pipeline.state()
    pipeline.sim.admin.set_rate_limits(enabled=True, daily=3)
    started = time.monotonic()
    failed = pipeline.run(expect_ok=False)
    elapsed = time.monotonic() - started
    assert failed.tap_returncode not in (0, -9)
    assert "DAILY request limit reached" in failed.tap_stderr
    assert elapsed < 15, f"took {elapsed:.1f}s to give up on a DAILY limit"
    assert pipeline.state()["bookmarks"]["contacts"] == before["bookmarks"]["contacts"]
