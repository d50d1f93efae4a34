"""``/_sim/reference/...``: change owners, teams, pipelines, stages, property options and
lists between runs, and dump the ground truth each reference table must equal.

Bodies may carry ``at`` (epoch ms) for the change's timestamp (default: now).
"""

from __future__ import annotations

from typing import Any

from .admin_routes import route
from .errors import validation_error
from .http import Request
from .objecttypes import ObjectType, resolve
from .reference import ReferenceData
from .state import SimulatorState
from .util import now_ms

BASE = "/reference"


def _ref(state: SimulatorState) -> ReferenceData:
    return state.dataset.reference


def _at(body: dict[str, Any]) -> int:
    at = body.get("at")
    return int(at) if at is not None else now_ms()


def _type(state: SimulatorState, name: str) -> ObjectType:
    otype = resolve(name)
    if otype is None or otype.name not in state.dataset.activated:
        raise validation_error(f"unknown object type {name}")
    return otype


# ------------------------------------------------------------------------------ owners


@route("GET", f"{BASE}/owners")
def dump_owners(state: SimulatorState, body: Any, req: Request) -> Any:
    """``{owners: [every owner, archived too, as the API renders it], teams: [{id, name}]}``."""
    return _ref(state).owners.dump()


@route("POST", f"{BASE}/owners")
def add_owner(state: SimulatorState, body: Any, req: Request) -> Any:
    """A new owner: ``{id?, userId?, email, firstName, lastName, type?, teams?}``."""
    owners = _ref(state).owners
    return owners.to_api(owners.add(body, _at(body)))


@route("PATCH", f"{BASE}/owners/{{owner_id}}")
def update_owner(state: SimulatorState, body: Any, req: Request, owner_id: str) -> Any:
    """Rename or re-address an owner."""
    owners = _ref(state).owners
    return owners.to_api(owners.update(owner_id, body, _at(body)))


@route("POST", f"{BASE}/owners/{{owner_id}}/archive")
def archive_owner(state: SimulatorState, body: Any, req: Request, owner_id: str) -> Any:
    """The owner leaves (archived, ``userId`` null, no teams)."""
    owners = _ref(state).owners
    return owners.to_api(owners.archive(owner_id, _at(body)))


@route("DELETE", f"{BASE}/owners/{{owner_id}}")
def remove_owner(state: SimulatorState, body: Any, req: Request, owner_id: str) -> Any:
    """The owner disappears from both listings."""
    _ref(state).owners.remove(owner_id)
    return {"removed": owner_id}


@route("PUT", f"{BASE}/owners/{{owner_id}}/teams/{{team_id}}")
def join_team(state: SimulatorState, body: Any, req: Request, owner_id: str, team_id: str) -> Any:
    """Add a team membership (``{primary: true}`` makes it the primary team)."""
    owners = _ref(state).owners
    owner = owners.set_team(owner_id, team_id, True, bool(body.get("primary")), _at(body))
    return owners.to_api(owner)


@route("DELETE", f"{BASE}/owners/{{owner_id}}/teams/{{team_id}}")
def leave_team(state: SimulatorState, body: Any, req: Request, owner_id: str, team_id: str) -> Any:
    """Remove a team membership."""
    owners = _ref(state).owners
    return owners.to_api(owners.set_team(owner_id, team_id, False, False, _at(body)))


@route("PUT", f"{BASE}/teams/{{team_id}}")
def put_team(state: SimulatorState, body: Any, req: Request, team_id: str) -> Any:
    """Create or rename a team: ``{name}``."""
    _ref(state).owners.add_team(team_id, str(body["name"]))
    return {"id": team_id, "name": body["name"]}


@route("DELETE", f"{BASE}/teams/{{team_id}}")
def delete_team(state: SimulatorState, body: Any, req: Request, team_id: str) -> Any:
    """Delete a team and its memberships."""
    _ref(state).owners.remove_team(team_id, _at(body))
    return {"removed": team_id}


# ------------------------------------------------------------------------------ pipelines


@route("GET", f"{BASE}/pipelines")
def dump_pipelines(state: SimulatorState, body: Any, req: Request) -> Any:
    """Per activated type with pipelines: ``{pipelines, auditOnlyStages, deletedPipelines}``."""
    names = sorted(state.dataset.activated)
    return _ref(state).pipelines.dump(names)


@route("POST", f"{BASE}/pipelines/{{type}}")
def add_pipeline(state: SimulatorState, body: Any, req: Request, type: str) -> Any:
    """``{id, label, stages: [{id, label, metadata}]}``."""
    otype = _type(state, type)
    return _ref(state).pipelines.add_pipeline(otype.name, body, _at(body)).to_api()


@route("PATCH", f"{BASE}/pipelines/{{type}}/{{pipeline_id}}")
def update_pipeline(
    state: SimulatorState, body: Any, req: Request, type: str, pipeline_id: str
) -> Any:
    """``{label?, archived?}``."""
    otype = _type(state, type)
    book = _ref(state).pipelines
    return book.update_pipeline(otype.name, pipeline_id, body, _at(body)).to_api()


@route("DELETE", f"{BASE}/pipelines/{{type}}/{{pipeline_id}}")
def remove_pipeline(
    state: SimulatorState, body: Any, req: Request, type: str, pipeline_id: str
) -> Any:
    """Delete a pipeline (its audit, with its stages' last states, stays readable)."""
    _ref(state).pipelines.remove_pipeline(_type(state, type).name, pipeline_id, _at(body))
    return {"removed": pipeline_id}


@route("POST", f"{BASE}/pipelines/{{type}}/{{pipeline_id}}/stages")
def add_stage(state: SimulatorState, body: Any, req: Request, type: str, pipeline_id: str) -> Any:
    """``{id, label, metadata?, displayOrder?}``."""
    otype = _type(state, type)
    return _ref(state).pipelines.add_stage(otype.name, pipeline_id, body, _at(body)).to_api()


@route("PATCH", f"{BASE}/pipelines/{{type}}/{{pipeline_id}}/stages/{{stage_id}}")
def update_stage(
    state: SimulatorState, body: Any, req: Request, type: str, pipeline_id: str, stage_id: str
) -> Any:
    """``{label?, metadata?}``."""
    otype = _type(state, type)
    book = _ref(state).pipelines
    return book.update_stage(otype.name, pipeline_id, stage_id, body, _at(body)).to_api()


@route("DELETE", f"{BASE}/pipelines/{{type}}/{{pipeline_id}}/stages/{{stage_id}}")
def remove_stage(
    state: SimulatorState, body: Any, req: Request, type: str, pipeline_id: str, stage_id: str
) -> Any:
    """Delete a stage: gone from the pipeline, kept in the audit."""
    otype = _type(state, type)
    _ref(state).pipelines.remove_stage(otype.name, pipeline_id, stage_id, _at(body))
    return {"removed": stage_id}


# ------------------------------------------------------------------------------ properties


@route("GET", f"{BASE}/properties/{{type}}")
def dump_properties(state: SimulatorState, body: Any, req: Request, type: str) -> Any:
    """``{properties: [live definitions], archived: [archived definitions]}``."""
    otype = _type(state, type)
    return _ref(state).properties.dump([otype.name])[otype.name]


@route("POST", f"{BASE}/properties/{{type}}/{{name}}/options")
def add_option(state: SimulatorState, body: Any, req: Request, type: str, name: str) -> Any:
    """``{label, value, description?, hidden?}``."""
    otype = _type(state, type)
    _ref(state).properties.add_option(otype.name, name, body, _at(body))
    return _ref(state).properties.get(otype.name, name, False)


@route("PATCH", f"{BASE}/properties/{{type}}/{{name}}/options/{{value}}")
def update_option(
    state: SimulatorState, body: Any, req: Request, type: str, name: str, value: str
) -> Any:
    """``{label?, hidden?, description?}``."""
    otype = _type(state, type)
    _ref(state).properties.update_option(otype.name, name, value, body, _at(body))
    return _ref(state).properties.get(otype.name, name, False)


@route("DELETE", f"{BASE}/properties/{{type}}/{{name}}/options/{{value}}")
def remove_option(
    state: SimulatorState, body: Any, req: Request, type: str, name: str, value: str
) -> Any:
    """Drop an option (records keep the value)."""
    otype = _type(state, type)
    _ref(state).properties.remove_option(otype.name, name, value, _at(body))
    return _ref(state).properties.get(otype.name, name, False)


@route("POST", f"{BASE}/properties/{{type}}/{{name}}/archive")
def archive_property(state: SimulatorState, body: Any, req: Request, type: str, name: str) -> Any:
    """Archive a portal-defined property."""
    return _ref(state).properties.archive(_type(state, type).name, name, _at(body))


@route("POST", f"{BASE}/properties/{{type}}/{{name}}/restore")
def restore_property(state: SimulatorState, body: Any, req: Request, type: str, name: str) -> Any:
    """Restore an archived property."""
    otype = _type(state, type)
    _ref(state).properties.restore(otype.name, name, _at(body))
    return _ref(state).properties.get(otype.name, name, False)


# ------------------------------------------------------------------------------ lists


@route("GET", f"{BASE}/lists")
def dump_lists(state: SimulatorState, body: Any, req: Request) -> Any:
    """Every list as the API renders it, plus ``members`` [{recordId, membershipTimestamp}]."""
    return {"lists": _ref(state).lists.dump()}


@route("POST", f"{BASE}/lists")
def add_list(state: SimulatorState, body: Any, req: Request) -> Any:
    """``{name, objectType, processingType?, listId?, rule?: {property, values}}``."""
    lists = _ref(state).lists
    return lists.to_api(lists.add(body, _at(body)))


@route("PATCH", f"{BASE}/lists/{{list_id}}")
def rename_list(state: SimulatorState, body: Any, req: Request, list_id: str) -> Any:
    """``{name}`` (bumps the list version)."""
    lists = _ref(state).lists
    return lists.to_api(lists.rename(int(list_id), str(body["name"]), _at(body)))


@route("DELETE", f"{BASE}/lists/{{list_id}}")
def remove_list(state: SimulatorState, body: Any, req: Request, list_id: str) -> Any:
    """Delete a list."""
    _ref(state).lists.remove(int(list_id))
    return {"removed": list_id}


@route("POST", f"{BASE}/lists/{{list_id}}/members")
def add_members(state: SimulatorState, body: Any, req: Request, list_id: str) -> Any:
    """``{recordIds: [...]}`` join now (or at ``at``)."""
    lists = _ref(state).lists
    lists.change_members(int(list_id), list(body["recordIds"]), True, _at(body))
    return lists.to_api(lists.require(int(list_id)))


@route("DELETE", f"{BASE}/lists/{{list_id}}/members")
def remove_members(state: SimulatorState, body: Any, req: Request, list_id: str) -> Any:
    """``{recordIds: [...]}`` leave the list."""
    lists = _ref(state).lists
    lists.change_members(int(list_id), list(body["recordIds"]), False, _at(body))
    return lists.to_api(lists.require(int(list_id)))
