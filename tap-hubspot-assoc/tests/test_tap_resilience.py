"""Interrupted runs, injected faults, rate limits and credentials."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tap_helpers import (
    active_ids,
    endpoint_count,
    now_ms,
    pages,
    parse_messages,
    run_tap,
    simulator_objects,
    tap_config,
)
from tap_hubspot_assoc.errors import DailyLimitError, HubSpotAuthError
from tap_hubspot_assoc.properties import format_datetime, parse_datetime
from tap_hubspot_assoc.tap import TapHubspotAssoc

SEARCH = "POST /crm/v3/objects/{type}/search"
LIST = "GET /crm/v3/objects/{type}"


def iso_ms(ms):
    return format_datetime(parse_datetime(str(ms)))


def comparable(output, stream="contacts"):
    return {r["id"]: r for r in output.records(stream)}


def test_killed_run_resumes_from_last_state_without_missing_anything(simulator, tmp_path):
    admin = simulator.admin
    admin.reset(seed=3, contacts=3000, meetings=0, appointments=0)
    admin.set_rate_limits(enabled=False)
    config = tap_config(simulator)
    first = run_tap(config)
    at = now_ms()
    admin.touch("contacts", count=2500, at=at)
    changed = touched_ids(admin, at)
    assert len(changed) == 2500
    admin.add_fault("slow", count=None, path="/search", delay_ms=250)

    killed_records, killed_state = _run_and_kill_after_states(
        config, first.final_state, tmp_path, states_wanted=4
    )
    pending = killed_state["bookmarks"]["contacts"]["window"]
    assert pending["last_id"] is not None
    emitted_before = {r["id"] for r in killed_records}
    assert emitted_before
    assert emitted_before < changed

    admin.clear_faults()
    admin.reset_request_counts()
    resumed = run_tap(config, state=killed_state)
    after = set(resumed.by_id("contacts"))
    assert emitted_before | after >= changed
    assert after >= {i for i in changed if int(i) > int(pending["last_id"])}
    assert len(after) < len(changed)  # resumed mid-window, did not start over
    assert "window" not in resumed.final_state["bookmarks"]["contacts"]


def touched_ids(admin, at):
    stamp = iso_ms(at)
    return {
        i
        for i, o in simulator_objects(admin, "contacts").items()
        if o["updatedAt"] == stamp and not o["archived"]
    }


def _run_and_kill_after_states(config, state, tmp_path: Path, states_wanted: int):
    config_file = tmp_path / "config.json"
    state_file = tmp_path / "state.json"
    config_file.write_text(json.dumps(config))
    state_file.write_text(json.dumps(state))
    command = [
        str(Path(sys.executable).parent / "tap-hubspot-assoc"),
        "--config",
        str(config_file),
        "--state",
        str(state_file),
    ]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    lines, window_states = [], 0
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line)
        message = json.loads(line)
        if message["type"] == "STATE" and (
            message["value"]["bookmarks"]["contacts"].get("window") or {}
        ).get("last_id"):
            window_states += 1
            if window_states >= states_wanted:
                os.killpg(process.pid, signal.SIGKILL)
                break
    process.wait()
    output = parse_messages("".join(lines))
    last_state_index = max(i for i, m in enumerate(output.messages) if m["type"] == "STATE")
    before = [
        m["record"]
        for m in output.messages[:last_state_index]
        if m["type"] == "RECORD" and m["stream"] == "contacts"
    ]
    return before, output.messages[last_state_index]["value"]


def test_injected_429s_5xx_and_dropped_connections_change_nothing(fresh_simulator, admin):
    config = tap_config(
        fresh_simulator, object_types=["contacts", "meetings"], include_archived=True
    )
    clean_full = run_tap(config)
    admin.add_fault("rate_limit", count=2, path=r"/objects/(\d{4}-\d{2}/)?contacts$", retry_after=1)
    admin.add_fault("rate_limit", count=2, path=r"/objects/(\d{4}-\d{2}/)?meetings$")
    admin.add_fault("status", count=2, status=500, path="/crm/(v3/)?objects")
    admin.add_fault("status", count=1, status=503, path="/crm/(v3/)?properties")
    admin.add_fault("drop", count=2, path="/crm/(v3/)?objects")
    admin.add_fault("truncate", count=1, path="/crm/(v3/)?objects")
    faulty_full = run_tap(config)
    assert admin.faults() == []  # every fault fired

    admin.touch("contacts", count=120, at=now_ms())
    clean_incremental = run_tap(config, state=clean_full.final_state)
    admin.add_fault("rate_limit", count=2, path="/search", policy="SECONDLY")
    admin.add_fault("status", count=2, status=502, path="/search")
    admin.add_fault("drop", count=1, path="/search")
    admin.add_fault("truncate", count=1, path="/search")
    faulty_incremental = run_tap(config, state=clean_full.final_state)

    assert admin.faults() == []  # every fault fired
    for stream in ("contacts", "meetings"):
        assert _without_versions(comparable(faulty_full, stream)) == _without_versions(
            comparable(clean_full, stream)
        )
    assert comparable(faulty_incremental) == comparable(clean_incremental)
    assert len(clean_incremental.records("contacts")) >= 120


def _without_versions(records):
    return {i: dict(r) for i, r in records.items()}


def test_client_limiter_keeps_below_server_limits(fresh_simulator, admin):
    admin.reset(seed=5, contacts=1500, meetings=0, appointments=0)
    admin.set_rate_limits(enabled=True, burst=10, window_ms=1000, search_per_second=3)
    config = tap_config(fresh_simulator, requests_per_ten_seconds=100, search_requests_per_second=3)
    full = run_tap(config)
    admin.touch("contacts", count=1200, at=now_ms())
    # The full run ends with its parity count search; a new process's limiter cannot know
    # that it is still in the server's one-second search window.
    time.sleep(1.1)
    incremental = run_tap(config, state=full.final_state)
    counts = admin.request_counts()
    assert "429" not in counts["statuses"]
    assert len(full.records("contacts")) == len(active_ids(admin, "contacts"))
    assert len(incremental.records("contacts")) >= 1200
    assert endpoint_count(admin, LIST, "contacts") == pages(len(active_ids(admin, "contacts")), 100)
    assert (
        endpoint_count(admin, SEARCH, "contacts")
        <= pages(len(incremental.records("contacts")), 200) * 1.1 + 2  # + 2 parity counts
    )


def test_search_429s_from_an_overoptimistic_budget_are_absorbed(fresh_simulator, admin):
    admin.reset(seed=5, contacts=1200, meetings=0, appointments=0)
    admin.set_rate_limits(enabled=False)
    full = run_tap(tap_config(fresh_simulator))
    admin.touch("contacts", count=1100, at=now_ms())
    admin.set_rate_limits(enabled=True, burst=1000, search_per_second=1)
    output = run_tap(
        tap_config(fresh_simulator, search_requests_per_second=50), state=full.final_state
    )
    assert admin.request_counts()["statuses"].get("429", 0) > 0
    assert len(output.by_id("contacts")) == len(output.records("contacts")) >= 1100


def test_daily_limit_fails_fast_with_a_clear_message(fresh_simulator, admin):
    admin.set_rate_limits(enabled=True, daily=2)
    with pytest.raises(DailyLimitError, match="DAILY"):
        run_tap(tap_config(fresh_simulator))


def test_bad_token_fails_with_category_and_never_prints_it(fresh_simulator, caplog, capsys):
    secret = "pat-na1-this-is-a-secret-token"
    with pytest.raises(HubSpotAuthError, match="INVALID_AUTHENTICATION") as error:
        run_tap(tap_config(fresh_simulator, access_token=secret))
    assert secret not in str(error.value)
    assert secret not in caplog.text
    captured = capsys.readouterr()
    assert secret not in captured.out + captured.err


def test_missing_scope_is_named(fresh_simulator, admin, caplog):
    secret = "pat-na1-limited-token"
    admin.add_token(secret, scopes=["crm.schemas.contacts.read"])
    with pytest.raises(HubSpotAuthError, match=r"MISSING_SCOPES.*crm\.objects\.contacts\.read"):
        run_tap(tap_config(fresh_simulator, access_token=secret))
    assert secret not in caplog.text


def test_oauth_refreshes_once_after_401(fresh_simulator, admin, caplog):
    admin.configure_oauth(
        client_id="cid",
        client_secret="oauth-client-secret",
        refresh_tokens={"oauth-refresh-secret": None},
    )
    config = tap_config(
        fresh_simulator,
        client_id="cid",
        client_secret="oauth-client-secret",
        refresh_token="oauth-refresh-secret",
    )
    del config["access_token"]
    admin.add_fault("status", count=1, status=401, path=r"/objects/(\d{4}-\d{2}/)?contacts$")
    tap = TapHubspotAssoc(config=config, parse_env_config=False)
    output = _sync(tap)
    assert set(output.by_id("contacts")) == active_ids(admin, "contacts")
    assert tap.client._credentials.refresh_count == 2  # type: ignore[attr-defined]
    for secret in ("oauth-client-secret", "oauth-refresh-secret", "sim-oat-"):
        assert secret not in caplog.text


def test_oauth_bad_refresh_token_is_reported_without_secrets(fresh_simulator, admin):
    admin.configure_oauth(client_id="cid", client_secret="s3cret")
    config = tap_config(
        fresh_simulator,
        client_id="cid",
        client_secret="s3cret",
        refresh_token="wrong-refresh-token",
    )
    del config["access_token"]
    with pytest.raises(HubSpotAuthError, match="invalid_grant") as error:
        run_tap(config)
    assert "wrong-refresh-token" not in str(error.value)
    assert "s3cret" not in str(error.value)


def _sync(tap):
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        tap.sync_all()
    return parse_messages(buffer.getvalue())
