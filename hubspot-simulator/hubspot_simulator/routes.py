"""The API route table: every endpoint once, with its legacy path and its date-versioned
aliases (versions.py), its handler, scope kind and canonical counter key."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from . import (
    api,
    associations_api,
    oauth_api,
    oauth_dated,
    objectlibrary_api,
    properties_api,
    reference_routes,
    schemas_api,
)
from .http import Response
from .versions import ApiVersion, expand

Handler = Callable[..., Response]

_SEG = r"(?P<{}>[^/]+)"


@dataclass(frozen=True)
class Route:
    """One API route: method, path regex, handler, counter key and scope kind."""

    method: str
    regex: re.Pattern[str]
    handler: Handler
    key: str
    kind: str  # "objects" | "search" | "properties" | "associations" | "schemas" | "oauth"
    # | "owners" | "pipelines" | "lists" | "object_library" (scopes: oauth_api.required_scopes)
    version: ApiVersion
    legacy: str  # the row's legacy path template (fault rules written for it match every version)

    def legacy_path(self, params: dict[str, str]) -> str:
        """The path this request would have had in the row's legacy form."""
        return self.legacy.format(**params)


def _compile(template: str) -> re.Pattern[str]:
    pattern = re.sub(r"\{(\w+)\}", lambda m: _SEG.format(m.group(1)), template)
    return re.compile(f"^{pattern}/?$")


def _routes() -> list[Route]:
    table: list[tuple[str, str, Handler, str, str, list[str]]] = [
        # method, canonical template, handler, kind, key-template, aliases
        (
            "GET",
            "/crm/v3/properties/{type}",
            properties_api.get_properties,
            "properties",
            "GET /crm/v3/properties/{type}",
            ["/crm/properties/<v>/{type}"],
        ),
        (
            "GET",
            "/crm/v3/properties/{type}/groups",
            properties_api.list_groups,
            "properties",
            "GET /crm/v3/properties/{type}/groups",
            ["/crm/properties/<v>/{type}/groups"],
        ),
        (
            "GET",
            "/crm/v3/properties/{type}/groups/{group_name}",
            properties_api.get_group,
            "properties",
            "GET /crm/v3/properties/{type}/groups/{groupName}",
            ["/crm/properties/<v>/{type}/groups/{group_name}"],
        ),
        (
            "GET",
            "/crm/v3/properties/{type}/{property_name}",
            properties_api.get_property,
            "properties",
            "GET /crm/v3/properties/{type}/{propertyName}",
            ["/crm/properties/<v>/{type}/{property_name}"],
        ),
        (
            "POST",
            "/crm/v3/objects/{type}/batch/read",
            api.batch_read,
            "objects",
            "POST /crm/v3/objects/{type}/batch/read",
            ["/crm/objects/<v>/{type}/batch/read"],
        ),
        (
            "POST",
            "/crm/v3/objects/{type}/search",
            api.search_objects,
            "search",
            "POST /crm/v3/objects/{type}/search",
            ["/crm/objects/<v>/{type}/search"],
        ),
        (
            "GET",
            "/crm/v3/objects/{type}",
            api.list_objects,
            "objects",
            "GET /crm/v3/objects/{type}",
            ["/crm/objects/<v>/{type}"],
        ),
        (
            "GET",
            "/crm/v3/objects/{type}/{id}",
            api.get_object,
            "objects",
            "GET /crm/v3/objects/{type}/{id}",
            ["/crm/objects/<v>/{type}/{id}"],
        ),
        (
            "GET",
            "/crm/v4/associations/{from_type}/{to_type}/labels",
            associations_api.association_labels,
            "associations",
            "GET /crm/v4/associations/{from}/{to}/labels",
            ["/crm/associations/<v>/{from_type}/{to_type}/labels"],
        ),
        (
            "POST",
            "/crm/v4/associations/{from_type}/{to_type}/batch/read",
            associations_api.association_batch_read,
            "associations",
            "POST /crm/v4/associations/{from}/{to}/batch/read",
            ["/crm/associations/<v>/{from_type}/{to_type}/batch/read"],
        ),
        (
            "GET",
            "/crm/v4/objects/{type}/{id}/associations/{to_type}",
            associations_api.object_associations,
            "associations",
            "GET /crm/v4/objects/{type}/{id}/associations/{toType}",
            ["/crm/objects/2026-03/{type}/{id}/associations/{to_type}"],
        ),
        (
            "GET",
            "/crm/v3/schemas",
            schemas_api.list_schemas,
            "schemas",
            "GET /crm/v3/schemas",
            ["/crm-object-schemas/v3/schemas", "/crm-object-schemas/<v>/schemas"],
        ),
        (
            "GET",
            "/crm/v3/schemas/{type}",
            schemas_api.get_schema,
            "schemas",
            "GET /crm/v3/schemas/{type}",
            [
                "/crm-object-schemas/v3/schemas/{type}",
                "/crm-object-schemas/<v>/schemas/{type}",
            ],
        ),
        *reference_routes.ROWS,
        (
            "GET",
            "/crm/v3/object-library/enablement",
            objectlibrary_api.enablement,
            "object_library",
            "GET /crm/v3/object-library/enablement",
            ["/crm/object-library/<v>/enablement"],
        ),
        (
            "GET",
            "/crm/v3/object-library/enablement/{object_type_id}",
            objectlibrary_api.enablement_of,
            "object_library",
            "GET /crm/v3/object-library/enablement/{objectTypeId}",
            ["/crm/object-library/<v>/enablement/{object_type_id}"],
        ),
        ("POST", "/oauth/v1/token", oauth_api.oauth_token, "oauth", "POST /oauth/v1/token", []),
        (
            "POST",
            "/oauth/2026-03/token",
            oauth_dated.token,
            "oauth",
            "POST /oauth/2026-03/token",
            ["/oauth/2026-09/token"],  # counted under the first date version's path
        ),
        (
            "POST",
            "/oauth/2026-03/token/introspect",
            oauth_dated.introspect,
            "oauth",
            "POST /oauth/2026-03/token/introspect",
            ["/oauth/2026-09/token/introspect"],
        ),
        (
            "GET",
            "/oauth/v1/access-tokens/{token}",
            oauth_api.oauth_introspect,
            "oauth",
            "GET /oauth/v1/access-tokens/{token}",
            [],
        ),
    ]
    routes = []
    for method, template, handler, kind, key, aliases in table:
        for alias in [template, *aliases]:
            for path, version in expand(alias):
                route = Route(method, _compile(path), handler, key, kind, version, template)
                routes.append(route)
    return routes


ROUTES = _routes()


def match(method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """The route for a request and its path parameters."""
    for route in ROUTES:
        if route.method != method:
            continue
        m = route.regex.match(path)
        if m:
            return route, m.groupdict()
    return None
