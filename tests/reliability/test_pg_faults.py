"""PostgreSQL faults under the real target process: a backend killed mid-batch, lock waits and
lock timeouts, a disk-full error and a statement timeout raised inside a batch, a role that
may not create the schema, and a read-only table.

Each time: a clear error, the data committed before the fault intact, the failed batch absent,
and no STATE emitted for anything that was not committed (so Meltano would not advance).
"""

from __future__ import annotations

import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from pipeline_devtools.postgres import to_sqlalchemy_url
from psycopg import sql

from tests.reliability.pipe import TARGET, write_json
from tests.reliability.singer import dumps, numbered, schema, state, states_of

S = "contacts"
BATCH = 40


def target_config(db_url: str, schema_name: str = "crm", **extra: Any) -> dict[str, Any]:
    return {
        "sqlalchemy_url": to_sqlalchemy_url(db_url),
        "default_target_schema": schema_name,
        "batch_size_rows": BATCH,
        **extra,
    }


def run(
    config: dict[str, Any], messages: list[str], tmp_path: Path
) -> subprocess.CompletedProcess[bytes]:
    cfg = tmp_path / f"target-{uuid.uuid4().hex[:6]}.json"
    write_json(cfg, config)
    return subprocess.run(
        [str(TARGET), "--config", str(cfg)],
        input=("\n".join(messages) + "\n").encode(),
        capture_output=True,
        timeout=120,
        check=False,
    )


def seed(db_url: str, tmp_path: Path) -> None:
    """50 committed rows labelled 'seed' and a committed STATE."""
    done = run(
        target_config(db_url),
        dumps(schema(S), *numbered(S, 0, 50, "seed"), state({"pos": 50})),
        tmp_path,
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert states_of(done.stdout) == [{"pos": 50}]


def table(db_url: str) -> dict[str, tuple[int, str]]:
    with psycopg.connect(db_url) as conn:
        return {r[0]: (r[1], r[2]) for r in conn.execute("SELECT id, n, label FROM crm.contacts")}


def assert_seed_intact(db_url: str, allowed_extra: set[str] = frozenset()) -> None:  # type: ignore[assignment]
    rows = table(db_url)
    assert {i: rows[i] for i in rows if i not in allowed_extra} == {
        f"r{n}": (n, "seed") for n in range(50)
    }


def second_load(count: int = 200) -> list[str]:
    """Updates r0..r49 and adds r50..; a STATE every 20 records."""
    return dumps(schema(S), *numbered(S, 0, count, "second", state_every=20))


@pytest.fixture
def db(pg_database_url: str, tmp_path: Path, secret_role) -> str:
    seed(pg_database_url, tmp_path)
    return pg_database_url


def committed_positions(db_url: str) -> int:
    """How many of the second load's records (a prefix, in order) are committed."""
    rows = table(db_url)
    return sum(1 for n in range(200) if rows.get(f"r{n}", (None, None))[1] == "second")


def assert_states_cover_committed(states: list[dict[str, Any]], db_url: str) -> None:
    committed = committed_positions(db_url)
    for value in states:
        if value.get("label") == "second":
            assert value["pos"] <= committed, f"STATE {value} but only {committed} committed"


# ---------------------------------------------------------------- backend killed mid-batch
def test_backend_terminated_mid_batch(db: str, tmp_path: Path) -> None:
    with psycopg.connect(db, autocommit=True) as conn:  # every write statement now takes 1.5 s
        conn.execute("""
            CREATE FUNCTION crm.slow() RETURNS trigger LANGUAGE plpgsql AS
            $$ BEGIN PERFORM pg_sleep(1.5); RETURN NULL; END $$;
            CREATE TRIGGER slow AFTER INSERT OR UPDATE ON crm.contacts
            FOR EACH STATEMENT EXECUTE FUNCTION crm.slow();""")
    killed: list[int] = []

    def terminate_when_loading() -> None:
        deadline = time.monotonic() + 60
        with psycopg.connect(db, autocommit=True) as conn:
            while time.monotonic() < deadline and not killed:
                row = conn.execute(
                    "SELECT pid FROM pg_stat_activity WHERE application_name = "
                    "'target-hubspot-overwrite' AND datname = current_database() "
                    "AND state = 'active' AND query ILIKE '%%contacts%%'"
                ).fetchone()
                if row:
                    conn.execute("SELECT pg_terminate_backend(%s)", (row[0],))
                    killed.append(row[0])
                time.sleep(0.05)

    killer = threading.Thread(target=terminate_when_loading)
    killer.start()
    result = run(target_config(db), second_load(), tmp_path)
    killer.join()
    assert killed, "never saw the target's backend loading"
    stderr = result.stderr.decode()
    assert result.returncode != 0
    error_lines = [line for line in stderr.splitlines() if "| ERROR" in line]
    assert len(error_lines) == 1, stderr[-2000:]
    # psycopg reports the terminated backend either as the server's termination notice or as the
    # lost connection; each maps to its own hint, and both say committed batches stay.
    assert (
        "the server ended the connection: check the server and re-run" in error_lines[0]
        or "the connection to PostgreSQL was lost: check the server and re-run" in error_lines[0]
    ), error_lines[0]
    assert "(batches committed before stay; a re-run converges)" in error_lines[0]
    assert_seed_intact(db)  # the batch in flight rolled back; nothing else was committed
    assert states_of(result.stdout) == []
    with psycopg.connect(db, autocommit=True) as conn:
        conn.execute("DROP TRIGGER slow ON crm.contacts")
    rerun = run(target_config(db), second_load(), tmp_path)
    assert rerun.returncode == 0
    assert table(db) == {f"r{n}": (n, "second") for n in range(200)}


# ---------------------------------------------------------------- locks
@pytest.fixture
def locked_table(db: str) -> Iterator[psycopg.Connection]:
    """Another session holding ACCESS EXCLUSIVE on crm.contacts until released."""
    conn = psycopg.connect(db)
    conn.execute("LOCK TABLE crm.contacts IN ACCESS EXCLUSIVE MODE")
    yield conn
    conn.close()


def test_lock_timeout_fails_clearly_and_changes_nothing(
    db: str, locked_table, tmp_path: Path
) -> None:
    with psycopg.connect(db, autocommit=True) as conn:
        dbname = conn.info.dbname
        conn.execute(
            sql.SQL("ALTER DATABASE {} SET lock_timeout = '1s'").format(sql.Identifier(dbname))
        )
    started = time.monotonic()
    result = run(target_config(db), second_load(), tmp_path)
    assert time.monotonic() - started < 30
    stderr = result.stderr.decode()
    assert result.returncode != 0
    assert "lock timeout" in stderr, stderr[-2000:]
    assert states_of(result.stdout) == []
    locked_table.rollback()
    assert_seed_intact(db)


def test_a_held_lock_is_waited_for_then_the_load_completes(
    db: str, locked_table, tmp_path: Path
) -> None:
    threading.Timer(2.0, locked_table.rollback).start()
    started = time.monotonic()
    result = run(target_config(db), second_load(), tmp_path)
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    assert time.monotonic() - started >= 2.0
    assert table(db) == {f"r{n}": (n, "second") for n in range(200)}
    assert states_of(result.stdout)[-1] == {"pos": 200, "label": "second"}


# ---------------------------------------------------------------- errors inside a batch
def test_disk_full_error_inside_a_batch(db: str, tmp_path: Path) -> None:
    """A trigger raises SQLSTATE 53100 (disk_full) when record r130 is written."""
    with psycopg.connect(db, autocommit=True) as conn:
        conn.execute("""
            CREATE FUNCTION crm.disk_full() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
              IF NEW.id = 'r130' THEN RAISE EXCEPTION
                'could not extend file "base/1/2": No space left on device'
                USING ERRCODE = 'disk_full'; END IF; RETURN NEW; END $$;
            CREATE TRIGGER disk_full BEFORE INSERT OR UPDATE ON crm.contacts
            FOR EACH ROW EXECUTE FUNCTION crm.disk_full();""")
    result = run(target_config(db), second_load(), tmp_path)
    stderr = result.stderr.decode()
    assert result.returncode != 0
    assert "No space left on device" in stderr, stderr[-2000:]
    committed = committed_positions(db)
    assert committed == 120, "the three full batches before r130 stay committed"
    rows = table(db)
    assert all(rows[f"r{n}"] == (n, "seed") for n in range(committed, 50))
    assert not any(f"r{n}" in rows for n in range(max(50, committed), 200))
    states = states_of(result.stdout)
    assert_states_cover_committed(states, db)
    assert states, "STATE for the committed batches is still emitted"


def test_statement_timeout_inside_a_batch(db: str, tmp_path: Path) -> None:
    with psycopg.connect(db, autocommit=True) as conn:
        conn.execute(
            sql.SQL("ALTER DATABASE {} SET statement_timeout = '500ms'").format(
                sql.Identifier(conn.info.dbname)
            )
        )
        conn.execute("""
            CREATE FUNCTION crm.slow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
              IF NEW.id = 'r90' THEN PERFORM pg_sleep(2); END IF; RETURN NEW; END $$;
            CREATE TRIGGER slow BEFORE INSERT OR UPDATE ON crm.contacts
            FOR EACH ROW EXECUTE FUNCTION crm.slow();""")
    result = run(target_config(db), second_load(), tmp_path)
    stderr = result.stderr.decode()
    assert result.returncode != 0
    assert "statement timeout" in stderr, stderr[-2000:]
    assert committed_positions(db) == 80
    assert_states_cover_committed(states_of(result.stdout), db)


# ---------------------------------------------------------------- privileges
@pytest.fixture
def limited_role(db: str) -> Iterator[str]:
    """A LOGIN role (password 'pw-…') that may connect but not create schemas."""
    name = f"rel_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(db, autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                sql.Identifier(name), sql.Literal(f"pw-{uuid.uuid4().hex}")
            )
        )
        conn.execute(
            sql.SQL("REVOKE CREATE ON DATABASE {} FROM PUBLIC").format(
                sql.Identifier(conn.info.dbname)
            )
        )
    yield name
    with psycopg.connect(db, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))


def as_role(db_url: str, role: str) -> str:
    """The same database URL, logging in as ``role`` (no password: local servers trust)."""
    parts = urlsplit(db_url)
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=f"{role}@{host}"))


def test_missing_schema_without_create_privilege(
    db: str, limited_role: str, tmp_path: Path
) -> None:
    config = target_config(as_role(db, limited_role), schema_name="not_there")
    result = run(config, dumps(schema(S), *numbered(S, 0, 10, "x"), state({"pos": 10})), tmp_path)
    stderr = result.stderr.decode()
    assert result.returncode != 0
    # The message names the stream and the privilege (not the schema it tried to create).
    assert "permission denied for database" in stderr, stderr[-2000:]
    assert "'contacts'" in stderr
    assert states_of(result.stdout) == []
    assert_seed_intact(db)


def test_read_only_table(db: str, limited_role: str, tmp_path: Path) -> None:
    with psycopg.connect(db, autocommit=True) as conn:
        conn.execute(
            sql.SQL("GRANT USAGE ON SCHEMA crm TO {0}; GRANT SELECT ON crm.contacts TO {0}").format(
                sql.Identifier(limited_role)
            )
        )
    result = run(target_config(as_role(db, limited_role)), second_load(), tmp_path)
    stderr = result.stderr.decode()
    assert result.returncode != 0
    error_lines = [line for line in stderr.splitlines() if "| ERROR" in line]
    assert len(error_lines) == 1, stderr[-2000:]
    assert "permission denied for table contacts" in error_lines[0], error_lines[0]
    assert "grant the target's database user the privileges it lacks" in error_lines[0]
    assert states_of(result.stdout) == []
    assert_seed_intact(db)
