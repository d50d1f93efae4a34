"""meltano.yml declares every plugin setting as the plugins themselves describe it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pipeline_devtools import settings_doc

PROJECT_ROOT = Path(__file__).resolve().parents[1]
# singer-sdk's built-in settings are documented by --about but not redeclared in meltano.yml.
SDK_BUILTINS = {
    "stream_maps",
    "stream_map_config",
    "faker_config",
    "flattening_enabled",
    "flattening_max_depth",
    "flattening_max_key_length",
    "flattening_separator",
    "batch_config",
    "add_record_metadata",
    "validate_records",
    "process_activate_version_messages",
}


def _declared_settings(plugin_type: str, name: str) -> dict[str, dict]:
    project = yaml.safe_load((PROJECT_ROOT / "meltano.yml").read_text())
    plugin = next(p for p in project["plugins"][plugin_type] if p["name"] == name)
    return {setting["name"]: setting for setting in plugin["settings"]}


@pytest.mark.parametrize(
    ("plugin_type", "name"),
    [("extractors", "tap-hubspot-assoc"), ("loaders", "target-hubspot-overwrite")],
)
def test_meltano_yml_declares_each_plugin_setting_with_description_and_secrecy(plugin_type, name):
    own_settings = {
        key: spec
        for key, spec in settings_doc.plugin_settings(name).items()
        if key not in SDK_BUILTINS
    }
    declared = _declared_settings(plugin_type, name)

    assert sorted(own_settings) == sorted(declared)
    for key, spec in own_settings.items():
        assert spec.get("description"), f"{name}: {key} has no description in --about"
        assert declared[key].get("description") == spec["description"], (
            f"{name}: meltano.yml describes {key} differently from --about"
        )
        assert bool(declared[key].get("sensitive")) == bool(spec.get("secret")), key


def test_settings_doc_is_generated_from_the_plugins():
    assert settings_doc.SETTINGS_DOC.read_text(encoding="utf-8") == settings_doc.render(), (
        "docs/SETTINGS.md is stale: run `make docs`"
    )
