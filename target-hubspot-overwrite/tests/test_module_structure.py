"""The package's shape: no import cycles, sinks never import the target, no module over 400
lines, singer-sdk private members only in ``sdk_private.py``, stream ordering only in
``ordering.py``."""

from __future__ import annotations

import ast
from pathlib import Path

import target_hubspot_overwrite
from pipeline_devtools import package_layout as layout
from singer_sdk.io_base import GenericSingerReader
from singer_sdk.sql import SQLConnector, SQLSink, SQLTarget

PACKAGE = Path(target_hubspot_overwrite.__file__).parent
NAME = PACKAGE.name
MAX_LINES = 400
# The singer-sdk classes the target builds on; their private members are derived from them.
SDK_CLASSES: tuple[type, ...] = (SQLTarget, SQLSink, SQLConnector, GenericSingerReader)


def imports() -> dict[str, set[str]]:
    """Module (short name) -> the package's modules it imports (short names)."""
    short = len(NAME) + 1
    return {
        name[short:]: {dep[short:] for dep in deps}
        for name, deps in layout.import_graph(PACKAGE).items()
        if name != NAME
    }


def test_no_import_cycles():
    assert layout.cycles(layout.import_graph(PACKAGE)) == []


def test_only_the_entry_point_imports_the_target():
    importers = {m for m, deps in imports().items() if "target" in deps}
    assert importers == set()


def test_no_module_over_400_lines():
    assert layout.oversized(PACKAGE, MAX_LINES) == {}


def test_sdk_private_members_only_in_sdk_private():
    names = layout.sdk_private_names(SDK_CLASSES)
    assert {"_process_record_message", "_drain_all", "_validate_and_parse"} <= names
    outside = [
        use
        for name, path in layout.modules(PACKAGE).items()
        if name != f"{NAME}.sdk_private"
        for use in layout.sdk_member_uses(name, path, names)
    ]
    assert outside == []
    inside = layout.sdk_member_uses(f"{NAME}.sdk_private", PACKAGE / "sdk_private.py", names)
    assert any("_sinks_active" in use for use in inside)  # the scan sees them
    assert any("def _handle_termination" in use for use in inside)


DRAINS = {"drain_stream", "drain_sink", "drain_retired"}


def test_stream_ordering_only_in_ordering():
    """Which stream is committed before which is decided in ``ordering.py`` alone: the router's
    drain methods are called nowhere else (except inside their own definitions)."""
    calls = []
    for path in sorted(PACKAGE.glob("*.py")):
        if path.name == "ordering.py":
            continue
        tree = ast.parse(path.read_text())
        inside_drains = {
            id(n)
            for f in ast.walk(tree)
            if isinstance(f, ast.FunctionDef) and f.name in DRAINS
            for n in ast.walk(f)
        }
        calls += [
            f"{path.name}:{node.lineno} .{node.func.attr}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in DRAINS
            and id(node) not in inside_drains
        ]
    assert calls == []
    ordering = ast.parse((PACKAGE / "ordering.py").read_text())
    called = {
        n.func.attr
        for n in ast.walk(ordering)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
    }
    assert called >= DRAINS  # the scan sees them
