"""Fast Singer message reader using orjson, exact for every number.

orjson turns JSON numbers with a fraction into floats, which keep about 15 significant digits.
A line holding an object value of 16 or more digits (a number a float could round) is parsed by
the standard library instead, with fractions as ``Decimal``, so numeric columns keep every
digit; so are lines orjson rejects (integers beyond 64 bits). The check looks at the raw text
after each ``:`` (anchoring on that literal keeps it cheaper than the JSON parse itself); numbers
inside arrays, which land in ``jsonb``, are not checked.
"""

from __future__ import annotations

import json
import re
import sys
import typing as t
from collections.abc import Callable
from decimal import Decimal

import orjson
from singer_sdk.exceptions import InvalidInputLine
from singer_sdk.io_base import GenericSingerReader

MALFORMED = "_HSO_MALFORMED"
# An object value of 16+ digits, possibly around a '.': a number a float could round (or a
# string such as ":1234567890123456" inside a JSON string: parsed exactly too, only slower).
_LONG_NUMBER_VALUE = re.compile(r":\s*-?[0-9][0-9.]{15}")


def parse_exact(line: str) -> t.Any:
    """Parse a JSON line keeping every digit of every number."""
    return json.loads(line, parse_float=Decimal)


class OrjsonSingerReader(GenericSingerReader[str]):
    """Reads Singer JSON lines with orjson; malformed lines raise or are handed over."""

    def __init__(self) -> None:
        """Initialize the reader."""
        super().__init__()
        self.line_number = 0
        self.on_malformed: Callable[[int, str, str], None] | None = None

    @property
    def default_input(self) -> t.IO[str]:
        """Standard input."""
        return sys.stdin

    def deserialize_json(self, line: str) -> dict:
        """Parse one line; malformed lines raise (or become a MALFORMED pseudo message)."""
        self.line_number += 1
        try:
            parsed = parse_exact(line) if _LONG_NUMBER_VALUE.search(line) else orjson.loads(line)
        except ValueError:  # orjson.JSONDecodeError is a ValueError
            try:
                parsed = parse_exact(line)
            except ValueError as exc:
                return self._malformed(line, f"not valid JSON ({exc})")
        if not isinstance(parsed, dict):
            return self._malformed(line, "not a JSON object")
        return parsed

    def _malformed(self, line: str, reason: str) -> dict:
        if self.on_malformed is None:
            msg = f"Input line {self.line_number} is {reason}: {line[:200]!r}"
            raise InvalidInputLine(msg)
        return {"type": MALFORMED, "line": line, "reason": reason, "number": self.line_number}

    def _process_unknown_message(self, message_dict: dict) -> None:
        if message_dict.get("type") == MALFORMED and self.on_malformed is not None:
            self.on_malformed(message_dict["number"], message_dict["reason"], message_dict["line"])
            return
        super()._process_unknown_message(message_dict)
