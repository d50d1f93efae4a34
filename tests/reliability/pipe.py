"""Run the real ``tap-hubspot-assoc | target-hubspot-overwrite`` console scripts as a pipe we
control, the way Meltano wires them: the harness forwards the tap's stdout to the target's stdin
line by line, persists every STATE line the target emits (the last one wins, as Meltano's state
backend does), and can SIGKILL either process at a chosen point.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from tests.conftest import PROJECT_ROOT

BIN = PROJECT_ROOT / ".venv" / "bin"
TAP = BIN / "tap-hubspot-assoc"
TARGET = BIN / "target-hubspot-overwrite"

Victim = Literal["tap", "target"]


@dataclass(frozen=True)
class KillPoint:
    """SIGKILL ``victim`` once ``after_lines`` tap lines were forwarded, or ``after_ms`` after
    the first one."""

    victim: Victim
    after_lines: int | None = None
    after_ms: int | None = None

    def __str__(self) -> str:
        where = (
            f"{self.after_lines} lines" if self.after_lines is not None else f"{self.after_ms} ms"
        )
        return f"kill -9 {self.victim} after {where}"


@dataclass
class PipeResult:
    tap_returncode: int
    target_returncode: int
    lines_forwarded: int
    states: list[dict[str, Any]]
    tap_stderr: str
    target_stderr: str
    elapsed: float
    killed: Victim | None = None
    tap_stdout_lines: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.tap_returncode == 0 and self.target_returncode == 0

    @property
    def output(self) -> str:
        """Everything both processes printed (for secret scans)."""
        return (
            "".join(self.tap_stdout_lines)
            + self.tap_stderr
            + self.target_stderr
            + "".join(json.dumps(s) for s in self.states)
        )


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


def write_json(path: Path, value: Any) -> None:
    """Atomically replace ``path`` with ``value`` as JSON (a crash never leaves half a file)."""
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(value))
    os.replace(tmp, path)


def run_pipe(
    tap_config: dict[str, Any],
    target_config: dict[str, Any],
    workdir: Path,
    *,
    kill: KillPoint | None = None,
    use_state: bool = True,
    keep_tap_output: bool = False,
    timeout: float = 120,
) -> PipeResult:
    """Run tap | target once. State is read from and persisted to ``workdir/state.json``."""
    workdir.mkdir(parents=True, exist_ok=True)
    tap_cfg, target_cfg = workdir / "tap.json", workdir / "target.json"
    state_file = workdir / "state.json"
    write_json(tap_cfg, tap_config)
    write_json(target_cfg, target_config)
    tap_args = [str(TAP), "--config", str(tap_cfg)]
    if use_state and state_file.exists():
        tap_args += ["--state", str(state_file)]
    run_no = len(list(workdir.glob("tap-*.stderr"))) + 1
    tap_err, target_err = workdir / f"tap-{run_no}.stderr", workdir / f"target-{run_no}.stderr"
    started = time.monotonic()
    with tap_err.open("wb") as tap_err_fh, target_err.open("wb") as target_err_fh:
        tap = subprocess.Popen(
            tap_args, stdout=subprocess.PIPE, stderr=tap_err_fh, start_new_session=True
        )
        target = subprocess.Popen(
            [str(TARGET), "--config", str(target_cfg)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=target_err_fh,
            start_new_session=True,
        )
        states: list[dict[str, Any]] = []

        def persist_states() -> None:
            assert target.stdout is not None
            for raw in target.stdout:
                if not raw.strip():
                    continue
                value = json.loads(raw)
                states.append(value)
                write_json(state_file, value)

        reader = threading.Thread(target=persist_states, daemon=True)
        reader.start()
        victims = {"tap": tap, "target": target}
        killed: list[Victim] = []

        def do_kill(victim: Victim) -> None:
            if not killed and victims[victim].poll() is None:
                killed.append(victim)
                _kill_group(victims[victim])

        timer: threading.Timer | None = None
        if kill is not None and kill.after_ms is not None:
            # Counted from the tap's first output line, not from process start, so that the
            # kill lands in the sync rather than in interpreter startup.
            timer = threading.Timer(kill.after_ms / 1000, do_kill, args=(kill.victim,))
        watchdog = threading.Timer(timeout, lambda: (_kill_group(tap), _kill_group(target)))
        watchdog.start()
        forwarded = 0
        tap_lines: list[str] = []
        assert tap.stdout is not None
        assert target.stdin is not None
        try:
            for line in tap.stdout:
                if killed == ["target"]:
                    break
                if keep_tap_output:
                    tap_lines.append(line.decode("utf-8", "replace"))
                try:
                    target.stdin.write(line)
                except BrokenPipeError:
                    break
                forwarded += 1
                if forwarded == 1 and timer is not None:
                    timer.start()
                if (
                    kill is not None
                    and kill.after_lines is not None
                    and (forwarded == kill.after_lines)
                ):
                    with contextlib.suppress(BrokenPipeError):
                        target.stdin.flush()
                    do_kill(kill.victim)
                    if kill.victim == "target":
                        break
            # Like Meltano: when one side dies, the tap is stopped and the target's stdin closed.
            if killed == ["target"] or target.poll() is not None:
                _kill_group(tap)
            with contextlib.suppress(BrokenPipeError):
                target.stdin.close()
            tap.wait()
            target.wait()
        finally:
            if timer is not None:
                timer.cancel()
            watchdog.cancel()
            _kill_group(tap)
            _kill_group(target)
        reader.join(timeout=10)
    if killed and victims[killed[0]].returncode != -signal.SIGKILL:
        killed.clear()  # the victim had already exited on its own: the kill came too late
    return PipeResult(
        tap_returncode=tap.returncode,
        target_returncode=target.returncode,
        lines_forwarded=forwarded,
        states=states,
        tap_stderr=tap_err.read_text(errors="replace"),
        target_stderr=target_err.read_text(errors="replace"),
        elapsed=time.monotonic() - started,
        killed=killed[0] if killed else None,
        tap_stdout_lines=tap_lines,
    )


def persisted_state(workdir: Path) -> dict[str, Any]:
    """The state the harness persisted (empty when the target never emitted one)."""
    path = workdir / "state.json"
    return dict(json.loads(path.read_text())) if path.exists() else {}


def run_target(
    target_config: dict[str, Any],
    lines: list[str] | str | bytes,
    workdir: Path,
    timeout: float = 120,
) -> subprocess.CompletedProcess[bytes]:
    """Feed the target ``lines`` (Singer messages) and return the finished process."""
    workdir.mkdir(parents=True, exist_ok=True)
    cfg = workdir / "target.json"
    write_json(cfg, target_config)
    if isinstance(lines, list):
        data = ("\n".join(lines) + "\n").encode()
    elif isinstance(lines, str):
        data = lines.encode()
    else:
        data = lines
    return subprocess.run(
        [str(TARGET), "--config", str(cfg)],
        input=data,
        capture_output=True,
        timeout=timeout,
        check=False,
    )
