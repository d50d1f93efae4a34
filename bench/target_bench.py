"""Target benchmark: one Singer file per stream, loaded by each loader, fresh and re-loaded.

Loaders: ours (``upsert`` and ``force_overwrite``), ``meltanolabs-target-postgres`` (its
defaults, upserting because the streams have keys; in its own venv) and the raw floor
(``bench.floor_loader``). Each run gets a new scratch schema: a fresh load into empty tables,
then a re-load of the identical file (every row exists and is unchanged).
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from pipeline_devtools.postgres import Database, scratch_schema
from psycopg import sql

from bench import singer_data
from bench.common import ROOT, TARGET_POSTGRES_VENV, VENV_BIN, log_path, progress
from bench.procs import run_measured

OURS = VENV_BIN / "target-hubspot-overwrite"
TARGET_POSTGRES = TARGET_POSTGRES_VENV / "bin" / "target-postgres"


@dataclass(frozen=True)
class TargetPlan:
    """Sizes and repetitions of the target benchmark."""

    contacts: int
    associations: int
    runs: int
    peer_contacts: int  # target-postgres gets these smaller sizes (it is ~100x slower)
    peer_associations: int
    peer_runs: int
    association_runs: int = 0  # runs of the (long) association loads; 0 = ``runs``
    refresh_contacts: int = 0  # size of the full-refresh (ACTIVATE_VERSION) case; 0 = none


@dataclass(frozen=True)
class Loader:
    """One way of loading a Singer file into a schema."""

    name: str
    kind: str  # "ours", "peer" or "floor"
    config: dict[str, Any]

    def command(self, db: Database, schema: str, data: Path, workdir: Path) -> list[str]:
        """The command line that loads ``data`` (read from stdin by Singer targets)."""
        if self.kind == "floor":
            return [sys.executable, "-m", "bench.floor_loader", db.url, schema, str(data)]
        cfg = workdir / f"{self.name}-{schema}.json"
        cfg.write_text(
            json.dumps(
                {
                    "sqlalchemy_url": db.sqlalchemy_url,
                    "default_target_schema": schema,
                    **self.config,
                }
            )
        )
        exe = OURS if self.kind == "ours" else TARGET_POSTGRES
        return [str(exe), "--config", str(cfg)]


LOADERS = [
    Loader("ours-upsert", "ours", {"force_overwrite": False}),
    Loader("ours-force-overwrite", "ours", {"force_overwrite": True}),
    Loader("floor", "floor", {}),
    Loader("target-postgres", "peer", {"load_method": "upsert"}),
]


def ensure_target_postgres() -> str:
    """Install meltanolabs-target-postgres into its own venv if missing; return its version."""
    if not TARGET_POSTGRES.exists():
        progress(f"installing meltanolabs-target-postgres into {TARGET_POSTGRES_VENV}")
        uv = str(VENV_BIN / "uv")
        subprocess.run(
            [uv, "venv", "--quiet", "--python", sys.executable, str(TARGET_POSTGRES_VENV)],
            check=True,
        )
        subprocess.run(
            [
                uv,
                "pip",
                "install",
                "--quiet",
                "--python",
                str(TARGET_POSTGRES_VENV / "bin" / "python"),
                "meltanolabs-target-postgres",
            ],
            check=True,
        )
    out = subprocess.run(
        [
            str(TARGET_POSTGRES_VENV / "bin" / "python"),
            "-c",
            "import importlib.metadata as m; print(m.version('meltanolabs-target-postgres'))",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


def _row_count(db: Database, schema: str, table: str) -> int:
    with psycopg.connect(db.url) as conn:
        row = conn.execute(
            sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(schema, table))
        ).fetchone()
    return int(row[0]) if row else 0


def _load(
    loader: Loader,
    db: Database,
    schema: str,
    data: Path,
    workdir: Path,
    tag: str,
    env: dict[str, str] | None = None,
) -> tuple[float, float]:
    cmd = loader.command(db, schema, data, workdir)
    with data.open("rb") as stdin:
        res = run_measured(cmd, stdin=stdin, cwd=ROOT, stderr_path=log_path(tag), env=env)
    return res.seconds, res.max_rss_mb


def run(plan: TargetPlan, db: Database, workdir: Path) -> dict[str, Any]:
    """Run the whole target matrix; return raw measurements."""
    peer_version = ensure_target_postgres()
    files: dict[tuple[str, int], Path] = {}

    def data_file(stream: str, rows: int) -> Path:
        if (stream, rows) not in files:
            path = workdir / f"{stream}-{rows}.singer"
            progress(f"target: generating {rows:,} {stream} records")
            if stream == singer_data.CONTACTS:
                singer_data.write_contacts(path, rows)
            else:
                singer_data.write_associations(path, rows)
            files[(stream, rows)] = path
        return files[(stream, rows)]

    startup = _startup_costs(db, workdir)
    measurements: list[dict[str, Any]] = []
    for loader in LOADERS:
        peer = loader.kind == "peer"
        for stream, rows in (
            (singer_data.CONTACTS, plan.peer_contacts if peer else plan.contacts),
            (singer_data.ASSOCIATIONS, plan.peer_associations if peer else plan.associations),
        ):
            runs = plan.runs
            if peer:
                runs = plan.peer_runs
            elif stream == singer_data.ASSOCIATIONS and plan.association_runs:
                runs = plan.association_runs
            data = data_file(stream, rows)
            for i in range(runs):
                with scratch_schema(db, prefix="bench_target") as schema:
                    for phase in ("fresh", "reload"):
                        tag = f"target-{loader.name}-{stream}-{phase}-{i}"
                        seconds, rss = _load(loader, db, schema, data, workdir, tag)
                        loaded = _row_count(db, schema, stream)
                        if loaded != rows:
                            raise RuntimeError(f"{tag}: {loaded} rows in the table, not {rows}")
                        measurements.append(
                            {
                                "loader": loader.name,
                                "stream": stream,
                                "phase": phase,
                                "rows": rows,
                                "run": i,
                                "seconds": seconds,
                                "rows_per_s": rows / seconds,
                                "max_rss_mb": rss,
                            }
                        )
                        progress(
                            f"target: {loader.name:21s} {stream:34s} {phase:6s} "
                            f"run {i + 1}/{runs}: {rows:,} rows in {seconds:6.2f} s = "
                            f"{rows / seconds:9,.0f} rows/s, peak {rss:5.0f} MB"
                        )
    if plan.refresh_contacts:
        measurements += _full_refresh(plan.refresh_contacts, db, workdir)
    return {
        "plan": plan.__dict__,
        "target_postgres_version": peer_version,
        "startup": startup,
        "measurements": measurements,
    }


def _full_refresh(rows: int, db: Database, workdir: Path) -> list[dict[str, Any]]:
    """A full-refresh file (ACTIVATE_VERSION before and after the records) loaded into a new
    schema, then again into the same rows: each load plus its end-of-stream reconciliation."""
    data = workdir / f"contacts-refresh-{rows}.singer"
    singer_data.write_contacts(data, rows, full_refresh=True)
    out: list[dict[str, Any]] = []
    for loader in LOADERS:
        if loader.kind == "floor":
            continue
        with scratch_schema(db, prefix="bench_target") as schema:
            for phase in ("refresh-fresh", "refresh-reload"):
                tag = f"target-{loader.name}-{phase}"
                seconds, rss = _load(loader, db, schema, data, workdir, tag)
                out.append(
                    {
                        "loader": loader.name,
                        "stream": singer_data.CONTACTS,
                        "phase": phase,
                        "rows": rows,
                        "run": 0,
                        "seconds": seconds,
                        "rows_per_s": rows / seconds,
                        "max_rss_mb": rss,
                    }
                )
                progress(
                    f"target: {loader.name:21s} contacts {phase} of {rows:,} rows: "
                    f"{seconds:.2f} s = {rows / seconds:,.0f} rows/s, peak {rss:.0f} MB"
                )
    return out


def _startup_costs(db: Database, workdir: Path) -> dict[str, dict[str, float]]:
    """Each loader on a file with a SCHEMA and no record: its fixed cost per run."""
    empty = workdir / "empty.singer"
    singer_data.write_contacts(empty, 0)
    out: dict[str, dict[str, float]] = {}
    for loader in LOADERS:
        for attempt in ("warm-up", "empty"):  # the warm-up writes the bytecode caches
            with scratch_schema(db, prefix="bench_target") as schema:
                tag = f"target-{loader.name}-{attempt}"
                seconds, rss = _load(loader, db, schema, empty, workdir, tag)
        out[loader.name] = {"seconds": seconds, "max_rss_mb": rss}
        progress(
            f"target: {loader.name:21s} startup (no records): {seconds:.2f} s, peak {rss:.0f} MB"
        )
    return out
