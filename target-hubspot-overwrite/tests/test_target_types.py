"""Type mapping and widening rules (pure functions)."""

from __future__ import annotations

import pytest
from target_hubspot_overwrite.sqltypes import field_type, widen


@pytest.mark.parametrize(
    ("existing", "wanted", "result"),
    [
        ("bigint", "bigint", "bigint"),
        ("integer", "bigint", "bigint"),
        ("bigint", "numeric", "numeric"),
        ("numeric", "bigint", "numeric"),
        ("numeric(10,2)", "bigint", "numeric(10,2)"),
        ("text", "bigint", "text"),
        ("bigint", "text", "text"),
        ("boolean", "bigint", "text"),
        ("date", "timestamp with time zone", "timestamp with time zone"),
        ("timestamp with time zone", "date", "timestamp with time zone"),
        ("timestamp without time zone", "timestamp with time zone", "timestamp with time zone"),
        ("double precision", "numeric", "numeric"),
        ("json", "jsonb", "jsonb"),
        ("jsonb", "text", "text"),
        ("character varying(20)", "text", "text"),
    ],
)
def test_widen(existing, wanted, result):
    assert widen(existing, wanted) == result


@pytest.mark.parametrize(
    ("schema", "pg_type", "nullable"),
    [
        ({"type": "string"}, "text", False),
        ({"type": ["string", "null"], "format": "date-time"}, "timestamp with time zone", True),
        ({"type": ["integer", "number"]}, "numeric", False),
        ({"anyOf": [{"type": "string", "format": "date"}, {"type": "null"}]}, "date", True),
        ({"type": ["string", "integer"]}, "text", False),
        ({}, "jsonb", True),
        ({"type": "array", "items": {"type": "string"}}, "jsonb", False),
    ],
)
def test_field_type(schema, pg_type, nullable):
    ftype = field_type(schema)
    assert (ftype.pg_type, ftype.nullable) == (pg_type, nullable)
