"""The package's shape: no import cycles, sinks never import the target, no module over 400
lines, singer-sdk private members only in ``sdk_private.py``, stream ordering only in
``ordering.py``."""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from pathlib import Path

import target_hubspot_overwrite
from singer_sdk.io_base import GenericSingerReader
from singer_sdk.sql import SQLConnector, SQLSink, SQLTarget

PACKAGE = Path(target_hubspot_overwrite.__file__).parent
NAME = PACKAGE.name
MAX_LINES = 400
# The singer-sdk classes the target builds on; their private members are derived below.
SDK_CLASSES: tuple[type, ...] = (SQLTarget, SQLSink, SQLConnector, GenericSingerReader)


def imports() -> dict[str, set[str]]:
    """Module -> package modules it imports (TYPE_CHECKING imports included)."""
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.glob("*.py"):
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                if node.module == NAME:
                    deps |= {alias.name for alias in node.names}
                elif node.module.startswith(f"{NAME}."):
                    deps.add(node.module.split(".")[1])
            elif isinstance(node, ast.Import):
                deps |= {a.name.split(".")[1] for a in node.names if a.name.startswith(f"{NAME}.")}
        graph[path.stem] = deps
    return graph


def test_no_import_cycles():
    graph = imports()
    cycles = []
    for start in graph:
        stack = [(start, [start])]
        while stack:
            node, path = stack.pop()
            for dep in graph.get(node, ()):
                if dep == start:
                    cycles.append(" -> ".join([*path, dep]))
                elif dep not in path:
                    stack.append((dep, [*path, dep]))
    assert cycles == []


def test_only_the_entry_point_imports_the_target():
    importers = {m for m, deps in imports().items() if "target" in deps}
    assert importers == set()


def test_no_module_over_400_lines():
    sizes = {p.name: len(p.read_text().splitlines()) for p in PACKAGE.glob("*.py")}
    assert {name: n for name, n in sizes.items() if n > MAX_LINES} == {}


def sdk_private_names() -> set[str]:
    """``_names`` of the SDK classes and their singer-sdk bases: methods and class attributes,
    and the attributes their code sets on ``self``."""
    bases = {b for cls in SDK_CLASSES for b in cls.__mro__ if b.__module__.startswith("singer_sdk")}
    names = {n for b in bases for n in vars(b) if re.fullmatch(r"_[a-z]\w*", n)}
    for source in {inspect.getsourcefile(b) for b in bases}:
        assert source is not None
        names.update(re.findall(r"self\.(_[a-z]\w*)\s*[:=]", Path(source).read_text()))
    return names


def sdk_member_uses(path: Path, names: set[str]) -> list[str]:
    """Uses of ``names`` on SDK objects: through ``self`` in subclasses of singer-sdk classes
    (overrides included), and on any other object except ``self`` of the target's own classes."""
    loaded = importlib.import_module(f"{NAME}.{path.stem}")
    tree = ast.parse(path.read_text())
    uses = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.ClassDef):
            continue
        cls = getattr(loaded, node.name, None)
        sdk_class = isinstance(cls, type) and any(
            b.__module__.startswith("singer_sdk") for b in cls.__mro__
        )
        for inner in ast.walk(node):
            if isinstance(inner, ast.FunctionDef) and inner.name in names and sdk_class:
                uses.append(f"{path.name}:{inner.lineno} def {inner.name}")
            if isinstance(inner, ast.Attribute) and inner.attr in names:
                on_self = isinstance(inner.value, ast.Name) and inner.value.id == "self"
                if sdk_class or not on_self:
                    uses.append(f"{path.name}:{inner.lineno} .{inner.attr}")
    for node in tree.body:  # module-level functions
        if isinstance(node, ast.FunctionDef):
            uses += [
                f"{path.name}:{n.lineno} .{n.attr}"
                for n in ast.walk(node)
                if isinstance(n, ast.Attribute) and n.attr in names
            ]
    return uses


def test_sdk_private_members_only_in_sdk_private():
    names = sdk_private_names()
    assert {"_process_record_message", "_drain_all", "_validate_and_parse"} <= names
    outside = [
        use
        for path in sorted(PACKAGE.glob("*.py"))
        if path.name != "sdk_private.py"
        for use in sdk_member_uses(path, names)
    ]
    assert outside == []
    inside = sdk_member_uses(PACKAGE / "sdk_private.py", names)
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
