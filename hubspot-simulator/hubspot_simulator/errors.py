"""HubSpot-shaped error bodies and the exception handlers raise to produce them."""

from __future__ import annotations

import uuid
from typing import Any

from .http import Response, json_response


def correlation_id() -> str:
    """A fresh correlation id (a UUID, like HubSpot's)."""
    return str(uuid.uuid4())


class ApiError(Exception):
    """An error answered with HubSpot's standard ``Error`` body."""

    def __init__(self, status: int, category: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.category = category
        self.message = message
        self.extra = extra

    def response(self) -> Response:
        """The HTTP response: body ``{status, message, correlationId, category, ...}``."""
        cid = correlation_id()
        body: dict[str, Any] = {
            "status": "error",
            "message": self.message,
            "correlationId": cid,
            "category": self.category,
        }
        body.update(self.extra)
        resp = json_response(body, self.status)
        resp.header("X-HubSpot-Correlation-Id", cid)
        return resp


def validation_error(message: str, **extra: Any) -> ApiError:
    """400 VALIDATION_ERROR."""
    return ApiError(400, "VALIDATION_ERROR", message, **extra)


def not_found(message: str = "resource not found") -> ApiError:
    """404 OBJECT_NOT_FOUND."""
    return ApiError(404, "OBJECT_NOT_FOUND", message)


def rate_limit_response(policy: str, retry_after: int | None = None) -> Response:
    """429 body of HubSpot's rate limiter (policy TEN_SECONDLY_ROLLING, SECONDLY or DAILY)."""
    name = {
        "TEN_SECONDLY_ROLLING": "ten_secondly_rolling",
        "SECONDLY": "secondly",
        "DAILY": "daily",
    }.get(policy, policy.lower())
    cid = correlation_id()
    resp = json_response(
        {
            "status": "error",
            "message": f"You have reached your {name} limit.",
            "errorType": "RATE_LIMIT",
            "correlationId": cid,
            "policyName": policy,
            "requestId": str(uuid.uuid4()),
        },
        429,
    )
    resp.header("X-HubSpot-Correlation-Id", cid)
    if retry_after is not None:
        resp.header("Retry-After", str(retry_after))
    return resp
