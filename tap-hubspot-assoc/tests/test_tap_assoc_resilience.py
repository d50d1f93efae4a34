"""Association reads under 207 errors, failed batches, injected faults and a killed run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections import defaultdict

import pytest
from assoc_helpers import (
    BIN,
    RewritingProxy,
    assert_markers_follow_their_records,
    emitted_rows,
    expected_rows,
    markers,
)
from tap_helpers import active_ids, now_ms, parse_messages, run_tap, simulator_objects, tap_config

PAIRS = [{"from": "meetings", "to": "contacts"}]
TYPES = ["contacts", "meetings"]


def test_207_errors_other_than_no_associations_leave_those_parents_without_a_marker(
    fresh_simulator, admin, caplog
):
    c2m = {x["fromId"] for x in admin.association_snapshot("contacts", "meetings")}
    contacts = sorted(active_ids(admin, "contacts"), key=int)
    failing = [c for c in contacts if c in c2m][3:5]
    unattributed = [c for c in contacts if c in c2m][7]
    category_only = next(c for c in contacts if c not in c2m)

    def rewrite(request, response):
        if not any(i["id"] in failing for i in request["inputs"]):
            return response  # only the contacts -> meetings batch
        drop = {*failing, unattributed}
        response["results"] = [r for r in response["results"] if r["from"]["id"] not in drop]
        errors = [
            e for e in response.get("errors", []) if e["context"]["fromObjectId"] != [category_only]
        ]
        errors.append(
            {
                "status": "error",
                "category": "NO_ASSOCIATIONS_FOUND",
                "message": "none",
                "context": {"fromObjectId": [category_only]},
            }
        )
        errors += [
            {
                "status": "error",
                "category": "VALIDATION_ERROR",
                "subCategory": "crm.associations.INVALID",
                "message": "boom",
                "context": {"fromObjectId": [i]},
            }
            for i in failing
        ]
        errors.append({"status": "error", "category": "INTERNAL_ERROR", "message": "?"})
        response["errors"], response["numErrors"] = errors, len(errors)
        return response

    with RewritingProxy(fresh_simulator.base_url, rewrite) as proxy:
        config = tap_config(
            fresh_simulator, api_url=proxy.url, object_types=TYPES, association_pairs=PAIRS
        )
        output = run_tap(config)
    found = markers(output, "contacts", "meetings")
    assert set(found) == active_ids(admin, "contacts") - {*failing, unattributed}
    assert found[category_only] == 0
    assert "3 failed parents" in caplog.text
    for object_id in failing:
        assert object_id in caplog.text
    # the other parents are complete and correct
    expected = {
        r
        for r in expected_rows(admin, "contacts", "meetings")
        if r[0] not in {*failing, unattributed}
    }
    assert set(emitted_rows(output, "contacts", "meetings")) == expected
    # a full read with failures does not activate the association table version
    assert output.activate_versions("contacts_to_meetings_associations") == []
    assert len(output.activate_versions("meetings_to_contacts_associations")) == 1
    assert_markers_follow_their_records(output)

    # the failed parents are remembered and read first by the next (incremental) run
    retry = output.final_state["bookmarks"]["contacts"]["association_retry"]
    assert set(retry["contacts_to_meetings_associations"]) == {*failing, unattributed}
    assert "association_retry" not in output.final_state["bookmarks"]["meetings"]
    admin.reset_request_counts()
    direct = {**config, "api_url": fresh_simulator.base_url}  # no proxy: no errors now
    again = run_tap(direct, state=output.final_state)
    assert set(markers(again, "contacts", "meetings")) == {*failing, unattributed}
    assert set(emitted_rows(again, "contacts", "meetings")) == {
        r for r in expected_rows(admin, "contacts", "meetings") if r[0] in {*failing, unattributed}
    }
    assert not again.records("contacts")  # nothing changed: no records, only the retry
    assert "association_retry" not in again.final_state["bookmarks"]["contacts"]


def test_a_refused_batch_fails_its_parents_and_the_run_goes_on(fresh_simulator, admin, caplog):
    admin.add_fault("status", count=1, status=400, path="/meetings/contacts/batch/read")
    output = run_tap(tap_config(fresh_simulator, object_types=TYPES, association_pairs=PAIRS))
    assert admin.faults() == []
    assert markers(output, "meetings", "contacts") == {}
    assert f"{len(active_ids(admin, 'meetings'))} failed parents" in caplog.text
    assert set(markers(output, "contacts", "meetings")) == active_ids(admin, "contacts")


def test_injected_429s_5xx_and_drops_on_association_reads_change_nothing(fresh_simulator, admin):
    config = tap_config(fresh_simulator, object_types=TYPES, association_pairs=PAIRS)
    clean = run_tap(config)
    admin.add_fault("rate_limit", count=2, path="/batch/read", retry_after=1)
    admin.add_fault("status", count=2, status=502, path="/crm/(v4/)?associations")
    admin.add_fault("drop", count=1, path="/crm/(v4/)?associations")
    admin.add_fault("truncate", count=1, path="/batch/read")
    admin.add_fault("status", count=1, status=503, path="/labels")
    faulty = run_tap(config)
    assert admin.faults() == []
    for direction in (("contacts", "meetings"), ("meetings", "contacts")):
        assert sorted(emitted_rows(faulty, *direction)) == sorted(emitted_rows(clean, *direction))
        assert markers(faulty, *direction) == markers(clean, *direction)
    labels = [r["association_type_id"] for r in faulty.records("association_labels")]
    assert sorted(labels) == sorted(
        r["association_type_id"] for r in clean.records("association_labels")
    )


def test_label_discovery_failure_falls_back_and_keeps_the_labels_table(
    fresh_simulator, admin, caplog
):
    admin.add_fault("status", count=None, status=404, path="/meetings/contacts/labels")
    output = run_tap(tap_config(fresh_simulator, object_types=TYPES, association_pairs=PAIRS))
    assert "discovery failed" in caplog.text
    assert "fallback type ids 200" in caplog.text
    assert not output.activate_versions("association_labels")  # nothing deleted downstream
    assert {r["to_object_type"] for r in output.records("association_labels")} == {"meetings"}
    # associations still carry category and label from the batch responses
    assert set(emitted_rows(output, "meetings", "contacts")) == expected_rows(
        admin, "meetings", "contacts"
    )


@pytest.mark.parametrize("in_flight", [1, 2], ids=["sequential", "concurrent"])
def test_killed_incremental_run_never_checkpoints_past_unread_associations(
    simulator, tmp_path, in_flight
):
    """SIGKILL after a mid-window checkpoint, while association reads are outstanding (with 2
    in flight: batches submitted and not written yet); the resumed run completes them."""
    admin = simulator.admin
    admin.reset(seed=5, contacts=3000, meetings=400, appointments=0)
    admin.set_rate_limits(enabled=False)
    config = tap_config(
        simulator,
        object_types=TYPES,
        association_pairs=PAIRS,
        max_concurrent_requests=in_flight,
    )
    first = run_tap(config)
    at = now_ms()
    admin.touch("contacts", count=2500, at=at)
    changed = {
        i
        for i, o in simulator_objects(admin, "contacts").items()
        if not o["archived"] and _ms(o["updatedAt"]) == at
    }
    assert len(changed) == 2500
    admin.add_fault("slow", count=None, path="contacts/meetings/batch/read", delay_ms=400)
    # Search pages slow too: with 2 in flight the window's pages are read ahead, and without
    # it every page would be written before the first association batch came back.
    admin.add_fault("slow", count=None, path="contacts/search", delay_ms=150)

    admin.reset_request_counts()
    messages = _run_and_kill(config, first.final_state, tmp_path)
    assert admin.request_counts()["maxInFlight"] == in_flight
    # the invariant, at every STATE: each contact emitted at or before the window's last id
    # already has its contacts_to_meetings marker
    marked: set[str] = set()
    emitted: list[str] = []
    last_state = None
    for message in messages:
        if message["type"] == "RECORD" and message["stream"] == "contacts":
            emitted.append(message["record"]["id"])
        elif message["type"] == "RECORD" and message["stream"] == "association_parent_syncs":
            if message["record"]["association_stream"] == "contacts_to_meetings_associations":
                marked.add(message["record"]["from_object_id"])
        elif message["type"] == "STATE":
            window = message["value"]["bookmarks"]["contacts"].get("window") or {}
            if window.get("last_id"):
                covered = [i for i in emitted if int(i) <= int(window["last_id"])]
                assert covered
                assert set(covered) <= marked
                last_state = message["value"]
    assert last_state is not None
    last_id = int(last_state["bookmarks"]["contacts"]["window"]["last_id"])
    unread = [i for i in emitted if int(i) > last_id and i not in marked]
    assert unread, "the kill should leave emitted contacts whose associations were not read"

    admin.clear_faults()
    resumed = run_tap(config, state=last_state)
    resumed_marked = set(markers(resumed, "contacts", "meetings"))
    assert {i for i in changed if int(i) > last_id} <= resumed_marked
    assert changed <= marked | resumed_marked
    assert "window" not in resumed.final_state["bookmarks"]["contacts"]
    expected: dict[str, set] = defaultdict(set)
    for row in expected_rows(admin, "contacts", "meetings"):
        expected[row[0]].add(row)
    rows: dict[str, set] = defaultdict(set)
    for row in emitted_rows(resumed, "contacts", "meetings"):
        rows[row[0]].add(row)
    assert all(rows[i] == expected[i] for i in resumed_marked)


def _ms(iso: str) -> int:
    from tap_hubspot_assoc.properties import parse_datetime

    value = parse_datetime(iso)
    assert value is not None
    return int(value.timestamp() * 1000)


def _run_and_kill(config, state, tmp_path):
    """Run the tap CLI; SIGKILL it at the first contact record after its first mid-window
    STATE (so contacts were emitted whose associations are not read yet)."""
    config_file, state_file = tmp_path / "config.json", tmp_path / "state.json"
    config_file.write_text(json.dumps(config))
    state_file.write_text(json.dumps(state))
    process = subprocess.Popen(
        [str(BIN / "tap-hubspot-assoc"), "--config", str(config_file), "--state", str(state_file)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    assert process.stdout is not None
    lines, checkpointed = [], False
    for line in process.stdout:
        lines.append(line)
        message = json.loads(line)
        if message["type"] == "STATE" and (
            message["value"]["bookmarks"]["contacts"].get("window") or {}
        ).get("last_id"):
            checkpointed = True
        elif checkpointed and message["type"] == "RECORD" and message["stream"] == "contacts":
            os.killpg(process.pid, signal.SIGKILL)
            break
    lines += process.stdout.readlines()  # whatever was already written before the kill
    process.wait()
    return parse_messages("".join(lines)).messages
