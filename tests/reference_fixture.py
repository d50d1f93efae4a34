"""Hand-written Singer messages for the dbt models of reference data and property history
(DESIGN.md, "Reference data and property history"), with cases whose answers are known exactly:
a deal that went back to an earlier stage, a deal in a stage deleted since (known from the
audit), a departed owner and a removed one, an option HubSpot no longer lists and one it never
listed, a multi-select value, two versions in one millisecond, a merged-away deal, lifecycle
stages set twice in a row, list members of which one was merged away.

``messages(run)`` gives run 1 (everything) or run 2 (owners and options read again without the
removed ones, closing their versions, so the target flags them).
"""

from __future__ import annotations

import json
from typing import Any

S = {"type": ["string", "null"]}
KEY = {"type": "string"}
T = {"type": ["string", "null"], "format": "date-time"}
B = {"type": ["boolean", "null"]}
I = {"type": ["integer", "null"]}  # noqa: E741
N = {"type": ["number", "null"]}
OBJECT_FIELDS = {"id": KEY, "created_at": T, "updated_at": T, "archived": B, "archived_at": T}
VERSION = {1: 1_700_000_000_000, 2: 1_700_000_100_000}


def at(day: int, hour: int = 9) -> str:
    return f"2026-01-{day:02d}T{hour:02d}:00:00Z"


# (stream, key, properties, rows) of the reference streams; run 2 leaves out rows marked "gone".
OWNERS = [
    {
        "owner_id": "11",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.com",
        "archived": False,
        "created_at": "2025-06-01T00:00:00Z",
    },
    {
        "owner_id": "12",
        "first_name": "Bob",
        "last_name": "Departed",
        "email": "bob@example.com",
        "archived": True,
    },
    {
        "owner_id": "13",
        "first_name": "Cy",
        "last_name": "Removed",
        "email": "cy@example.com",
        "archived": False,
        "gone": True,
    },
]
TEAMS = [
    {"owner_id": "11", "team_id": "1", "team_name": "Sales", "is_primary": True},
    {"owner_id": "11", "team_id": "2", "team_name": "EMEA", "is_primary": False},
]
PIPELINES = [
    {
        "object_type": "deals",
        "pipeline_id": "default",
        "label": "Sales Pipeline",
        "display_order": 0,
    },
    {"object_type": "deals", "pipeline_id": "77", "label": "Enterprise", "display_order": 1},
    {"object_type": "tickets", "pipeline_id": "0", "label": "Support Pipeline", "display_order": 0},
]
STAGES = [
    ("deals", "default", "appointmentscheduled", "Appointment scheduled", False),
    ("deals", "default", "qualifiedtobuy", "Qualified to buy", False),
    ("deals", "default", "closedwon", "Closed won", False),
    ("deals", "default", "555", "Legacy negotiation", True),  # deleted: from the audit log
    ("deals", "77", "901", "Discovery", False),
    ("tickets", "0", "1", "New", False),
    ("tickets", "0", "2", "Waiting on contact", False),
    ("tickets", "0", "4", "Closed", False),
]
# object type -> [(property, type, field type, referenced object type)]
PROPERTIES = {
    "deals": [
        ("dealname", "string", "text", None),
        ("pipeline", "enumeration", "select", None),
        ("dealstage", "enumeration", "radio", None),
        ("amount", "number", "number", None),
        ("dealtype", "enumeration", "select", None),
        ("hubspot_owner_id", "enumeration", "select", "OWNER"),
    ],
    "contacts": [
        ("firstname", "string", "text", None),
        ("email", "string", "text", None),
        ("lifecyclestage", "enumeration", "radio", None),
        ("interests", "enumeration", "checkbox", None),
        ("hubspot_owner_id", "enumeration", "select", "OWNER"),
        ("hs_merged_object_ids", "enumeration", "checkbox", None),  # ids, no options
    ],
    "tickets": [
        ("subject", "string", "text", None),
        ("hs_pipeline", "enumeration", "select", None),
        ("hs_pipeline_stage", "enumeration", "select", None),
    ],
    "meetings": [
        ("hs_meeting_title", "string", "text", None),
        ("hs_meeting_outcome", "enumeration", "select", None),
        ("hubspot_owner_id", "enumeration", "select", "OWNER"),
        ("hs_attendee_owner_ids", "enumeration", "checkbox", "OWNER"),
    ],
}
# (object type, property, value, label, gone in run 2)
OPTIONS = [
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
]

DEALS = [
    {
        "id": "1",
        "dealname": "Back and forth",
        "pipeline": "default",
        "dealstage": "closedwon",
        "amount": 200,
        "dealtype": "newbusiness",
        "hubspot_owner_id": "11",
    },
    {
        "id": "2",
        "dealname": "Stuck in a deleted stage",
        "pipeline": "default",
        "dealstage": "555",
        "amount": 50,
        "dealtype": "oldtype",
        "hubspot_owner_id": "12",
    },
    {
        "id": "3",
        "dealname": "Merged into 1",
        "pipeline": "77",
        "dealstage": "901",
        "amount": 10,
        "dealtype": "mystery",
        "hubspot_owner_id": "13",
    },
    {
        "id": "4",
        "dealname": "Enterprise",
        "pipeline": "77",
        "dealstage": "901",
        "amount": None,
        "dealtype": "mystery",
        "hubspot_owner_id": "13",
    },
]
CONTACTS = [
    {
        "id": "101",
        "firstname": "Grace",
        "email": "grace@example.com",
        "lifecyclestage": "customer",
        "interests": "apples;pears",
        "hubspot_owner_id": "11",
        "hs_merged_object_ids": "103",
    },
    {
        "id": "102",
        "firstname": "Alan",
        "email": "alan@example.com",
        "lifecyclestage": "lead",
        "interests": "pears;plums",
        "hubspot_owner_id": None,
    },
    {
        "id": "103",
        "firstname": "Merged",
        "email": "merged@example.com",
        "lifecyclestage": "lead",
        "interests": None,
        "hubspot_owner_id": None,
    },
]
TICKETS = [{"id": "201", "subject": "Printer", "hs_pipeline": "0", "hs_pipeline_stage": "4"}]
# (id, outcome, owner, attendee owners)
MEETINGS = [
    ("301", "COMPLETED", "11", "11;12"),
    ("302", "COMPLETED", "11", None),
    ("303", "NO_SHOW", "11", "11"),
    ("304", "NO_SHOW", "12", "12;99"),  # 99: no such owner
    ("305", "COMPLETED", "13", None),
    ("306", "SCHEDULED", None, None),
    ("307", None, "12", None),
]
# (type, id, property, day, hour, seq, value)
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
CREATED_DAY = {
    ("deals", "1"): 1,
    ("deals", "2"): 2,
    ("deals", "3"): 1,
    ("deals", "4"): 3,
    ("contacts", "101"): 1,
    ("contacts", "102"): 4,
    ("contacts", "103"): 1,
    ("tickets", "201"): 2,
}
LISTS = [
    {
        "list_id": "501",
        "name": "VIP contacts",
        "object_type_id": "0-1",
        "object_type": "contacts",
        "processing_type": "MANUAL",
        "members_synced": True,
    }
]
MEMBERS = [("501", "101"), ("501", "103")]
MERGES = [("deals", "3", "1"), ("contacts", "103", "101")]


def _schema(stream: str, props: dict[str, Any], keys: list[str]) -> dict:
    schema = {"type": "object", "properties": props}
    return {"type": "SCHEMA", "stream": stream, "key_properties": keys, "schema": schema}


def _rec(stream: str, record: dict, version: int | None = None) -> dict:
    message: dict[str, Any] = {"type": "RECORD", "stream": stream, "record": record}
    if version is not None:
        message["version"] = version
    return message


def _full(stream: str, props: dict, keys: list[str], rows: list[dict], run: int) -> list[dict]:
    """A complete read: SCHEMA, the rows of this run, ACTIVATE_VERSION after the last."""
    version = VERSION[run]
    if not rows:  # a complete read that found nothing: the version opened and closed
        closing = {"type": "ACTIVATE_VERSION", "stream": stream, "version": version}
        return [_schema(stream, props, keys), closing, closing]
    kept = [r for r in rows if not (run == 2 and r.get("gone"))]
    records = [_rec(stream, {k: v for k, v in r.items() if k != "gone"}, version) for r in kept]
    closing = {"type": "ACTIVATE_VERSION", "stream": stream, "version": version}
    return [_schema(stream, props, keys), *records, closing]


def _objects(stream: str, props: dict, rows: list[dict]) -> list[dict]:
    out = [_schema(stream, {**OBJECT_FIELDS, **props}, ["id"])]
    for row in rows:
        day = CREATED_DAY.get((stream, row["id"]), 1)
        base = {"created_at": at(day, 7), "updated_at": at(6), "archived": False}
        out.append(_rec(stream, {**base, **row}))
    return out


def reference_messages(run: int) -> list[dict]:
    options = [
        {"object_type": t, "property_name": p, "option_value": v, "label": lab, "gone": gone}
        for t, p, v, lab, gone in OPTIONS
    ]
    properties = [
        {
            "object_type": t,
            "property_name": n,
            "property_type": pt,
            "field_type": ft,
            "referenced_object_type": ref,
            "archived": False,
        }
        for t, props in PROPERTIES.items()
        for n, pt, ft, ref in props
    ]
    stages = [
        {
            "object_type": t,
            "pipeline_id": p,
            "stage_id": s,
            "label": lab,
            "archived": deleted,
            "from_audit": deleted,
            "archived_at": at(3) if deleted else None,
        }
        for t, p, s, lab, deleted in STAGES
    ]
    return [
        *_full(
            "owners",
            {
                "owner_id": KEY,
                "first_name": S,
                "last_name": S,
                "email": S,
                "owner_type": S,
                "user_id": I,
                "archived": B,
                "created_at": T,
                "updated_at": T,
            },
            ["owner_id"],
            OWNERS,
            run,
        ),
        *_full(
            "owner_teams",
            {"owner_id": KEY, "team_id": KEY, "team_name": S, "is_primary": B},
            ["owner_id", "team_id"],
            TEAMS,
            run,
        ),
        *_full(
            "pipelines",
            {"object_type": KEY, "pipeline_id": KEY, "label": S, "display_order": I, "archived": B},
            ["object_type", "pipeline_id"],
            PIPELINES,
            run,
        ),
        *_full(
            "pipeline_stages",
            {
                "object_type": KEY,
                "pipeline_id": KEY,
                "stage_id": KEY,
                "label": S,
                "display_order": I,
                "probability": N,
                "is_closed": B,
                "ticket_state": S,
                "archived": B,
                "archived_at": T,
                "from_audit": B,
            },
            ["object_type", "pipeline_id", "stage_id"],
            stages,
            run,
        ),
        *_full(
            "properties",
            {
                "object_type": KEY,
                "property_name": KEY,
                "property_type": S,
                "field_type": S,
                "referenced_object_type": S,
                "archived": B,
            },
            ["object_type", "property_name"],
            properties,
            run,
        ),
        *_full(
            "property_options",
            {"object_type": KEY, "property_name": KEY, "option_value": KEY, "label": S},
            ["object_type", "property_name", "option_value"],
            options,
            run,
        ),
        *_full(
            "association_labels",
            {
                "from_object_type": KEY,
                "to_object_type": KEY,
                "association_type_id": {"type": "integer"},
                "association_category": S,
                "association_label": S,
            },
            ["from_object_type", "to_object_type", "association_type_id"],
            [],
            run,
        ),
        *_full(
            "lists",
            {
                "list_id": KEY,
                "name": S,
                "object_type_id": S,
                "object_type": S,
                "processing_type": S,
                "members_synced": B,
            },
            ["list_id"],
            LISTS,
            run,
        ),
    ]


def messages(run: int) -> list[dict]:
    """Run 1: objects, reference data, history, lists, merges. Run 2: reference data again."""
    if run == 2:
        return reference_messages(2)
    history_props = {
        "object_id": KEY,
        "property_name": KEY,
        "changed_at": {**T, "type": "string"},
        "same_time_seq": {"type": "integer"},
        "value": S,
        "source_type": S,
        "source_id": S,
        "source_label": S,
        "updated_by_user_id": I,
        "truncated_before": B,
    }
    history_key = ["object_id", "property_name", "changed_at", "same_time_seq"]
    out = [
        *_objects(
            "deals",
            {k: S for k in ("dealname", "pipeline", "dealstage", "dealtype", "hubspot_owner_id")}
            | {"amount": N},
            DEALS,
        ),
        *_objects(
            "contacts",
            {
                k: S
                for k in (
                    "firstname",
                    "email",
                    "lifecyclestage",
                    "interests",
                    "hubspot_owner_id",
                    "hs_merged_object_ids",
                )
            },
            CONTACTS,
        ),
        *_objects(
            "tickets", {k: S for k in ("subject", "hs_pipeline", "hs_pipeline_stage")}, TICKETS
        ),
        *_objects(
            "meetings",
            {k: S for k in ("hs_meeting_outcome", "hubspot_owner_id", "hs_attendee_owner_ids")},
            [
                {
                    "id": i,
                    "hs_meeting_outcome": o,
                    "hubspot_owner_id": w,
                    "hs_attendee_owner_ids": a,
                }
                for i, o, w, a in MEETINGS
            ],
        ),
        *reference_messages(1),
    ]
    for object_type in ("deals", "tickets", "contacts"):
        stream = f"{object_type}_property_history"
        out.append(_schema(stream, history_props, history_key))
        for t, object_id, prop, day, hour, seq, value in HISTORY:
            if t == object_type:
                out.append(
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
                )
    out.append(
        _schema(
            "list_memberships",
            {"list_id": KEY, "record_id": KEY, "object_type": S, "added_at": T},
            ["list_id", "record_id"],
        )
    )
    version = VERSION[1]
    for list_id, record_id in MEMBERS:
        out.append(
            _rec(
                "list_memberships",
                {
                    "list_id": list_id,
                    "record_id": record_id,
                    "object_type": "contacts",
                    "added_at": at(2),
                },
                version,
            )
        )
    out.append({"type": "ACTIVATE_VERSION", "stream": "list_memberships", "version": version})
    out.append(
        _schema(
            "merges",
            {"object_type": KEY, "merged_id": KEY, "survivor_id": S, "seen_at": T},
            ["object_type", "merged_id"],
        )
    )
    out.extend(
        _rec("merges", {"object_type": t, "merged_id": m, "survivor_id": s, "seen_at": at(6)})
        for t, m, s in MERGES
    )
    return out


def singer_text(run: int) -> str:
    return "".join(json.dumps(m) + "\n" for m in messages(run))
