"""Run a process and measure its wall time and peak memory (max RSS).

The peak comes from ``bench/rss_wrapper.py`` (the kernel's ``ru_maxrss`` of the command and
its waited-for descendants, read by a small wrapper process so that the benchmark's own size
does not leak into it). For process trees (``meltano run``) a sampler also polls ``/proc`` and
keeps each descendant's peak (``VmHWM``) under a label derived from its command line.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

WRAPPER = Path(__file__).with_name("rss_wrapper.py")


def child_env(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a measured process: Python may cache bytecode.

    Some CI sandboxes set PYTHONDONTWRITEBYTECODE, and uv installs without compiling, so every
    process start would recompile singer-sdk, SQLAlchemy, ... (seconds of start-up that a
    normal installation pays once). The first run of each program writes the caches.
    """
    out = dict(os.environ if env is None else env)
    out.pop("PYTHONDONTWRITEBYTECODE", None)
    return out


@dataclass
class ProcResult:
    """What one measured process did."""

    seconds: float
    max_rss_mb: float
    returncode: int
    stderr_tail: str = ""
    cpu_seconds: float = 0.0  # user + system of the command and its waited-for descendants
    tree_peaks_mb: dict[str, float] = field(default_factory=dict)


def run_measured(
    cmd: Sequence[str],
    *,
    stdin: IO[Any] | int | None = subprocess.DEVNULL,
    stdout: IO[Any] | int | None = subprocess.DEVNULL,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    stderr_path: Path | None = None,
    label_of: Callable[[str], str | None] | None = None,
    on_start: Callable[[subprocess.Popen[bytes]], None] | None = None,
    check: bool = True,
) -> ProcResult:
    """Run ``cmd`` to completion; its peak RSS, and per-label peaks if ``label_of``."""
    err_file = stderr_path.open("wb") if stderr_path else None
    fd, rss_name = tempfile.mkstemp(prefix="bench-rss-")
    os.close(fd)
    rss_file = Path(rss_name)
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, str(WRAPPER), rss_name, "--", *cmd],
        stdin=stdin,
        stdout=stdout,
        stderr=err_file or subprocess.DEVNULL,
        env=child_env(env),
        cwd=cwd,
    )
    sampler = TreeSampler(proc.pid, label_of) if label_of else None
    if sampler:
        sampler.start()
    try:
        if on_start:
            on_start(proc)
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        seconds = time.perf_counter() - start
        if sampler:
            sampler.stop()
        if err_file:
            err_file.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    peak_kib = int(rss_file.read_text() or 0)
    rss_file.unlink()
    tail = stderr_path.read_text(errors="replace")[-3000:] if stderr_path else ""
    if check and proc.returncode != 0:
        raise RuntimeError(f"{cmd[0]} exited {proc.returncode}:\n{tail}")
    return ProcResult(
        seconds=seconds,
        max_rss_mb=peak_kib / 1024,
        returncode=proc.returncode,
        stderr_tail=tail,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        tree_peaks_mb=sampler.peaks_mb() if sampler else {},
    )


class TreeSampler(threading.Thread):
    """Poll the RSS of every descendant of ``root`` and keep the peak per label."""

    def __init__(
        self, root: int, label_of: Callable[[str], str | None], interval: float = 0.05
    ) -> None:
        super().__init__(daemon=True)
        self.root = root
        self.label_of = label_of
        self.interval = interval
        self._peaks_kb: dict[str, int] = {}
        self._halt = threading.Event()

    def run(self) -> None:
        """Sample until stopped."""
        while not self._halt.is_set():
            self.sample()
            self._halt.wait(self.interval)

    def stop(self) -> None:
        """Stop sampling and wait for the thread."""
        self._halt.set()
        self.join()

    def peaks_mb(self) -> dict[str, float]:
        """Peak RSS per label, in MB."""
        return {k: v / 1024 for k, v in sorted(self._peaks_kb.items())}

    def sample(self) -> None:
        """One pass over the process tree."""
        children = _children_map()
        todo, seen = [self.root], set()
        while todo:
            pid = todo.pop()
            if pid in seen:
                continue
            seen.add(pid)
            todo.extend(children.get(pid, ()))
            label = self.label_of(_cmdline(pid))
            if label is None:
                continue
            rss = _rss_kb(pid)
            if rss > self._peaks_kb.get(label, 0):
                self._peaks_kb[label] = rss


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    return children


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _rss_kb(pid: int) -> int:
    """Peak RSS of the process since its last exec (``VmHWM``), in KiB."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0
