"""The `merges` stream and its read hook: HubSpot's record merges, seen while objects are read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from singer_sdk import Tap
from singer_sdk import typing as th

from tap_hubspot_assoc.driven_streams import DrivenStream
from tap_hubspot_assoc.properties import format_datetime
from tap_hubspot_assoc.read_hooks import ReadHook, ReadStart
from tap_hubspot_assoc.streams import CrmObjectStream, attach

MERGES_STREAM = "merges"
MERGES_SCHEMA = th.PropertiesList(
    th.Property("object_type", th.StringType, required=True),
    th.Property("merged_id", th.StringType, required=True),
    th.Property("survivor_id", th.StringType, required=True),
    th.Property("seen_at", th.DateTimeType, required=True),
).to_dict()


class MergesStream(DrivenStream):
    """`merges`: one record per merged-away id, written when its survivor is read.

    The survivor lists every id it absorbed in `hs_merged_object_ids`; the target removes the
    merged-away rows and their association rows (both directions) when it loads these records.
    """

    primary_keys = ("object_type", "merged_id")

    def __init__(self, tap: Tap) -> None:
        super().__init__(tap, name=MERGES_STREAM, schema=MERGES_SCHEMA)


class MergesReport(ReadHook):
    """Read hook of every object stream: a `merges` record per id a read record absorbed."""

    def __init__(self, stream: MergesStream) -> None:
        self.stream = stream

    def begin(self, start: ReadStart) -> None:
        if self.stream.selected:
            self.stream.announce()

    def merged(self, stream: str, survivor: str, absorbed: Sequence[str]) -> None:
        if not self.stream.selected:
            return
        seen_at = format_datetime(dt.datetime.now(tz=dt.UTC))
        for merged in absorbed:
            if merged != survivor:
                self.stream.write(
                    {
                        "object_type": stream,
                        "merged_id": merged,
                        "survivor_id": survivor,
                        "seen_at": seen_at,
                    }
                )


def merges_stream(tap: Tap, objects: Sequence[CrmObjectStream]) -> MergesStream:
    """`merges`, reported by every object stream of `objects` (written only when they are
    read for themselves or for other streams: selecting `merges` alone reads nothing)."""
    merges = MergesStream(tap)
    attach(MergesReport(merges), to=objects, writes=[merges])
    return merges
