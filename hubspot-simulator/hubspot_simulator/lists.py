"""Lists (manual, dynamic, snapshot) and their members, with join timestamps.

Members are record indexes of one type's table with the millisecond they joined. Only active
records are members when read (archiving, merging or deleting a record takes it out of every
list). Manual lists change through the admin API; snapshot lists were filled once; dynamic
lists follow a rule over current property values: when the records change, the next read
re-evaluates the rule, records that now match join at that moment and the others leave.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .objecttypes import resolve
from .store import ACTIVE, ObjectTable
from .util import iso, mix, parse_time, salt

Member = tuple[int, int, int]  # (sort key, record idx, joined at ms)


class ProcessingType(StrEnum):
    """How a list gets its members."""

    MANUAL = "MANUAL"
    DYNAMIC = "DYNAMIC"
    SNAPSHOT = "SNAPSHOT"


class ListError(ValueError):
    """A bad admin change of lists."""


@dataclass(frozen=True)
class Rule:
    """Membership rule: the property's value is one of ``values`` (``None`` in values = any
    non-empty value)."""

    prop: str
    values: tuple[str | None, ...]

    def matches(self, table: ObjectTable, idx: int, generated: bool = False) -> bool:
        """Whether the record matches now (``generated``: as first generated)."""
        value = table.generated(idx, self.prop) if generated else table.value(idx, self.prop)
        if value in (None, ""):
            return False
        return None in self.values or value in self.values


@dataclass
class ObjectList:
    """One list."""

    list_id: int
    name: str
    type_name: str
    processing_type: ProcessingType
    created_ms: int
    updated_ms: int
    rule: Rule | None = None
    members: dict[int, int] = field(default_factory=dict)  # record idx -> joined at (ms)
    list_version: int = 1
    signature: tuple[int, ...] = ()
    members_version: int = 0  # bumped on every change of ``members`` (read caches)

    def to_api(self, size: int, last_added: int | None) -> dict[str, Any]:
        """HubSpot's ``PublicObjectList`` (+ the search result's ``additionalProperties``)."""
        otype = resolve(self.type_name)
        assert otype is not None
        out: dict[str, Any] = {
            "listId": str(self.list_id),
            "listVersion": self.list_version,
            "name": self.name,
            "objectTypeId": otype.type_id,
            "processingType": self.processing_type.value,
            "processingStatus": "COMPLETE",
            "createdAt": iso(self.created_ms),
            "updatedAt": iso(self.updated_ms),
            "createdById": "2110000",
            "updatedById": "2110000",
            "size": size,
            "additionalProperties": {
                "hs_list_size": str(size),
                "hs_last_record_added_at": None if last_added is None else str(last_added),
                "hs_list_reference_count": "0",
            },
        }
        if self.processing_type is not ProcessingType.MANUAL:
            out["filtersUpdatedAt"] = iso(self.created_ms)
        return out


def _ms(value: str) -> int:
    ms = parse_time(value)
    assert ms is not None
    return ms


@dataclass(frozen=True)
class ListSeed:
    """A generated list: kind, type, rule, when it was created (and snapshotted)."""

    list_id: int
    name: str
    type_name: str
    kind: ProcessingType
    created: str
    rule: Rule | None = None
    share_permille: int = 0  # manual lists: the share of records added


LIST_SEEDS: tuple[ListSeed, ...] = (
    ListSeed(
        3,
        "Contacts with an email address",
        "contacts",
        ProcessingType.DYNAMIC,
        "2020-03-02T09:00:00Z",
        Rule("email", (None,)),
    ),
    ListSeed(
        7,
        "Newsletter (imported)",
        "contacts",
        ProcessingType.MANUAL,
        "2019-06-11T15:30:00Z",
        share_permille=330,
    ),
    ListSeed(
        12,
        "Customers at the 2023 trade show",
        "contacts",
        ProcessingType.SNAPSHOT,
        "2023-05-04T18:00:00Z",
        Rule("lifecyclestage", ("customer", "opportunity")),
    ),
    ListSeed(
        15,
        "Key accounts",
        "companies",
        ProcessingType.MANUAL,
        "2021-01-19T10:00:00Z",
        share_permille=250,
    ),
    ListSeed(
        21,
        "Deals in late stages",
        "deals",
        ProcessingType.DYNAMIC,
        "2022-07-01T08:00:00Z",
        Rule("dealstage", ("contractsent", "decisionmakerboughtin", "14593045")),
    ),
    ListSeed(24, "Webinar no-shows", "contacts", ProcessingType.MANUAL, "2024-11-20T17:00:00Z"),
    ListSeed(
        30,
        "Dogs",
        "pets",
        ProcessingType.DYNAMIC,
        "2023-01-09T12:00:00Z",
        Rule("species", ("dog",)),
    ),
)


def _signature(table: ObjectTable) -> tuple[int, ...]:
    """Changes whenever a record is added, changes status or is modified."""
    return (len(table), hash(bytes(table.status)), hash(table.modified.tobytes()))


class ListBook:
    """Every list of the portal by id, generated on first use (from the records' generated
    values: a dynamic list then catches up with changes made before)."""

    def __init__(self, seed: int, tables: dict[str, ObjectTable], now: Callable[[], int]) -> None:
        self.tables = tables
        self.now = now
        self.seed = seed
        self._lists: dict[int, ObjectList] | None = None
        self._cache: dict[tuple[int, bool], tuple[tuple[int, int], list[Member]]] = {}

    @property
    def lists(self) -> dict[int, ObjectList]:
        """Lists by id."""
        if self._lists is None:
            self._lists = {s.list_id: self._generate(self.seed, s) for s in LIST_SEEDS}
        return self._lists

    def _generate(self, seed: int, s: ListSeed) -> ObjectList:
        created = _ms(s.created)
        lst = ObjectList(s.list_id, s.name, s.type_name, s.kind, created, created, s.rule)
        table = self.tables[s.type_name]
        h0 = salt(seed, "list", s.list_id)
        for idx in range(len(table)):
            joined = max(created, table.created[idx])
            if s.kind is ProcessingType.MANUAL:
                h = mix(h0 ^ idx)
                if h % 1000 < s.share_permille:
                    lst.members[idx] = joined + (h >> 24) % (90 * 86_400_000)
            elif s.kind is ProcessingType.SNAPSHOT:
                assert s.rule is not None
                if table.created[idx] < created and s.rule.matches(table, idx, generated=True):
                    lst.members[idx] = created  # every member joined in the same millisecond
            else:
                assert s.rule is not None
                if s.rule.matches(table, idx, generated=True):
                    lst.members[idx] = joined
        if lst.members:
            lst.updated_ms = max(created, max(lst.members.values()))
        lst.signature = _signature(table) if not table.overrides else ()
        return lst

    # ------------------------------------------------------------------ reads
    def get(self, list_id: str | int) -> ObjectList | None:
        """A list by id (after re-evaluating a dynamic list whose records changed)."""
        try:
            lst = self.lists.get(int(list_id))
        except (TypeError, ValueError):
            return None
        if lst is not None:
            self._refresh(lst)
        return lst

    def all(self) -> list[ObjectList]:
        """Every list in id order (dynamic ones re-evaluated)."""
        for lst in self.lists.values():
            self._refresh(lst)
        return [self.lists[k] for k in sorted(self.lists)]

    def _refresh(self, lst: ObjectList) -> None:
        if lst.processing_type is not ProcessingType.DYNAMIC or lst.rule is None:
            return
        table = self.tables[lst.type_name]
        sig = _signature(table)
        if sig == lst.signature:
            return
        now = self.now()
        matching = {i for i in range(len(table)) if lst.rule.matches(table, i)}
        changed = matching.symmetric_difference(lst.members)
        for idx in set(lst.members) - matching:
            del lst.members[idx]
        for idx in matching - set(lst.members):
            lst.members[idx] = now
        if changed:
            lst.updated_ms = now
            lst.members_version += 1
        lst.signature = sig

    def active_members(self, lst: ObjectList) -> list[tuple[int, int]]:
        """``(record idx, joined ms)`` of the active members, in record id order."""
        return [(i, t) for _, i, t in self.ordered(lst, join_order=False)]

    def ordered(self, lst: ObjectList, join_order: bool) -> list[Member]:
        """Active members as ``(sort key, idx, joined ms)`` sorted by record id, or by join
        time then record id (key = joined ms * 10**12 + record id); cached until the members
        or the records' statuses change."""
        table = self.tables[lst.type_name]
        status = table.status
        key = (lst.members_version, hash(bytes(status)))
        cached = self._cache.get((lst.list_id, join_order))
        if cached is not None and cached[0] == key:
            return cached[1]
        ids = table.ids
        active = [(i, t) for i, t in lst.members.items() if status[i] == ACTIVE]
        if join_order:
            out = sorted((t * 10**12 + ids[i], i, t) for i, t in active)
        else:
            out = sorted((ids[i], i, t) for i, t in active)
        self._cache[lst.list_id, join_order] = (key, out)
        return out

    def to_api(self, lst: ObjectList) -> dict[str, Any]:
        """The list's JSON with its current size."""
        members = self.active_members(lst)
        last = max((t for _, t in members), default=None)
        return lst.to_api(len(members), last)

    def dump(self) -> list[dict[str, Any]]:
        """Ground truth: every list with its active members (record id, joined at)."""
        out = []
        for lst in self.all():
            table = self.tables[lst.type_name]
            body = self.to_api(lst)
            body["members"] = [
                {"recordId": table.id_of(i), "membershipTimestamp": iso(t)}
                for i, t in self.active_members(lst)
            ]
            out.append(body)
        return out

    # ------------------------------------------------------------------ admin changes
    def add(self, body: dict[str, Any], now: int) -> ObjectList:
        """``{name, objectType, processingType?: MANUAL|SNAPSHOT|DYNAMIC, listId?,
        rule?: {property, values}}``; dynamic lists need a rule, snapshots fill at once."""
        otype = resolve(str(body["objectType"]))
        if otype is None or otype.name not in self.tables:
            raise ListError(f"unknown object type {body['objectType']}")
        kind = ProcessingType(body.get("processingType", ProcessingType.MANUAL.value))
        list_id = int(body.get("listId") or max(self.lists, default=0) + 1)
        if list_id in self.lists:
            raise ListError(f"list {list_id} exists")
        rule_body = body.get("rule")
        rule = None
        if rule_body is not None:
            values = rule_body.get("values")
            rule = Rule(str(rule_body["property"]), tuple(values) if values else (None,))
        if kind is not ProcessingType.MANUAL and rule is None:
            raise ListError(f"a {kind.value} list needs a rule")
        lst = ObjectList(list_id, str(body["name"]), otype.name, kind, now, now, rule)
        table = self.tables[otype.name]
        if rule is not None:
            lst.members = {i: now for i in range(len(table)) if rule.matches(table, i)}
        lst.signature = _signature(table)
        self.lists[list_id] = lst
        self._cache.pop((list_id, True), None)
        self._cache.pop((list_id, False), None)
        return lst

    def remove(self, list_id: int) -> None:
        """Delete a list."""
        if self.lists.pop(int(list_id), None) is None:
            raise ListError(f"unknown list {list_id}")

    def rename(self, list_id: int, name: str, now: int) -> ObjectList:
        """A new name (and list version)."""
        lst = self.require(list_id)
        lst.name = name
        lst.list_version += 1
        lst.updated_ms = now
        return lst

    def require(self, list_id: int) -> ObjectList:
        lst = self.get(list_id)
        if lst is None:
            raise ListError(f"unknown list {list_id}")
        return lst

    def change_members(self, list_id: int, record_ids: list[Any], add: bool, now: int) -> None:
        """Add (joined now) or remove records of a manual or snapshot list."""
        lst = self.require(list_id)
        if lst.processing_type is ProcessingType.DYNAMIC:
            raise ListError("members of a dynamic list follow its rule (change the records)")
        table = self.tables[lst.type_name]
        for rid in record_ids:
            idx = table.idx_of(rid)
            if idx is None:
                raise ListError(f"unknown {table.type.singular} {rid}")
            if add:
                lst.members.setdefault(idx, now)
            else:
                lst.members.pop(idx, None)
        lst.updated_ms = now
        lst.members_version += 1
