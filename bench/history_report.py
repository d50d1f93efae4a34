"""The property-history benchmark's arithmetic and report: requests per kind, the minimum
plan's bound, medians, the projection to 1M contacts and the markdown section."""

from __future__ import annotations

import math
from typing import Any

from bench.common import median
from bench.latency_bench import _mins, _ratio, _vs
from bench.tap_bench import ASSOC_BATCH, BURST, LIST_PAGE, SEARCH_PAGE, _kind_totals, budget_seconds

TYPES = ("contacts", "deals")
DIRECTIONS = (("deals", "contacts"), ("contacts", "deals"))
HISTORY_ENDPOINT = "POST /crm/v3/objects/{type}/batch/read"  # object batch reads, as counted
HISTORY_PER_REQUEST = 50
KINDS = ("list", "search", "association_batch_read", "history_batch_read", "other")
MEDIANS = (
    *("seconds", "max_rss_mb", "burst", "search", "answered_429", "errors_4xx_5xx"),
    *("max_in_flight", "records", "history_rows_total", "expected_rows"),
)


def kinds(by_endpoint: dict[str, int]) -> dict[str, int]:
    """Requests per kind: issue 14's kinds, object batch reads (history reads: this bench
    reads no other batch) taken out of ``other``."""
    totals = {k: 0 for k in KINDS} | _kind_totals(by_endpoint)
    history = sum(n for key, n in by_endpoint.items() if key.startswith(HISTORY_ENDPOINT + " "))
    totals["history_batch_read"] = history
    totals["other"] -= history
    return totals


def history_key(object_type: str) -> str:
    """The request-count key of a type's history batch reads."""
    return f"{HISTORY_ENDPOINT} [{object_type}]"


def summarize(by_endpoint: dict[str, int]) -> dict[str, Any]:
    """A plan's requests per endpoint, per kind, burst (everything but searches) and search."""
    per_kind = kinds(by_endpoint)
    total = sum(by_endpoint.values())
    return {**per_kind, "burst": total - per_kind["search"], "by_endpoint": by_endpoint}


def bound(plan: dict[str, Any]) -> float:
    """``budget_seconds`` of a plan (first burst window free, search after burst)."""
    return budget_seconds(plan["burst"], plan["search"])


def keyset_bound(plan: dict[str, Any], active: dict[str, int]) -> dict[str, float]:
    """The full plan with keyset search chains instead of list pages (what the tap's planner
    picks for large reads): its searches run beside the burst reads, so its bound is the
    larger of the two budgets, not their sum."""
    searches = plan["search"] + sum(math.ceil(n / SEARCH_PAGE) for n in active.values())
    burst = plan["burst"] - plan["list"]
    seconds = max(budget_seconds(burst, 0), budget_seconds(0, searches))
    return {"burst": burst, "search": searches, "seconds": seconds}


def _mode_summary(runs: list[dict[str, Any]], minimum: dict[str, Any]) -> dict[str, Any]:
    for r in runs:
        r["history_rows_total"] = sum(r["history_rows"].values())
    med: dict[str, Any] = {k: median(r[k] for r in runs) for k in MEDIANS}
    med["kinds"] = {k: median(r["kinds"][k] for r in runs) for k in KINDS}
    limit = bound(minimum)
    return {
        "median": med,
        "bound_seconds": limit,
        "ratio": med["seconds"] / limit if limit else math.nan,
        "rows_equal": [r["history_rows"] == r["expected_by_type"] for r in runs],
        "runs_seconds": [r["seconds"] for r in runs],
    }


def summary(out: dict[str, Any]) -> dict[str, Any]:
    """Medians per mode, the bounds and the keyset reference."""
    full = [r["full"] for r in out["runs"]]
    incr = [r["incremental"] for r in out["runs"]]
    return {
        "full": _mode_summary(full, out["full_minimum"]),
        "incremental": _mode_summary(incr, out["incremental_minimum"]),
        "keyset": keyset_bound(out["full_minimum"], out["active"]),
    }


def _full_plan(active: dict[str, int], measured: dict[str, Any], scale: float) -> dict[str, Any]:
    """The minimum full plan for ``active`` records, extra association pages scaled."""
    base = sum(math.ceil(active[f] / ASSOC_BATCH) for f, _ in DIRECTIONS)
    extra = measured["association_batch_read"] - sum(
        math.ceil(measured["active"][f] / ASSOC_BATCH) for f, _ in DIRECTIONS
    )
    per_kind = {
        "list": sum(math.ceil(n / LIST_PAGE) for n in active.values()),
        "association_batch_read": base + round(extra * scale),
        "history_batch_read": sum(math.ceil(n / HISTORY_PER_REQUEST) for n in active.values()),
        "other": measured["other"],
        "search": measured["search"],
    }
    return per_kind | {"burst": sum(per_kind.values()) - per_kind["search"]}


def _incremental_plan(changed: dict[str, int], other: int) -> dict[str, Any]:
    per_kind = {
        "list": 0,
        "search": sum(max(1, math.ceil(n / SEARCH_PAGE)) + 1 for n in changed.values()),
        "association_batch_read": sum(math.ceil(changed[f] / ASSOC_BATCH) for f, _ in DIRECTIONS),
        "history_batch_read": sum(math.ceil(n / HISTORY_PER_REQUEST) for n in changed.values()),
        "other": other,
    }
    return per_kind | {"burst": sum(per_kind.values()) - per_kind["search"]}


def project(out: dict[str, Any], contacts: int) -> dict[str, Any]:
    """The minimum plans at ``contacts`` (deals in proportion, the same active share, versions
    per record and association pages per record), their bounds, and the projected walls: full =
    measured ratio x bound there (and, as a check, the measured wall scaled linearly);
    incremental (the same 1 % changed) = measured wall + the bound there (an upper estimate:
    start-up and latency as measured, plus the time the limits add)."""
    plan, sm = out["plan"], out["summary"]
    scale = contacts / plan["contacts"]
    deals = plan["contacts"] * plan["deals_per_contact"] * scale
    active = {t: round(out["active"][t] * scale) for t in TYPES}
    full_measured = out["full_minimum"] | {"active": out["active"]}
    full = _full_plan(active, full_measured, scale)
    first = out["runs"][0]
    per_record = {t: first["full"]["expected_by_type"][t] / out["active"][t] for t in TYPES}
    changed = {t: int(active[t] * plan["change_fraction"]) for t in TYPES}
    incr_measured = first["incremental"]
    per_changed = incr_measured["expected_rows"] / max(1, sum(incr_measured["changed"].values()))
    incr = _incremental_plan(changed, out["incremental_minimum"]["other"])
    full_bound, incr_bound = bound(full), bound(incr)
    keyset = keyset_bound(full, active)
    return {
        "contacts": contacts,
        "deals": deals,
        "active": active,
        "full": full
        | {
            "bound_seconds": full_bound,
            "projected_seconds": sm["full"]["ratio"] * full_bound,
            "linear_seconds": sm["full"]["median"]["seconds"] * scale,
            "keyset_bound_seconds": keyset["seconds"],
            "history_rows": round(sum(per_record[t] * active[t] for t in TYPES)),
        },
        "incremental": incr
        | {
            "changed": changed,
            "bound_seconds": incr_bound,
            "projected_seconds": sm["incremental"]["median"]["seconds"] + incr_bound,
            "history_rows": round(per_changed * sum(changed.values())),
        },
        "versions_per_record": per_record,
    }


def _rows(mode: dict[str, Any]) -> str:
    med = mode["median"]
    ok = all(mode["rows_equal"])
    mark = "=" if ok else "**≠**"
    return f"{med['history_rows_total']:,.0f} {mark} {med['expected_rows']:,.0f}"


def render(out: dict[str, Any], commit: str | None = None) -> list[str]:
    """The markdown section of a property-history measurement."""
    plan, sm, props = out["plan"], out["summary"], out["history_properties"]
    active = out["active"]
    at = f" at commit `{commit}`" if commit else ""
    loads = ", ".join(f"{a[0]:.1f}" for a in out.get("load_average", []))
    fm, im = out["full_minimum"], out["incremental_minimum"]
    changed = out["runs"][0]["incremental"]["changed"]
    lines = [
        "## Property history (issue 23)",
        "",
        f"{plan['contacts']:,} contacts + {int(plan['contacts'] * plan['deals_per_contact']):,} "
        f"deals ({active['contacts']:,} + {active['deals']:,} active, "
        f"{out.get('association_records', 0):,} association records deals↔contacts, both "
        f"directions), simulator latency `{plan['latency']}`, simulator limits = HubSpot's "
        "defaults (100 per 10 s, 5 searches/s), tap defaults (limits, concurrency, read plan) "
        "with the DEFAULT `property_history` ("
        + "; ".join(f"{t}: {', '.join(p)}" for t, p in props.items())
        + f"), `reference_data: []`{at}. Medians of {len(out['runs'])} repetition(s), each a "
        "first run on a fresh state, then 1 % of each type changed through the admin API (one "
        f"appended version each: {changed.get('contacts', 0):,} contacts, "
        f"{changed.get('deals', 0):,} deals) and an incremental run from its state "
        "(`lookback_minutes`/`safety_lag_seconds` 0). The machine's 2 cores were shared with "
        f"other agents' work (load average at start and end: {loads}).",
        "",
        f"Minimum plan, first run: {fm['list']:,} list pages + {fm['association_batch_read']:,}"
        f" association batch reads + {fm['history_batch_read']:,} history batch reads "
        f"(ceil(active/50) per type) + {fm['other']} properties/labels = {fm['burst']:,} burst "
        f"requests, {fm['search']} searches (count probes). Incremental: {im['search']} "
        f"searches, {im['burst']} burst requests ({im['history_batch_read']} history). Bound = "
        "`bench.tap_bench.budget_seconds` of the plan (first 10-s window free).",
        "",
        "| run | wall (median; each run) | bound | ratio | burst vs minimum | search vs minimum "
        "| history reads vs minimum | history rows = versions expected | 429s | 4xx/5xx | "
        "peak RSS | max in flight | records |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    ks = sm["keyset"]
    for mode, label, minimum in (("full", "first (full)", fm), ("incremental", "1 % changed", im)):
        m = sm[mode]
        med = m["median"]
        each = ", ".join(f"{s:.1f}" for s in m["runs_seconds"])
        burst, search = _vs(med["burst"], minimum["burst"]), _vs(med["search"], minimum["search"])
        if mode == "full":
            burst += f"; keyset plan {ks['burst']:,}"
            search = f"{med['search']:,.0f} / {minimum['search']:,}; keyset plan {ks['search']:,}"
        lines.append(
            f"| {label} | {_mins(med['seconds'])} ({each}) | {_mins(m['bound_seconds'])} | "
            f"{_ratio(m['ratio'])} | {burst} | {search} | "
            f"{_vs(med['kinds']['history_batch_read'], minimum['history_batch_read'])} | "
            f"{_rows(m)} | {med['answered_429']:.0f} | {med['errors_4xx_5xx']:.0f} | "
            f"{med['max_rss_mb']:.0f} MB | {med['max_in_flight']:.0f} | {med['records']:,.0f} |"
        )
    lines += ["", "Requests per kind (medians) against the minimum plan:", ""]
    lines += ["| run | " + " | ".join(KINDS) + " |", "|---|" + "---:|" * len(KINDS)]
    for mode, minimum in (("full", fm), ("incremental", im)):
        cells = " | ".join(f"{sm[mode]['median']['kinds'][k]:,.0f} / {minimum[k]:,}" for k in KINDS)
        lines.append(f"| {mode} | {cells} |")
    lines += [
        "",
        f"The planner reads large types through keyset search chains (searches on their own "
        f"5/s budget, beside the burst reads): that plan's least requests are {ks['burst']:,} "
        f"burst + {ks['search']:,} searches, bound {_mins(ks['seconds'])} (the larger of the two "
        f"budgets), against which the first run's wall is "
        f"{_ratio(sm['full']['median']['seconds'] / ks['seconds'] if ks['seconds'] else math.nan)}x.",  # noqa: E501
    ]
    if im["burst"] <= BURST:
        lines[-1] += (
            " The incremental run's requests fit in the first 10-s window (its bound is the "
            "searches' seconds alone): its wall is the tap's start-up and its round trips at this "
            "latency, not the limits."
        )
    pj = out.get("projection")
    if pj:
        f, i = pj["full"], pj["incremental"]
        lines += [
            "",
            f"### Projection: {pj['contacts']:,} contacts + {pj['deals']:,.0f} deals",
            "",
            f"Assumed: the measured active share ({pj['active']['contacts']:,} + "
            f"{pj['active']['deals']:,} active), versions per record "
            + ", ".join(f"{t} {v:.2f}" for t, v in pj["versions_per_record"].items())
            + ", association pages per record and wall/bound ratios as measured; 100 requests "
            "per 10 s, 5 searches/s.",
            "",
            "| run | minimum burst / search | history reads | history rows | bound | projected "
            "wall | check |",
            "|---|---:|---:|---:|---:|---:|---|",
            f"| first (full) | {f['burst']:,} / {f['search']:,} | {f['history_batch_read']:,} | "
            f"{f['history_rows']:,} | {_mins(f['bound_seconds'])} | "
            f"{_mins(f['projected_seconds'])} (ratio x bound) | measured wall x "
            f"{pj['contacts'] / plan['contacts']:.0f}: {_mins(f['linear_seconds'])}; keyset "
            f"plan bound {_mins(f['keyset_bound_seconds'])} |",
            f"| 1 % changed ({sum(i['changed'].values()):,}) | {i['burst']:,} / {i['search']:,} | "
            f"{i['history_batch_read']:,} | {i['history_rows']:,} | {_mins(i['bound_seconds'])} | "
            f"{_mins(i['projected_seconds'])} (measured wall + bound) | upper estimate |",
        ]
    return [*lines, ""]


def console(out: dict[str, Any]) -> list[str]:
    """Summary lines for ``python -m bench``."""
    lines = []
    for mode in ("full", "incremental"):
        m = out["summary"][mode]
        med = m["median"]
        lines.append(
            f"history {mode:11s} {med['seconds']:7.1f} s vs bound {m['bound_seconds']:.0f} s "
            f"(x{_ratio(m['ratio'])}), burst {med['burst']:.0f} / search {med['search']:.0f}, "
            f"rows {med['history_rows_total']:,.0f} (expected {med['expected_rows']:,.0f}), "
            f"{med['answered_429']:.0f} x 429, peak {med['max_rss_mb']:.0f} MB"
        )
    return lines
