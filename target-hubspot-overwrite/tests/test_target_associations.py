"""Per-parent association completeness markers (``association_parent_syncs``).

A marker flags the parent's vanished association rows with ``_sdc_deleted_at`` (like every
other removal), or deletes them under ``hard_delete``.
"""

from __future__ import annotations

import pytest
from target_helpers import lines, rec, run_target, schema_msg

A = "meetings_to_contacts_associations"
M = "association_parent_syncs"
A_PROPS = {
    "from_object_type": {"type": "string"},
    "from_object_id": {"type": "string"},
    "to_object_type": {"type": "string"},
    "to_object_id": {"type": "string"},
    "association_type_id": {"type": "integer"},
    "association_category": {"type": ["string", "null"]},
    "association_label": {"type": ["string", "null"]},
}
A_KEYS = ["from_object_id", "to_object_id", "association_type_id"]
M_PROPS = {
    "association_stream": {"type": "string"},
    "from_object_type": {"type": "string"},
    "to_object_type": {"type": "string"},
    "from_object_id": {"type": "string"},
    "association_count": {"type": "integer"},
    "synced_at": {"type": "string", "format": "date-time"},
}


def assoc(parent: str, child: str) -> dict:
    return rec(
        A,
        {
            "from_object_type": "meetings",
            "from_object_id": parent,
            "to_object_type": "contacts",
            "to_object_id": child,
            "association_type_id": 200,
            "association_category": "HUBSPOT_DEFINED",
            "association_label": None,
        },
    )


def marker(parent: str, count: int) -> dict:
    return rec(
        M,
        {
            "association_stream": A,
            "from_object_type": "meetings",
            "to_object_type": "contacts",
            "from_object_id": parent,
            "association_count": count,
            "synced_at": "2026-01-01T00:00:00Z",
        },
    )


def sync(config, *msgs, **settings):
    head = [
        schema_msg(A, A_PROPS, A_KEYS),
        schema_msg(M, M_PROPS, ["association_stream", "from_object_id"]),
    ]
    return run_target({**config, **settings}, lines(*head, *msgs))


def pairs(db):
    """Live association rows."""
    return db.rows(
        f'SELECT from_object_id, to_object_id FROM {{s}}."{A}" '
        "WHERE _sdc_deleted_at IS NULL ORDER BY 1, 2"
    )


def flagged(db):
    """Association rows flagged as removed."""
    return db.rows(
        f'SELECT from_object_id, to_object_id FROM {{s}}."{A}" '
        "WHERE _sdc_deleted_at IS NOT NULL ORDER BY 1, 2"
    )


@pytest.mark.parametrize("hard", [False, True])
@pytest.mark.parametrize("force", [False, True])
@pytest.mark.parametrize("batch", [1, 1000])
def test_markers_remove_vanished_associations(config, db, force, batch, hard):
    sync(
        config,
        assoc("m1", "c1"),
        assoc("m1", "c2"),
        marker("m1", 2),
        assoc("m2", "c1"),
        marker("m2", 1),
        assoc("m3", "c9"),
        marker("m3", 1),
    )
    assert pairs(db) == [("m1", "c1"), ("m1", "c2"), ("m2", "c1"), ("m3", "c9")]
    # m1 lost c2 and gained c3; m2 now has none; m3 not re-read (no marker) -> untouched
    res = sync(
        config,
        assoc("m1", "c1"),
        assoc("m1", "c3"),
        marker("m1", 2),
        marker("m2", 0),
        force_overwrite=force,
        batch_size_rows=batch,
        hard_delete=hard,
    )
    assert pairs(db) == [("m1", "c1"), ("m1", "c3"), ("m3", "c9")]
    # hard_delete removes the vanished rows; otherwise they stay, flagged
    expected_flagged = [] if hard else [("m1", "c2"), ("m2", "c1")]
    assert flagged(db) == expected_flagged
    counts = (res.stream(A)["deleted"], res.stream(A)["soft_deleted"])
    assert counts == ((2, 0) if hard else (0, 2))


def test_flagged_association_delivered_again_is_live(config, db):
    sync(config, assoc("m1", "c1"), assoc("m1", "c2"), marker("m1", 2))
    sync(config, assoc("m1", "c1"), marker("m1", 1))
    assert flagged(db) == [("m1", "c2")]
    sync(config, assoc("m1", "c1"), assoc("m1", "c2"), marker("m1", 2))
    assert pairs(db) == [("m1", "c1"), ("m1", "c2")]
    assert flagged(db) == []


def test_parent_without_marker_keeps_rows(config, db):
    sync(config, assoc("m1", "c1"), assoc("m1", "c2"), marker("m1", 2))
    sync(config, assoc("m1", "c1"))  # error mid-parent: no marker -> nothing deleted
    assert pairs(db) == [("m1", "c1"), ("m1", "c2")]


def test_marker_only_run_for_parent_with_zero(config, db):
    sync(config, assoc("m1", "c1"), marker("m1", 1))
    run_target(
        config,
        lines(schema_msg(M, M_PROPS, ["association_stream", "from_object_id"]), marker("m1", 0)),
    )
    assert pairs(db) == []
    assert db.scalar("SELECT association_count FROM {s}.association_parent_syncs") == 0


def test_dry_run_reports_association_deletes(config, db):
    sync(config, assoc("m1", "c1"), assoc("m1", "c2"), marker("m1", 2))
    res = sync(config, assoc("m1", "c1"), marker("m1", 1), dry_run=True)
    assert res.stream(A)["soft_deleted"] == 1
    assert len(pairs(db)) == 2
