"""Benchmark: 200,000 contact-like records (26 columns) through the target CLI.

Usage: .venv/bin/python target-hubspot-overwrite/bench/bench_load.py [--rows N] [--repeat 3]
Times fresh load and re-load (unchanged data) for upsert and force_overwrite; prints
the median of the repeats and rows/s. Uses PIPELINE_DATABASE_URL or 127.0.0.1:5432.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from pipeline_devtools.postgres import find_database

BIN = Path(sys.executable).parent / "target-hubspot-overwrite"
SCHEMA = "target_bench"


def make_input(path: Path, rows: int) -> None:
    """Write a .singer file: SCHEMA + ``rows`` RECORDs (26 columns) + STATE."""
    props: dict[str, dict] = {
        "id": {"type": "string"},
        "created_at": {"type": ["string", "null"], "format": "date-time"},
        "updated_at": {"type": ["string", "null"], "format": "date-time"},
        "archived": {"type": ["boolean", "null"]},
        "archived_at": {"type": ["string", "null"], "format": "date-time"},
        "num_visits": {"type": ["integer", "null"]},
        "score": {"type": ["number", "null"]},
    }
    for i in range(19):
        props[f"prop_{i:02d}"] = {"type": ["string", "null"]}
    rnd = random.Random(7)
    with path.open("w") as fh:
        fh.write(
            json.dumps(
                {
                    "type": "SCHEMA",
                    "stream": "contacts",
                    "key_properties": ["id"],
                    "schema": {"type": "object", "properties": props},
                }
            )
            + "\n"
        )
        for n in range(rows):
            rec = {
                "id": str(n + 1),
                "created_at": "2024-01-02T03:04:05.678Z",
                "updated_at": f"2025-0{1 + n % 9}-1{n % 10}T10:00:00Z",
                "archived": False,
                "archived_at": None,
                "num_visits": rnd.randint(0, 500),
                "score": round(rnd.random() * 100, 3),
            }
            for i in range(19):
                rec[f"prop_{i:02d}"] = f"value {i} for contact {n} " + "x" * (n % 13)
            fh.write(json.dumps({"type": "RECORD", "stream": "contacts", "record": rec}) + "\n")
        fh.write(json.dumps({"type": "STATE", "value": {"bookmarks": {"contacts": rows}}}) + "\n")


def reset(url: str) -> None:
    """Drop the benchmark schema."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")


def run(cfg: Path, data: Path) -> float:
    """Run the target once; return wall seconds."""
    start = time.perf_counter()
    with data.open() as stdin:
        subprocess.run(
            [str(BIN), "--config", str(cfg)],
            stdin=stdin,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    return time.perf_counter() - start


def main() -> None:
    """Run the benchmark matrix and print medians."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    db = find_database()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "contacts.singer"
        make_input(data, args.rows)
        for mode, force in (("upsert", False), ("force-overwrite", True)):
            cfg = Path(tmp) / f"{mode}.json"
            cfg.write_text(
                json.dumps(
                    {
                        "sqlalchemy_url": db.sqlalchemy_url,
                        "default_target_schema": SCHEMA,
                        "force_overwrite": force,
                    }
                )
            )
            fresh, reload_ = [], []
            for _ in range(args.repeat):
                reset(db.url)
                fresh.append(run(cfg, data))
                reload_.append(run(cfg, data))
            for label, times in (("fresh", fresh), ("reload", reload_)):
                med = statistics.median(times)
                print(
                    f"{mode:16s} {label:7s} median {med:6.2f} s  {args.rows / med:9,.0f} rows/s"
                    f"  (runs: {', '.join(f'{x:.2f}' for x in times)})"
                )
        reset(db.url)


if __name__ == "__main__":
    main()
