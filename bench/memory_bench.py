"""Peak RSS of the tap process alone for full syncs at growing sizes (issue 14: flat from 10k to
1M contacts, under 250 MB).

Each size is a full sync of contacts + meetings (30 % of the contacts) + both association
directions (meetings↔contacts), the tap's default settings, against a simulator with its rate
limits off and latency off (so 1M contacts finishes in minutes). The tap's stdout is counted by
``bench.singer_reader`` (nothing stored); its peak RSS is ``ru_maxrss`` read by
``bench/rss_wrapper.py`` (the tap alone: the simulator and the reader are other processes).
The simulator's own start-up time and RSS are recorded too (can it hold the size?).

Long (~10 min at 1M on 2 cores): ``python -m bench`` runs it unless ``BENCH_SKIP_MEMORY=1``.
Standalone::

    python -m bench.memory_bench [--sizes 10000,100000,1000000] [--runs 1]

or ``BENCH_MEMORY_SIZES`` / ``BENCH_MEMORY_RUNS``; writes ``bench-results/memory.{json,md}``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: bench/memory_bench.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hubspot_simulator.testing import SimulatorProcess

from bench.common import measured_commit, median, progress, write_results
from bench.tap_bench import UNLIMITED_ARGS, _config, _requests, run_tap

GOAL_MB, GOAL_FLAT = 250.0, 1.10  # under 250 MB; largest size's peak ≤ 1.1x the smallest's


@dataclass(frozen=True)
class MemoryPlan:
    """Sizes (contacts) and repetitions of the memory benchmark."""

    sizes: tuple[int, ...] = (10_000, 100_000, 1_000_000)
    runs: int = 1
    meetings_per_contact: float = 0.3


def plan_from_env(sizes: tuple[int, ...], runs: int) -> MemoryPlan:
    """The plan, with ``BENCH_MEMORY_SIZES`` (comma list) / ``BENCH_MEMORY_RUNS`` overriding."""
    env_sizes = os.environ.get("BENCH_MEMORY_SIZES")
    return MemoryPlan(
        sizes=tuple(int(s) for s in env_sizes.split(",")) if env_sizes else sizes,
        runs=int(os.environ.get("BENCH_MEMORY_RUNS") or runs),
    )


def skipped() -> bool:
    """``BENCH_SKIP_MEMORY`` set to anything but empty/0/false."""
    return os.environ.get("BENCH_SKIP_MEMORY", "").strip().lower() not in ("", "0", "false", "no")


def _status_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def measure(plan: MemoryPlan, workdir: Path) -> dict[str, Any]:
    """Every size, ``plan.runs`` full syncs each."""
    points = []
    for contacts in plan.sizes:
        meetings = int(contacts * plan.meetings_per_contact)
        progress(f"memory: starting a simulator with {contacts:,} contacts, {meetings:,} meetings")
        started = time.monotonic()
        with SimulatorProcess(
            contacts=contacts,
            meetings=meetings,
            appointments=0,
            rate_limit=False,
            extra_args=UNLIMITED_ARGS[1:],
            startup_timeout=1800,
        ) as sim:
            sim_start = time.monotonic() - started
            pid = sim._proc.pid if sim._proc else 0  # its RSS, read from /proc
            sim_rss_start = _status_kb(pid, "VmRSS") / 1024
            cfg = _config(sim, workdir / f"memory-{contacts}.json")
            counts = sim.admin.info()["counts"]
            runs = []
            for i in range(plan.runs):
                sim.admin.reset_request_counts()
                res = run_tap(cfg, f"memory-{contacts}-{i}")
                res.pop("state", None)
                res["requests"] = _requests(sim)["total"]
                runs.append(res)
                progress(
                    f"memory: {contacts:,} contacts run {i + 1}/{plan.runs}: peak "
                    f"{res['max_rss_mb']:.0f} MB, {res['records']:,} records in "
                    f"{res['seconds']:.1f} s, {res['requests']:,} requests"
                )
            sim_peak = _status_kb(pid, "VmHWM") / 1024
        points.append(
            {
                "contacts": contacts,
                "meetings": meetings,
                "active": {t: counts[t]["active"] for t in ("contacts", "meetings")},
                "runs": runs,
                "max_rss_mb": median(r["max_rss_mb"] for r in runs),
                "seconds": median(r["seconds"] for r in runs),
                "records": median(r["records"] for r in runs),
                "requests": median(r["requests"] for r in runs),
                "simulator": {
                    "start_seconds": sim_start,
                    "rss_mb_after_start": sim_rss_start,
                    "peak_rss_mb": sim_peak,
                },
            }
        )
    return {"plan": asdict(plan), "points": points}


def _duration(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def render(mem: dict[str, Any], commit: str | None = None) -> list[str]:
    """The markdown section of a memory measurement."""
    points = mem["points"]
    at = f" at commit `{commit}`" if commit else ""
    lines = [
        "## Tap memory: full syncs from 10k to 1M contacts (issue 14)",
        "",
        "Peak RSS of the tap process alone (`ru_maxrss` through `bench/rss_wrapper.py`; output "
        "counted and discarded), full sync of contacts + 30 % as many meetings + both "
        "association directions, tap defaults, simulator limits and latency off"
        f"{at}; median of {mem['plan']['runs']} run(s) per size.",
        "",
        "| contacts | meetings | records | requests | wall | records/s | tap peak RSS | "
        "goal < 250 MB | simulator start | simulator peak RSS |",
        "|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|",
    ]
    for p in points:
        ok = "yes" if p["max_rss_mb"] < GOAL_MB else "**no**"
        sim = p["simulator"]
        lines.append(
            f"| {p['contacts']:,} | {p['meetings']:,} | {p['records']:,.0f} | "
            f"{p['requests']:,.0f} | {_duration(p['seconds'])} | "
            f"{p['records'] / p['seconds']:,.0f} | {p['max_rss_mb']:.0f} MB | {ok} | "
            f"{sim['start_seconds']:.0f} s | {sim['peak_rss_mb']:.0f} MB |"
        )
    if len(points) > 1:
        small, large = points[0], points[-1]
        growth = large["max_rss_mb"] / small["max_rss_mb"] if small["max_rss_mb"] else 0
        flat = growth <= GOAL_FLAT and all(p["max_rss_mb"] < GOAL_MB for p in points)
        lines += [
            "",
            f"From {small['contacts']:,} to {large['contacts']:,} contacts the tap's peak goes "
            f"{small['max_rss_mb']:.0f} → {large['max_rss_mb']:.0f} MB ({growth:.2f}x; goal: "
            f"flat, ≤ {GOAL_FLAT}x, and under {GOAL_MB:.0f} MB): "
            f"{'met' if flat else '**not met**'}.",
        ]
    return [*lines, ""]


def main(argv: list[str] | None = None) -> None:
    """Measure, print the markdown, write JSON + markdown under bench-results/."""
    parser = argparse.ArgumentParser(prog="python -m bench.memory_bench", description=__doc__)
    parser.add_argument("--sizes", default=None, help="comma list of contact counts")
    parser.add_argument("--runs", type=int, default=None)
    args = parser.parse_args(argv)
    plan = plan_from_env(MemoryPlan().sizes, MemoryPlan().runs)
    plan = MemoryPlan(
        sizes=tuple(int(s) for s in args.sizes.split(",")) if args.sizes else plan.sizes,
        runs=args.runs or plan.runs,
    )
    commit = measured_commit()
    with tempfile.TemporaryDirectory(prefix="hubspot-memory-") as tmp:
        result = measure(plan, Path(tmp))
    write_results("memory", result, render(result, commit), commit)


if __name__ == "__main__":
    main()
