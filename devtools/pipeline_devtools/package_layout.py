"""Scans of a plugin package's shape for its layout tests: its modules, their import graph and
its circles, their sizes, and where singer-sdk's private members are used. One scanner for
the tap's and the target's tests."""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from collections.abc import Iterable
from pathlib import Path

_PRIVATE = re.compile(r"_[a-z]\w*")
_SET_ON_SELF = re.compile(r"self\.(_[a-z]\w*)\s*[:=]")


def modules(package: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every module of the package and its subpackages."""
    found = {}
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def import_graph(package: Path) -> dict[str, set[str]]:
    """Module -> the package's modules it imports (TYPE_CHECKING imports included)."""
    mods = modules(package)
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
    """The import circles of a graph, each as the path that closes it."""
    found: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the stack, 2: done
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


def oversized(package: Path, max_lines: int) -> dict[str, int]:
    """Modules longer than `max_lines` lines, with their length."""
    sizes = {name: len(p.read_text().splitlines()) for name, p in modules(package).items()}
    return {name: n for name, n in sizes.items() if n > max_lines}


def sdk_private_names(classes: Iterable[type], extra_sources: Iterable[Path] = ()) -> set[str]:
    """`_names` of the singer-sdk classes and their singer-sdk bases (methods and class
    attributes), and the attributes their code (and `extra_sources`) sets on `self`."""
    bases = {b for cls in classes for b in cls.__mro__ if _from_sdk(b)}
    names = {n for b in bases for n in vars(b) if _PRIVATE.fullmatch(n)}
    sources = {Path(s) for b in bases if (s := inspect.getsourcefile(b))} | set(extra_sources)
    for source in sources:
        names.update(_SET_ON_SELF.findall(source.read_text()))
    return names


def sdk_member_uses(module: str, path: Path, names: set[str]) -> list[str]:
    """Uses of `names` on singer-sdk objects: through `self` in subclasses of singer-sdk
    classes (overrides included), and on any other object except `self` of the package's own
    classes; and in module-level functions."""
    loaded = importlib.import_module(module)
    tree = ast.parse(path.read_text())
    uses = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.ClassDef):
            continue
        cls = getattr(loaded, node.name, None)
        sdk_class = isinstance(cls, type) and any(_from_sdk(b) for b in cls.__mro__)
        for inner in ast.walk(node):
            if isinstance(inner, ast.FunctionDef) and inner.name in names and sdk_class:
                uses.append(f"{path.name}:{inner.lineno} def {inner.name}")
            if isinstance(inner, ast.Attribute) and inner.attr in names:
                on_self = isinstance(inner.value, ast.Name) and inner.value.id == "self"
                if sdk_class or not on_self:
                    uses.append(f"{path.name}:{inner.lineno} .{inner.attr}")
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            uses += [
                f"{path.name}:{n.lineno} .{n.attr}"
                for n in ast.walk(node)
                if isinstance(n, ast.Attribute) and n.attr in names
            ]
    return uses


def _from_sdk(cls: type) -> bool:
    return cls.__module__.startswith("singer_sdk")
