"""The raw ASGI application: routing, then faults → auth → rate limits → handler per request.

``/_sim/...`` admin routes bypass auth, rate limits, faults and counters.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from . import (
    admin_api,
    admin_reference,  # noqa: F401 - registers the /_sim/reference routes
    api,
    associations_api,
    oauth_api,
    oauth_dated,
    objectlibrary_api,
    properties_api,
    reference_routes,
    schemas_api,
)
from .errors import ApiError, correlation_id, rate_limit_response
from .faults import Fault
from .http import Request, Response, json_response
from .latency import classify
from .state import SimulatorState
from .versions import ApiVersion, expand

Handler = Callable[..., Response]
ASGIReceive = Callable[[], Awaitable[dict[str, Any]]]
ASGISend = Callable[[dict[str, Any]], Awaitable[None]]

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
            [],
        ),
        (
            "POST",
            "/oauth/2026-03/token/introspect",
            oauth_dated.introspect,
            "oauth",
            "POST /oauth/2026-03/token/introspect",
            [],
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
                routes.append(Route(method, _compile(path), handler, key, kind, version))
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


class SimulatorApp:
    """The ASGI callable."""

    def __init__(self, state: SimulatorState) -> None:
        self.state = state

    async def __call__(self, scope: dict[str, Any], receive: ASGIReceive, send: ASGISend) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        req = Request(scope, body)
        if req.path.startswith("/_sim/"):
            resp = admin_api.handle(self.state, req)
            await _send(send, resp)
            return
        await self._api(req, send)

    async def _api(self, req: Request, send: ASGISend) -> None:
        counters = self.state.counters
        counters.enter()
        try:
            await self._serve(req, send)
        finally:
            counters.leave()

    async def _serve(self, req: Request, send: ASGISend) -> None:
        state = self.state
        found = match(req.method, req.path)
        if found is None:
            cid = correlation_id()
            resp = json_response(
                {
                    "status": "error",
                    "message": "resource not found",
                    "correlationId": cid,
                    "category": "OBJECT_NOT_FOUND",
                },
                404,
            )
            resp.header("X-HubSpot-Correlation-Id", cid)
            await _send(send, resp)
            return
        route, params = found
        req.api_version = route.version
        state.counters.record(route.key, _type_label(params, state), route.version)
        delay, fault = state.faults.pick(req.method, req.path)
        if delay:
            await asyncio.sleep(delay / 1000)
        if fault is not None and fault.kind != "truncate":
            if fault.kind == "drop":
                state.counters.record_status(0)
                await _drop(send)
                return
            resp = _fault_response(fault)
            state.counters.record_status(resp.status)
            await _send(send, resp)
            return
        resp = self._dispatch(route, params, req)
        state.counters.record_status(resp.status)
        if state.latency.costs:  # after admission: rate limits count arrivals
            kind, records = classify(route.key, req.query("limit"), req.body)
            await asyncio.sleep(state.latency.delay_seconds(kind, records))
        if fault is not None:  # truncate: valid HTTP, broken JSON
            resp.body = resp.body[: max(1, len(resp.body) // 2)]
        await _send(send, resp)

    def _dispatch(self, route: Route, params: dict[str, str], req: Request) -> Response:
        state = self.state
        headers: list[tuple[str, str]] = []
        try:
            if route.kind != "oauth":
                state.auth.check(
                    req.headers.get("authorization"),
                    oauth_api.required_scopes(route.kind, params, state.dataset),
                )
                if route.kind == "search":
                    policy, headers = state.limiter.check_search()
                else:
                    policy, headers = state.limiter.check()
                if policy is not None:
                    resp = rate_limit_response(policy)
                    _add_headers(resp, headers)
                    return resp
            resp = route.handler(state, req, **params)
        except ApiError as exc:
            resp = exc.response()
        except Exception as exc:  # a bug: answer like HubSpot's 500, keep serving
            resp = ApiError(500, "INTERNAL_ERROR", f"internal error: {exc!r}").response()
        _add_headers(resp, headers)
        return resp


def _type_label(params: dict[str, str], state: SimulatorState) -> str | None:
    """The counter key of a request's object type(s): canonical plural names (custom objects by
    their ``name``), ``from->to`` for associations; unknown names as spelled."""

    def canon(raw: str) -> str:
        otype = state.dataset.resolve(raw)
        return otype.name if otype is not None else raw

    if "from_type" in params:
        return f"{canon(params['from_type'])}->{canon(params['to_type'])}"
    if "to_type" in params:
        return f"{canon(params['type'])}->{canon(params['to_type'])}"
    raw = params.get("type")
    return canon(raw) if raw is not None else None


def _add_headers(resp: Response, headers: list[tuple[str, str]]) -> None:
    for name, value in headers:
        resp.header(name, value)


def _fault_response(fault: Fault) -> Response:
    if fault.kind == "rate_limit":
        return rate_limit_response(fault.policy, fault.retry_after)
    messages = {
        500: "Internal Server Error",
        502: "Bad Gateway",
        503: "Service Unavailable",
        504: "Gateway Timeout",
    }
    return ApiError(
        fault.status,
        "INTERNAL_ERROR" if fault.status == 500 else "UNAVAILABLE",
        messages.get(fault.status, "Injected fault"),
    ).response()


async def _send(send: ASGISend, resp: Response) -> None:
    headers = [
        (b"content-type", resp.content_type),
        (b"content-length", str(len(resp.body)).encode()),
        *resp.headers,
    ]
    if not any(k.lower() == b"x-hubspot-correlation-id" for k, _ in resp.headers):
        headers.append((b"x-hubspot-correlation-id", correlation_id().encode()))
    await send({"type": "http.response.start", "status": resp.status, "headers": headers})
    await send({"type": "http.response.body", "body": resp.body})


async def _drop(send: ASGISend) -> None:
    """Close the connection without any response.

    Reaches uvicorn's transport through its bound ``send`` method and aborts it; if that is not
    possible (another server), starts a response announcing more bytes than it sends and fails,
    which servers answer by closing the connection mid-body.
    """
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    if transport is not None:
        transport.abort()
        await asyncio.sleep(0)
        return
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1000")]}
    )
    await send({"type": "http.response.body", "body": b"{", "more_body": True})
    raise ConnectionAbortedError("simulated dropped connection")
