"""Wide streams: typed columns within the row-size budget, the rest in the overflow column.

Every value of every property of every record is read back (typed column or overflow key) and
compared with what the tap sent, through upsert, force_overwrite and a second run whose schema
grew and whose records change some overflowed values and omit others.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import orjson
import pytest
from target_helpers import activate, rec, run_cli, run_target, schema_msg
from target_hubspot_overwrite.copy_text import exact_json_default
from target_hubspot_overwrite.naming import IdentifierClashError
from target_hubspot_overwrite.stream_columns import (
    MAX_HEAP_TUPLE_BYTES,
    MAX_TYPED_COLUMNS,
    OVERFLOW_COLUMN,
    ROW_BUDGET_BYTES,
    ColumnLayout,
    pinned_sources,
    plan_layout,
    row_cost,
)

S = "wide_objects"
FIXED = {
    "id": {"type": ["string"]},
    "created_at": {"type": ["string", "null"], "format": "date-time"},
    "updated_at": {"type": ["string", "null"], "format": "date-time"},
    "archived": {"type": ["boolean", "null"]},
    "archived_at": {"type": ["string", "null"], "format": "date-time"},
}
KINDS = {
    "string": {"type": ["string", "null"]},
    "number": {"type": ["number", "null"]},
    "date": {"type": ["string", "null"], "format": "date"},
    "date-time": {"type": ["string", "null"], "format": "date-time"},
    "boolean": {"type": ["boolean", "null"]},
}
KIND_CYCLE = ["string", "string", "number", "date", "date-time", "boolean", "string", "number"]


def wide_props(n: int, prefix: str = "wide_prop_") -> dict[str, dict]:
    """The tap's fixed fields and ``n`` HubSpot-like properties of mixed types."""
    props = dict(FIXED)
    for i in range(n):
        props[f"{prefix}{i:04d}"] = KINDS[KIND_CYCLE[i % len(KIND_CYCLE)]]
    return props


def kind_of(prop: dict) -> str:
    types = [t for t in prop["type"] if t != "null"]
    return prop.get("format") or types[0]


def value(kind: str, rec_no: int, i: int, run: int) -> Any:
    """A value of ``kind``: strings of 20-30 characters (short ones stay inline, the worst
    case for the row size), numbers with 25 digits, dates, date-times, booleans, some nulls."""
    seed = rec_no * 7919 + i * 31 + run
    if seed % 23 == 0:
        return None
    if kind == "string":
        text = f"r{run} v{rec_no}/{i} " + "abcdefghijklmnopqrstuvwxyz"
        return text[: 20 + seed % 11]
    if kind == "number":
        choice = seed % 4
        if choice == 0:
            return Decimal(f"{seed}123456789012345678.123456")  # 25+ significant digits
        if choice == 1:
            # a 25-digit integer (written as a Decimal: the test's orjson refuses big ints)
            return Decimal(int(f"{seed % 9 + 1}" + "0" * 24) + seed)
        if choice == 2:
            return seed % 1000
        return seed / 8
    if kind == "date":
        return (dt.date(2020, 1, 1) + dt.timedelta(days=seed % 2000)).isoformat()
    if kind == "date-time":
        moment = dt.datetime(2021, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=seed * 977)
        return moment.isoformat().replace("+00:00", ".123Z")
    return seed % 2 == 0


def record(props: dict[str, dict], rec_no: int, run: int) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": str(rec_no),
        "created_at": "2024-01-02T03:04:05.678Z",
        "updated_at": f"2025-0{1 + run}-01T00:00:00Z",
        "archived": False,
        "archived_at": None,
    }
    for i, (name, prop) in enumerate(props.items()):
        if name not in out:
            out[name] = value(kind_of(prop), rec_no, i, run)
    return out


def msgs_text(props: dict[str, dict], records: list[dict], *extra: dict) -> str:
    """Singer lines; numbers written digit for digit (Decimals, 25-digit integers)."""
    out = [schema_msg(S, props, ["id"]), *(rec(S, r) for r in records), *extra]
    return "".join(orjson.dumps(m, default=exact_json_default).decode() + "\n" for m in out)


def normalized(kind: str, v: Any) -> Any:
    if v is None:
        return None
    if kind == "number":
        return Decimal(str(v))
    if kind == "date-time":
        return dt.datetime.fromisoformat(v)
    if kind == "date":
        return str(v)
    return v


def stored(db, table: str = S) -> dict[str, dict[str, Any]]:
    """Every row as {property: value}: typed columns merged with the overflow object."""
    rows = db.rows(f"SELECT row_to_json(t)::text FROM {{s}}.{table} AS t")
    out = {}
    for (text,) in rows:
        row = json.loads(text, parse_float=Decimal)
        overflow = row.pop(OVERFLOW_COLUMN, None) or {}
        assert not overflow.keys() & row.keys(), "a property is both typed and overflowed"
        out[row["id"]] = {**row, **overflow}
    return out


def assert_exact(db, props: dict[str, dict], expected: dict[str, dict[str, Any]]) -> None:
    actual = stored(db)
    assert actual.keys() == expected.keys()
    for key, want in expected.items():
        got = actual[key]
        for name, prop in props.items():
            kind = kind_of(prop)
            assert normalized(kind, got.get(name)) == normalized(kind, want.get(name)), (
                key,
                name,
            )


def columns(db, table: str = S) -> list[tuple[str, str]]:
    return db.rows(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
        db.schema,
        table,
    )


def db_types(db, table: str = S) -> list[tuple[str, str]]:
    """Columns and their ``format_type`` names (as the target reads them)."""
    return db.rows(
        "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
        "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
        f'"{db.schema}"."{table}"',
    )


def test_budget_is_far_below_postgres_limits():
    assert ROW_BUDGET_BYTES + 2000 <= MAX_HEAP_TUPLE_BYTES
    assert MAX_TYPED_COLUMNS <= 1600 // 4
    # 23-byte header + 25-byte null bitmap (MAXALIGNed: 48), 24 bytes per varlena
    assert row_cost(["text"] * 200) == 48 + 200 * 24


def _plan(names_types, existing=None, pinned=()):
    return plan_layout(
        names_types, pinned, existing, [("_sdc_deleted_at", "timestamp with time zone")]
    )


def test_plan_prefix_in_schema_order_then_overflow():
    props = [(f"p{i:04d}", "text") for i in range(400)]
    layout = _plan([*props, ("flag", "boolean")])
    typed = [n for n, _ in props if n not in layout.overflowed]
    assert typed == [n for n, _ in props][: len(typed)]  # a prefix of the schema order
    assert "flag" in layout.overflowed  # would fit, but comes after the first miss
    assert layout.has_overflow
    cost = row_cost(["text"] * len(typed) + ["timestamp with time zone", "jsonb"])
    assert cost <= ROW_BUDGET_BYTES < cost + 24


def test_plan_pins_keys_and_fixed_fields_and_association_streams():
    props = [(f"p{i:04d}", "text") for i in range(400)] + [("id", "text"), ("pk", "bigint")]
    pinned = pinned_sources([n for n, _ in props], ["pk"])
    assert {"id", "pk"} <= pinned
    assert "p0001" not in pinned
    layout = _plan(props, pinned=pinned)
    assert not {"id", "pk"} & layout.overflowed
    assert pinned_sources(["from_object_id", "to_object_id", "x"], []) == {
        "from_object_id",
        "to_object_id",
        "x",
    }


def test_plan_never_moves_a_column_or_an_overflowed_property():
    # Existing columns stay typed, even beyond the budget (a table made before the budget).
    existing = {f"p{i:04d}": "text" for i in range(500)}
    props = [*((n, "text") for n in existing), ("new", "boolean")]
    assert _plan(props, existing) == ColumnLayout(frozenset({"new"}), True)
    # Once the table has the overflow column, every new property goes into it, even one
    # that would fit (here one that was overflowed before and is now a cheap boolean).
    small = {"id": "text", OVERFLOW_COLUMN: "jsonb"}
    assert _plan([("id", "text"), ("was_text", "boolean")], small) == ColumnLayout(
        frozenset({"was_text"}), True
    )
    # A table without overflow column that still has room: new properties get columns.
    assert _plan([("id", "text"), ("b", "boolean")], {"id": "text"}) == ColumnLayout()


def test_plan_refuses_a_property_named_like_the_overflow_column():
    props = [(OVERFLOW_COLUMN, "text"), *((f"p{i:04d}", "text") for i in range(400))]
    with pytest.raises(IdentifierClashError, match=OVERFLOW_COLUMN):
        _plan(props, pinned={OVERFLOW_COLUMN})
    assert _plan(props[:10], pinned={OVERFLOW_COLUMN}) == ColumnLayout()  # no overflow needed


@pytest.mark.parametrize("force", [False, True], ids=["upsert", "force_overwrite"])
def test_wide_stream_loads_every_value_exactly(config, db, force):
    cfg = {**config, "force_overwrite": force}
    props = wide_props(2000)
    first = [record(props, n, 1) for n in range(12)]
    res = run_target(cfg, msgs_text(props, first))
    assert res.stream(S)["created"] == 12
    expected = {r["id"]: dict(r) for r in first}
    assert_exact(db, props, expected)
    cols = columns(db)
    names = [c for c, _ in cols]
    assert names[:5] == list(FIXED)
    assert (OVERFLOW_COLUMN, "jsonb") in cols
    assert 100 < len(cols) <= MAX_TYPED_COLUMNS
    typed_rows = row_cost(t for _, t in cols if t != "USER-DEFINED")
    assert typed_rows <= ROW_BUDGET_BYTES

    # Second run: the schema grew (new properties in between and at the end), some values
    # change, records omit properties (upsert keeps them, force_overwrite drops them).
    grown = {**props, **{f"wide_prop_0500_{i}": KINDS["string"] for i in range(5)}}
    grown.update(wide_props(40, prefix="zz_new_"))
    second = []
    for n in range(8, 16):  # 8..11 exist, 12..15 are new
        full = record(grown, n, 2)
        second.append({k: v for i, (k, v) in enumerate(full.items()) if k == "id" or i % 3})
    res = run_target(cfg, msgs_text(grown, second))
    for r in second:
        old = expected.get(r["id"], {})
        expected[r["id"]] = dict(r) if force else {**old, **r}
    assert_exact(db, grown, expected)
    assert [c for c, _ in columns(db)] == names  # no column moved or added: the rest overflowed
    assert res.stream(S)["created"] == 4
    assert res.stream(S)["overwritten" if force else "updated"] == 4

    # Same input again: nothing rewritten (change detection covers the overflow object).
    before = db.rows("SELECT id, xmin::text FROM {s}.wide_objects ORDER BY id")
    again = run_target(cfg, msgs_text(grown, second))
    assert again.stream(S)["unchanged"] == 8
    assert db.rows("SELECT id, xmin::text FROM {s}.wide_objects ORDER BY id") == before


def test_overflowed_properties_are_queryable_and_merge_on_upsert(config, db):
    props = wide_props(2000)
    last = "wide_prop_1998"  # string properties past the typed columns
    first = record(props, 1, 1)
    first[last] = "first value"
    run_target(config, msgs_text(props, [first]))
    run_target(config, msgs_text(props, [{"id": "1", last: "second value"}]))
    query = f"SELECT id, {OVERFLOW_COLUMN}->>'{last}', {OVERFLOW_COLUMN}->>'wide_prop_1993' "
    rows = db.rows(query + "FROM {s}.wide_objects")
    assert rows == [("1", "second value", first["wide_prop_1993"])]
    run_target(config, msgs_text(props, [{"id": "1", last: None}]))
    assert db.scalar(f"SELECT {OVERFLOW_COLUMN}->'{last}' FROM {{s}}.wide_objects") == None  # noqa: E711


@pytest.mark.parametrize("force", [False, True], ids=["upsert", "force_overwrite"])
def test_properties_leaving_the_schema_and_full_refresh(config, db, force):
    props = wide_props(2000)
    first = [record(props, n, 1) for n in (1, 2)]
    run_target(config, msgs_text(props, first))
    gone = ["wide_prop_0010", "wide_prop_1990"]  # one typed, one overflowed
    assert {c for c, _ in columns(db)} & set(gone) == {"wide_prop_0010"}
    smaller = {k: v for k, v in props.items() if k not in gone}
    again = record(smaller, 1, 2)
    cfg = {**config, "force_overwrite": force}
    run_target(cfg, msgs_text(smaller, [again], activate(S, 2)))
    rows = stored(db)
    want = {g: None if force else first[0][g] for g in gone}
    assert {g: rows["1"].get(g) for g in gone} == want
    assert rows["2"]["_sdc_deleted_at"] is not None  # not delivered in the full refresh
    run_target({**cfg, "hard_delete": True}, msgs_text(smaller, [again], activate(S, 3)))
    assert set(stored(db)) == {"1"}


def test_budget_reached_by_a_later_run(config, db):
    narrow = wide_props(100)
    run_target(config, msgs_text(narrow, [record(narrow, 1, 1)]))
    before = [c for c, _ in columns(db)]
    assert OVERFLOW_COLUMN not in before
    wide = wide_props(2000)
    records = [record(wide, 1, 2), record(wide, 2, 2)]
    run_target(config, msgs_text(wide, records))
    after = [c for c, _ in columns(db)]
    assert after[: len(before)] == before  # existing columns kept in place
    assert after[-1] == OVERFLOW_COLUMN
    assert len(before) < len(after) <= MAX_TYPED_COLUMNS
    assert_exact(db, wide, {r["id"]: r for r in records})


def test_append_only_wide_stream(config, db):
    props = wide_props(2000)
    r = record(props, 1, 1)
    run_target({**config, "load_method": "append-only"}, msgs_text(props, [r, r]))
    count = f"SELECT count(*) FROM {{s}}.wide_objects WHERE {OVERFLOW_COLUMN} IS NOT NULL"
    assert db.scalar(count) == 2


def test_1700_property_stream_loads(config, db, tmp_path):
    props = dict(FIXED)
    props.update({f"prop_{i:04d}": {"type": ["string", "null"]} for i in range(1700)})
    records = [
        {"id": str(n), **{f"prop_{i:04d}": f"{n:03d}-{i:04d}-" + "x" * 21 for i in range(1700)}}
        for n in range(5)
    ]
    res = run_cli(config, msgs_text(props, records, activate(S, 1)), tmp_path)
    assert res.returncode == 0, res.stderr[-2000:]
    expected = {r["id"]: r for r in records}
    assert_exact(db, props, expected)
    assert len(columns(db)) <= MAX_TYPED_COLUMNS


def test_worst_case_row_fits(config, db):
    """Strings of 23 characters are never moved out of line (24 bytes with their header): a
    row of them is the planned worst case, and must still be stored."""
    props = dict(FIXED)
    props.update({f"s_{i:04d}": {"type": ["string", "null"]} for i in range(2000)})
    records = [
        {"id": f"{n:023d}", **{f"s_{i:04d}": f"{n}-{i:04d}".ljust(23, "x") for i in range(2000)}}
        for n in range(3)
    ]
    run_target(config, msgs_text(props, records))
    assert_exact(db, props, {r["id"]: r for r in records})
    types = db_types(db)
    typed = [c for c, _ in types if c != OVERFLOW_COLUMN]
    values = " + ".join(f'coalesce(pg_column_size("{c}"), 0)' for c in typed)
    size = db.scalar(f"SELECT max({values}) FROM {{s}}.wide_objects")  # typed values as stored
    planned = row_cost(t for _, t in types)
    assert size + len(types) // 8 + 23 + 18 <= planned <= ROW_BUDGET_BYTES  # 18: TOAST pointer
    assert planned - size < 200  # the worst case is tight for strings (padding, header)


def test_narrow_stream_gets_no_overflow_column(config, db):
    props = wide_props(200)
    run_target(config, msgs_text(props, [record(props, 1, 1)]))
    assert [c for c, _ in columns(db)] == [*props, "_sdc_deleted_at"]


def test_schema_violation_in_overflowed_property_is_caught(config, db):
    props = wide_props(2000)
    bad = record(props, 2, 1)
    bad["wide_prop_1997"] = "not a boolean"  # a boolean property far past the typed columns
    text = msgs_text(props, [record(props, 1, 1), bad])
    with pytest.raises(Exception, match="wide_prop_1997"):
        run_target(config, text)
    run_target({**config, "on_invalid_record": "reject"}, text)
    assert db.scalar("SELECT count(*) FROM {s}.wide_objects") == 1
    assert "wide_prop_1997" in db.scalar("SELECT reason FROM {s}._rejected_records")


def test_overflow_strings_with_escapes_and_nul(config, db):
    props = wide_props(2000)
    r = record(props, 1, 1)
    r["wide_prop_1998"] = 'tab\there\\ "quoted" \n line \u00e9 nul\u0000end'
    run_target(config, msgs_text(props, [r]))
    got = db.scalar(f"SELECT {OVERFLOW_COLUMN}->>'wide_prop_1998' FROM {{s}}.wide_objects")
    assert got == 'tab\there\\ "quoted" \n line \u00e9 nulend'


def test_dry_run_of_wide_stream_writes_nothing(config, db):
    props = wide_props(2000)
    res = run_target({**config, "dry_run": True}, msgs_text(props, [record(props, 1, 1)]))
    assert res.stream(S)["created"] == 1
    assert not db.table_exists(S)
