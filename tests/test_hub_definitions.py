"""Each plugin's Meltano Hub definition file is the one `make docs` generates from `--about`."""

from __future__ import annotations

import json

import pytest
import yaml
from pipeline_devtools import hub_definitions, settings_doc

PLUGINS = list(hub_definitions.PLUGINS)


@pytest.mark.parametrize("name", PLUGINS)
def test_definition_file_is_generated_from_about(name):
    path = hub_definitions.definition_path(name)
    assert path.read_text(encoding="utf-8") == hub_definitions.render(name), (
        f"{path.name} of {name} is stale: run `make docs`"
    )


@pytest.mark.parametrize("name", PLUGINS)
def test_definition_has_every_setting_with_kind_description_and_secrecy(name):
    definition = yaml.safe_load(hub_definitions.definition_path(name).read_text())
    about = settings_doc.plugin_settings(name)
    settings = {s["name"]: s for s in definition["settings"]}
    assert list(settings) == list(about)
    for key, schema in about.items():
        assert bool(settings[key].get("sensitive")) == bool(schema.get("secret")), key
        assert schema.get("description"), key
        assert settings[key]["description"].startswith(schema["description"]), key
    for required in ("name", "namespace", "variant", "pip_url", "executable", "capabilities"):
        assert definition[required], required
    assert definition["pip_url"].endswith(f"#subdirectory={name}")
    version = json.loads(settings_doc.plugin_about(name, "json"))["version"]
    assert f"{name} {version}" in hub_definitions.definition_path(name).read_text()


def test_list_or_all_settings_have_no_kind_and_say_why():
    definition = yaml.safe_load(hub_definitions.definition_path("tap-hubspot-assoc").read_text())
    settings = {s["name"]: s for s in definition["settings"]}
    for key in ("object_types", "association_pairs"):
        assert "kind" not in settings[key]
        assert 'the string "all"' in settings[key]["description"]
    assert settings["start_date"]["kind"] == "date_iso8601"
    assert settings["access_token"]["sensitive"] is True
    target = yaml.safe_load(hub_definitions.definition_path("target-hubspot-overwrite").read_text())
    kinds = {s["name"]: s.get("kind") for s in target["settings"]}
    assert kinds["load_method"] == "options"
    assert kinds["port"] == "integer"
    assert "commands" not in target  # its connection test reads a file of this repository
