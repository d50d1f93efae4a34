"""PostgreSQL identifier rules: NUL removal, 63-byte limit with deterministic shortening."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

MAX_IDENTIFIER_BYTES = 63
_HASH_LEN = 8


class IdentifierClashError(ValueError):
    """Two different source names map to the same PostgreSQL identifier."""


def pg_identifier(name: str) -> str:
    """Return a PostgreSQL-safe identifier for ``name`` (used quoted, case kept).

    NUL characters are removed (PostgreSQL cannot store them). Names longer than 63
    bytes are cut on a character boundary and suffixed with ``_`` + 8 hex digits of
    the SHA-1 of the full original name, so the result is deterministic and unique
    in practice.
    """
    clean = name.replace("\x00", "")
    if not clean:
        clean = "_"
    encoded = clean.encode("utf-8")
    if len(encoded) <= MAX_IDENTIFIER_BYTES and clean == name:
        return clean
    if len(encoded) <= MAX_IDENTIFIER_BYTES:
        return clean
    digest = hashlib.sha1(name.encode("utf-8")).hexdigest()[:_HASH_LEN]
    budget = MAX_IDENTIFIER_BYTES - _HASH_LEN - 1
    head = encoded[:budget].decode("utf-8", errors="ignore")
    return f"{head}_{digest}"


def column_names(sources: Iterable[str], *, what: str) -> dict[str, str]:
    """Map source property names to column names, failing on any collision."""
    mapping: dict[str, str] = {}
    seen: dict[str, str] = {}
    for source in sources:
        column = pg_identifier(source)
        other = seen.get(column)
        if other is not None and other != source:
            msg = (
                f"{what}: properties {other!r} and {source!r} both map to the "
                f"PostgreSQL column {column!r}"
            )
            raise IdentifierClashError(msg)
        seen[column] = source
        mapping[source] = column
    return mapping
