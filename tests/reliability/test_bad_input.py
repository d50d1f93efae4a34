"""Malformed and hostile Singer input to the real target process, each with its expected
outcome (exit code, error text naming stream/key/field, table contents, reject table)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest
from pipeline_devtools.postgres import Database
from psycopg import sql

from tests.reliability.conftest import CAPTURED
from tests.reliability.pipe import run_target
from tests.reliability.singer import dumps, record, schema, state, states_of

S = "c"
GOOD = record(S, {"id": "good", "n": 1, "label": "fine"})


def config(database: Database, schema_name: str, **extra: Any) -> dict[str, Any]:
    return {
        "sqlalchemy_url": database.sqlalchemy_url,
        "default_target_schema": schema_name,
        **extra,
    }


def rows(
    database: Database, schema_name: str, table: str, order: str = "1"
) -> list[dict[str, Any]]:
    with psycopg.connect(database.url, row_factory=psycopg.rows.dict_row) as conn:
        exists = conn.execute(
            "SELECT to_regclass(%s)", (sql.Identifier(schema_name, table).as_string(conn),)
        ).fetchone()
        if not exists or exists["to_regclass"] is None:
            return []
        return list(
            conn.execute(
                sql.SQL("SELECT * FROM {} ORDER BY " + order).format(
                    sql.Identifier(schema_name, table)
                )
            )
        )


def target(
    database: Database, schema_name: str, lines: list[str], tmp_path: Path, **extra: Any
) -> subprocess.CompletedProcess[bytes]:
    result = run_target(
        config(database, schema_name, **extra), lines, tmp_path / uuid.uuid4().hex[:6]
    )
    CAPTURED.append(result.stdout.decode(errors="replace") + result.stderr.decode(errors="replace"))
    return result


# (case id, the bad line, text the error must contain)
FAILING: list[tuple[str, str, list[str]]] = [
    (
        "invalid-json",
        '{"type": "RECORD", "stream": "c", "record": {"id": ',
        ["line 3", "not valid JSON"],
    ),
    ("not-an-object", "[1, 2, 3]", ["line 3", "not a JSON object"]),
    ("unknown-message-type", '{"type": "BOGUS", "stream": "c"}', ["BOGUS"]),
    ("unknown-stream", json.dumps(record("nope", {"id": "1"})), ["'nope'", "schema"]),
    (
        "wrong-type",
        json.dumps(record(S, {"id": "7", "n": "seven"})),
        ["'c'", "id='7'", "field 'n'", "integer"],
    ),
    (
        "float-for-integer",
        json.dumps(record(S, {"id": "8", "n": 1.5})),
        ["'c'", "id='8'", "field 'n'"],
    ),
    ("missing-key", json.dumps(record(S, {"n": 1})), ["'c'", "key property 'id'", "missing"]),
    ("null-key", json.dumps(record(S, {"id": None, "n": 1})), ["'c'", "key property 'id'"]),
    ("record-not-object", '{"type": "RECORD", "stream": "c", "record": "x"}', ["'c'"]),
]


@pytest.mark.parametrize(("bad", "expected"), [c[1:] for c in FAILING], ids=[c[0] for c in FAILING])
def test_invalid_input_fails_naming_the_problem(
    database: Database, pg_schema: str, tmp_path: Path, bad: str, expected: list[str]
) -> None:
    lines = [*dumps(schema(S), GOOD), bad, *dumps(record(S, {"id": "after"}), state({"p": 1}))]
    result = target(database, pg_schema, lines, tmp_path)
    stderr = result.stderr.decode()
    assert result.returncode != 0
    for text in expected:
        assert text in stderr, f"{text!r} not in: {stderr[-1500:]}"
    assert states_of(result.stdout) == []  # the STATE after the bad line never goes out
    assert [r["id"] for r in rows(database, pg_schema, S)] in ([], ["good"])
    assert "after" not in {r["id"] for r in rows(database, pg_schema, S)}


def test_reject_mode_keeps_loading_and_records_every_reject(
    database: Database, pg_schema: str, tmp_path: Path
) -> None:
    bad = [line for case_id, line, _ in FAILING if case_id != "unknown-message-type"]
    lines = [*dumps(schema(S), GOOD), *bad, *dumps(record(S, {"id": "after"}), state({"p": 1}))]
    result = target(database, pg_schema, lines, tmp_path, on_invalid_record="reject")
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    assert states_of(result.stdout) == [{"p": 1}]
    assert [r["id"] for r in rows(database, pg_schema, S, "id")] == ["after", "good"]
    rejects = rows(database, pg_schema, "_rejected_records", "id")
    assert len(rejects) == len(bad)
    by_reason = " | ".join(f"{r['stream']}: {r['reason']}" for r in rejects)
    for text in ("not valid JSON", "not a JSON object", "nope", "field 'n'", "key property 'id'"):
        assert text in by_reason, by_reason
    assert {r["record"] for r in rejects if r["stream"] == "c"} >= {
        '{"id":"7","n":"seven"}',
        '{"n":1}',
    }


def test_hostile_identifiers_are_quoted_verbatim(
    database: Database, pg_schema: str, tmp_path: Path
) -> None:
    with psycopg.connect(database.url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE TABLE {} (x int); INSERT INTO {} VALUES (1)").format(
                sql.Identifier(pg_schema, "victim"), sql.Identifier(pg_schema, "victim")
            )
        )
    injection_stream = f'c"; DROP TABLE "{pg_schema}"."victim"; --'
    long_name = "p" + "é" * 40  # 81 bytes in UTF-8
    props = {
        "id": {"type": "string"},
        'we"ird': {"type": ["string", "null"]},
        "x); DROP TABLE victim; --": {"type": ["string", "null"]},
        "Ünïcødé ✓": {"type": ["string", "null"]},
        long_name: {"type": ["string", "null"]},
        "select": {"type": ["integer", "null"]},
    }
    value = {
        "id": "1",
        'we"ird': "q'uote",
        "x); DROP TABLE victim; --": "inj",
        "Ünïcødé ✓": "ü",
        long_name: "long",
        "select": 5,
    }
    lines = dumps(
        schema(injection_stream, props),
        record(injection_stream, value),
        schema("Ünïcødé-strëam", props),
        record("Ünïcødé-strëam", value),
    )
    result = target(database, pg_schema, lines, tmp_path)
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    assert rows(database, pg_schema, "victim") == [{"x": 1}]
    hashed = (
        long_name.encode()[:54].decode("utf-8", "ignore")
        + "_"
        + hashlib.sha1(long_name.encode()).hexdigest()[:8]
    )
    for table in (injection_stream, "Ünïcødé-strëam"):
        (row,) = rows(database, pg_schema, table)
        assert row['we"ird'] == "q'uote"
        assert row["x); DROP TABLE victim; --"] == "inj"
        assert row["Ünïcødé ✓"] == "ü"
        assert row["select"] == 5
        assert row[hashed] == "long", sorted(row)


def test_long_identifier_over_63_bytes_for_a_stream(
    database: Database, pg_schema: str, tmp_path: Path
) -> None:
    stream = "s" * 70
    result = target(
        database, pg_schema, dumps(schema(stream), record(stream, {"id": "1"})), tmp_path
    )
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    table = "s" * 54 + "_" + hashlib.sha1(stream.encode()).hexdigest()[:8]
    assert [r["id"] for r in rows(database, pg_schema, table)] == ["1"]


def nested(depth: int) -> Any:
    value: Any = "leaf"
    for n in range(depth):
        value = {f"k{n}": value, "list": [n]}
    return value


def test_nul_bytes_huge_strings_and_deep_nesting(
    database: Database, pg_schema: str, tmp_path: Path
) -> None:
    props = {
        "id": {"type": "string"},
        "label": {"type": ["string", "null"]},
        "blob": {"type": ["object", "null"]},
    }
    huge = "x" * (10 * 1024 * 1024 - 3) + "end"
    records = [
        {"id": "nul", "label": "a\u0000b\u0000", "blob": {"k\u0000": ["v\u0000", {"x": "\u0000"}]}},
        {"id": "huge", "label": huge, "blob": None},
        {"id": "deep", "label": None, "blob": nested(120)},
    ]
    lines = dumps(schema(S, props), *(record(S, r) for r in records), state({"done": True}))
    result = target(database, pg_schema, lines, tmp_path)
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    assert states_of(result.stdout) == [{"done": True}]
    loaded = {r["id"]: r for r in rows(database, pg_schema, S)}
    assert loaded["nul"]["label"] == "ab"
    assert loaded["nul"]["blob"] == {"k": ["v", {"x": ""}]}
    assert loaded["huge"]["label"] == huge
    assert loaded["deep"]["blob"] == nested(120)
    assert '"nul_stripped":' in result.stderr.decode()


def test_nesting_beyond_the_parser_limit_fails_cleanly(
    database: Database, pg_schema: str, tmp_path: Path
) -> None:
    depth = 5000
    line = '{"type":"RECORD","stream":"c","record":{"id":"x","blob":' + "[" * depth + "]" * depth
    line += "}}"
    props = {"id": {"type": "string"}, "blob": {"type": ["array", "object", "null"]}}
    result = target(database, pg_schema, [*dumps(schema(S, props), GOOD), line], tmp_path)
    stderr = result.stderr.decode()
    assert result.returncode != 0
    assert "line 3" in stderr, stderr[-1500:]
    assert "x" not in {r["id"] for r in rows(database, pg_schema, S)}
