"""Keyset chains on realistic ids (eras, import blocks, holes, outliers): ranges cut by
counted ranks, dry chains taking work from the busiest range, every id read exactly once."""

from __future__ import annotations

import itertools
import logging
import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from tap_helpers import active_ids, assert_version_follows_records, run_tap, tap_config
from tap_hubspot_assoc import keyset_reads, read_plan
from tap_hubspot_assoc.id_split import MAX_OFFSET, cuts_at_ranks, ids_at_ranks
from tap_hubspot_assoc.keyset_reads import ChainRanges, KeysetFullRead, ListTail
from tap_hubspot_assoc.tap import TapHubspotAssoc

CHAINS = 5
BALANCE_TOLERANCE = 0.01  # counted cuts: each range within 1 % of an equal share


@pytest.fixture
def realistic(simulator, request: pytest.FixtureRequest) -> Iterator[Any]:
    """12,500 contacts (or the parameter) with realistic ids: about 95 % below ~60k, the rest
    8 to 12 digits."""
    admin = simulator.admin
    contacts = getattr(request, "param", 12_500)
    admin.reset(seed=3, contacts=contacts, meetings=0, appointments=0, id_layout="realistic")
    admin.set_rate_limits(enabled=False)
    yield simulator
    admin.reset(seed=7, contacts=250, meetings=60, appointments=20)


def _reader_and_pool(simulator, workers: int = 8) -> tuple[Any, Any]:
    config = tap_config(simulator, max_concurrent_requests=workers, object_types=["contacts"])
    tap = TapHubspotAssoc(config=config, parse_env_config=False)
    return tap.streams["contacts"].reader, tap.request_pool


def _sorted_ids(admin) -> list[int]:
    return sorted(int(i) for i in active_ids(admin, "contacts"))


def _counts(ids: list[int], bounds: list[int]) -> list[int]:
    edges = [0, *bounds, max(ids)]
    return [sum(1 for i in ids if lo < i <= hi) for lo, hi in itertools.pairwise(edges)]


@pytest.mark.parametrize("realistic", [25_000], indirect=True)
def test_counted_cuts_give_every_chain_an_equal_share_where_id_arithmetic_does_not(realistic):
    """Ids at ranks n/5 .. 4n/5 (and n/2, which needs a stride: more than 10,000 from both
    ends) are exact whatever the layout; the even id split gives one range nearly all."""
    ids = _sorted_ids(realistic.admin)
    n = len(ids)
    even = [ids[0] + (ids[-1] - ids[0]) * j // CHAINS for j in range(1, CHAINS)]
    assert max(_counts(ids, even)) > 0.9 * n  # the skew the issue measured

    reader, pool = _reader_and_pool(realistic)
    ranks = [n * j // CHAINS for j in range(1, CHAINS)]
    points, searches = ids_at_ranks(reader, pool, low=None, total=n, ranks=[*ranks, n // 2])
    at = {p.rank: p.id for p in points}
    assert at == {r: ids[r - 1] for r in [*ranks, n // 2]}
    assert min(n // 2, n - n // 2) > MAX_OFFSET + 1  # n/2 is reached by a stride
    assert searches == len(ranks) + 1 + 1  # one search per id, one stride
    shares = _counts(ids, [at[r] for r in ranks])
    assert all(abs(c - n / CHAINS) <= BALANCE_TOLERANCE * n / CHAINS for c in shares), shares

    # Above a lower bound (the list tail's case): ranks count from there.
    low = ids[3_000]
    points, _ = ids_at_ranks(reader, pool, low=low, total=n - 3_001, ranks=[1, 5_000])
    assert [(p.rank, p.id) for p in points] == [(1, ids[3_001]), (5_000, ids[3_000 + 5_000])]


def test_each_cut_search_reads_the_first_page_of_the_chain_starting_there(
    realistic, monkeypatch: pytest.MonkeyPatch
):
    """With page properties the search landing on a cut also reads the records just above it
    (a chain's first page, with its properties); chains given those pages search once less
    each and still read every id once."""
    ids = _sorted_ids(realistic.admin)
    n = len(ids)
    reader, pool = _reader_and_pool(realistic)
    properties = reader.keyset_search_properties()
    assert properties == reader.property_names  # contacts' properties fit a search body
    ranks = [n * j // CHAINS for j in range(1, CHAINS)]
    cuts = cuts_at_ranks(
        reader, pool, low=None, total=n, ranks=[*ranks, n // 2], page_properties=properties
    )
    assert {p.rank: p.id for p in cuts.points} == {r: ids[r - 1] for r in [*ranks, n // 2]}
    # Every cut an upward search lands on (n/2's too, after its stride) has its page.
    assert {ids[r - 1] for r in ranks} <= set(cuts.pages) <= {p.id for p in cuts.points}
    for r in ranks:
        page = cuts.pages[ids[r - 1]]
        assert [int(o["id"]) for o in page.records] == ids[r : r + 199]
        assert page.complete
        assert set(properties) <= set(page.records[0]["properties"])

    ranges = ChainRanges.at_ranks(None, [p for p in cuts.points if p.rank in ranks], n)
    # No chain takes work (a steal adds a range's short last page): searches are exact. A
    # range of 200k + 199 records would save none (it ends on an empty search instead of a
    # short page); this data has none.
    assert all(c % 200 != 199 for c in ranges.counts)
    monkeypatch.setattr(keyset_reads, "STEAL_MIN_RECORDS", n + 1)
    plain = KeysetFullRead(reader, pool, ranges)
    with_pages = KeysetFullRead(reader, pool, ranges, first_pages=cuts.pages)
    assert _read_all(with_pages) == _read_all(plain) == Counter({str(i): 1 for i in ids})
    assert with_pages.searches == plain.searches - len(ranks)


def _read_all(read: KeysetFullRead) -> Counter[str]:
    return Counter(str(obj["id"]) for page in read.pages() for obj in page)


def test_chains_that_run_dry_take_half_of_the_busiest_range_and_read_every_id_once(realistic):
    """Ranges split by id arithmetic (the old planner): the first holds nearly every record,
    the others run dry at once and take work from it; no id is missed or read twice. Searches
    take 20 ms, so the dense chain has a search in flight when its range is cut: the ids that
    answer holds above the cut are the thief's."""
    admin = realistic.admin
    admin.set_latency("off", endpoints={"search": {"fixedMs": 20, "perRecordMs": 0}}, jitter=0)
    ids = _sorted_ids(admin)
    even = [ids[0] + (ids[-1] - ids[0]) * j // CHAINS for j in range(1, CHAINS)]
    counts = _counts(ids, even)
    dense = counts.index(max(counts))
    reader, pool = _reader_and_pool(realistic)
    read = KeysetFullRead(reader, pool, ChainRanges(None, even, counts))
    seen = _read_all(read)

    assert seen == Counter({str(i): 1 for i in ids})
    assert read.steals, "no chain took work"
    assert read.steals[0].victim == dense  # the first dry chain takes from the busiest
    assert read.steals[0].thief != dense
    assert len({s.thief for s in read.steals}) >= 2  # several chains joined the dense range
    # Each steal costs one count search (an attempt that finds the victim got there first
    # ends its chain: at most one per chain); the chains' own pages stay near n / 200 (each
    # range ends with one short page, a split may drop one page in flight).
    assert len(read.steals) <= read.probes <= len(read.steals) + CHAINS
    assert read.searches <= len(ids) // 200 + CHAINS + 2 * len(read.steals) + 1
    admin.set_latency("off")


def test_a_page_in_flight_when_its_range_is_cut_keeps_only_the_ids_up_to_the_cut(
    realistic, monkeypatch: pytest.MonkeyPatch
):
    """A dry chain cuts a range while that range's next search is in flight (the search went
    out with the old upper end): the answer's ids above the cut are the thief's, so they are
    dropped, and the chain's range is read."""
    ids = _sorted_ids(realistic.admin)
    reader, pool = _reader_and_pool(realistic)
    read = KeysetFullRead(reader, pool, ChainRanges(None, [], [len(ids)]))
    chain = read._chains[0]
    post = reader.client.post

    def cut_while_in_flight(*args: Any, **kwargs: Any) -> Any:
        answer = post(*args, **kwargs)
        chain.upper = ids[99]  # what a steal commits
        return answer

    monkeypatch.setattr(reader.client, "post", cut_while_in_flight)
    results, last = read._search_chain(chain)
    assert [int(obj["id"]) for obj in results] == ids[:100]
    assert last
    assert chain.after == ids[99]


def test_a_dry_chain_lowers_the_list_tails_split_and_reads_above_it(realistic):
    """The list tail holds every record left and lists slowly; the one chain above it has none:
    it takes the upper half of the tail's range, the list stops at the new split, and the
    tail's gap check agrees; every id once."""
    admin = realistic.admin
    admin.set_latency("off", endpoints={"list": {"fixedMs": 30, "perRecordMs": 0}}, jitter=0)
    ids = _sorted_ids(admin)
    reader, pool = _reader_and_pool(realistic)
    listing = reader.list_pages()
    first = next(listing)
    listed = {str(obj["id"]) for obj in first}
    top = ids[-1]
    admin.reset_request_counts()
    tail = ListTail(listing, top, listed, len(ids) - len(listed))
    read = KeysetFullRead(reader, pool, ChainRanges(top, [], [0]), list_tail=tail)
    seen = _read_all(read) + Counter(str(obj["id"]) for obj in first)

    assert seen == Counter({str(i): 1 for i in ids})
    tail_steals = [s for s in read.steals if s.victim == -1]
    assert tail_steals, read.steals
    assert tail.split == min(s.at for s in tail_steals) < top
    list_pages = admin.request_counts()["byObjectType"]["GET /crm/v3/objects/{type}"]["contacts"]
    assert list_pages < (len(ids) - len(listed)) / 100  # the list did not read it all
    admin.set_latency("off")


def test_a_switched_read_on_realistic_ids_cuts_by_counts_and_reads_the_same_records(
    realistic, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
):
    """The whole tap: a slow list chain switches to keyset chains on realistic ids; the list
    tail's split and the chains' ranges come from counts (the log says how many records each
    side holds, not a few hundred), and the output equals a list-only run's."""
    admin = realistic.admin
    slow_list = {"list": {"fixedMs": 40, "perRecordMs": 0}, "search": {"fixedMs": 20}}
    admin.set_latency("off", endpoints=slow_list, jitter=0)
    monkeypatch.setattr(read_plan, "PLAN_AFTER_SECONDS", 0.3)
    monkeypatch.setattr(read_plan, "MIN_SAVING_SECONDS", 0.0)
    config = tap_config(realistic, max_concurrent_requests=8, object_types=["contacts"])
    with caplog.at_level(logging.INFO):
        fastest = run_tap(config)
    listed = run_tap({**config, "read_plan": "fewest_requests"})
    admin.set_latency("off")

    assert "Plan contacts: switching to keyset search" in caplog.text
    line = next(r.message for r in caplog.records if "list pages go on up to id" in r.message)
    tail_records = int(line.split("(~")[1].split(" records")[0].replace(",", ""))
    chain_records = int(line.split("(~")[2].split(" records")[0].replace(",", ""))
    n = len(active_ids(admin, "contacts"))
    assert tail_records + chain_records <= n
    assert chain_records > n // 2  # the chains hold most (search is the faster budget)
    assert tail_records > 0
    assert "Plan contacts: keyset read done: " in caplog.text  # what the chains spent
    assert fastest.by_id("contacts") == listed.by_id("contacts")
    assert len(fastest.records("contacts")) == n
    assert_version_follows_records(fastest, "contacts")


def test_list_tails_waiting_for_their_reader_hold_no_pool_worker(realistic):
    """Two switched reads whose pages are not taken (read-ahead streams waiting for their
    turn) and a third read, all on one pool of 2 workers: the waiting list tails hold no
    worker, so the third read's chains run and it reads every id once."""
    ids = _sorted_ids(realistic.admin)
    reader, pool = _reader_and_pool(realistic, workers=2)

    def switched_read() -> tuple[KeysetFullRead, Counter[str]]:
        listing = reader.list_pages()
        first = next(listing)
        listed = {str(obj["id"]) for obj in first}
        split = ids[len(ids) // 2]
        tail = ListTail(listing, split, listed, len(ids) // 2 - len(listed))
        read = KeysetFullRead(reader, pool, ChainRanges(split, [], [len(ids) // 2]), list_tail=tail)
        return read, Counter(str(obj["id"]) for obj in first)

    waiting = []
    for _ in range(2):
        read, _first = switched_read()
        pages = read.pages()
        next(pages)  # started, then left waiting
        waiting.append(pages)
    read, first = switched_read()
    done: list[Counter[str]] = []
    worker = threading.Thread(target=lambda: done.append(_read_all(read) + first), daemon=True)
    worker.start()
    worker.join(120)  # a guard against a hang, not a measurement
    assert done, "the third read never finished: its chains found no free worker"
    assert done[0] == Counter({str(i): 1 for i in ids})


def test_a_read_closed_early_stops_its_chains_and_its_list_tail(
    realistic, monkeypatch: pytest.MonkeyPatch
):
    """A switched read dropped after its first page (a read-ahead cancelled: the run failed,
    or the stream's turn reads otherwise): once the close returns, no chain searches again
    (here chains never park, so only the stop ends them), none is in flight, and the list
    tail's thread, which would wait forever for a slot no reader frees, has ended."""
    admin = realistic.admin
    # Searches of 100 ms: a chain relaunching between the count below and the stop needs a
    # round trip in that instant, so at most one launch races the close.
    admin.set_latency("off", endpoints={"search": {"fixedMs": 100, "perRecordMs": 0}}, jitter=0)
    ids = _sorted_ids(admin)
    reader, pool = _reader_and_pool(realistic)
    listing = reader.list_pages()
    listed = {str(obj["id"]) for obj in next(listing)}
    split = ids[len(ids) // 2]
    tail = ListTail(listing, split, listed, len(ids) // 2 - len(listed))
    before = set(threading.enumerate())
    read = KeysetFullRead(reader, pool, ChainRanges(split, [], [len(ids) // 2]), list_tail=tail)
    monkeypatch.setattr(keyset_reads, "RUN_AHEAD_PAGES", len(ids))  # (the tail keeps its 2)
    pages = read.pages()
    next(pages)
    (tail_thread,) = [t for t in set(threading.enumerate()) - before if "list-tail" in t.name]
    at_close = read.searches
    pages.close()
    assert not tail_thread.is_alive(), "the list tail waits forever for a slot"
    assert read.in_flight == 0  # no request of this read in flight any more
    assert read.searches <= at_close + 1  # at most the one launched as the close came
    assert read.searches < len(ids) // 2 // 200  # (without the stop: its whole range and more)
    admin.set_latency("off")
