"""Request cost of a whole-portal sync (`object_types: all`, `association_pairs: all`).

The tap's request model, written once: the whole-portal end-to-end test checks it against the
requests the simulator counted, and this script applies it to a large portal::

    .venv/bin/python -m bench.portal_cost            # the README's 1M-contact portal
    .venv/bin/python -m bench.portal_cost --json     # machine-readable

Model of a full (first) run, per object type with N active records:
  * discovery: 1 schemas request, 1 properties request per candidate type (standard types the
    account has not activated answer 400 and are skipped), 1 labels request per unordered pair
    of synced types plus 1 for the reverse direction of every pair that has association types;
  * records: ceil(N / 100) list pages, times the URL chunks the property names need (1 or 2);
    a type needing more than 2 chunks lists ids and batch-reads them: 2 per 100 records;
  * associations, per direction from F: ceil(N_F / 1000) v4 batch reads, plus one follow-up per
    batch for each further 500 links of its most-linked parent.
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

LIST_PAGE = 100
ASSOC_BATCH = 1000
ASSOC_PAGE = 500
STANDARD_CANDIDATES = 20  # standard types the tap probes with "all" (object_types.py)


def list_requests(active: int, url_chunks: int = 1) -> int:
    """Requests to list `active` records of one type with every property."""
    pages = max(1, math.ceil(active / LIST_PAGE))
    return pages * (url_chunks if url_chunks <= 2 else 2)


def association_requests(parent_link_counts: Sequence[int], *, parents: int) -> int:
    """v4 batch reads for one direction: `parent_link_counts` in read order (all parents)."""
    if parents == 0:
        return 0
    counts = list(parent_link_counts) + [0] * (parents - len(parent_link_counts))
    total = 0
    for start in range(0, parents, ASSOC_BATCH):
        batch = counts[start : start + ASSOC_BATCH]
        total += 1 + max(max(0, math.ceil(n / ASSOC_PAGE) - 1) for n in batch)
    return total


def discovery_requests(synced_types: int, pairs_with_labels: int, custom_types: int) -> int:
    """Schemas + properties probes + pair discovery."""
    probes = STANDARD_CANDIDATES + custom_types
    return 1 + probes + synced_types * (synced_types - 1) // 2 + pairs_with_labels


@dataclass(frozen=True)
class PortalCost:
    """Requests by kind for one full run."""

    discovery: int
    records: int
    associations: int

    @property
    def total(self) -> int:
        return self.discovery + self.records + self.associations

    def minutes(self, per_ten_seconds: int) -> float:
        """Wall time at a burst limit (the request minimum, no latency hidden or added)."""
        return self.total / (per_ten_seconds / 10) / 60


# The README's portal: 1M contacts, 200k companies, 500k deals, 2M engagements.
LARGE_PORTAL: dict[str, int] = {
    "contacts": 1_000_000,
    "companies": 200_000,
    "deals": 500_000,
    "calls": 500_000,
    "emails": 600_000,
    "notes": 500_000,
    "meetings": 200_000,
    "tasks": 200_000,
}
ENGAGEMENTS = ("calls", "emails", "notes", "meetings", "tasks")
# Every engagement type is linked to contacts, companies and deals; the three core types to
# each other. (A portal's actual pairs come from the labels API.)
LARGE_PORTAL_PAIRS = [("contacts", "companies"), ("contacts", "deals"), ("companies", "deals")] + [
    (e, core) for e in ENGAGEMENTS for core in ("contacts", "companies", "deals")
]


def portal_cost(
    sizes: Mapping[str, int],
    pairs: Sequence[tuple[str, str]],
    *,
    url_chunks: Mapping[str, int] | None = None,
    custom_types: int = 0,
) -> PortalCost:
    """The model above, assuming no parent has more than 500 links of one direction."""
    chunks = url_chunks or {}
    records = sum(list_requests(n, chunks.get(t, 1)) for t, n in sizes.items())
    associations = sum(association_requests([], parents=sizes[f]) for a, b in pairs for f in (a, b))
    discovery = discovery_requests(len(sizes), len(pairs), custom_types)
    return PortalCost(discovery, records, associations)


def main() -> None:
    """Print the cost table of the large portal at both HubSpot burst tiers."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    cost = portal_cost(LARGE_PORTAL, LARGE_PORTAL_PAIRS)
    wide = portal_cost(LARGE_PORTAL, LARGE_PORTAL_PAIRS, url_chunks={"contacts": 3})
    if args.json:
        print(json.dumps({"cost": cost.__dict__, "total": cost.total}))
        return
    n_types = len(LARGE_PORTAL)
    print(
        f"Portal: {', '.join(f'{n:,} {t}' for t, n in LARGE_PORTAL.items())}; "
        f"{len(LARGE_PORTAL_PAIRS)} pairs ({2 * len(LARGE_PORTAL_PAIRS)} directions), "
        f"{len(list(combinations(range(n_types), 2)))} type pairs probed"
    )
    print("| requests | discovery | records | associations | total | 100/10 s | 190/10 s |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, c in (("properties fit one URL", cost), ("contacts wide (ids + batch)", wide)):
        print(
            f"| {label} | {c.discovery:,} | {c.records:,} | {c.associations:,} | "
            f"{c.total:,} | {c.minutes(100):.0f} min | {c.minutes(190):.0f} min |"
        )


if __name__ == "__main__":
    main()
