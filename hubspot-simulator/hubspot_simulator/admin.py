"""``SimulatorAdmin``: a typed Python client of the simulator's ``/_sim/`` admin API."""

from __future__ import annotations

from typing import Any

import requests

from .admin_history import HistoryAdmin
from .admin_reference_client import ReferenceAdmin
from .generator import DatasetSpec


def _dataset(
    seed: int,
    contacts: int,
    meetings: int,
    appointments: int,
    companies: int,
    deals: int,
    extra: dict[str, Any],
) -> dict[str, Any]:
    """The dataset spec of ``/dataset`` and ``/reset``."""
    return dict(
        seed=seed,
        contacts=contacts,
        meetings=meetings,
        appointments=appointments,
        companies=companies,
        deals=deals,
        **extra,
    )


class SimulatorAdminError(RuntimeError):
    """The admin API answered with an error."""


class SimulatorAdmin(HistoryAdmin, ReferenceAdmin):
    """Drive a running simulator: dataset, mutations, snapshots, counters, faults, limits."""

    def __init__(self, base_url: str, timeout: float = 120.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._http = requests.Session()

    def _call(
        self, method: str, path: str, body: Any = None, params: dict[str, str] | None = None
    ) -> Any:
        resp = self._http.request(
            method, f"{self.base_url}/_sim{path}", json=body, params=params, timeout=self.timeout
        )
        if resp.status_code >= 400:
            raise SimulatorAdminError(f"{method} {path}: {resp.status_code} {resp.text}")
        return resp.json()

    # ------------------------------------------------------------------ dataset
    def health(self) -> bool:
        """True when the server answers."""
        return self._call("GET", "/health").get("status") == "ok"

    def info(self) -> dict[str, Any]:
        """Dataset spec, counts per type and status, rate limits, search lag, token."""
        return dict(self._call("GET", "/info"))

    def regenerate(
        self,
        *,
        seed: int = 7,
        contacts: int = 250,
        meetings: int = 60,
        appointments: int = 20,
        companies: int = 0,
        deals: int = 0,
        **extra: Any,
    ) -> dict[str, Any]:
        """Replace the dataset only (faults, counters and limits stay)."""
        body = _dataset(seed, contacts, meetings, appointments, companies, deals, extra)
        return dict(self._call("POST", "/dataset", body))

    def reset(
        self,
        *,
        seed: int = 7,
        contacts: int = 250,
        meetings: int = 60,
        appointments: int = 20,
        companies: int = 0,
        deals: int = 0,
        **extra: Any,
    ) -> dict[str, Any]:
        """Regenerate the dataset and reset faults, counters, rate limits, tokens, search lag."""
        body = _dataset(seed, contacts, meetings, appointments, companies, deals, extra)
        return dict(self._call("POST", "/reset", body))

    def reset_portal(self, *, seed: int = 7, **overrides: Any) -> dict[str, Any]:
        """``reset`` to the whole-portal preset (``DatasetSpec.portal_sizes()`` + overrides)."""
        sizes: dict[str, Any] = DatasetSpec.portal_sizes()
        return self.reset(seed=seed, **(sizes | overrides))

    def reset_operations(self) -> None:
        """Faults, counters, rate limits, tokens and search lag back to startup values."""
        self._call("POST", "/reset-operations")

    # ------------------------------------------------------------------ objects
    def get_object(self, object_type: str, object_id: str) -> dict[str, Any]:
        """Any record (also archived or merged away) with all properties."""
        return dict(self._call("GET", f"/objects/{object_type}/{object_id}"))

    def create_object(
        self, object_type: str, properties: dict[str, str | None], at: int | None = None
    ) -> dict[str, Any]:
        """Create a record (created and modified at ``at`` ms, default now)."""
        return dict(
            self._call("POST", f"/objects/{object_type}", {"properties": properties, "at": at})
        )

    def update_object(
        self,
        object_type: str,
        object_id: str,
        properties: dict[str, str | None],
        at: int | None = None,
    ) -> dict[str, Any]:
        """Set property values; bumps last-modified and updatedAt to ``at`` (default now)."""
        return dict(
            self._call(
                "PATCH", f"/objects/{object_type}/{object_id}", {"properties": properties, "at": at}
            )
        )

    def archive(self, object_type: str, object_id: str, at: int | None = None) -> dict[str, Any]:
        """Archive a record."""
        return dict(self._call("POST", f"/objects/{object_type}/{object_id}/archive", {"at": at}))

    def unarchive(self, object_type: str, object_id: str, at: int | None = None) -> dict[str, Any]:
        """Restore an archived record."""
        return dict(self._call("POST", f"/objects/{object_type}/{object_id}/unarchive", {"at": at}))

    def delete_permanently(self, object_type: str, object_id: str) -> dict[str, Any]:
        """GDPR delete: gone from list, archived list, search, reads, snapshots and links."""
        return dict(self._call("POST", f"/objects/{object_type}/{object_id}/delete-permanently"))

    def merge(
        self,
        object_type: str,
        primary_id: str,
        merged_id: str,
        at: int | None = None,
        new_record: bool = False,
    ) -> dict[str, Any]:
        """Merge ``merged_id`` into ``primary_id``; returns the survivor.

        With ``new_record`` (HubSpot's current behaviour) both ids are absorbed by a new record
        with a new id and the primary's values.
        """
        return dict(
            self._call(
                "POST",
                f"/objects/{object_type}/merge",
                {"primaryId": primary_id, "mergedId": merged_id, "at": at, "newRecord": new_record},
            )
        )

    def touch(
        self,
        object_type: str,
        ids: list[str] | None = None,
        *,
        count: int | None = None,
        offset: int = 0,
        at: int | None = None,
    ) -> dict[str, Any]:
        """Set last-modified of ``ids`` (or of ``count`` active records) to one ms ``at``."""
        body: dict[str, Any] = {"at": at}
        if ids is not None:
            body["ids"] = ids
        else:
            body.update(count=count or 0, offset=offset)
        return dict(self._call("POST", f"/objects/{object_type}/touch", body))

    def snapshot(self, object_type: str, properties: list[str] | None = None) -> dict[str, Any]:
        """``{objects: [...active and archived...], merged: {absorbedId: survivorId}}``."""
        params = {"properties": ",".join(properties)} if properties else None
        return dict(self._call("GET", f"/snapshot/{object_type}", params=params))

    # ------------------------------------------------------------------ associations
    def association_snapshot(self, from_type: str, to_type: str) -> list[dict[str, Any]]:
        """Every live link from→to: ``{fromId, toId, types: [{category, typeId, label}]}``."""
        return list(
            self._call("GET", f"/snapshot/associations/{from_type}/{to_type}")["associations"]
        )

    def associate(
        self, from_type: str, from_id: str, to_type: str, to_id: str, type_ids: list[int]
    ) -> list[int]:
        """Add type ids (from→to direction) to a link; returns the link's type ids."""
        return list(
            self._call(
                "POST",
                "/associations",
                {
                    "fromType": from_type,
                    "fromId": from_id,
                    "toType": to_type,
                    "toId": to_id,
                    "typeIds": type_ids,
                },
            )["typeIds"]
        )

    def unassociate(
        self,
        from_type: str,
        from_id: str,
        to_type: str,
        to_id: str,
        type_ids: list[int] | None = None,
    ) -> list[int]:
        """Remove type ids from a link (the whole link when None)."""
        return list(
            self._call(
                "DELETE",
                "/associations",
                {
                    "fromType": from_type,
                    "fromId": from_id,
                    "toType": to_type,
                    "toId": to_id,
                    "typeIds": type_ids,
                },
            )["typeIds"]
        )

    def create_label(
        self,
        from_type: str,
        to_type: str,
        label: str,
        inverse_label: str | None = None,
        category: str = "USER_DEFINED",
    ) -> dict[str, Any]:
        """Create a label: ``{typeId, inverseTypeId, label, inverseLabel, category}``."""
        return dict(
            self._call(
                "POST",
                "/labels",
                {
                    "fromType": from_type,
                    "toType": to_type,
                    "label": label,
                    "inverseLabel": inverse_label,
                    "category": category,
                },
            )
        )

    def delete_label(self, from_type: str, to_type: str, type_id: int) -> None:
        """Delete a label by its from→to type id."""
        self._call("DELETE", f"/labels/{from_type}/{to_type}/{type_id}")

    # ------------------------------------------------------------------ operations
    def request_counts(self) -> dict[str, Any]:
        """``{total, endpoints: {"GET /crm/v3/objects/{type}": n}, byObjectType, byVersion:
        {"legacy": n, "2026-03": n, "2026-09": n}, byEndpointVersion, statuses, maxInFlight}``."""
        return dict(self._call("GET", "/requests"))

    def reset_request_counts(self) -> None:
        """Zero the counters."""
        self._call("POST", "/requests/reset")

    def rate_limits(self) -> dict[str, Any]:
        """``{enabled, burst, windowMs, searchPerSecond, daily, dailyUsed, dailyRemaining}``."""
        return dict(self._call("GET", "/config/ratelimits"))

    def set_rate_limits(
        self,
        *,
        enabled: bool | None = None,
        burst: int | None = None,
        window_ms: int | None = None,
        search_per_second: int | None = None,
        daily: int | None = None,
        daily_used: int | None = None,
    ) -> dict[str, Any]:
        """Change limits (unspecified ones stay), empty the windows and the daily count, then
        set ``daily_used`` (requests already spent today: a portal near its daily quota)."""
        body = {
            k: v
            for k, v in {
                "enabled": enabled,
                "burst": burst,
                "windowMs": window_ms,
                "searchPerSecond": search_per_second,
                "daily": daily,
                "dailyUsed": daily_used,
            }.items()
            if v is not None
        }
        return dict(self._call("PUT", "/config/ratelimits", body))

    def set_search_lag(self, lag_ms: int) -> None:
        """Hide records modified in the last ``lag_ms`` from search."""
        self._call("PUT", "/config/search", {"lagMs": lag_ms})

    def latency(self) -> dict[str, Any]:
        """``{jitter, seed, endpoints: {kind: {fixedMs, perRecordMs}}}``."""
        return dict(self._call("GET", "/config/latency"))

    def set_latency(
        self,
        preset: str = "realistic",
        *,
        jitter: float | None = None,
        seed: int | None = None,
        endpoints: dict[str, dict[str, float]] | None = None,
    ) -> dict[str, Any]:
        """Replace the latency model: a preset (``off``/``realistic``), then overrides per
        endpoint kind (``list``, ``search``, ``batch_read``, ``association_batch_read``,
        ``other``) as ``{"fixedMs": .., "perRecordMs": ..}``."""
        body: dict[str, Any] = {"preset": preset, "endpoints": endpoints or {}}
        if jitter is not None:
            body["jitter"] = jitter
        if seed is not None:
            body["seed"] = seed
        return dict(self._call("PUT", "/config/latency", body))

    def add_token(
        self, token: str, scopes: list[str] | None = None, expires_in: float | None = None
    ) -> None:
        """Accept another Bearer token (limited scopes / expiring when given)."""
        self._call(
            "POST", "/config/tokens", {"token": token, "scopes": scopes, "expiresIn": expires_in}
        )

    def remove_token(self, token: str) -> None:
        """Stop accepting a token."""
        self._call("DELETE", f"/config/tokens/{token}")

    def configure_oauth(
        self,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        refresh_tokens: dict[str, list[str] | None] | None = None,
        token_ttl: int | None = None,
    ) -> dict[str, Any]:
        """OAuth client credentials, refresh tokens (→ scopes, None = all) and token TTL (s)."""
        body: dict[str, Any] = {}
        if client_id is not None:
            body["clientId"] = client_id
        if client_secret is not None:
            body["clientSecret"] = client_secret
        if refresh_tokens is not None:
            body["refreshTokens"] = refresh_tokens
        if token_ttl is not None:
            body["tokenTtl"] = token_ttl
        return dict(self._call("PUT", "/config/oauth", body))

    def add_fault(
        self,
        kind: str,
        *,
        count: int | None = 1,
        probability: float = 1.0,
        seed: int | None = None,
        path: str | None = None,
        method: str | None = None,
        status: int = 500,
        policy: str = "TEN_SECONDLY_ROLLING",
        retry_after: int | None = None,
        delay_ms: int = 0,
    ) -> dict[str, Any]:
        """Inject a fault: kind ``rate_limit`` | ``status`` | ``slow`` | ``drop`` | ``truncate``.

        Applies to the next ``count`` matching requests (None: until cleared); ``path`` is a
        regular expression searched in the request path; ``probability`` < 1 with ``seed``
        makes it random but reproducible.
        """
        return dict(
            self._call(
                "POST",
                "/faults",
                {
                    "kind": kind,
                    "count": count,
                    "probability": probability,
                    "seed": seed,
                    "path": path,
                    "method": method,
                    "status": status,
                    "policy": policy,
                    "retryAfter": retry_after,
                    "delayMs": delay_ms,
                },
            )
        )

    def faults(self) -> list[dict[str, Any]]:
        """Active fault rules."""
        return list(self._call("GET", "/faults")["faults"])

    def clear_faults(self) -> None:
        """Deactivate all faults."""
        self._call("DELETE", "/faults")
