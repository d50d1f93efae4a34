"""Record intake: check, clean and buffer a stream's records (deduped on key, last wins)."""

from __future__ import annotations

import operator
import typing as t
from dataclasses import dataclass, field

import orjson
from singer_sdk.exceptions import InvalidRecord, MissingKeyPropertiesError

from target_hubspot_overwrite.copy_text import exact_json_default
from target_hubspot_overwrite.naming import column_names
from target_hubspot_overwrite.reader import LineEscapes
from target_hubspot_overwrite.reconciliation import StreamRefresh
from target_hubspot_overwrite.record_checks import (
    CheckedField,
    InvalidValue,
    NulCounter,
    RecordCheck,
    cleaner_for,
    compile_check,
    has_constraints,
)
from target_hubspot_overwrite.sqltypes import field_type
from target_hubspot_overwrite.stats import LoadStats
from target_hubspot_overwrite.stream_columns import Field


class InvalidRecordError(InvalidRecord):
    """A record violates its stream's schema (message names stream, key and field)."""


class NullKeyError(MissingKeyPropertiesError):
    """A record lacks a key property or has it NULL."""


def schema_fields(stream_name: str, schema: dict) -> list[Field]:
    """The fields (property, column, kind, cleaner) of a stream's schema."""
    props: dict[str, dict] = schema.get("properties") or {}
    names = column_names(props, what=f"stream '{stream_name}'")
    fields = []
    for src, prop in props.items():
        prop = prop or {}
        ftype = field_type(prop)
        fields.append(
            Field(src, names[src], ftype, cleaner_for(ftype, prop), has_constraints(prop))
        )
    return fields


def resolve_key(key: str, sources: t.Collection[str]) -> str:
    """Exact property name, else the single property equal ignoring case."""
    if key in sources:
        return key
    matches = [s for s in sources if s.lower() == key.lower()]
    return matches[0] if len(matches) == 1 else key


@dataclass
class Buffered:
    """A batch taken out of the intake: rows, escaped row positions, rejects, counters."""

    rows: list[dict]
    escaped: set[int]
    rejects: list[tuple[str, str]]
    stats: LoadStats


@dataclass
class RecordIntake:
    """Checks, cleans and buffers one stream's records (see ``accept``)."""

    stream_name: str
    fields: list[Field]
    keys: list[str]
    dedupe: bool  # upsert: one row per key
    force: bool  # force_overwrite: a later record replaces, not merges
    keep_first: bool  # insert-only streams: the first record of a key is the one kept
    reject_invalid: bool
    limit: int  # records (and rejects) per batch
    received: LoadStats  # the run's stats of the stream (``received`` is counted here)
    refresh: StreamRefresh
    nul: NulCounter = field(default_factory=NulCounter)
    check: RecordCheck | None = None

    def __post_init__(self) -> None:
        """Index the fields and generate the fast check."""
        self.by_source = {f.source: f for f in self.fields}
        self._keyset = set(self.keys)
        self._key_of = _key_getter(self.keys)
        if not any(f.constrained for f in self.fields):
            self.check = compile_check(
                [
                    CheckedField(f.source, f.ftype.kind, f.ftype.nullable, f.source in self._keyset)
                    for f in self.fields
                ]
            )
        self._keyed: dict[t.Any, dict] = {}
        self._rows: list[dict] = []
        self._escaped: set[t.Any] = set()  # keys (dedupe) or row positions needing escapes
        self._rejects: list[tuple[str, str]] = []
        self._stats = LoadStats()  # counters collected while reading the next batch
        self.count = 0  # records and rejects buffered for the next batch

    def describe_key(self, record: dict) -> str:
        """The record's key values, for messages."""
        return ", ".join(f"{k}={record.get(k)!r}" for k in self.keys) or "(no key)"

    def clean(self, record: dict) -> dict:
        """Validate and clean one record; raise InvalidValue naming the field."""
        out: dict[str, t.Any] = {}
        by_source = self.by_source
        for name, value in record.items():
            spec = by_source.get(name)
            if spec is None:
                continue
            if value is None:
                if name in self._keyset:
                    break
                if not spec.ftype.nullable:
                    raise InvalidValue(f"field '{name}': null is not allowed")
                out[name] = None
                continue
            try:
                out[name] = spec.clean(value, self.nul)
            except InvalidValue as exc:
                raise InvalidValue(f"field '{name}': {exc}") from None
        for key in self.keys:
            if out.get(key) is None:
                raise NullKeyError(
                    f"Stream '{self.stream_name}': key property '{key}' is missing or null "
                    f"in record with {self.describe_key(record)}"
                )
        return out

    def accept(self, record: t.Any, escapes: LineEscapes = LineEscapes.UNKNOWN) -> bool:
        """Validate, clean and buffer one record (a duplicate key: the later one wins); True
        when the batch is full.

        ``escapes`` is what the raw input line said about the record's strings. An invalid
        record raises, or is kept as a reject (``on_invalid_record: reject``).
        """
        self.received.received += 1
        self.refresh.records_since_activation += 1
        check = self.check
        if (
            escapes <= LineEscapes.ESCAPED
            and check is not None
            and record.__class__ is dict
            and check(record)
        ):
            row = record
        else:
            try:
                if not isinstance(record, dict):
                    raise InvalidValue("record is not a JSON object")
                row = self.clean(record)
            except (InvalidValue, NullKeyError) as exc:
                self._invalid(record, exc)
                self.count += 1
                return self.count >= self.limit
        if self.dedupe:
            key = self._key_of(row)
            previous = self._keyed.get(key)
            if previous is not None:
                self._stats.duplicates_merged += 1
                if self.keep_first:
                    self.count += 1
                    return self.count >= self.limit
                if not self.force:
                    previous.update(row)
                    row = previous
            self._keyed[key] = row
            if escapes:
                self._escaped.add(key)
        else:
            if escapes:
                self._escaped.add(len(self._rows))
            self._rows.append(row)
        self.count += 1
        return self.count >= self.limit

    def _invalid(self, record: t.Any, exc: Exception) -> None:
        reason = str(exc)
        if self.reject_invalid:
            self._rejects.append((reason, raw_json(record)))
            return
        if isinstance(exc, NullKeyError):
            raise exc
        msg = (
            f"Invalid record in stream '{self.stream_name}' "
            f"({self.describe_key(record) if isinstance(record, dict) else 'no key'}): {reason}"
        )
        raise InvalidRecordError(msg, record if isinstance(record, dict) else {})

    def buffered_rows(self) -> list[dict]:
        """The rows buffered so far (not taken)."""
        return list(self._keyed.values()) if self.dedupe else self._rows

    def take(self) -> Buffered:
        """Everything buffered, handed to a batch; the intake starts empty."""
        escaped = self._escaped
        if self.dedupe:
            rows = list(self._keyed.values())
            if escaped:
                escaped = {i for i, key in enumerate(self._keyed) if key in escaped}
        else:
            rows = self._rows
        stats = self._stats
        stats.nul_stripped += self.nul.count
        self.nul.count = 0
        taken = Buffered(rows, escaped, self._rejects, stats)
        self._stats = LoadStats()
        self._keyed, self._rows, self._rejects, self._escaped = {}, [], [], set()
        self.count = 0
        return taken


def _key_getter(keys: list[str]) -> t.Callable[[dict], t.Any]:
    """Function giving a row's dedupe key (the value itself for a single key)."""
    if not keys:
        return lambda row: ()
    return operator.itemgetter(*keys)


def raw_json(record: t.Any) -> str:
    """Record as JSON text for the reject table (repr if not serializable)."""
    try:
        return orjson.dumps(record, default=exact_json_default).decode()
    except TypeError:
        return repr(record)
