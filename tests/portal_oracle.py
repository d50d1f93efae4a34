"""What the warehouse should hold for a whole simulated portal, and the fewest requests a run
can take — computed from the simulator's admin API and its public properties/labels API only.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import psycopg
import requests
from hubspot_simulator.testing import SimulatorProcess
from psycopg import sql
from tap_hubspot_assoc.history.config import DEFAULT_PROPERTY_HISTORY, OTHER_TYPES
from tap_hubspot_assoc.object_types import STANDARD_TYPES, standard_type
from tap_hubspot_assoc.reference.pipelines import PIPELINE_TYPES
from target_hubspot_overwrite.naming import pg_identifier

from bench.portal_cost import association_requests
from tests.oracle import column_name, expected_rows, parse_datetime

OVERFLOW_COLUMN = "_sdc_overflow_properties"
LIST_PAGE = 100


@dataclass(frozen=True)
class Portal:
    """The simulator's portal: synced type names and association directions."""

    types: list[str]
    directions: list[tuple[str, str]]
    candidates: int  # types the tap knows (those the object library reports enabled are probed)


def tap_knows(name: str, count: dict[str, Any]) -> bool:
    """A simulator type the tap can sync: one of its standard types, or a custom object (the
    simulator also serves types of HubSpot's newer reference a tap may not know yet)."""
    return standard_type(name) is not None or str(count["objectTypeId"]).startswith("2-")


def known_counts(sim: SimulatorProcess) -> dict[str, dict[str, Any]]:
    """``/_sim/info`` counts of the types the tap knows."""
    return {n: c for n, c in sim.admin.info()["counts"].items() if tap_knows(n, c)}


def discover(sim: SimulatorProcess) -> Portal:
    """Every activated type the tap knows, and every direction whose labels API lists types."""
    counts = known_counts(sim)
    # in the tap's order (its standard types table, then custom objects): pair keys follow it
    order = {t.name: i for i, t in enumerate(STANDARD_TYPES)}
    activated = [name for name, c in counts.items() if c["activated"]]
    types = sorted(activated, key=lambda name: order.get(name, len(order)))
    directions = []
    for i, a in enumerate(types):
        for b in types[i + 1 :]:
            if labels_of(sim, a, b):
                directions += [(a, b), (b, a)]
    return Portal(types, directions, candidates=len(counts))


def labels_of(sim: SimulatorProcess, from_type: str, to_type: str) -> set[tuple]:
    body = _get(sim, f"/crm/v4/associations/{from_type}/{to_type}/labels")
    return {(r["typeId"], r["category"], r["label"]) for r in body["results"]}


def property_types(sim: SimulatorProcess, object_type: str) -> dict[str, str]:
    body = _get(sim, f"/crm/v3/properties/{object_type}")
    return {p["name"]: p["type"] for p in body["results"]}


def _get(sim: SimulatorProcess, path: str) -> dict[str, Any]:
    response = requests.get(sim.base_url + path, headers=sim.auth_headers(), timeout=60)
    response.raise_for_status()
    return dict(response.json())


# ------------------------------------------------------------------------------ tables


def table_name(stream: str) -> str:
    return pg_identifier(stream)


def association_table(from_type: str, to_type: str) -> str:
    return table_name(f"{from_type}_to_{to_type}_associations")


def _rows(conn: psycopg.Connection, schema: str, table: str) -> list[dict[str, Any]]:
    cur = conn.cursor(row_factory=psycopg.rows.dict_row)
    cur.execute(
        sql.SQL("SELECT * FROM {}.{}").format(sql.Identifier(schema), sql.Identifier(table))
    )
    return list(cur)


def _from_json(value: Any, hubspot_type: str) -> Any:
    """An overflowed property's JSON value as the typed column would hold it."""
    if value is None:
        return None
    if hubspot_type == "number":
        return Decimal(str(value))
    if hubspot_type == "datetime":
        return parse_datetime(value)
    if hubspot_type == "date":
        return date.fromisoformat(value)
    return value


def loaded_objects(
    conn: psycopg.Connection, schema: str, object_type: str, types: dict[str, str]
) -> dict[str, dict[str, Any]]:
    """Live rows by id, with overflowed properties unfolded into columns."""
    cur = conn.cursor(row_factory=psycopg.rows.dict_row)
    cur.execute(
        sql.SQL("SELECT *, {}::text AS _overflow_text FROM {}.{}").format(
            sql.Identifier(OVERFLOW_COLUMN)
            if _has_column(conn, schema, object_type, OVERFLOW_COLUMN)
            else sql.SQL("NULL"),
            sql.Identifier(schema),
            sql.Identifier(table_name(object_type)),
        )
    )
    loaded = {}
    for row in cur:
        if row.get("_sdc_deleted_at") is not None:
            continue
        text = row.pop("_overflow_text")
        row.pop(OVERFLOW_COLUMN, None)
        for name, value in (json.loads(text, parse_float=Decimal) if text else {}).items():
            row[column_name(name)] = _from_json(value, types.get(name, "string"))
        loaded[row["id"]] = row
    return loaded


def _has_column(conn: psycopg.Connection, schema: str, table: str, column: str) -> bool:
    found = conn.execute(
        "SELECT 1 FROM information_schema.columns WHERE table_schema = %s AND table_name = %s "
        "AND column_name = %s",
        (schema, table_name(table), column),
    ).fetchone()
    return found is not None


def object_differences(
    sim: SimulatorProcess, conn: psycopg.Connection, schema: str, object_type: str
) -> list[str]:
    """Differences between the active records of a type and its live rows (empty: equal)."""
    types = property_types(sim, object_type)
    active = [o for o in sim.admin.snapshot(object_type)["objects"] if not o["archived"]]
    expected = expected_rows(active, types)
    loaded = loaded_objects(conn, schema, object_type, types)
    if set(loaded) != set(expected):
        missing, extra = set(expected) - set(loaded), set(loaded) - set(expected)
        return [f"{object_type}: missing ids {sorted(missing)[:5]}, extra {sorted(extra)[:5]}"]
    return [
        f"{object_type} {rid}.{col}: want {want!r}, got {loaded[rid].get(col)!r}"
        for rid, row in expected.items()
        for col, want in row.items()
        if loaded[rid].get(col) != want
    ][:5]


def association_differences(
    sim: SimulatorProcess, conn: psycopg.Connection, schema: str, from_type: str, to_type: str
) -> list[str]:
    """Differences between a direction's live links (every type, category, label) and rows."""
    want = {
        (link["fromId"], link["toId"], t["typeId"], t["category"], t["label"])
        for link in sim.admin.association_snapshot(from_type, to_type)
        for t in link["types"]
    }
    got = {
        (
            r["from_object_id"],
            r["to_object_id"],
            r["association_type_id"],
            r["association_category"],
            r["association_label"],
        )
        for r in _rows(conn, schema, association_table(from_type, to_type))
        if r.get("_sdc_deleted_at") is None
        and (r["from_object_type"], r["to_object_type"]) == (from_type, to_type)
    }
    if got == want:
        return []
    return [
        f"{from_type}->{to_type}: missing {sorted(want - got)[:3]}, extra {sorted(got - want)[:3]}"
    ]


def label_differences(
    sim: SimulatorProcess, conn: psycopg.Connection, schema: str, portal: Portal
) -> list[str]:
    want = {(a, b, *label) for a, b in portal.directions for label in labels_of(sim, a, b)}
    got = {
        (
            r["from_object_type"],
            r["to_object_type"],
            r["association_type_id"],
            r["association_category"],
            r["association_label"],
        )
        for r in _rows(conn, schema, "association_labels")
        if r.get("_sdc_deleted_at") is None
    }
    return [] if got == want else [f"labels: missing {want - got}, extra {got - want}"]


# ------------------------------------------------------------------------------ requests

HISTORY_BATCH = 50  # records per batch read with propertiesWithHistory
LIST = "GET /crm/v3/objects/{type}"
BATCH_READ = "POST /crm/v3/objects/{type}/batch/read"
PROPERTIES = "GET /crm/v3/properties/{type}"
LABELS = "GET /crm/v4/associations/{from}/{to}/labels"
ASSOC_READ = "POST /crm/v4/associations/{from}/{to}/batch/read"
SCHEMAS = "GET /crm/v3/schemas"
OBJECT_LIBRARY = "GET /crm/v3/object-library/enablement"
SEARCH = "POST /crm/v3/objects/{type}/search"
OWNERS = "GET /crm/v3/owners"
PIPELINES = "GET /crm/v3/pipelines/{type}"
AUDIT = "GET /crm/v3/pipelines/{type}/{pipelineId}/audit"
LIST_SEARCH = "POST /crm/v3/lists/search"
OWNERS_PAGE, LISTS_PAGE = 500, 500


def full_run_minimum(
    sim: SimulatorProcess, portal: Portal, wide: set[str], *, custom_types: bool
) -> Counter[str]:
    """Fewest requests of a full `all`/`all` run through `meltano run`, keyed
    `endpoint [type or from->to]`.

    `meltano run` starts the tap twice. `--discover`: the object library once, schemas once,
    properties once per type the library does not report disabled (the activated ones: the
    simulator's library lists every standard type) and per custom object, labels once per
    unordered pair of synced types plus the reverse of each pair that has types. The sync
    takes types and pairs from that catalog: schemas once when custom objects are among them
    (to resolve their names), the labels of each synced direction once.

    Records: one list page per 100 active records (at least one); a wide type (more property
    names than two URLs carry) lists ids and batch-reads each page. Associations: per direction,
    per 1,000 parents one batch read plus one per further 500 links of its most-linked parent.
    Property history (the default set): one batch read per 50 active records of each type that
    has one of the set's properties. Reference data (`reference_data: all`, no list members):
    the sync reads each synced type's properties twice more (live and archived definitions),
    both owner listings, the pipelines of each synced type that may have them (the standard
    types with pipelines and every custom object; one without answers 400) and one audit per
    pipeline, and the lists search.
    """
    counts = known_counts(sim)
    minimum: Counter[str] = Counter()
    minimum[f"{SCHEMAS} [-]"] = 1 + int(custom_types)
    minimum[f"{OBJECT_LIBRARY} [-]"] = 1
    for name, count in counts.items():
        if count["activated"]:  # a type the library reports disabled is never asked
            minimum[f"{PROPERTIES} [{name}]"] = 1
    for t in portal.types:
        pages = max(1, math.ceil(counts[t]["active"] / LIST_PAGE))
        minimum[f"{LIST} [{t}]"] = pages
        minimum[f"{SEARCH} [{t}]"] = 1  # the parity count (object_counts)
        if t in wide and counts[t]["active"]:
            minimum[f"{BATCH_READ} [{t}]"] = math.ceil(counts[t]["active"] / LIST_PAGE)
        history = DEFAULT_PROPERTY_HISTORY.get(t, DEFAULT_PROPERTY_HISTORY[OTHER_TYPES])
        if set(history) & set(property_types(sim, t)) and counts[t]["active"]:
            minimum[f"{BATCH_READ} [{t}]"] += math.ceil(counts[t]["active"] / HISTORY_BATCH)
    minimum += reference_minimum(sim, portal)
    for i, a in enumerate(portal.types):
        for b in portal.types[i + 1 :]:
            minimum[f"{LABELS} [{a}->{b}]"] = 1
    for a, b in portal.directions:
        minimum[f"{LABELS} [{a}->{b}]"] += 1  # the sync's labels (data)
    for a, b in portal.directions[::2]:
        minimum[f"{LABELS} [{b}->{a}]"] += 1  # the reverse probe of a pair found
    active_ids: dict[str, list[str]] = {}
    for a, b in portal.directions:
        if a not in active_ids:  # parents are read in list order: id order
            objects = sim.admin.snapshot(a, properties=["hs_object_id"])["objects"]
            active_ids[a] = sorted((o["id"] for o in objects if not o["archived"]), key=int)
        links = Counter(str(link["fromId"]) for link in sim.admin.association_snapshot(a, b))
        per_parent = [links.get(i, 0) for i in active_ids[a]]
        minimum[f"{ASSOC_READ} [{a}->{b}]"] = association_requests(
            per_parent, parents=len(per_parent)
        )
    return minimum


def reference_minimum(sim: SimulatorProcess, portal: Portal) -> Counter[str]:
    """The sync's reference-data requests (see `full_run_minimum`)."""
    counts = sim.admin.info()["counts"]
    owners = sim.admin.owners_truth()["owners"]
    archived = sum(bool(o.get("archived")) for o in owners)
    pipelines = sim.admin.pipelines_truth()
    minimum: Counter[str] = Counter()
    minimum[f"{OWNERS} [-]"] = max(1, math.ceil((len(owners) - archived) / OWNERS_PAGE)) + max(
        1, math.ceil(archived / OWNERS_PAGE)
    )
    minimum[f"{LIST_SEARCH} [-]"] = max(1, math.ceil(len(sim.admin.lists_truth()) / LISTS_PAGE))
    for t in portal.types:
        minimum[f"{PROPERTIES} [{t}]"] += 2
        if t in PIPELINE_TYPES or counts[t]["objectTypeId"].startswith("2-"):
            minimum[f"{PIPELINES} [{t}]"] = 1
            if audits := len(pipelines.get(t, {}).get("pipelines", [])):
                minimum[f"{AUDIT} [{t}]"] = audits
    return minimum


def measured(sim: SimulatorProcess) -> Counter[str]:
    """The simulator's request counts, keyed like `full_run_minimum`."""
    counts = sim.admin.request_counts()
    found: Counter[str] = Counter()
    for endpoint, by_type in counts.get("byObjectType", {}).items():
        for name, n in by_type.items():
            found[f"{endpoint} [{name}]"] += n
    for endpoint, n in counts.get("endpoints", {}).items():
        if endpoint not in counts.get("byObjectType", {}):
            found[f"{endpoint} [-]"] += n
    return found


def request_table(minimum: Counter[str], got: Counter[str]) -> str:
    """Markdown: requests per type and direction next to the minimum."""
    lines = ["| endpoint [type] | requests | minimum |", "|---|---:|---:|"]
    for key in sorted(set(minimum) | set(got)):
        lines.append(f"| {key} | {got.get(key, 0)} | {minimum.get(key, 0)} |")
    lines.append(f"| **total** | {sum(got.values())} | {sum(minimum.values())} |")
    return "\n".join(lines)
