"""The package's shape: no import cycles, sinks never import the target, no module over 400
lines, singer-sdk private members only in ``sdk_private.py``."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import target_hubspot_overwrite

PACKAGE = Path(target_hubspot_overwrite.__file__).parent
NAME = PACKAGE.name
MAX_LINES = 400
# Private members of singer-sdk classes the target overrides or reads.
SDK_PRIVATE = re.compile(
    r"\b(_sinks_active|_sinks_to_clear|_latest_state|_batch_records_read|_total_records_read"
    r"|_process_\w+_message|_assert_line_requires|_handle_max_record_age|_write_state_message"
    r"|_drain_all|_handle_termination|_current_message|_validate_and_parse"
    r"|_singer_validate_message|_process_unknown_message|_setup_signal_handlers)\b"
)


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


def test_sdk_private_members_only_in_sdk_private():
    found = {
        f"{path.name}:{number}: {line.strip()}"
        for path in PACKAGE.glob("*.py")
        if path.name != "sdk_private.py"
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if SDK_PRIVATE.search(line)
    }
    assert found == set()
