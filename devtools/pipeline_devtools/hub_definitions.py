"""Generate each plugin's Meltano Hub definition file from its ``--about``.

``make docs`` writes ``tap-hubspot-assoc/hub-definition.yml`` and
``target-hubspot-overwrite/hub-definition.yml``; a test fails when they are stale. Settings,
descriptions, defaults and secrecy come from ``--about --format=json``; capabilities,
settings groups and commands from this repository's ``meltano.yml`` (the curated lists Meltano
runs with). Another Meltano project adds a plugin from the file with
``meltano add extractor tap-hubspot-assoc --from-ref <file or URL>`` (see README).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

from pipeline_devtools.settings_doc import MELTANO_YML, PROJECT_ROOT, plugin_about

# Where the plugins are published; pip_url installs a plugin from its subdirectory.
REPOSITORY_URL = "https://github.com/hubspot-assoc/hubspot-pipeline"
VARIANT = "hubspot-assoc"
DEFINITION_FILE = "hub-definition.yml"
PLUGINS = {
    "tap-hubspot-assoc": {
        "plugin_type": "extractors",
        "label": "HubSpot (associations with labels)",
        "domain_url": "https://www.hubspot.com",
        "keywords": ["meltano_sdk", "hubspot", "crm", "associations"],
    },
    "target-hubspot-overwrite": {
        "plugin_type": "loaders",
        "label": "PostgreSQL (HubSpot overwrite)",
        "domain_url": "https://www.postgresql.org",
        "keywords": ["meltano_sdk", "postgres", "database"],
    },
}
# Commands that only work inside this repository (they read files from it) stay out.
REPOSITORY_ONLY_COMMANDS = {"target-hubspot-overwrite": {"test"}}
LIST_OR_ALL = (
    ' No `kind` on purpose: Meltano passes a YAML list, the string "all" or JSON text through'
    ' unchanged and the plugin decodes all three; a kind of array would reject "all".'
)


def definition_path(plugin: str) -> Path:
    """``<plugin folder>/hub-definition.yml``."""
    return PROJECT_ROOT / plugin / DEFINITION_FILE


def _types(schema: dict[str, Any]) -> list[str]:
    if "anyOf" in schema:
        found: list[str] = []
        for option in schema["anyOf"]:
            found += _types(option) if isinstance(option, dict) else [option]
        return [t for t in found if t != "null"]
    declared = schema.get("type", [])
    return [t for t in ([declared] if isinstance(declared, str) else declared) if t != "null"]


def _label(name: str, schema: dict[str, Any]) -> str:
    words = name.replace("_", " ").split()
    fixed = {"id": "ID", "ids": "IDs", "url": "URL", "api": "API", "ssl": "SSL"}
    return schema.get("title") or " ".join(fixed.get(w, w.capitalize()) for w in words)


def setting_definition(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    """A Hub setting (name, label, kind, description, value, options, sensitive)."""
    types = _types(schema)
    setting: dict[str, Any] = {"name": name, "label": _label(name, schema)}
    description = schema.get("description", "")
    if set(types) >= {"array", "string"}:
        description += LIST_OR_ALL
    elif "enum" in schema:
        setting["kind"] = "options"
        setting["options"] = [{"label": v, "value": v} for v in schema["enum"]]
    elif types == ["string"]:
        setting["kind"] = "date_iso8601" if schema.get("format") == "date-time" else "string"
    elif len(types) == 1:
        setting["kind"] = {"number": "decimal"}.get(types[0], types[0])
    if description:
        setting["description"] = description.strip()
    if "default" in schema:
        setting["value"] = schema["default"]
    if schema.get("secret"):
        setting["sensitive"] = True
    return setting


def _project_plugin(name: str) -> dict[str, Any]:
    project = yaml.safe_load(MELTANO_YML.read_text(encoding="utf-8"))
    plugin_type = PLUGINS[name]["plugin_type"]
    return next(p for p in project["plugins"][plugin_type] if p["name"] == name)


def definition(name: str) -> dict[str, Any]:
    """The Hub definition of one plugin."""
    about = json.loads(plugin_about(name, "json"))
    declared = _project_plugin(name)
    meta = PLUGINS[name]
    commands = {
        command: spec
        for command, spec in declared.get("commands", {}).items()
        if command not in REPOSITORY_ONLY_COMMANDS.get(name, set())
    }
    result: dict[str, Any] = {
        "name": name,
        "namespace": declared["namespace"],
        "variant": VARIANT,
        "label": meta["label"],
        "description": about["description"],
        "domain_url": meta["domain_url"],
        "docs": f"{REPOSITORY_URL}/tree/main/{name}#readme",
        "repo": REPOSITORY_URL,
        "pip_url": f"git+{REPOSITORY_URL}.git#subdirectory={name}",
        "executable": declared["executable"],
        "capabilities": declared["capabilities"],
        "settings_group_validation": declared.get("settings_group_validation", []),
        "settings": [
            setting_definition(key, schema)
            for key, schema in about["settings"]["properties"].items()
        ],
        "keywords": meta["keywords"],
        "maintenance_status": "active",
    }
    if commands:
        result["commands"] = commands
    return result


def render(name: str) -> str:
    """The definition file's text."""
    header = (
        f"# Meltano Hub definition of {name} {json.loads(plugin_about(name, 'json'))['version']}"
        ", generated by `make docs`\n"
        "# (devtools/pipeline_devtools/hub_definitions.py) from `--about`; do not edit.\n"
        f"# Add it to a Meltano project: meltano add {PLUGINS[name]['plugin_type'][:-1]} {name}"
        f" --from-ref {DEFINITION_FILE}\n"
    )
    body = yaml.safe_dump(definition(name), sort_keys=False, allow_unicode=True, width=100)
    return header + body


def main() -> int:
    """Write every plugin's definition file."""
    for name in PLUGINS:
        path = definition_path(name)
        path.write_text(render(name), encoding="utf-8")
        print(f"wrote {path.relative_to(PROJECT_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
