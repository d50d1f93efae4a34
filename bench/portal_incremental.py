"""The whole portal's scheduled run (issue 22): an incremental run after the first.

One first run (limits and latency off: only its state matters) gives every stream's bookmark.
Every type then gets ``CHANGED_SHARE`` of its active records modified through the admin API,
one millisecond after the latest bookmark (inside the next run's windows, whatever the safety
lag). Each measured run is what ``meltano run`` does on a schedule: ``--discover``, then the
sync from that same first-run state, so every run reads the same changes. A pause before each
run empties the simulator's rolling window (not counted). The bound is ``budget_seconds`` of
the run's own requests (the first burst window free).
"""

from __future__ import annotations

import json
import math
import subprocess
import time
from pathlib import Path
from statistics import median
from typing import Any

from hubspot_simulator.testing import SimulatorProcess

from bench.common import progress
from bench.tap_bench import budget_seconds
from tests import portal_oracle as oracle

CHANGED_SHARE = 0.05  # of each type's active records, modified between the runs
WINDOW_PAUSE_SECONDS = 10.5  # an empty rolling window before each measured run
DEFAULT_BURST = 100  # requests per 10 s (HubSpot Free/Starter; 190 Professional/Enterprise)


def bound_seconds(burst_requests: int, search_requests: int, burst: int) -> float:
    """`tap_bench.budget_seconds` at a burst limit of `burst` per 10 s."""
    if burst == DEFAULT_BURST:
        return budget_seconds(burst_requests, search_requests)
    scaled = math.ceil(burst_requests * DEFAULT_BURST / burst)
    return budget_seconds(scaled, search_requests)


def first_state(sim: SimulatorProcess, workdir: Path, cfg: Path, tap: Any) -> dict[str, Any]:
    """The state of one first run (discover + sync) without limits or latency."""
    sim.admin.set_latency("off")
    sim.admin.set_rate_limits(enabled=False)
    catalog = workdir / "catalog.json"
    with catalog.open("w") as out:
        tap(["--config", str(cfg), "--discover"], "portal-first-discover", out)
    output = workdir / "first.jsonl"
    with output.open("w") as out:
        tap(["--config", str(cfg), "--catalog", str(catalog)], "portal-first-sync", out)
    state: dict[str, Any] = {}
    for line in output.read_text().splitlines():
        message = json.loads(line)
        if message.get("type") == "STATE":
            state = message["value"]
    output.unlink()
    return state


def _latest_bookmark_ms(state: dict[str, Any]) -> int:
    from tap_hubspot_assoc.properties import parse_datetime

    latest = 0
    for bookmark in state.get("bookmarks", {}).values():
        value = parse_datetime(bookmark.get("replication_key_value"))
        if value is not None:
            latest = max(latest, int(value.timestamp() * 1000))
    return latest


def make_changes(sim: SimulatorProcess, types: list[str], state: dict[str, Any]) -> dict[str, int]:
    """Modify CHANGED_SHARE of every type's active records, after every bookmark."""
    at = _latest_bookmark_ms(state) + 1
    counts = sim.admin.info()["counts"]
    changed: dict[str, int] = {}
    for name in types:
        active = int(counts.get(name, {}).get("active", 0))
        if active == 0:
            continue
        n = min(active, max(1, math.ceil(active * CHANGED_SHARE)))
        sim.admin.touch(name, count=n, at=at)
        changed[name] = n
    return changed


def one_run(
    sim: SimulatorProcess,
    workdir: Path,
    cfg: Path,
    latency: str,
    i: int,
    tap: Any,
    burst: int = DEFAULT_BURST,
) -> dict[str, Any]:
    """`--discover`, then the sync from the first run's state."""
    time.sleep(WINDOW_PAUSE_SECONDS)  # not counted: the runs before leave the window empty
    sim.admin.set_latency(latency, seed=7 + i)
    sim.admin.set_rate_limits(enabled=True, burst=burst)
    sim.admin.reset_request_counts()
    catalog = workdir / "catalog.json"
    with catalog.open("w") as out:
        discover = tap(
            ["--config", str(cfg), "--discover"], f"portal-incr-{latency}-{i}-discover", out
        )
    args = ["--config", str(cfg), "--catalog", str(catalog), "--state", str(workdir / "state")]
    sync = tap(args, f"portal-incr-{latency}-{i}-sync", subprocess.DEVNULL)
    counts = sim.admin.request_counts()
    got = oracle.measured(sim)
    searches = sum(n for k, n in got.items() if k.startswith(oracle.SEARCH))
    requests = sum(got.values())
    return {
        "seconds": discover + sync,
        "discover_seconds": discover,
        "sync_seconds": sync,
        "requests": requests,
        "search": searches,
        "bound_seconds": bound_seconds(requests - searches, searches, burst),
        "answered_429": int(counts["statuses"].get("429", 0)),
        "max_in_flight": counts.get("maxInFlight"),
        "by_endpoint": dict(got),
    }


def measure(
    sim: SimulatorProcess,
    workdir: Path,
    types: list[str],
    latencies: tuple[str, ...],
    runs: int,
    tap: Any,
    burst: int = DEFAULT_BURST,
) -> dict[str, Any]:
    """The first run's state, the changes, then ``runs`` incremental runs per latency, under
    a burst limit of ``burst`` per 10 s (the simulator's and the tap's)."""
    cfg = workdir / "portal.json"
    if burst != DEFAULT_BURST:
        cfg.write_text(
            json.dumps(json.loads(cfg.read_text()) | {"requests_per_ten_seconds": burst})
        )
    state = first_state(sim, workdir, cfg, tap)
    (workdir / "state").write_text(json.dumps(state))
    changed = make_changes(sim, types, state)
    progress(
        f"portal incremental: {sum(changed.values()):,} records changed in {len(changed)} types"
    )
    out: dict[str, Any] = {"changed": changed, "share": CHANGED_SHARE, "burst": burst}
    for latency in latencies:
        results = []
        for i in range(runs):
            r = one_run(sim, workdir, cfg, latency, i, tap, burst)
            results.append(r)
            progress(
                f"portal incremental {latency} run {i + 1}/{runs}: {r['seconds']:.1f} s "
                f"(discover {r['discover_seconds']:.1f} s, sync {r['sync_seconds']:.1f} s; "
                f"bound {r['bound_seconds']:.0f} s), {r['requests']} requests, "
                f"{r['search']} searches, {r['answered_429']} x 429"
            )
        out[latency] = {
            "runs": results,
            "median_seconds": median(r["seconds"] for r in results),
            "median_sync_seconds": median(r["sync_seconds"] for r in results),
            "median_requests": median(r["requests"] for r in results),
            "median_bound_seconds": median(r["bound_seconds"] for r in results),
            "answered_429": sum(r["answered_429"] for r in results),
        }
    return out


def render(result: dict[str, Any]) -> list[str]:
    """The markdown subsection of the scheduled run."""
    changed = result["changed"]
    lines = [
        "### The scheduled (incremental) run",
        "",
        f"After one first run, {result['share']:.0%} of every type's records modified "
        f"({sum(changed.values()):,} records in {len(changed)} types); each run `--discover` + "
        "the sync from the first run's state, burst limit "
        f"{result.get('burst', DEFAULT_BURST)} per 10 s; bound = the least time HubSpot's "
        "limits allow for the run's own requests.",
        "",
        "| latency | runs (s): discover + sync | median wall | median sync | bound | ratio "
        "| requests (median) | 429s |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for latency in ("realistic", "off"):
        if latency not in result:
            continue
        r = result[latency]
        walls = ", ".join(
            f"{x['discover_seconds']:.1f} + {x['sync_seconds']:.1f}" for x in r["runs"]
        )
        bound = r["median_bound_seconds"]
        lines.append(
            f"| {'0 ms' if latency == 'off' else latency} | {walls} | "
            f"{r['median_seconds']:.1f} s | {r['median_sync_seconds']:.1f} s | {bound:.0f} s | "
            f"{r['median_seconds'] / max(bound, 1e-9):.2f} | {r['median_requests']:,.0f} | "
            f"{r['answered_429']} |"
        )
    lines.append("")
    return lines
