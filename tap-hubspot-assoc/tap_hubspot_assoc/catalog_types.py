"""A sync run's object types and association directions, taken from its input catalog.

`meltano run` starts the tap twice: `--discover` (which reads every type's properties and, with
`association_pairs: all`, probes the labels of every pair of types), then the sync with the
catalog that discovery wrote. The catalog already says which object streams exist, with their
properties' types, and which association streams: the sync takes them from there instead of
asking HubSpot again (Singer's contract: the catalog decides what is synced). Custom objects
are resolved by name through `GET /crm/v3/schemas` (one request); the labels of each synced
direction are still read, since they are data (the `association_labels` stream).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from singer_sdk.singerlib import Catalog

from tap_hubspot_assoc.association.pairs import Direction
from tap_hubspot_assoc.object_types import CrmObjectType, standard_type
from tap_hubspot_assoc.portal_types import PortalTypes, SyncedType
from tap_hubspot_assoc.properties import COLLISION_PREFIX, TOP_LEVEL_FIELDS, PropertyDef


def _is_object_schema(schema: Mapping[str, Any]) -> bool:
    return set(TOP_LEVEL_FIELDS) <= set(schema.get("properties") or {})


def _hubspot_type(spec: Mapping[str, Any]) -> str:
    """The HubSpot type whose JSON Schema (properties.py) is `spec`."""
    kinds = spec.get("type") or []
    kinds = [kinds] if isinstance(kinds, str) else list(kinds)
    if "boolean" in kinds:
        return "bool"
    if "number" in kinds or "integer" in kinds:
        return "number"
    return {"date": "date", "date-time": "datetime"}.get(str(spec.get("format")), "string")


def _property_name(field: str) -> str:
    base = field[len(COLLISION_PREFIX) :]
    return base if field.startswith(COLLISION_PREFIX) and base in TOP_LEVEL_FIELDS else field


def properties_from_schema(schema: Mapping[str, Any]) -> list[PropertyDef]:
    """The property definitions an object stream's schema was built from."""
    return [
        PropertyDef(_property_name(field), _hubspot_type(spec))
        for field, spec in (schema.get("properties") or {}).items()
        if field not in TOP_LEVEL_FIELDS
    ]


def synced_types_from_catalog(catalog: Catalog, portal: PortalTypes) -> list[SyncedType] | None:
    """The catalog's object streams as synced types; None when it has none."""
    found = []
    for entry in catalog.streams:
        schema = entry.schema.to_dict()
        if not _is_object_schema(schema):
            continue
        name = entry.tap_stream_id
        object_type = standard_type(name) or portal.resolve(name)
        found.append(SyncedType(object_type, properties_from_schema(schema)))
    return found or None


def directions_from_catalog(catalog: Catalog, types: Sequence[CrmObjectType]) -> list[Direction]:
    """The directions whose association streams the catalog lists, in its order."""
    by_stream = {
        Direction(a.name, b.name).stream_name: Direction.between(a, b)
        for a in types
        for b in types
        if a is not b
    }
    return [
        by_stream[entry.tap_stream_id]
        for entry in catalog.streams
        if entry.tap_stream_id in by_stream
    ]
