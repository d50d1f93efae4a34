"""Hand-written Singer messages for the dbt models of reference data and property history
(DESIGN.md, "Reference data and property history"), with cases whose answers are known exactly:
a deal that went back to an earlier stage, a deal in a stage deleted since (known from the
audit), a departed owner and a removed one, an option HubSpot no longer lists and one it never
listed, a multi-select value, several owners in one property, an enumeration without options,
two versions in one millisecond, a merged-away deal, a lifecycle stage set twice in a row, list
members of which one was merged away.

``messages(run)`` gives run 1 (everything) or run 2 (the reference streams read again without
the rows marked gone, closing their versions, so the target flags those rows).
"""

from __future__ import annotations

import json
from typing import Any

TYPES: dict[str, dict[str, Any]] = {
    "key": {"type": "string"},
    "text": {"type": ["string", "null"]},
    "time": {"type": ["string", "null"], "format": "date-time"},
    "bool": {"type": ["boolean", "null"]},
    "int": {"type": ["integer", "null"]},
    "num": {"type": ["number", "null"]},
}
VERSION = {1: 1_700_000_000_000, 2: 1_700_000_100_000}


def fields(spec: str) -> dict[str, dict[str, Any]]:
    """JSON schema properties from "name:type name ..." (type text when omitted)."""
    pairs = (item.partition(":") for item in spec.split())
    return {name: TYPES[kind or "text"] for name, _, kind in pairs}


def at(day: int, hour: int = 9) -> str:
    return f"2026-01-{day:02d}T{hour:02d}:00:00Z"


def rows(spec: str, *values: tuple) -> list[dict[str, Any]]:
    """Records from a space-separated field list and tuples in that order."""
    names = spec.split()
    return [dict(zip(names, row, strict=True)) for row in values]


# Reference streams: (stream, fields, key, rows); a row with gone=True is left out of run 2.
OWNERS = rows(
    "owner_id first_name last_name email archived created_at gone",
    ("11", "Ada", "Lovelace", "ada@example.com", False, "2025-06-01T00:00:00Z", False),
    ("12", "Bob", "Departed", "bob@example.com", True, None, False),  # a deactivated user
    ("13", "Cy", "Removed", "cy@example.com", False, None, True),  # no longer listed at all
)
TEAMS = rows(
    "owner_id team_id team_name is_primary",
    ("11", "1", "Sales", True),
    ("11", "2", "EMEA", False),
)
PIPELINES = rows(
    "object_type pipeline_id label display_order",
    ("deals", "default", "Sales Pipeline", 0),
    ("deals", "77", "Enterprise", 1),
    ("tickets", "0", "Support Pipeline", 0),
)
STAGES = rows(
    "object_type pipeline_id stage_id label archived from_audit archived_at",
    ("deals", "default", "appointmentscheduled", "Appointment scheduled", False, False, None),
    ("deals", "default", "qualifiedtobuy", "Qualified to buy", False, False, None),
    ("deals", "default", "closedwon", "Closed won", False, False, None),
    ("deals", "default", "555", "Legacy negotiation", True, True, at(3)),  # deleted: audit
    ("deals", "77", "901", "Discovery", False, False, None),
    ("tickets", "0", "1", "New", False, False, None),
    ("tickets", "0", "2", "Waiting on contact", False, False, None),
    ("tickets", "0", "4", "Closed", False, False, None),
)
PROPERTIES = rows(
    "object_type property_name property_type field_type referenced_object_type",
    ("deals", "dealname", "string", "text", None),
    ("deals", "pipeline", "enumeration", "select", None),
    ("deals", "dealstage", "enumeration", "radio", None),
    ("deals", "amount", "number", "number", None),
    ("deals", "dealtype", "enumeration", "select", None),
    ("deals", "hubspot_owner_id", "enumeration", "select", "OWNER"),
    ("contacts", "firstname", "string", "text", None),
    ("contacts", "email", "string", "text", None),
    ("contacts", "lifecyclestage", "enumeration", "radio", None),
    ("contacts", "interests", "enumeration", "checkbox", None),
    ("contacts", "hubspot_owner_id", "enumeration", "select", "OWNER"),
    ("contacts", "hs_merged_object_ids", "enumeration", "checkbox", None),  # ids, no options
    ("tickets", "subject", "string", "text", None),
    ("tickets", "hs_pipeline", "enumeration", "select", None),
    ("tickets", "hs_pipeline_stage", "enumeration", "select", None),
    ("meetings", "hs_meeting_outcome", "enumeration", "select", None),
    ("meetings", "hubspot_owner_id", "enumeration", "select", "OWNER"),
    ("meetings", "hs_attendee_owner_ids", "enumeration", "checkbox", "OWNER"),
)
OPTIONS = rows(
    "object_type property_name option_value label gone",
    ("deals", "dealtype", "newbusiness", "New Business", False),
    ("deals", "dealtype", "existingbusiness", "Existing Business", False),
    ("deals", "dealtype", "oldtype", "Old Type", True),  # removed: HubSpot no longer lists it
    ("contacts", "lifecyclestage", "lead", "Lead", False),
    ("contacts", "lifecyclestage", "marketingqualifiedlead", "Marketing Qualified Lead", False),
    ("contacts", "lifecyclestage", "customer", "Customer", False),
    ("contacts", "interests", "apples", "Apples", False),
    ("contacts", "interests", "pears", "Pears", False),
    ("meetings", "hs_meeting_outcome", "COMPLETED", "Completed", False),
    ("meetings", "hs_meeting_outcome", "NO_SHOW", "No show", False),
    ("meetings", "hs_meeting_outcome", "SCHEDULED", "Scheduled", False),
)
LISTS = rows(
    "list_id name object_type_id object_type processing_type members_synced",
    ("501", "VIP contacts", "0-1", "contacts", "MANUAL", True),
)
REFERENCE = [
    (
        "owners",
        "owner_id:key first_name last_name email owner_type user_id:int archived:bool "
        "created_at:time updated_at:time",
        ["owner_id"],
        OWNERS,
    ),
    (
        "owner_teams",
        "owner_id:key team_id:key team_name is_primary:bool",
        ["owner_id", "team_id"],
        TEAMS,
    ),
    (
        "pipelines",
        "object_type:key pipeline_id:key label display_order:int archived:bool",
        ["object_type", "pipeline_id"],
        PIPELINES,
    ),
    (
        "pipeline_stages",
        "object_type:key pipeline_id:key stage_id:key label display_order:int "
        "probability:num is_closed:bool ticket_state archived:bool archived_at:time "
        "from_audit:bool",
        ["object_type", "pipeline_id", "stage_id"],
        STAGES,
    ),
    (
        "properties",
        "object_type:key property_name:key property_type field_type "
        "referenced_object_type archived:bool",
        ["object_type", "property_name"],
        PROPERTIES,
    ),
    (
        "property_options",
        "object_type:key property_name:key option_value:key label",
        ["object_type", "property_name", "option_value"],
        OPTIONS,
    ),
    (
        "association_labels",
        "from_object_type:key to_object_type:key association_type_id:int "
        "association_category association_label",
        ["from_object_type", "to_object_type", "association_type_id"],
        [],
    ),
    (
        "lists",
        "list_id:key name object_type_id object_type processing_type members_synced:bool",
        ["list_id"],
        LISTS,
    ),
]

# Object streams: (stream, fields, rows); created on the day CREATED_DAY says, updated on day 6.
OBJECTS = [
    (
        "deals",
        "dealname pipeline dealstage amount:num dealtype hubspot_owner_id",
        rows(
            "id dealname pipeline dealstage amount dealtype hubspot_owner_id",
            ("1", "Back and forth", "default", "closedwon", 200, "newbusiness", "11"),
            ("2", "Stuck in a deleted stage", "default", "555", 50, "oldtype", "12"),
            ("3", "Merged into 1", "77", "901", 10, "mystery", "13"),
            ("4", "Enterprise", "77", "901", None, "mystery", "13"),
        ),
    ),
    (
        "contacts",
        "firstname email lifecyclestage interests hubspot_owner_id hs_merged_object_ids",
        rows(
            "id firstname email lifecyclestage interests hubspot_owner_id hs_merged_object_ids",
            ("101", "Grace", "grace@example.com", "customer", "apples;pears", "11", "103"),
            ("102", "Alan", "alan@example.com", "lead", "pears;plums", None, None),
            ("103", "Merged", "merged@example.com", "lead", None, None, None),
        ),
    ),
    (
        "tickets",
        "subject hs_pipeline hs_pipeline_stage",
        rows(
            "id subject hs_pipeline hs_pipeline_stage",
            ("201", "Printer", "0", "4"),
        ),
    ),
    (
        "meetings",
        "hs_meeting_outcome hubspot_owner_id hs_attendee_owner_ids",
        rows(
            "id hs_meeting_outcome hubspot_owner_id hs_attendee_owner_ids",
            ("301", "COMPLETED", "11", "11;12"),
            ("302", "COMPLETED", "11", None),
            ("303", "NO_SHOW", "11", "11"),
            ("304", "NO_SHOW", "12", "12;99"),  # 99: no such owner
            ("305", "COMPLETED", "13", None),
            ("306", "SCHEDULED", None, None),
            ("307", None, "12", None),
        ),
    ),
]
CREATED_DAY = {("deals", "2"): 2, ("deals", "4"): 3, ("contacts", "102"): 4, ("tickets", "201"): 2}
# (type, id, property, day, hour, same_time_seq, value)
HISTORY = [
    ("deals", "1", "dealstage", 1, 9, 0, "appointmentscheduled"),
    ("deals", "1", "dealstage", 2, 9, 0, "qualifiedtobuy"),
    ("deals", "1", "dealstage", 4, 9, 0, "appointmentscheduled"),  # back to an earlier stage
    ("deals", "1", "dealstage", 5, 21, 0, "closedwon"),
    ("deals", "1", "amount", 1, 9, 0, "100"),
    ("deals", "1", "amount", 3, 12, 0, "150"),  # two versions in one millisecond
    ("deals", "1", "amount", 3, 12, 1, "200"),
    ("deals", "2", "dealstage", 2, 9, 0, "555"),
    ("deals", "2", "amount", 2, 9, 0, "50"),
    ("deals", "3", "dealstage", 1, 9, 0, "901"),  # merged away: flagged, left out
    ("deals", "3", "amount", 1, 9, 0, "10"),
    ("tickets", "201", "hs_pipeline_stage", 2, 10, 0, "1"),
    ("tickets", "201", "hs_pipeline_stage", 3, 10, 0, "2"),
    ("tickets", "201", "hs_pipeline_stage", 6, 10, 0, "4"),
    ("contacts", "101", "lifecyclestage", 1, 8, 0, "lead"),
    ("contacts", "101", "lifecyclestage", 2, 8, 0, "marketingqualifiedlead"),
    ("contacts", "101", "lifecyclestage", 3, 8, 0, "marketingqualifiedlead"),  # set again
    ("contacts", "101", "lifecyclestage", 5, 8, 0, "customer"),
    ("contacts", "102", "lifecyclestage", 4, 8, 0, "lead"),
]
HISTORY_FIELDS = (
    "object_id:key property_name:key changed_at:time same_time_seq:int value source_type "
    "source_id source_label updated_by_user_id:int truncated_before:bool"
)
HISTORY_KEY = ["object_id", "property_name", "changed_at", "same_time_seq"]
MEMBERS = [("501", "101"), ("501", "103")]
MERGES = [("deals", "3", "1"), ("contacts", "103", "101")]


def _schema(stream: str, spec: str, keys: list[str]) -> dict:
    schema = {"type": "object", "properties": fields(spec)}
    return {"type": "SCHEMA", "stream": stream, "key_properties": keys, "schema": schema}


def _rec(stream: str, record: dict, version: int | None = None) -> dict:
    message: dict[str, Any] = {"type": "RECORD", "stream": stream, "record": record}
    if version is not None:
        message["version"] = version
    return message


def _activate(stream: str, version: int) -> dict:
    return {"type": "ACTIVATE_VERSION", "stream": stream, "version": version}


def _full(stream: str, spec: str, keys: list[str], records: list[dict], run: int) -> list[dict]:
    """A complete read: SCHEMA, the rows of this run, ACTIVATE_VERSION after the last (twice
    in a row when it found nothing)."""
    version = VERSION[run]
    kept = [r for r in records if not (run == 2 and r.get("gone"))]
    out = [_schema(stream, spec, keys)]
    out += [_rec(stream, {k: v for k, v in r.items() if k != "gone"}, version) for r in kept]
    out += [_activate(stream, version)] * (1 if kept else 2)
    return out


def reference_messages(run: int) -> list[dict]:
    return [
        m for stream, spec, keys, data in REFERENCE for m in _full(stream, spec, keys, data, run)
    ]


def messages(run: int) -> list[dict]:
    """Run 1: objects, reference data, history, list members, merges. Run 2: reference data."""
    if run == 2:
        return reference_messages(2)
    out = []
    for stream, spec, records in OBJECTS:
        out.append(
            _schema(
                stream,
                "id:key created_at:time updated_at:time archived:bool archived_at:time " + spec,
                ["id"],
            )
        )
        for record in records:
            day = CREATED_DAY.get((stream, record["id"]), 1)
            base = {"created_at": at(day, 7), "updated_at": at(6), "archived": False}
            out.append(_rec(stream, {**base, **record}))
    out += reference_messages(1)
    for object_type in ("deals", "tickets", "contacts"):
        stream = f"{object_type}_property_history"
        out.append(_schema(stream, HISTORY_FIELDS, HISTORY_KEY))
        out += [
            _rec(
                stream,
                {
                    "object_id": object_id,
                    "property_name": prop,
                    "changed_at": at(day, hour),
                    "same_time_seq": seq,
                    "value": value,
                    "source_type": "CRM_UI",
                },
            )
            for t, object_id, prop, day, hour, seq, value in HISTORY
            if t == object_type
        ]
    out.append(
        _schema(
            "list_memberships",
            "list_id:key record_id:key object_type added_at:time",
            ["list_id", "record_id"],
        )
    )
    out += [
        _rec(
            "list_memberships",
            {
                "list_id": list_id,
                "record_id": record_id,
                "object_type": "contacts",
                "added_at": at(2),
            },
            VERSION[1],
        )
        for list_id, record_id in MEMBERS
    ]
    out.append(_activate("list_memberships", VERSION[1]))
    out.append(
        _schema(
            "merges",
            "object_type:key merged_id:key survivor_id seen_at:time",
            ["object_type", "merged_id"],
        )
    )
    out += [
        _rec("merges", {"object_type": t, "merged_id": m, "survivor_id": s, "seen_at": at(6)})
        for t, m, s in MERGES
    ]
    return out


def singer_text(run: int) -> str:
    return "".join(json.dumps(m) + "\n" for m in messages(run))
