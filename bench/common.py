"""Paths, progress printing and small helpers shared by the benchmarks."""

from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = ROOT / ".venv" / "bin"
RESULTS_DIR = ROOT / "bench-results"
LOG_DIR = RESULTS_DIR / "logs"
PLOTS_DIR = ROOT / "docs" / "bench"
TARGET_POSTGRES_VENV = RESULTS_DIR / "venvs" / "target-postgres"

_T0 = time.monotonic()


def progress(message: str) -> None:
    """Print one timestamped progress line (stderr, unbuffered)."""
    elapsed = time.monotonic() - _T0
    print(f"[bench {elapsed:7.1f}s] {message}", file=sys.stderr, flush=True)


def median(values: Iterable[float]) -> float:
    """Median of the values (NaN when there are none)."""
    items = list(values)
    return statistics.median(items) if items else math.nan


def log_path(name: str) -> Path:
    """A file under bench-results/logs for one process's stderr."""
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    return LOG_DIR / f"{name}.log"


def measured_commit() -> str:
    """The code measured: ``BENCH_COMMIT`` when it is not HEAD's working tree (for example a
    ``git archive`` of an earlier commit put first on PYTHONPATH), else HEAD's short hash."""
    return (
        os.environ.get("BENCH_COMMIT")
        or subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
            cwd=ROOT,
        ).stdout.strip()
    )


def write_results(name: str, result: dict[str, Any], markdown: list[str], commit: str) -> Path:
    """Note the commit and PYTHONPATH in `result`, write bench-results/<name>.json and .md,
    print the markdown; the path's stem is returned."""
    result["commit"] = commit
    result["pythonpath"] = os.environ.get("PYTHONPATH", "")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stem = RESULTS_DIR / name
    stem.with_suffix(".json").write_text(json.dumps(result, indent=1, default=str))
    text = "\n".join(markdown)
    stem.with_suffix(".md").write_text(text)
    print(text)
    progress(f"wrote {stem}.json and {stem}.md")
    return stem
