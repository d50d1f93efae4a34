"""Helpers: build Singer messages, run the target (in process or as a subprocess), query PG."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from target_hubspot_overwrite.target import TargetHubspotOverwrite

BIN = Path(sys.executable).parent / "target-hubspot-overwrite"


def schema_msg(stream: str, props: dict[str, Any], keys: list[str]) -> dict:
    return {
        "type": "SCHEMA",
        "stream": stream,
        "key_properties": keys,
        "schema": {"type": "object", "properties": props},
    }


def rec(stream: str, record: dict, version: int | None = None) -> dict:
    msg: dict[str, Any] = {"type": "RECORD", "stream": stream, "record": record}
    if version is not None:
        msg["version"] = version
    return msg


def state(value: dict) -> dict:
    return {"type": "STATE", "value": value}


def activate(stream: str, version: int) -> dict:
    return {"type": "ACTIVATE_VERSION", "stream": stream, "version": version}


def lines(*msgs: dict | str) -> str:
    return "".join((m if isinstance(m, str) else json.dumps(m)) + "\n" for m in msgs)


@dataclass
class Result:
    states: list[dict] = field(default_factory=list)
    summaries: list[dict] = field(default_factory=list)
    stderr: str = ""
    returncode: int = 0

    @property
    def run_summary(self) -> dict:
        return next(s for s in self.summaries if s["scope"] == "run")

    def stream(self, name: str) -> dict:
        return next(s for s in self.summaries if s["scope"] == f"stream '{name}'")


def _parse(stdout: str, stderr: str, rc: int) -> Result:
    res = Result(stderr=stderr, returncode=rc)
    res.states = [json.loads(x) for x in stdout.splitlines() if x.strip()]
    for line in stderr.splitlines():
        if line.startswith('{"type":"LOAD_SUMMARY"'):
            res.summaries.append(json.loads(line))
    return res


def run_target(config: dict, text: str) -> Result:
    """Run the target in-process (fast); exceptions propagate."""
    out, err = io.StringIO(), io.StringIO()
    target = TargetHubspotOverwrite(config=config, validate_config=True)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            target.listen(io.StringIO(text))
    finally:
        target.close()
    return _parse(out.getvalue(), err.getvalue(), 0)


def write_config(config: dict, tmp_path: Path) -> Path:
    """The target's config file in ``tmp_path``."""
    cfg = tmp_path / "config.json"
    cfg.write_text(json.dumps(config))
    return cfg


def start_cli(
    config: dict, tmp_path: Path, *, stdout: int = subprocess.PIPE, stderr: int = subprocess.PIPE
) -> subprocess.Popen[str]:
    """Start the installed console script, fed through its stdin (text mode)."""
    return subprocess.Popen(
        [str(BIN), "--config", str(write_config(config, tmp_path))],
        stdin=subprocess.PIPE,
        stdout=stdout,
        stderr=stderr,
        text=True,
    )


def run_cli(config: dict, text: str, tmp_path: Path) -> Result:
    """Run the installed console script as a real subprocess."""
    proc = subprocess.run(
        [str(BIN), "--config", str(write_config(config, tmp_path))],
        input=text,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ},
        check=False,
    )
    return _parse(proc.stdout, proc.stderr, proc.returncode)


class DB:
    """Tiny query helper on the test database."""

    def __init__(self, url: str, schema: str) -> None:
        self.url, self.schema = url, schema

    def rows(self, sql: str, *params: Any) -> list[tuple]:
        with psycopg.connect(self.url, autocommit=True) as conn:
            return conn.execute(sql.replace("{s}", f'"{self.schema}"'), params).fetchall()

    def scalar(self, sql: str, *params: Any) -> Any:
        return self.rows(sql, *params)[0][0]

    def table_exists(self, table: str) -> bool:
        return bool(
            self.rows(
                "SELECT 1 FROM pg_tables WHERE schemaname=%s AND tablename=%s", self.schema, table
            )
        )
