"""Paths, progress printing and small helpers shared by the benchmarks."""

from __future__ import annotations

import math
import statistics
import sys
import time
from collections.abc import Iterable
from pathlib import Path

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
