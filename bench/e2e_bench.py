"""End to end: ``meltano run tap-hubspot-assoc target-hubspot-overwrite`` from the simulator
into PostgreSQL, a full sync then an incremental re-sync after 1 % of the records changed.

Runs in a temporary copy of the Meltano project that shares the installed plugin venvs (as
``tests/conftest.py`` does), with its own state database and a scratch schema.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import psycopg
from hubspot_simulator.testing import SimulatorProcess
from pipeline_devtools.meltano_project import isolated_project_dir
from pipeline_devtools.postgres import Database, scratch_schema
from psycopg import sql

from bench.common import VENV_BIN, log_path, progress
from bench.procs import run_measured
from bench.tap_bench import UNLIMITED_ARGS

MELTANO = VENV_BIN / "meltano"
_SUMMARY_RE = re.compile(r'\{"type":"LOAD_SUMMARY".*?\}(?=\s*$)', re.MULTILINE)


@dataclass(frozen=True)
class E2EPlan:
    """Size and repetitions of the end-to-end benchmark."""

    contacts: int  # meetings = 30 % of contacts
    runs: int
    change_fraction: float


def project_copy(workdir: Path) -> Path:
    """A copy of the Meltano project whose plugin venvs link to the installed ones."""
    try:
        return isolated_project_dir(workdir / "meltano-project")
    except FileNotFoundError as missing:
        raise SystemExit(str(missing)) from None


def process_label(cmdline: str) -> str | None:
    """meltano / tap / target for the processes of a ``meltano run`` tree."""
    for token in cmdline.split()[:2]:
        for name, label in (
            ("meltano", "meltano"),
            ("tap-hubspot-assoc", "tap"),
            ("target-hubspot-overwrite", "target"),
        ):
            if token.endswith(f"/{name}"):
                return label
    return None


def _table_rows(db: Database, schema: str) -> dict[str, int]:
    with psycopg.connect(db.url) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                (schema,),
            )
        ]
        out: dict[str, int] = {}
        for table in sorted(tables):
            row = conn.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(schema, table))
            ).fetchone()
            out[table] = int(row[0]) if row else 0
    return out


def _received(log: str) -> int:
    """Records the target received, from its run-scope LOAD_SUMMARY line."""
    for match in _SUMMARY_RE.finditer(log):
        payload = orjson.loads(match.group(0))
        if payload.get("scope") == "run":
            return int(payload.get("received", 0))
    return 0


def run(plan: E2EPlan, db: Database, workdir: Path) -> dict[str, Any]:
    """Full + incremental ``meltano run``, ``plan.runs`` times each."""
    runs: list[dict[str, Any]] = []
    meetings = int(plan.contacts * 0.3)
    with SimulatorProcess(
        contacts=plan.contacts,
        meetings=meetings,
        appointments=0,
        rate_limit=False,
        extra_args=UNLIMITED_ARGS[1:],
    ) as sim:
        for i in range(plan.runs):
            project = project_copy(workdir)
            with scratch_schema(db, prefix="bench_e2e") as schema:
                env = {
                    **os.environ,
                    "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
                    "MELTANO_ENVIRONMENT": "dev",
                    "MELTANO_DATABASE_URI": f"sqlite:///{project / 'meltano-state.db'}",
                    "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
                    "HUBSPOT_ACCESS_TOKEN": sim.token,
                    "TAP_HUBSPOT_ASSOC_API_URL": sim.base_url,
                    "TAP_HUBSPOT_ASSOC_REQUESTS_PER_TEN_SECONDS": "100000000",
                    "TAP_HUBSPOT_ASSOC_SEARCH_REQUESTS_PER_SECOND": "1000000",
                    "TAP_HUBSPOT_ASSOC_SAFETY_LAG_SECONDS": "0",
                    "TAP_HUBSPOT_ASSOC_LOOKBACK_MINUTES": "0",
                    "PIPELINE_SQLALCHEMY_URL": db.sqlalchemy_url,
                    "TARGET_HUBSPOT_OVERWRITE_DEFAULT_TARGET_SCHEMA": schema,
                }
                entry: dict[str, Any] = {}
                for mode in ("full", "incremental"):
                    if mode == "incremental":
                        counts = sim.admin.info()["counts"]
                        for t in ("contacts", "meetings"):
                            n = max(1, int(counts[t]["active"] * plan.change_fraction))
                            sim.admin.touch(t, count=n, offset=10 + i * n)
                        time.sleep(1.1)
                    tag = f"e2e-{mode}-{i}"
                    res = run_measured(
                        [str(MELTANO), "run", "tap-hubspot-assoc", "target-hubspot-overwrite"],
                        env=env,
                        cwd=project,
                        stderr_path=log_path(tag),
                        label_of=process_label,
                    )
                    received = _received(log_path(tag).read_text(errors="replace"))
                    entry[mode] = {
                        "seconds": res.seconds,
                        "received": received,
                        "records_per_s": received / res.seconds,
                        "peaks_mb": res.tree_peaks_mb,
                        "max_rss_mb": res.max_rss_mb,
                        "table_rows": _table_rows(db, schema),
                    }
                    progress(
                        f"e2e: {mode} run {i + 1}/{plan.runs}: {received:,} records in "
                        f"{res.seconds:.1f} s ({received / res.seconds:,.0f}/s), peaks "
                        + ", ".join(f"{k} {v:.0f} MB" for k, v in res.tree_peaks_mb.items())
                    )
                runs.append(entry)
    return {"plan": plan.__dict__, "runs": runs}
