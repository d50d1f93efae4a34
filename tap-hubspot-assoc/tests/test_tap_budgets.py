"""Wide accounts (properties split across requests) and search-index lag."""

from __future__ import annotations

import time

import pytest
from tap_helpers import endpoint_count, now_ms, pages, run_tap, tap_config

LIST = "GET /crm/v3/objects/{type}"
SEARCH = "POST /crm/v3/objects/{type}/search"
BATCH = "POST /crm/v3/objects/{type}/batch/read"


def test_properties_split_across_list_requests_when_urls_would_be_long(
    fresh_simulator, admin, monkeypatch: pytest.MonkeyPatch
):
    config = tap_config(fresh_simulator)
    wide = run_tap(config)
    active = len(wide.records("contacts"))
    admin.reset_request_counts()
    monkeypatch.setattr("tap_hubspot_assoc.readers.LIST_URL_LIMIT", 420)
    narrow = run_tap(config)
    assert narrow.by_id("contacts") == wide.by_id("contacts")
    list_requests = endpoint_count(admin, LIST, "contacts")
    assert list_requests > pages(active, 100)
    assert list_requests % pages(active, 100) == 0
    for request_url_length in _list_url_lengths(fresh_simulator, monkeypatch):
        assert request_url_length <= 420


def _list_url_lengths(simulator, monkeypatch):
    import tap_hubspot_assoc.readers as readers

    lengths: list[int] = []
    original = readers.HubSpotClient.get

    def spy(self, path, params=None, *, kind="get"):
        import requests

        prepared = requests.Request("GET", self.api_url + path, params=params).prepare()
        if kind == "list":
            lengths.append(len(prepared.url or ""))
        return original(self, path, params, kind=kind)

    monkeypatch.setattr(readers.HubSpotClient, "get", spy)
    run_tap(tap_config(simulator, max_records=150))
    assert lengths
    return lengths


def test_search_falls_back_to_batch_read_when_the_body_would_be_long(
    fresh_simulator, admin, monkeypatch: pytest.MonkeyPatch
):
    config = tap_config(fresh_simulator)
    full = run_tap(config)
    admin.touch("contacts", count=230, at=now_ms())
    wide = run_tap(config, state=full.final_state)
    admin.reset_request_counts()
    monkeypatch.setattr("tap_hubspot_assoc.readers.SEARCH_BODY_LIMIT", 300)
    monkeypatch.setattr("tap_hubspot_assoc.keyset_search.SEARCH_BODY_LIMIT", 300)
    narrow = run_tap(config, state=full.final_state)
    assert narrow.by_id("contacts") == wide.by_id("contacts")
    assert endpoint_count(admin, SEARCH, "contacts") == pages(230, 200) + 1  # + parity count
    assert endpoint_count(admin, BATCH, "contacts") == pages(200, 100) + pages(30, 100)


def test_changes_hidden_by_search_lag_are_caught_by_the_next_run(fresh_simulator, admin):
    admin.set_search_lag(1500)
    config = tap_config(fresh_simulator, safety_lag_seconds=2)
    first = run_tap(config)
    time.sleep(2.1)
    changed = sorted(first.by_id("contacts"))[:3]
    for object_id in changed:
        admin.update_object("contacts", object_id, {"city": "Lagtown"})
    second = run_tap(config, state=first.final_state)  # too fresh: outside this window
    assert set(second.by_id("contacts")).isdisjoint(changed)
    time.sleep(2.1)
    third = run_tap(config, state=second.final_state)
    assert set(third.by_id("contacts")) >= set(changed)
    assert all(third.by_id("contacts")[i]["city"] == "Lagtown" for i in changed)


def test_a_400_to_a_long_search_body_switches_to_batch_reads(fresh_simulator, admin, caplog):
    config = tap_config(fresh_simulator)
    full = run_tap(config)
    admin.touch("contacts", count=230, at=now_ms())
    clean = run_tap(config, state=full.final_state)
    admin.reset_request_counts()
    admin.add_fault("status", count=1, status=400, path="/search")
    refused = run_tap(config, state=full.final_state)
    assert refused.by_id("contacts") == clean.by_id("contacts")
    assert endpoint_count(admin, SEARCH, "contacts") == 1 + pages(230, 200) + 1  # + count
    assert endpoint_count(admin, BATCH, "contacts") == pages(200, 100) + pages(30, 100)
    assert "reading properties through batch/read" in caplog.text
