"""What the reference tables and the property history tables should hold, computed from the
simulator's ground-truth dumps (its admin API), not from the tap's code; and the tables as
they are.

Values are compared in one canonical form (`canonical`): timestamps as UTC ISO text with
milliseconds, numbers as floats, everything else as PostgreSQL returns it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import psycopg
from hubspot_simulator.testing import SimulatorProcess
from pipeline_devtools import reference_truth as truth
from pipeline_devtools.reference_truth import KEYS as KEYS
from psycopg import sql

Key = tuple[Any, ...]
Rows = dict[Key, dict[str, Any]]

HISTORY_KEY = ("object_id", "property_name", "changed_at", "same_time_seq")
HISTORY_CAP = 20  # versions HubSpot returns per property


def canonical(value: Any) -> Any:
    """One form for both sides: datetimes and ISO text → UTC ISO with ms; Decimal → float."""
    if isinstance(value, str) and len(value) >= 20 and value[4] == "-" and value[10] == "T":
        value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if isinstance(value, dt.datetime):
        utc = value.astimezone(dt.UTC)
        return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
    if isinstance(value, Decimal):
        return float(value)
    return value


def _keyed(table: str, rows: Iterable[dict[str, Any]]) -> Rows:
    out: Rows = {}
    for row in rows:
        clean = {k: canonical(v) for k, v in row.items()}
        key = tuple(clean[k] for k in KEYS.get(table, HISTORY_KEY))
        assert key not in out, f"{table}: duplicate key {key}"
        out[key] = clean
    return out


# ----------------------------------------------------------------------------- the truth


def owners(sim: SimulatorProcess) -> dict[str, Rows]:
    """`owners` and `owner_teams` (every owner, those who left included)."""
    return _keyed_tables(truth.owner_rows(sim.admin.owners_truth()))


def pipelines(sim: SimulatorProcess, types: Iterable[str]) -> dict[str, Rows]:
    """`pipelines` and `pipeline_stages` of the synced types that have pipelines."""
    type_ids = {n: c["objectTypeId"] for n, c in sim.admin.info()["counts"].items()}
    return _keyed_tables(
        truth.pipeline_rows(sim.admin.pipelines_truth(), {t: type_ids[t] for t in types})
    )


def properties(sim: SimulatorProcess, types: Iterable[str]) -> dict[str, Rows]:
    """`properties` (archived included) and `property_options` of the synced types."""
    return _keyed_tables(truth.property_rows({t: sim.admin.properties_truth(t) for t in types}))


def lists(sim: SimulatorProcess, synced: Iterable[str], chosen: set[str]) -> dict[str, Rows]:
    """`lists` (every list) and `list_memberships` (the members of the `chosen` list ids)."""
    names = {c["objectTypeId"]: n for n, c in sim.admin.info()["counts"].items() if n in synced}
    return _keyed_tables(truth.list_rows(sim.admin.lists_truth(), names, chosen))


def _keyed_tables(tables: dict[str, list[dict[str, Any]]]) -> dict[str, Rows]:
    return {name: _keyed(name, rows) for name, rows in tables.items()}


def _iso_ms(ms: int | str) -> str:
    if isinstance(ms, str) and not ms.isdigit():
        return str(canonical(ms))
    return str(canonical(dt.datetime.fromtimestamp(int(ms) / 1000, tz=dt.UTC)))


def history(sim: SimulatorProcess, object_type: str, props: list[str]) -> Rows:
    """`{type}_property_history` rows HubSpot answers now (newest 20 versions per property)
    for every active record, as the contract numbers them."""
    rows = []
    for object_id, by_prop in sim.admin.history_snapshot(object_type, props).items():
        for name, versions in by_prop.items():
            oldest_first = versions[::-1]
            for position, v in enumerate(oldest_first):
                earlier = oldest_first[:position]
                rows.append(
                    {
                        "object_id": object_id,
                        "property_name": name,
                        "changed_at": _iso_ms(v["timestamp"]),
                        "same_time_seq": sum(e["timestamp"] == v["timestamp"] for e in earlier),
                        "value": v["value"] if v["value"] != "" else None,
                        "source_type": v["sourceType"],
                        "source_id": v.get("sourceId"),
                        "source_label": v.get("sourceLabel"),
                        "updated_by_user_id": v.get("updatedByUserId"),
                        "truncated_before": len(versions) == HISTORY_CAP and position == 0,
                    }
                )
    return _keyed(f"{object_type}_property_history", rows)


# ----------------------------------------------------------------------------- the tables


def table(database_url: str, schema: str, name: str) -> tuple[Rows, Rows]:
    """(live rows, flagged rows) of a table, keyed, without `_sdc_deleted_at`."""
    with psycopg.connect(database_url, row_factory=psycopg.rows.dict_row) as conn:
        found = conn.execute(
            sql.SQL("SELECT * FROM {}.{}").format(sql.Identifier(schema), sql.Identifier(name))
        ).fetchall()
    live = [{k: v for k, v in r.items() if k != "_sdc_deleted_at"} for r in found]
    flags = [r["_sdc_deleted_at"] is not None for r in found]
    return (
        _keyed(name, [r for r, flagged in zip(live, flags, strict=True) if not flagged]),
        _keyed(name, [r for r, flagged in zip(live, flags, strict=True) if flagged]),
    )


def differences(want: Rows, got: Rows, name: str) -> list[str]:
    """What differs between two keyed row sets (first few of each kind; empty: equal)."""
    out = [f"{name}: missing {k}" for k in sorted(set(want) - set(got), key=str)[:3]]
    out += [f"{name}: extra {k}" for k in sorted(set(got) - set(want), key=str)[:3]]
    for key in sorted(set(want) & set(got), key=str):
        if want[key] != got[key]:
            diff = {
                c: (want[key].get(c), got[key].get(c))
                for c in set(want[key]) | set(got[key])
                if want[key].get(c) != got[key].get(c)
            }
            out.append(f"{name} {key}: (want, got) {diff}")
            if len(out) > 8:
                break
    return out
