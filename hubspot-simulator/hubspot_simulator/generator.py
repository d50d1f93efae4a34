"""Deterministic dataset generation from a seed and sizes.

Only the per-record key timestamps and the association links are materialised (in compact
arrays); property values are generated on demand by the catalogue. 100k contacts + 30k meetings
take about a second.
"""

from __future__ import annotations

from array import array
from dataclasses import asdict, dataclass, fields
from typing import Any

from .associations import DEFAULT_LABELS, AssociationPair, LabelDef
from .catalog import properties_for
from .idlayout import IdLayout, make_ids
from .linkplan import LINK_PLANS, SECOND_COMPANY
from .objecttypes import OBJECT_TYPES, OPTIONAL_TYPES, resolve
from .store import ARCHIVED, MERGED, ObjectTable
from .util import mix, parse_time, salt

EPOCH_START = parse_time("2019-01-01T00:00:00Z") or 0
EPOCH_END = parse_time("2025-06-01T00:00:00Z") or 0
# Every 97th record was last modified by one "bulk import" in the same millisecond.
BULK_IMPORT_MS = parse_time("2025-03-03T12:00:00.000Z") or 0
MEETING_FANOUT = (0, 1, 2, 2, 3, 4, 5, 8, 10, 12)
# The 2026-09 types the portal preset has enabled (subscriptions and goal targets exist in
# HubSpot but not in this account: the object library says so and their paths answer 400).
PORTAL_ENABLED: tuple[str, ...] = tuple(
    ["carts", "orders", "invoices", "commerce_payments", "discounts", "fees", "taxes", "users"]
)


@dataclass
class DatasetSpec:
    """What to generate: records per type (every type added after the first five defaults to
    0), fan-outs, archive/merge rates, the "wide" products and which optional types exist."""

    seed: int = 7
    contacts: int = 250
    meetings: int = 60
    appointments: int = 20
    companies: int = 0
    deals: int = 0
    big_fanout: int = 2500  # contact 0 ↔ N even-indexed meetings, meeting 0 ↔ N contacts
    archived_permille: int = 20
    merged_permille: int = 10
    tickets: int = 0
    products: int = 0
    line_items: int = 0
    quotes: int = 0
    communications: int = 0
    feedback_submissions: int = 0
    tasks: int = 0
    notes: int = 0
    calls: int = 0
    emails: int = 0
    postal_mail: int = 0
    leads: int = 0
    services: int = 0
    courses: int = 0
    listings: int = 0
    pets: int = 0
    vehicles: int = 0
    carts: int = 0
    orders: int = 0
    invoices: int = 0
    commerce_payments: int = 0
    subscriptions: int = 0
    discounts: int = 0
    fees: int = 0
    taxes: int = 0
    goal_targets: int = 0
    users: int = 0
    pet_fanout: int = 600  # pet 0 ↔ the first N contacts
    company_fanout: int = 0  # company 0 ↔ the first N contacts
    wide_properties: int = 0  # extra populated custom properties on products
    activated_extra: tuple[str, ...] = ()  # optional types (objecttypes.OPTIONAL_TYPES)
    id_layout: IdLayout = IdLayout.UNIFORM  # how ids are spread (idlayout.py)

    def __post_init__(self) -> None:
        self.activated_extra = tuple(self.activated_extra)
        self.id_layout = IdLayout.parse(self.id_layout)
        unknown = set(self.activated_extra) - set(OPTIONAL_TYPES)
        if unknown:
            raise ValueError(f"activated_extra: unknown optional types {sorted(unknown)}")

    def activated(self) -> frozenset[str]:
        """The names of the types that exist in this portal."""
        return frozenset(
            t.name for t in OBJECT_TYPES if t.activated_by_default or t.name in self.activated_extra
        )

    def size(self, type_name: str) -> int:
        """Records to generate for a type."""
        return int(getattr(self, type_name))

    def to_json(self) -> dict[str, Any]:
        """Plain dict form."""
        return asdict(self) | {"id_layout": self.id_layout.value}

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> DatasetSpec:
        """From the admin API's fields (missing fields take the defaults)."""
        names = {f.name for f in fields(cls)}
        unknown = set(body) - names
        if unknown:
            raise ValueError(f"unknown dataset fields: {sorted(unknown)}")
        values: dict[str, Any] = {k: _field_value(k, v) for k, v in body.items()}
        return cls(**values)

    @staticmethod
    def portal_sizes() -> dict[str, Any]:
        """The whole-portal preset: every standard type and both custom objects, small, and
        the 2026-09 types of ``PORTAL_ENABLED`` enabled (``activated_extra``)."""
        engagements = dict.fromkeys(
            ("calls", "emails", "notes", "tasks", "communications", "postal_mail"), 30
        )
        return {
            "contacts": 600,
            "companies": 40,
            "deals": 60,
            "tickets": 30,
            "products": 20,
            "line_items": 40,
            "quotes": 10,
            **engagements,
            "meetings": 40,
            "appointments": 20,
            "leads": 20,
            "feedback_submissions": 20,
            "pets": 700,
            "vehicles": 20,
            "pet_fanout": 600,
            "company_fanout": 600,
            "wide_properties": 2000,
            **dict.fromkeys(("carts", "orders", "invoices", "commerce_payments"), 12),
            **dict.fromkeys(("discounts", "fees", "taxes"), 6),
            "users": 8,
            "activated_extra": list(PORTAL_ENABLED),
            # enough archived and merged records that companies, deals and tickets have some
            "archived_permille": 50,
            "merged_permille": 80,
        }

    @classmethod
    def portal(cls, seed: int = 7, **overrides: Any) -> DatasetSpec:
        """``DatasetSpec(seed=seed, **portal_sizes(), **overrides)``."""
        return cls(seed=seed, **(cls.portal_sizes() | overrides))


def _field_value(name: str, raw: Any) -> Any:
    """One admin/CLI field converted to its type (a clear ValueError when it is not one)."""
    if name == "activated_extra":
        return tuple(str(x) for x in raw)
    if name == "id_layout":
        return IdLayout.parse(raw)
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: {raw!r} is not an integer") from None


def _table(type_name: str, n: int, seed: int, spec: DatasetSpec) -> ObjectTable:
    otype = resolve(type_name)
    assert otype is not None
    s = salt(seed, type_name, "timestamps")
    span = EPOCH_END - EPOCH_START
    step = max(1, (span * 9 // 10) // max(n, 1))
    created = array("q", bytes(8 * n))
    modified = array("q", bytes(8 * n))
    for i in range(n):
        h = mix(s ^ i)
        c = EPOCH_START + i * step + h % step
        created[i] = c
        if i % 97 == 3 and c < BULK_IMPORT_MS:
            modified[i] = BULK_IMPORT_MS
        else:
            modified[i] = c + (h >> 20) % (EPOCH_END - c)
    ids = make_ids(spec.id_layout, seed, type_name, otype.base_id, n)
    table = ObjectTable(
        otype, seed, created, modified, properties_for(type_name, spec.wide_properties), ids
    )
    sa = salt(seed, type_name, "archived")
    can_merge = "hs_merged_object_ids" in table.spec_by_name
    for i in range(1, n):
        r = mix(sa ^ i) % 1000
        if r < spec.archived_permille:
            table.status[i] = ARCHIVED
            table.archived_at[i] = modified[i]
            table.archived_sorted.append(i)
        elif can_merge and r < spec.archived_permille + spec.merged_permille:
            survivor = table.survivor(mix(sa ^ ~i) % i)
            if table.status[survivor] == ARCHIVED:
                continue
            table.status[i] = MERGED
            table.merged_into[i] = survivor
            table.merged_ids.setdefault(survivor, []).append(table.ids[i])
            modified[survivor] = max(modified[survivor], modified[i])
    return table


Links = tuple[array, array, array]  # (a indexes, b indexes, masks): compact link columns


def _links_many(
    seed: int,
    name: str,
    n_from: int,
    n_to: int,
    fanout: tuple[int, ...],
    label_odds: tuple[int, ...],
) -> Links:
    """Each ``from`` record links to a few random ``to`` records with some extra labels."""
    froms, tos, masks = array("q"), array("q"), array("H")
    if n_to == 0:
        return froms, tos, masks
    s = salt(seed, name)
    for f in range(n_from):
        h = mix(s ^ f)
        for j in range(fanout[h % len(fanout)]):
            hj = mix(h + j)
            mask = 1
            for bit, odds in enumerate(label_odds, start=1):
                if (hj >> (8 * bit)) % odds == 0:
                    mask |= 1 << bit
            if (hj >> 40) % 50 == 0 and mask != 1:
                mask &= ~1  # a labelled link without the default type
            froms.append(f)
            tos.append(hj % n_to)
            masks.append(mask)
    return froms, tos, masks


def _flip(links: Links) -> Links:
    return links[1], links[0], links[2]


def generate(
    spec: DatasetSpec,
) -> tuple[dict[str, ObjectTable], dict[tuple[str, str], AssociationPair]]:
    """Build all tables and association pairs for ``spec``."""
    tables = {t.name: _table(t.name, spec.size(t.name), spec.seed, spec) for t in OBJECT_TYPES}
    n = {k: len(v) for k, v in tables.items()}
    seed = spec.seed
    links: dict[tuple[str, str], Links] = {
        k: (array("q"), array("q"), array("H")) for k in DEFAULT_LABELS
    }

    cm = _flip(_links_many(seed, "c-m", n["meetings"], n["contacts"], MEETING_FANOUT, (6, 10)))
    if n["contacts"] and n["meetings"]:
        # contact 0 and meeting 0 have thousands; every other record only, so that small
        # datasets keep records without associations.
        fan = spec.big_fanout
        for m in range(0, min(2 * fan, n["meetings"]), 2):
            cm[0].append(0)
            cm[1].append(m)
            cm[2].append(1)
        for c in range(0, min(2 * fan, n["contacts"]), 2):
            cm[0].append(c)
            cm[1].append(0)
            cm[2].append(1)
    links["contacts", "meetings"] = cm
    links["contacts", "appointments"] = _flip(
        _links_many(seed, "c-a", n["appointments"], n["contacts"], (0, 1, 1, 2), (5, 8))
    )
    links["meetings", "appointments"] = _flip(
        _links_many(seed, "m-a", n["appointments"], n["meetings"], (0, 0, 1), ())
    )
    links["contacts", "companies"] = _links_many(
        seed, "c-co", n["contacts"], n["companies"], (0, 1, 1, 2), (2, 7)
    )
    links["contacts", "deals"] = _flip(
        _links_many(seed, "c-d", n["deals"], n["contacts"], (1, 2, 3), ())
    )
    links["companies", "deals"] = _flip(
        _links_many(seed, "co-d", n["deals"], n["companies"], (1,), (1,))
    )

    _add_planned_links(spec, n, links)
    active = spec.activated()
    pairs = {
        (a, b): AssociationPair(
            a, b, [LabelDef(*d) for d in DEFAULT_LABELS[a, b]], n[a], n[b], *links[a, b]
        )
        for (a, b) in DEFAULT_LABELS
        if a in active and b in active
    }
    return tables, pairs


def _planned(seed: int, a: str, b: str, n: dict[str, int], plan: tuple[Any, ...]) -> Links:
    source, salt_name, fanout, odds = plan
    other = b if source == a else a
    got = _links_many(seed, salt_name, n[source], n[other], fanout, odds)
    return got if source == a else _flip(got)


def _extend(links: Links, more: Links) -> None:
    for col, extra in zip(links, more, strict=True):
        col.extend(extra)


def _add_planned_links(
    spec: DatasetSpec, n: dict[str, int], links: dict[tuple[str, str], Links]
) -> None:
    """Links of the pairs added after the original five types (own salts: the original
    pairs' links are unchanged unless the new knobs are used)."""
    seed = spec.seed
    for (a, b), plan in LINK_PLANS.items():
        links[a, b] = _planned(seed, a, b, n, plan)
    _extend(links["companies", "deals"], _planned(seed, "companies", "deals", n, SECOND_COMPANY))
    if n["companies"]:
        # company 0 ↔ the first N contacts (the >500 fan-out of a company)
        k = min(spec.company_fanout, n["contacts"])
        _extend(
            links["contacts", "companies"],
            (array("q", range(k)), array("q", [0] * k), array("H", [1] * k)),
        )
    if n["pets"]:
        k = min(spec.pet_fanout, n["contacts"])
        _extend(
            links["pets", "contacts"],
            (array("q", [0] * k), array("q", range(k)), array("H", [1] * k)),
        )
