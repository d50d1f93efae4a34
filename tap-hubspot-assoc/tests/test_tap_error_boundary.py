"""The error boundary, through the real command line: a failure the user can act on ends the
run with one ERROR line saying what to do and exit code 1, no traceback unless at DEBUG level,
and never a secret."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hubspot_simulator.testing import SimulatorProcess

TAP = Path(sys.executable).parent / "tap-hubspot-assoc"
SECRET = "pat-na1-SECRET-error-boundary-token"
# The tap's CLI in a subprocess with the retry backoff in milliseconds (as the autouse
# `fast_backoff` fixture does in-process): unreachable-API runs then fail in well under a second
# instead of after eight backoffs (~45 s). The retry policy itself is unchanged.
FAST_BACKOFF_CLI = (
    "import tap_hubspot_assoc.client as client; client.BACKOFF_BASE_SECONDS = 0.01; "
    "from tap_hubspot_assoc.tap import TapHubspotAssoc; TapHubspotAssoc.cli()"
)


@dataclass
class Run:
    returncode: int
    stderr: str

    @property
    def lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]

    @property
    def errors(self) -> list[str]:
        """The ERROR lines the tap's own logger wrote (not its streams')."""
        return [line for line in self.lines if "| ERROR    | tap-hubspot-assoc " in line]


def run_cli(
    tmp_path: Path,
    config: dict[str, Any],
    *args: str,
    debug: bool = False,
    fast_backoff: bool = False,
    env: dict[str, str] | None = None,
) -> Run:
    """Run the tap's command line with `config` (and `args`); stdout is discarded."""
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    command = [sys.executable, "-c", FAST_BACKOFF_CLI] if fast_backoff else [str(TAP)]
    environment = {k: v for k, v in os.environ.items() if not k.endswith("LOGLEVEL")}
    environment.pop("SINGER_SDK_LOG_CONFIG", None)
    if debug:
        environment["LOGLEVEL"] = "DEBUG"
    result = subprocess.run(
        [*command, "--config", str(path), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
        check=False,
        env={**environment, **(env or {})},
    )
    return Run(result.returncode, result.stderr)


def assert_one_line(run: Run, expected: str) -> None:
    """Exit code 1, the run ends with the one ERROR line, no traceback, no secret."""
    assert run.returncode == 1, run.stderr[-3000:]
    assert run.errors == [run.lines[-1]], run.stderr[-3000:]
    message = run.lines[-1].split(" | ", 3)[-1]
    assert message == expected, run.stderr[-3000:]
    assert "Traceback" not in run.stderr
    assert SECRET not in run.stderr


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def config_for(sim: SimulatorProcess, **overrides: Any) -> dict[str, Any]:
    return {"access_token": SECRET, "api_url": sim.base_url, **overrides}


CREDENTIALS_HINT = (
    "set access_token (Meltano: HUBSPOT_ACCESS_TOKEN) to a valid private-app token, or "
    "client_id, client_secret and refresh_token of an OAuth app"
)


def test_api_unreachable(tmp_path: Path) -> None:
    port = unused_port()
    config = {"access_token": SECRET, "api_url": f"http://127.0.0.1:{port}/"}
    run = run_cli(
        tmp_path, config, "--discover", fast_backoff=True, env={"MELTANO_ENVIRONMENT": "dev"}
    )
    assert_one_line(
        run,
        f"cannot reach http://127.0.0.1:{port} (connection refused): "
        "is the simulator running? (dev environment)",
    )


def test_missing_credentials(tmp_path: Path) -> None:
    run = run_cli(tmp_path, {"api_url": "http://127.0.0.1:9"}, "--discover")
    assert_one_line(run, f"no HubSpot credentials: {CREDENTIALS_HINT}")


def test_invalid_token_in_a_sync_run(tmp_path: Path, fresh_simulator: SimulatorProcess) -> None:
    run = run_cli(tmp_path, config_for(fresh_simulator))  # SECRET is unknown to the simulator
    assert run.lines[-1].endswith(f": the token is invalid or expired; {CREDENTIALS_HINT}")
    assert "HTTP 401 INVALID_AUTHENTICATION" in run.lines[-1]
    assert_one_line(run, run.lines[-1].split(" | ", 3)[-1])


def test_expired_token(tmp_path: Path, fresh_simulator: SimulatorProcess) -> None:
    fresh_simulator.admin.add_token(SECRET, expires_in=-1)
    run = run_cli(tmp_path, config_for(fresh_simulator), "--discover")
    assert "HTTP 401 EXPIRED_AUTHENTICATION" in run.lines[-1]
    assert run.lines[-1].endswith(f": the token is invalid or expired; {CREDENTIALS_HINT}")
    assert_one_line(run, run.lines[-1].split(" | ", 3)[-1])


@pytest.mark.parametrize(
    ("scopes", "fails_at", "advice"),
    [
        # No scope of the type: its properties cannot be read (discovery).
        ([], "object type contacts (0-1) cannot be read: the token lacks", "that type"),
        # The schema scope only: discovery works, the first read is refused (sync).
        (
            ["crm.schemas.contacts.read"],
            "HubSpot refused the credentials: HTTP 403 MISSING_SCOPES",
            "the object types that need them",
        ),
    ],
)
def test_missing_scope(
    tmp_path: Path, fresh_simulator: SimulatorProcess, scopes: list[str], fails_at: str, advice: str
) -> None:
    fresh_simulator.admin.add_token(SECRET, scopes=scopes)
    config = config_for(fresh_simulator, object_types=["contacts"], association_pairs=[])
    run = run_cli(tmp_path, config)
    line = run.lines[-1].split(" | ", 3)[-1]
    assert line.startswith(fails_at), line
    assert "crm.objects.contacts.read" in line
    assert line.endswith(
        ": add the missing scopes to the private app (or OAuth app) in HubSpot, or remove "
        f"{advice} from object_types"
    ), line
    assert_one_line(run, line)


def test_unknown_object_type(tmp_path: Path, fresh_simulator: SimulatorProcess) -> None:
    fresh_simulator.admin.add_token(SECRET)
    config = config_for(fresh_simulator, object_types=["nonsense_type"])
    run = run_cli(tmp_path, config, "--discover")
    assert_one_line(
        run,
        "invalid settings: unknown object type 'nonsense_type': not a standard HubSpot type and "
        "no custom object has that objectTypeId, fullyQualifiedName or name (fix object_types "
        "or association_pairs; `meltano config tap-hubspot-assoc list` shows them)",
    )


def test_setting_of_the_wrong_type(tmp_path: Path, fresh_simulator: SimulatorProcess) -> None:
    run = run_cli(tmp_path, config_for(fresh_simulator, max_records="ten"))
    assert_one_line(
        run,
        "invalid settings: 'ten' is not of type 'integer', 'null' in config['max_records'] "
        "(`meltano config tap-hubspot-assoc list` shows them)",
    )


def test_debug_level_adds_the_traceback_before_the_line(
    tmp_path: Path, fresh_simulator: SimulatorProcess
) -> None:
    info = run_cli(tmp_path, config_for(fresh_simulator), "--discover")
    debug = run_cli(tmp_path, config_for(fresh_simulator), "--discover", debug=True)
    assert debug.returncode == info.returncode == 1
    assert debug.lines[-1].split(" | ", 3)[-1] == info.lines[-1].split(" | ", 3)[-1]
    assert debug.stderr.count("Traceback (most recent call last)") == 1
    assert "tap_hubspot_assoc.errors.HubSpotAuthError" in debug.stderr
    assert "Traceback" not in info.stderr
    assert SECRET not in debug.stderr


def test_other_failures_keep_their_traceback(
    tmp_path: Path, fresh_simulator: SimulatorProcess
) -> None:
    """A failure the user cannot act on (here HubSpot refusing a request the tap built) is not
    disguised as one line."""
    admin = fresh_simulator.admin
    admin.add_token(SECRET)
    admin.add_fault("status", count=None, status=400, path=r"/objects/(\d{4}-\d{2}/)?contacts$")
    run = run_cli(
        tmp_path, config_for(fresh_simulator, object_types=["contacts"], association_pairs=[])
    )
    assert run.returncode == 1
    assert "Traceback (most recent call last)" in run.stderr
    assert "HTTP 400" in run.stderr
