"""The tap-target contract table in docs/DESIGN.md agrees with the target's constants."""

from __future__ import annotations

from pipeline_devtools.design_contract import contract, single
from target_hubspot_overwrite.reconciliation import (
    ASSOCIATION_KEY,
    ASSOCIATION_STREAM_PATTERN,
    HISTORY_KEY,
    HISTORY_STREAM_PATTERN,
    MARKER_KEY,
    MARKER_STREAM,
    MEMBERSHIP_KEY,
    MEMBERSHIP_STREAM,
    REFERENCE_KEYS,
    MarkerField,
    StreamKind,
    VersionMessage,
    history_stream,
    stream_kind,
)


def test_marker_stream_and_key():
    rows = contract()
    assert single(rows["marker stream"]) == [MARKER_STREAM]
    assert single(rows["marker key"]) == [str(f) for f in MARKER_KEY]


def test_marker_fields():
    fields = [v for row in contract()["marker field"] for v in row]
    assert fields == [str(f) for f in MarkerField]


def test_association_streams():
    rows = contract()
    assert single(rows["association stream"]) == [ASSOCIATION_STREAM_PATTERN]
    assert single(rows["association key"]) == list(ASSOCIATION_KEY)


def test_activate_version_meanings():
    meanings = [v for row in contract()["ACTIVATE_VERSION"] for v in row]
    assert meanings == [m.name for m in VersionMessage]


def test_version_numbers_are_described():
    assert contract()["version number"], "the contract must say what version numbers are"


def keyed(rows: list[list[str]]) -> dict[str, tuple[str, ...]]:
    """Rows ``stream keyed k1, k2`` as {stream: keys}."""
    return {row[0]: tuple(row[1:]) for row in rows}


def test_reference_streams_and_keys():
    assert keyed(contract()["reference stream"]) == REFERENCE_KEYS
    assert keyed(contract()["membership stream"]) == {MEMBERSHIP_STREAM: MEMBERSHIP_KEY}
    for name, keys in REFERENCE_KEYS.items():
        assert stream_kind(name, keys) == (StreamKind.REFERENCE, None)
    assert stream_kind(MEMBERSHIP_STREAM, MEMBERSHIP_KEY) == (StreamKind.MEMBERSHIP, None)


def test_history_stream_and_key():
    rows = contract()
    assert single(rows["history stream"]) == [HISTORY_STREAM_PATTERN]
    assert single(rows["history key"]) == list(HISTORY_KEY)
    assert stream_kind(history_stream("deals"), HISTORY_KEY) == (StreamKind.HISTORY, None)


def test_stream_kinds_and_their_rules():
    assert [v for row in contract()["stream kind"] for v in row] == [k.name for k in StreamKind]
    rules = {k.name: (k.insert_only, k.reconciled, k.always_flags) for k in StreamKind}
    assert {name for name, (insert_only, _, _) in rules.items() if insert_only} == {"HISTORY"}
    assert {name for name, (_, reconciled, _) in rules.items() if not reconciled} == {"HISTORY"}
    assert {name for name, (_, _, flags) in rules.items() if flags} == {"REFERENCE", "HISTORY"}


def test_a_kind_claimed_by_name_with_another_key_is_an_ordinary_stream():
    kind, warning = stream_kind("owners", ["id"])
    assert kind is StreamKind.OBJECT
    assert warning is not None
    assert "named like a reference stream" in warning
    assert stream_kind("contacts", ["id"]) == (StreamKind.OBJECT, None)
    assert stream_kind("deals_to_companies_associations", ["from_object_id"])[0] is (
        StreamKind.ASSOCIATION
    )
