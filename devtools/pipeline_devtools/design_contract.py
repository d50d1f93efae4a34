"""The tap-target contract table of docs/DESIGN.md, read for the tests that hold the tap's
output and the target's constants against it (one reader for both sides)."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

DESIGN = Path(__file__).resolve().parents[2] / "docs" / "DESIGN.md"
HEADING = "### Tap\u2013target contract"  # an en dash


def contract(design: Path = DESIGN) -> dict[str, list[list[str]]]:
    """Rows of the contract table: item -> list of its values (backticked names, in order)."""
    text = design.read_text()
    assert HEADING in text, f"{HEADING!r} missing from {design}"
    section = text.split(HEADING, 1)[1].split("\n#", 1)[0]
    rows: dict[str, list[list[str]]] = defaultdict(list)
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or cells[0] in ("item", "") or set(cells[0]) <= {"-"}:
            continue
        rows[cells[0]].append(re.findall(r"`([^`]+)`", cells[1]) or [cells[1]])
    return rows


def single(rows: list[list[str]]) -> list[str]:
    """The one row of an item that must appear once."""
    assert len(rows) == 1, rows
    return rows[0]
