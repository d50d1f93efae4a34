"""The reference-data part of the ``/_sim/`` client: owners, teams, pipelines, stages,
property options and lists, changed between runs and read back as ground truth."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote


def _at(at: int | None) -> dict[str, Any]:
    return {} if at is None else {"at": at}


class ReferenceAdmin:
    """Mixed into ``SimulatorAdmin`` (also usable alone with a ``_call``)."""

    def _call(
        self, method: str, path: str, body: Any = None, params: dict[str, str] | None = None
    ) -> Any:
        raise NotImplementedError

    # ------------------------------------------------------------------ owners
    def owners_truth(self) -> dict[str, Any]:
        """``{owners: [every owner incl. archived, API JSON], teams: [{id, name}]}``."""
        return dict(self._call("GET", "/reference/owners"))

    def add_owner(self, *, at: int | None = None, **fields: Any) -> dict[str, Any]:
        """``id``, ``userId``, ``email``, ``firstName``, ``lastName``, ``type``, ``teams``."""
        return dict(self._call("POST", "/reference/owners", fields | _at(at)))

    def update_owner(self, owner_id: str, *, at: int | None = None, **fields: Any) -> Any:
        """Rename / re-address (``firstName``, ``lastName``, ``email``)."""
        return self._call("PATCH", f"/reference/owners/{owner_id}", fields | _at(at))

    def archive_owner(self, owner_id: str, at: int | None = None) -> dict[str, Any]:
        """The owner leaves: archived, ``userId`` null, out of every team."""
        return dict(self._call("POST", f"/reference/owners/{owner_id}/archive", _at(at)))

    def remove_owner(self, owner_id: str) -> None:
        """Gone from both owner listings."""
        self._call("DELETE", f"/reference/owners/{owner_id}")

    def set_owner_team(
        self, owner_id: str, team_id: str, *, member: bool = True, primary: bool = False
    ) -> dict[str, Any]:
        """Add (``primary``: as the primary team) or remove a team membership."""
        path = f"/reference/owners/{owner_id}/teams/{team_id}"
        if member:
            return dict(self._call("PUT", path, {"primary": primary}))
        return dict(self._call("DELETE", path))

    def put_team(self, team_id: str, name: str) -> None:
        """Create or rename a team."""
        self._call("PUT", f"/reference/teams/{team_id}", {"name": name})

    def remove_team(self, team_id: str) -> None:
        """Delete a team and its memberships."""
        self._call("DELETE", f"/reference/teams/{team_id}")

    # ------------------------------------------------------------------ pipelines
    def pipelines_truth(self) -> dict[str, Any]:
        """Per type: ``{pipelines, auditOnlyStages, deletedPipelines}``."""
        return dict(self._call("GET", "/reference/pipelines"))

    def add_pipeline(
        self, object_type: str, pipeline_id: str, label: str, stages: list[dict[str, Any]]
    ) -> dict[str, Any]:
        """A pipeline with stages ``[{id, label, metadata}]``."""
        body = {"id": pipeline_id, "label": label, "stages": stages}
        return dict(self._call("POST", f"/reference/pipelines/{object_type}", body))

    def update_pipeline(self, object_type: str, pipeline_id: str, **fields: Any) -> Any:
        """``label``, ``archived``."""
        return self._call("PATCH", f"/reference/pipelines/{object_type}/{pipeline_id}", fields)

    def remove_pipeline(self, object_type: str, pipeline_id: str) -> None:
        """Delete a pipeline (its audit stays readable)."""
        self._call("DELETE", f"/reference/pipelines/{object_type}/{pipeline_id}")

    def add_stage(
        self,
        object_type: str,
        pipeline_id: str,
        stage_id: str,
        label: str,
        metadata: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """Append a stage."""
        body = {"id": stage_id, "label": label, "metadata": metadata or {}}
        path = f"/reference/pipelines/{object_type}/{pipeline_id}/stages"
        return dict(self._call("POST", path, body))

    def update_stage(self, object_type: str, pipeline_id: str, stage_id: str, **fields: Any) -> Any:
        """``label``, ``metadata``."""
        path = f"/reference/pipelines/{object_type}/{pipeline_id}/stages/{stage_id}"
        return self._call("PATCH", path, fields)

    def remove_stage(self, object_type: str, pipeline_id: str, stage_id: str) -> None:
        """Delete a stage (it goes to the audit log)."""
        path = f"/reference/pipelines/{object_type}/{pipeline_id}/stages/{stage_id}"
        self._call("DELETE", path)

    # ------------------------------------------------------------------ properties
    def properties_truth(self, object_type: str) -> dict[str, Any]:
        """``{properties: [live definitions], archived: [archived definitions]}``."""
        return dict(self._call("GET", f"/reference/properties/{object_type}"))

    def add_option(self, object_type: str, name: str, label: str, value: str, **extra: Any) -> Any:
        """Append an option (``description``, ``hidden``)."""
        body = {"label": label, "value": value, **extra}
        return self._call("POST", f"/reference/properties/{object_type}/{name}/options", body)

    def update_option(self, object_type: str, name: str, value: str, **fields: Any) -> Any:
        """Relabel / hide / describe an option."""
        path = f"/reference/properties/{object_type}/{name}/options/{quote(value, safe='')}"
        return self._call("PATCH", path, fields)

    def remove_option(self, object_type: str, name: str, value: str) -> Any:
        """Drop an option (records keep the value)."""
        path = f"/reference/properties/{object_type}/{name}/options/{quote(value, safe='')}"
        return self._call("DELETE", path)

    def archive_property(self, object_type: str, name: str, at: int | None = None) -> Any:
        """Archive a portal-defined property."""
        return self._call("POST", f"/reference/properties/{object_type}/{name}/archive", _at(at))

    def restore_property(self, object_type: str, name: str) -> Any:
        """Restore an archived property."""
        return self._call("POST", f"/reference/properties/{object_type}/{name}/restore")

    # ------------------------------------------------------------------ lists
    def lists_truth(self) -> list[dict[str, Any]]:
        """Every list (API JSON) with ``members`` [{recordId, membershipTimestamp}]."""
        return list(self._call("GET", "/reference/lists")["lists"])

    def add_list(
        self,
        name: str,
        object_type: str,
        processing_type: str = "MANUAL",
        *,
        list_id: int | None = None,
        rule: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A new list; DYNAMIC and SNAPSHOT need ``rule={"property", "values"}``."""
        body: dict[str, Any] = {"name": name, "objectType": object_type}
        body["processingType"] = processing_type
        if list_id is not None:
            body["listId"] = list_id
        if rule is not None:
            body["rule"] = rule
        return dict(self._call("POST", "/reference/lists", body))

    def rename_list(self, list_id: int, name: str) -> dict[str, Any]:
        """A new name (the list version goes up)."""
        return dict(self._call("PATCH", f"/reference/lists/{list_id}", {"name": name}))

    def remove_list(self, list_id: int) -> None:
        """Delete a list."""
        self._call("DELETE", f"/reference/lists/{list_id}")

    def add_list_members(self, list_id: int, record_ids: list[str], at: int | None = None) -> Any:
        """Records join a manual or snapshot list (now, or at ``at``)."""
        body = {"recordIds": record_ids} | _at(at)
        return self._call("POST", f"/reference/lists/{list_id}/members", body)

    def remove_list_members(self, list_id: int, record_ids: list[str]) -> Any:
        """Records leave a manual or snapshot list."""
        return self._call(
            "DELETE", f"/reference/lists/{list_id}/members", {"recordIds": record_ids}
        )
