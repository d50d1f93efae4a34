"""Run the benchmarks and write BENCHMARKS.md + plots.

Usage (from the repository root, after ``make install``)::

    .venv/bin/python -m bench                 # everything (about 2 h on 2 cores)
    .venv/bin/python -m bench --quick         # small sizes, a few minutes
    .venv/bin/python -m bench --only tap --runs 1
    .venv/bin/python -m bench --only latency  # issue 14: 100k contacts, 0 ms and realistic
    .venv/bin/python -m bench --only history  # issue 23: property history, 100k contacts
    BENCH_SKIP_MEMORY=1 .venv/bin/python -m bench   # everything but the long memory bench

Parts: target, tap, e2e, latency (``bench.latency_bench``: 100k contacts + 30k meetings under
HubSpot's limits at 0 ms and realistic latency; ``BENCH_LATENCY_CONTACTS``,
``BENCH_LATENCY_RUNS`` [--runs], ``BENCH_LATENCY_CASES``), memory (``bench.memory_bench``: the
tap's peak RSS for full syncs of 10k, 100k, 1M contacts; ``BENCH_MEMORY_SIZES``,
``BENCH_MEMORY_RUNS`` [1]; skipped when ``BENCH_SKIP_MEMORY=1`` unless named by ``--only``),
history (``bench.history_bench``: property history with the default set, first run and an
incremental run with 1 % changed, 100k contacts + 30k deals at realistic latency under
HubSpot's limits; ``BENCH_HISTORY_CONTACTS``, ``BENCH_HISTORY_RUNS`` [--runs]), budget
(``bench.budget_bench``: issue 22, a first run capped by ``request_budget`` and continued
against one uncapped run, 20k contacts + 2k meetings at 0 ms), skewed (``bench.skewed_bench``:
issue 22, full reads of 10k and 100k contacts with the simulator's realistic ids at 0 ms and
realistic latency; ``BENCH_SKEWED_SIZES``, ``BENCH_SKEWED_RUNS`` [--runs]), portal
(``bench.portal_bench``: issue 22, ``object_types: all`` on the whole-portal preset scaled to
20k contacts, ``--discover`` + sync at realistic latency and 0 ms; ``BENCH_PORTAL_CONTACTS``,
``BENCH_PORTAL_RUNS`` [--runs]).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: bench/run_all.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline_devtools.postgres import find_database, redact_url

from bench import (
    budget_bench,
    e2e_bench,
    history_bench,
    latency_bench,
    memory_bench,
    portal_bench,
    report,
    skewed_bench,
    tap_bench,
    target_bench,
)
from bench.common import PLOTS_DIR, RESULTS_DIR, ROOT, progress

PARTS = ("target", "tap", "e2e", "latency", "memory", "history", "budget", "skewed", "portal")


def plans(quick: bool, runs: int) -> dict[str, Any]:
    """Sizes per part: the full benchmark, or a smoke run."""
    few = max(1, runs // 3)  # the long single loads are run fewer times
    if quick:
        return {
            "target": target_bench.TargetPlan(
                20_000, 100_000, runs, 2_000, 5_000, 1, refresh_contacts=5_000
            ),
            "tap": tap_bench.TapPlan(
                contacts=5_000,
                runs=runs,
                change_fraction=0.01,
                memory_sizes=(2_000, 10_000, 50_000),
                full_memory_sizes=(2_000,),
                limited_contacts=3_000,
            ),
            "e2e": e2e_bench.E2EPlan(contacts=3_000, runs=1, change_fraction=0.01),
            "latency": latency_bench.plan_from_env(10_000, runs),  # bound > 0: > 100 requests
            "memory": memory_bench.plan_from_env((2_000, 10_000), 1),
            "history": history_bench.plan_from_env(5_000, runs),  # 203 burst: bound > 0
            "budget": budget_bench.BudgetPlan(contacts=3_000, runs=runs),
            "skewed": skewed_bench.plan_from_env((3_000,), runs),
            "portal": portal_bench.plan_from_env(2_000, runs),
        }
    return {
        "target": target_bench.TargetPlan(
            200_000,
            1_000_000,
            runs,
            200_000,
            50_000,
            1,
            association_runs=few,
            refresh_contacts=205_000,  # the contacts size, but not a multiple of the 10k batch
        ),
        "tap": tap_bench.TapPlan(
            contacts=100_000,
            runs=runs,
            change_fraction=0.01,
            memory_sizes=(10_000, 100_000, 1_000_000),
            full_memory_sizes=(10_000,),
            limited_contacts=30_000,
        ),
        "e2e": e2e_bench.E2EPlan(contacts=50_000, runs=runs, change_fraction=0.01),
        "latency": latency_bench.plan_from_env(100_000, runs),
        "memory": memory_bench.plan_from_env((10_000, 100_000, 1_000_000), 1),
        "history": history_bench.plan_from_env(100_000, runs),
        "budget": budget_bench.BudgetPlan(contacts=20_000, runs=runs),
        "skewed": skewed_bench.plan_from_env((10_000, 100_000), runs),
        "portal": portal_bench.plan_from_env(20_000, runs),
    }


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> None:
    """Parse options, run the selected parts, write results and the report."""
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke run)")
    parser.add_argument(
        "--only",
        choices=PARTS,
        action="append",
        help="run only this part (repeatable); other parts keep their "
        "previous results in the report",
    )
    parser.add_argument(
        "--runs", type=int, default=None, help="repetitions for medians [3; 1 with --quick]"
    )
    args = parser.parse_args(argv)
    args.runs = args.runs or (1 if args.quick else 3)
    # SIGTERM unwinds like Ctrl-C, so simulators are stopped and scratch schemas dropped.
    signal.signal(signal.SIGTERM, _interrupt)
    parts = args.only or list(PARTS)
    if not args.only and memory_bench.skipped():
        parts.remove("memory")
        progress("memory bench skipped (BENCH_SKIP_MEMORY)")
    label = "quick" if args.quick else "full"
    out_dir = RESULTS_DIR / label if args.quick else ROOT
    plots_dir = RESULTS_DIR / "quick" / "plots" if args.quick else PLOTS_DIR
    results_file = RESULTS_DIR / f"results-{label}.json"
    results: dict[str, Any] = {}
    if results_file.exists() and args.only:
        results = json.loads(results_file.read_text())
    plan = plans(args.quick, args.runs)
    db = find_database()
    progress(
        f"{label} benchmark of {', '.join(parts)}; PostgreSQL: {redact_url(db.url)} "
        f"({db.origin}); results in {results_file}"
    )
    results["environment"] = report.environment(db)
    results["mode"] = label
    results.setdefault("seconds", {})
    with tempfile.TemporaryDirectory(prefix="hubspot-bench-") as tmp:
        workdir = Path(tmp)
        for part in parts:
            started = time.monotonic()
            progress(f"=== {part} ===")
            if part == "target":
                results["target"] = target_bench.run(plan["target"], db, workdir)
            elif part == "tap":
                results["tap"] = tap_bench.run(plan["tap"], workdir)
            elif part == "latency":
                results["latency"] = latency_bench.measure(plan["latency"], workdir)
            elif part == "memory":
                results["memory"] = memory_bench.measure(plan["memory"], workdir)
            elif part == "history":
                results["history"] = history_bench.measure(plan["history"], workdir)
            elif part == "budget":
                results["budget"] = budget_bench.measure(plan["budget"], workdir)
            elif part == "skewed":
                results["skewed"] = skewed_bench.measure(plan["skewed"], workdir)
            elif part == "portal":
                results["portal"] = portal_bench.measure(plan["portal"], workdir)
            else:
                results["e2e"] = e2e_bench.run(plan["e2e"], db, workdir)
            results["seconds"][part] = time.monotonic() - started
            results.setdefault("commits", {})[part] = results["environment"]["commit"]
            RESULTS_DIR.mkdir(parents=True, exist_ok=True)
            results_file.write_text(json.dumps(results, indent=1, default=str))
    results["command"] = "python -m bench " + " ".join(argv if argv is not None else sys.argv[1:])
    results_file.write_text(json.dumps(results, indent=1, default=str))
    report.write(results, out_dir / "BENCHMARKS.md", plots_dir)
    print(report.summary(results))
    progress(f"wrote {out_dir / 'BENCHMARKS.md'} and plots in {plots_dir}")


if __name__ == "__main__":
    main()
