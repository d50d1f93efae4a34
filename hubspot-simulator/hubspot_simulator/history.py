"""Property histories: versions generated on demand from a hash, plus versions the admin API
appended (creations, updates, merges), merged records' histories combined, HubSpot's cap.

Nothing is stored for generated records: the versions of (record, property) are derived from
(seed, type, property, record) and the record's generated timestamps, so 1M contacts cost no
memory until the admin API changes something. The newest version always carries the current
value; HubSpot answers with the newest ``VERSION_CAP`` versions, newest first.
"""

from __future__ import annotations

from itertools import count
from typing import TYPE_CHECKING, Any, NamedTuple

from .catalog.refids import OWNER_SEEDS
from .util import iso, mix, salt

if TYPE_CHECKING:
    from .store import ObjectTable

# The versions HubSpot returns per property (the newest ones); earlier versions are not sent.
VERSION_CAP = 20
# Every LONG_EVERY-th generated record has some properties with more versions than the cap.
LONG_EVERY = 50
BULK_IMPORT_ISO = "2025-03-03T12:00:00.000Z"
USER_IDS: tuple[int, ...] = tuple(o.user_id for o in OWNER_SEEDS if o.user_id is not None)
CHANGE_SOURCES = ("CRM_UI", "API", "WORKFLOW", "CRM_UI", "IMPORT", "INTEGRATION", "CRM_UI")
CREATION_SOURCES = ("CRM_UI", "IMPORT", "API", "FORM", "INTEGRATION")
SOURCE_TYPES = frozenset(
    {*CHANGE_SOURCES, *CREATION_SOURCES, "CALCULATED", "MERGE_OBJECTS", "SALES", "BULK_ACTION"}
)
_APPEND_ORDER = count(1_000_000)


class Version(NamedTuple):
    """One value a property had. ``value`` None = cleared (HubSpot sends ``""``)."""

    value: str | None
    ms: int
    source_type: str
    source_id: str | None = None
    source_label: str | None = None
    user_id: int | None = None
    order: int = 0  # tiebreak within one millisecond: higher = written later

    def to_api(self) -> dict[str, Any]:
        """HubSpot's ``ValueWithTimestamp`` JSON (absent optional fields are left out)."""
        out: dict[str, Any] = {
            "value": "" if self.value is None else self.value,
            "timestamp": iso(self.ms),
            "sourceType": self.source_type,
        }
        if self.source_id is not None:
            out["sourceId"] = self.source_id
        if self.source_label is not None:
            out["sourceLabel"] = self.source_label
        if self.user_id is not None:
            out["updatedByUserId"] = self.user_id
        return out


def source_fields(source_type: str, h: int) -> tuple[str | None, str | None, int | None]:
    """(sourceId, sourceLabel, updatedByUserId) as HubSpot fills them for a source type."""
    if source_type == "CRM_UI":
        user = USER_IDS[h % len(USER_IDS)]
        return f"userId:{user}", None, user
    if source_type == "WORKFLOW":
        return str(28_000_000 + h % 40), None, None
    if source_type == "IMPORT":
        return str(61_000 + h % 300), None, None
    if source_type == "INTEGRATION":
        return str(1_160_452 + h % 3), ("Zapier", "Salesforce", "Outlook")[h % 3], None
    if source_type == "API":
        return "sample-app", None, None
    return None, None, None


class HistoryLog:
    """One type's appended versions and merge bookkeeping (generated versions are derived)."""

    def __init__(self, table: ObjectTable, seed: int) -> None:
        self.table = table
        self.generated_count = len(table.created)
        self.appended: dict[int, dict[str, list[Version]]] = {}
        self.admin_merged: set[int] = set()  # absorbed indexes merged through the admin API
        self._salts: dict[str, int] = {}
        self._seed = seed

    # ------------------------------------------------------------------ writes
    def append(
        self,
        idx: int,
        props: dict[str, str | None],
        ms: int,
        source_type: str,
        source_id: str | None = None,
        source_label: str | None = None,
        user_id: int | None = None,
    ) -> None:
        """One version per property (calculated properties always say CALCULATED)."""
        per = self.appended.setdefault(idx, {})
        for name, value in props.items():
            calculated = self.table.spec_by_name[name].calculated
            per.setdefault(name, []).append(
                Version(
                    value,
                    ms,
                    "CALCULATED" if calculated else source_type,
                    None if calculated else source_id,
                    None if calculated else source_label,
                    None if calculated else user_id,
                    next(_APPEND_ORDER),
                )
            )

    def record_merge(self, survivor: int, absorbed: int, ms: int) -> None:
        """After an admin merge: the survivor's history is both records'; where the newest
        version would not carry the value the survivor kept, a MERGE_OBJECTS version does."""
        self.admin_merged.add(absorbed)
        kept: dict[str, str | None] = {}
        for name in self.table.property_names:
            versions = self.versions(survivor, name)
            current = self.table.value(survivor, name)
            if versions and (versions[-1].value or None) != (current or None):
                kept[name] = current
        self.append(survivor, kept, ms, "MERGE_OBJECTS", source_id="merge")

    # ------------------------------------------------------------------ reads
    def versions(self, idx: int, name: str) -> list[Version]:
        """Every version of a property (merged-in records' included), oldest first."""
        table = self.table
        spec = table.spec_by_name[name]
        if spec.gen is None:
            return self._key_versions(idx, name)
        out = self._own(idx, name)
        absorbed = [table.first_at_or_above(a) for a in table.merged_ids.get(idx, ())]
        if absorbed:
            for other in absorbed:
                out.extend(self._own(other, name))
            out.sort(key=lambda v: (v.ms, v.order))
            generated_merges = [a for a in absorbed if a not in self.admin_merged]
            if generated_merges and idx < self.generated_count:
                out.extend(self._generated_merge_version(idx, name, generated_merges))
                out.sort(key=lambda v: (v.ms, v.order))
        return out

    def api_history(self, idx: int, name: str) -> list[dict[str, Any]]:
        """``propertiesWithHistory[name]``: the newest VERSION_CAP versions, newest first."""
        versions = self.versions(idx, name)
        return [v.to_api() for v in reversed(versions[-VERSION_CAP:])]

    def _own(self, idx: int, name: str) -> list[Version]:
        out = self._generated(idx, name) if idx < self.generated_count else []
        out.extend(self.appended.get(idx, {}).get(name, ()))
        out.sort(key=lambda v: (v.ms, v.order))
        return out

    def _key_versions(self, idx: int, name: str) -> list[Version]:
        """Created/modified dates, the id, merged ids: one calculated version (the current)."""
        table = self.table
        value = table.key_value(idx, name)
        if value is None:
            return []
        ms = table.modified[idx] if name == table.type.modified_prop else table.created[idx]
        return [Version(value, ms, "CALCULATED")]

    def _salt(self, name: str) -> int:
        found = self._salts.get(name)
        if found is None:
            found = self._salts[name] = salt(self._seed, self.table.type.name, name, "history")
        return found

    def _generated(self, idx: int, name: str) -> list[Version]:
        """The versions a generated record had before the admin API touched it."""
        table = self.table
        spec = table.spec_by_name[name]
        h = mix(self._salt(name) ^ idx)
        created = table.created[idx]
        modified = table.generated_modified(idx)
        current = table.generated(idx, name)
        span = max(0, modified - created)
        if current is None:
            if h % 4 or span == 0:
                return []
            earlier = spec.gen(mix(h ^ 1), table.context(idx)) if spec.gen else None
            values: list[str | None] = [earlier or "unknown", None]
        else:
            n = 1 + (h >> 8) % 4
            if idx % LONG_EVERY == 7 and (h >> 16) % 3 == 0:
                n = VERSION_CAP + 1 + (h >> 24) % 25
            if span == 0:
                n = 1
            ctx = table.context(idx)
            values = [spec.gen(mix(h ^ (k + 2)), ctx) if spec.gen else None for k in range(n - 1)]
            values.append(current)
        n = len(values)
        offsets = sorted(1 + mix(h ^ (0x100 + k)) % span for k in range(n - 1)) if span else []
        if n >= 2 and (h >> 32) % 2 == 0:
            offsets[-1] = span  # the change that made the record's last modification
        if n >= 3 and (h >> 40) % 9 == 0:
            offsets[-2] = offsets[-1]  # two versions written in the same millisecond
        stamps = [created, *(created + o for o in offsets)]
        out: list[Version] = []
        for k, (value, ms) in enumerate(zip(values, stamps, strict=True)):
            vh = mix(h ^ (0x200 + k))
            if spec.calculated:
                source = "CALCULATED"
            elif iso(ms) == BULK_IMPORT_ISO:
                source = "IMPORT"
            elif k == 0:
                source = CREATION_SOURCES[vh % len(CREATION_SOURCES)]
            else:
                source = CHANGE_SOURCES[vh % len(CHANGE_SOURCES)]
            sid, label, user = source_fields(source, vh >> 8)
            out.append(Version(value, ms, source, sid, label, user, k))
        return out

    def _generated_merge_version(self, idx: int, name: str, absorbed: list[int]) -> list[Version]:
        """A generated merge: MERGE_OBJECTS at the survivor's last modification when the newest
        merged-in version does not carry the value the survivor kept."""
        versions = self._generated(idx, name)
        for other in absorbed:
            if other < self.generated_count:
                versions.extend(self._generated(other, name))
        if not versions:
            return []
        versions.sort(key=lambda v: (v.ms, v.order))
        current = self.table.generated(idx, name)
        if (versions[-1].value or None) == (current or None):
            return []
        ms = max(self.table.generated_modified(idx), versions[-1].ms)
        return [Version(current, ms, "MERGE_OBJECTS", "merge", None, None, 999_999)]


def history_json(table: ObjectTable, idx: int, names: list[str]) -> dict[str, Any]:
    """The ``propertiesWithHistory`` object of a record (unknown names ignored)."""
    log = table.history
    return {
        name: log.api_history(idx, name)
        for name in dict.fromkeys(names)
        if name in table.spec_by_name
    }
