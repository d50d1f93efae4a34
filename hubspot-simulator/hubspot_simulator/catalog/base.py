"""Property definitions (the ``Property`` JSON) and the building blocks of value generators.

Every property has a generator ``gen(h, ctx)`` turning a 64-bit hash of (seed, type, record,
property) into a value string (or None), so values need not be stored for unmodified records.
The key properties (created / modified / hs_object_id / hs_merged_object_ids) are computed by the
store and carry ``gen=None``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from ..util import iso, iso_date


class GenContext(Protocol):
    """What a value generator may read about the record it generates for."""

    record_id: int
    created_ms: int

    def raw(self, name: str) -> str | None:
        """The generated value of another property of the same record."""
        ...


Gen = Callable[[int, GenContext], "str | None"]


@dataclass(frozen=True)
class PropertySpec:
    """One property definition and how its values are generated."""

    name: str
    label: str
    type: str  # string | number | date | datetime | enumeration | bool
    field_type: str
    group: str
    gen: Gen | None
    options: Sequence[tuple[str, str]] = ()
    hubspot_defined: bool = True
    description: str = ""
    has_unique_value: bool = False
    calculated: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def to_api(self, order: int) -> dict[str, Any]:
        """The exact ``Property`` JSON shape of GET /crm/v3/properties/{type}."""
        out: dict[str, Any] = {
            "updatedAt": "2024-01-01T00:00:00.000Z",
            "createdAt": "2020-06-30T15:57:37.277Z",
            "name": self.name,
            "label": self.label,
            "type": self.type,
            "fieldType": self.field_type,
            "description": self.description,
            "groupName": self.group,
            "options": [
                {"label": label, "value": value, "displayOrder": i, "hidden": False}
                for i, (label, value) in enumerate(self.options)
            ],
            "displayOrder": order if not self.hubspot_defined else -1,
            "calculated": self.calculated,
            "externalOptions": False,
            "hasUniqueValue": self.has_unique_value,
            "hidden": False,
            "formField": self.field_type in ("text", "select", "checkbox", "booleancheckbox"),
            "modificationMetadata": {
                "archivable": not self.hubspot_defined,
                "readOnlyDefinition": self.hubspot_defined,
                "readOnlyValue": self.gen is None or self.calculated,
            },
            "archived": False,
        }
        if self.hubspot_defined:
            out["hubspotDefined"] = True
        else:
            out["createdUserId"] = "9586504"
            out["updatedUserId"] = "9586504"
        out.update(self.extra)
        return out


# ---------------------------------------------------------------- generator building blocks


def nullable(gen: Gen, null_permille: int, empty_permille: int = 0) -> Gen:
    def wrapped(h: int, ctx: GenContext) -> str | None:
        r = (h >> 52) % 1000
        if r < null_permille:
            return None
        if r < null_permille + empty_permille:
            return ""
        return gen(h, ctx)

    return wrapped


def pick(pool: Sequence[str], null: int = 0, empty: int = 0) -> Gen:
    """One value from a pool (inlined null handling: this is the hottest generator)."""
    n = len(pool)
    if not null and not empty:
        return lambda h, _c: pool[h % n]

    def gen(h: int, _c: GenContext) -> str | None:
        r = (h >> 52) % 1000
        if r < null:
            return None
        if r < null + empty:
            return ""
        return pool[h % n]

    return gen


def enum(options: Sequence[tuple[str, str]], null: int = 0) -> Gen:
    """One option value."""
    values = [v for _, v in options]
    return pick(values, null)


def multi(options: Sequence[tuple[str, str]], null: int = 0) -> Gen:
    """A ``;``-joined subset of option values (multi-select checkbox)."""
    values = [v for _, v in options]

    def gen(h: int, _c: GenContext) -> str | None:
        chosen = [v for i, v in enumerate(values) if (h >> (i * 3)) & 3 == 0]
        return ";".join(chosen) if chosen else values[h % len(values)]

    return nullable(gen, null)


def integer(lo: int, hi: int, null: int = 0) -> Gen:
    """An integer in [lo, hi]."""
    span = hi - lo + 1

    def gen(h: int, _c: GenContext) -> str | None:
        if (h >> 52) % 1000 < null:
            return None
        return str(lo + h % span)

    return gen


def decimal(lo: int, hi: int, null: int = 0) -> Gen:
    """A number with two decimals (trailing zeros trimmed as HubSpot does)."""

    def gen(h: int, _c: GenContext) -> str:
        cents = lo * 100 + h % ((hi - lo) * 100)
        whole, frac = divmod(cents, 100)
        return f"{whole}.{frac:02d}".rstrip("0").rstrip(".")

    return nullable(gen, null)


def boolean(null: int = 0) -> Gen:
    """``"true"`` or ``"false"``."""

    def gen(h: int, _c: GenContext) -> str | None:
        if (h >> 52) % 1000 < null:
            return None
        return "true" if h & 1 else "false"

    return gen


def datetime_after_created(max_days: int, null: int = 0) -> Gen:
    """A datetime between the record's creation and ``max_days`` later."""
    return nullable(lambda h, c: iso(c.created_ms + h % (max_days * 86_400_000)), null)


def date_in_years(start_year: int, years: int, null: int = 0) -> Gen:
    """A date (``YYYY-MM-DD``) within the given years."""
    start_ms = int(datetime(start_year, 1, 1, tzinfo=UTC).timestamp() * 1000)
    return nullable(lambda h, _c: iso_date(start_ms + h % (years * 31_556_952_000)), null)


WORDS = (
    "quarterly",
    "review",
    "planning",
    "onboarding",
    "demo",
    "follow-up",
    "pricing",
    "renewal",
    "kickoff",
    "sync",
    "roadmap",
    "budget",
    "contract",
    "integration",
    "workshop",
    "feedback",
    "escalation",
    "strategy",
    "training",
    "naïve",
    "café",
    "résumé",
    "über",
    "straße",
    "東京",
    "会議",
    "встреча",
    "☕",
    "🚀",
)


def text(min_words: int, max_words: int, null: int = 0, long_every: int = 0) -> Gen:
    """Words from a mixed-script vocabulary; every ``long_every``-th record gets 60,000 chars."""

    def words(h: int, _c: GenContext) -> str:
        n = min_words + h % (max_words - min_words + 1)
        x = h
        out = []
        for _ in range(n):
            out.append(WORDS[x % len(WORDS)])
            x = (x >> 5) | ((x & 31) << 59)
        return " ".join(out)

    short = nullable(words, null)

    def gen(h: int, c: GenContext) -> str | None:
        if long_every and c.record_id % long_every == 7:
            return LONG_TEXT
        return short(h, c)

    return gen


LONG_TEXT = ("Lorem ipsum dolor sit amet, 東京 ☕ — " * 2000)[:60_000]


def opts(*values: str) -> tuple[tuple[str, str], ...]:
    return tuple((v.replace("_", " ").title(), v) for v in values)


def key_prop(name: str, label: str, typ: str, group: str) -> PropertySpec:
    field_type = {"datetime": "date", "number": "number", "enumeration": "checkbox"}[typ]
    return PropertySpec(name, label, typ, field_type, group, None)


def common_keys(group: str, created: str, modified: str) -> list[PropertySpec]:
    return [
        key_prop(created, "Create Date", "datetime", group),
        key_prop(modified, "Last Modified Date", "datetime", group),
        key_prop("hs_object_id", "Record ID", "number", group),
    ]


def paragraphs(min_lines: int, max_lines: int, null: int = 0, long_every: int = 0) -> Gen:
    """Multi-line text (lines of words joined by newlines); every ``long_every``-th record
    gets the 60,000-character value."""
    line = text(3, 12)

    def gen(h: int, c: GenContext) -> str | None:
        if long_every and c.record_id % long_every == 7:
            return LONG_TEXT
        if (h >> 52) % 1000 < null:
            return None
        n = min_lines + h % (max_lines - min_lines + 1)
        return "\n".join(line(mix_line(h, i), c) or "" for i in range(n))

    return gen


def mix_line(h: int, i: int) -> int:
    """A cheap per-line hash derived from a record hash."""
    return ((h * (2 * i + 3)) ^ (h >> (i % 17))) & 0xFFFFFFFFFFFFFFFF


BOOL_OPTIONS = (("Yes", "true"), ("No", "false"))
OWNER_REFERENCE = {"referencedObjectType": "OWNER", "externalOptions": True}


def owner_prop(
    name: str, label: str, group: str, gen: Gen, field_type: str = "select"
) -> PropertySpec:
    """An owner-valued enumeration: no options of its own, values are owner ids (as HubSpot
    defines ``hubspot_owner_id``: ``referencedObjectType: OWNER``, ``externalOptions``)."""
    return PropertySpec(
        name, label, "enumeration", field_type, group, gen, (), extra=dict(OWNER_REFERENCE)
    )


def prop(
    name: str,
    label: str,
    typ: str,
    group: str,
    gen: Gen | None,
    options: Sequence[tuple[str, str]] = (),
    **kw: Any,
) -> PropertySpec:
    """A property whose field type follows from its type (bools get Yes/No options)."""
    field_type = {
        "string": "text",
        "number": "number",
        "date": "date",
        "datetime": "date",
        "enumeration": "select",
        "bool": "booleancheckbox",
    }[typ]
    if typ == "bool" and not options:
        options = BOOL_OPTIONS
    return PropertySpec(
        name, label, typ, kw.pop("field_type", field_type), group, gen, options, **kw
    )


def pipeline_props(
    group: str, pipeline: Gen, stage: Gen, options: tuple[Sequence[tuple[str, str]], ...]
) -> list[PropertySpec]:
    """``hs_pipeline`` and ``hs_pipeline_stage`` (HubSpot-defined on every pipeline type)."""
    return [
        prop("hs_pipeline", "Pipeline", "enumeration", group, pipeline, options[0]),
        prop("hs_pipeline_stage", "Pipeline stage", "enumeration", group, stage, options[1]),
    ]
