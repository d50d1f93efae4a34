"""The raw ASGI application: routing (routes.py), then faults → auth → rate limits → handler per
request.

``/_sim/...`` admin routes bypass auth, rate limits, faults and counters.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from . import (
    admin_api,
    admin_reference,  # noqa: F401 - registers the /_sim/reference routes
    oauth_api,
)
from .errors import ApiError, correlation_id, rate_limit_response
from .faults import Fault
from .http import Request, Response, json_response
from .latency import classify
from .routes import Route, match
from .state import SimulatorState
from .versions import ApiVersion

DAILY_HEADER = "X-HubSpot-RateLimit-Daily"  # and -Daily-Remaining

ASGIReceive = Callable[[], Awaitable[dict[str, Any]]]
ASGISend = Callable[[dict[str, Any]], Awaitable[None]]


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
        legacy = None if route.version is ApiVersion.LEGACY else route.legacy_path(params)
        delay, fault = state.faults.pick(req.method, req.path, legacy)
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
                if state.auth.is_oauth(req.headers.get("authorization")):
                    # HubSpot sends no daily headers to OAuth apps (hubspot-api.md §1.4).
                    headers = [h for h in headers if not h[0].startswith(DAILY_HEADER)]
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
