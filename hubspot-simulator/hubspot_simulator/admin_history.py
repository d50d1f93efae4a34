"""The property-history part of the ``/_sim/`` client (mixed into ``SimulatorAdmin``)."""

from __future__ import annotations

from typing import Any


class HistoryAdmin:
    """Update a property with a version source; read the ground-truth histories."""

    def _call(
        self, method: str, path: str, body: Any = None, params: dict[str, str] | None = None
    ) -> Any:
        raise NotImplementedError

    def update_property(
        self,
        object_type: str,
        object_id: str,
        properties: dict[str, str | None],
        *,
        at: int | None = None,
        source_type: str = "API",
        source_id: str | None = None,
        source_label: str | None = None,
        updated_by_user_id: int | None = None,
    ) -> dict[str, Any]:
        """Set values, appending one version each (``at`` ms, default now: two updates with
        the same ``at`` are two versions in one millisecond); bumps last-modified."""
        body = {
            "properties": properties,
            "at": at,
            "sourceType": source_type,
            "sourceId": source_id,
            "sourceLabel": source_label,
            "updatedByUserId": updated_by_user_id,
        }
        return dict(self._call("PATCH", f"/objects/{object_type}/{object_id}", body))

    def history(
        self,
        object_type: str,
        object_id: str,
        properties: list[str] | None = None,
        *,
        full: bool = False,
    ) -> dict[str, list[dict[str, Any]]]:
        """One record's versions per property, newest first, as the API returns them
        (capped), or every version with ``full``."""
        params = _params(properties, full)
        found = self._call("GET", f"/history/{object_type}/{object_id}", params=params)
        return dict(found["propertiesWithHistory"])

    def history_snapshot(
        self, object_type: str, properties: list[str] | None = None, *, full: bool = False
    ) -> dict[str, dict[str, list[dict[str, Any]]]]:
        """Every active record's versions (record id → property → versions, newest first)."""
        found = self._call("GET", f"/history/{object_type}", params=_params(properties, full))
        return dict(found["records"])


def _params(properties: list[str] | None, full: bool) -> dict[str, str]:
    params = {"full": "true" if full else "false"}
    if properties is not None:
        params["properties"] = ",".join(properties)
    return params
