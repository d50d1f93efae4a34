"""The admin API's route table: handlers register with `route`, `handle` dispatches."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import orjson

from .dataset import DatasetError
from .errors import ApiError, validation_error
from .http import Request, Response, json_response
from .state import SimulatorState

AdminHandler = Callable[..., Any]
_ROUTES: list[tuple[str, re.Pattern[str], AdminHandler]] = []


def route(method: str, template: str) -> Callable[[AdminHandler], AdminHandler]:
    """Register an admin handler; it returns a JSON-able value (or a Response)."""
    pattern = re.compile("^/_sim" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template) + "/?$")

    def register(fn: AdminHandler) -> AdminHandler:
        _ROUTES.append((method, pattern, fn))
        return fn

    return register


def dispatch(state: SimulatorState, req: Request) -> Response:
    """Run the handler registered for one admin request."""
    for method, pattern, fn in _ROUTES:
        m = pattern.match(req.path)
        if m and method == req.method:
            try:
                body = orjson.loads(req.body) if req.body else {}
                result = fn(state, body, req, **m.groupdict())
            except (DatasetError, ValueError, TypeError, KeyError) as exc:
                result = validation_error(str(exc)).response()
            except ApiError as exc:
                result = exc.response()
            return result if isinstance(result, Response) else json_response(result)
    return ApiError(404, "OBJECT_NOT_FOUND", f"no admin route {req.method} {req.path}").response()
