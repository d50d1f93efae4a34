"""Property history end to end: `meltano run` loads `{type}_property_history` equal to the
simulator's histories; an incremental run after updates (two in one millisecond) adds exactly
the new versions and keeps every earlier one (insert-only)."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest

pytestmark = pytest.mark.e2e

TAP = "TAP_HUBSPOT_ASSOC"
RUN = ("run", "tap-hubspot-assoc", "target-hubspot-overwrite")
PROPS = ["lifecyclestage", "hs_lead_status", "firstname"]
CAP = 20


def truth(admin, props: list[str]) -> set[tuple]:
    """(object_id, property, changed_at, same_time_seq, value, source_type, user, truncated)."""
    rows = set()
    for object_id, by_prop in admin.history_snapshot("contacts", props).items():
        for name, versions in by_prop.items():
            oldest_first = versions[::-1]
            for i, v in enumerate(oldest_first):
                seq = sum(1 for o in oldest_first[:i] if o["timestamp"] == v["timestamp"])
                rows.add(
                    (
                        object_id,
                        name,
                        v["timestamp"],
                        seq,
                        v["value"] or None,
                        v["sourceType"],
                        v.get("updatedByUserId"),
                        len(versions) == CAP and i == 0,
                    )
                )
    return rows


def loaded(project) -> set[tuple]:
    def stamp(value: Any) -> str:
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:23] + "Z"

    return {
        (
            r["object_id"],
            r["property_name"],
            stamp(r["changed_at"]),
            r["same_time_seq"],
            r["value"],
            r["source_type"],
            r["updated_by_user_id"],
            r["truncated_before"],
        )
        for r in project.rows("contacts_property_history", order_by="object_id")
        if r.get("_sdc_deleted_at") is None
    }


def test_history_lands_in_postgres_and_grows_insert_only(meltano_project, fresh_simulator):
    admin = fresh_simulator.admin
    meltano_project.set_config(TAP, "object_types", ["contacts"])
    meltano_project.set_config(TAP, "association_pairs", [])
    meltano_project.set_config(TAP, "reference_data", [])
    meltano_project.set_config(TAP, "property_history", {"contacts": PROPS})
    meltano_project.run(*RUN)
    first = truth(admin, PROPS)
    assert loaded(meltano_project) == first
    assert any(row[7] for row in first)  # a truncated property's oldest row

    # Stamped a minute ago: the tap's windows stop `safety_lag_seconds` before the sync start.
    at = int(time.time() * 1000) - 60_000
    admin.update_property("contacts", "1002", {"lifecyclestage": "opportunity"}, at=at)
    admin.update_property(
        "contacts",
        "1002",
        {"lifecyclestage": "customer"},
        at=at,
        source_type="CRM_UI",
        updated_by_user_id=2110000,
    )
    admin.update_property("contacts", "1003", {"firstname": None}, at=at, source_type="IMPORT")
    meltano_project.run(*RUN)
    second = truth(admin, PROPS)
    rows = loaded(meltano_project)
    assert rows == first | second
    at_text = dt.datetime.fromtimestamp(at / 1000, tz=dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
    new = {r for r in rows if r[2] == at_text[:23] + "Z"}
    assert sorted((r[0], r[1], r[3], r[4], r[5]) for r in new) == [
        ("1002", "lifecyclestage", 0, "opportunity", "API"),
        ("1002", "lifecyclestage", 1, "customer", "CRM_UI"),
        ("1003", "firstname", 0, None, "IMPORT"),
    ]
