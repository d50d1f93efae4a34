"""Record id layouts: how a type's ids are spread (ids always increase with creation index).

``UNIFORM`` (the default): ``base_id + index``, contiguous.

``REALISTIC``: the shape of a real portal, deterministic from (seed, type):

- an old era holding ~95 % of the records: small, mostly sequential ids from 1 with holes
  (12,500 contacts reach ~60k), crossed by dense import blocks of thousands of consecutive ids;
- a middle era (2/5 of the rest): 8- and 9-digit ids after a gap of millions, with short import
  blocks and holes of millions (deleted or merged ranges);
- a new era (the rest): 11-digit ids from ~12,345,678,901, spread up to a few times 10^10;
- a few outliers (3 when there are 100 records or more) far above everything else (~4 * 10^11,
  kept below 10^12).

Ids live in one ``array('q')`` per type (8 bytes a record); id -> index is a bisect.
"""

from __future__ import annotations

from array import array
from enum import StrEnum

from .util import mix, salt

LOW_ERA_PERCENT = 95
NEW_ERA_START = 12_345_678_901
OUTLIER_START = 400_000_000_000


class IdLayout(StrEnum):
    """How record ids are spread; see the module docstring."""

    UNIFORM = "uniform"
    REALISTIC = "realistic"

    @classmethod
    def parse(cls, raw: object) -> IdLayout:
        """A layout from its name, or ValueError naming the choices."""
        try:
            return cls(str(raw).lower())
        except ValueError:
            choices = ", ".join(m.value for m in cls)
            raise ValueError(f"id_layout: unknown layout {raw!r} (choose {choices})") from None


def era_sizes(n: int) -> tuple[int, int, int, int]:
    """Records in the (old, middle, new, outlier) eras of a REALISTIC type of ``n`` records."""
    low = n * LOW_ERA_PERCENT // 100
    rest = n - low
    outliers = 3 if n >= 100 else 0
    mid = (rest - outliers) * 2 // 5
    return low, mid, rest - outliers - mid, outliers


def make_ids(layout: IdLayout, seed: int, type_name: str, base_id: int, n: int) -> array:
    """The ids of a type's ``n`` generated records, strictly increasing."""
    if layout is IdLayout.UNIFORM:
        return array("q", range(base_id, base_id + n))
    return _realistic(salt(seed, type_name, "ids"), n)


def _realistic(s: int, n: int) -> array:
    low, mid, new, outliers = era_sizes(n)
    ids = array("q", bytes(8 * n))
    i = 0
    cur = s % 50  # the first id is 1..50
    block = 0  # ids left in the current import block (step 1)
    for _ in range(low):
        h = mix(s ^ i)
        if block:
            block -= 1
            cur += 1
        elif h % 10_000 < 3:  # an import: thousands of consecutive ids
            block = 1000 + (h >> 12) % 3000
            cur += 1
        else:
            r = (h >> 24) % 100
            cur += 1 if r < 60 else 2 + (h >> 32) % 8 if r < 95 else 20 + (h >> 32) % 80
        ids[i] = cur
        i += 1
    cur += 5_000_000 + mix(s ^ 0x5A5A) % 20_000_000  # the gap before the middle era
    block = 0
    for _ in range(mid):
        h = mix(s ^ i)
        if block:
            block -= 1
            cur += 1
        elif h % 100 < 3:
            block = 20 + (h >> 12) % 200
            cur += 1
        elif h % 100 < 10:  # a hole of millions
            cur += 1_000_000 + (h >> 16) % 9_000_000
        else:
            cur += 1 + (h >> 16) % 400_000
        ids[i] = cur
        i += 1
    cur = max(cur, NEW_ERA_START + mix(s ^ 0xA5A5) % 1_000_000)
    spread = 40_000_000_000 // max(new, 1)  # the new era spans up to ~5 * 10^10
    for _ in range(new):
        h = mix(s ^ i)
        cur += 1 + h % (2 * spread) if h % 10 else 1
        ids[i] = cur
        i += 1
    cur = max(cur, OUTLIER_START + mix(s ^ 0x3C3C) % 1_000_000_000)
    for _ in range(outliers):
        cur += 1 + mix(s ^ i) % 50_000_000_000
        ids[i] = cur
        i += 1
    return ids
