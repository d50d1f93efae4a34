"""Every HubSpot API path the tap uses, in one place, for each API version the tap speaks.

HubSpot versions its APIs by date since 2026-03 (`/crm/objects/2026-09/contacts`); the numeric
paths (`/crm/v3/...`, `/crm/v4/...`) are legacy. `ApiPaths(version)` spells every path of one
version; the client carries one, so no other module spells a path. OAuth always goes through
`/oauth/2026-03/token` (the v1 token endpoint is deprecated on 16 February 2027), whatever
the version of the CRM paths.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from urllib.parse import quote

OAUTH_TOKEN = "/oauth/2026-03/token"


class ApiVersion(enum.Enum):
    """The HubSpot API generation the tap reads (setting `api_version`)."""

    V2026_09 = "2026-09"  # the latest the tap supports: the default
    V2026_03 = "2026-03"
    LEGACY = "legacy"  # /crm/v3 and /crm/v4

    @property
    def is_dated(self) -> bool:
        return self is not ApiVersion.LEGACY

    @classmethod
    def parse(cls, value: str | None) -> ApiVersion:
        """The setting's value (None: the default); a clear error naming the choices."""
        if value is None or value == "":
            return DEFAULT_API_VERSION
        try:
            return cls(str(value).strip().lower())
        except ValueError:
            choices = ", ".join(v.value for v in cls)
            raise ValueError(f"api_version {value!r} is not one of: {choices}") from None


DEFAULT_API_VERSION = ApiVersion.V2026_09


def _segment(value: str) -> str:
    return quote(value, safe="")


@dataclass(frozen=True)
class ApiPaths:
    """The paths of one API version."""

    version: ApiVersion = DEFAULT_API_VERSION

    def _crm(self, api: str, legacy: str) -> str:
        """`/crm/{api}/{version}` for date versions, the legacy prefix otherwise."""
        if self.version.is_dated:
            return f"/crm/{api}/{self.version.value}"
        return legacy

    # -- objects ---------------------------------------------------------------------------

    def objects(self, object_type: str) -> str:
        """List (GET) records of one object type."""
        return f"{self._crm('objects', '/crm/v3/objects')}/{_segment(object_type)}"

    def batch_read(self, object_type: str) -> str:
        """Batch read (POST, up to 100 ids) of one object type."""
        return f"{self.objects(object_type)}/batch/read"

    def search(self, object_type: str) -> str:
        """CRM search (POST) of one object type."""
        return f"{self.objects(object_type)}/search"

    def properties(self, object_type: str) -> str:
        """Property definitions of one object type."""
        return f"{self._crm('properties', '/crm/v3/properties')}/{_segment(object_type)}"

    @property
    def schemas(self) -> str:
        """Custom object definitions (their own API family in the date versions)."""
        if self.version.is_dated:
            return f"/crm-object-schemas/{self.version.value}/schemas"
        return "/crm/v3/schemas"

    @property
    def object_library(self) -> str:
        """Which object types the account has enabled (objectTypeId -> bool)."""
        return self._crm("object-library", "/crm/v3/object-library") + "/enablement"

    # -- associations ----------------------------------------------------------------------

    def _associations(self, from_type: str, to_type: str) -> str:
        prefix = self._crm("associations", "/crm/v4/associations")
        return f"{prefix}/{_segment(from_type)}/{_segment(to_type)}"

    def association_batch_read(self, from_type: str, to_type: str) -> str:
        """Association batch read (POST, up to 1,000 parent ids)."""
        return self._associations(from_type, to_type) + "/batch/read"

    def association_labels(self, from_type: str, to_type: str) -> str:
        """Association labels (types) of one direction."""
        return self._associations(from_type, to_type) + "/labels"

    # -- reference data --------------------------------------------------------------------

    @property
    def owners(self) -> str:
        return self._crm("owners", "/crm/v3/owners")

    @property
    def lists_search(self) -> str:
        return self._crm("lists", "/crm/v3/lists") + "/search"

    def pipelines(self, object_type: str) -> str:
        """Every pipeline (with its stages) of one object type."""
        return f"{self._crm('pipelines', '/crm/v3/pipelines')}/{_segment(object_type)}"

    def pipeline_audit(self, object_type: str, pipeline_id: str) -> str:
        """The audit log of one pipeline (every mutation, newest first)."""
        return f"{self.pipelines(object_type)}/{_segment(pipeline_id)}/audit"

    def list_memberships_by_join_order(self, list_id: str) -> str:
        """A list's members, oldest membership first, with their membership timestamps."""
        prefix = self._crm("lists", "/crm/v3/lists")
        return f"{prefix}/{_segment(list_id)}/memberships/join-order"
