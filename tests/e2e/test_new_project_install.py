"""Both plugins added to a new, empty Meltano project from their Hub definition files, the way
another team would (README, "Adding the plugins to your own Meltano project"), then a sync.

No git host is reachable here, so each definition's pip_url (git+https://...#subdirectory=...)
is pointed at the plugin's folder in this checkout; everything else comes from the file. The
plugins are also built as wheel and sdist (`uv build`).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
from pathlib import Path

import psycopg
import pytest
import yaml
from hubspot_simulator.testing import SimulatorProcess
from pipeline_devtools import hub_definitions
from pipeline_devtools.postgres import Database
from psycopg import sql

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

BIN = Path(sys.executable).parent
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def meltano(project: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [str(BIN / "meltano"), *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, f"meltano {' '.join(args)}:\n{result.stderr[-5000:]}"
    return result


def test_each_plugin_builds_a_wheel_and_an_sdist(tmp_path):
    for name in hub_definitions.PLUGINS:
        subprocess.run(
            [str(BIN / "uv"), "build", "-q", "--out-dir", str(tmp_path), str(PROJECT_ROOT / name)],
            check=True,
            capture_output=True,
        )
        module = name.replace("-", "_")
        wheels = list(tmp_path.glob(f"{module}-*-py3-none-any.whl"))
        sdists = list(tmp_path.glob(f"{module}-*.tar.gz"))
        assert len(wheels) == len(sdists) == 1, name
        with tarfile.open(sdists[0]) as sdist:
            names = {Path(member).name for member in sdist.getnames()}
        assert {"CHANGELOG.md", "hub-definition.yml", "README.md", "PKG-INFO"} <= names


def test_new_meltano_project_adds_both_plugins_from_their_definitions_and_syncs(
    fresh_simulator: SimulatorProcess, database: Database, pg_schema: str, tmp_path: Path
):
    env = {
        **{
            k: v for k, v in os.environ.items() if not k.startswith(("MELTANO_", "TAP_", "TARGET_"))
        },
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    meltano(tmp_path, env, "init", "their-project", "--no_usage_stats")
    project = tmp_path / "their-project"
    for name, meta in hub_definitions.PLUGINS.items():
        definition = yaml.safe_load(hub_definitions.definition_path(name).read_text())
        definition["pip_url"] = str(PROJECT_ROOT / name)  # instead of git+https://...
        local = tmp_path / f"{name}.yml"
        local.write_text(yaml.safe_dump(definition, sort_keys=False))
        meltano(project, env, "add", meta["plugin_type"][:-1], name, "--from-ref", str(local))

    added = yaml.safe_load((project / "meltano.yml").read_text())["plugins"]
    tap = next(p for p in added["extractors"] if p["name"] == "tap-hubspot-assoc")
    assert {s["name"]: s.get("sensitive", False) for s in tap["settings"]}["access_token"]

    env.update(
        {
            "TAP_HUBSPOT_ASSOC_ACCESS_TOKEN": fresh_simulator.token,
            "TAP_HUBSPOT_ASSOC_API_URL": fresh_simulator.base_url,
            "TARGET_HUBSPOT_OVERWRITE_SQLALCHEMY_URL": database.sqlalchemy_url,
            "TARGET_HUBSPOT_OVERWRITE_DEFAULT_TARGET_SCHEMA": pg_schema,
        }
    )
    meltano(project, env, "config", "set", "tap-hubspot-assoc", "object_types", "all")
    meltano(project, env, "run", "tap-hubspot-assoc", "target-hubspot-overwrite")

    live_contacts = {
        o["id"]
        for o in fresh_simulator.admin.snapshot("contacts", properties=["email"])["objects"]
        if not o["archived"]
    }
    links = {
        (link["fromId"], link["toId"])
        for link in fresh_simulator.admin.association_snapshot("meetings", "contacts")
    }
    with psycopg.connect(database.url) as conn:
        schema = sql.Identifier(pg_schema)
        contacts = {
            row[0]
            for row in conn.execute(
                sql.SQL("SELECT id FROM {}.contacts WHERE _sdc_deleted_at IS NULL").format(schema)
            )
        }
        loaded_links = set(
            conn.execute(
                sql.SQL(
                    "SELECT from_object_id, to_object_id FROM {}.meetings_to_contacts_associations"
                ).format(schema)
            )
        )
        appointments = conn.execute(
            sql.SQL("SELECT count(*) FROM {}.appointments").format(schema)
        ).fetchone()
    assert contacts == live_contacts
    assert loaded_links == links
    assert appointments is not None
    assert appointments[0] > 0  # object_types: all, set through meltano config
