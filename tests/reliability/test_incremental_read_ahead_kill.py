"""kill -9 of an incremental run of many types while their windows are read ahead.

After a first run of six types of the portal preset (every association pair among them,
`include_archived`; six rather than all 27 keeps the test fast), records of every type
are modified, a few archived and two contacts merged. The incremental run then reads every
type's search windows ahead on threads of its own and writes them in turn, each page's
position applied to the state only as it is written. Two incremental runs whose tap is
killed at seeded points (the second resumes from the state the first persisted), then one
run to the end, must leave exactly the tables of one uncut incremental run into another
schema.
"""

from __future__ import annotations

import time

import pytest
from hubspot_simulator.admin import SimulatorAdmin

from tests.reliability.conftest import Pipeline, kill_twice_then_finish, live_tables

pytestmark = pytest.mark.slow

TYPES = ["contacts", "companies", "deals", "meetings", "calls", "pets"]
ARCHIVED = ("companies", "deals", "calls")


def change_every_type(admin: SimulatorAdmin, types: list[str]) -> None:
    """Modify records of every type, archive three and merge two contacts, now."""
    for name in types:
        admin.touch(name, count=200 if name == "contacts" else 25, offset=3)
    for name in ARCHIVED:
        live = [o["id"] for o in admin.snapshot(name)["objects"] if not o["archived"]]
        admin.archive(name, max(live, key=int))
    contacts = sorted(
        (o["id"] for o in admin.snapshot("contacts")["objects"] if not o["archived"]), key=int
    )
    admin.merge("contacts", contacts[20], contacts[21])


def test_an_incremental_run_killed_while_reading_ahead_resumes_to_an_uncut_runs_tables(
    portal_runs: tuple[Pipeline, Pipeline],
) -> None:
    cut, uncut = portal_runs
    for pipeline in (cut, uncut):
        # No lookback: a resumed run re-reads nothing its state says was written.
        pipeline.tap_overrides |= {
            "object_types": TYPES,
            "include_archived": True,
            "lookback_minutes": 0,
        }
        pipeline.run()  # the first run: every type read in full
    first = live_tables(uncut)
    change_every_type(uncut.sim.admin, TYPES)
    time.sleep(1.1)  # past the safety lag (1 s): every change inside the run's windows

    whole = uncut.run()
    assert f"Reading ahead: the pages of {len(TYPES)} incremental reads" in whole.tap_stderr
    expected = live_tables(uncut)
    assert expected["contacts"] != first["contacts"]  # the changes were loaded

    lines = whole.lines_forwarded
    kill_twice_then_finish(cut, lines, "incremental-read-ahead", "incremental reads")
    assert live_tables(cut) == expected
