"""The package's shape: no import circles, no module over 400 lines, singer-sdk's private
members only in sdk_private.py."""

from __future__ import annotations

import ast
from pathlib import Path

import singer_sdk
import tap_hubspot_assoc
from pipeline_devtools import package_layout as layout
from singer_sdk import Stream, Tap

PACKAGE = Path(tap_hubspot_assoc.__file__).resolve().parent
SDK = Path(singer_sdk.__file__).resolve().parent
# Public-named SDK internals of the one hook for driven streams (sdk_private.drive).
SDK_HOOK_ATTRIBUTES = {"state_manager", "parent_stream_type", "child_streams"}


def modules() -> dict[str, Path]:
    return layout.modules(PACKAGE)


def test_no_import_circles():
    graph = layout.import_graph(PACKAGE)
    assert "tap_hubspot_assoc.association.feeders" in graph  # the scan sees the subpackage
    assert layout.cycles(graph) == []


def test_no_module_over_400_lines():
    assert layout.oversized(PACKAGE, 400) == {}


def test_cycle_finder_finds_a_circle():
    assert layout.cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]


def test_sdk_private_members_only_in_sdk_private():
    sdk_names = layout.sdk_private_names((Stream, Tap), [SDK / "streams/_state.py"])
    names = sdk_names | SDK_HOOK_ATTRIBUTES
    assert {"_stream_version", "_tap", "_write_state_message"} <= names
    outside = [
        use
        for name, path in modules().items()
        if name != "tap_hubspot_assoc.sdk_private"
        for use in layout.sdk_member_uses(name, path, names)
    ]
    assert outside == []
    inside = layout.sdk_member_uses(
        "tap_hubspot_assoc.sdk_private", PACKAGE / "sdk_private.py", names
    )
    assert any("_increment_stream_state" in use for use in inside)  # the scan sees them
    assert any("child_streams" in use for use in inside)


def wiring_uses(path: Path) -> list[str]:
    """Calls of `sdk_private.drive` and additions to an object stream's read hooks."""
    uses = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id == "drive":
            uses.append(f"{path.name}:{node.lineno} drive")
        is_append = isinstance(func, ast.Attribute) and func.attr in ("append", "extend")
        if is_append and isinstance(func.value, ast.Attribute) and func.value.attr == "hooks":
            uses.append(f"{path.name}:{node.lineno} hooks.{func.attr}")
    return uses


def test_one_wiring_for_streams_written_during_other_reads():
    """Read hooks are attached and their streams handed to singer-sdk only by
    `streams.attach`; the reference companions (driven by their main reference stream, no
    object stream) are the one other `drive`."""
    allowed = {"tap_hubspot_assoc.streams", "tap_hubspot_assoc.reference.wiring"}
    outside = [
        use
        for name, path in modules().items()
        if name not in allowed | {"tap_hubspot_assoc.sdk_private"}
        for use in wiring_uses(path)
    ]
    assert outside == []
    inside = wiring_uses(PACKAGE / "streams.py")
    assert any("hooks.append" in use for use in inside)
    assert sum("drive" in use for use in inside) == 2  # the streams a hook drives / writes
