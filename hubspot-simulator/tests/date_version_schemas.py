"""JSON Schemas of the date-versioned answers the tap relies on, written by us from the facts of
HubSpot's published 2026-03 / 2026-09 API reference (required fields, types, enums). They are
not HubSpot's files and are deliberately smaller: only what a client uses. Where HubSpot's
observed answers contradict its spec (shared/reference/hubspot-api.md §9.1) we follow the
observed answers: property values and labels may be null, ``toObjectId`` may be a number, and
batch error entries need not carry ``errors`` / ``links``.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

STRING: Schema = {"type": "string"}
NULLABLE_STRING: Schema = {"type": ["string", "null"]}
INTEGER: Schema = {"type": "integer"}
BOOLEAN: Schema = {"type": "boolean"}
DATE_TIME: Schema = {"type": "string", "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$"}
CATEGORIES = ["HUBSPOT_DEFINED", "USER_DEFINED", "INTEGRATOR_DEFINED", "WORK"]
BATCH_STATUSES = ["CANCELED", "COMPLETE", "PENDING", "PROCESSING"]


def obj(required: dict[str, Schema], optional: dict[str, Schema] | None = None) -> Schema:
    """An object with these required and optional fields (others allowed: HubSpot adds some)."""
    return {
        "type": "object",
        "required": sorted(required),
        "properties": {**required, **(optional or {})},
    }


def array(items: Schema) -> Schema:
    return {"type": "array", "items": items}


def results(items: Schema, paging: Schema | None = None, **required: Schema) -> Schema:
    """A collection answer: ``results`` (required) and an optional ``paging``."""
    return obj({"results": array(items), **required}, {"paging": paging} if paging else None)


NEXT_PAGE = obj({"after": STRING}, {"link": STRING})
FORWARD_PAGING = obj({}, {"next": NEXT_PAGE})
PAGING = obj({}, {"next": NEXT_PAGE, "prev": obj({"before": STRING}, {"link": STRING})})

# ---------------------------------------------------------------------------- objects
SIMPLE_OBJECT = obj(
    {
        "id": STRING,
        "properties": {"type": "object", "additionalProperties": NULLABLE_STRING},
        "createdAt": DATE_TIME,
        "updatedAt": DATE_TIME,
        "archived": BOOLEAN,
        "url": {"type": "string", "pattern": "^https://"},  # always there in date versions
    },
    {"archivedAt": DATE_TIME, "propertiesWithHistory": {"type": "object"}},
)
OBJECT_PAGE = results(SIMPLE_OBJECT, FORWARD_PAGING)
SEARCH_PAGE = results(SIMPLE_OBJECT, PAGING, total=INTEGER)
BATCH_ERROR = obj(
    {"status": STRING, "category": STRING, "message": STRING},
    {"subCategory": STRING, "context": {"type": "object"}, "errors": {"type": "array"}},
)


def batch(items: Schema, *, with_errors: bool) -> Schema:
    """A batch answer; ``with_errors``: ``errors`` and ``numErrors`` required."""
    required = {
        "status": {"enum": BATCH_STATUSES},
        "results": array(items),
        "startedAt": DATE_TIME,
        "completedAt": DATE_TIME,
    }
    errors = {"errors": array(BATCH_ERROR), "numErrors": INTEGER}
    return obj(required | errors, None) if with_errors else obj(required, errors)


# ---------------------------------------------------------------------------- errors
API_ERROR = obj({"category": STRING, "correlationId": STRING, "message": STRING})

# ---------------------------------------------------------------------------- metadata
OPTION = obj({"label": STRING, "value": STRING, "hidden": BOOLEAN}, {"displayOrder": INTEGER})
PROPERTY = obj(
    {
        "name": STRING,
        "label": STRING,
        "type": STRING,
        "fieldType": STRING,
        "groupName": STRING,
        "description": STRING,
        "options": array(OPTION),
    },
    {"archived": BOOLEAN, "hasUniqueValue": BOOLEAN, "calculated": BOOLEAN},
)
PROPERTIES = results(PROPERTY)
PROPERTY_GROUP = obj({"name": STRING, "label": STRING, "archived": BOOLEAN})
PROPERTY_GROUPS = results(PROPERTY_GROUP)
OBJECT_SCHEMA = obj(
    {
        "id": STRING,
        "objectTypeId": STRING,
        "fullyQualifiedName": STRING,
        "name": STRING,
        "labels": obj({}, {"singular": STRING, "plural": STRING}),
        "archived": BOOLEAN,
        "allowsSensitiveProperties": BOOLEAN,
        "associations": array(
            obj({"id": STRING, "fromObjectTypeId": STRING, "toObjectTypeId": STRING})
        ),
        "properties": array(PROPERTY),
        "requiredProperties": array(STRING),
        "searchableProperties": array(STRING),
        "secondaryDisplayProperties": array(STRING),
    }
)
OBJECT_SCHEMAS = results(OBJECT_SCHEMA)

# ---------------------------------------------------------------------------- associations
ASSOCIATION_TYPE = obj(
    {"category": {"enum": CATEGORIES}, "typeId": INTEGER}, {"label": NULLABLE_STRING}
)
LABELS = results(ASSOCIATION_TYPE)
ASSOCIATION_RESULT = obj(
    {
        "from": obj({"id": STRING}),
        "to": array(
            obj(
                {
                    "toObjectId": {"type": ["integer", "string"]},
                    "associationTypes": array(ASSOCIATION_TYPE),
                }
            )
        ),
    },
    {"paging": PAGING},
)

# ---------------------------------------------------------------------------- reference data
OWNER = obj(
    {
        "id": STRING,
        "type": {"enum": ["PERSON", "QUEUE"]},
        "archived": BOOLEAN,
        "createdAt": DATE_TIME,
        "updatedAt": DATE_TIME,
    },
    {
        "email": NULLABLE_STRING,
        "userId": {"type": ["integer", "null"]},
        "teams": array(obj({"id": STRING, "name": STRING, "primary": BOOLEAN})),
    },
)
OWNERS = results(OWNER, FORWARD_PAGING)
STAGE = obj(
    {
        "id": STRING,
        "label": STRING,
        "displayOrder": INTEGER,
        "metadata": {"type": "object"},
        "archived": BOOLEAN,
        "createdAt": DATE_TIME,
        "updatedAt": DATE_TIME,
        "writePermissions": {"enum": ["CRM_PERMISSIONS_ENFORCEMENT", "INTERNAL_ONLY", "READ_ONLY"]},
    }
)
PIPELINE = obj(
    {
        "id": STRING,
        "label": STRING,
        "displayOrder": INTEGER,
        "archived": BOOLEAN,
        "createdAt": DATE_TIME,
        "updatedAt": DATE_TIME,
        "stages": array(STAGE),
    }
)
PIPELINES = results(PIPELINE)
AUDIT = results(obj({"action": STRING, "identifier": STRING, "portalId": INTEGER}))
LIST = obj(
    {
        "listId": STRING,
        "listVersion": INTEGER,
        "name": STRING,
        "objectTypeId": STRING,
        "processingStatus": STRING,
        "processingType": {"enum": ["MANUAL", "DYNAMIC", "SNAPSHOT"]},
        "additionalProperties": {"type": "object"},
    }
)
LIST_SEARCH = obj({"lists": array(LIST), "hasMore": BOOLEAN, "offset": INTEGER, "total": INTEGER})
JOIN_ORDER = results(obj({"recordId": STRING, "membershipTimestamp": DATE_TIME}), PAGING)
ENABLEMENT = obj({"enablementByObjectTypeId": {"type": "object", "additionalProperties": BOOLEAN}})
ENABLEMENT_OF = obj({"enablement": BOOLEAN})

# ---------------------------------------------------------------------------- OAuth 2026-03
TOKEN = obj(
    {
        "access_token": STRING,
        "refresh_token": STRING,
        "expires_in": INTEGER,
        "token_type": STRING,
        "token_use": {"enum": ["access_token"]},
    },
    {"hub_id": INTEGER, "user_id": INTEGER, "scopes": array(STRING)},
)
OAUTH_ERROR = obj(
    {
        "error": {
            "enum": [
                "invalid_request",
                "invalid_client",
                "invalid_grant",
                "unauthorized_client",
                "unsupported_grant_type",
                "invalid_scope",
            ]
        },
        "error_description": STRING,
        # HubSpot's compatibility fields and its Error schema's required ones
        "status": STRING,
        "message": STRING,
        "category": STRING,
        "correlationId": STRING,
    }
)
INTROSPECTION = obj(
    {
        "active": BOOLEAN,
        "token": STRING,
        "token_use": {"enum": ["access_token", "refresh_token"]},
        "token_type": STRING,
        "client_id": STRING,
        "app_id": INTEGER,
        "hub_id": INTEGER,
        "user_id": INTEGER,
        "scopes": array(STRING),
    },
    {"expires_in": INTEGER},
)
