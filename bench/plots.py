"""PNG plots of the results (matplotlib, Agg backend)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from bench.common import median

LOADER_ORDER = ["ours-upsert", "ours-force-overwrite", "floor", "target-postgres"]


def _target_bars(target: dict[str, Any], metric: str, ylabel: str, path: Path, log: bool) -> Path:
    groups: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    for m in target["measurements"]:
        groups[(m["loader"], m["stream"], m["phase"])].append(m[metric])
    cases = sorted({(s, p) for _, s, p in groups})
    loaders = [name for name in LOADER_ORDER if any(k[0] == name for k in groups)]
    fig, ax = plt.subplots(figsize=(10, 5))
    width = 0.8 / max(1, len(loaders))
    for i, loader in enumerate(loaders):
        values = [median(groups.get((loader, s, p), [])) for s, p in cases]
        xs = [c + i * width for c in range(len(cases))]
        bars = ax.bar(xs, values, width, label=loader)
        ax.bar_label(bars, fmt="{:,.0f}", fontsize=7, rotation=90, padding=2)
    ax.set_xticks([c + width * (len(loaders) - 1) / 2 for c in range(len(cases))])
    rows = {(m["stream"], m["loader"]): m["rows"] for m in target["measurements"]}
    ax.set_xticklabels(
        [f"{s.replace('_associations', ' assoc.')}\n{p}" for s, p in cases], fontsize=8
    )
    if log:
        ax.set_yscale("log")
        ax.set_ylim(top=max((m[metric] for m in target["measurements"]), default=1) * 4)
    else:
        ax.margins(y=0.15)
    ax.set_ylabel(ylabel)
    per_group: dict[str, dict[str, int]] = defaultdict(dict)
    for (stream, loader), n in rows.items():
        group = "target-postgres" if loader == "target-postgres" else "ours and floor"
        per_group[group][stream.split("_")[-1]] = n
    sizes = "; ".join(
        f"{g}: " + ", ".join(f"{n:,} {s}" for s, n in sorted(v.items()))
        for g, v in sorted(per_group.items())
    )
    ax.set_title(f"Target: {ylabel} (median)\nrows: {sizes}", fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _tap_memory(tap: dict[str, Any], path: Path) -> Path:
    series: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for p in tap["memory"]:
        series[p["series"]].append((p["contacts"], p["max_rss_mb"]))
    tp = tap["throughput"]
    series["contacts+meetings+associations"] += [
        (tp["contacts"], median(r["full"]["max_rss_mb"] for r in tp["runs"]))
    ]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name, points in sorted(series.items()):
        points.sort()
        ax.plot([x for x, _ in points], [y for _, y in points], marker="o", label=name)
        for x, y in points:
            ax.annotate(
                f"{y:.0f} MB",
                (x, y),
                textcoords="offset points",
                xytext=(0, 6),
                fontsize=8,
                ha="center",
            )
    ax.axhline(250, color="red", linestyle="--", linewidth=1, label="goal: 250 MB")
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda x, _: f"{x:,.0f}"))
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_ylim(0, 300)
    ax.set_xlabel("contacts in the simulator (meetings = 30 %)")
    ax.set_ylabel("tap peak RSS (MB)")
    ax.set_title("Tap peak memory of a full sync against data size")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _tap_rates(tap: dict[str, Any], path: Path) -> Path:
    runs = tap["throughput"]["runs"]
    streams = sorted(
        {s for r in runs for s in r["full"]["streams"] if r["full"]["streams"][s]["records"] > 100}
    )
    values = [
        median(r["full"]["streams"].get(s, {}).get("records_per_s", 0) for r in runs)
        for s in streams
    ]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    bars = ax.barh(streams, values)
    ax.bar_label(bars, fmt="{:,.0f}", fontsize=8, padding=2)
    ax.set_xlabel("records/s (first to last record of the stream, median)")
    ax.set_title(f"Tap full sync, {tap['throughput']['contacts']:,} contacts, limits off")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_all(results: dict[str, Any], out_dir: Path) -> list[Path]:
    """Every plot the results allow; return the files."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    if "target" in results:
        paths.append(
            _target_bars(
                results["target"],
                "rows_per_s",
                "rows/s",
                out_dir / "target_rows_per_s.png",
                log=True,
            )
        )
        paths.append(
            _target_bars(
                results["target"],
                "max_rss_mb",
                "peak RSS (MB)",
                out_dir / "target_peak_rss.png",
                log=False,
            )
        )
    if "tap" in results:
        paths.append(_tap_memory(results["tap"], out_dir / "tap_peak_rss.png"))
        paths.append(_tap_rates(results["tap"], out_dir / "tap_records_per_s.png"))
    return paths
