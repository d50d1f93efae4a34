"""Fixtures for the end-to-end tests: the real ``meltano`` CLI against the simulator and a real
PostgreSQL (simulator fixtures come from ``hubspot_simulator``, database ones from
``pipeline_devtools``)."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest
from hubspot_simulator.testing import SimulatorProcess
from pipeline_devtools.meltano_project import isolated_project_dir as copy_project
from pipeline_devtools.postgres import Database
from psycopg import sql

PROJECT_ROOT = Path(__file__).resolve().parents[1]
MELTANO = PROJECT_ROOT / ".venv" / "bin" / "meltano"


def isolated_project_dir(tmp_path: Path) -> Path:
    """A per-test copy of the Meltano project (see ``pipeline_devtools.meltano_project``)."""
    try:
        return copy_project(tmp_path / "project")
    except FileNotFoundError as missing:
        pytest.fail(str(missing))


@dataclass
class MeltanoProject:
    """The repository's Meltano project, isolated per test (directory, state DB, target schema)."""

    directory: Path
    env: dict[str, str]
    schema: str
    database_url: str
    runs: list[subprocess.CompletedProcess[str]] = field(default_factory=list)

    def run(
        self,
        *args: str,
        expect_success: bool = True,
        timeout: float = 600,
        extra_env: dict[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run ``meltano <args>`` in the project directory and return the finished process."""
        result = subprocess.run(
            [str(MELTANO), *args],
            cwd=self.directory,
            env={**self.env, **(extra_env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        self.runs.append(result)
        if expect_success and result.returncode != 0:
            pytest.fail(
                f"meltano {' '.join(args)} exited {result.returncode}\n"
                f"--- stderr (tail) ---\n{result.stderr[-6000:]}"
            )
        return result

    def set_config(self, plugin_env_prefix: str, setting: str, value: Any) -> None:
        """Set a plugin setting for the following runs through its environment variable."""
        rendered = value if isinstance(value, str) else json.dumps(value)
        self.env[f"{plugin_env_prefix}_{setting.upper()}"] = rendered

    def rows(self, table: str, order_by: str = "id") -> list[dict[str, Any]]:
        """Every row of a target table, as dicts."""
        with psycopg.connect(self.database_url, row_factory=psycopg.rows.dict_row) as conn:
            query = sql.SQL("SELECT * FROM {}.{} ORDER BY {}").format(
                sql.Identifier(self.schema), sql.Identifier(table), sql.Identifier(order_by)
            )
            return list(conn.execute(query))

    def state(
        self, state_id: str = "dev:tap-hubspot-assoc-to-target-hubspot-overwrite"
    ) -> dict[str, Any]:
        """The stored Singer state of a state id (empty dict when none)."""
        result = self.run("state", "get", state_id, expect_success=False)
        if result.returncode != 0 or not result.stdout.strip():
            return {}
        return dict(json.loads(result.stdout))


def project_env(
    sim: SimulatorProcess, database: Database, schema: str, state_dir: Path, **extra: str
) -> dict[str, str]:
    """Environment of a Meltano project wired to `sim`, `schema` and a state DB in `state_dir`."""
    return {
        **os.environ,
        "PATH": f"{MELTANO.parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "MELTANO_ENVIRONMENT": "dev",
        "MELTANO_DATABASE_URI": f"sqlite:///{state_dir / 'meltano.db'}",
        "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
        "HUBSPOT_ACCESS_TOKEN": sim.token,
        "TAP_HUBSPOT_ASSOC_API_URL": sim.base_url,
        "PIPELINE_SQLALCHEMY_URL": database.sqlalchemy_url,
        "TARGET_HUBSPOT_OVERWRITE_DEFAULT_TARGET_SCHEMA": schema,
        **extra,
    }


# A whole portal at full speed: every type, every pair, client budgets out of the way.
WHOLE_PORTAL_ENV = {
    "TAP_HUBSPOT_ASSOC_OBJECT_TYPES": "all",
    "TAP_HUBSPOT_ASSOC_ASSOCIATION_PAIRS": "all",
    "TAP_HUBSPOT_ASSOC_REQUESTS_PER_TEN_SECONDS": "100000",
    "TAP_HUBSPOT_ASSOC_SEARCH_REQUESTS_PER_SECOND": "1000",
}


@pytest.fixture
def meltano_project(
    fresh_simulator: SimulatorProcess, database: Database, pg_schema: str, tmp_path: Path
) -> MeltanoProject:
    """The Meltano project wired to the fresh simulator, a fresh schema and a fresh state DB."""
    return MeltanoProject(
        directory=isolated_project_dir(tmp_path),
        env=project_env(fresh_simulator, database, pg_schema, tmp_path),
        schema=pg_schema,
        database_url=database.url,
    )


@pytest.fixture
def property_types(fresh_simulator: SimulatorProcess) -> Callable[[str], dict[str, str]]:
    """``property_types(object_type)`` → {property name: HubSpot type} from the properties API."""
    import requests

    def fetch(object_type: str) -> dict[str, str]:
        response = requests.get(
            f"{fresh_simulator.base_url}/crm/v3/properties/{object_type}",
            headers=fresh_simulator.auth_headers(),
            timeout=30,
        )
        response.raise_for_status()
        return {prop["name"]: prop["type"] for prop in response.json()["results"]}

    return fetch
