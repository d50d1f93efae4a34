"""Issue 24's A/B of the target's load path: the same Singer files loaded by the target at two
commits, their runs alternating, beside meltanolabs-target-postgres and the plain COPY floor.

Usage (repository root)::

    .venv/bin/python -m bench.load_ab --before 56592c5 --after HEAD [--runs 3]

Each commit is checked out into its own git worktree (``bench-results/ab/<commit>``) and run
through the installed ``target-hubspot-overwrite`` entry point with ``PYTHONPATH`` pointing at
that worktree's package, so both commits share the same dependencies and neither sees
uncommitted edits. Per run, stream and mode (``upsert``, ``force_overwrite``) the two commits
load one after the other into fresh scratch schemas (fresh, then reload), the first of the
pair alternating from run to run, so that load from other processes hits both alike; the 1-min
load average is recorded before every load. target-postgres runs in the first run, after
the floor of each stream (the same stretch of load), at the sizes of ``bench.target_bench``
(``--peer-runs 0`` skips it). Writes ``bench-results/load-ab.json`` and
prints the Markdown tables of BENCHMARKS.md's "Load path A/B (issue 24)".
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from pipeline_devtools.postgres import Database, find_database, scratch_schema

from bench import singer_data
from bench.common import RESULTS_DIR, ROOT, VENV_BIN, log_path, median, progress
from bench.procs import run_measured
from bench.target_bench import LOADERS, Loader, _load, _row_count, ensure_target_postgres

MODES = {"upsert": False, "force-overwrite": True}
FLOOR = next(loader for loader in LOADERS if loader.kind == "floor")
PEER = next(loader for loader in LOADERS if loader.kind == "peer")


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.strip()


def worktree(commit: str) -> tuple[str, Path]:
    """The full hash of ``commit`` and a worktree of it (created once, then reused)."""
    sha = _git("rev-parse", "--verify", f"{commit}^{{commit}}")
    path = RESULTS_DIR / "ab" / sha[:12]
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        _git("worktree", "add", "--detach", str(path), sha)
    return sha, path


def version_env(tree: Path) -> dict[str, str]:
    """Environment that makes the entry point import the target package of ``tree``."""
    package = tree / "target-hubspot-overwrite"
    env = {**os.environ, "PYTHONPATH": str(package)}
    found = subprocess.run(
        [str(VENV_BIN / "python"), "-c", "import target_hubspot_overwrite as t; print(t.__file__)"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    if not found.startswith(str(package)):
        raise RuntimeError(f"PYTHONPATH={package} imports {found}")
    return env


def measure(
    loader: Loader, env: dict[str, str] | None, db: Database, data: Path, rows: int, workdir: Path
) -> list[dict[str, Any]]:
    """Fresh then reload of ``data`` into a new scratch schema."""
    out = []
    with scratch_schema(db, prefix="bench_ab") as schema:
        for phase in ("fresh", "reload"):
            load = os.getloadavg()[0]
            cmd = loader.command(db, schema, data, workdir)
            with data.open("rb") as stdin:
                res = run_measured(
                    cmd, stdin=stdin, cwd=ROOT, stderr_path=log_path(f"ab-{loader.name}"), env=env
                )
            stream = data.name.split("-")[0]
            loaded = _row_count(db, schema, stream)
            if loaded != rows:
                raise RuntimeError(f"{loader.name} {phase}: {loaded} rows, not {rows}")
            out.append(
                {
                    "phase": phase,
                    "seconds": res.seconds,
                    "cpu_seconds": res.cpu_seconds,
                    "max_rss_mb": res.max_rss_mb,
                    "load": load,
                }
            )
    return out


def run(args: argparse.Namespace, out: Path) -> dict[str, Any]:
    """The whole A/B; raw measurements (also written to ``out`` after every load)."""
    db = find_database()
    versions: dict[str, dict[str, Any]] = {}
    for label, commit in (("before", args.before), ("after", args.after)):
        sha, tree = worktree(commit)
        versions[label] = {"commit": sha, "env": version_env(tree)}
        progress(f"A/B: {label} = {sha[:12]} ({tree})")
    raw: dict[str, Any] = {
        "versions": {k: v["commit"] for k, v in versions.items()},
        "target_postgres": ensure_target_postgres() if args.peer_runs else None,
        "measurements": [],
    }
    if args.append:  # more runs of the same pair of commits
        saved = json.loads(out.read_text())
        if saved["versions"] != raw["versions"]:
            raise SystemExit(f"{out} holds {saved['versions']}, not {raw['versions']}")
        raw = saved
    with tempfile.TemporaryDirectory(prefix="load-ab-") as tmp:
        workdir = Path(tmp)
        cases = []
        for stream, rows, peer_rows in (
            (singer_data.CONTACTS, args.contacts, args.contacts),
            (singer_data.ASSOCIATIONS, args.associations, args.peer_associations),
        ):
            files = {}
            for n in {rows, peer_rows}:
                files[n] = workdir / f"{stream}-{n}.singer"
                progress(f"A/B: generating {n:,} {stream} records")
                if stream == singer_data.CONTACTS:
                    singer_data.write_contacts(files[n], n)
                else:
                    singer_data.write_associations(files[n], n)
            cases.append((stream, rows, files[rows], peer_rows, files[peer_rows]))
        empty = workdir / "empty-0.singer"
        singer_data.write_contacts(empty, 0)
        loaders = {
            mode: Loader(f"ours-{mode}", "ours", {"force_overwrite": force})
            for mode, force in MODES.items()
        }
        for label, version in versions.items():  # writes each worktree's bytecode caches
            for loader in loaders.values():
                with scratch_schema(db, prefix="bench_ab") as schema:
                    _load(loader, db, schema, empty, workdir, f"ab-warmup-{label}", version["env"])

        def record(who: str, mode: str, stream: str, rows: int, run: int, m: dict) -> None:
            raw["measurements"].append(
                {"who": who, "mode": mode, "stream": stream, "rows": rows, "run": run, **m}
            )
            progress(_line(raw["measurements"][-1]))
            out.write_text(json.dumps(raw, indent=1))

        order = list(versions)
        for i in range(args.start, args.start + args.runs):
            for stream, rows, path, peer_rows, peer_path in cases:
                for mode, loader in loaders.items():
                    for label in order if i % 2 == 0 else order[::-1]:
                        env = versions[label]["env"]
                        for m in measure(loader, env, db, path, rows, workdir):
                            record(label, mode, stream, rows, i, m)
                for m in measure(FLOOR, None, db, path, rows, workdir):
                    record("floor", "-", stream, rows, i, m)
                if i < args.peer_runs:  # in the same stretch of load as ours
                    for m in measure(PEER, None, db, peer_path, peer_rows, workdir):
                        record("target-postgres", "upsert", stream, peer_rows, i, m)
    return raw


def _line(m: dict[str, Any]) -> str:
    return (
        f"A/B: {m['who']:15s} {m['mode']:15s} {m['stream'][:8]:8s} {m['phase']:6s} run {m['run']}: "
        f"{m['seconds']:6.2f} s = {m['rows'] / m['seconds']:9,.0f} rows/s (load {m['load']:.2f})"
    )


def markdown(raw: dict[str, Any]) -> str:
    """The tables: per case the medians of both commits, their ratio, and ours against
    target-postgres and the floor (rows/s)."""
    ms = raw["measurements"]

    def rate(who: str, mode: str | None, stream: str, phase: str) -> tuple[float, list[float]]:
        sel = [m for m in ms if m["who"] == who and m["stream"] == stream and m["phase"] == phase]
        if mode is not None:
            sel = [m for m in sel if m["mode"] == mode]
        secs = [m["seconds"] for m in sel]
        rows = sel[0]["rows"] if sel else 0
        return (rows / median(secs) if secs else float("nan")), secs

    before, after = raw["versions"]["before"][:7], raw["versions"]["after"][:7]
    lines = [
        f"| stream | phase | mode | before `{before}` median s | after `{after}` median s "
        "| after / before (medians) | after / before (paired, median) | after rows/s "
        "| x target-postgres | x target-postgres (its run) | x floor |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]

    def same_run(mode: str, stream: str, phase: str) -> float:
        """rows/s of "after" in the run in which target-postgres was measured."""
        peer_runs = {m["run"] for m in ms if m["who"] == "target-postgres"}
        secs = [
            m["seconds"]
            for m in ms
            if (m["who"], m["mode"], m["stream"], m["phase"]) == ("after", mode, stream, phase)
            and m["run"] in peer_runs
        ]
        rows = next(m["rows"] for m in ms if m["who"] == "after" and m["stream"] == stream)
        return rows / median(secs) if secs else float("nan")

    def paired(mode: str, stream: str, phase: str) -> float:
        """Median over runs of after / before within the run (adjacent loads)."""
        by_run: dict[int, dict[str, float]] = {}
        for m in ms:
            if (m["mode"], m["stream"], m["phase"]) == (mode, stream, phase):
                by_run.setdefault(m["run"], {})[m["who"]] = m["seconds"]
        ratios = [r["after"] / r["before"] for r in by_run.values() if len(r) == 2]
        return median(ratios)

    for stream in (singer_data.CONTACTS, singer_data.ASSOCIATIONS):
        for phase in ("fresh", "reload"):
            peer, _ = rate("target-postgres", None, stream, phase)
            floor, _ = rate("floor", None, stream, phase)
            for mode in MODES:
                _, sb = rate("before", mode, stream, phase)
                ra, sa = rate("after", mode, stream, phase)
                lines.append(
                    f"| {stream} | {phase} | {mode} | {median(sb):.2f} | {median(sa):.2f} "
                    f"| {median(sa) / median(sb):.3f} | {paired(mode, stream, phase):.3f} "
                    f"| {ra:,.0f} | {ra / peer:.1f} | {same_run(mode, stream, phase) / peer:.1f} "
                    f"| {ra / floor:.2f} |"
                )
    timed = [m for m in ms if "cpu_seconds" in m and m["who"] in ("before", "after")]
    if timed:
        lines += [
            "",
            "CPU seconds (user + system) of the target process, runs "
            f"{sorted({m['run'] for m in timed})}:",
            "",
            "| stream | phase | mode | before median CPU s | after median CPU s | after / before |",
            "|---|---|---|---:|---:|---:|",
        ]
        for stream in (singer_data.CONTACTS, singer_data.ASSOCIATIONS):
            for phase in ("fresh", "reload"):
                for mode in MODES:
                    cpu = {
                        who: median(
                            m["cpu_seconds"]
                            for m in timed
                            if (m["who"], m["mode"], m["stream"], m["phase"])
                            == (who, mode, stream, phase)
                        )
                        for who in ("before", "after")
                    }
                    lines.append(
                        f"| {stream} | {phase} | {mode} | {cpu['before']:.2f} "
                        f"| {cpu['after']:.2f} | {cpu['after'] / cpu['before']:.3f} |"
                    )
    loads = [m["load"] for m in ms]
    lines += [
        "",
        f"1-min load average before each load: min {min(loads):.2f}, median "
        f"{statistics.median(loads):.2f}, max {max(loads):.2f} ({os.cpu_count()} cores).",
        "",
        "| who | stream | phase | rows | runs (s) | median s | rows/s |",
        "|---|---|---|---:|---|---:|---:|",
    ]
    whos: list[tuple[str, str | None]] = [(w, m) for w in ("before", "after") for m in MODES]
    for who, kind in [*whos, ("floor", None), ("target-postgres", None)]:
        for stream in (singer_data.CONTACTS, singer_data.ASSOCIATIONS):
            for phase in ("fresh", "reload"):
                r, secs = rate(who, kind, stream, phase)
                if not secs:
                    continue
                rows = next(m["rows"] for m in ms if m["who"] == who and m["stream"] == stream)
                name = f"{who} {kind}" if kind else who
                lines.append(
                    f"| {name} | {stream} | {phase} | {rows:,} | "
                    f"{', '.join(f'{s:.2f}' for s in secs)} | {median(secs):.2f} | {r:,.0f} |"
                )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Run the A/B (or only print the tables of a saved run with ``--report``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="56592c5")
    parser.add_argument("--after", default="HEAD")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--start", type=int, default=0, help="index of the first run (odd: after first)"
    )
    parser.add_argument("--append", action="store_true", help="add to the saved measurements")
    parser.add_argument("--contacts", type=int, default=200_000)
    parser.add_argument("--associations", type=int, default=1_000_000)
    parser.add_argument("--peer-associations", type=int, default=50_000)
    parser.add_argument("--peer-runs", type=int, default=1)
    parser.add_argument("--report", action="store_true", help="tables of the saved run only")
    args = parser.parse_args(argv)
    out = RESULTS_DIR / "load-ab.json"
    if not args.report:
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        run(args, out)
    print(markdown(json.loads(out.read_text())))


if __name__ == "__main__":
    main()
