"""The tap-target contract table in docs/DESIGN.md agrees with what the tap writes.

The target's tests check the same table against target_hubspot_overwrite/reconciliation.py.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from pipeline_devtools.design_contract import contract, single
from tap_hubspot_assoc import versions
from tap_hubspot_assoc.association.direction_sync import DirectionSync
from tap_hubspot_assoc.association.pairs import Direction
from tap_hubspot_assoc.association.reader import Association, Event, ParentDone, ParentRows
from tap_hubspot_assoc.association.streams import (
    ASSOCIATION_SCHEMA,
    MARKER_SCHEMA,
    MARKER_STREAM,
    AssociationParentSyncsStream,
    AssociationStream,
)


class _Reader:
    """Stands in for AssociationReader: one parent with one link, one without any."""

    direction = Direction("meetings", "contacts")
    requests = 0

    def thread_requests(self) -> int:
        return 0

    def read(self, from_ids: Sequence[str]) -> Iterator[Event]:
        synced = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        yield ParentRows("1", [Association("7", 200, "HUBSPOT_DEFINED", None)])
        yield ParentDone("1", 1, synced)
        yield ParentDone("2", 0, synced)


class _Captured:
    """Stands in for a driven stream: keeps what is written."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.selected = True
        self.records: list[dict[str, Any]] = []

    def announce(self) -> None:
        pass

    def write(self, record: dict[str, Any]) -> None:
        self.records.append(record)


def written_markers() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Association records and markers a DirectionSync writes for one batch."""
    stream = _Captured(_Reader.direction.stream_name)
    markers = _Captured(MARKER_STREAM)
    logger = logging.getLogger("test")
    sync = DirectionSync(_Reader(), stream, markers, logger)  # type: ignore[arg-type]
    sync.read_batch(["1", "2"])
    return stream.records, markers.records


def test_marker_stream_and_key():
    rows = contract()
    assert single(rows["marker stream"]) == [MARKER_STREAM]
    assert single(rows["marker key"]) == list(AssociationParentSyncsStream.primary_keys)


def test_marker_fields_are_the_schema_and_the_records():
    fields = [v for row in contract()["marker field"] for v in row]
    assert "reverse_stream" in fields
    assert fields == list(MARKER_SCHEMA["properties"])
    _, markers = written_markers()
    assert [m["association_count"] for m in markers] == [1, 0]
    assert all(list(m) == fields for m in markers)


def test_association_streams():
    rows = contract()
    pattern = single(rows["association stream"])
    assert pattern == ["{from}_to_{to}_associations"]
    direction = Direction("meetings", "contacts")
    assert direction.stream_name == pattern[0].format(**{"from": "meetings", "to": "contacts"})
    assert single(rows["association key"]) == list(AssociationStream.primary_keys)
    records, _ = written_markers()
    assert records
    assert all(set(AssociationStream.primary_keys) <= set(r) for r in records)
    assert all(list(r) == list(ASSOCIATION_SCHEMA["properties"]) for r in records)


@pytest.mark.parametrize(
    ("empty", "meaning", "sent"), [(False, "CLOSING", 1), (True, "REPEATED", 2)]
)
def test_activate_version_as_the_contract_means_it(empty: bool, meaning: str, sent: int):
    """CLOSING: once after the last record; REPEATED: twice in a row on an empty read. The
    tap never sends OPENING (a message before the records)."""
    meanings = [v for row in contract()["ACTIVATE_VERSION"] for v in row]
    assert meanings == ["CLOSING", "REPEATED", "OPENING"]
    assert meaning in meanings
    written: list[int] = []
    versions.announce_complete(written.append, 1234, empty=empty)
    assert written == [1234] * sent


def test_version_numbers_are_epoch_milliseconds():
    assert single(contract()["version number"]) == ["epoch milliseconds"]
    before = int(time.time() * 1000)
    number = versions.new_version()
    assert before <= number <= int(time.time() * 1000)
