"""Associations stored once per undirected link, with one type id per direction.

For each unordered pair of object types (``a``, ``b``) links live in two CSR adjacency arrays
(a→b and b→a, built once from the generated links) plus sparse overrides for links changed
later. A link carries a bit mask over the pair's label definitions; each definition owns one
type id per direction, so both directions always agree.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass
from typing import Any

import orjson

from .labels import DEFAULT_LABELS

__all__ = ["CATEGORIES", "DEFAULT_LABELS", "AssociationPair", "LabelDef"]

CATEGORIES = ("HUBSPOT_DEFINED", "USER_DEFINED", "INTEGRATOR_DEFINED")
MAX_LABELS_PER_PAIR = 16


@dataclass
class LabelDef:
    """One association type: a category, and a type id + label for each direction."""

    category: str
    type_ab: int
    label_ab: str | None
    type_ba: int
    label_ba: str | None
    deleted: bool = False

    def spec(self, side: int) -> dict[str, Any]:
        """The ``{category, typeId, label}`` entry as seen from ``side`` (0: a→b, 1: b→a)."""
        if side == 0:
            return {"category": self.category, "typeId": self.type_ab, "label": self.label_ab}
        return {"category": self.category, "typeId": self.type_ba, "label": self.label_ba}


def _csr(n: int, keys: list[int]) -> tuple[array, array, array]:
    """Sorted ``(node << 48) | (other << 16) | mask`` keys → (ptr, neighbours, masks)."""
    ptr = array("q", [0]) * (n + 1)
    nbr = array("q")
    msk = array("H")
    last_pair = -1
    for key in keys:
        pair = key >> 16
        if pair == last_pair:
            msk[-1] |= key & 0xFFFF
            continue
        last_pair = pair
        ptr[(key >> 48) + 1] += 1
        nbr.append((key >> 16) & 0xFFFFFFFF)
        msk.append(key & 0xFFFF)
    for i in range(n):
        ptr[i + 1] += ptr[i]
    return ptr, nbr, msk


class AssociationPair:
    """All links between two object types ``a`` and ``b``."""

    def __init__(
        self,
        a: str,
        b: str,
        labels: list[LabelDef],
        n_a: int,
        n_b: int,
        a_idx: array,
        b_idx: array,
        masks: array,
    ) -> None:
        """Build from link columns (duplicate pairs are merged, their masks OR-ed)."""
        self.a, self.b = a, b
        self.labels = labels
        fwd = sorted(
            [(x << 48) | (y << 16) | m for x, y, m in zip(a_idx, b_idx, masks, strict=True)]
        )
        fwd_csr = _csr(n_a, fwd)
        del fwd
        rev = sorted(
            [(y << 48) | (x << 16) | m for x, y, m in zip(a_idx, b_idx, masks, strict=True)]
        )
        self._csr = (fwd_csr, _csr(n_b, rev))
        self._n = [n_a, n_b]
        self._over: dict[tuple[int, int], int] = {}
        self._touched: tuple[dict[int, set[int]], dict[int, set[int]]] = ({}, {})
        self._types_cache: dict[tuple[int, int], list[dict[str, Any]]] = {}
        self._json_cache: dict[tuple[int, int], bytes] = {}
        self._live = self._compute_live()

    # ------------------------------------------------------------------ labels
    def live_mask(self) -> int:
        """Bits of the label definitions that are not deleted."""
        return self._live

    def _compute_live(self) -> int:
        return sum(1 << i for i, d in enumerate(self.labels) if not d.deleted)

    def _labels_changed(self) -> None:
        self._types_cache.clear()
        self._json_cache.clear()
        self._live = self._compute_live()

    def types_json(self, side: int, mask: int) -> bytes:
        """``types_for`` serialised as JSON (cached; responses splice it in verbatim)."""
        key = (side, mask)
        got = self._json_cache.get(key)
        if got is None:
            got = self._json_cache[key] = orjson.dumps(self.types_for(side, mask))
        return got

    def types_for(self, side: int, mask: int) -> list[dict[str, Any]]:
        """The ``associationTypes`` list of a link mask seen from ``side`` (cached)."""
        key = (side, mask)
        got = self._types_cache.get(key)
        if got is None:
            got = [
                d.spec(side) for i, d in enumerate(self.labels) if mask >> i & 1 and not d.deleted
            ]
            self._types_cache[key] = got
        return got

    def bit_for_type(self, side: int, type_id: int) -> int | None:
        """The label bit whose type id in direction ``side`` is ``type_id``."""
        for i, d in enumerate(self.labels):
            if not d.deleted and (d.type_ab if side == 0 else d.type_ba) == type_id:
                return i
        return None

    def add_label(self, label: LabelDef) -> None:
        """Register a new label definition."""
        if len(self.labels) >= MAX_LABELS_PER_PAIR:
            raise ValueError(f"at most {MAX_LABELS_PER_PAIR} labels per object type pair")
        self.labels.append(label)
        self._labels_changed()

    def delete_label(self, side: int, type_id: int) -> bool:
        """Delete the label definition with this type id (its links lose that type)."""
        bit = self.bit_for_type(side, type_id)
        if bit is None:
            return False
        self.labels[bit].deleted = True
        self._labels_changed()
        return True

    # ------------------------------------------------------------------ links
    def neighbours(self, side: int, idx: int) -> list[tuple[int, int]]:
        """Raw ``(other_idx, mask)`` links of a node, sorted by other index."""
        ptr, nbr, msk = self._csr[side]
        if idx < self._n[side]:
            lo, hi = ptr[idx], ptr[idx + 1]
            base = list(zip(nbr[lo:hi], msk[lo:hi], strict=True))
        else:
            base = []
        touched = self._touched[side].get(idx)
        if not touched:
            return base
        links = dict(base)
        for other in touched:
            m = self._over[(idx, other) if side == 0 else (other, idx)]
            if m:
                links[other] = m
            else:
                links.pop(other, None)
        return sorted(links.items())

    def get_mask(self, a_idx: int, b_idx: int) -> int:
        """The mask of one link (0 when absent)."""
        over = self._over.get((a_idx, b_idx))
        if over is not None:
            return over
        for other, m in self.neighbours(0, a_idx):
            if other == b_idx:
                return m
        return 0

    def set_mask(self, a_idx: int, b_idx: int, mask: int) -> None:
        """Set (or with 0, remove) one link."""
        self._over[(a_idx, b_idx)] = mask
        self._touched[0].setdefault(a_idx, set()).add(b_idx)
        self._touched[1].setdefault(b_idx, set()).add(a_idx)

    def count(self) -> int:
        """Number of stored links (before liveness filtering; approximate with overrides)."""
        return len(self._csr[0][1])
