"""Helpers of the dbt end-to-end tests on hand-written Singer messages: load them through the real
target, run dbt through meltano, read what it printed and built."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg
from pipeline_devtools.postgres import Database
from psycopg import sql

from tests.conftest import MELTANO, MeltanoProject

TARGET = Path(sys.executable).parent / "target-hubspot-overwrite"
# every day since the records' creation (2026-01-01), not only the last 365; every type
VARS = ("--vars", "{hubspot_daily_snapshot_days: 0, hubspot_daily_snapshot_types: all}")
BUILD = ("dbt-postgres", "build", *VARS)
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def output(result: subprocess.CompletedProcess[str]) -> str:
    """What a meltano run printed, colours removed."""
    return ANSI.sub("", result.stdout + result.stderr)


def target_config(tmp_path: Path, database: Database, schema: str) -> Path:
    config = tmp_path / "target.json"
    settings = {"sqlalchemy_url": database.sqlalchemy_url, "default_target_schema": schema}
    config.write_text(json.dumps(settings))
    return config


def load(config: Path, text: str) -> None:
    """Singer messages through the real target."""
    loaded = subprocess.run(
        [str(TARGET), "--config", str(config)],
        input=text,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert loaded.returncode == 0, loaded.stderr[-3000:]


def meltano_env(tmp_path: Path, database: Database, schema: str) -> dict[str, str]:
    return {
        **os.environ,
        "PATH": f"{MELTANO.parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "MELTANO_ENVIRONMENT": "dev",
        "MELTANO_DATABASE_URI": f"sqlite:///{tmp_path / 'meltano.db'}",
        "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
        "PIPELINE_SQLALCHEMY_URL": database.sqlalchemy_url,
        "TARGET_HUBSPOT_OVERWRITE_DEFAULT_TARGET_SCHEMA": schema,
    }


def query(project: MeltanoProject, statement: str, *params: Any) -> list[tuple]:
    with psycopg.connect(project.database_url, autocommit=True) as conn:
        conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(project.schema)))
        return list(conn.execute(statement, params or None))
