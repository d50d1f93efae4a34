"""kill -9 of a whole-portal run while every type's pages are read ahead (issue 22).

`object_types: all` and `association_pairs: all` on the simulator's portal preset: the tap
starts all 27 full reads at once on read-ahead threads and writes them in turn. Two runs
whose tap is killed at seeded points (the second resumes from the state the first persisted),
then one run to the end, must leave exactly the tables of one uncut run into another schema
(every live row, every column but the load's own bookkeeping and the run's clock); the uncut
run's objects and associations equal the simulator's.
"""

from __future__ import annotations

import psycopg
import pytest

from tests import portal_oracle as oracle
from tests.reliability.conftest import Pipeline, kill_twice_then_finish, live_tables

pytestmark = pytest.mark.slow


def test_a_whole_portal_run_killed_while_reading_ahead_resumes_to_an_uncut_runs_tables(
    portal_runs: tuple[Pipeline, Pipeline],
) -> None:
    cut, uncut = portal_runs
    whole = uncut.run()
    assert "Reading ahead: the pages of 27 full reads" in whole.tap_stderr
    portal = oracle.discover(uncut.sim)
    with psycopg.connect(uncut.db_url) as conn:
        differences = [
            *(
                d
                for t in portal.types
                for d in oracle.object_differences(uncut.sim, conn, uncut.schema, t)
            ),
            *(
                d
                for a, b in portal.directions
                for d in oracle.association_differences(uncut.sim, conn, uncut.schema, a, b)
            ),
        ]
    assert differences == []  # the uncut run read every page of every type
    expected = live_tables(uncut)
    assert len(expected["contacts"]) > 500
    assert len(expected["pets_to_contacts_associations"]) > 500

    lines = whole.lines_forwarded
    kill_twice_then_finish(cut, lines, "whole-portal", "Reading ahead: the pages of")
    assert live_tables(cut) == expected
