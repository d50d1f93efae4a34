"""The one rule for flagging versus deleting rows (``removals.deletion``), per stream kind."""

from __future__ import annotations

import pytest
from target_hubspot_overwrite.reconciliation import StreamKind
from target_hubspot_overwrite.removals import Deletion, Removed, deletion

FLAG, DELETE = Deletion.FLAG, Deletion.DELETE

# kind -> (without hard_delete, with hard_delete)
RULE = {
    StreamKind.OBJECT: (FLAG, DELETE),
    StreamKind.ASSOCIATION: (FLAG, DELETE),
    StreamKind.MARKER: (FLAG, DELETE),
    StreamKind.MEMBERSHIP: (FLAG, DELETE),
    StreamKind.REFERENCE: (FLAG, FLAG),  # records keep naming reference rows
    StreamKind.HISTORY: (FLAG, FLAG),  # history is never deleted
}


def test_rule_covers_every_kind():
    assert set(RULE) == set(StreamKind)


@pytest.mark.parametrize("kind", list(StreamKind), ids=lambda k: k.name)
def test_flag_unless_hard_delete_except_reference_and_history(kind):
    soft, hard = RULE[kind]
    assert deletion(kind, hard_delete=False) is soft
    assert deletion(kind, hard_delete=True) is hard


@pytest.mark.parametrize("kind", list(StreamKind), ids=lambda k: k.name)
def test_a_table_without_the_flag_column_is_deleted_from(kind):
    assert deletion(kind, hard_delete=False, flaggable=False) is DELETE


def test_removed_adds_and_counts():
    total = Removed(deleted=2) + Removed(soft_deleted=3)
    assert (total.deleted, total.soft_deleted, total.rows) == (2, 3, 5)
