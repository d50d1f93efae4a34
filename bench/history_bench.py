"""Property history at realistic latency under HubSpot's default limits (issue 23).

One simulator holds ``contacts`` contacts and 30 % as many deals (associated with each other:
the tap syncs ``contacts`` and ``deals`` with the pair deals↔contacts, both directions) at the
simulator's ``realistic`` latency preset and HubSpot's default limits (100 per 10 s, 5
searches/s). Each repetition regenerates the dataset (the same seed: the same records and
histories), runs the tap with its DEFAULT ``property_history`` on a fresh state (full), then
appends one version to 1 % of each type's records through the admin API and runs it again
from the full run's state (incremental). ``reference_data`` is off: issue 20's reads are
measured elsewhere; this measures object, association and history reads.

Requests are counted per kind by the simulator and compared with the minimum plan (list
pages + association batch reads + one history batch read per 50 records read, per type with
history; ``bench.history_report``), wall time with ``budget_seconds`` of that plan. History
rows emitted are compared with the versions the simulator answers for those records (its
ground-truth dump). Standalone (``python -m bench --only history`` embeds the same)::

    python -m bench.history_bench [--contacts 100000] [--runs 3]
    python -m bench.history_bench --render bench-results/history-100000.json  # markdown again

or ``BENCH_HISTORY_CONTACTS`` / ``BENCH_HISTORY_RUNS``; writes
``bench-results/history-<contacts>.{json,md}`` and prints the markdown.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: bench/history_bench.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hubspot_simulator.testing import SimulatorProcess
from tap_hubspot_assoc.history.config import DEFAULT_PROPERTY_HISTORY, OTHER_TYPES

from bench import history_report
from bench.common import RESULTS_DIR, log_path, progress
from bench.history_report import DIRECTIONS, TYPES
from bench.tap_bench import _requests, full_minimum, incremental_minimum, run_tap

PAIR = {"from": "deals", "to": "contacts"}
# The change of an incremental run: one new version of a default-set property per record.
CHANGES = {"contacts": ("hs_lead_status", "IN_PROGRESS"), "deals": ("amount", "25000")}
HISTORY_BATCH = 50  # HubSpot: at most 50 records per request that asks for history


@dataclass(frozen=True)
class HistoryPlan:
    """Size, repetitions and change of the property-history benchmark."""

    contacts: int = 100_000
    runs: int = 3
    deals_per_contact: float = 0.3
    change_fraction: float = 0.01
    latency: str = "realistic"  # the simulator's latency preset
    project_contacts: int = 1_000_000

    @property
    def deals(self) -> int:
        """Deals generated (30 % of the contacts)."""
        return int(self.contacts * self.deals_per_contact)


def plan_from_env(contacts: int, runs: int) -> HistoryPlan:
    """The plan, with ``BENCH_HISTORY_CONTACTS`` / ``BENCH_HISTORY_RUNS`` overriding."""
    return HistoryPlan(
        contacts=int(os.environ.get("BENCH_HISTORY_CONTACTS") or contacts),
        runs=int(os.environ.get("BENCH_HISTORY_RUNS") or runs),
    )


def history_properties(sim: SimulatorProcess) -> dict[str, list[str]]:
    """The tap's default set for the synced types, less the names a type lacks (the tap skips
    those: contacts have no ``hubspot_owner_id`` in the simulator)."""
    chosen: dict[str, list[str]] = {}
    for t in TYPES:
        names = {p["name"] for p in sim.admin.properties_truth(t)["properties"]}
        wanted = DEFAULT_PROPERTY_HISTORY.get(t, DEFAULT_PROPERTY_HISTORY[OTHER_TYPES])
        if kept := [n for n in wanted if n in names]:
            chosen[t] = kept
    return chosen


def tap_history_properties(log: Path) -> dict[str, list[str]]:
    """The properties the tap said it keeps history of (its cost line, in its log)."""
    m = re.search(r"Property history of (.+?)\. Cost:", log.read_text(errors="replace"))
    if not m:
        return {}
    pairs = (part.split(": ", 1) for part in m.group(1).split("; "))
    return {name: props.split(", ") for name, props in pairs}


def versions_per_record(sim: SimulatorProcess, props: dict[str, list[str]]) -> dict[str, Any]:
    """Per type, every active record's number of versions the API answers (capped)."""
    return {
        t: {
            rid: sum(len(v) for v in per.values())
            for rid, per in sim.admin.history_snapshot(t, names).items()
        }
        for t, names in props.items()
    }


def minimum_full(sim: SimulatorProcess, props: dict[str, list[str]]) -> dict[str, int]:
    """Issue 14's minimum for these types and directions plus ceil(active/50) history reads."""
    by_endpoint = full_minimum(sim, TYPES, DIRECTIONS)
    counts = sim.admin.info()["counts"]
    for t in props:
        by_endpoint[history_report.history_key(t)] = math.ceil(counts[t]["active"] / HISTORY_BATCH)
    return by_endpoint


def minimum_incremental(changed: dict[str, int], props: dict[str, list[str]]) -> dict[str, int]:
    """Issue 14's incremental minimum plus ceil(changed/50) history reads per type."""
    by_endpoint = incremental_minimum(changed, DIRECTIONS)
    for t in props:
        by_endpoint[history_report.history_key(t)] = math.ceil(changed[t] / HISTORY_BATCH)
    return by_endpoint


def change(
    sim: SimulatorProcess, props: dict[str, list[str]], ids: dict[str, Any], fraction: float
) -> dict[str, Any]:
    """Append one version to ``fraction`` of each type's active records (spread over the ids,
    one millisecond apart, ending 2 s ago); return how many and the versions the API now
    answers for them (what the incremental run must emit)."""
    out: dict[str, Any] = {"changed": {}, "expected_rows": {}}
    for t, (prop, value) in CHANGES.items():
        pool = sorted(ids[t], key=int)
        n = max(1, int(len(pool) * fraction))
        chosen = pool[:: max(1, len(pool) // n)][:n]
        start = int(time.time() * 1000) - 2000 - n
        for k, rid in enumerate(chosen):
            sim.admin.update_property(t, rid, {prop: value}, at=start + k, source_type="API")
        out["changed"][t] = n
        out["expected_rows"][t] = sum(
            sum(len(v) for v in sim.admin.history(t, rid, props[t]).values()) for rid in chosen
        )
    return out


def _config(sim: SimulatorProcess, path: Path) -> Path:
    """Tap defaults (limits, concurrency, read plan, ``property_history`` left unset) except:
    no reference data, and windows that hold exactly the changed records (no lookback, no
    safety lag: the changes end 2 s before the run)."""
    cfg = {
        "access_token": sim.token,
        "api_url": sim.base_url,
        "object_types": list(TYPES),
        "association_pairs": [PAIR],
        "reference_data": [],
        "safety_lag_seconds": 0,
        "lookback_minutes": 0,
    }
    path.write_text(json.dumps(cfg))
    return path


def _run(
    sim: SimulatorProcess, cfg: Path, tag: str, state: dict[str, Any] | None
) -> dict[str, Any]:
    sim.admin.set_rate_limits(enabled=True)  # empty windows: every run starts on a quiet account
    sim.admin.reset_request_counts()
    res = run_tap(cfg, tag, state=state)
    req = _requests(sim)
    kinds = history_report.kinds(req["by_endpoint"])
    return {
        "seconds": res["seconds"],
        "max_rss_mb": res["max_rss_mb"],
        "records": res["records"],
        "streams": {s: v["records"] for s, v in res["streams"].items()},
        "history_rows": {
            t: res["streams"].get(f"{t}_property_history", {}).get("records", 0) for t in TYPES
        },
        "burst": req["total"] - kinds["search"],
        "search": kinds["search"],
        "kinds": kinds,
        "answered_429": int(req["statuses"].get("429", 0)),
        "errors_4xx_5xx": sum(n for s, n in req["statuses"].items() if int(s) >= 400),
        "max_in_flight": sim.admin.request_counts().get("maxInFlight"),
        "by_endpoint": req["by_endpoint"],
        "state": res["state"],
    }


def _line(mode: str, i: int, n: int, r: dict[str, Any], bound: float, m: dict[str, int]) -> str:
    rows = sum(r["history_rows"].values())
    return (
        f"history {mode} run {i + 1}/{n}: {r['seconds']:.1f} s (bound {bound:.0f} s), "
        f"burst {r['burst']} / search {r['search']} (minimum {m['burst']} / {m['search']}), "
        f"history reads {r['kinds']['history_batch_read']} (minimum "
        f"{m['history_batch_read']}), history rows {rows:,} (expected {r['expected_rows']:,}), "
        f"{r['answered_429']} x 429, peak {r['max_rss_mb']:.0f} MB, "
        f"{r['max_in_flight']} in flight"
    )


def measure(plan: HistoryPlan, workdir: Path) -> dict[str, Any]:
    """``plan.runs`` first runs, each followed by an incremental run, against one simulator."""
    out: dict[str, Any] = {"plan": asdict(plan), "load_average": [os.getloadavg()], "runs": []}
    started = time.monotonic()
    with SimulatorProcess(
        contacts=plan.contacts, meetings=0, appointments=0, deals=plan.deals, startup_timeout=600
    ) as sim:
        out["simulator_start_seconds"] = time.monotonic() - started
        props = history_properties(sim)
        out["history_properties"] = props
        cfg = _config(sim, workdir / "history.json")
        for i in range(plan.runs):
            if i:  # the same seed again: the records and histories of the first repetition
                sim.admin.regenerate(
                    contacts=plan.contacts, meetings=0, appointments=0, deals=plan.deals
                )
            sim.admin.set_latency(plan.latency, seed=7 + i)
            truth = versions_per_record(sim, props)
            full_min = history_report.summarize(minimum_full(sim, props))
            out.setdefault("active", {t: len(v) for t, v in truth.items()})
            out.setdefault("full_minimum", full_min)
            bound = history_report.bound(full_min)
            full = _run(sim, cfg, f"history-full-{i}", None)
            full["expected_rows"] = sum(sum(v.values()) for v in truth.values())
            full["expected_by_type"] = {t: sum(v.values()) for t, v in truth.items()}
            full["minimum_matches_first"] = full_min == out["full_minimum"]
            full["tap_history_properties"] = tap_history_properties(log_path(f"history-full-{i}"))
            progress(_line("full", i, plan.runs, full, bound, full_min))
            if full["tap_history_properties"] != props:
                progress(f"WARNING: the tap keeps {full['tap_history_properties']}, not {props}")
            changed = change(sim, props, truth, plan.change_fraction)
            inc_min = history_report.summarize(minimum_incremental(changed["changed"], props))
            incr = _run(sim, cfg, f"history-incremental-{i}", full.pop("state"))
            incr.pop("state")
            incr |= {
                "changed": changed["changed"],
                "expected_by_type": changed["expected_rows"],
                "expected_rows": sum(changed["expected_rows"].values()),
                "minimum": inc_min,
            }
            out.setdefault("incremental_minimum", inc_min)
            inc_bound = history_report.bound(inc_min)
            progress(_line("incremental", i, plan.runs, incr, inc_bound, inc_min))
            out["runs"].append({"full": full, "incremental": incr})
        out["association_records"] = sum(
            len(sim.admin.association_snapshot(a, b)) for a, b in DIRECTIONS
        )
    out["load_average"].append(os.getloadavg())
    out["summary"] = history_report.summary(out)
    out["projection"] = history_report.project(out, plan.project_contacts)
    return out


def main(argv: list[str] | None = None) -> None:
    """Measure, print the markdown, write JSON + markdown under bench-results/."""
    parser = argparse.ArgumentParser(prog="python -m bench.history_bench", description=__doc__)
    parser.add_argument("--contacts", type=int, default=None)
    parser.add_argument("--runs", type=int, default=None)
    parser.add_argument("--render", type=Path, help="print the markdown of a saved JSON result")
    args = parser.parse_args(argv)
    if args.render:
        saved = json.loads(args.render.read_text())
        print("\n".join(history_report.render(saved, saved.get("commit"))))
        return
    plan = plan_from_env(100_000, 3)
    plan = HistoryPlan(contacts=args.contacts or plan.contacts, runs=args.runs or plan.runs)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    progress(f"history bench at commit {commit}: {plan}")
    with tempfile.TemporaryDirectory(prefix="hubspot-history-") as tmp:
        result = measure(plan, Path(tmp))
    result["commit"] = commit
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stem = RESULTS_DIR / f"history-{plan.contacts}"
    stem.with_suffix(".json").write_text(json.dumps(result, indent=1, default=str))
    text = "\n".join(history_report.render(result, commit))
    stem.with_suffix(".md").write_text(text)
    print(text)
    progress(f"wrote {stem}.json and {stem}.md")


if __name__ == "__main__":
    main()
