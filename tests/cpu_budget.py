"""Where the suite's CPU goes, per test file: ``pytest -p tests.cpu_budget`` (any ``-n``).

Each worker appends one JSON line per test file to ``$CPU_BUDGET_DIR/<worker>.jsonl``
(default ``/tmp/cpu-budget``): wall seconds, CPU seconds of the worker and of every process it
started (reaped or still running, e.g. a session simulator), and the processes it started by
kind (``meltano run``, ``target-hubspot-overwrite``, ``hubspot_simulator.cli`` ...; what meltano
starts itself is inside meltano's CPU, not counted). ``python -m tests.cpu_budget`` prints the
table (docs/TESTING.md). With ``--dist loadfile`` a file's seconds are exact; session fixtures
count in the file that first used them.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Generator, Sequence
from pathlib import Path
from typing import Any

import psutil
import pytest

OUT_DIR = Path(os.environ.get("CPU_BUDGET_DIR", "/tmp/cpu-budget"))
_started: Counter[str] = Counter()
_original_init = subprocess.Popen.__init__


def process_kind(args: Any) -> str:
    """A short name for what a started process runs (``meltano run``, ``dbt``, a module)."""
    argv = (
        [str(a) for a in args]
        if isinstance(args, Sequence) and not isinstance(args, str)
        else str(args).split()
    )
    if not argv:
        return "?"
    name = Path(argv[0]).name
    if name.startswith("python") and "-m" in argv[:3]:
        return argv[argv.index("-m") + 1]
    if name == "meltano":
        words = [a for a in argv[1:] if not a.startswith("-")]
        return f"meltano {words[0]}" if words else name
    return name


def _counting_init(self: subprocess.Popen[Any], args: Any, *rest: Any, **kwargs: Any) -> None:
    _started[process_kind(args)] += 1
    _original_init(self, args, *rest, **kwargs)


def cpu_seconds() -> float:
    """CPU of this process, its reaped children and every live descendant (with theirs)."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    for child in psutil.Process().children(recursive=True):
        try:
            times = child.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system + times.children_user + times.children_system
    return total


def own_seconds() -> float:
    """CPU of this process alone (the test code, fixtures and in-process plugins)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class FileBudget:
    """Accumulates wall, CPU and started processes per test file of one worker."""

    def __init__(self, worker: str) -> None:
        self.worker = worker
        self.files: dict[str, dict[str, Any]] = {}

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Generator[None, None, None]:
        before = Counter(_started)
        start, wall, cpu, own = time.time(), time.monotonic(), cpu_seconds(), own_seconds()
        yield
        entry = self.files.setdefault(
            item.nodeid.split("::")[0],
            {"tests": 0, "wall": 0.0, "cpu": 0.0, "own": 0.0, "started": Counter(), "from": start},
        )
        entry["until"] = time.time()
        entry["tests"] += 1
        entry["wall"] += time.monotonic() - wall
        entry["cpu"] += cpu_seconds() - cpu
        entry["own"] += own_seconds() - own
        entry["started"].update(Counter(_started) - before)

    def pytest_sessionfinish(self) -> None:
        OUT_DIR.mkdir(parents=True, exist_ok=True)
        with (OUT_DIR / f"{self.worker}.jsonl").open("a") as out:
            for path, entry in self.files.items():
                out.write(json.dumps({"file": path, **entry, "worker": self.worker}) + "\n")


def pytest_configure(config: pytest.Config) -> None:
    subprocess.Popen.__init__ = _counting_init  # type: ignore[method-assign]
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker is not None or not config.getoption("numprocesses", None):
        config.pluginmanager.register(FileBudget(worker or "main"), "cpu_budget_files")


def table(rows: list[dict[str, Any]], top: int) -> str:
    """Markdown table of the ``top`` files by CPU seconds, with a total line."""
    rows = sorted(rows, key=lambda r: -r["cpu"])
    lines = [
        "| file | tests | wall s | CPU s | of which pytest itself | processes started |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for r in rows[:top]:
        started = ", ".join(
            f"{k} {v}" for k, v in sorted(r["started"].items(), key=lambda kv: -kv[1])
        )
        lines.append(
            f"| {r['file']} | {r['tests']} | {r['wall']:.0f} | {r['cpu']:.0f} | "
            f"{r.get('own', 0):.0f} | {started} |"
        )
    rest = rows[top:]
    if rest:
        lines.append(
            f"| {len(rest)} other files | {sum(r['tests'] for r in rest)} | "
            f"{sum(r['wall'] for r in rest):.0f} | {sum(r['cpu'] for r in rest):.0f} | "
            f"{sum(r.get('own', 0) for r in rest):.0f} | |"
        )
    lines.append(
        f"| **all** | {sum(r['tests'] for r in rows)} | {sum(r['wall'] for r in rows):.0f} | "
        f"{sum(r['cpu'] for r in rows):.0f} | {sum(r.get('own', 0) for r in rows):.0f} | |"
    )
    return "\n".join(lines)


def last_files(rows: list[dict[str, Any]], count: int) -> str:
    """The ``count`` files that ended last: worker, start and end (s after the first start)."""
    zero = min(r["from"] for r in rows)
    lines = ["| file | worker | from s | until s |", "|---|---|---:|---:|"]
    for r in sorted(rows, key=lambda r: r["until"])[-count:]:
        lines.append(
            f"| {r['file']} | {r['worker']} | {r['from'] - zero:.0f} | {r['until'] - zero:.0f} |"
        )
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    """``python -m tests.cpu_budget [DIR] [TOP]``: the table of the files' lines in DIR, then
    the eight files that ended last."""
    directory = Path(argv[0]) if argv else OUT_DIR
    top = int(argv[1]) if len(argv) > 1 else 30
    rows = [json.loads(line) for f in sorted(directory.glob("*.jsonl")) for line in f.open()]
    print(table(rows, top))
    if rows and "from" in rows[0]:
        print()
        print(last_files(rows, 8))


if __name__ == "__main__":
    main(sys.argv[1:])
