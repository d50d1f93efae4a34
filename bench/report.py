"""Environment facts, the BENCHMARKS.md report, the console summary and the plots."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import os
import platform
import subprocess
from collections import defaultdict
from pathlib import Path
from typing import Any

import psycopg
from pipeline_devtools.postgres import Database

from bench import (
    budget_bench,
    history_report,
    latency_bench,
    memory_bench,
    portal_bench,
    skewed_bench,
)
from bench.common import ROOT, TARGET_POSTGRES_VENV, median
from bench.plots import plot_all

REPORT_VERSION = 1
GOAL_PEER, GOAL_FLOOR, GOAL_TAP_MB, GOAL_BUDGET = 10.0, 0.5, 250.0, 1.10
GOAL_PHASES = ("fresh", "reload")  # the target goals' cases (the issue's fresh load and re-load)


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _first(path: str, prefix: str) -> str:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(prefix):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "?"


def environment(db: Database) -> dict[str, Any]:
    """Machine, versions and the commit measured."""
    with psycopg.connect(db.url) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    git = ["git", "-C", str(ROOT)]
    commit = subprocess.run(
        [*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    dirty = subprocess.run(
        [
            *git,
            "status",
            "--porcelain",
            "--",
            "tap-hubspot-assoc",
            "target-hubspot-overwrite",
            "hubspot-simulator",
        ],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    mem_kb = int(_first("/proc/meminfo", "MemTotal").split()[0] or 0)
    peer_python = TARGET_POSTGRES_VENV / "bin" / "python"  # made by the target bench
    peer = (
        subprocess.run(
            [
                str(peer_python),
                "-c",
                "import importlib.metadata as m; print(m.version('meltanolabs-target-postgres'))",
            ],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        if peer_python.exists()
        else ""
    )
    return {
        "date": dt.datetime.now(tz=dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit + (" + uncommitted plugin changes" if dirty else ""),
        "cpu": _first("/proc/cpuinfo", "model name"),
        "cores": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "load_average": os.getloadavg(),
        "python": platform.python_version(),
        "postgresql": f"{row[0] if row else '?'} ({db.origin})",
        "singer-sdk": _version("singer-sdk"),
        "meltano": _version("meltano"),
        "orjson": _version("orjson"),
        "psycopg": _version("psycopg"),
        "meltanolabs-target-postgres": peer or "not installed",
    }


def _fmt(x: float, digits: int = 0) -> str:
    return "n/a" if x != x else f"{x:,.{digits}f}"


def target_medians(target: dict[str, Any]) -> dict[tuple[str, str, str], dict[str, float]]:
    """(loader, stream, phase) → medians of seconds, rows/s, peak RSS; and run count."""
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for m in target["measurements"]:
        groups[(m["loader"], m["stream"], m["phase"])].append(m)
    return {
        key: {
            "rows": ms[0]["rows"],
            "runs": len(ms),
            "seconds": median(m["seconds"] for m in ms),
            "rows_per_s": median(m["rows_per_s"] for m in ms),
            "max_rss_mb": median(m["max_rss_mb"] for m in ms),
        }
        for key, ms in groups.items()
    }


def target_ratios(target: dict[str, Any]) -> list[dict[str, Any]]:
    """ours / target-postgres and ours / floor per stream, phase and load method."""
    med = target_medians(target)
    out = []
    for (loader, stream, phase), m in sorted(med.items()):
        if not loader.startswith("ours"):
            continue
        peer = med.get(("target-postgres", stream, phase), {}).get("rows_per_s", float("nan"))
        floor = med.get(("floor", stream, phase), {}).get("rows_per_s", float("nan"))
        out.append(
            {
                "loader": loader,
                "stream": stream,
                "phase": phase,
                "vs_peer": m["rows_per_s"] / peer,
                "vs_floor": m["rows_per_s"] / floor,
            }
        )
    return out


def _target_section(target: dict[str, Any]) -> list[str]:
    med = target_medians(target)
    lines = [
        "## Target: loading the same Singer file",
        "",
        "| loader | stream | phase | rows | runs | median s | rows/s | peak RSS MB |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for (loader, stream, phase), m in sorted(med.items()):
        lines.append(
            f"| {loader} | {stream} | {phase} | {m['rows']:,} | {m['runs']} | "
            f"{m['seconds']:.2f} | {_fmt(m['rows_per_s'])} | "
            f"{_fmt(m['max_rss_mb'])} |"
        )
    lines += [
        "",
        f"Goals: ours ≥ {GOAL_PEER:g}x target-postgres and ≥ {GOAL_FLOOR:g}x the "
        f"floor (rows/s, medians), for the {' and '.join(GOAL_PHASES)} phases. The "
        "refresh-* rows (a full refresh bracketed by ACTIVATE_VERSION, reconciled at the end) "
        "are not among the issue's cases; they measure what the reconciliation adds.",
        "",
        "| ours | stream | phase | x target-postgres | x floor | goals met |",
        "|---|---|---|---:|---:|---|",
    ]
    for r in target_ratios(target):
        floor_ok = r["vs_floor"] >= GOAL_FLOOR or r["vs_floor"] != r["vs_floor"]  # NaN: none
        met = "yes" if r["vs_peer"] >= GOAL_PEER and floor_ok else "**no**"
        if r["phase"] not in GOAL_PHASES:
            met = "n/a"
        lines.append(
            f"| {r['loader']} | {r['stream']} | {r['phase']} | "
            f"{_fmt(r['vs_peer'], 1)} | {_fmt(r['vs_floor'], 2)} | {met} |"
        )
    startup = target.get("startup") or {}
    if startup:
        lines += [
            "",
            "Start-up (a file with one SCHEMA and no record; included in every time above):",
            "",
            "| loader | seconds | peak RSS MB |",
            "|---|---:|---:|",
        ]
        lines += [
            f"| {name} | {v['seconds']:.2f} | {_fmt(v['max_rss_mb'])} |"
            for name, v in sorted(startup.items())
        ]
    return [*lines, ""]


def _requests_table(measured: list[dict[str, int]], minimum: dict[str, int]) -> list[str]:
    keys = sorted(set(minimum) | {k for m in measured for k in m})
    lines = ["| endpoint [type] | requests (median) | minimum | ratio |", "|---|---:|---:|---:|"]
    for key in keys:
        got = median(m.get(key, 0) for m in measured)
        low = minimum.get(key)
        ratio = _fmt(got / low, 2) if low else "n/a"
        lines.append(f"| `{key}` | {_fmt(got)} | {low if low is not None else '-'} | {ratio} |")
    return lines


def _tap_section(tap: dict[str, Any]) -> list[str]:
    tp = tap["throughput"]
    lines = [
        "## Tap: against the simulator",
        "",
        f"Dataset: {tp['contacts']:,} contacts generated ({tp['active']['contacts']:,} "
        f"active), {tp['active']['meetings']:,} active meetings, the meetings↔contacts "
        f"pair; {len(tp['runs'])} run(s), limits off.",
        "",
    ]
    for mode in ("full", "incremental"):
        runs = [r[mode] for r in tp["runs"]]
        streams = sorted({s for r in runs for s in r["streams"]})
        extra = ""
        if mode == "incremental":
            extra = f" (changed before the run: {runs[0]['changed']})"
        lines += [
            f"### {mode.capitalize()} sync{extra}",
            "",
            f"Wall time (median): {median(r['seconds'] for r in runs):.1f} s, "
            f"{_fmt(median(r['records'] for r in runs))} records, peak RSS "
            f"{median(r['max_rss_mb'] for r in runs):.0f} MB.",
            "",
            "| stream | records | records/s (first to last record) |",
            "|---|---:|---:|",
        ]
        for s in streams:
            recs = median(r["streams"].get(s, {}).get("records", 0) for r in runs)
            rate = median(r["streams"].get(s, {}).get("records_per_s", 0) for r in runs)
            lines.append(f"| {s} | {_fmt(recs)} | {_fmt(rate)} |")
        lines += [
            "",
            *_requests_table([r["requests"]["by_endpoint"] for r in runs], tp[f"{mode}_minimum"]),
            "",
        ]
    lines += [
        "### Peak memory against data size",
        "",
        "| contacts | streams | records | s | peak RSS MB | goal < 250 MB |",
        "|---:|---|---:|---:|---:|---|",
    ]
    points = [
        *tap["memory"],
        *(
            {
                "contacts": tp["contacts"],
                "series": "contacts+meetings+associations",
                "max_rss_mb": r["full"]["max_rss_mb"],
                "records": r["full"]["records"],
                "seconds": r["full"]["seconds"],
            }
            for r in tp["runs"][:1]
        ),
    ]
    for p in sorted(points, key=lambda p: (p["series"], p["contacts"])):
        ok = "yes" if p["max_rss_mb"] < GOAL_TAP_MB else "**no**"
        lines.append(
            f"| {p['contacts']:,} | {p['series']} | {p['records']:,} | "
            f"{p['seconds']:.1f} | {p['max_rss_mb']:.0f} | {ok} |"
        )
    lim = tap["limited"]
    lines += [
        "",
        "### With HubSpot's limits on (100 requests / 10 s, search 5/s server, 4/s tap)",
        "",
        f"{lim['contacts']:,} contacts, 30 % as many meetings; the budget is the least "
        "time the limits allow for the requests made (first 100 free, then 100 per "
        "10 s; searches 4 per s).",
        "",
        "| run | requests | search | 429s | wall s | budget s | wall / budget |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for mode in ("full", "incremental"):
        r = lim[mode]
        ratio = r["seconds"] / r["budget_seconds"] if r["budget_seconds"] else float("nan")
        lines.append(
            f"| {mode} | {r['requests']['total']} | {r['kinds'].get('search', 0)} | "
            f"{r['answered_429']} | {r['seconds']:.1f} | {r['budget_seconds']:.1f} | "
            f"{_fmt(ratio, 2)} |"
        )
    pj = tap["projection"]
    lines += [
        "",
        f"### Projection: {pj['contacts']:,} contacts, {pj['meetings']:,} meetings, "
        f"{pj['associations']:,} association records, at HubSpot's limits",
        "",
        "| sync | non-search requests | searches | least wall time |",
        "|---|---:|---:|---:|",
        f"| full | {pj['full']['burst_requests']:,} | 0 | {pj['full']['seconds'] / 60:.1f} min |",
        f"| incremental ({pj['incremental']['changed_fraction']:.0%} changed) | "
        f"{pj['incremental']['burst_requests']:,} | "
        f"{pj['incremental']['search_requests']:,} | "
        f"{pj['incremental']['seconds'] / 60:.1f} min |",
        "",
        f"Basis (measured at {pj['basis']['measured_at_contacts']:,} contacts): "
        f"{pj['basis']['list_per_object']:.4f} list requests per object, "
        f"{pj['basis']['extra_pages_per_association']:.5f} extra association pages "
        "per association record, ceil(parents/1000) batch reads per direction; "
        "incremental counts scale with the data at the same change fraction.",
        "",
    ]
    return lines


def _e2e_section(e2e: dict[str, Any]) -> list[str]:
    plan = e2e["plan"]
    lines = [
        "## End to end: `meltano run tap-hubspot-assoc target-hubspot-overwrite`",
        "",
        f"{plan['contacts']:,} contacts and {int(plan['contacts'] * 0.3):,} meetings in "
        f"the simulator (limits off), {len(e2e['runs'])} run(s); incremental after "
        f"{plan['change_fraction']:.0%} of the records changed.",
        "",
        "| sync | wall s | records loaded | records/s | peak MB meltano | tap | target |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for mode in ("full", "incremental"):
        runs = [r[mode] for r in e2e["runs"]]
        peaks = {
            k: median(r["peaks_mb"].get(k, float("nan")) for r in runs)
            for k in ("meltano", "tap", "target")
        }
        lines.append(
            f"| {mode} | {median(r['seconds'] for r in runs):.1f} | "
            f"{_fmt(median(r['received'] for r in runs))} | "
            f"{_fmt(median(r['records_per_s'] for r in runs))} | "
            f"{_fmt(peaks['meltano'])} | {_fmt(peaks['tap'])} | "
            f"{_fmt(peaks['target'])} |"
        )
    rows = e2e["runs"][0]["full"]["table_rows"]
    lines += [
        "",
        "Rows after the full sync: " + ", ".join(f"{t} {n:,}" for t, n in rows.items()) + ".",
        "",
    ]
    return lines


def render(results: dict[str, Any], plots: list[Path], out_dir: Path) -> str:
    """The whole Markdown report."""
    env = results["environment"]
    lines = [
        "# Benchmarks",
        "",
        f"<!-- generated by `python -m bench` (report format v{REPORT_VERSION}); "
        "edit bench/, not this file -->",
        "",
        f"Measured {env['date']} at commit `{env['commit']}` ({results['mode']} run, "
        f"command `{results.get('command', 'python -m bench')}`).",
        "",
        "| machine | versions |",
        "|---|---|",
        f"| {env['cores']} cores, {env['memory_gb']} GB, {env['cpu']}; load average at start "
        f"{', '.join(f'{x:.1f}' for x in env['load_average'])} | Python {env['python']}, "
        f"PostgreSQL {env['postgresql']}, singer-sdk {env['singer-sdk']}, meltano "
        f"{env['meltano']}, meltanolabs-target-postgres "
        f"{env['meltanolabs-target-postgres']}, psycopg {env['psycopg']}, orjson "
        f"{env['orjson']} |",
        "",
        "Parts (duration, commit measured): "
        + ", ".join(
            f"{k} {v / 60:.1f} min at `{results.get('commits', {}).get(k, 'an earlier commit')}`"
            for k, v in results.get("seconds", {}).items()
        )
        + ".",
        "",
    ]
    if "target" in results:
        lines += _target_section(results["target"])
    if "tap" in results:
        lines += _tap_section(results["tap"])
    if "e2e" in results:
        lines += _e2e_section(results["e2e"])
    commits = results.get("commits", {})
    if "latency" in results:
        lines += latency_bench.render(results["latency"], commits.get("latency"))
    if "memory" in results:
        lines += memory_bench.render(results["memory"], commits.get("memory"))
    if "history" in results:
        lines += history_report.render(results["history"], commits.get("history"))
    if "budget" in results:
        lines += budget_bench.render(results["budget"], commits.get("budget"))
    if "skewed" in results:
        lines += skewed_bench.render(results["skewed"], commits.get("skewed"))
    if "portal" in results:
        lines += portal_bench.render(results["portal"], commits.get("portal"))
    if plots:
        lines += ["## Plots", ""]
        lines += [f"![{p.stem}]({os.path.relpath(p, out_dir)})" for p in plots]
        lines.append("")
    for name in (
        "FINDINGS.md",
        "PORTAL.md",
        "LATENCY.md",
        "HISTORY.md",
        "NOTES.md",
    ):  # hand-written, then method
        extra = ROOT / "bench" / name
        if extra.exists():
            lines += [extra.read_text().strip(), ""]
    return "\n".join(lines)


def write(results: dict[str, Any], path: Path, plots_dir: Path) -> None:
    """Write the plots and the report."""
    path.parent.mkdir(parents=True, exist_ok=True)
    plots = plot_all(results, plots_dir)
    path.write_text(render(results, plots, path.parent))


def summary(results: dict[str, Any]) -> str:
    """A short plain-text summary for the console."""
    lines = ["", "=== summary (medians) ==="]
    if "target" in results:
        for (loader, stream, phase), m in sorted(target_medians(results["target"]).items()):
            lines.append(
                f"target {loader:21s} {stream:34s} {phase:6s} "
                f"{m['rows_per_s']:10,.0f} rows/s  peak {m['max_rss_mb']:5.0f} MB"
            )
        for r in target_ratios(results["target"]):
            lines.append(
                f"ratio  {r['loader']:21s} {r['stream']:34s} {r['phase']:6s} "
                f"x{r['vs_peer']:6.1f} target-postgres  x{r['vs_floor']:5.2f} floor"
            )
    if "tap" in results:
        tap = results["tap"]
        for run in tap["throughput"]["runs"][:1]:
            for mode in ("full", "incremental"):
                r = run[mode]
                lines.append(
                    f"tap {mode:11s} {r['records']:9,} records {r['seconds']:6.1f} s "
                    f"{r['requests']['total']:6} requests  peak {r['max_rss_mb']:.0f} MB"
                )
        for p in tap["memory"]:
            lines.append(
                f"tap memory {p['contacts']:9,} contacts ({p['series']}): {p['max_rss_mb']:.0f} MB"
            )
        for mode in ("full", "incremental"):
            r = tap["limited"][mode]
            lines.append(
                f"tap limited {mode:11s} {r['seconds']:6.1f} s vs budget "
                f"{r['budget_seconds']:.1f} s, {r['answered_429']} x 429"
            )
        pj = tap["projection"]
        lines.append(
            f"tap projection 1M contacts: full {pj['full']['seconds'] / 60:.1f} min, "
            f"incremental {pj['incremental']['seconds'] / 60:.1f} min"
        )
    for c in results.get("latency", {}).get("cases", []):
        med = c["median"]
        lines.append(
            f"latency {c['case']:17s} {med['seconds']:7.1f} s vs bound "
            f"{c['bound_seconds']:.0f} s (x{_fmt(c['ratio'], 2)}), burst {med['burst']:.0f} / "
            f"search {med['search']:.0f}, {med['answered_429']:.0f} x 429, "
            f"peak {med['max_rss_mb']:.0f} MB"
        )
    for p in results.get("memory", {}).get("points", []):
        lines.append(
            f"memory {p['contacts']:9,} contacts (all streams): tap peak {p['max_rss_mb']:.0f} MB"
            f" in {p['seconds']:.0f} s"
        )
    if "history" in results:
        lines += history_report.console(results["history"])
    if "e2e" in results:
        for mode in ("full", "incremental"):
            runs = [r[mode] for r in results["e2e"]["runs"]]
            lines.append(
                f"e2e {mode:11s} {median(r['seconds'] for r in runs):6.1f} s "
                f"{median(r['received'] for r in runs):9,.0f} records"
            )
    return "\n".join(lines)
