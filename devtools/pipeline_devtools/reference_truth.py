"""The rows each reference stream should hold, built from the simulator's ground-truth dumps
(`SimulatorAdmin.owners_truth`, `pipelines_truth`, `properties_truth`, `lists_truth`), not from
the tap's code. One oracle for the tap's tests (its RECORD messages) and the end-to-end tests
(the PostgreSQL tables).

Timestamps stay as the simulator wrote them (HubSpot's ISO text); `TIMESTAMP_COLUMNS` names them
so each caller compares them in its own form.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

Row = dict[str, Any]

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
TIMESTAMP_COLUMNS = frozenset(
    {"created_at", "updated_at", "archived_at", "filters_updated_at", "added_at"}
)


def owner_rows(owners_truth: Mapping[str, Any]) -> dict[str, list[Row]]:
    """`owners` and `owner_teams`: every owner, those who left included."""
    everyone = owners_truth["owners"]
    owners = [
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
    teams = [
        {
            "owner_id": o["id"],
            "team_id": t["id"],
            "team_name": t["name"],
            "is_primary": t["primary"],
        }
        for o in everyone
        for t in o.get("teams") or []
    ]
    return {"owners": owners, "owner_teams": teams}


def _stage(object_type: str, pipeline_id: str, s: Mapping[str, Any], *, audit: bool) -> Row:
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
        "created_at": s["createdAt"],
        "updated_at": s["updatedAt"],
        "archived": bool(s.get("archived")) or audit,
        "archived_at": s.get("archivedAt"),
        "from_audit": audit,
    }


def pipeline_rows(
    pipelines_truth: Mapping[str, Any], type_ids: Mapping[str, str]
) -> dict[str, list[Row]]:
    """`pipelines` and `pipeline_stages` of the synced types (`type_ids`: name → type id).
    Stages known only from the audit log of a pipeline still listed are archived `from_audit`
    rows; a deleted pipeline is listed nowhere, so its stages cannot be found."""
    pipelines: list[Row] = []
    stages: list[Row] = []
    for object_type, type_id in type_ids.items():
        per_type = pipelines_truth.get(object_type)
        if per_type is None:
            continue
        for p in per_type["pipelines"]:
            pipelines.append(
                {
                    "object_type": object_type,
                    "pipeline_id": p["id"],
                    "object_type_id": type_id,
                    "label": p["label"],
                    "display_order": p["displayOrder"],
                    "created_at": p["createdAt"],
                    "updated_at": p["updatedAt"],
                    "archived": bool(p["archived"]),
                    "archived_at": p.get("archivedAt"),
                }
            )
            stages += [_stage(object_type, p["id"], s, audit=False) for s in p["stages"]]
        gone = set(per_type["deletedPipelines"])
        stages += [
            _stage(object_type, s["pipelineId"], s, audit=True)
            for s in per_type["auditOnlyStages"]
            if s["pipelineId"] not in gone
        ]
    return {"pipelines": pipelines, "pipeline_stages": stages}


def property_rows(properties_truth: Mapping[str, Mapping[str, Any]]) -> dict[str, list[Row]]:
    """`properties` (archived included) and `property_options`; `properties_truth`: type name →
    that type's `SimulatorAdmin.properties_truth`."""
    properties: list[Row] = []
    options: list[Row] = []
    for object_type, truth in properties_truth.items():
        for archived, definitions in ((False, truth["properties"]), (True, truth["archived"])):
            for p in definitions:
                properties.append(
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
                options += [
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
    return {"properties": properties, "property_options": options}


def list_rows(
    lists_truth: Iterable[Mapping[str, Any]],
    streams: Mapping[str, str],
    chosen: set[str] | None,
) -> dict[str, list[Row]]:
    """`lists` (every list) and `list_memberships`. `streams`: synced type id → stream name;
    `chosen`: the list ids whose members are read (None: every list)."""
    lists: list[Row] = []
    members: list[Row] = []
    for lst in lists_truth:
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
                "created_at": lst.get("createdAt"),
                "updated_at": lst.get("updatedAt"),
                "filters_updated_at": lst.get("filtersUpdatedAt"),
                "members_synced": synced,
            }
        )
        if synced:
            members += [
                {
                    "list_id": lst["listId"],
                    "record_id": m["recordId"],
                    "object_type": streams.get(lst["objectTypeId"], lst["objectTypeId"]),
                    "added_at": m["membershipTimestamp"],
                }
                for m in lst["members"]
            ]
    return {"lists": lists, "list_memberships": members}
