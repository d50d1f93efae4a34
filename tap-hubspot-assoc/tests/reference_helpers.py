"""The rows each reference stream must hold in the tap's RECORD messages: the shared oracle
(`pipeline_devtools.reference_truth`, built from the simulator's ground truth) with
timestamps in the tap's exact form (milliseconds, Z)."""

from __future__ import annotations

from typing import Any

from hubspot_simulator.admin import SimulatorAdmin
from pipeline_devtools import reference_truth as truth
from pipeline_devtools.reference_truth import KEYS as KEYS
from tap_helpers import TapOutput

Keyed = dict[tuple, dict[str, Any]]


def ms(text: str | None) -> str | None:
    """A HubSpot timestamp as the tap normalises it (milliseconds, Z)."""
    if text is None:
        return None
    head, _, rest = text.rstrip("Z").partition(".")
    return f"{head}.{(rest + '000')[:3]}Z"


def keyed(stream: str, rows: list[dict[str, Any]]) -> Keyed:
    """Rows by their key (a repeated key fails: each row must come once)."""
    found = {tuple(r[k] for k in KEYS[stream]): r for r in rows}
    assert len(found) == len(rows), f"{stream}: {len(rows) - len(found)} repeated keys"
    return found


def output_rows(output: TapOutput, stream: str) -> Keyed:
    return keyed(stream, output.records(stream))


def _as_tap_emits(tables: dict[str, list[dict[str, Any]]]) -> dict[str, Keyed]:
    return {
        stream: keyed(
            stream,
            [
                {c: ms(v) if c in truth.TIMESTAMP_COLUMNS else v for c, v in row.items()}
                for row in rows
            ],
        )
        for stream, rows in tables.items()
    }


def owners_truth(admin: SimulatorAdmin) -> dict[str, Keyed]:
    return _as_tap_emits(truth.owner_rows(admin.owners_truth()))


def pipelines_truth(admin: SimulatorAdmin, type_ids: dict[str, str]) -> dict[str, Keyed]:
    """Pipelines and stages of the synced types (`type_ids`: name → type id)."""
    return _as_tap_emits(truth.pipeline_rows(admin.pipelines_truth(), type_ids))


def properties_truth(admin: SimulatorAdmin, types: list[str]) -> dict[str, Keyed]:
    return _as_tap_emits(truth.property_rows({t: admin.properties_truth(t) for t in types}))


def lists_truth(
    admin: SimulatorAdmin, streams: dict[str, str], chosen: set[str] | None
) -> dict[str, Keyed]:
    """`streams`: synced type id → stream name; `chosen`: list ids whose members are read
    (None: every list)."""
    return _as_tap_emits(truth.list_rows(admin.lists_truth(), streams, chosen))
