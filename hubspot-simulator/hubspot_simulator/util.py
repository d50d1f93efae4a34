"""Small primitives: the clock, ISO-8601 formatting, deterministic hashing, opaque cursors."""

from __future__ import annotations

import base64
import time
from datetime import UTC, date, datetime

MASK64 = (1 << 64) - 1


def now_ms() -> int:
    """Wall-clock time in epoch milliseconds."""
    return int(time.time() * 1000)


def iso(ms: int) -> str:
    """Epoch milliseconds as HubSpot's ISO-8601 UTC form, e.g. ``2024-01-17T19:55:04.281Z``."""
    sec, milli = divmod(ms, 1000)
    t = time.gmtime(sec)
    return "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ" % (  # noqa: UP031 - fastest formatting
        t.tm_year,
        t.tm_mon,
        t.tm_mday,
        t.tm_hour,
        t.tm_min,
        t.tm_sec,
        milli,
    )


def iso_date(ms: int) -> str:
    """Epoch milliseconds as a ``YYYY-MM-DD`` date (UTC)."""
    return datetime.fromtimestamp(ms // 1000, UTC).strftime("%Y-%m-%d")


def parse_time(value: str) -> int | None:
    """Parse epoch-ms digits, an ISO datetime or an ISO date into epoch ms (None if neither)."""
    v = value.strip()
    if v.lstrip("-").isdigit():
        return int(v)
    try:
        if len(v) == 10:
            d = date.fromisoformat(v)
            return int(datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp() * 1000)
        dt = datetime.fromisoformat(v.replace("Z", "+00:00"))
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp() * 1000)


def mix(x: int) -> int:
    """splitmix64 finaliser: a fast, well-distributed 64-bit hash of an integer."""
    x = (x + 0x9E3779B97F4A7C15) & MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK64
    return x ^ (x >> 31)


def salt(*parts: int | str) -> int:
    """A 64-bit salt derived from ints and strings (stable across runs, unlike ``hash``)."""
    h = 0x12345678
    for p in parts:
        if isinstance(p, str):
            for ch in p.encode():
                h = mix(h ^ ch)
        else:
            h = mix(h ^ (p & MASK64))
    return h


def encode_cursor(value: int) -> str:
    """An opaque, URL-safe paging cursor for an integer position."""
    return base64.urlsafe_b64encode(f"sim:{value}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int | None:
    """Inverse of :func:`encode_cursor`; None when the cursor is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    if not raw.startswith("sim:") or not raw[4:].isdigit():
        return None
    return int(raw[4:])
