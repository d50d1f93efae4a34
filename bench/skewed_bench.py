"""Full reads of contacts whose ids are not uniform (issue 22): the simulator's ``realistic``
id layout (eras of small and 11-digit ids, dense import blocks, holes, a few outliers).

For each size, one simulator with HubSpot's default limits; the tap reads contacts only (no
associations, history or reference data), with its default settings, ``runs`` times at 0 ms
and ``runs`` times at the simulator's ``realistic`` latency (rate-limit windows emptied before
every run). At 0 ms the requests are compared with the minimum plan (a list page per 100
contacts, the properties request and the parity count: ``bench.tap_bench.full_minimum``); at
realistic latency the wall time with ``bench.tap_bench.budget_seconds`` of that minimum (the
rate-limit bound). The table shows medians; the JSON keeps every run, the planner's log lines
and the load average before and after each run (the machine may be shared).

Standalone (what ``python -m bench --only skewed`` embeds in BENCHMARKS.md)::

    python -m bench.skewed_bench [--sizes 10000,100000] [--runs 3]

or with ``BENCH_SKEWED_SIZES`` and ``BENCH_SKEWED_RUNS``. It prints the section's markdown and
writes ``bench-results/skewed.{json,md}``. ``BENCH_COMMIT`` names the code measured when it is
not HEAD's working tree (a ``git archive`` put first on PYTHONPATH).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: bench/skewed_bench.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hubspot_simulator.testing import SimulatorProcess

from bench.common import log_path, measured_commit, median, progress, write_results
from bench.tap_bench import (
    BURST_WINDOW_S,
    _kind_totals,
    _requests,
    budget_seconds,
    full_minimum,
    run_tap,
)

GOAL_RATIO, GOAL_REQUESTS = 1.15, 1.05  # issue 22: realistic wall / bound; 0 ms requests / min
LATENCIES = ("off", "realistic")


@dataclass(frozen=True)
class SkewedPlan:
    """Sizes and repetitions of the skewed-ids benchmark."""

    sizes: tuple[int, ...] = (10_000, 100_000)
    runs: int = 3


def plan_from_env(sizes: tuple[int, ...], runs: int) -> SkewedPlan:
    """The plan, with ``BENCH_SKEWED_SIZES`` (comma list) / ``BENCH_SKEWED_RUNS`` overriding."""
    env_sizes = os.environ.get("BENCH_SKEWED_SIZES")
    return SkewedPlan(
        sizes=tuple(int(s) for s in env_sizes.split(",")) if env_sizes else sizes,
        runs=int(os.environ.get("BENCH_SKEWED_RUNS") or runs),
    )


def _config(sim: SimulatorProcess, path: Path) -> Path:
    cfg = {
        "access_token": sim.token,
        "api_url": sim.base_url,
        "object_types": ["contacts"],
        "association_pairs": [],
        "property_history": "",
        "reference_data": [],
        "safety_lag_seconds": 0,
    }
    path.write_text(json.dumps(cfg))
    return path


def _id_spread(sim: SimulatorProcess) -> dict[str, Any]:
    """Where the contacts' ids lie: quantiles, and the share an even id split gives range 1."""
    objects = sim.admin.snapshot("contacts")["objects"]
    ids = sorted(int(o["id"]) for o in objects if not o["archived"])
    n = len(ids)
    q = {f"p{p}": ids[min(n - 1, n * p // 100)] for p in (0, 50, 90, 95, 99)}
    first_fifth = ids[0] + (ids[-1] - ids[0]) // 5
    return {**q, "max": ids[-1], "even_split_first_range": sum(i <= first_fifth for i in ids) / n}


def _plan_lines(tag: str) -> list[str]:
    try:
        text = log_path(tag).read_text()
    except OSError:
        return []
    return [
        line.split("Plan contacts: ", 1)[1] for line in text.splitlines() if "Plan contacts" in line
    ]


def _run_once(sim: SimulatorProcess, cfg: Path, latency: str, size: int, i: int) -> dict[str, Any]:
    sim.admin.set_latency(latency, seed=7 + i)
    sim.admin.set_rate_limits(enabled=True)  # empty windows: a quiet account each run
    sim.admin.reset_request_counts()
    load_before = os.getloadavg()[0]
    tag = f"skewed-{size}-{latency}-{i}"
    res = run_tap(cfg, tag)
    req = _requests(sim)
    search = _kind_totals(req["by_endpoint"]).get("search", 0)
    return {
        "seconds": res["seconds"],
        "records": res["records"],
        "burst": req["total"] - search,
        "search": search,
        "answered_429": int(req["statuses"].get("429", 0)),
        "errors_4xx_5xx": sum(n for s, n in req["statuses"].items() if int(s) >= 400),
        "max_in_flight": sim.admin.request_counts().get("maxInFlight"),
        "load_before": load_before,
        "load_after": os.getloadavg()[0],
        "plan": _plan_lines(tag),
    }


def measure(plan: SkewedPlan, workdir: Path) -> dict[str, Any]:
    """Every size, both latencies, ``plan.runs`` times each."""
    out: dict[str, Any] = {"plan": asdict(plan), "sizes": []}
    for size in plan.sizes:
        with SimulatorProcess(
            contacts=size, meetings=0, appointments=0, id_layout="realistic", startup_timeout=600
        ) as sim:
            by_endpoint = full_minimum(sim, types=("contacts",), directions=())
            search = sum(n for k, n in by_endpoint.items() if "/search" in k)
            minimum = {"burst": sum(by_endpoint.values()) - search, "search": search}
            # With the first window free, up to 100 requests have a bound of 0 s; then the
            # ratio is taken against the bound with that window counted (10 s more).
            free = budget_seconds(minimum["burst"], minimum["search"])
            bound = free or free + BURST_WINDOW_S
            entry: dict[str, Any] = {
                "contacts": size,
                "active": sim.admin.info()["counts"]["contacts"]["active"],
                "ids": _id_spread(sim),
                "minimum": minimum,
                "bound_seconds": bound,
                "bound_first_window_free": free,
                "cases": {},
            }
            cfg = _config(sim, workdir / f"skewed-{size}.json")
            for latency in LATENCIES:
                runs = []
                for i in range(plan.runs):
                    runs.append(_run_once(sim, cfg, latency, size, i))
                    r = runs[-1]
                    progress(
                        f"skewed {size:,} {latency} run {i + 1}/{plan.runs}: {r['seconds']:.1f} s "
                        f"(bound {bound:.0f} s), burst {r['burst']} / search {r['search']} "
                        f"(minimum {minimum['burst']} / {minimum['search']}), "
                        f"{r['answered_429']} x 429, load {r['load_before']:.1f}"
                    )
                med = {
                    k: median(r[k] for r in runs)
                    for k in (
                        "seconds",
                        "burst",
                        "search",
                        "answered_429",
                        "errors_4xx_5xx",
                        "records",
                        "load_before",
                    )
                }
                entry["cases"][latency] = {
                    "runs": runs,
                    "median": med,
                    "ratio": med["seconds"] / bound if bound else math.nan,
                    "requests_ratio": (med["burst"] + med["search"])
                    / max(1, minimum["burst"] + minimum["search"]),
                }
            out["sizes"].append(entry)
    return out


def render(result: dict[str, Any], commit: str | None = None) -> list[str]:
    """The markdown section of a skewed-ids measurement."""
    at = f" at commit `{commit}`" if commit else ""
    runs = result["plan"]["runs"]
    lines = [
        "## Skewed ids (issue 22)",
        "",
        "Full read of contacts only (no associations, history or reference data) whose ids the "
        "simulator lays out `realistic` (eras of small and 11-digit ids, dense import blocks, "
        "holes, a few outliers), HubSpot's default limits on the simulator, the tap's default "
        f"settings{at}; medians of {runs} runs per row. Minimum plan: a list page per 100 "
        "contacts, the properties request, the parity count; bound = "
        "`bench.tap_bench.budget_seconds` of that minimum (first window free; when that is 0 s, "
        "as for 10k contacts whose ~100 requests fit the first window, the bound with that "
        "window counted, marked *). Command: "
        "`.venv/bin/python -m bench.skewed_bench` (or `python -m bench --only skewed`).",
        "",
        "| contacts | ids (median / 95th pct / max) | even id split: range 1 holds | latency | "
        "wall | bound | ratio | requests (burst + search) vs minimum | 429s | 4xx/5xx | "
        "load avg |",
        "|---:|---|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    goals = []
    for s in result["sizes"]:
        ids, low = s["ids"], s["minimum"]["burst"] + s["minimum"]["search"]
        mark = "" if s.get("bound_first_window_free") else "*"
        for latency, c in s["cases"].items():
            med = c["median"]
            lines.append(
                f"| {s['active']:,} | {ids['p50']:,} / {ids['p95']:,} / {ids['max']:,} | "
                f"{ids['even_split_first_range']:.0%} | {'0 ms' if latency == 'off' else latency} "
                f"| {med['seconds']:.1f} s | {s['bound_seconds']:.0f} s{mark} | {c['ratio']:.2f} | "
                f"{med['burst']:,.0f} + {med['search']:,.0f} / {low:,} = "
                f"{c['requests_ratio']:.2f}x | {med['answered_429']:.0f} | "
                f"{med['errors_4xx_5xx']:.0f} | {med['load_before']:.1f} |"
            )
            if latency == "off":
                ok = c["requests_ratio"] <= GOAL_REQUESTS and med["answered_429"] == 0
                goals.append(
                    f"{s['active']:,} at 0 ms: requests {c['requests_ratio']:.2f}x the minimum "
                    f"(goal ≤ {GOAL_REQUESTS}x): {'met' if ok else '**not met**'}"
                )
            else:
                ok = c["ratio"] <= GOAL_RATIO and med["answered_429"] == 0
                goals.append(
                    f"{s['active']:,} realistic: wall {c['ratio']:.2f}x the bound "
                    f"(goal ≤ {GOAL_RATIO}x), {med['answered_429']:.0f} 429s: "
                    f"{'met' if ok else '**not met**'}"
                )
    lines += ["", "Goals (issue 22): " + "; ".join(goals) + "."]
    plan_lines = [
        (s["active"], line)
        for s in result["sizes"]
        for line in s["cases"].get("realistic", {"runs": [{}]})["runs"][0].get("plan", [])
    ]
    if plan_lines:
        lines += ["", "The planner's lines (first realistic run of each size):", "", "```"]
        lines += [f"{n:,}: {line}" for n, line in plan_lines]
        lines.append("```")
    return [*lines, ""]


def main(argv: list[str] | None = None) -> None:
    """Measure, print the markdown, write JSON + markdown under bench-results/."""
    parser = argparse.ArgumentParser(prog="python -m bench.skewed_bench", description=__doc__)
    parser.add_argument("--sizes", default=None, help="comma list of contact counts")
    parser.add_argument("--runs", type=int, default=None)
    args = parser.parse_args(argv)
    plan = plan_from_env((10_000, 100_000), 3)
    sizes = tuple(int(s) for s in args.sizes.split(",")) if args.sizes else plan.sizes
    plan = SkewedPlan(sizes=sizes, runs=args.runs or plan.runs)
    commit = measured_commit()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="hubspot-skewed-") as tmp:
        result = measure(plan, Path(tmp))
    result["seconds"] = time.monotonic() - started
    write_results("skewed", result, render(result, commit), commit)


if __name__ == "__main__":
    main()
