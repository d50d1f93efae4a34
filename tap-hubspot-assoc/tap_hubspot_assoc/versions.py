"""Table versions of full reads, announced with ACTIVATE_VERSION only once a read is complete.

A full read takes a version number when it starts (its RECORD messages carry it) and sends
ACTIVATE_VERSION only after its last record, meaning "this version is complete: rows of older
versions can go". A tap that dies mid-read therefore never asks the target to delete anything:
Meltano closes the target's input normally when the tap fails, so an opening message alone
would be indistinguishable from a finished read.

A complete read that emitted no record sends the message twice in a row (an empty version
opened and closed): a single message with no records before it is how other taps announce a
version at the *start* of a stream, and the target must not mistake an empty result for that.
"""

from __future__ import annotations

import time
from collections.abc import Callable


def new_version() -> int:
    """A table version number (epoch milliseconds)."""
    return int(time.time() * 1000)


def announce_complete(write: Callable[[int], None], version: int, *, empty: bool) -> None:
    """Send ACTIVATE_VERSION for a complete read (twice when it emitted no record)."""
    if empty:
        write(version)
    write(version)
