"""The whole simulated portal: object tables, association pairs and their mutations."""

from __future__ import annotations

from typing import Any

from .associations import CATEGORIES, AssociationPair, LabelDef
from .generator import DatasetSpec, generate
from .objecttypes import ObjectType, resolve
from .reference import ReferenceData
from .store import ObjectTable


class DatasetError(ValueError):
    """A bad admin request (unknown id, type or label)."""


class Dataset:
    """Tables by type name and association pairs by (a, b) type names."""

    def __init__(self, spec: DatasetSpec) -> None:
        self.spec = spec
        self.tables, self.pairs = generate(spec)
        self.activated = spec.activated()
        self._next_type_id = 2001
        self.reference = ReferenceData(spec, self.tables)

    # ------------------------------------------------------------------ lookup
    def resolve(self, name: str) -> ObjectType | None:
        """A type by any of its names, or None when unknown or not activated in this portal."""
        otype = resolve(name)
        return otype if otype is not None and otype.name in self.activated else None

    def table(self, otype: ObjectType) -> ObjectTable:
        """The table of a type."""
        return self.tables[otype.name]

    def pair(self, from_type: str, to_type: str) -> tuple[AssociationPair, int] | None:
        """The pair store of two types and the side ``from_type`` is on (0: a, 1: b)."""
        p = self.pairs.get((from_type, to_type))
        if p is not None:
            return p, 0
        p = self.pairs.get((to_type, from_type))
        if p is not None:
            return p, 1
        return None

    def links(self, from_type: str, from_idx: int, to_type: str) -> list[tuple[int, int]]:
        """Live ``(to_idx, mask)`` links of a record: both ends active, live labels only."""
        found = self.pair(from_type, to_type)
        if found is None:
            return []
        pair, side = found
        status = self.tables[to_type].status
        live = pair.live_mask()
        links = pair.neighbours(side, from_idx)
        if live == (1 << len(pair.labels)) - 1:
            return [(o, m) for o, m in links if not status[o]]
        return [(o, m & live) for o, m in links if m & live and not status[o]]

    # ------------------------------------------------------------------ associations
    def set_association(
        self,
        from_type: str,
        from_id: str,
        to_type: str,
        to_id: str,
        type_ids: list[int] | None,
        add: bool,
    ) -> list[int]:
        """Add type ids to (add=True) or remove them from a link (None: all types).

        Returns the link's type ids (from→to direction) afterwards. Never touches modified dates.
        """
        pair, side, a_idx, b_idx = self._link_address(from_type, from_id, to_type, to_id)
        mask = pair.get_mask(a_idx, b_idx)
        if type_ids is None:
            if add:
                raise DatasetError("typeIds are required to add an association")
            mask = 0
        else:
            for tid in type_ids:
                bit = pair.bit_for_type(side, int(tid))
                if bit is None:
                    raise DatasetError(
                        f"unknown association type id {tid} for {from_type} -> {to_type}"
                    )
                mask = mask | (1 << bit) if add else mask & ~(1 << bit)
        pair.set_mask(a_idx, b_idx, mask)
        return [t["typeId"] for t in pair.types_for(side, mask)]

    def _link_address(
        self, from_type: str, from_id: str, to_type: str, to_id: str
    ) -> tuple[AssociationPair, int, int, int]:
        found = self.pair(from_type, to_type)
        if found is None:
            raise DatasetError(f"no associations between {from_type} and {to_type}")
        pair, side = found
        f = self.tables[from_type].idx_of(from_id)
        t = self.tables[to_type].idx_of(to_id)
        if f is None or t is None:
            raise DatasetError(f"unknown record {from_type}/{from_id} or {to_type}/{to_id}")
        return (pair, side, f, t) if side == 0 else (pair, side, t, f)

    def create_label(
        self, from_type: str, to_type: str, label: str, inverse_label: str | None, category: str
    ) -> dict[str, Any]:
        """Create a (paired, if ``inverse_label``) label; returns both directions' type ids."""
        if category not in CATEGORIES:
            raise DatasetError(f"unknown category {category}")
        found = self.pair(from_type, to_type)
        if found is None:
            raise DatasetError(f"no associations between {from_type} and {to_type}")
        pair, side = found
        fwd, rev = self._next_type_id, self._next_type_id + 1
        self._next_type_id += 2
        inv = inverse_label if inverse_label is not None else label
        if side == 0:
            d = LabelDef(category, fwd, label, rev, inv)
        else:
            d = LabelDef(category, rev, inv, fwd, label)
        try:
            pair.add_label(d)
        except ValueError as exc:
            raise DatasetError(str(exc)) from exc
        return {
            "typeId": fwd,
            "inverseTypeId": rev,
            "label": label,
            "inverseLabel": inv,
            "category": category,
        }

    def delete_label(self, from_type: str, to_type: str, type_id: int) -> None:
        """Delete a label definition by its from→to type id."""
        found = self.pair(from_type, to_type)
        if found is None or not found[0].delete_label(found[1], type_id):
            raise DatasetError(f"unknown association type id {type_id}")

    def move_links(self, type_name: str, from_idx: int, to_idx: int) -> None:
        """Copy every link of ``from_idx`` onto ``to_idx`` (used by merges)."""
        for (a, b), pair in self.pairs.items():
            for side, name in ((0, a), (1, b)):
                if name != type_name:
                    continue
                for other, mask in pair.neighbours(side, from_idx):
                    if other == to_idx and a == b:
                        continue
                    key = (to_idx, other) if side == 0 else (other, to_idx)
                    pair.set_mask(*key, pair.get_mask(*key) | mask)

    def delete_permanently(self, type_name: str, idx: int) -> None:
        """GDPR delete of one record: its status and every link of it, in every pair."""
        self.tables[type_name].delete_permanently(idx)
        for (a, b), pair in self.pairs.items():
            for side, name in ((0, a), (1, b)):
                if name != type_name:
                    continue
                for other, _mask in pair.neighbours(side, idx):
                    pair.set_mask(*((idx, other) if side == 0 else (other, idx)), 0)

    def snapshot_associations(self, from_type: str, to_type: str) -> list[dict[str, Any]]:
        """Every live link from→to with its type ids (for test comparison)."""
        found = self.pair(from_type, to_type)
        if found is None:
            return []
        pair, side = found
        table = self.tables[from_type]
        to_table = self.tables[to_type]
        out = []
        for idx in table.iter_active():
            for other, mask in self.links(from_type, idx, to_type):
                out.append(
                    {
                        "fromId": table.id_of(idx),
                        "toId": to_table.id_of(other),
                        "types": pair.types_for(side, mask),
                    }
                )
        return out
