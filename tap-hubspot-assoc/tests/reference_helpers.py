"""The rows each reference stream must hold, built from the simulator's ground truth
(`SimulatorAdmin.owners_truth`, `pipelines_truth`, `properties_truth`, `lists_truth`)."""

from __future__ import annotations

from typing import Any

from hubspot_simulator.admin import SimulatorAdmin
from tap_helpers import TapOutput

KEYS = {
    "owners": ("owner_id",),
    "owner_teams": ("owner_id", "team_id"),
    "pipelines": ("object_type", "pipeline_id"),
    "pipeline_stages": ("object_type", "pipeline_id", "stage_id"),
    "properties": ("object_type", "property_name"),
    "property_options": ("object_type", "property_name", "option_value"),
    "lists": ("list_id",),
    "list_memberships": ("list_id", "record_id"),
}


def ms(text: str | None) -> str | None:
    """A HubSpot timestamp as the tap normalises it (milliseconds, Z)."""
    if text is None:
        return None
    head, _, rest = text.rstrip("Z").partition(".")
    return f"{head}.{(rest + '000')[:3]}Z"


def keyed(stream: str, rows: list[dict[str, Any]]) -> dict[tuple, dict[str, Any]]:
    """Rows by their key (a repeated key fails: each row must come once)."""
    found = {tuple(r[k] for k in KEYS[stream]): r for r in rows}
    assert len(found) == len(rows), f"{stream}: {len(rows) - len(found)} repeated keys"
    return found


def output_rows(output: TapOutput, stream: str) -> dict[tuple, dict[str, Any]]:
    return keyed(stream, output.records(stream))


def owners_truth(admin: SimulatorAdmin) -> dict[str, dict[tuple, dict[str, Any]]]:
    owners, teams = [], []
    for o in admin.owners_truth()["owners"]:
        owners.append(
            {
                "owner_id": o["id"],
                "user_id": o.get("userId"),
                "user_id_including_inactive": o.get("userIdIncludingInactive"),
                "email": o.get("email"),
                "first_name": o.get("firstName"),
                "last_name": o.get("lastName"),
                "owner_type": o["type"],
                "created_at": ms(o["createdAt"]),
                "updated_at": ms(o["updatedAt"]),
                "archived": o["archived"],
            }
        )
        teams += [
            {
                "owner_id": o["id"],
                "team_id": t["id"],
                "team_name": t["name"],
                "is_primary": t["primary"],
            }
            for t in o.get("teams") or []
        ]
    return {"owners": keyed("owners", owners), "owner_teams": keyed("owner_teams", teams)}


def stage_row(type_name: str, pipeline_id: str, s: dict[str, Any], *, audit: bool) -> dict:
    meta = s.get("metadata") or {}
    probability = meta.get("probability")
    return {
        "object_type": type_name,
        "pipeline_id": pipeline_id,
        "stage_id": s["id"],
        "label": s["label"],
        "display_order": s["displayOrder"],
        "probability": None if probability is None else float(probability),
        "is_closed": None if "isClosed" not in meta else meta["isClosed"] == "true",
        "ticket_state": meta.get("ticketState"),
        "metadata": meta,
        "created_at": ms(s["createdAt"]),
        "updated_at": ms(s["updatedAt"]),
        "archived": s["archived"] or audit,
        "archived_at": ms(s.get("archivedAt")),
        "from_audit": audit,
    }


def pipelines_truth(
    admin: SimulatorAdmin, type_ids: dict[str, str]
) -> dict[str, dict[tuple, dict[str, Any]]]:
    """Pipelines and stages of the synced types; audit-only stages of pipelines that still
    exist (a deleted pipeline is listed nowhere, so its stages cannot be found)."""
    pipelines, stages = [], []
    for type_name, truth in admin.pipelines_truth().items():
        if type_name not in type_ids:
            continue
        for p in truth["pipelines"]:
            pipelines.append(
                {
                    "object_type": type_name,
                    "pipeline_id": p["id"],
                    "object_type_id": type_ids[type_name],
                    "label": p["label"],
                    "display_order": p["displayOrder"],
                    "created_at": ms(p["createdAt"]),
                    "updated_at": ms(p["updatedAt"]),
                    "archived": p["archived"],
                    "archived_at": ms(p.get("archivedAt")),
                }
            )
            stages += [stage_row(type_name, p["id"], s, audit=False) for s in p["stages"]]
        stages += [
            stage_row(type_name, s["pipelineId"], s, audit=True)
            for s in truth["auditOnlyStages"]
            if s["pipelineId"] not in truth["deletedPipelines"]
        ]
    return {
        "pipelines": keyed("pipelines", pipelines),
        "pipeline_stages": keyed("pipeline_stages", stages),
    }


def properties_truth(admin: SimulatorAdmin, types: list[str]) -> dict[str, dict]:
    properties, options = [], []
    for type_name in types:
        truth = admin.properties_truth(type_name)
        for archived, defs in ((False, truth["properties"]), (True, truth["archived"])):
            for p in defs:
                properties.append(
                    {
                        "object_type": type_name,
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
                        "archived_at": ms(p.get("archivedAt")),
                        "created_at": ms(p.get("createdAt")),
                        "updated_at": ms(p.get("updatedAt")),
                    }
                )
                options += [
                    {
                        "object_type": type_name,
                        "property_name": p["name"],
                        "option_value": o["value"],
                        "label": o["label"],
                        "description": o.get("description"),
                        "display_order": o.get("displayOrder"),
                        "hidden": o["hidden"],
                    }
                    for o in p.get("options") or []
                ]
    return {
        "properties": keyed("properties", properties),
        "property_options": keyed("property_options", options),
    }


def lists_truth(
    admin: SimulatorAdmin, streams: dict[str, str], chosen: set[str] | None
) -> dict[str, dict]:
    """`streams`: synced type id -> stream name; `chosen`: list ids whose members are read
    (None: every list)."""
    lists, members = [], []
    for lst in admin.lists_truth():
        synced = chosen is None or lst["listId"] in chosen
        lists.append(
            {
                "list_id": lst["listId"],
                "name": lst["name"],
                "object_type_id": lst["objectTypeId"],
                "object_type": streams.get(lst["objectTypeId"]),
                "processing_type": lst["processingType"],
                "processing_status": lst.get("processingStatus"),
                "list_version": lst.get("listVersion"),
                "size": lst["size"],
                "created_at": ms(lst.get("createdAt")),
                "updated_at": ms(lst.get("updatedAt")),
                "filters_updated_at": ms(lst.get("filtersUpdatedAt")),
                "members_synced": synced,
            }
        )
        if synced:
            members += [
                {
                    "list_id": lst["listId"],
                    "record_id": m["recordId"],
                    "object_type": streams.get(lst["objectTypeId"], lst["objectTypeId"]),
                    "added_at": ms(m["membershipTimestamp"]),
                }
                for m in lst["members"]
            ]
    return {"lists": keyed("lists", lists), "list_memberships": keyed("list_memberships", members)}
