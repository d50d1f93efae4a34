"""Minimal request/response types for the raw ASGI app (no framework overhead on hot paths)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import orjson

from .versions import ApiVersion

JSON_TYPE = b"application/json;charset=utf-8"


class Request:
    """An HTTP request with its body already read."""

    __slots__ = (
        "_query",
        "api_version",
        "body",
        "headers",
        "method",
        "path",
        "query_string",
        "scope",
    )

    def __init__(self, scope: dict[str, Any], body: bytes) -> None:
        self.scope = scope
        self.method: str = scope["method"]
        self.path: str = scope["path"]
        self.query_string: str = scope.get("query_string", b"").decode("latin-1")
        self.headers: dict[str, str] = {
            k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]
        }
        self.body = body
        self._query: list[tuple[str, str]] | None = None
        self.api_version = ApiVersion.LEGACY  # set by routing (versions.py)

    @property
    def query_pairs(self) -> list[tuple[str, str]]:
        """Decoded query parameters in order."""
        if self._query is None:
            self._query = parse_qsl(self.query_string, keep_blank_values=True)
        return self._query

    def query(self, name: str, default: str | None = None) -> str | None:
        """The last value of a query parameter."""
        value = default
        for k, v in self.query_pairs:
            if k == name:
                value = v
        return value

    def query_list(self, name: str) -> list[str] | None:
        """All values of a repeated and/or comma-separated parameter (None when absent)."""
        values = [v for k, v in self.query_pairs if k == name]
        if not values:
            return None
        return [p.strip() for v in values for p in v.split(",") if p.strip()]

    def json(self) -> Any:
        """The body parsed as JSON (raises ``orjson.JSONDecodeError``)."""
        return orjson.loads(self.body or b"null")

    @property
    def base_url(self) -> str:
        """``http://host:port`` as the client addressed us."""
        host = self.headers.get("host", "127.0.0.1")
        return f"http://{host}"


@dataclass
class Response:
    """A complete HTTP response."""

    status: int
    body: bytes = b""
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    content_type: bytes = JSON_TYPE

    def header(self, name: str, value: str) -> None:
        """Append a header."""
        self.headers.append((name.encode("latin-1"), value.encode("latin-1")))


def json_response(data: Any, status: int = 200) -> Response:
    """A JSON response serialised with orjson."""
    return Response(status, orjson.dumps(data))
