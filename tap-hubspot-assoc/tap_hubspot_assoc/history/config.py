"""The `property_history` setting: which properties of which synced types keep history.

Forms: unset = `DEFAULT_PROPERTY_HISTORY`; `""`, `[]`, `{}` or null-like text = off; `"all"` =
every property of every synced type; a mapping {type: [property, ...] | "all"} where `"*"`
stands for every synced type the mapping does not name. JSON text of any of these (how Meltano
passes an environment variable) is accepted. Names are checked before any record is read.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from singer_sdk.exceptions import ConfigValidationError

from tap_hubspot_assoc.association.pairs import canonical_type
from tap_hubspot_assoc.properties import PropertyDef

ALL = "all"
OTHER_TYPES = "*"
OWNER = "hubspot_owner_id"
# The common questions: how long a deal sat in each stage (and what it was worth, when it was
# due to close, who owned it); when a contact became a customer; who owned a ticket when it
# closed; who owned any other record. A default entry naming a property the type lacks is
# skipped (a configured one fails the run).
DEFAULT_PROPERTY_HISTORY: dict[str, list[str]] = {
    "deals": ["dealstage", "pipeline", "amount", "closedate", OWNER],
    "contacts": ["lifecyclestage", "hs_lead_status", OWNER],
    "tickets": ["hs_pipeline_stage", "hs_pipeline", OWNER],
    OTHER_TYPES: [OWNER],
}


class PropertyHistoryConfigError(ConfigValidationError):
    """`property_history` names a type or property this run cannot keep history for."""

    def __init__(self, message: str) -> None:
        super().__init__(message, errors=[f"property_history: {message}"])


def history_properties(
    setting: Any, synced: Mapping[str, Sequence[PropertyDef]]
) -> dict[str, list[str]]:
    """Stream name -> the properties whose history it keeps (types without any are left out).

    `synced`: every synced type's stream name and property definitions.
    """
    default = setting is None
    value = DEFAULT_PROPERTY_HISTORY if default else _decode(setting)
    if not value:
        return {}
    if value == ALL:
        return {name: [p.name for p in props] for name, props in synced.items() if props}
    if not isinstance(value, Mapping):
        raise PropertyHistoryConfigError(
            f'expected "all", an empty value or a mapping of type to properties, got {value!r}'
        )
    by_stream: dict[str, Any] = {}
    for key, wanted in value.items():
        name = key if key == OTHER_TYPES else _stream_of(str(key), synced, strict=not default)
        if name is not None:
            by_stream[name] = wanted
    out: dict[str, list[str]] = {}
    for name, props in synced.items():
        wanted = by_stream.get(name, by_stream.get(OTHER_TYPES))
        if wanted is None:
            continue
        strict = not default and name in by_stream
        chosen = _properties(name, wanted, props, strict=strict)
        if chosen:
            out[name] = chosen
    return out


def _decode(setting: Any) -> Any:
    if isinstance(setting, str):
        text = setting.strip()
        if text.lower() in ("", "none", "null", "off", "false"):
            return None
        if text.lower() == ALL:
            return ALL
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise PropertyHistoryConfigError(f"not JSON, {ALL!r} or empty: {text!r}") from exc
    return setting


def _stream_of(
    key: str, synced: Mapping[str, Sequence[PropertyDef]], *, strict: bool
) -> str | None:
    for candidate in (key, key.lower(), canonical_type(key)):
        if candidate in synced:
            return candidate
    if strict:
        raise PropertyHistoryConfigError(
            f"type {key!r} is not synced (object_types: {', '.join(sorted(synced))})"
        )
    return None


def _properties(
    stream: str, wanted: Any, props: Sequence[PropertyDef], *, strict: bool
) -> list[str]:
    known = [p.name for p in props]
    if wanted == ALL:
        return known
    if isinstance(wanted, str) or not isinstance(wanted, Sequence):
        raise PropertyHistoryConfigError(
            f'{stream}: expected a list of property names or "all", got {wanted!r}'
        )
    names = list(dict.fromkeys(str(w) for w in wanted))
    unknown = [n for n in names if n not in known]
    if unknown and strict:
        raise PropertyHistoryConfigError(
            f"{stream} has no propert{'y' if len(unknown) == 1 else 'ies'} "
            f"{', '.join(unknown)} (the properties API of {stream} lists the names)"
        )
    return [n for n in names if n in known]


def cost_line(chosen: Mapping[str, Sequence[str]], batch: int) -> str:
    """What history costs, printed before any read."""
    if not chosen:
        return "Property history: off (property_history is empty)"
    per_type = "; ".join(f"{name}: {', '.join(props)}" for name, props in chosen.items())
    per_thousand = -(-1000 // batch)
    return (
        f"Property history of {per_type}. Cost: one batch read ({batch} records, history "
        f"requested) per {batch} records each run reads: +{per_thousand} requests per 1,000 "
        f"records on every read (full read: 10 list pages + {per_thousand}; incremental: 5 "
        f"searches + {per_thousand})"
    )
