"""A whole portal at the rate limit (issue 22): `object_types: all`, `association_pairs: all`.

The simulator's whole-portal preset (every type, two custom objects, fan-outs, the wide
products, merges) scaled to ``--contacts`` contacts (default 20,000) with 2,000 companies,
3,000 deals, 1,000 tickets and 2,000 of each engagement type (the same shares for other
sizes), under HubSpot's default limits (100 requests per 10 s, 5 searches per second) at the
simulator's ``realistic`` latency and at 0 ms. Each run is what ``meltano run`` does: the tap's
``--discover``, then at once the sync with that catalog (the sync's limiter, new in its
process, learns what discovery spent from its first answer's headers), on a fresh state, tap
defaults otherwise (reference data, the default property history,
``max_concurrent_requests`` 8).

Requests are counted per endpoint by the simulator and compared with the fewest the dataset
allows (``tests/portal_oracle.full_run_minimum``: the whole-portal e2e test's minimum, the
parity count included); wall time (discover + sync) with ``budget_seconds`` of that minimum
(first burst window free). Medians of ``--runs`` runs per latency.

Then the scheduled run (``incremental``): one first run without limits or latency gives the
state; every type gets ``CHANGED_SHARE`` of its records modified through the admin API (a few
search pages each); then ``--runs`` incremental runs per latency, each ``--discover`` + the
sync from that same state (so each reads the same changes), under the default limits after a
pause that empties the rolling window (not counted). Its bound is ``budget_seconds`` of the
run's own requests::

    python -m bench.portal_bench [--contacts 20000] [--runs 3] [--latency realistic,off]
                                 [--parts full,incremental]

writes ``bench-results/portal-<contacts>.{json,md}`` and prints the markdown.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from statistics import median
from typing import Any

if __package__ in (None, ""):  # run as a script: bench/portal_bench.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hubspot_simulator.testing import SimulatorProcess

from bench import portal_incremental
from bench.common import RESULTS_DIR, log_path, progress
from bench.tap_bench import TAP, budget_seconds
from tests import portal_oracle as oracle

WIDE = {"products"}
# Between --discover and the sync (0: back to back, as meltano run; BENCH_PORTAL_PAUSE=10.5
# gives the sync an empty rolling window, as the figures before the limiter read the headers).
PAUSE_SECONDS = float(os.environ.get("BENCH_PORTAL_PAUSE", "0"))


@dataclass(frozen=True)
class PortalPlan:
    """Size, repetitions and latencies of the whole-portal benchmark."""

    contacts: int = 20_000
    runs: int = 3
    latencies: tuple[str, ...] = ("realistic", "off")  # the simulator's latency presets
    parts: tuple[str, ...] = ("full", "incremental")  # first runs; then a scheduled run
    burst: int = 100  # the scheduled run's burst limit per 10 s (190: Professional/Enterprise)


def plan_from_env(contacts: int, runs: int) -> PortalPlan:
    """The plan, with ``BENCH_PORTAL_CONTACTS`` / ``BENCH_PORTAL_RUNS`` overriding."""
    return PortalPlan(
        contacts=int(os.environ.get("BENCH_PORTAL_CONTACTS") or contacts),
        runs=int(os.environ.get("BENCH_PORTAL_RUNS") or runs),
    )


ENGAGEMENTS = ("calls", "emails", "notes", "tasks", "communications", "postal_mail", "meetings")


def sizes(contacts: int) -> dict[str, int]:
    """The issue's scaled preset: 20k contacts, 2k companies, 3k deals, 1k tickets, 2k of
    each engagement (same shares for other sizes)."""
    share = contacts / 20_000
    out = {
        "contacts": contacts,
        "companies": int(2_000 * share),
        "deals": int(3_000 * share),
        "tickets": int(1_000 * share),
    }
    return out | dict.fromkeys(ENGAGEMENTS, int(2_000 * share))


def _config(sim: SimulatorProcess, workdir: Path) -> Path:
    cfg = workdir / "portal.json"
    cfg.write_text(
        json.dumps(
            {
                "access_token": sim.token,
                "api_url": sim.base_url,
                "object_types": "all",
                "association_pairs": "all",
            }
        )
    )
    return cfg


def _tap(args: list[str], tag: str, stdout: Any) -> float:
    started = time.monotonic()
    with log_path(tag).open("w") as err:
        subprocess.run([str(TAP), *args], stdout=stdout, stderr=err, check=True)
    return time.monotonic() - started


def one_run(sim: SimulatorProcess, workdir: Path, latency: str, i: int) -> dict[str, Any]:
    """`--discover` then the sync, on a quiet account (empty rate-limit windows)."""
    cfg = _config(sim, workdir)
    sim.admin.set_latency(latency, seed=7 + i)
    sim.admin.set_rate_limits(enabled=True)
    sim.admin.reset_request_counts()
    catalog = workdir / "catalog.json"
    with catalog.open("w") as out:
        discover = _tap(["--config", str(cfg), "--discover"], f"portal-{latency}-{i}-discover", out)
    time.sleep(PAUSE_SECONDS)  # not counted in the wall time
    sync = _tap(
        ["--config", str(cfg), "--catalog", str(catalog)],
        f"portal-{latency}-{i}-sync",
        subprocess.DEVNULL,
    )
    counts = sim.admin.request_counts()
    got = oracle.measured(sim)
    searches = sum(n for k, n in got.items() if k.startswith(oracle.SEARCH))
    return {
        "seconds": discover + sync,
        "discover_seconds": discover,
        "sync_seconds": sync,
        "requests": sum(got.values()),
        "search": searches,
        "answered_429": int(counts["statuses"].get("429", 0)),
        "max_in_flight": counts.get("maxInFlight"),
        "by_endpoint": dict(got),
    }


def measure(plan: PortalPlan, workdir: Path) -> dict[str, Any]:
    """``plan.runs`` runs per latency against one simulator (fresh state each run)."""
    contacts, runs = plan.contacts, plan.runs
    out: dict[str, Any] = {"plan": asdict(plan), "sizes": sizes(contacts)}
    out["load_average"] = [os.getloadavg()]
    with SimulatorProcess(
        portal=True, sizes=sizes(contacts), rate_limit=False, startup_timeout=600
    ) as sim:  # limits on per run: the oracle reads the API too
        portal = oracle.discover(sim)
        minimum = oracle.full_run_minimum(sim, portal, WIDE, custom_types=True)
        searches = sum(n for k, n in minimum.items() if k.startswith(oracle.SEARCH))
        total = sum(minimum.values())
        bound = budget_seconds(total - searches, searches)
        out |= {"types": len(portal.types), "directions": len(portal.directions)}
        out |= {"minimum": total, "minimum_search": searches, "bound_seconds": bound}
        out["minimum_by_endpoint"] = dict(minimum)
        for latency in plan.latencies if "full" in plan.parts else ():
            results = []
            for i in range(runs):
                r = one_run(sim, workdir, latency, i)
                results.append(r)
                progress(
                    f"portal {latency} run {i + 1}/{runs}: {r['seconds']:.1f} s (discover "
                    f"{r['discover_seconds']:.1f} s; bound {bound:.0f} s), {r['requests']} "
                    f"requests (minimum {total}), {r['search']} searches, "
                    f"{r['answered_429']} x 429, {r['max_in_flight']} in flight"
                )
            out[latency] = {
                "runs": results,
                "median_seconds": median(r["seconds"] for r in results),
                "median_requests": median(r["requests"] for r in results),
                "answered_429": sum(r["answered_429"] for r in results),
            }
        if "incremental" in plan.parts:
            _config(sim, workdir)
            out["incremental"] = portal_incremental.measure(
                sim, workdir, portal.types, plan.latencies, runs, _tap, plan.burst
            )
    out["load_average"].append(os.getloadavg())
    return out


def render(result: dict[str, Any], commit: str | None = None) -> list[str]:
    """The markdown section of a whole-portal measurement."""
    s = result["sizes"]
    if not any(latency in result for latency in ("realistic", "off")):  # the scheduled run only
        return (
            [*portal_incremental.render(result["incremental"])] if "incremental" in result else []
        )
    lines = [
        "## Whole portal at the rate limit (issue 22)",
        "",
        f"Measured at `{commit or result.get('commit')}`: the whole-portal preset scaled to "
        f"{s['contacts']:,} contacts, "
        f"{s['companies']:,} companies, {s['deals']:,} deals, {s['tickets']:,} tickets, "
        f"{s['calls']:,} of each engagement; {result['types']} types, "
        f"{result['directions']} directions; `--discover` + sync per run under HubSpot's "
        f"default limits. Minimum {result['minimum']:,} requests ({result['minimum_search']} "
        f"searches: one parity count per type), bound {result['bound_seconds']:.0f} s.",
        "",
        "| latency | runs (s) | median wall | bound | ratio | requests (median) | vs minimum "
        "| 429s |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for latency in ("realistic", "off"):
        if latency not in result:
            continue
        r = result[latency]
        walls = ", ".join(f"{x['seconds']:.1f}" for x in r["runs"])
        ratio = r["median_seconds"] / max(result["bound_seconds"], 1e-9)
        lines.append(
            f"| {'0 ms' if latency == 'off' else latency} | {walls} | "
            f"{r['median_seconds']:.1f} s | {result['bound_seconds']:.0f} s | {ratio:.2f} | "
            f"{r['median_requests']:,.0f} | {r['median_requests'] / result['minimum']:.3f}x | "
            f"{r['answered_429']} |"
        )
    lines.append("")
    if "incremental" in result:
        lines += portal_incremental.render(result["incremental"])
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.portal_bench", description=__doc__)
    parser.add_argument("--contacts", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--latency", default="realistic,off")
    parser.add_argument("--parts", default="full,incremental")
    parser.add_argument("--burst", type=int, default=100, help="the scheduled run's burst limit")
    args = parser.parse_args(argv)
    commit = (
        os.environ.get("BENCH_COMMIT")
        or subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
        ).stdout.strip()
    )
    progress(f"portal bench at commit {commit}: {args}")
    plan = PortalPlan(
        args.contacts,
        args.runs,
        tuple(args.latency.split(",")),
        tuple(args.parts.split(",")),
        args.burst,
    )
    with tempfile.TemporaryDirectory(prefix="hubspot-portal-") as tmp:
        result = measure(plan, Path(tmp))
    result["commit"] = commit
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stem = (
        RESULTS_DIR / f"portal-{args.contacts}{'' if args.burst == 100 else f'-burst{args.burst}'}"
    )
    stem.with_suffix(".json").write_text(json.dumps(result, indent=1, default=str))
    text = "\n".join(render(result, commit))
    stem.with_suffix(".md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
