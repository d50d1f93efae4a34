"""In-process checks of the generator: speed, memory-light storage, data variety."""

from __future__ import annotations

from hubspot_simulator.dataset import Dataset
from hubspot_simulator.generator import DatasetSpec


def test_large_generation_is_lazy():
    """Large datasets keep compact columns and generate values on demand (generation speed is
    measured by benchmarks, not asserted here)."""
    ds = Dataset(DatasetSpec(contacts=100_000, meetings=30_000, appointments=10_000))
    links = sum(p.count() for p in ds.pairs.values())
    assert links > 140_000
    contacts = ds.tables["contacts"]
    assert not contacts.overrides  # values are generated on demand, not stored


def test_values_cover_types_and_edge_cases():
    ds = Dataset(DatasetSpec(contacts=2000, meetings=600, appointments=100))
    contacts = ds.tables["contacts"]
    values = [contacts.snapshot(i)["properties"] for i in range(len(contacts))]
    assert any(v["interests"] and ";" in v["interests"] for v in values)
    assert any(v["phone"] == "" for v in values)
    assert any(v["phone"] is None for v in values)
    assert any(v["bio"] and len(v["bio"]) >= 60_000 for v in values)
    assert any(v["firstname"] and not v["firstname"].isascii() for v in values)
    assert all(v["hs_lastmodifieddate"] is None for v in values)
    assert sum(1 for v in values if v["lastmodifieddate"] == "2025-03-03T12:00:00.000Z") > 10
    meetings = ds.tables["meetings"]
    m = [meetings.snapshot(i)["properties"] for i in range(len(meetings))]
    assert all(x["hs_timestamp"] == x["hs_meeting_start_time"] for x in m)
    assert all(
        x["hs_meeting_end_time"] is None or x["hs_meeting_end_time"] > x["hs_meeting_start_time"]
        for x in m
    )
