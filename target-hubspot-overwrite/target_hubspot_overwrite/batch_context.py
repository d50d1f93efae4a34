"""What a batch hands to the pieces that run after its rows, inside its transaction."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from psycopg import Cursor

from target_hubspot_overwrite import removals
from target_hubspot_overwrite.session import LoadSession
from target_hubspot_overwrite.stats import LoadStats
from target_hubspot_overwrite.stream_table import StreamTable


@dataclass
class BatchContext:
    """One batch of one stream, its rows written (or, for an id list, copied)."""

    cur: Cursor
    rows: list[dict]
    stats: LoadStats  # the batch's counters (added to the stream's at commit)
    table: StreamTable
    session: LoadSession
    logger: logging.Logger
    upsert: bool  # a keyed stream under upsert (rows are merged by key)

    def remove(self, request: removals.Request) -> removals.Removed:
        """Remove what ``request`` names (``removals``) in this transaction."""
        return self.session.remove(self.cur, request)


Effect = Callable[[BatchContext], None]
"""A piece that runs after the batch's rows, in its transaction (see ``handlers``)."""
