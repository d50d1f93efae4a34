"""Secrets never leak: the access token, the OAuth client secret and refresh token, and the
database password must not appear in stdout, stderr, Meltano's output, run files and system
database, the state, catalogs or error messages, on success and on failure (wrong token →
401, bad refresh token, bad client secret, unreachable database host, refused port, missing
database).

Every run of this directory uses the distinctive values of ``conftest.SECRETS`` (the pipe
fixture, the target-only tests and the Meltano tests), and collects what it captured in
``CAPTURED``; the last test here scans all of it. Run alone, this file still covers its own runs.
Tests outside this directory are not scanned: they do not use these values, and their
subprocess output is not visible from here.
"""

from __future__ import annotations

import os
import secrets
import subprocess
from pathlib import Path

import pytest
from pipeline_devtools.postgres import Database

from tests.conftest import MeltanoProject
from tests.reliability.checks import assert_database_equals_oracle
from tests.reliability.conftest import CAPTURED, SECRETS, Pipeline, Secrets, server_address
from tests.reliability.pipe import TAP, run_target, write_json
from tests.reliability.singer import dumps, numbered, schema, state

# Wrong credentials are secrets too: they must not be echoed either.
WRONG = {
    "wrong access token": f"pat-na1-SECRET-wrong-{secrets.token_hex(6)}",
    "wrong refresh token": f"rt-SECRET-wrong-{secrets.token_hex(6)}",
    "wrong client secret": f"cs-SECRET-wrong-{secrets.token_hex(6)}",
}


def leaks(text: str) -> list[str]:
    return [name for name, value in {**SECRETS.values(), **WRONG}.items() if value in text]


def scan_tree(root: Path) -> dict[str, list[str]]:
    """Secret names found in any file under ``root`` (run files, catalogs, the system DB),
    not following symlinks (the shared plugin venvs)."""
    found = {}
    for folder, _, files in os.walk(root):
        for name in files:
            path = Path(folder) / name
            if path.is_symlink() or path.stat().st_size > 50_000_000:
                continue
            if names := leaks(path.read_bytes().decode("utf-8", "replace")):
                found[str(path.relative_to(root))] = names
    return found


def test_meltano_success_and_failure_leak_nothing(
    meltano_project: MeltanoProject, sim, database: Database, secret_role: Secrets
) -> None:
    project = meltano_project
    project.env["HUBSPOT_ACCESS_TOKEN"] = secret_role.access_token
    project.env["PIPELINE_SQLALCHEMY_URL"] = secret_role.db_url(database)
    project.set_config("TAP_HUBSPOT_ASSOC", "object_types", ["meetings"])
    project.set_config("TAP_HUBSPOT_ASSOC", "association_pairs", [])
    runs = [
        project.run("run", "tap-hubspot-assoc", "target-hubspot-overwrite"),
        project.run("state", "get", "dev:tap-hubspot-assoc-to-target-hubspot-overwrite"),
        project.run("invoke", "tap-hubspot-assoc", "--discover"),
        project.run("config", "target-hubspot-overwrite", "list", expect_success=False),
    ]
    assert '"meetings"' in runs[2].stdout  # the catalog really was printed
    wrong_token = project.run(
        "run",
        "tap-hubspot-assoc",
        "target-hubspot-overwrite",
        expect_success=False,
        extra_env={"HUBSPOT_ACCESS_TOKEN": WRONG["wrong access token"]},
    )
    assert wrong_token.returncode != 0, wrong_token.stderr[-4000:]
    assert "INVALID_AUTHENTICATION" in wrong_token.stderr + wrong_token.stdout
    bad_host = secret_role.url_at("no-such-host.invalid", 5432)
    # --full-refresh: with nothing new to write the target never connects (and succeeds).
    bad_db = project.run(
        "run",
        "--full-refresh",
        "tap-hubspot-assoc",
        "target-hubspot-overwrite",
        expect_success=False,
        extra_env={"PIPELINE_SQLALCHEMY_URL": bad_host},
    )
    assert bad_db.returncode != 0, bad_db.stderr[-3000:]
    assert "no-such-host.invalid" in bad_db.stderr + bad_db.stdout
    runs += [wrong_token, bad_db]
    for result in runs:
        CAPTURED.append(result.stdout + result.stderr)
        assert leaks(result.stdout + result.stderr) == [], " ".join(result.args)
    # The project (run files, catalog) and Meltano's system database (job payloads, state).
    scanned = project.directory.parent
    assert (scanned / "meltano.db").is_file()
    assert (project.directory / ".meltano/run/tap-hubspot-assoc/tap.properties.json").is_file()
    assert scan_tree(scanned) == {}


def test_oauth_and_failures_through_the_pipe_leak_nothing(pipeline: Pipeline) -> None:
    oauth = {
        "access_token": None,
        "client_id": "reliability-client",
        "client_secret": SECRETS.client_secret,
        "refresh_token": SECRETS.refresh_token,
    }
    pipeline.tap_overrides = oauth
    pipeline.run()
    assert_database_equals_oracle(pipeline.db_url, pipeline.schema, pipeline.oracle())
    failures = {
        "wrong access token": (
            {"access_token": WRONG["wrong access token"]},
            "INVALID_AUTHENTICATION",
        ),
        "wrong refresh token": (
            {**oauth, "refresh_token": WRONG["wrong refresh token"]},
            "BAD_REFRESH_TOKEN",
        ),
        "wrong client secret": (
            {**oauth, "client_secret": WRONG["wrong client secret"]},
            "BAD_CLIENT_SECRET",
        ),
    }
    for name, (overrides, expected) in failures.items():
        pipeline.tap_overrides = overrides
        result = pipeline.run(expect_ok=False)
        assert result.tap_returncode != 0, name
        assert expected in result.tap_stderr, f"{name}: {result.tap_stderr[-1500:]}"
        assert leaks(result.output) == [], name

    # The catalog (discovery) with every secret in the config.
    cfg = pipeline.workdir / "discover.json"
    write_json(cfg, {**pipeline.tap_config(), **oauth})
    discovered = subprocess.run(
        [str(TAP), "--config", str(cfg), "--discover"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    CAPTURED.append(discovered.stdout + discovered.stderr)
    assert discovered.returncode == 0
    assert leaks(discovered.stdout + discovered.stderr) == []
    assert leaks(str(pipeline.state())) == []


@pytest.mark.parametrize(
    ("where", "config_of", "expected"),
    [
        (
            "unresolvable host",
            lambda db: {"sqlalchemy_url": SECRETS.url_at("no-such-host.invalid", 5432)},
            "Cannot connect to PostgreSQL at no-such-host.invalid:5432 (",
        ),
        (
            "refused port",
            lambda db: {"sqlalchemy_url": SECRETS.url_at("127.0.0.1", 1)},
            "Cannot connect to PostgreSQL at 127.0.0.1:1 (connection refused",
        ),
        (
            "missing database (fields)",
            lambda db: {
                "host": server_address(db)[0],
                "port": server_address(db)[1],
                "user": SECRETS.db_role,
                "password": SECRETS.db_password,
                "database": "no_such_db_reliability",
            },
            'FATAL: database "no_such_db_reliability" does not exist): check the database name',
        ),
        (
            "missing database (URL)",
            lambda db: {"sqlalchemy_url": SECRETS.db_url(db, "no_such_db_reliability")},
            'FATAL: database "no_such_db_reliability" does not exist): check the database name',
        ),
    ],
)
def test_database_connection_failures_leak_nothing(
    database: Database, secret_role: Secrets, tmp_path: Path, where: str, config_of, expected: str
) -> None:
    config = {**config_of(database), "default_target_schema": "never_created"}
    lines = dumps(schema("c"), *numbered("c", 0, 3, "x"), state({"p": 1}))
    result = run_target(config, lines, tmp_path)
    output = result.stdout.decode(errors="replace") + result.stderr.decode(errors="replace")
    CAPTURED.append(output)
    assert result.returncode != 0, where
    # One ERROR line naming where, libpq's reason (its capitals kept) and what to check.
    assert expected in output, output[-1500:]
    assert result.stdout.strip() == b"", "no STATE on a failed connection"
    assert leaks(output) == [], where


def test_no_secret_anywhere_in_this_directory_s_captured_output() -> None:
    """Runs last (file and test order): every process output captured by tests/reliability."""
    assert CAPTURED, "nothing captured"
    leaked = {n: names for n, text in enumerate(CAPTURED) if (names := leaks(text))}
    assert leaked == {}
