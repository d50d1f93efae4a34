"""The generated hot path (record check, COPY renderer, byte reader) agrees with the general path.

The generated record check may only accept a record the general ``clean`` would return
unchanged; the generated COPY renderer must produce the same text as the general formatter;
rows whose raw line holds escapes must load exactly, through the byte reader (subprocess) and
the text reader (in-process) alike.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import subprocess
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from target_helpers import BIN, lines, rec, run_cli, run_target, schema_msg, write_config
from target_hubspot_overwrite.copy_text import (
    RenderedField,
    compile_renderer,
    format_row,
    formatter_for,
)
from target_hubspot_overwrite.intake import NullKeyError
from target_hubspot_overwrite.reader import LineEscapes, escapes_of
from target_hubspot_overwrite.record_checks import InvalidValue
from target_hubspot_overwrite.target import TargetHubspotOverwrite

S = "things"
PROPS: dict[str, Any] = {
    "id": {"type": "string"},
    "text": {"type": ["string", "null"]},
    "required_text": {"type": "string"},
    "when": {"type": ["string", "null"], "format": "date-time"},
    "day": {"type": ["string", "null"], "format": "date"},
    "count": {"type": ["integer", "null"]},
    "amount": {"type": ["number", "null"]},
    "flag": {"type": ["boolean", "null"]},
    "doc": {"type": ["object", "null"]},
    "items": {"type": ["array", "null"]},
    "anything": {},
}
NO_NUL = st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",))
SCALARS = st.one_of(
    st.none(),
    st.text(NO_NUL, max_size=8),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.sampled_from(["2024-01-02T03:04:05Z", "2024-02-30", "2024-01-02", "not a date", ""]),
)
VALUES = st.one_of(
    SCALARS,
    st.lists(SCALARS, max_size=3),
    st.dictionaries(st.text(NO_NUL, max_size=3), SCALARS, max_size=3),
)
VALID = {
    "id": st.text(NO_NUL, min_size=1, max_size=5),
    "text": st.one_of(st.none(), st.text(NO_NUL, max_size=5)),
    "required_text": st.text(NO_NUL, max_size=5),
    "when": st.one_of(st.none(), st.datetimes().map(dt.datetime.isoformat)),
    "day": st.one_of(st.none(), st.dates().map(dt.date.isoformat)),
    "count": st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1)),
    "amount": st.one_of(st.none(), st.integers(), st.floats(allow_nan=False)),
    "flag": st.one_of(st.none(), st.booleans()),
    "doc": st.one_of(st.none(), st.dictionaries(st.text(NO_NUL, max_size=2), SCALARS, max_size=2)),
    "items": st.one_of(st.none(), st.lists(SCALARS, max_size=2)),
    "anything": VALUES,
}
# Values at or just past each property's edge (valid or not).
EDGES: dict[str, list[Any]] = {
    "id": [None, "", 1],
    "text": [1, True, {}],
    "required_text": [None, 1.5],
    "when": ["2024-13-01T00:00:00", "", "2024-01-02", "2024-01-02 03:04", 1],
    "day": ["2024-02-30", "2024-01-02T00:00:00", "x"],
    "count": [2**63 - 1, 2**63, -(2**63), -(2**63) - 1, 3.0, 3.5, True, "3"],
    "amount": [True, "1.5", None, 2**70],
    "flag": [0, 1, "true"],
    "doc": [[], "x", 1],
    "items": [{}, "x"],
    "anything": [None, "x", [1]],
}


@st.composite
def near_valid_records(draw: st.DrawFn) -> dict[str, Any]:
    """A valid record, then maybe one property absent, set to an edge value, or unknown."""
    record: dict[str, Any] = {name: draw(valid) for name, valid in VALID.items()}
    change = draw(st.sampled_from(["none", "absent", "edge", "unknown"]))
    name = draw(st.sampled_from(sorted(VALID)))
    if change == "absent":
        del record[name]
    elif change == "edge":
        record[name] = draw(st.sampled_from(EDGES[name]))
    elif change == "unknown":
        record["unknown"] = draw(VALUES)
    return record


RECORDS = st.one_of(
    near_valid_records(),
    st.dictionaries(st.sampled_from([*PROPS, "unknown"]), VALUES, max_size=len(PROPS) + 1),
)


@pytest.fixture(scope="module")
def sink() -> Any:
    target = TargetHubspotOverwrite(
        config={"sqlalchemy_url": "postgresql://nobody@127.0.0.1:1/none"}, validate_config=False
    )
    made = target.add_sink(S, schema_msg(S, PROPS, ["id"])["schema"], ["id"])
    assert made.intake.check is not None
    return made.intake


def _general_clean(sink: Any, record: dict) -> dict | None:
    try:
        return dict(sink.clean(record))
    except (InvalidValue, NullKeyError):
        return None


def _typed(value: Any) -> Any:
    """``value`` with every scalar tagged by its type (``3 == 3.0 == True`` no longer)."""
    if isinstance(value, dict):
        return {k: _typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_typed(v) for v in value]
    return (type(value).__name__, value)


def _kept_as_is(sink: Any, record: dict) -> bool:
    """The general path accepts the record and returns it unchanged, types included."""
    cleaned = _general_clean(sink, record)
    return cleaned is not None and _typed(cleaned) == _typed(record)


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(record=RECORDS)
def test_generated_check_accepts_exactly_what_clean_keeps(sink, record):
    assert sink.check(record) == _kept_as_is(sink, record)


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(record=st.fixed_dictionaries(VALID))
def test_generated_check_accepts_valid_records(sink, record):
    assert sink.check(record)


TYPICAL = {
    "id": "1",
    "text": "a",
    "required_text": "b",
    "when": "2024-01-02T03:04:05.678Z",
    "day": "2024-01-02",
    "count": 3,
    "amount": 1.5,
    "flag": True,
    "doc": {"a": [1]},
    "items": [1, "x"],
    "anything": None,
}


def test_generated_check_accepts_a_typical_record(sink):
    assert sink.check(TYPICAL)
    assert not sink.check({**TYPICAL, "id": None})
    assert not sink.check({**TYPICAL, "required_text": None})
    assert not sink.check({**TYPICAL, "count": True})
    assert not sink.check({**TYPICAL, "unknown": 1})


@pytest.mark.parametrize(
    ("name", "value"), [(name, value) for name, values in EDGES.items() for value in values]
)
def test_generated_check_at_each_edge(sink, name, value):
    record = {**TYPICAL, name: value}
    assert sink.check(record) == _kept_as_is(sink, record)


COLUMN_CHOICES = {
    "string": ["text"],
    "date-time": ["timestamp with time zone", "text"],
    "integer": ["bigint", "numeric", "text"],
    "number": ["numeric", "text"],
    "boolean": ["boolean", "text"],
    "object": ["jsonb", "text"],
}
SAFE_TEXT = st.characters(blacklist_characters="\x00\\\t\n\r", blacklist_categories=("Cs",))
KIND_VALUES = {
    "string": st.text(SAFE_TEXT, max_size=10),
    "date-time": st.just("2024-01-02T03:04:05+00:00"),
    "integer": st.integers(min_value=-(2**63), max_value=2**63 - 1),
    "number": st.one_of(st.integers(), st.floats(allow_nan=False, allow_infinity=False)),
    "boolean": st.booleans(),
    "object": st.dictionaries(st.text(SAFE_TEXT, max_size=3), st.text(max_size=3), max_size=2),
}


@st.composite
def table_and_rows(draw: st.DrawFn) -> tuple[list[RenderedField], list[dict]]:
    kinds = draw(st.lists(st.sampled_from(sorted(KIND_VALUES)), min_size=1, max_size=6))
    fields = []
    for i, kind in enumerate(kinds):
        pg_type = draw(st.sampled_from(COLUMN_CHOICES[kind]))
        fields.append(RenderedField(f"f{i}", kind, pg_type, formatter_for(pg_type)))
    rows = []
    for _ in range(draw(st.integers(1, 4))):
        row = {}
        for spec in fields:
            if draw(st.booleans()):
                row[spec.source] = draw(st.one_of(st.none(), KIND_VALUES[spec.kind]))
        rows.append(row)
    return fields, rows


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=table_and_rows(), presence=st.booleans())
def test_generated_renderer_matches_general_formatter(case, presence):
    fields, rows = case
    render = compile_renderer(fields, presence)
    general = [(spec.source, spec.fallback) for spec in fields]
    for row in rows:
        assert render(row) == format_row(row, general, presence)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('{"a":"plain"}', LineEscapes.NONE),
        ('{"a":"tab\\there"}', LineEscapes.ESCAPED),
        ('{"a":"nul\\u0000"}', LineEscapes.MAY_HOLD_NUL),
    ],
)
def test_line_escapes(line, expected):
    assert escapes_of(line) == expected
    assert escapes_of(line.encode()) == expected


TRICKY = [
    "tab\there",
    "new\nline",
    "carriage\rreturn",
    "back\\slash",
    "\\N",
    "\\.",
    "nul\x00byte",
    'quote"d',
    "unicode é ✓ 𝄞",
    "",
]


def _messages() -> list[dict]:
    out = [schema_msg(S, {**PROPS, "required_text": {"type": ["string", "null"]}}, ["id"])]
    for i, text in enumerate(TRICKY):
        out.append(rec(S, {"id": f"t{i}", "text": text, "count": i, "amount": 0.5}))
        out.append(rec(S, {"id": f"c{i}", "text": f"clean {i}", "count": i, "amount": 0.25}))
    # Same key twice in one batch, in both orders of clean / escaped, and a partial record.
    out.append(rec(S, {"id": "d1", "text": "clean", "count": 1}))
    out.append(rec(S, {"id": "d1", "text": "esc\taped"}))
    out.append(rec(S, {"id": "d2", "text": "esc\naped", "count": 2}))
    out.append(rec(S, {"id": "d2", "text": "clean"}))
    out.append(rec(S, {"id": "d3", "text": "only the key and text"}))
    return out


def _expected() -> dict[str, tuple]:
    out: dict[str, tuple] = {}
    for i, text in enumerate(TRICKY):
        out[f"t{i}"] = (text.replace("\x00", ""), i)
        out[f"c{i}"] = (f"clean {i}", i)
    out["d1"] = ("esc\taped", 1)
    out["d2"] = ("clean", 2)
    out["d3"] = ("only the key and text", None)
    return out


@pytest.mark.parametrize("runner", ["cli", "in_process"])
@pytest.mark.parametrize("batch", [3, 1000])
def test_escaped_and_clean_rows_load_exactly(config, db, tmp_path, runner, batch):
    text = lines(*_messages())
    settings_ = {**config, "batch_size_rows": batch}
    res = run_cli(settings_, text, tmp_path) if runner == "cli" else run_target(settings_, text)
    assert res.returncode == 0, res.stderr[-2000:]
    loaded = {r[0]: (r[1], r[2]) for r in db.rows("SELECT id, text, count FROM {s}.things")}
    assert loaded == _expected()
    assert res.stream(S)["nul_stripped"] == 1


def test_exact_numbers_and_dates_on_the_byte_path(config, db, tmp_path):
    props = {
        "id": {"type": "string"},
        "amount": {"type": ["number", "null"]},
        "when": {"type": ["string", "null"], "format": "date-time"},
    }
    raw = [
        '{"type":"RECORD","stream":"things","record":'
        '{"id":"1","amount":12345678901234567.123456789,"when":"2024-01-02T03:04:05.678+02:00"}}',
        '{"type":"RECORD","stream":"things","record":{"id":"2","amount":0.1,"when":null}}',
    ]
    text = lines(schema_msg(S, props, ["id"]), *raw)
    res = run_cli(config, text, tmp_path)
    assert res.returncode == 0, res.stderr[-2000:]
    got = db.rows('SELECT id, amount::text, "when" FROM {s}.things ORDER BY id')
    assert got == [
        ("1", "12345678901234567.123456789", dt.datetime(2024, 1, 2, 1, 4, 5, 678000, dt.UTC)),
        ("2", "0.1", None),
    ]


BIG = 123456789012345678901234567890  # beyond 64 bits: orjson cannot write it


@pytest.mark.parametrize("runner", ["cli", "in_process"])
def test_integers_beyond_64_bits_inside_json_values_load_exactly(config, db, tmp_path, runner):
    """In a typed jsonb column (object, array, untyped) and a text column of mixed types, as
    the overflow column stores them: digit for digit, not a crash."""
    props = {
        "id": {"type": "string"},
        "doc": {"type": ["object", "null"]},
        "items": {"type": ["array", "null"]},
        "anything": {},
        "mixed": {"type": ["string", "integer", "object"]},
    }
    record = {"id": "1", "doc": {"n": BIG}, "items": [BIG, -BIG], "anything": {"a": [BIG]}}
    text = lines(schema_msg(S, props, ["id"]), rec(S, {**record, "mixed": {"n": BIG}}))
    res = run_cli(config, text, tmp_path) if runner == "cli" else run_target(config, text)
    assert res.returncode == 0, res.stderr[-2000:]
    got = db.rows(
        "SELECT doc->>'n', items->>0, items->>1, anything #>> '{a,0}', mixed FROM {s}.things"
    )
    assert got == [(str(BIG), str(BIG), str(-BIG), str(BIG), f'{{"n":{BIG}}}')]


def test_invalid_utf8_line_is_a_clear_error(config, tmp_path):
    # Bytes input (run_cli feeds text, which cannot carry invalid UTF-8).
    good = lines(schema_msg(S, PROPS, ["id"])).encode()
    bad = b'{"type":"RECORD","stream":"things","record":{"id":"\xff"}}\n'
    proc = subprocess.run(
        [str(BIN), "--config", str(write_config(config, tmp_path))],
        input=good + bad,
        capture_output=True,
        check=False,
    )
    assert proc.returncode != 0
    assert b"Input line 2 is not valid JSON" in proc.stderr


def test_rows_rendered_for_an_unexpected_column_type_are_rendered_again(config, db):
    """A new process renders a batch before it reads the table; an existing text column
    that the schema now calls boolean / integer needs the text formatter, not 't' / 'f'."""
    as_text = {"id": {"type": "string"}, "flag": {"type": ["string", "null"]}}
    run_target(config, lines(schema_msg(S, as_text, ["id"]), rec(S, {"id": "0", "flag": "x"})))
    as_bool = {"id": {"type": "string"}, "flag": {"type": ["boolean", "null"]}}
    run_target(
        config,
        lines(
            schema_msg(S, as_bool, ["id"]),
            rec(S, {"id": "1", "flag": True}),
            rec(S, {"id": "2", "flag": False}),
        ),
    )
    assert db.rows("SELECT id, flag FROM {s}.things ORDER BY id") == [
        ("0", "x"),
        ("1", "true"),
        ("2", "false"),
    ]


def test_a_replaced_stdin_without_a_file_descriptor_is_read(config, db, monkeypatch):
    text = lines(schema_msg(S, {"id": {"type": "string"}}, ["id"]), rec(S, {"id": "x\ty"}))
    monkeypatch.setattr("sys.stdin", io.StringIO(text))
    target = TargetHubspotOverwrite(config=config, validate_config=True)
    with contextlib.redirect_stdout(io.StringIO()):
        target.listen()
    assert db.rows("SELECT id FROM {s}.things") == [("x\ty",)]
