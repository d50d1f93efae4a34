"""The package's shape: no import circles; singer-sdk's private members only in sdk_private.py."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import singer_sdk
import tap_hubspot_assoc
from singer_sdk import Stream, Tap

PACKAGE = Path(tap_hubspot_assoc.__file__).resolve().parent
SDK = Path(singer_sdk.__file__).resolve().parent
SDK_SOURCES = ("streams/core.py", "streams/_state.py", "tap_base.py", "plugin_base.py")
# Public-named SDK internals of the one hook for driven streams (sdk_private.drive).
SDK_HOOK_ATTRIBUTES = {"state_manager", "parent_stream_type", "child_streams"}


def modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def import_graph() -> dict[str, set[str]]:
    """Module -> package modules it imports (TYPE_CHECKING imports included)."""
    mods = modules()
    graph: dict[str, set[str]] = {}
    for name, path in mods.items():
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                for alias in node.names:
                    full = f"{node.module}.{alias.name}"
                    deps.add(full if full in mods else node.module)
            elif isinstance(node, ast.Import):
                deps.update(alias.name for alias in node.names)
        graph[name] = {d for d in deps if d in mods and d != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                found.append([*stack[stack.index(dep) :], dep])
            elif dep not in state:
                visit(dep)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return found


def test_no_import_circles():
    graph = import_graph()
    assert "tap_hubspot_assoc.association.feeders" in graph  # the scan sees the subpackage
    assert cycles(graph) == []


def test_cycle_finder_finds_a_circle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]


def sdk_private_names() -> set[str]:
    """`_names` of singer-sdk's Stream and Tap: methods, and attributes set in their code."""
    names = {n for cls in (Stream, Tap) for n in dir(cls) if re.fullmatch(r"_[a-z]\w*", n)}
    for source in SDK_SOURCES:
        names.update(re.findall(r"self\.(_[a-z]\w*)\s*[:=]", (SDK / source).read_text()))
    return names


def sdk_member_uses(module: str, path: Path, names: set[str]) -> list[str]:
    """Uses of `names` on SDK objects: through `self` in subclasses of singer-sdk classes
    (overrides included), and on any other object except `self` of the tap's own classes."""
    loaded = importlib.import_module(module)
    uses = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.ClassDef):
            continue
        cls = getattr(loaded, node.name, None)
        sdk_class = isinstance(cls, type) and issubclass(cls, (Stream, Tap))
        for inner in ast.walk(node):
            if isinstance(inner, ast.FunctionDef) and inner.name in names and sdk_class:
                uses.append(f"{path.name}:{inner.lineno} def {inner.name}")
            if isinstance(inner, ast.Attribute) and inner.attr in names:
                on_self = isinstance(inner.value, ast.Name) and inner.value.id == "self"
                if sdk_class or not on_self:
                    uses.append(f"{path.name}:{inner.lineno} .{inner.attr}")
    for node in ast.parse(path.read_text()).body:  # module-level functions
        if isinstance(node, ast.FunctionDef):
            uses += [
                f"{path.name}:{n.lineno} .{n.attr}"
                for n in ast.walk(node)
                if isinstance(n, ast.Attribute) and n.attr in names
            ]
    return uses


def test_sdk_private_members_only_in_sdk_private():
    names = sdk_private_names() | SDK_HOOK_ATTRIBUTES
    assert {"_stream_version", "_tap", "_write_state_message"} <= names
    outside = [
        use
        for name, path in modules().items()
        if name != "tap_hubspot_assoc.sdk_private"
        for use in sdk_member_uses(name, path, names)
    ]
    assert outside == []
    inside = sdk_member_uses("tap_hubspot_assoc.sdk_private", PACKAGE / "sdk_private.py", names)
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
