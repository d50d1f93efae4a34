"""Keep property lists inside request-size budgets."""

from __future__ import annotations

import json
from collections.abc import Sequence
from urllib.parse import quote

# Whole-URL budget for GET list requests: far below the 8 KB many servers and proxies allow.
LIST_URL_LIMIT = 6000
# HubSpot's search guide mentions a 3,000-character limit, but taps in wide use send every
# property name in search bodies far longer than that. Send all properties up to this size;
# beyond it, or after a 400, search for ids only and batch-read the properties.
SEARCH_BODY_LIMIT = 30_000


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
    """Characters of `body` serialised as compact JSON."""
    return len(json.dumps(body, separators=(",", ":")))
