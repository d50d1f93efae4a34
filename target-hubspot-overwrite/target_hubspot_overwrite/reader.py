"""Fast Singer message reader using orjson, exact for every number.

Standard input is read as bytes and each line parsed with orjson. RECORD messages are offered
first to a fast handler (``on_record``) together with what the raw line tells about its
strings (see :class:`LineEscapes`); everything else goes through the SDK's callbacks.

orjson turns JSON numbers with a fraction into floats, which keep about 15 significant digits.
A line holding an object value of 16 or more digits (a number a float could round) is parsed by
the standard library instead, with fractions as ``Decimal``, so numeric columns keep every
digit; so are lines orjson rejects (integers beyond 64 bits). The check looks at the raw text
after each ``:`` (anchoring on that literal keeps it cheaper than the JSON parse itself); numbers
inside arrays, which land in ``jsonb``, are not checked. The fast record handler may skip the
check for streams whose schema holds no number that could be rounded (see ``needs_exact``).
"""

from __future__ import annotations

import enum
import json
import re
import sys
import typing as t
from collections import Counter, defaultdict
from collections.abc import Callable
from decimal import Decimal

import orjson
from singer_sdk.exceptions import InvalidInputLine

from target_hubspot_overwrite.sdk_private import ReaderHooks

MALFORMED = "_HSO_MALFORMED"
# An object value of 16+ digits, possibly around a '.': a number a float could round (or a
# string such as ":1234567890123456" inside a JSON string: parsed exactly too, only slower).
_LONG_NUMBER = r":\s*-?[0-9][0-9.]{15}"
_LONG_NUMBER_TEXT = re.compile(_LONG_NUMBER)
_LONG_NUMBER_BYTES = re.compile(_LONG_NUMBER.encode())

Line = str | bytes
STDIN_BUFFER = 1 << 20


class LineEscapes(enum.IntEnum):
    """What a record's raw JSON line says about its string values.

    JSON must escape backslash, quote and every control character (orjson rejects raw ones),
    so a line without any backslash holds only strings that need no COPY escaping, and NUL
    can only arrive as the escape ``\\u0000``.
    """

    NONE = 0  # no backslash at all: strings are COPY-safe as they are
    ESCAPED = 1  # has escapes, but no NUL
    MAY_HOLD_NUL = 2  # has a \\u0000 escape (or a look-alike): strings need NUL stripping
    UNKNOWN = 3  # no raw line (e.g. a record produced by a stream map)


RecordHandler = Callable[[dict, Line, LineEscapes], bool]


def parse_exact(line: Line) -> t.Any:
    """Parse a JSON line keeping every digit of every number."""
    return json.loads(line, parse_float=Decimal)


def needs_exact(line: Line) -> bool:
    """True if the line holds a number that orjson could round."""
    if isinstance(line, bytes):
        return _LONG_NUMBER_BYTES.search(line) is not None
    return _LONG_NUMBER_TEXT.search(line) is not None


def escapes_of(line: Line) -> LineEscapes:
    """Classify a raw line (bytes or str) by the escapes it holds."""
    if isinstance(line, bytes):
        if b"\\" not in line:
            return LineEscapes.NONE
        return LineEscapes.MAY_HOLD_NUL if b"\\u0000" in line else LineEscapes.ESCAPED
    if "\\" not in line:
        return LineEscapes.NONE
    return LineEscapes.MAY_HOLD_NUL if "\\u0000" in line else LineEscapes.ESCAPED


def _stdin_bytes() -> t.IO[t.Any]:
    """Standard input as bytes with a 1 MiB buffer.

    Each read releases the GIL, and the writer thread may take it meanwhile; the default 8 KiB
    buffer meant one read (and possible hand-off) per 8 contact lines. A replaced ``sys.stdin``
    without a file descriptor (embedding, tests) is read as it is.
    """
    try:
        fd = sys.stdin.fileno()
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is both
        return sys.stdin
    return open(fd, "rb", buffering=STDIN_BUFFER, closefd=False)


class OrjsonSingerReader(ReaderHooks):
    """Reads Singer JSON lines with orjson; malformed lines raise or are handed over."""

    def __init__(self) -> None:
        """Initialize the reader."""
        super().__init__()
        self.line_number = 0
        self.on_malformed: Callable[[int, str, str], None] | None = None
        self.on_record: RecordHandler | None = None

    @property
    def default_input(self) -> t.IO[str]:
        """Standard input."""
        return sys.stdin

    def process_lines(
        self,
        file_input: t.IO[t.Any] | None,
        callbacks: dict[str, Callable[[dict], None]],
    ) -> t.Counter[str]:
        """Read every line; RECORDs go to ``on_record`` first, the rest to ``callbacks``."""
        stats: dict[str, int] = defaultdict(int)
        lines: t.Iterable[Line] = file_input if file_input is not None else _stdin_bytes()
        fast = self.on_record
        records = 0
        for line in lines:
            self.remember_line(line)
            message = self._parse(line)
            kind: t.Any = message.get("type")
            if kind == "RECORD" and fast is not None and fast(message, line, escapes_of(line)):
                records += 1
                continue
            message = self._exactly(message, line)
            self.assert_line_requires(message, requires={"type"})
            if callback := callbacks.get(kind):
                callback(message)
            else:
                self.process_unknown(message)
            stats[kind] += 1
        stats["RECORD"] += records
        return Counter(**stats)

    def deserialize_json(self, line: Line) -> dict:
        """Parse one line exactly (see module doc); malformed lines raise or are handed over."""
        return self._exactly(self._parse(line), line)

    @staticmethod
    def _exactly(message: dict, line: Line) -> dict:
        """``message`` re-parsed exactly if its line holds a number orjson could round."""
        if message.get("type") != MALFORMED and needs_exact(line):
            return t.cast("dict", parse_exact(line))
        return message

    def _parse(self, line: Line) -> dict:
        """Parse one line with orjson (exactly when orjson refuses it)."""
        self.line_number += 1
        try:
            parsed = orjson.loads(line)
        except ValueError:  # orjson.JSONDecodeError is a ValueError
            try:
                parsed = parse_exact(line)
            except ValueError as exc:  # also UnicodeDecodeError
                return self._malformed(line, f"not valid JSON ({exc})")
        if not isinstance(parsed, dict):
            return self._malformed(line, "not a JSON object")
        return parsed

    def _malformed(self, line: Line, reason: str) -> dict:
        text = line.decode("utf-8", "replace") if isinstance(line, bytes) else line
        if self.on_malformed is None:
            msg = f"Input line {self.line_number} is {reason}: {text[:200]!r}"
            raise InvalidInputLine(msg)
        return {"type": MALFORMED, "line": text, "reason": reason, "number": self.line_number}

    def on_unknown(self, message_dict: dict) -> bool:
        """A malformed line in reject mode goes to ``on_malformed``; other types fail."""
        if message_dict.get("type") == MALFORMED and self.on_malformed is not None:
            self.on_malformed(message_dict["number"], message_dict["reason"], message_dict["line"])
            return True
        return False
