"""Tap benchmark against the HubSpot simulator.

* throughput: full and incremental syncs of contacts + meetings + their associations with the
  simulator's limits off: records/s per stream, HTTP requests per endpoint next to the minimum;
* memory: the tap's peak RSS against the number of contacts;
* limited: a real run with HubSpot's limits on (100 per 10 s, 4-5 searches/s) to compare the
  wall time with what the API budget allows, and a projection to 1M contacts.
"""

from __future__ import annotations

import json
import math
import subprocess
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hubspot_simulator.testing import SimulatorProcess

from bench.common import VENV_BIN, log_path, progress
from bench.procs import run_measured
from bench.singer_reader import SingerCounter

TAP = VENV_BIN / "tap-hubspot-assoc"
PAIR = {"from": "meetings", "to": "contacts"}
DIRECTIONS = [("meetings", "contacts"), ("contacts", "meetings")]
# The simulator still advertises its limits in X-HubSpot-RateLimit-* headers when they are
# off, and the tap adopts a stricter server limit: so "unlimited" also raises the limits.
UNLIMITED_ARGS = [
    "--no-rate-limit",
    "--burst-limit",
    "100000000",
    "--search-limit",
    "1000000",
    "--daily-limit",
    "2000000000",
]
LIST_PAGE, SEARCH_PAGE, ASSOC_BATCH, ASSOC_PAGE = 100, 200, 1000, 500
BURST, BURST_WINDOW_S, SEARCH_PER_S = 100, 10.0, 4


@dataclass(frozen=True)
class TapPlan:
    """Sizes and repetitions of the tap benchmark."""

    contacts: int  # throughput dataset (meetings = 30 % of contacts)
    runs: int
    change_fraction: float  # records touched before an incremental run
    memory_sizes: tuple[int, ...]  # contacts-only runs for the memory curve
    full_memory_sizes: tuple[int, ...]  # extra all-streams runs for the memory curve
    limited_contacts: int
    project_contacts: int = 1_000_000
    project_associations: int = 5_000_000


def _simulator(contacts: int, *, limited: bool = False) -> SimulatorProcess:
    return SimulatorProcess(
        contacts=contacts,
        meetings=int(contacts * 0.3),
        appointments=0,
        rate_limit=limited,
        extra_args=[] if limited else UNLIMITED_ARGS[1:],
    )


def _config(
    sim: SimulatorProcess, path: Path, *, associations: bool = True, limited: bool = False
) -> Path:
    cfg: dict[str, Any] = {
        "access_token": sim.token,
        "api_url": sim.base_url,
        "object_types": ["contacts", "meetings"] if associations else ["contacts"],
        "association_pairs": [PAIR] if associations else [],
        "property_history": "",  # issue 14 measures object and association reads only
        "reference_data": [],  # likewise: no owners, pipelines, properties or lists
        "safety_lag_seconds": 0,
        "lookback_minutes": 0,
    }
    if not limited:
        cfg |= {"requests_per_ten_seconds": 100_000_000, "search_requests_per_second": 1_000_000}
    path.write_text(json.dumps(cfg))
    return path


def run_tap(config: Path, tag: str, state: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run the tap once, counting its output; return time, peak RSS, counts, final state."""
    cmd = [str(TAP), "--config", str(config)]
    if state is not None:
        state_file = config.with_name(f"{tag}-state.json")
        state_file.write_text(json.dumps(state))
        cmd += ["--state", str(state_file)]
    counter = SingerCounter()

    def start(proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdout is not None
        counter.start(proc.stdout)

    res = run_measured(cmd, stdout=subprocess.PIPE, stderr_path=log_path(tag), on_start=start)
    counter.join()
    return {
        "seconds": res.seconds,
        "max_rss_mb": res.max_rss_mb,
        "streams": {
            name: {"records": c.records, "records_per_s": c.records_per_s}
            for name, c in sorted(counter.streams.items())
        },
        "records": sum(c.records for c in counter.streams.values()),
        "state": counter.last_state,
    }


def _requests(sim: SimulatorProcess) -> dict[str, Any]:
    counts = sim.admin.request_counts()
    flat: dict[str, int] = {}
    for endpoint, per_type in counts["byObjectType"].items():
        for object_type, n in per_type.items():
            flat[f"{endpoint} [{object_type}]"] = n
    return {"total": counts["total"], "by_endpoint": flat, "statuses": counts["statuses"]}


def _kind_totals(by_endpoint: dict[str, int]) -> dict[str, int]:
    """Requests grouped as list / search / association batch read / other."""
    totals: Counter[str] = Counter()
    for key, n in by_endpoint.items():
        if "/search" in key:
            totals["search"] += n
        elif "/crm/v4/associations" in key and "batch/read" in key:
            totals["association_batch_read"] += n
        elif key.startswith("GET /crm/v3/objects/{type} "):
            totals["list"] += n
        else:
            totals["other"] += n
    return dict(totals)


def full_minimum(
    sim: SimulatorProcess,
    types: Sequence[str] = ("contacts", "meetings"),
    directions: Sequence[tuple[str, str]] = tuple(DIRECTIONS),
) -> dict[str, int]:
    """The fewest requests a full read of ``types`` and the association ``directions`` can
    take, per endpoint (same keys as the counts)."""
    counts = sim.admin.info()["counts"]
    active = {t: counts[t]["active"] for t in types}
    minimum = {
        f"GET /crm/v3/objects/{{type}} [{t}]": math.ceil(n / LIST_PAGE) for t, n in active.items()
    }
    for t in active:
        minimum[f"GET /crm/v3/properties/{{type}} [{t}]"] = 1
        minimum[f"POST /crm/v3/objects/{{type}}/search [{t}]"] = 1  # the parity count
    for from_type, to_type in directions:
        per_parent: Counter[str] = Counter()
        for link in sim.admin.association_snapshot(from_type, to_type):
            per_parent[str(link["fromId"])] += 1
        extra = sum(math.ceil(n / ASSOC_PAGE) - 1 for n in per_parent.values())
        key = f"POST /crm/v4/associations/{{from}}/{{to}}/batch/read [{from_type}->{to_type}]"
        minimum[key] = math.ceil(active[from_type] / ASSOC_BATCH) + extra
        minimum[f"GET /crm/v4/associations/{{from}}/{{to}}/labels [{from_type}->{to_type}]"] = 1
    return minimum


def incremental_minimum(
    changed: dict[str, int], directions: Sequence[tuple[str, str]] = tuple(DIRECTIONS)
) -> dict[str, int]:
    """The fewest requests an incremental read of ``changed`` records per type can take."""
    minimum: dict[str, int] = {}
    for t, n in changed.items():
        # The window's pages (an empty window costs one) plus the parity count.
        minimum[f"POST /crm/v3/objects/{{type}}/search [{t}]"] = (
            max(1, math.ceil(n / SEARCH_PAGE)) + 1
        )
        minimum[f"GET /crm/v3/properties/{{type}} [{t}]"] = 1
    for from_type, to_type in directions:
        key = f"POST /crm/v4/associations/{{from}}/{{to}}/batch/read [{from_type}->{to_type}]"
        minimum[key] = math.ceil(changed[from_type] / ASSOC_BATCH)
        minimum[f"GET /crm/v4/associations/{{from}}/{{to}}/labels [{from_type}->{to_type}]"] = 1
    return minimum


def budget_seconds(burst_requests: int, search_requests: int) -> float:
    """Least wall time HubSpot's limits allow (first window free, sequential phases)."""
    burst = BURST_WINDOW_S * max(0, math.ceil(burst_requests / BURST) - 1)
    search = max(0, math.ceil(search_requests / SEARCH_PER_S) - 1)
    return burst + search


def _touch(sim: SimulatorProcess, fraction: float, offset_index: int) -> dict[str, int]:
    counts = sim.admin.info()["counts"]
    changed: dict[str, int] = {}
    for t in ("contacts", "meetings"):
        n = max(1, int(counts[t]["active"] * fraction))
        sim.admin.touch(t, count=n, offset=10 + offset_index * n)
        changed[t] = n
    time.sleep(1.1)  # the incremental window ends at its own start: let the touches age
    return changed


def throughput(plan: TapPlan, workdir: Path) -> dict[str, Any]:
    """Full + incremental syncs at ``plan.contacts``, ``plan.runs`` times."""
    runs: list[dict[str, Any]] = []
    with _simulator(plan.contacts) as sim:
        cfg = _config(sim, workdir / "tap-throughput.json")
        full_min = full_minimum(sim)
        for i in range(plan.runs):
            sim.admin.reset_request_counts()
            full = run_tap(cfg, f"tap-full-{i}")
            full["requests"] = _requests(sim)
            progress(
                f"tap: full {plan.contacts:,} contacts run {i + 1}/{plan.runs}: "
                f"{full['records']:,} records in {full['seconds']:.1f} s, "
                f"{full['requests']['total']} requests, peak {full['max_rss_mb']:.0f} MB"
            )
            changed = _touch(sim, plan.change_fraction, i)
            sim.admin.reset_request_counts()
            incr = run_tap(cfg, f"tap-incremental-{i}", state=full.pop("state"))
            incr.pop("state")
            incr["requests"] = _requests(sim)
            incr["changed"] = changed
            progress(
                f"tap: incremental ({changed}) run {i + 1}/{plan.runs}: "
                f"{incr['records']:,} records in {incr['seconds']:.1f} s, "
                f"{incr['requests']['total']} requests"
            )
            runs.append({"full": full, "incremental": incr})
        info = sim.admin.info()["counts"]
    return {
        "contacts": plan.contacts,
        "active": {t: info[t]["active"] for t in info},
        "runs": runs,
        "full_minimum": full_min,
        "incremental_minimum": incremental_minimum(runs[-1]["incremental"]["changed"]),
    }


def memory(plan: TapPlan, workdir: Path) -> list[dict[str, Any]]:
    """Peak RSS of full syncs at several sizes (contacts only, and all streams)."""
    points: list[dict[str, Any]] = []
    series = [(n, False) for n in plan.memory_sizes] + [(n, True) for n in plan.full_memory_sizes]
    for contacts, with_assoc in series:
        label = "contacts+meetings+associations" if with_assoc else "contacts only"
        progress(f"tap: memory run, {contacts:,} contacts ({label})")
        with _simulator(contacts) as sim:
            cfg = _config(sim, workdir / f"tap-memory-{contacts}.json", associations=with_assoc)
            res = run_tap(cfg, f"tap-memory-{contacts}-{int(with_assoc)}")
        points.append(
            {
                "contacts": contacts,
                "series": label,
                "max_rss_mb": res["max_rss_mb"],
                "records": res["records"],
                "seconds": res["seconds"],
            }
        )
        progress(
            f"tap: memory {contacts:,} ({label}): peak {res['max_rss_mb']:.0f} MB, "
            f"{res['records']:,} records in {res['seconds']:.1f} s"
        )
    return points


def limited(plan: TapPlan, workdir: Path) -> dict[str, Any]:
    """Full + incremental runs with HubSpot's limits on, against the budget they allow."""
    out: dict[str, Any] = {"contacts": plan.limited_contacts}
    with _simulator(plan.limited_contacts, limited=True) as sim:
        cfg = _config(sim, workdir / "tap-limited.json", limited=True)
        state: dict[str, Any] | None = None
        for mode in ("full", "incremental"):
            changed = _touch(sim, 0.1, 0) if mode == "incremental" else None
            sim.admin.reset_request_counts()
            res = run_tap(cfg, f"tap-limited-{mode}", state=state)
            state = res.pop("state")
            req = _requests(sim)
            kinds = _kind_totals(req["by_endpoint"])
            searches = kinds.get("search", 0)
            budget = budget_seconds(req["total"] - searches, searches)
            res |= {
                "requests": req,
                "kinds": kinds,
                "budget_seconds": budget,
                "answered_429": int(req["statuses"].get("429", 0)),
                "changed": changed,
            }
            out[mode] = res
            progress(
                f"tap: limited {mode}: {req['total']} requests ({kinds}), "
                f"{res['seconds']:.1f} s vs budget {budget:.1f} s, "
                f"{res['answered_429']} x 429"
            )
    return out


def project(tp: dict[str, Any], plan: TapPlan) -> dict[str, Any]:
    """Wall time of full and incremental syncs at 1M contacts under HubSpot's limits."""
    full = tp["runs"][0]["full"]
    incr = tp["runs"][0]["incremental"]
    active = tp["active"]
    contacts, meetings = plan.project_contacts, int(plan.project_contacts * 0.3)
    objects_now = active["contacts"] + active["meetings"]
    assoc_now = sum(
        n
        for s, n in ((s, v["records"]) for s, v in full["streams"].items())
        if s.endswith("_associations")
    )
    kinds = _kind_totals(full["requests"]["by_endpoint"])
    base_batches = sum(math.ceil(active[f] / ASSOC_BATCH) for f, _ in DIRECTIONS)
    extra_per_assoc = max(0, kinds.get("association_batch_read", 0) - base_batches) / max(
        1, assoc_now
    )
    list_per_object = kinds.get("list", 0) / objects_now
    full_burst = (
        list_per_object * (contacts + meetings)
        + math.ceil(contacts / ASSOC_BATCH)
        + math.ceil(meetings / ASSOC_BATCH)
        + extra_per_assoc * plan.project_associations
        + kinds.get("other", 0)
    )
    # Incremental: the same fraction of records changed, so every count scales with the data.
    ikinds = _kind_totals(incr["requests"]["by_endpoint"])
    scale = (contacts + meetings) / objects_now
    incr_search = ikinds.get("search", 0) * scale
    incr_burst = ikinds.get("association_batch_read", 0) * scale + ikinds.get("other", 0)
    return {
        "contacts": contacts,
        "meetings": meetings,
        "associations": plan.project_associations,
        "full": {
            "burst_requests": round(full_burst),
            "seconds": budget_seconds(round(full_burst), 0),
        },
        "incremental": {
            "changed_fraction": plan.change_fraction,
            "search_requests": round(incr_search),
            "burst_requests": round(incr_burst),
            "seconds": budget_seconds(round(incr_burst), round(incr_search)),
        },
        "basis": {
            "list_per_object": list_per_object,
            "extra_pages_per_association": extra_per_assoc,
            "measured_at_contacts": tp["contacts"],
        },
    }


def run(plan: TapPlan, workdir: Path) -> dict[str, Any]:
    """Every tap measurement."""
    tp = throughput(plan, workdir)
    return {
        "plan": plan.__dict__,
        "throughput": tp,
        "memory": memory(plan, workdir),
        "limited": limited(plan, workdir),
        "projection": project(tp, plan),
    }
