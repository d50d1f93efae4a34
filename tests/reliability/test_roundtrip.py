"""Property-based round trips: record values go through the target into PostgreSQL and come
back equal (strings with any unicode except NUL, integers, big and precise decimals, booleans,
date-times with offsets, nested JSON).

The target runs in-process here (the same ``TargetHubspotOverwrite`` class the console script
runs, against the real PostgreSQL), because a process per Hypothesis example would cost ~2 s.
"""

from __future__ import annotations

import contextlib
import io
import json
import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pipeline_devtools.postgres import Database
from psycopg import sql
from target_hubspot_overwrite.target import TargetHubspotOverwrite

STREAM = "roundtrip"
SCHEMA = {
    "id": {"type": "string"},
    "text": {"type": ["string", "null"]},
    "int": {"type": ["integer", "null"]},
    "num": {"type": ["number", "null"]},
    "flag": {"type": ["boolean", "null"]},
    "at": {"type": ["string", "null"], "format": "date-time"},
    "doc": {"type": ["object", "array", "null"]},
}

no_nul_text = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=60
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(-1e15, 1e15, allow_nan=False, allow_infinity=False)
    | no_nul_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(no_nul_text, inner, max_size=4),
    max_leaves=12,
)
offsets = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
datetimes = st.builds(
    lambda dt, tz: dt.replace(tzinfo=tz),
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1)),
    offsets,
)
# Any number of decimal places up to 25, magnitudes up to 10**30, and integers far beyond
# 64 bits: the numeric column must keep every digit.
precise_decimals = st.integers(0, 25).flatmap(
    lambda places: st.decimals(
        allow_nan=False,
        allow_infinity=False,
        places=places,
        min_value=-(10**30),
        max_value=10**30,
    )
)
big_integers = st.integers(-(10**40), 10**40)

records = st.fixed_dictionaries(
    {
        "text": st.none() | no_nul_text,
        "int": st.none() | st.integers(-(2**63), 2**63 - 1),
        "num": st.none() | precise_decimals.map(str) | big_integers.map(str),
        "flag": st.none() | st.booleans(),
        "at": st.none() | datetimes,
        "doc": st.none()
        | st.dictionaries(no_nul_text, json_values, max_size=4)
        | st.lists(json_values, max_size=4),
    }
)


def record_line(record_id: str, rec: dict[str, Any]) -> str:
    """A RECORD line with ``num`` written as a raw JSON number token (exact digits)."""
    body = {k: v for k, v in rec.items() if k != "num"}
    body["id"] = record_id
    if isinstance(body["at"], datetime):
        body["at"] = body["at"].isoformat()
    encoded = json.dumps(body, ensure_ascii=False)
    num = "null" if rec["num"] is None else rec["num"]
    encoded = encoded[:-1] + f', "num": {num}}}'
    return f'{{"type": "RECORD", "stream": "{STREAM}", "record": {encoded}}}'


def load(database: Database, schema_name: str, lines: list[str]) -> str:
    header = json.dumps(
        {
            "type": "SCHEMA",
            "stream": STREAM,
            "key_properties": ["id"],
            "schema": {"type": "object", "properties": SCHEMA},
        }
    )
    target = TargetHubspotOverwrite(
        config={"sqlalchemy_url": database.sqlalchemy_url, "default_target_schema": schema_name},
        validate_config=True,
    )
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            target.listen(io.StringIO("\n".join([header, *lines]) + "\n"))
    finally:
        target.close()
    return err.getvalue()


def fetch(database: Database, schema_name: str, ids: list[str]) -> dict[str, dict[str, Any]]:
    with psycopg.connect(database.url, row_factory=psycopg.rows.dict_row) as conn:
        rows = conn.execute(
            sql.SQL("SELECT * FROM {} WHERE id = ANY(%s)").format(
                sql.Identifier(schema_name, STREAM)
            ),
            (ids,),
        )
        return {r["id"]: r for r in rows}


def expected_num(raw: str | None) -> Decimal | None:
    return None if raw is None else Decimal(raw)


@pytest.fixture(scope="module")
def roundtrip_schema(database: Database) -> Any:
    name = f"rt_{uuid.uuid4().hex[:10]}"
    yield name
    with psycopg.connect(database.url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(name)))


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batch=st.lists(records, min_size=1, max_size=12))
def test_values_round_trip_exactly(
    database: Database, roundtrip_schema: str, batch: list[dict[str, Any]]
) -> None:
    ids = [f"{uuid.uuid4().hex}-{n}" for n in range(len(batch))]
    load(database, roundtrip_schema, [record_line(i, r) for i, r in zip(ids, batch, strict=True)])
    loaded = fetch(database, roundtrip_schema, ids)
    assert set(loaded) == set(ids)
    for record_id, rec in zip(ids, batch, strict=True):
        row = loaded[record_id]
        assert row["text"] == rec["text"]  # "" stays "", never NULL
        assert row["int"] == rec["int"]
        assert row["num"] == expected_num(rec["num"])
        assert row["flag"] == rec["flag"]
        assert row["at"] == rec["at"]  # the same instant (timestamptz)
        assert row["doc"] == rec["doc"]


PRECISE = [
    "12345678901234567890.123456789",
    "0.1000000000000000055511151231257827",
    "-99999999999999999.99",
    "3.141592653589793238462643383279",
    "-9223372036854775809",
    "18446744073709551616",
    "100000000000000000000000",
]


# Was an xfail: the orjson reader turned these into floats (12345678901234567890.123456789
# stored as 12345678901234567000, -9223372036854775809 as -9223372036854776000); fixed in
# 908fc38/4840dc5 (lines with long digit runs are parsed exactly).
def test_precise_decimals_keep_every_digit(database: Database, roundtrip_schema: str) -> None:
    ids = [f"precise-{uuid.uuid4().hex}-{n}" for n in range(len(PRECISE))]
    base = {"text": None, "int": None, "flag": None, "at": None, "doc": None}
    load(
        database,
        roundtrip_schema,
        [record_line(i, {**base, "num": raw}) for i, raw in zip(ids, PRECISE, strict=True)],
    )
    loaded = fetch(database, roundtrip_schema, ids)
    assert [loaded[i]["num"] for i in ids] == [Decimal(raw) for raw in PRECISE]
