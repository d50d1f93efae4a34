"""The error boundary and debug logging of the command-line target (run as a subprocess).

A failure the user can act on ends the run with exit code 1 and one ERROR line saying what
to do; the traceback appears only at DEBUG level; secrets never appear. At DEBUG level every
SQL step is logged as ``SQL <step> ...``.
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from target_helpers import BIN, activate, lines, rec, schema_msg, state, write_config

S = "contacts"
PROPS = {"id": {"type": "string"}, "email": {"type": ["string", "null"]}}
SECRET = "s3cret-pw-42"


def run(config: dict, text: str, tmp_path: Path, *, level: str = "INFO") -> tuple[int, str]:
    env = {**os.environ, "TARGET_HUBSPOT_OVERWRITE_LOGLEVEL": level}
    proc = subprocess.run(
        [str(BIN), "--config", str(write_config(config, tmp_path))],
        input=text,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    return proc.returncode, proc.stderr


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "| ERROR" in line]


def assert_one_line_failure(rc: int, stderr: str, *expected: str) -> str:
    assert rc == 1, stderr[-2000:]
    errors = error_lines(stderr)
    assert len(errors) == 1, stderr[-2000:]
    for text in expected:
        assert text in errors[0], errors[0]
    assert "Traceback" not in stderr
    assert SECRET not in stderr
    return errors[0]


UNREACHABLE = {"sqlalchemy_url": f"postgresql+psycopg://someone:{SECRET}@127.0.0.1:1/none"}


def test_unreachable_database_is_one_line_saying_what_to_do(tmp_path):
    rc, stderr = run(UNREACHABLE, lines(schema_msg(S, PROPS, ["id"])), tmp_path)
    assert_one_line_failure(
        rc,
        stderr,
        "Cannot connect to PostgreSQL at 127.0.0.1:1 (connection refused)",
        "is it running? check sqlalchemy_url",
    )


def test_traceback_only_at_debug_level(tmp_path):
    rc, stderr = run(UNREACHABLE, lines(schema_msg(S, PROPS, ["id"])), tmp_path, level="DEBUG")
    assert rc == 1
    assert len(error_lines(stderr)) == 1
    assert "Traceback" in stderr
    assert SECRET not in stderr


def test_malformed_line_is_one_line_bad_input(config, tmp_path):
    text = lines(schema_msg(S, PROPS, ["id"]), "{not json")
    rc, stderr = run(config, text, tmp_path)
    assert_one_line_failure(
        rc, stderr, "Bad input: Input line 2 is not valid JSON", "on_invalid_record: reject"
    )


def test_invalid_record_is_one_line_naming_stream_key_and_field(config, tmp_path):
    text = lines(schema_msg(S, PROPS, ["id"]), rec(S, {"id": "7", "email": 5}))
    rc, stderr = run(config, text, tmp_path)
    assert_one_line_failure(rc, stderr, "Bad input", "'contacts'", "id='7'", "field 'email'")


@pytest.fixture
def powerless_role(database):
    role = f"target_powerless_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(database.url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
    yield role
    with psycopg.connect(database.url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP OWNED BY {0}; DROP ROLE {0}").format(sql.Identifier(role)))


def test_database_refusing_is_one_line_saying_what_to_do(config, powerless_role, tmp_path):
    info = psycopg.conninfo.conninfo_to_dict(config["sqlalchemy_url"].replace("+psycopg", ""))
    url = (
        f"postgresql://{powerless_role}:{SECRET}@{info.get('host', '127.0.0.1')}:"
        f"{info.get('port', 5432)}/{info['dbname']}"
    )
    refused = {**config, "sqlalchemy_url": url, "default_target_schema": "target_not_allowed"}
    text = lines(schema_msg(S, PROPS, ["id"]), rec(S, {"id": "1"}))
    rc, stderr = run(refused, text, tmp_path)
    assert_one_line_failure(
        rc, stderr, "PostgreSQL error", "permission denied", "grant the target's database user"
    )


def batch_metrics(stderr: str, stream: str) -> list[dict]:
    """The ``batch_processing_time`` METRIC points logged for ``stream``, in order."""
    found = []
    for line in stderr.splitlines():
        if "METRIC: " not in line:
            continue
        point = json.loads(line.split("METRIC: ", 1)[1])
        if point["metric"] == "batch_processing_time" and point["tags"]["stream"] == stream:
            found.append(point)
    return found


def test_batch_that_fails_to_commit_is_not_reported_succeeded(
    config, database, powerless_role, tmp_path
):
    """Against a read-only table the batch's metric says failed, never succeeded."""
    schema = config["default_target_schema"]
    with psycopg.connect(database.url, autocommit=True) as conn:
        conn.execute(
            sql.SQL(
                "CREATE TABLE {t} (id text PRIMARY KEY, email text, _sdc_deleted_at timestamptz);"
                "GRANT USAGE ON SCHEMA {s} TO {r}; GRANT SELECT ON {t} TO {r}"
            ).format(
                t=sql.Identifier(schema, S),
                s=sql.Identifier(schema),
                r=sql.Identifier(powerless_role),
            )
        )
    info = psycopg.conninfo.conninfo_to_dict(config["sqlalchemy_url"].replace("+psycopg", ""))
    url = (
        f"postgresql://{powerless_role}@{info.get('host', '127.0.0.1')}:"
        f"{info.get('port', 5432)}/{info['dbname']}"
    )
    text = lines(schema_msg(S, PROPS, ["id"]), rec(S, {"id": "1"}), rec(S, {"id": "2"}))
    rc, stderr = run({**config, "sqlalchemy_url": url}, text, tmp_path)
    assert_one_line_failure(rc, stderr, "permission denied for table contacts")
    assert [p["tags"]["status"] for p in batch_metrics(stderr, S)] == ["failed"], stderr[-3000:]

    rc, stderr = run(config, text, tmp_path)  # the same batch, committed
    assert rc == 0, stderr[-2000:]
    assert [p["tags"]["status"] for p in batch_metrics(stderr, S)] == ["succeeded"]


FULL_REFRESH = lines(
    schema_msg(S, PROPS, ["id"]),
    rec(S, {"id": "1", "email": "a"}),
    rec(S, {"id": "2", "email": "b"}),
    activate(S, 1),
    state({"bookmarks": {}}),
)


def sql_steps(stderr: str) -> list[str]:
    return [line.split("| SQL ", 1)[1] for line in stderr.splitlines() if "| SQL " in line]


def test_debug_logs_every_sql_step(config, tmp_path):
    rc, stderr = run(config, FULL_REFRESH, tmp_path, level="DEBUG")
    assert rc == 0, stderr[-2000:]
    steps = sql_steps(stderr)
    for prefix in ("lock", "create table", "copy 2 rows", "upsert into", "reconcile", "commit"):
        assert any(step.startswith(prefix) for step in steps), (prefix, steps)
    assert steps[-1].startswith("commit")


def test_no_sql_steps_at_info(config, tmp_path):
    rc, stderr = run(config, FULL_REFRESH, tmp_path)
    assert rc == 0, stderr[-2000:]
    assert sql_steps(stderr) == []
