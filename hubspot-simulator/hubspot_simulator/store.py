"""Compact per-type record storage: key timestamps in arrays, generated values, sparse overrides.

A record is addressed by its index ``idx``; its id is ``ids[idx]`` (strictly increasing: creation
order equals id order, so "created ascending" is simply index order; ``idlayout`` spreads the
ids, id -> index is a bisect). Property values are generated on demand from (seed, type, idx,
property); only values changed through the admin API are stored, in ``overrides``.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterable, Iterator
from typing import Any

import orjson
from sortedcontainers import SortedList

from .catalog import CATALOG, PropertySpec, properties_response
from .history import HistoryLog
from .objecttypes import ObjectType
from .util import iso, mix, salt

ACTIVE, ARCHIVED, MERGED, DELETED = 0, 1, 2, 3


class _Ctx:
    """GenContext for one record."""

    __slots__ = ("created_ms", "idx", "record_id", "table")

    def __init__(self, table: ObjectTable, idx: int) -> None:
        self.table = table
        self.idx = idx
        self.record_id = table.ids[idx]
        self.created_ms = table.created[idx]

    def raw(self, name: str) -> str | None:
        return self.table.generated(self.idx, name)


class ObjectTable:
    """All records of one object type."""

    def __init__(
        self,
        otype: ObjectType,
        seed: int,
        created: array,
        modified: array,
        specs: list[PropertySpec] | None = None,
        ids: array | None = None,
    ) -> None:
        self.type = otype
        self.base_id = otype.base_id
        n = len(created)
        self.ids = array("q", range(otype.base_id, otype.base_id + n)) if ids is None else ids
        if len(self.ids) != n:
            raise ValueError(f"{otype.name}: {len(self.ids)} ids for {n} records")
        self.specs: list[PropertySpec] = CATALOG[otype.name] if specs is None else specs
        self.spec_by_name: dict[str, PropertySpec] = {p.name: p for p in self.specs}
        self.property_names: list[str] = [p.name for p in self.specs]
        self._salts = {p.name: salt(seed, otype.name, p.name) for p in self.specs}
        self.created = created
        self.modified = modified
        self.status = bytearray(len(created))
        self.archived_at: dict[int, int] = {}
        self.archived_sorted: list[int] = []
        self.overrides: dict[int, dict[str, str | None]] = {}
        self.merged_into: dict[int, int] = {}
        self.merged_ids: dict[int, list[int]] = {}
        self._mod_index: SortedList | None = None
        self._plans: dict[tuple[str, ...], list[tuple[str, int, Any, int]]] = {}
        self._properties_json: bytes | None = None
        self.original_modified: dict[int, int] = {}  # before the admin API first changed it
        self.history = HistoryLog(self, seed)

    def properties_json(self) -> bytes:
        """The body of GET /crm/v3/properties/{type} (serialised once)."""
        if self._properties_json is None:
            self._properties_json = orjson.dumps(properties_response(self.specs))
        return self._properties_json

    # ------------------------------------------------------------------ addressing
    def __len__(self) -> int:
        return len(self.created)

    def idx_of(self, record_id: str | int) -> int | None:
        """Index of a record id (any status), or None when no such record exists."""
        try:
            rid = int(record_id)
        except (TypeError, ValueError):
            return None
        ids = self.ids
        idx = bisect_left(ids, rid)
        return idx if idx < len(ids) and ids[idx] == rid else None

    def id_of(self, idx: int) -> str:
        """The record id string."""
        return str(self.ids[idx])

    def first_at_or_above(self, record_id: int) -> int:
        """The index of the first record whose id is >= ``record_id`` (len when none)."""
        return bisect_left(self.ids, record_id)

    def first_above(self, record_id: int) -> int:
        """The index of the first record whose id is > ``record_id`` (len when none)."""
        return bisect_right(self.ids, record_id)

    def survivor(self, idx: int) -> int:
        """Follow merges: the index of the record that now represents ``idx``."""
        while idx in self.merged_into:
            idx = self.merged_into[idx]
        return idx

    def is_active(self, idx: int) -> bool:
        """Neither archived nor merged away."""
        return self.status[idx] == ACTIVE

    def generated_modified(self, idx: int) -> int:
        """The last-modified timestamp the record was generated with."""
        return self.original_modified.get(idx, self.modified[idx])

    def context(self, idx: int) -> _Ctx:
        """The generator context of a record."""
        return _Ctx(self, idx)

    # ------------------------------------------------------------------ values
    def generated(self, idx: int, name: str) -> str | None:
        """The generated (never overridden) value of a property."""
        spec = self.spec_by_name.get(name)
        if spec is None:
            return None
        if spec.gen is None:
            return self.key_value(idx, name)
        return spec.gen(mix(self._salts[name] ^ idx), _Ctx(self, idx))

    def key_value(self, idx: int, name: str) -> str | None:
        """Values the store computes itself (timestamps, ids, merge lists)."""
        t = self.type
        if name == t.modified_prop:
            return iso(self.modified[idx])
        if name == t.created_prop:
            return iso(self.created[idx])
        if name == "hs_object_id":
            return str(self.ids[idx])
        if name == "hs_merged_object_ids":
            merged = self.merged_ids.get(idx)
            return ";".join(str(m) for m in merged) if merged else None
        return None

    def value(self, idx: int, name: str) -> str | None:
        """The current value of a property (overrides win over generated values)."""
        ov = self.overrides.get(idx)
        if ov is not None and name in ov:
            return ov[name]
        return self.generated(idx, name)

    def _plan(self, names: Iterable[str]) -> list[tuple[str, int, Any, int]]:
        """Per requested name: (name, kind 0=modified 1=created 2=key 3=generated, gen, salt)."""
        key = tuple(names)
        plan = self._plans.get(key)
        if plan is None:
            plan = []
            for name in key:
                spec = self.spec_by_name[name]
                if name == self.type.modified_prop:
                    plan.append((name, 0, None, 0))
                elif name == self.type.created_prop:
                    plan.append((name, 1, None, 0))
                elif spec.gen is None:
                    plan.append((name, 2, None, 0))
                else:
                    plan.append((name, 3, spec.gen, self._salts[name]))
            if len(self._plans) < 256:
                self._plans[key] = plan
        return plan

    def render(self, idx: int, names: Iterable[str]) -> dict[str, Any]:
        """The SimplePublicObject JSON of one record with the given (known) properties."""
        ov = self.overrides.get(idx)
        created = iso(self.created[idx])
        updated = iso(self.modified[idx])
        ctx = _Ctx(self, idx)
        props: dict[str, str | None] = {}
        for name, kind, gen, salt_ in self._plan(names):
            if kind == 0:
                props[name] = updated
            elif kind == 1:
                props[name] = created
            elif ov is not None and name in ov:
                props[name] = ov[name]
            elif kind == 3:
                props[name] = gen(mix(salt_ ^ idx), ctx)
            else:
                props[name] = self.key_value(idx, name)
        out: dict[str, Any] = {
            "id": str(self.ids[idx]),
            "properties": props,
            "createdAt": created,
            "updatedAt": updated,
            "archived": self.status[idx] == ARCHIVED,
        }
        if self.status[idx] == ARCHIVED:
            out["archivedAt"] = iso(self.archived_at[idx])
        return out

    def select_properties(self, requested: Iterable[str] | None) -> list[str]:
        """Known requested names plus the always-returned keys; defaults when none requested."""
        if requested is None:
            return list(self.type.default_props)
        names = [n for n in dict.fromkeys(requested) if n in self.spec_by_name]
        for key in self.type.always_props:
            if key not in names:
                names.append(key)
        return names

    # ------------------------------------------------------------------ iteration
    def iter_active(self, start: int = 0) -> Iterator[int]:
        """Indexes of active records from ``start`` on, in id order."""
        status = self.status
        for idx in range(start, len(status)):
            if status[idx] == ACTIVE:
                yield idx

    def iter_archived(self, start: int = 0) -> Iterator[int]:
        """Indexes of archived records from ``start`` on, in id order."""
        pos = bisect_left(self.archived_sorted, start)
        yield from self.archived_sorted[pos:]

    # ------------------------------------------------------------------ modified index
    @property
    def mod_index(self) -> SortedList:
        """Active records keyed ``(modified_ms << 32) | idx`` in ascending order (lazy)."""
        if self._mod_index is None:
            mod, status = self.modified, self.status
            self._mod_index = SortedList(
                (mod[i] << 32) | i for i in range(len(mod)) if status[i] == ACTIVE
            )
        return self._mod_index

    def _index_remove(self, idx: int) -> None:
        if self._mod_index is not None:
            self._mod_index.discard((self.modified[idx] << 32) | idx)

    def _index_add(self, idx: int) -> None:
        if self._mod_index is not None and self.status[idx] == ACTIVE:
            self._mod_index.add((self.modified[idx] << 32) | idx)

    # ------------------------------------------------------------------ mutations
    def set_modified(self, idx: int, ms: int) -> None:
        """Set the last-modified timestamp (property and updatedAt), keeping the index right."""
        self.original_modified.setdefault(idx, self.modified[idx])
        self._index_remove(idx)
        self.modified[idx] = ms
        self._index_add(idx)

    def touch_many(self, idxs: list[int], ms: int) -> None:
        """Set many records' last-modified to one millisecond (rebuilds the index if large)."""
        if self._mod_index is not None and len(idxs) > len(self.modified) // 20:
            self._mod_index = None
        for idx in idxs:
            self.set_modified(idx, ms)

    def create(
        self, props: dict[str, str | None], ms: int, source: tuple[Any, ...] = ("API",)
    ) -> int:
        """Append a record created and modified at ``ms`` (or later); returns its index.
        ``source``: (sourceType, sourceId, sourceLabel, updatedByUserId) of its first versions."""
        # Creation order must stay id order, so a past ``ms`` is clamped to the newest record.
        created = max(ms, self.created[-1]) if len(self.created) else ms
        self.created.append(created)
        self.modified.append(created)
        self.ids.append(self.ids[-1] + 1 if len(self.ids) else self.base_id)
        self.status.append(ACTIVE)
        idx = len(self.created) - 1
        # A new record starts with exactly the given properties.
        blank: dict[str, str | None] = {p.name: None for p in self.specs if p.gen is not None}
        given = self._clean(props)
        self.overrides[idx] = blank | given
        self.history.append(
            idx, {k: v for k, v in given.items() if v is not None}, created, *source
        )
        self._index_add(idx)
        return idx

    def update(
        self, idx: int, props: dict[str, str | None], ms: int, source: tuple[Any, ...] = ("API",)
    ) -> None:
        """Override property values, append a version of each, bump the modified timestamp."""
        given = self._clean(props)
        self.overrides.setdefault(idx, {}).update(given)
        self.history.append(idx, given, ms, *source)
        self.set_modified(idx, ms)

    def _clean(self, props: dict[str, str | None]) -> dict[str, str | None]:
        keys = {
            self.type.created_prop,
            self.type.modified_prop,
            "hs_object_id",
            "hs_merged_object_ids",
        }
        return {
            k: (None if v is None else str(v))
            for k, v in props.items()
            if k in self.spec_by_name and k not in keys
        }

    def archive(self, idx: int, ms: int) -> None:
        """Soft-delete a record."""
        if self.status[idx] != ACTIVE:
            return
        self.original_modified.setdefault(idx, self.modified[idx])
        self._index_remove(idx)
        self.status[idx] = ARCHIVED
        self.archived_at[idx] = ms
        self.modified[idx] = ms
        insort(self.archived_sorted, idx)

    def unarchive(self, idx: int, ms: int) -> None:
        """Restore an archived record."""
        if self.status[idx] != ARCHIVED:
            return
        self.original_modified.setdefault(idx, self.modified[idx])
        self.status[idx] = ACTIVE
        del self.archived_at[idx]
        self.archived_sorted.remove(idx)
        self.modified[idx] = ms
        self._index_add(idx)

    def delete_permanently(self, idx: int) -> None:
        """GDPR delete: the record is gone (neither listed, archived, searchable nor readable)."""
        if self.status[idx] not in (ACTIVE, ARCHIVED):
            raise ValueError(f"{self.type.singular} {self.id_of(idx)} is merged away or deleted")
        self._index_remove(idx)
        if self.status[idx] == ARCHIVED:
            del self.archived_at[idx]
            self.archived_sorted.remove(idx)
        self.status[idx] = DELETED
        self.overrides.pop(idx, None)

    def merge(self, primary: int, absorbed: int, ms: int) -> None:
        """Merge ``absorbed`` into ``primary`` (which keeps its id)."""
        self._index_remove(absorbed)
        self.status[absorbed] = MERGED
        self.merged_into[absorbed] = primary
        ids = self.merged_ids.setdefault(primary, [])
        ids.append(self.ids[absorbed])
        ids.extend(self.merged_ids.pop(absorbed, []))
        ids.sort()
        self.set_modified(primary, ms)
        self.history.record_merge(primary, absorbed, ms)

    def merge_into_new(self, primary: int, absorbed: int, ms: int) -> int:
        """HubSpot's current merge: a new record (new id, the primary's values) absorbs both."""
        values = {p.name: self.value(primary, p.name) for p in self.specs if p.gen is not None}
        new = self.create(values, ms, ("MERGE_OBJECTS", "merge"))
        self.merge(new, primary, ms)
        self.merge(new, absorbed, ms)
        return new

    def snapshot(self, idx: int) -> dict[str, Any]:
        """Full record with every property (for test comparison)."""
        return self.render(idx, self.property_names)
