"""``/_sim/`` property history: the version source of admin writes and ground-truth dumps."""

from __future__ import annotations

from typing import Any

from .admin_routes import route
from .errors import validation_error
from .history import SOURCE_TYPES, VERSION_CAP
from .http import Request
from .objecttypes import resolve
from .state import SimulatorState
from .store import ACTIVE, ObjectTable


def version_source(body: dict[str, Any], default: str = "API") -> tuple[Any, ...]:
    """(sourceType, sourceId, sourceLabel, updatedByUserId) of an admin write's versions."""
    source_type = body.get("sourceType") or default
    if source_type not in SOURCE_TYPES:
        raise validation_error(
            f"unknown sourceType {source_type!r}; one of {', '.join(sorted(SOURCE_TYPES))}"
        )
    user = body.get("updatedByUserId")
    if user is not None and not isinstance(user, int):
        raise validation_error(f"updatedByUserId must be an integer, got {user!r}")
    return source_type, body.get("sourceId"), body.get("sourceLabel"), user


def _table(state: SimulatorState, name: str) -> ObjectTable:
    otype = resolve(name)
    if otype is None:
        raise validation_error(f"unknown object type {name}")
    return state.dataset.table(otype)


def _names(table: ObjectTable, req: Request) -> list[str]:
    wanted = req.query_list("properties")
    if wanted is None:
        return list(table.property_names)
    unknown = [n for n in wanted if n not in table.spec_by_name]
    if unknown:
        raise validation_error(f"unknown {table.type.name} properties {unknown}")
    return wanted


def _record_history(table: ObjectTable, idx: int, names: list[str], full: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in names:
        versions = table.history.versions(idx, name)
        kept = versions if full else versions[-VERSION_CAP:]
        out[name] = [v.to_api() for v in reversed(kept)]
    return out


@route("GET", "/history/{type}/{id}")
def record_history(state: SimulatorState, body: Any, req: Request, type: str, id: str) -> Any:
    """One record's versions, newest first (``full=true``: beyond the cap too)."""
    table = _table(state, type)
    idx = table.idx_of(id)
    if idx is None:
        raise validation_error(f"no {table.type.singular} {id}")
    full = (req.query("full") or "").lower() == "true"
    return {
        "id": table.id_of(idx),
        "cap": VERSION_CAP,
        "propertiesWithHistory": _record_history(table, idx, _names(table, req), full),
    }


@route("GET", "/history/{type}")
def type_history(state: SimulatorState, body: Any, req: Request, type: str) -> Any:
    """Every active record's versions as the API returns them (capped), by record id."""
    table = _table(state, type)
    names = _names(table, req)
    full = (req.query("full") or "").lower() == "true"
    return {
        "cap": VERSION_CAP,
        "records": {
            table.id_of(i): _record_history(table, i, names, full)
            for i in range(len(table))
            if table.status[i] == ACTIVE
        },
    }
