"""The property-history benchmark's arithmetic (``bench.history_report``, ``bench.history_bench``):
requests sorted into kinds, the minimum plans with history reads, and a projection that gives
back the measured plan and wall at the measured size."""

from __future__ import annotations

import math
from typing import Any

import pytest

from bench import history_report
from bench.history_bench import minimum_incremental

PROPS = {"contacts": ["lifecyclestage", "hs_lead_status"], "deals": ["dealstage", "amount"]}
ACTIVE = {"contacts": 97_110, "deals": 29_115}


def _full_minimum() -> dict[str, Any]:
    """A full minimum as ``bench.history_bench.minimum_full`` builds it for ``ACTIVE``, with 5
    extra 500-link association pages."""
    return history_report.summarize(
        {
            "GET /crm/v3/objects/{type} [contacts]": 972,
            "GET /crm/v3/objects/{type} [deals]": 292,
            "GET /crm/v3/properties/{type} [contacts]": 1,
            "GET /crm/v3/properties/{type} [deals]": 1,
            "POST /crm/v3/objects/{type}/search [contacts]": 1,
            "POST /crm/v3/objects/{type}/search [deals]": 1,
            "POST /crm/v4/associations/{from}/{to}/batch/read [deals->contacts]": 30 + 5,
            "POST /crm/v4/associations/{from}/{to}/batch/read [contacts->deals]": 98,
            "GET /crm/v4/associations/{from}/{to}/labels [deals->contacts]": 1,
            "GET /crm/v4/associations/{from}/{to}/labels [contacts->deals]": 1,
            history_report.history_key("contacts"): 1_943,
            history_report.history_key("deals"): 583,
        }
    )


def test_history_batch_reads_are_their_own_kind():
    plan = _full_minimum()
    assert {k: plan[k] for k in history_report.KINDS} == {
        "list": 1_264,
        "search": 2,
        "association_batch_read": 133,
        "history_batch_read": 2_526,
        "other": 4,
    }
    assert plan["burst"] == 1_264 + 133 + 2_526 + 4
    assert history_report.bound(plan) == 10 * (math.ceil(plan["burst"] / 100) - 1)


def test_incremental_minimum_adds_one_history_read_per_50_changed_records():
    plan = history_report.summarize(minimum_incremental({"contacts": 971, "deals": 291}, PROPS))
    assert plan["history_batch_read"] == 20 + 6
    assert plan["search"] == (5 + 1) + (2 + 1)  # window pages + the parity count, per type
    assert plan["association_batch_read"] == 1 + 1
    assert plan["other"] == 2 + 2  # properties per type, labels per direction


def _measured(wall: float) -> dict[str, Any]:
    full_min = _full_minimum()
    incr_min = history_report.summarize(minimum_incremental({"contacts": 971, "deals": 291}, PROPS))
    limit = history_report.bound(full_min)
    return {
        "plan": {"contacts": 100_000, "deals_per_contact": 0.3, "change_fraction": 0.01},
        "active": ACTIVE,
        "full_minimum": full_min,
        "incremental_minimum": incr_min,
        "runs": [
            {
                "full": {"expected_by_type": {"contacts": 455_551, "deals": 358_658}},
                "incremental": {
                    "expected_rows": 12_620,
                    "changed": {"contacts": 971, "deals": 291},
                },
            }
        ],
        "summary": {
            "full": {"ratio": wall / limit, "median": {"seconds": wall}},
            "incremental": {"median": {"seconds": 12.0}},
        },
    }


def test_projection_at_the_measured_size_gives_back_the_measured_plan_and_wall():
    out = _measured(wall=250.0)
    pj = history_report.project(out, contacts=100_000)
    for kind in history_report.KINDS:
        assert pj["full"][kind] == out["full_minimum"][kind], kind
        assert pj["incremental"][kind] == out["incremental_minimum"][kind], kind
    assert pj["full"]["burst"] == out["full_minimum"]["burst"]
    assert pj["full"]["projected_seconds"] == pytest.approx(250.0)
    assert pj["full"]["history_rows"] == 455_551 + 358_658
    assert pj["incremental"]["history_rows"] == 12_620


def test_projection_to_ten_times_the_data():
    pj = history_report.project(_measured(wall=250.0), contacts=1_000_000)
    assert pj["active"] == {"contacts": 971_100, "deals": 291_150}
    assert pj["full"]["list"] == 9_711 + 2_912
    assert pj["full"]["history_batch_read"] == 19_422 + 5_823
    assert pj["full"]["association_batch_read"] == 292 + 972 + 50  # extra pages x 10
    assert pj["incremental"]["history_batch_read"] == math.ceil(9_711 / 50) + math.ceil(2_911 / 50)
