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
from psycopg import sql

Key = tuple[Any, ...]
Rows = dict[Key, dict[str, Any]]

KEYS: dict[str, tuple[str, ...]] = {
    "owners": ("owner_id",),
    "owner_teams": ("owner_id", "team_id"),
    "pipelines": ("object_type", "pipeline_id"),
    "pipeline_stages": ("object_type", "pipeline_id", "stage_id"),
    "properties": ("object_type", "property_name"),
    "property_options": ("object_type", "property_name", "option_value"),
    "lists": ("list_id",),
    "list_memberships": ("list_id", "record_id"),
}
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
    everyone = sim.admin.owners_truth()["owners"]
    owner_rows = [
        {
            "owner_id": o["id"],
            "user_id": o.get("userId"),
            "user_id_including_inactive": o.get("userIdIncludingInactive"),
            "email": o.get("email"),
            "first_name": o.get("firstName"),
            "last_name": o.get("lastName"),
            "owner_type": o["type"],
            "created_at": o["createdAt"],
            "updated_at": o["updatedAt"],
            "archived": bool(o.get("archived")),
        }
        for o in everyone
    ]
    team_rows = [
        {
            "owner_id": o["id"],
            "team_id": t["id"],
            "team_name": t["name"],
            "is_primary": t["primary"],
        }
        for o in everyone
        for t in o.get("teams") or []
    ]
    return {"owners": _keyed("owners", owner_rows), "owner_teams": _keyed("owner_teams", team_rows)}


def _stage(object_type: str, pipeline_id: str, s: dict[str, Any], *, audit: bool) -> dict:
    meta = s.get("metadata") or {}
    probability = meta.get("probability")
    return {
        "object_type": object_type,
        "pipeline_id": pipeline_id,
        "stage_id": s["id"],
        "label": s["label"],
        "display_order": s["displayOrder"],
        "probability": None if probability is None else float(probability),
        "is_closed": None if "isClosed" not in meta else meta["isClosed"] == "true",
        "ticket_state": meta.get("ticketState"),
        "metadata": meta,
        "created_at": s.get("createdAt"),
        "updated_at": s.get("updatedAt"),
        "archived": bool(s.get("archived")) or audit,
        "archived_at": s.get("archivedAt"),
        "from_audit": audit,
    }


def pipelines(sim: SimulatorProcess, types: Iterable[str]) -> dict[str, Rows]:
    """`pipelines` and `pipeline_stages` of the synced types that have pipelines; stages known
    only from the audit log of a pipeline still listed are archived `from_audit` rows."""
    truth = sim.admin.pipelines_truth()
    type_ids = {n: c["objectTypeId"] for n, c in sim.admin.info()["counts"].items()}
    pipe_rows, stage_rows = [], []
    for object_type in types:
        if object_type not in truth:
            continue
        per_type = truth[object_type]
        for p in per_type["pipelines"]:
            pipe_rows.append(
                {
                    "object_type": object_type,
                    "pipeline_id": p["id"],
                    "object_type_id": type_ids[object_type],
                    "label": p["label"],
                    "display_order": p["displayOrder"],
                    "created_at": p["createdAt"],
                    "updated_at": p["updatedAt"],
                    "archived": bool(p["archived"]),
                    "archived_at": p.get("archivedAt"),
                }
            )
            stage_rows += [_stage(object_type, p["id"], s, audit=False) for s in p["stages"]]
        gone = set(per_type["deletedPipelines"])
        stage_rows += [
            _stage(object_type, s["pipelineId"], s, audit=True)
            for s in per_type["auditOnlyStages"]
            if s["pipelineId"] not in gone
        ]
    return {
        "pipelines": _keyed("pipelines", pipe_rows),
        "pipeline_stages": _keyed("pipeline_stages", stage_rows),
    }


def properties(sim: SimulatorProcess, types: Iterable[str]) -> dict[str, Rows]:
    """`properties` (archived included) and `property_options` of the synced types."""
    prop_rows, option_rows = [], []
    for object_type in types:
        truth = sim.admin.properties_truth(object_type)
        for archived, definitions in ((False, truth["properties"]), (True, truth["archived"])):
            for p in definitions:
                prop_rows.append(
                    {
                        "object_type": object_type,
                        "property_name": p["name"],
                        "label": p["label"],
                        "property_type": p["type"],
                        "field_type": p["fieldType"],
                        "group_name": p["groupName"],
                        "description": p.get("description"),
                        "display_order": p.get("displayOrder"),
                        "calculated": p.get("calculated", False),
                        "external_options": p.get("externalOptions", False),
                        "hubspot_defined": p.get("hubspotDefined", False),
                        "has_unique_value": p.get("hasUniqueValue", False),
                        "hidden": p.get("hidden", False),
                        "referenced_object_type": p.get("referencedObjectType"),
                        "archived": archived,
                        "archived_at": p.get("archivedAt"),
                        "created_at": p.get("createdAt"),
                        "updated_at": p.get("updatedAt"),
                    }
                )
                option_rows += [
                    {
                        "object_type": object_type,
                        "property_name": p["name"],
                        "option_value": o["value"],
                        "label": o["label"],
                        "description": o.get("description"),
                        "display_order": o.get("displayOrder"),
                        "hidden": o.get("hidden", False),
                    }
                    for o in p.get("options") or []
                ]
    return {
        "properties": _keyed("properties", prop_rows),
        "property_options": _keyed("property_options", option_rows),
    }


def lists(sim: SimulatorProcess, synced: Iterable[str], chosen: set[str]) -> dict[str, Rows]:
    """`lists` (every list) and `list_memberships` (the members of the `chosen` list ids)."""
    names = {c["objectTypeId"]: n for n, c in sim.admin.info()["counts"].items() if n in synced}
    list_rows, member_rows = [], []
    for lst in sim.admin.lists_truth():
        list_rows.append(
            {
                "list_id": lst["listId"],
                "name": lst["name"],
                "object_type_id": lst["objectTypeId"],
                "object_type": names.get(lst["objectTypeId"]),
                "processing_type": lst["processingType"],
                "processing_status": lst["processingStatus"],
                "list_version": lst["listVersion"],
                "size": lst["size"],
                "created_at": lst["createdAt"],
                "updated_at": lst["updatedAt"],
                "filters_updated_at": lst.get("filtersUpdatedAt"),
                "members_synced": lst["listId"] in chosen,
            }
        )
        if lst["listId"] in chosen:
            member_rows += [
                {
                    "list_id": lst["listId"],
                    "record_id": m["recordId"],
                    "object_type": names.get(lst["objectTypeId"], lst["objectTypeId"]),
                    "added_at": m["membershipTimestamp"],
                }
                for m in lst["members"]
            ]
    return {
        "lists": _keyed("lists", list_rows),
        "list_memberships": _keyed("list_memberships", member_rows),
    }


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
