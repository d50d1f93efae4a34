"""Full syncs under HubSpot's default limits at 0 ms and at the simulator's realistic latency
(issue 14): wall time against the rate-limit bound of the minimum plan.

Cases (``CASES``): 0 ms with the tap's default settings; realistic latency with
``max_concurrent_requests = 1`` (one request at a time); realistic latency with the defaults.
Each case runs ``runs`` times against one simulator (latency switched through its admin API,
rate-limit windows emptied before every run); the table shows medians, the JSON keeps every
run. Burst requests (list pages, batch reads, properties, labels) and search requests are
counted separately, each against the minimum plan's (``bench.tap_bench.full_minimum``); the
bound is ``bench.tap_bench.budget_seconds`` of that minimum (the first burst window free).
From the measured ratios it projects 1M contacts + 300k meetings + 5M associations at 100 and
190 requests per 10 s.

Standalone (the same measurement ``python -m bench --only latency`` embeds in BENCHMARKS.md)::

    python -m bench.latency_bench [--contacts 100000] [--runs 3] [--cases realistic-1,...]

or with ``BENCH_LATENCY_CONTACTS``, ``BENCH_LATENCY_RUNS``, ``BENCH_LATENCY_CASES``. It prints
the section's markdown and writes ``bench-results/latency-<contacts>.{json,md}``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: bench/latency_bench.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hubspot_simulator.testing import SimulatorProcess

from bench.common import measured_commit, median, progress, write_results
from bench.tap_bench import (
    ASSOC_BATCH,
    BURST_WINDOW_S,
    DIRECTIONS,
    LIST_PAGE,
    PAIR,
    SEARCH_PER_S,
    TAP,
    _kind_totals,
    _requests,
    budget_seconds,
    full_minimum,
    run_tap,
)

GOAL_RATIO, GOAL_REQUESTS = 1.15, 1.05  # issue 14: realistic wall / bound; 0 ms requests / min


@dataclass(frozen=True)
class Case:
    """One configuration: the simulator's latency preset and the tap's concurrency."""

    key: str
    latency: str  # simulator preset: off | realistic
    max_concurrent_requests: int | None  # None: the tap's default (setting left out)

    @property
    def label(self) -> str:
        """``0 ms`` or ``realistic``."""
        return "0 ms" if self.latency == "off" else self.latency


CASES = {
    c.key: c
    for c in (
        Case("0ms-default", "off", None),
        Case("realistic-1", "realistic", 1),
        Case("realistic-default", "realistic", None),
    )
}


@dataclass(frozen=True)
class LatencyPlan:
    """Size, repetitions and cases of the latency benchmark."""

    contacts: int = 100_000
    runs: int = 3
    cases: tuple[str, ...] = tuple(CASES)
    meetings_per_contact: float = 0.3
    project_contacts: int = 1_000_000
    project_meetings: int = 300_000
    project_associations: int = 5_000_000
    project_limits: tuple[int, ...] = (100, 190)
    extra_config: dict[str, Any] = field(default_factory=dict)

    @property
    def meetings(self) -> int:
        """Meetings generated (30 % of the contacts)."""
        return int(self.contacts * self.meetings_per_contact)


def parse_cases(text: str | None) -> tuple[str, ...]:
    """``"0ms-default,realistic-1:1"`` → the case keys, each optionally ``:runs``."""
    if not text:
        return tuple(CASES)
    cases = tuple(c.strip() for c in text.split(",") if c.strip())
    unknown = [c for c in cases if c.partition(":")[0] not in CASES]
    if unknown:
        raise ValueError(f"unknown latency case(s) {unknown}; choose from {list(CASES)}")
    return cases


def plan_from_env(contacts: int, runs: int) -> LatencyPlan:
    """The plan, with ``BENCH_LATENCY_CONTACTS`` / ``_RUNS`` / ``_CASES`` overriding."""
    return LatencyPlan(
        contacts=int(os.environ.get("BENCH_LATENCY_CONTACTS") or contacts),
        runs=int(os.environ.get("BENCH_LATENCY_RUNS") or runs),
        cases=parse_cases(os.environ.get("BENCH_LATENCY_CASES")),
    )


def tap_default_concurrency() -> int | None:
    """``max_concurrent_requests``'s default, from the tap's ``--about``."""
    try:
        out = subprocess.run(
            [str(TAP), "--about", "--format", "json"],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        ).stdout
        setting = json.loads(out)["settings"]["properties"].get("max_concurrent_requests", {})
        return setting.get("default")
    except (OSError, ValueError, KeyError, subprocess.SubprocessError):
        return None


def _config(sim: SimulatorProcess, path: Path, case: Case, extra: dict[str, Any]) -> Path:
    """HubSpot's default limits on the tap side too (its own defaults: 100 / 10 s, 4 searches/s)."""
    cfg: dict[str, Any] = {
        "access_token": sim.token,
        "api_url": sim.base_url,
        "object_types": ["contacts", "meetings"],
        "association_pairs": [PAIR],
        "property_history": "",  # issue 14 measures object and association reads only
        "reference_data": [],  # likewise: no owners, pipelines, properties or lists
        "safety_lag_seconds": 0,
        **extra,
    }
    if case.max_concurrent_requests is not None:
        cfg["max_concurrent_requests"] = case.max_concurrent_requests
    path.write_text(json.dumps(cfg))
    return path


def _minimum(sim: SimulatorProcess) -> dict[str, Any]:
    """The minimum plan per budget, and what the projection needs from it."""
    by_endpoint = full_minimum(sim)
    search = sum(n for k, n in by_endpoint.items() if "/search" in k)
    burst = sum(by_endpoint.values()) - search
    kinds = _kind_totals(by_endpoint)
    active = {t: c["active"] for t, c in sim.admin.info()["counts"].items() if t in PAIR.values()}
    base_batches = sum(math.ceil(active[f] / ASSOC_BATCH) for f, _ in DIRECTIONS)
    return {
        "burst": burst,
        "search": search,
        "list": kinds.get("list", 0),
        "association_batch_read": kinds.get("association_batch_read", 0),
        "extra_association_pages": kinds.get("association_batch_read", 0) - base_batches,
        "other": kinds.get("other", 0),
        "active": active,
        "by_endpoint": by_endpoint,
    }


def _run_once(sim: SimulatorProcess, cfg: Path, case: Case, i: int, seed: int) -> dict[str, Any]:
    sim.admin.set_latency(case.latency, seed=seed)
    sim.admin.set_rate_limits(enabled=True)  # empty windows: every run starts on a quiet account
    sim.admin.reset_request_counts()
    res = run_tap(cfg, f"latency-{case.key}-{i}")
    req = _requests(sim)
    counts = sim.admin.request_counts()
    kinds = _kind_totals(req["by_endpoint"])
    search = kinds.get("search", 0)
    return {
        "seconds": res["seconds"],
        "max_rss_mb": res["max_rss_mb"],
        "records": res["records"],
        "streams": {s: v["records"] for s, v in res["streams"].items()},
        "burst": req["total"] - search,
        "search": search,
        "kinds": kinds,
        "answered_429": int(req["statuses"].get("429", 0)),
        "errors_4xx_5xx": sum(n for s, n in req["statuses"].items() if int(s) >= 400),
        "max_in_flight": counts.get("maxInFlight"),
        "by_endpoint": req["by_endpoint"],
    }


def measure(plan: LatencyPlan, workdir: Path) -> dict[str, Any]:
    """Every case of the plan, ``plan.runs`` times each, against one simulator."""
    default_concurrency = tap_default_concurrency()
    cases = [
        (CASES[k.partition(":")[0]], int(k.partition(":")[2] or plan.runs)) for k in plan.cases
    ]
    out: dict[str, Any] = {
        "plan": asdict(plan),
        "tap_default_max_concurrent_requests": default_concurrency,
        "cases": [],
    }
    started = time.monotonic()
    with SimulatorProcess(
        contacts=plan.contacts,
        meetings=plan.meetings,
        appointments=0,
        startup_timeout=600,
    ) as sim:
        out["simulator_start_seconds"] = time.monotonic() - started
        minimum = _minimum(sim)
        out["minimum"] = minimum
        bound = budget_seconds(minimum["burst"], minimum["search"])
        for case, n_runs in cases:
            cfg = _config(sim, workdir / f"latency-{case.key}.json", case, plan.extra_config)
            runs = []
            for i in range(n_runs):
                runs.append(_run_once(sim, cfg, case, i, seed=7 + i))
                r = runs[-1]
                progress(
                    f"latency {case.key} run {i + 1}/{n_runs}: {r['seconds']:.1f} s "
                    f"(bound {bound:.0f} s), burst {r['burst']} / search {r['search']} "
                    f"(minimum {minimum['burst']} / {minimum['search']}), "
                    f"{r['answered_429']} x 429, peak {r['max_rss_mb']:.0f} MB, "
                    f"{r['max_in_flight']} in flight, {r['records']:,} records"
                )
            wall = median(r["seconds"] for r in runs)
            concurrency = case.max_concurrent_requests
            out["cases"].append(
                {
                    "case": case.key,
                    "latency": case.label,
                    "max_concurrent_requests": concurrency,
                    "default_settings": concurrency is None,
                    "effective_max_concurrent_requests": concurrency or default_concurrency,
                    "runs": runs,
                    "median": {
                        k: median(r[k] for r in runs)
                        for k in (
                            "seconds",
                            "max_rss_mb",
                            "burst",
                            "search",
                            "answered_429",
                            "errors_4xx_5xx",
                            "max_in_flight",
                            "records",
                        )
                    },
                    "bound_seconds": bound,
                    "ratio": wall / bound if bound else math.nan,
                }
            )
    out["projection"] = project(out, plan)
    return out


def bound_at(burst: int, search: int, per_ten_seconds: int) -> float:
    """``budget_seconds`` at another burst limit (first window free)."""
    burst_s = BURST_WINDOW_S * max(0, math.ceil(burst / per_ten_seconds) - 1)
    return burst_s + max(0, math.ceil(search / SEARCH_PER_S) - 1)


def project(measured: dict[str, Any], plan: LatencyPlan) -> dict[str, Any]:
    """The minimum plan at 1M contacts + 300k meetings + 5M associations, its bound at 100 and
    190 requests per 10 s, and each case's measured ratio applied to that bound."""
    minimum = measured["minimum"]
    assoc_records = 0
    if measured["cases"]:
        streams = measured["cases"][0]["runs"][0]["streams"]
        assoc_records = sum(n for s, n in streams.items() if s.endswith("_associations"))
    extra_per_assoc = minimum["extra_association_pages"] / max(1, assoc_records)
    c, m = plan.project_contacts, plan.project_meetings
    lists = math.ceil(c / LIST_PAGE) + math.ceil(m / LIST_PAGE)
    batches = (
        math.ceil(c / ASSOC_BATCH)
        + math.ceil(m / ASSOC_BATCH)
        + round(extra_per_assoc * plan.project_associations)
    )
    burst = lists + batches + minimum["other"]
    search = minimum["search"]
    bounds = {str(limit): bound_at(burst, search, limit) for limit in plan.project_limits}
    return {
        "contacts": c,
        "meetings": m,
        "associations": plan.project_associations,
        "burst": burst,
        "search": search,
        "list": lists,
        "association_batch_read": batches,
        "extra_pages_per_association": extra_per_assoc,
        "association_records_measured": assoc_records,
        "bound_seconds": bounds,
        "cases": {
            case["case"]: {limit: case["ratio"] * b for limit, b in bounds.items()}
            for case in measured["cases"]
        },
        # A latency-bound tap does not speed up with a higher limit: the same burst requests at
        # the request rate it reached (burst requests / wall), whatever the limit.
        "at_measured_rate": {
            case["case"]: burst / rate
            for case in measured["cases"]
            if (rate := case["median"]["burst"] / case["median"]["seconds"]) > 0
        },
        "measured_rate": {
            case["case"]: case["median"]["burst"] / case["median"]["seconds"]
            for case in measured["cases"]
        },
    }


def _mins(seconds: float) -> str:
    if seconds != seconds:
        return "n/a"
    return f"{seconds:.1f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def _ratio(x: float) -> str:
    return "n/a" if x != x else f"{x:.2f}"


def _vs(got: float, low: int) -> str:
    if not low:
        return f"{got:,.0f} / 0"
    return f"{got:,.0f} / {low:,} = {got / low:.2f}x"


def render(lat: dict[str, Any], commit: str | None = None) -> list[str]:
    """The markdown section of a latency measurement."""
    plan, minimum = lat["plan"], lat["minimum"]
    default = lat.get("tap_default_max_concurrent_requests")
    active = minimum["active"]
    at = f" at commit `{commit}`" if commit else ""
    bound = lat["cases"][0]["bound_seconds"] if lat["cases"] else math.nan
    lines = [
        "## Latency: wall time against the rate-limit bound (issue 14)",
        "",
        f"Full sync of {plan['contacts']:,} contacts + {int(plan['contacts'] * plan['meetings_per_contact']):,} "  # noqa: E501
        f"meetings ({active.get('contacts', 0):,} + {active.get('meetings', 0):,} active) with "
        "their associations (meetings↔contacts, both directions), simulator limits = HubSpot's "
        "defaults (100 per 10 s, 5 searches/s), tap defaults (100 per 10 s, 4 searches/s, "
        f"`max_concurrent_requests` {default}){at}; medians of the runs per case (every run "
        "in the JSON). "
        f"Minimum plan: {minimum['burst']:,} burst requests ({minimum['list']:,} list pages, "
        f"{minimum['association_batch_read']:,} association batch reads, "
        f"{minimum['other']} properties/labels) and {minimum['search']} searches (the count "
        f"probes); bound = `bench.tap_bench.budget_seconds` of that plan "
        f"(first window free) = {_mins(bound)}.",
        "",
        "| latency | max_concurrent_requests | runs | wall | bound | ratio | burst requests vs "
        "minimum | search requests vs minimum | 429s | 4xx/5xx | peak RSS | max in flight "
        "| records |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for c in lat["cases"]:
        med = c["median"]
        conc = (
            f"default ({c['effective_max_concurrent_requests']})"
            if c["default_settings"]
            else str(c["max_concurrent_requests"])
        )
        lines.append(
            f"| {c['latency']} | {conc} | {len(c['runs'])} | {_mins(med['seconds'])} | "
            f"{_mins(c['bound_seconds'])} "
            f"| {_ratio(c['ratio'])} | {_vs(med['burst'], minimum['burst'])} | "
            f"{_vs(med['search'], minimum['search'])} | {med['answered_429']:.0f} | "
            f"{med['errors_4xx_5xx']:.0f} | {med['max_rss_mb']:.0f} MB | "
            f"{med['max_in_flight']:.0f} | {med['records']:,.0f} |"
        )
    goals = []
    for c in lat["cases"]:
        med = c["median"]
        if c["latency"] == "0 ms":
            total = (med["burst"] + med["search"]) / max(1, minimum["burst"] + minimum["search"])
            ok = total <= GOAL_REQUESTS and med["answered_429"] == 0
            goals.append(
                f"0 ms: requests {total:.2f}x the minimum (goal ≤ {GOAL_REQUESTS}x), "
                f"{med['answered_429']:.0f} 429s: {'met' if ok else '**not met**'}"
            )
        elif c["default_settings"] and c["ratio"] == c["ratio"]:
            ok = c["ratio"] <= GOAL_RATIO and med["answered_429"] == 0
            goals.append(
                f"realistic, defaults: wall {c['ratio']:.2f}x the bound (goal ≤ {GOAL_RATIO}x), "
                f"{med['answered_429']:.0f} 429s: {'met' if ok else '**not met**'}"
            )
    if goals:
        lines += ["", "Goals (issue 14): " + "; ".join(goals) + "."]
    pj = lat.get("projection")
    if pj:
        limits = list(pj["bound_seconds"])
        lines += [
            "",
            f"### Projection: {pj['contacts']:,} contacts + {pj['meetings']:,} meetings + "
            f"{pj['associations']:,} associations",
            "",
            f"Minimum plan there: {pj['burst']:,} burst requests ({pj['list']:,} list pages, "
            f"{pj['association_batch_read']:,} association batch reads, the extra 500-link pages "
            f"scaled from {pj['extra_pages_per_association']:.6f} per association record as "
            f"measured) and {pj['search']} searches. Projected wall = measured ratio x bound: "
            "it assumes the ratio holds at 10x the data, and at 190 per 10 s that the tap "
            "keeps up with the higher limit. A latency-bound case (its burst rate well under "
            "the 10 per s it was allowed) does not: the last column is the same requests at "
            "the burst rate it reached, whatever the limit; read the larger of the two.",
            "",
            "| case | ratio | "
            + " | ".join(f"bound at {x}/10 s | projected at {x}/10 s" for x in limits)
            + " | burst rate reached | at that rate |",
            "|---|---:|" + "---:|---:|" * len(limits) + "---:|---:|",
        ]
        for c in lat["cases"]:
            conc = "default" if c["default_settings"] else str(c["max_concurrent_requests"])
            cells = " | ".join(
                f"{_mins(pj['bound_seconds'][x])} | {_mins(pj['cases'][c['case']][x])}"
                for x in limits
            )
            rate = pj.get("measured_rate", {}).get(c["case"], math.nan)
            at_rate = pj.get("at_measured_rate", {}).get(c["case"], math.nan)
            lines.append(
                f"| {c['latency']}, {conc} | {_ratio(c['ratio'])} | {cells} | "
                f"{rate:.1f}/s | {_mins(at_rate)} |"
            )
    return [*lines, ""]


def main(argv: list[str] | None = None) -> None:
    """Measure, print the markdown, write JSON + markdown under bench-results/."""
    parser = argparse.ArgumentParser(prog="python -m bench.latency_bench", description=__doc__)
    parser.add_argument("size", nargs="?", type=int, help="contacts (same as --contacts)")
    parser.add_argument("repeat", nargs="?", type=int, help="runs (same as --runs)")
    parser.add_argument("--contacts", type=int, default=None)
    parser.add_argument("--runs", type=int, default=None)
    parser.add_argument(
        "--cases",
        default=None,
        help=f"comma list of {', '.join(CASES)}; KEY:N runs that case N times",
    )
    args = parser.parse_args(argv)
    plan = plan_from_env(100_000, 3)
    try:
        cases = parse_cases(args.cases) if args.cases else plan.cases
    except ValueError as exc:
        parser.error(str(exc))
    plan = LatencyPlan(
        contacts=args.contacts or args.size or plan.contacts,
        runs=args.runs or args.repeat or plan.runs,
        cases=cases,
    )
    commit = measured_commit()
    with tempfile.TemporaryDirectory(prefix="hubspot-latency-") as tmp:
        result = measure(plan, Path(tmp))
    tag = "" if cases == tuple(CASES) else "-" + "-".join(c.replace(":", "x") for c in cases)
    write_results(f"latency-{plan.contacts}{tag}", result, render(result, commit), commit)


if __name__ == "__main__":
    main()
