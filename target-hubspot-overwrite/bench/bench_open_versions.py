"""Benchmark: what keeping an open version's keys costs a load (``open_versions.py``).

Usage: .venv/bin/python target-hubspot-overwrite/bench/bench_open_versions.py [--rows N]
[--repeat 5]. Loads the same ``bench_load`` records into an empty schema with and without a
RECORD ``version`` (with one, every batch also appends its keys to the lasting key table),
alternating the two, and prints each load's seconds and load average, the medians, and the
median of the adjacent pairs' ratios. Uses PIPELINE_DATABASE_URL or 127.0.0.1:5432.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
from bench_load import BIN, make_input
from pipeline_devtools.postgres import find_database

SCHEMA = "open_versions_bench"


def _with_version(plain: Path, versioned: Path) -> None:
    with plain.open() as src, versioned.open("w") as dst:
        for line in src:
            message = json.loads(line)
            if message["type"] == "RECORD":
                message["version"] = 1
            dst.write(json.dumps(message) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    database = find_database()
    with tempfile.TemporaryDirectory() as tmp:
        plain, versioned = Path(tmp, "plain.singer"), Path(tmp, "versioned.singer")
        make_input(plain, args.rows)
        _with_version(plain, versioned)
        config = Path(tmp, "config.json")
        config.write_text(
            json.dumps({"sqlalchemy_url": database.sqlalchemy_url, "default_target_schema": SCHEMA})
        )
        seconds: dict[str, list[float]] = {"plain": [], "versioned": []}
        for _ in range(args.repeat):
            for name, path in (("plain", plain), ("versioned", versioned)):
                with psycopg.connect(database.url, autocommit=True) as conn:
                    conn.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
                started = time.perf_counter()
                with path.open() as stdin:
                    subprocess.run(
                        [str(BIN), "--config", str(config)],
                        stdin=stdin,
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                        check=True,
                    )
                seconds[name].append(time.perf_counter() - started)
                print(f"{name}: {seconds[name][-1]:.2f} s, load {os.getloadavg()[0]:.1f}")
        with psycopg.connect(database.url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
    ratios = [v / p for p, v in zip(seconds["plain"], seconds["versioned"], strict=True)]
    print(
        f"medians: plain {statistics.median(seconds['plain']):.2f} s, versioned "
        f"{statistics.median(seconds['versioned']):.2f} s; pair ratio median "
        f"{statistics.median(ratios):.3f} ({', '.join(f'{r:.2f}' for r in ratios)})"
    )


if __name__ == "__main__":
    main()
