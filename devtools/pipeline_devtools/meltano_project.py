"""A per-run copy of the repository's Meltano project that shares the installed plugin venvs.

Meltano writes each run's config and catalog under ``.meltano/run/<plugin>/``, so two runs in
one project directory collide (meltano/meltano#8763). The copy has its own ``.meltano/run``
while ``.meltano/extractors``, ``.meltano/loaders`` and the dbt venv link to the ones
``meltano install`` built in the repository (``transform/`` is linked too). Used by the
end-to-end tests and the benchmarks.
"""

from __future__ import annotations

import shutil
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PLUGIN_DIRS = ("tap-hubspot-assoc", "target-hubspot-overwrite", "transform")


def isolated_project_dir(project: Path) -> Path:
    """Create the copy at ``project`` (replacing any previous one) and return it."""
    if project.exists():
        shutil.rmtree(project)
    (project / ".meltano").mkdir(parents=True)
    shutil.copy(PROJECT_ROOT / "meltano.yml", project / "meltano.yml")
    for plugin_dir in PLUGIN_DIRS:
        (project / plugin_dir).symlink_to(PROJECT_ROOT / plugin_dir)
    for kind in ("extractors", "loaders"):
        installed = PROJECT_ROOT / ".meltano" / kind
        if not installed.is_dir():
            msg = f"{installed} is missing: run `make install` (meltano install) first"
            raise FileNotFoundError(msg)
        (project / ".meltano" / kind).symlink_to(installed)
    # The dbt venv is shared; dbt's target/ and logs/ (next to it) stay per copy.
    dbt_venv = PROJECT_ROOT / ".meltano" / "transformers" / "dbt-postgres"
    if dbt_venv.is_dir():
        (project / ".meltano" / "transformers").mkdir()
        (project / ".meltano" / "transformers" / "dbt-postgres").symlink_to(dbt_venv)
    return project
