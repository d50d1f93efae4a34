"""``SimulatorProcess``: run ``hubspot-simulator serve`` in a subprocess for tests and demos."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from types import TracebackType

import requests

from .admin import SimulatorAdmin
from .auth import DEFAULT_TOKEN

_URL_RE = re.compile(r"serving (http://\S+)")


class SimulatorProcess:
    """Start a simulator on a free port, wait until it answers, stop it on exit.

    ``portal=True`` serves the whole-portal preset (``DatasetSpec.portal_sizes()``; the
    contacts/meetings/... arguments are then ignored); ``sizes`` sets any other DatasetSpec
    field (``{"tickets": 30}``) and ``activate`` activates optional types. ``id_layout``:
    ``"uniform"`` (default, ``base_id + index``) or ``"realistic"`` (``idlayout.IdLayout``).

    >>> with SimulatorProcess(contacts=250) as sim:
    ...     requests.get(f"{sim.base_url}/crm/v3/objects/contacts",
    ...                  headers={"Authorization": f"Bearer {sim.token}"})
    """

    def __init__(
        self,
        *,
        contacts: int = 250,
        meetings: int = 60,
        appointments: int = 20,
        companies: int = 0,
        deals: int = 0,
        portal: bool = False,
        sizes: dict[str, int] | None = None,
        activate: list[str] | None = None,
        seed: int = 7,
        id_layout: str = "uniform",
        token: str = DEFAULT_TOKEN,
        rate_limit: bool = True,
        port: int = 0,
        host: str = "127.0.0.1",
        extra_args: list[str] | None = None,
        startup_timeout: float = 120.0,
    ) -> None:
        self.token = token
        self._args = [
            sys.executable,
            "-m",
            "hubspot_simulator.cli",
            "serve",
            "--host",
            host,
            "--port",
            str(port),
            "--seed",
            str(seed),
            "--contacts",
            str(contacts),
            "--meetings",
            str(meetings),
            "--appointments",
            str(appointments),
            "--companies",
            str(companies),
            "--deals",
            str(deals),
            "--id-layout",
            str(id_layout),
            "--token",
            token,
            *(["--no-rate-limit"] if not rate_limit else []),
            *(["--portal"] if portal else []),
            *(a for k, v in (sizes or {}).items() for a in ("--size", f"{k}={v}")),
            *(a for t in activate or [] for a in ("--activate", t)),
            *(extra_args or []),
        ]
        self._timeout = startup_timeout
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: tempfile._TemporaryFileWrapper[bytes] | None = None
        self.base_url = ""

    @property
    def admin(self) -> SimulatorAdmin:
        """An admin client for this simulator."""
        return SimulatorAdmin(self.base_url)

    def auth_headers(self) -> dict[str, str]:
        """``{"Authorization": "Bearer <token>"}``."""
        return {"Authorization": f"Bearer {self.token}"}

    def start(self) -> SimulatorProcess:
        """Launch and wait for readiness."""
        self._log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - lives as long as the server
            prefix="hubspot-simulator-", suffix=".log"
        )
        self._proc = subprocess.Popen(
            self._args, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + self._timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"hubspot-simulator exited early:\n{self.output()}")
            m = _URL_RE.search(self.output())
            if m:
                self.base_url = m.group(1)
                try:
                    if requests.get(f"{self.base_url}/_sim/health", timeout=5).ok:
                        return self
                except requests.ConnectionError:
                    pass
            time.sleep(0.05)
        self.stop()
        raise TimeoutError(f"hubspot-simulator did not start:\n{self.output()}")

    def output(self) -> str:
        """What the server printed so far."""
        if self._log is None:
            return ""
        with open(self._log.name, "rb") as fh:
            return fh.read().decode("utf-8", "replace")

    def stop(self) -> None:
        """Terminate the server (SIGTERM, then SIGKILL)."""
        proc = self._proc
        if proc is not None and proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self._proc = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> SimulatorProcess:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
