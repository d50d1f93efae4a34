"""HubSpot's API generations: the legacy numeric paths and the date versions, and how a route
template names them.

A route row's alias may hold the marker ``<v>`` (``/crm/objects/<v>/{type}``): it expands to one
path per date version in ``DATE_VERSIONS``. An alias with a literal date version serves only that
version; every other path is legacy. A version segment no row declares matches no route: 404.
"""

from __future__ import annotations

from enum import StrEnum

VERSION_MARKER = "<v>"


class ApiVersion(StrEnum):
    """The API generation a request addressed."""

    LEGACY = "legacy"
    V2026_03 = "2026-03"
    V2026_09 = "2026-09"


DATE_VERSIONS: tuple[ApiVersion, ...] = (ApiVersion.V2026_03, ApiVersion.V2026_09)
LATEST = ApiVersion.V2026_09


def expand(template: str) -> list[tuple[str, ApiVersion]]:
    """The concrete path templates of one alias, each with its version."""
    if VERSION_MARKER in template:
        return [(template.replace(VERSION_MARKER, v.value), v) for v in DATE_VERSIONS]
    for v in DATE_VERSIONS:
        if f"/{v.value}/" in f"{template}/":
            return [(template, v)]
    return [(template, ApiVersion.LEGACY)]


def at_least(version: ApiVersion, minimum: ApiVersion) -> bool:
    """Whether ``version`` is a date version no older than ``minimum`` (legacy never is)."""
    if version is ApiVersion.LEGACY:
        return False
    return DATE_VERSIONS.index(version) >= DATE_VERSIONS.index(minimum)


def batch_errors_status(version: ApiVersion) -> int:
    """The status of a batch read with errors: 207 Multi-Status up to 2026-03; from 2026-09 a
    200 whose body carries ``errors`` and ``numErrors``."""
    return 200 if at_least(version, ApiVersion.V2026_09) else 207
