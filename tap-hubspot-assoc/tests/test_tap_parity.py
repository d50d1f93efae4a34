"""object_counts after every read and object_ids with reconcile_deletions (parity.py)."""

from __future__ import annotations

import logging

from tap_helpers import active_ids, endpoint_count, pages, run_tap, tap_config

SEARCH = "POST /crm/v3/objects/{type}/search"
LIST = "GET /crm/v3/objects/{type}"


def counts_of(output) -> dict[str, dict]:
    return {r["object_type"]: r for r in output.records("object_counts")}


def test_counts_follow_every_read_and_ids_close_with_listed_ids(fresh_simulator, admin):
    config = tap_config(
        fresh_simulator, object_types=["contacts", "meetings"], reconcile_deletions=True
    )
    full = run_tap(config)
    counts = counts_of(full)
    assert set(counts) == {"contacts", "meetings"}
    assert counts["contacts"]["hubspot_count"] == len(active_ids(admin, "contacts"))
    assert counts["contacts"]["listed_ids"] is None  # a full read reconciles by its version
    assert full.records("object_ids") == []
    assert "live_rows" not in counts["contacts"]

    deleted = sorted(active_ids(admin, "contacts"))[3]
    admin.delete_permanently("contacts", deleted)
    admin.reset_request_counts()
    incremental = run_tap(config, state=full.final_state)
    live = active_ids(admin, "contacts")
    counts = counts_of(incremental)
    assert counts["contacts"]["hubspot_count"] == len(live)
    assert counts["contacts"]["listed_ids"] == len(live)
    listed = [r["id"] for r in incremental.records("object_ids") if r["object_type"] == "contacts"]
    assert set(listed) == live
    assert len(listed) == len(live)
    assert deleted not in listed
    # The closing record comes after the type's last id.
    order = [
        (m["stream"], m["record"].get("object_type"))
        for m in incremental.messages
        if m["type"] == "RECORD" and m["stream"] in ("object_ids", "object_counts")
    ]
    last_id = max(i for i, o in enumerate(order) if o == ("object_ids", "contacts"))
    assert order.index(("object_counts", "contacts")) > last_id
    assert endpoint_count(admin, SEARCH, "contacts") == 2  # window + count
    assert endpoint_count(admin, LIST, "contacts") == pages(len(live), 100)


def test_a_failed_listing_closes_with_null_and_scoped_runs_count_nothing(
    fresh_simulator, admin, caplog
):
    config = tap_config(
        fresh_simulator, object_types=["contacts", "meetings"], reconcile_deletions=True
    )
    full = run_tap(config)
    admin.add_fault(
        "status", count=1, status=400, path=r"/objects/(\d{4}-\d{2}/)?contacts$", method="GET"
    )
    failed = run_tap(config, state=full.final_state)
    assert counts_of(failed)["contacts"]["listed_ids"] is None
    assert counts_of(failed)["meetings"]["listed_ids"] == len(active_ids(admin, "meetings"))
    assert "id listing failed" in caplog.text

    scoped = run_tap(tap_config(fresh_simulator, contact_ids=["1001"], reconcile_deletions=True))
    assert scoped.records("object_counts") == []
    assert scoped.records("object_ids") == []
    capped = run_tap(tap_config(fresh_simulator, max_records=5, reconcile_deletions=True))
    assert capped.records("object_counts") == []


def test_a_stopped_read_is_not_counted_and_the_log_says_what_stopped_it(
    fresh_simulator, admin, caplog
):
    caplog.set_level(logging.INFO)
    budgeted = run_tap(tap_config(fresh_simulator, request_budget=3))
    assert budgeted.records("contacts")  # read, then stopped mid-way
    assert budgeted.records("object_counts") == []
    assert "Parity contacts: not checked (read stopped by the request budget)" in caplog.text
    assert "read stopped at max_records" not in caplog.text
    caplog.clear()
    run_tap(tap_config(fresh_simulator, max_records=5))
    assert "Parity contacts: not checked (read stopped at max_records)" in caplog.text


def test_streams_written_during_reads_are_not_synced_on_their_own(fresh_simulator, admin):
    """merges, object_counts and object_ids: one SCHEMA each, before their first record,
    and no state of their own (singer-sdk never syncs them as streams)."""
    output = run_tap(
        tap_config(fresh_simulator, object_types=["contacts", "meetings"], reconcile_deletions=True)
    )
    assert output.records("merges")
    assert output.records("object_counts")
    for stream in ("merges", "object_counts", "object_ids"):
        kinds = [m["type"] for m in output.messages if m.get("stream") == stream]
        assert kinds.count("SCHEMA") == 1, stream
        assert kinds.index("SCHEMA") == 0, stream
        assert stream not in output.final_state["bookmarks"]
