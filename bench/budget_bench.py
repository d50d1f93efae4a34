"""Request budget (issue 22): a first run capped, continued until done, against one uncapped run.

One simulator at 0 ms latency (limits off) holds ``contacts`` contacts and 10 % as many
meetings; the tap syncs both with the pair meetings↔contacts (both directions) and its default
property history, reference data off (read whole every run, measured elsewhere). Each
repetition runs the tap once without a budget from an empty state, then again from an empty
state with ``request_budget`` = a third of that run's requests, each run from the previous
one's final state, until every full read is complete. The simulator counts the requests.

Reported per repetition: runs, requests summed, the ratio to the uncapped run's (goal ≤ 1.05)
and whether the capped runs emitted exactly the uncapped run's keys per stream (object
records, association rows, history rows). Standalone::

    python -m bench.budget_bench [--contacts 20000] [--runs 3]

writes ``bench-results/budget-<contacts>.json`` and prints the markdown.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: bench/budget_bench.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hubspot_simulator.testing import SimulatorProcess

from bench.common import RESULTS_DIR, VENV_BIN, log_path, median, progress

TAP = VENV_BIN / "tap-hubspot-assoc"
GOAL = 1.05
MAX_RUNS = 30
KEYS = {
    "associations": ("from_object_id", "to_object_id", "association_type_id"),
    "property_history": ("object_id", "property_name", "changed_at", "same_time_seq"),
}


@dataclass(frozen=True)
class BudgetPlan:
    """Sizes of the request-budget benchmark."""

    contacts: int
    runs: int


def _key(stream: str, record: dict[str, Any]) -> str:
    for suffix, fields in KEYS.items():
        if stream.endswith(suffix):
            return json.dumps([record.get(f) for f in fields])
    return str(record.get("id"))


def _run_tap(config: dict[str, Any], workdir: Path, tag: str, state: dict[str, Any] | None):
    """One tap run: the keys it emitted per stream and its final state."""
    config_file = workdir / f"{tag}-config.json"
    config_file.write_text(json.dumps(config))
    cmd = [str(TAP), "--config", str(config_file)]
    if state is not None:
        state_file = workdir / f"{tag}-state.json"
        state_file.write_text(json.dumps(state))
        cmd += ["--state", str(state_file)]
    with log_path(tag).open("w") as err:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=err, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{tag}: the tap exited {proc.returncode} (log: {log_path(tag)})")
    keys: dict[str, list[str]] = {}
    final_state: dict[str, Any] = {}
    for line in proc.stdout.splitlines():
        message = json.loads(line)
        if message["type"] == "RECORD":
            stream = message["stream"]
            keys.setdefault(stream, []).append(_key(stream, message["record"]))
        elif message["type"] == "STATE":
            final_state = message["value"]
    return keys, final_state


def _done(state: dict[str, Any]) -> bool:
    bookmarks = state.get("bookmarks", {})
    return all(
        "replication_key_value" in bookmarks.get(t, {}) and "full_read" not in bookmarks[t]
        for t in ("contacts", "meetings")
    )


def _config(sim: SimulatorProcess, **extra: Any) -> dict[str, Any]:
    return {
        "access_token": sim.token,
        "api_url": sim.base_url,
        "object_types": ["contacts", "meetings"],
        "association_pairs": [{"from": "meetings", "to": "contacts"}],
        "reference_data": [],
        "safety_lag_seconds": 0,
        "requests_per_ten_seconds": 100_000,
        "search_requests_per_second": 1_000,
        **extra,
    }


def _repetition(sim: SimulatorProcess, workdir: Path, index: int) -> dict[str, Any]:
    sim.admin.reset_request_counts()
    uncapped, _ = _run_tap(_config(sim), workdir, f"budget-uncapped-{index}", None)
    uncapped_requests = int(sim.admin.request_counts()["total"])
    budget = max(1, uncapped_requests // 3)
    progress(f"budget: uncapped {uncapped_requests} requests; capped at {budget} per run")
    emitted: dict[str, list[str]] = {}
    state: dict[str, Any] | None = None
    per_run: list[int] = []
    for run in range(MAX_RUNS):
        sim.admin.reset_request_counts()
        tag = f"budget-capped-{index}-{run}"
        keys, state = _run_tap(_config(sim, request_budget=budget), workdir, tag, state)
        per_run.append(int(sim.admin.request_counts()["total"]))
        for stream, values in keys.items():
            emitted.setdefault(stream, []).extend(values)
        if _done(state):
            break
    summed = sum(per_run)
    same = {
        stream: sorted(set(emitted.get(stream, []))) == sorted(set(values))
        for stream, values in uncapped.items()
    }
    twice = {
        stream: len(emitted[stream]) - len(set(emitted[stream]))
        for stream in ("contacts", "meetings")
    }
    return {
        "uncapped_requests": uncapped_requests,
        "budget": budget,
        "runs": len(per_run),
        "requests_per_run": per_run,
        "requests_summed": summed,
        "ratio": summed / uncapped_requests,
        "same_keys": all(same.values()) and set(emitted) <= set(uncapped),
        "streams": sorted(uncapped),
        "objects_emitted_twice": twice,
    }


def measure(plan: BudgetPlan, workdir: Path) -> dict[str, Any]:
    """Every repetition on one simulator (the dataset does not change between runs)."""
    meetings = max(1, plan.contacts // 10)
    reps = []
    with SimulatorProcess(contacts=plan.contacts, meetings=meetings, rate_limit=False) as sim:
        for index in range(plan.runs):
            reps.append(_repetition(sim, workdir, index))
            progress(
                f"budget repetition {index + 1}: {reps[-1]['runs']} runs, ratio "
                f"{reps[-1]['ratio']:.3f}"
            )
    return {"plan": asdict(plan), "meetings": meetings, "repetitions": reps}


def render(results: dict[str, Any], commit: str | None) -> list[str]:
    """The BENCHMARKS.md section."""
    plan, reps = results["plan"], results["repetitions"]
    ratio = median(r["ratio"] for r in reps)
    lines = [
        "## Request budget (issue 22)",
        "",
        f"Measured at `{commit or 'this commit'}` by `python -m bench --only budget` "
        f"(`bench/budget_bench.py`): {plan['contacts']:,} contacts and "
        f"{results['meetings']:,} meetings at 0 ms, the pair meetings↔contacts, the default "
        "property history, reference data off. An uncapped first run, then a first run capped "
        "at a third of the uncapped run's requests, continued (each run from the last one's "
        f"state) until every full read is complete. {len(reps)} repetition(s), median ratio "
        f"**{ratio:.3f}x** (goal ≤ {GOAL}x).",
        "",
        "| repetition | uncapped requests | budget per run | runs | requests per run | "
        "summed | ratio | same keys per stream | objects emitted twice |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for index, r in enumerate(reps, 1):
        per_run = " + ".join(str(n) for n in r["requests_per_run"])
        twice = sum(r["objects_emitted_twice"].values())
        lines.append(
            f"| {index} | {r['uncapped_requests']:,} | {r['budget']:,} | {r['runs']} | "
            f"{per_run} | {r['requests_summed']:,} | {r['ratio']:.3f} | "
            f"{'yes' if r['same_keys'] else 'NO'} | {twice} |"
        )
    lines += [
        "",
        "Each continued run repeats the sync's start (properties and association labels per "
        "type, one count per completed type) and cuts one association batch (1,000 parents) "
        "short; every list page and history batch is read once over all runs.",
        "",
    ]
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    plan = BudgetPlan(contacts=args.contacts, runs=args.runs)
    with tempfile.TemporaryDirectory(prefix="budget-bench-") as tmp:
        results = measure(plan, Path(tmp))
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / f"budget-{plan.contacts}.json"
    out.write_text(json.dumps(results, indent=1))
    print("\n".join(render(results, _commit())))


def _commit() -> str:
    return subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()


if __name__ == "__main__":
    main()
