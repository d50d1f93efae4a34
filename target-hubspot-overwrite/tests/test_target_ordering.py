"""The rules of ``ordering.py``: a batch that depends on other streams' records is committed
after them, even when its sink was created (and would be drained) first."""

from __future__ import annotations

from target_helpers import lines, rec, run_target, schema_msg
from test_target_associations import A_KEYS, A_PROPS, M_PROPS, A, M, assoc, flagged, marker, pairs
from test_target_parity import AT, C_PROPS, COUNT_PROPS, IDS_PROPS, live


def test_counts_wait_for_their_object_stream_and_ids(config, db):
    """``object_counts`` and ``object_ids`` sinks exist before ``contacts``: at end of input
    they would be drained first; the counts batch still sees every contact and id."""
    text = lines(
        schema_msg("object_counts", COUNT_PROPS, ["object_type"]),
        schema_msg("object_ids", IDS_PROPS, ["object_type", "id"]),
        schema_msg("contacts", C_PROPS, ["id"]),
        *(rec("contacts", {"id": i, "archived": False, "email": None}) for i in "123"),
        *(rec("object_ids", {"object_type": "contacts", "id": i}) for i in "13"),
        rec(
            "object_counts",
            {"object_type": "contacts", "hubspot_count": 2, "counted_at": AT, "listed_ids": 2},
        ),
    )
    run_target(config, text)
    assert live(db) == {"1", "3"}  # the closed id list removed 2
    assert db.rows("SELECT live_rows, gap FROM {s}.object_counts") == [(2, 0)]


def test_a_marker_waits_for_its_association_rows(config, db):
    """The marker sink exists before the association stream's; its removal still runs after
    the parent's delivered rows are committed, so only the vanished one is removed."""
    head = [schema_msg(M, M_PROPS, ["association_stream", "from_object_id"])]
    first = run_target(
        config, lines(*head, schema_msg(A, A_PROPS, A_KEYS), assoc("7", "a"), assoc("7", "b"))
    )
    assert first.stream(A)["created"] == 2
    result = run_target(
        config, lines(*head, schema_msg(A, A_PROPS, A_KEYS), assoc("7", "a"), marker("7", 1))
    )
    assert pairs(db) == [("7", "a")]
    assert flagged(db) == [("7", "b")]
    # "a" was never flagged and revived: one row removed, the delivered one unchanged
    assert (result.stream(A)["soft_deleted"], result.stream(A)["unchanged"]) == (1, 1)
