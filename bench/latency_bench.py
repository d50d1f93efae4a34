"""Full syncs under HubSpot's default limits at 0 ms and at the simulator's realistic latency,
with requests one at a time (max_concurrent_requests=1) and with the default concurrency.

`python -m bench.latency_bench [contacts] [runs]` prints JSON: per case the median wall time,
the rate-limit bound of the requests made (bench.tap_bench.budget_seconds), their ratio,
requests per budget against the minimum, 429s and peak RSS.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from hubspot_simulator.testing import SimulatorProcess

from bench.tap_bench import _kind_totals, _requests, budget_seconds, full_minimum, run_tap

CASES = [("0 ms", "off", 8), ("realistic", "realistic", 1), ("realistic", "realistic", 8)]


def _config(sim: SimulatorProcess, path: Path, concurrency: int) -> Path:
    path.write_text(
        json.dumps(
            {
                "access_token": sim.token,
                "api_url": sim.base_url,
                "object_types": ["contacts", "meetings"],
                "association_pairs": [{"from": "meetings", "to": "contacts"}],
                "safety_lag_seconds": 0,
                "max_concurrent_requests": concurrency,
            }
        )
    )
    return path


def measure(contacts: int, runs: int, workdir: Path) -> list[dict[str, Any]]:
    """Every case, `runs` times (medians); the sequential realistic case once."""
    out: list[dict[str, Any]] = []
    for label, latency, concurrency in CASES:
        extra = ["--latency", latency]
        with SimulatorProcess(
            contacts=contacts, meetings=int(contacts * 0.3), appointments=0, extra_args=extra
        ) as sim:
            minimum = full_minimum(sim)
            cfg = _config(sim, workdir / f"latency-{latency}-{concurrency}.json", concurrency)
            samples = []
            for i in range(runs if concurrency > 1 else 1):
                sim.admin.reset_request_counts()
                sim.admin.set_rate_limits(enabled=True)  # empty windows between runs
                res = run_tap(cfg, f"latency-{latency}-{concurrency}-{i}")
                req = _requests(sim)
                kinds = _kind_totals(req["by_endpoint"])
                search = kinds.get("search", 0)
                samples.append(
                    {
                        "seconds": res["seconds"],
                        "rss_mb": res["max_rss_mb"],
                        "burst": req["total"] - search,
                        "search": search,
                        "answered_429": int(req["statuses"].get("429", 0)),
                        "max_in_flight": sim.admin.request_counts()["maxInFlight"],
                    }
                )
                print(label, concurrency, samples[-1], file=sys.stderr, flush=True)
        min_search = sum(n for k, n in minimum.items() if "/search" in k)
        min_burst = sum(minimum.values()) - min_search
        med = {k: statistics.median(s[k] for s in samples) for k in samples[0]}
        bound = budget_seconds(min_burst, min_search)
        out.append(
            {
                "case": label,
                "max_concurrent_requests": concurrency,
                "runs": len(samples),
                **med,
                "bound_seconds": bound,
                "ratio": med["seconds"] / bound if bound else None,
                "minimum_burst": min_burst,
                "minimum_search": min_search,
            }
        )
    return out


if __name__ == "__main__":
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    repeat = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    with tempfile.TemporaryDirectory() as tmp:
        print(json.dumps({"contacts": size, "cases": measure(size, repeat, Path(tmp))}, indent=1))
