"""The sync's start, concurrently under the shared limiter (issue 22; DESIGN.md "read-ahead").

Before singer-sdk syncs the streams in turn: the labels of every selected association
direction are read through the request pool at once, and every full read's pages start on a
read-ahead thread of its own (`read_ahead.py`), and so does every incremental read's source
(`incremental_reads.py`: pages with the positions they reach); each stream then takes its
pages at its turn and applies their positions to its state as it writes them.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from singer_sdk import Stream

from tap_hubspot_assoc.association.feeders import ParentFeeder
from tap_hubspot_assoc.association.labels import LabelRegistry
from tap_hubspot_assoc.association.pairs import Direction
from tap_hubspot_assoc.concurrency import RequestPool
from tap_hubspot_assoc.incremental_reads import telling
from tap_hubspot_assoc.read_ahead import ReadAheads
from tap_hubspot_assoc.read_stats import ReadMode
from tap_hubspot_assoc.streams import CrmObjectStream

REQUEST_BUDGET_SETTING = "request_budget"  # request_budget.SETTING: full reads in turn


def start_reading(
    streams: Mapping[str, Stream],
    labels: LabelRegistry | None,
    directions: Sequence[Direction],
    pool: RequestPool,
    config: Mapping[str, Any],
    logger: logging.Logger,
) -> ReadAheads:
    """Prefetch the selected directions' labels; start the full reads' pages. The caller
    cancels what is left (`ReadAheads.cancel_all`) when the sync ends or fails."""
    reading = ReadAheads()
    if labels is not None:
        labels.prefetch([d for d in directions if streams[d.stream_name].selected], pool)
    if not reads_ahead(pool, config):
        return reading
    kinds: Counter[ReadMode] = Counter()
    for stream in _read_ahead_candidates(streams.values()):
        mode = stream.read_mode()
        kinds[mode] += 1
        if mode is ReadMode.FULL:
            stream.read_ahead = reading.start(stream.name, stream.planned.full_pages)
        else:  # the steps carry their positions, applied as they are written
            source = stream.incremental_source()
            steps = source.steps
            for feeder in (h for h in stream.pages.hooks if isinstance(h, ParentFeeder)):
                batches = feeder.fetch_ahead()  # association batches fetched as pages come
                if batches is not None:
                    steps = telling(steps, batches)
                    reading.on_cancel(batches.close)
            stream.steps_ahead = (source.start, reading.start(stream.name, steps))
    if reading.started:
        reads = [f"{kinds[m]} {m} reads" for m in (ReadMode.FULL, ReadMode.INCREMENTAL) if kinds[m]]
        logger.info(
            "Reading ahead: the pages of %s start now (%s), written in turn",
            " and ".join(reads),
            ", ".join(a.name for a in reading.started),
        )
    return reading


def reads_ahead(pool: RequestPool, config: Mapping[str, Any]) -> bool:
    """Reads start together unless requests go one at a time, the run is capped
    (max_records) or spends a request budget (pages it might not write)."""
    return (
        pool.concurrent and not config.get("max_records") and not config.get(REQUEST_BUDGET_SETTING)
    )


def _read_ahead_candidates(streams: Iterable[Stream]) -> Iterable[CrmObjectStream]:
    """Object streams singer-sdk will sync whose read is incremental, or a full read from
    the start (not one going on from an earlier run: list pages from its saved cursor)."""
    for stream in streams:
        if not isinstance(stream, CrmObjectStream):
            continue
        if not (stream.selected or stream.has_selected_descendents):
            continue  # singer-sdk skips it
        if stream.ABORT_AT_RECORD_COUNT is not None:
            continue  # --test: capped
        mode = stream.read_mode()  # scoped and skipped reads are not read ahead
        going_on = stream.progress_view().full_read is not None  # from an earlier run
        if mode is ReadMode.INCREMENTAL or (mode is ReadMode.FULL and not going_on):
            yield stream
