"""object_counts / object_ids: parity lines and reconciliation of a closed id list."""

from __future__ import annotations

import logging

import pytest
from target_helpers import lines, rec, run_target, schema_msg

C_PROPS = {
    "id": {"type": "string"},
    "archived": {"type": ["boolean", "null"]},
    "email": {"type": ["string", "null"]},
}
A = "contacts_to_meetings_associations"
A_PROPS = {
    "from_object_type": {"type": "string"},
    "from_object_id": {"type": "string"},
    "to_object_type": {"type": "string"},
    "to_object_id": {"type": "string"},
    "association_type_id": {"type": "integer"},
}
COUNT_PROPS = {
    "object_type": {"type": "string"},
    "hubspot_count": {"type": "integer"},
    "counted_at": {"type": "string", "format": "date-time"},
    "listed_ids": {"type": ["integer", "null"]},
    "live_rows": {"type": ["integer", "null"]},
    "gap": {"type": ["integer", "null"]},
}
IDS_PROPS = {"object_type": {"type": "string"}, "id": {"type": "string"}}
AT = "2026-01-01T00:00:00.000Z"


def load(config: dict, *, ids: list[str] | None, hubspot_count: int, listed: int | None):
    msgs = [
        schema_msg("contacts", C_PROPS, ["id"]),
        *(rec("contacts", {"id": i, "archived": False, "email": f"{i}@x"}) for i in "123"),
        rec("contacts", {"id": "9", "archived": True, "email": None}),
        schema_msg(A, A_PROPS, ["from_object_id", "to_object_id", "association_type_id"]),
        *(
            rec(
                A,
                {
                    "from_object_type": "contacts",
                    "from_object_id": i,
                    "to_object_type": "meetings",
                    "to_object_id": "7",
                    "association_type_id": 199,
                },
            )
            for i in "123"
        ),
    ]
    if ids is not None:
        msgs.append(schema_msg("object_ids", IDS_PROPS, ["object_type", "id"]))
        msgs += [rec("object_ids", {"object_type": "contacts", "id": i}) for i in ids]
    msgs.append(schema_msg("object_counts", COUNT_PROPS, ["object_type"]))
    msgs.append(
        rec(
            "object_counts",
            {
                "object_type": "contacts",
                "hubspot_count": hubspot_count,
                "counted_at": AT,
                "listed_ids": listed,
            },
        )
    )
    return run_target(config, lines(*msgs))


def live(db) -> set[str]:
    return {r[0] for r in db.rows("SELECT id FROM {s}.contacts WHERE _sdc_deleted_at IS NULL")}


def live_links(db) -> set[str]:
    return {
        r[0] for r in db.rows(f"SELECT from_object_id FROM {{s}}.{A} WHERE _sdc_deleted_at IS NULL")
    }


def test_parity_without_ids_reports_the_gap(config, db, caplog):
    caplog.set_level(logging.INFO)
    load(config, ids=None, hubspot_count=3, listed=None)
    assert db.rows("SELECT live_rows, gap FROM {s}.object_counts") == [(3, 0)]
    assert "Parity contacts: HubSpot 3, warehouse 3 live rows, gap +0" in caplog.text
    caplog.clear()
    load(config, ids=None, hubspot_count=2, listed=None)  # nothing changed, one deleted
    assert "gap +1 (this run changed 0 row(s)" in caplog.text
    assert "WARNING: the gap is larger" in caplog.text
    assert '"metric":"hubspot_count_parity","value":1' in caplog.text


@pytest.mark.parametrize("hard", [False, True])
def test_a_closed_id_list_removes_rows_and_their_links(config, db, hard):
    load({**config, "hard_delete": hard}, ids=["1", "3"], hubspot_count=2, listed=2)
    assert live(db) == {"1", "3", "9"}  # the archived row is never checked
    assert live_links(db) == {"1", "3"}
    gone = db.rows("SELECT count(*) FROM {s}.contacts WHERE id = '2'")[0][0]
    assert gone == (0 if hard else 1)
    assert db.rows("SELECT live_rows, gap FROM {s}.object_counts") == [(2, 0)]


def test_an_incomplete_or_unclosed_list_removes_nothing(config, db, caplog):
    load(config, ids=["1", "3"], hubspot_count=2, listed=3)  # one id lost on the way
    assert live(db) == {"1", "2", "3", "9"}
    assert "the tap listed 3 ids, 2 arrived" in caplog.text
    load(config, ids=["1", "3"], hubspot_count=2, listed=None)  # listing failed in the tap
    assert live(db) == {"1", "2", "3", "9"}
    assert live_links(db) == {"1", "2", "3"}


def test_dry_run_reports_and_keeps_everything(config, db, caplog):
    caplog.set_level(logging.INFO)
    load(config, ids=None, hubspot_count=3, listed=None)
    load({**config, "dry_run": True}, ids=["1", "3"], hubspot_count=2, listed=2)
    assert live(db) == {"1", "2", "3", "9"}
    assert "DRY RUN (nothing written) Parity contacts" in caplog.text
