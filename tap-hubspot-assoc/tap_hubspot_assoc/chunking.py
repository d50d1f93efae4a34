"""Keep property lists inside request-size budgets."""

from __future__ import annotations

import json
from collections.abc import Sequence
from urllib.parse import quote

# Whole-URL budget for GET list requests: far below the 8 KB many servers and proxies allow.
LIST_URL_LIMIT = 6000
# HubSpot's search guide: "The query body is at most 3,000 characters, or the API returns 400".
# A search whose body with every property would be longer asks for ids only and batch-reads
# the properties; no request is sent that the limit would refuse.
SEARCH_BODY_LIMIT = 3_000


def encoded_list_length(names: Sequence[str]) -> int:
    """Length of `names` as one comma-separated, percent-encoded query value."""
    return len(quote(",".join(names), safe=""))


def chunk_for_query(names: Sequence[str], budget: int) -> list[list[str]]:
    """Split names into comma-joined query values of at most `budget` encoded characters."""
    chunks: list[list[str]] = []
    current: list[str] = []
    for name in names:
        if current and encoded_list_length([*current, name]) > budget:
            chunks.append(current)
            current = []
        current.append(name)
    if current or not chunks:
        chunks.append(current)
    return chunks


def json_length(body: object) -> int:
    """Characters of `body` as `requests` sends it (json.dumps defaults, ASCII-escaped)."""
    return len(json.dumps(body))
