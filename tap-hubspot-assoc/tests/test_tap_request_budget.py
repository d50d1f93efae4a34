"""request_budget: the cap, the stop at a clean checkpoint and the continuation next run."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from singer_sdk.exceptions import ConfigValidationError
from tap_helpers import TapOutput, active_ids, run_tap, simulator_objects, tap_config
from tap_hubspot_assoc.request_budget import BudgetKind, BudgetSetting

STREAMS = ("contacts", "meetings", "meetings_to_contacts_associations", "contacts_property_history")
KEYS = {
    "meetings_to_contacts_associations": ("from_object_id", "to_object_id", "association_type_id"),
    "contacts_property_history": ("object_id", "property_name", "changed_at", "same_time_seq"),
}


def _config(sim: Any, **overrides: Any) -> dict[str, Any]:
    return tap_config(
        sim,
        object_types=["contacts", "meetings"],
        association_pairs=[{"from": "meetings", "to": "contacts"}],
        property_history={"contacts": ["lifecyclestage"]},
        **overrides,
    )


def _keyed(output: TapOutput, stream: str) -> list[tuple[Any, ...]]:
    key = KEYS.get(stream, ("id",))
    return [tuple(r[k] for k in key) for r in output.records(stream)]


def _unfinished(state: dict[str, Any], types: tuple[str, ...]) -> list[str]:
    """Types whose full read is not complete yet (stopped, or not started)."""
    bookmarks = state.get("bookmarks", {})
    return [t for t in types if "replication_key_value" not in bookmarks.get(t, {})]


def _continue_until_done(
    sim: Any, admin: Any, budget: int | str, state: dict[str, Any] | None = None
) -> tuple[list[TapOutput], int]:
    """Capped runs, each from the last one's state, until no full read is left unfinished."""
    outputs: list[TapOutput] = []
    requests = 0
    for _ in range(30):
        admin.reset_request_counts()
        output = run_tap(_config(sim, request_budget=budget), state=state)
        requests += admin.request_counts()["total"]
        outputs.append(output)
        state = output.final_state
        if not _unfinished(state, ("contacts", "meetings")):
            return outputs, requests
    pytest.fail("the capped runs never finished their full reads")


def _bookmark(output: TapOutput, stream: str) -> dict[str, Any]:
    return dict(output.final_state.get("bookmarks", {}).get(stream, {}))


def _record_of(message: dict[str, Any], stream: str) -> bool:
    return message["type"] == "RECORD" and message["stream"] == stream


@pytest.mark.parametrize(
    ("value", "kind", "amount"),
    [
        (20000, BudgetKind.ABSOLUTE, 20000),
        ("350", BudgetKind.ABSOLUTE, 350),
        ("25%", BudgetKind.SHARE, 0.25),
    ],
)
def test_budget_setting_values(value, kind, amount):
    assert BudgetSetting.parse(value) == BudgetSetting(kind, amount)


@pytest.mark.parametrize("value", ["0", "-5", "0%", "120%", "lots", "2.5", True])
def test_budget_setting_refuses_what_it_cannot_read_in_one_line(value):
    with pytest.raises(ConfigValidationError, match="request_budget must be a whole number"):
        BudgetSetting.parse(value)


def test_capped_runs_continue_to_exactly_the_uncapped_result(fresh_simulator, admin, caplog):
    admin.regenerate(contacts=1200, meetings=300)
    admin.reset_request_counts()
    uncapped = run_tap(_config(fresh_simulator))
    uncapped_requests = admin.request_counts()["total"]

    caplog.set_level(logging.INFO)
    runs, capped_requests = _continue_until_done(fresh_simulator, admin, budget=8)

    assert len(runs) >= 3
    for stream in STREAMS:
        emitted = [key for run in runs for key in _keyed(run, stream)]
        assert sorted(set(emitted)) == sorted(set(_keyed(uncapped, stream))), stream
    # Every parent page is read once over all runs: no object record emitted twice.
    for stream in ("contacts", "meetings"):
        emitted = [key for run in runs for key in _keyed(run, stream)]
        assert len(emitted) == len(set(emitted)), stream
    # The first run stops (no ACTIVATE_VERSION), the others keep its version.
    first_version = runs[0].final_state["bookmarks"]["contacts"]["full_read"]["version"]
    assert runs[0].activate_versions("contacts") == []
    contact_versions = {
        m["version"]
        for run in runs
        for m in run.messages
        if m["type"] == "RECORD" and m["stream"] == "contacts"
    }
    assert contact_versions == {first_version}
    # The run that reads the last page closes the version (the target kept the earlier runs'
    # keys); the association stream's records carry its parents' version in every run, and
    # the run that completes the meetings closes it.
    last = next(i for i, run in enumerate(runs) if "full_read" not in _bookmark(run, "contacts"))
    assert [run.activate_versions("contacts") for run in runs[: last + 1]][-1] == [first_version]
    assert all(run.activate_versions("contacts") == [] for run in runs[:last])
    linked = "meetings_to_contacts_associations"
    meetings_versions = {
        m["version"] for run in runs for m in run.messages if _record_of(m, "meetings")
    }
    link_versions = {m["version"] for run in runs for m in run.messages if _record_of(m, linked)}
    assert len(meetings_versions) == 1
    assert link_versions == meetings_versions
    assert [v for run in runs for v in run.activate_versions(linked)] == sorted(link_versions)
    # Each run repeats its start (properties, labels, counts): a few requests per run.
    assert capped_requests <= uncapped_requests + 6 * len(runs)
    stops = [r.getMessage() for r in caplog.records if "Request budget reached" in r.getMessage()]
    assert stops
    assert "stopped, goes on next run" in stops[0]
    assert "Not started: meetings" in stops[0]
    assert "The next run goes on from here" in stops[0]


def test_state_says_how_far_a_stopped_full_read_got(fresh_simulator, admin):
    admin.regenerate(contacts=600, meetings=0)
    output = run_tap(tap_config(fresh_simulator, request_budget=3))
    contacts = output.final_state["bookmarks"]["contacts"]
    assert set(contacts) == {"full_read"}
    position = contacts["full_read"]
    assert position["phase"] == "live"
    assert position["after"]  # the list cursor after the last page emitted
    assert len(output.records("contacts")) == 200  # properties + 2 list pages
    assert output.activate_versions("contacts") == []

    # The budget removed: the next run still goes on from the saved position.
    rest = run_tap(tap_config(fresh_simulator), state=output.final_state)
    ids = [r["id"] for r in output.records("contacts") + rest.records("contacts")]
    assert len(ids) == len(set(ids))
    assert set(ids) == active_ids(admin, "contacts")
    assert {r["id"] for r in rest.records("contacts")}.isdisjoint(output.by_id("contacts"))


def test_share_of_the_daily_limit_from_the_daily_headers(fresh_simulator, admin, caplog):
    admin.regenerate(contacts=1500, meetings=0)
    admin.set_rate_limits(enabled=True, burst=100_000, search_per_second=1000, daily=200)
    caplog.set_level(logging.INFO)
    output = run_tap(tap_config(fresh_simulator, request_budget="5%"))
    spent = admin.rate_limits()["dailyUsed"]
    assert spent == 10  # 5% of 200, reached exactly: one request per list page
    assert len(output.records("contacts")) == 900  # properties + 9 list pages
    stop = next(r.getMessage() for r in caplog.records if "Request budget" in r.getMessage())
    assert "10 requests (5% of the daily limit)" in stop
    assert "HubSpot: 190 of 200 left today" in stop


def test_a_share_without_the_daily_header_fails_before_reading(fresh_simulator, admin):
    # admin: rate limiting off, so the simulator sends no rate-limit headers (like OAuth apps).
    with pytest.raises(ConfigValidationError, match="sent no X-HubSpot-RateLimit-Daily header"):
        run_tap(tap_config(fresh_simulator, request_budget="25%"))


def test_a_portal_near_its_daily_quota_stops_at_the_reserve(fresh_simulator, admin, caplog):
    admin.regenerate(contacts=1000, meetings=0)
    # 10,000 a day, 1,004 left: the run may spend 4 before the 1,000 reserve (10%).
    admin.set_rate_limits(
        enabled=True, burst=100_000, search_per_second=1000, daily=10_000, daily_used=8_996
    )
    caplog.set_level(logging.INFO)
    first = run_tap(tap_config(fresh_simulator, request_budget=5000))
    assert admin.rate_limits()["dailyRemaining"] == 1000
    assert len(first.records("contacts")) == 300
    stop = next(r.getMessage() for r in caplog.records if "Request budget" in r.getMessage())
    assert "the daily reserve left to the account's other apps: 1,000 requests left" in stop

    admin.set_rate_limits(daily_used=0)  # the next day
    second = run_tap(tap_config(fresh_simulator, request_budget=5000), state=first.final_state)
    ids = [r["id"] for r in first.records("contacts") + second.records("contacts")]
    assert len(ids) == len(set(ids))
    assert set(ids) == active_ids(admin, "contacts")
    assert "full_read" not in second.final_state["bookmarks"]["contacts"]


def test_state_and_logs_of_a_stopped_run_hold_no_secret(fresh_simulator, admin, caplog):
    caplog.set_level(logging.DEBUG)
    output = run_tap(tap_config(fresh_simulator, request_budget=2))
    assert fresh_simulator.token not in json.dumps(output.states)
    assert fresh_simulator.token not in caplog.text
    assert "Request budget reached" in caplog.text


def _cli(tmp_path: Path, config: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    return subprocess.run(
        [str(Path(sys.executable).parent / "tap-hubspot-assoc"), "--config", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_cli_a_share_without_the_daily_header_is_one_error_line(fresh_simulator, admin, tmp_path):
    run = _cli(tmp_path, tap_config(fresh_simulator, request_budget="25%"))
    assert run.returncode == 1
    errors = [line for line in run.stderr.splitlines() if "| ERROR " in line]
    assert len(errors) == 1, run.stderr[-3000:]
    assert errors[0].endswith(
        "invalid settings: request_budget is 25% of the daily limit, but HubSpot sent no "
        "X-HubSpot-RateLimit-Daily header (OAuth apps never get one): set an absolute number "
        "of requests instead (`meltano config tap-hubspot-assoc list` shows them)"
    )
    assert '"type":"RECORD"' not in run.stdout.replace(" ", "")
    assert "Traceback" not in run.stderr


def test_cli_a_run_stopped_by_its_budget_exits_0(fresh_simulator, admin, tmp_path):
    admin.regenerate(contacts=600, meetings=0)
    run = _cli(tmp_path, tap_config(fresh_simulator, request_budget=3))
    assert run.returncode == 0, run.stderr[-3000:]
    assert "| WARNING  | tap-hubspot-assoc.contacts     | Request budget reached" in run.stderr
    assert "| ERROR " not in run.stderr
    assert fresh_simulator.token not in run.stderr + run.stdout


def test_a_budgeted_full_read_killed_mid_way_goes_on_from_its_last_state(fresh_simulator, admin):
    admin.regenerate(contacts=1000, meetings=0)
    whole = run_tap(tap_config(fresh_simulator, request_budget=100_000))
    # The output cut after the STATE that follows the fourth page (as if the run was killed).
    cut = [
        i
        for i, m in enumerate(whole.messages)
        if m["type"] == "STATE"
        and m["value"]["bookmarks"].get("contacts", {}).get("full_read", {}).get("after")
    ][3]
    before = TapOutput(whole.messages[: cut + 1])
    state = before.final_state
    rest = run_tap(tap_config(fresh_simulator, request_budget=100_000), state=state)
    first, second = before.by_id("contacts"), rest.by_id("contacts")
    assert len(first) == 400
    assert set(first).isdisjoint(second)
    assert set(first) | set(second) == active_ids(admin, "contacts")
    assert {r["id"] for r in whole.records("contacts")} == set(first) | set(second)


def test_capped_runs_with_archived_records_continue_through_both_listings(fresh_simulator, admin):
    admin.regenerate(contacts=700, meetings=0)
    archived = [i for i, o in simulator_objects(admin, "contacts").items() if o["archived"]]
    assert len(archived) > 0
    uncapped = run_tap(tap_config(fresh_simulator, include_archived=True))
    state: dict[str, Any] | None = None
    emitted: list[str] = []
    for _ in range(20):
        # 2 requests: the properties and one page, so a run also stops after the last live page
        run = run_tap(tap_config(fresh_simulator, include_archived=True, request_budget=2), state)
        emitted += [r["id"] for r in run.records("contacts")]
        state = run.final_state
        if "replication_key_value" in state["bookmarks"]["contacts"]:
            break
    assert len(emitted) == len(set(emitted))
    assert set(emitted) == set(uncapped.by_id("contacts"))
    assert set(archived) <= set(emitted)


def test_failed_parents_of_a_read_spanning_runs_are_read_before_it_closes(fresh_simulator, admin):
    """Association parents whose read failed in one run of a spanning full read are read again
    at the start of the next one, so the version closed at the end holds their rows."""
    admin.regenerate(contacts=300, meetings=1200)
    uncapped = run_tap(_config(fresh_simulator))
    admin.add_fault("status", count=1, status=400, path="/meetings/contacts/batch/read")
    runs, _ = _continue_until_done(fresh_simulator, admin, budget=8)
    assert admin.faults() == []
    linked = "meetings_to_contacts_associations"
    failed = [i for i, run in enumerate(runs) if "association_retry" in _bookmark(run, "meetings")]
    closing = [i for i, run in enumerate(runs) if run.activate_versions(linked)]
    assert len(failed) == 1
    assert closing == [len(runs) - 1]
    assert failed[0] < closing[0]
    emitted = {key for run in runs for key in _keyed(run, linked)}
    assert emitted == set(_keyed(uncapped, linked))
