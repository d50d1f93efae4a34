"""Count parity and deletion reconciliation for each object type (see README, "Parity").

After an object stream's read, `ParityCheck` asks HubSpot how many live records the type has
(one unfiltered search with `limit=1`: its `total`, the same one the read planner asks,
so one count per type per run) and writes an `object_counts` record; the
target compares it with the table's live rows. With `reconcile_deletions`, on incremental runs
it first lists every live id of the type (id-only list pages, ceil(n/100) requests) as
`object_ids` records; the `object_counts` record that follows closes that list
(`listed_ids` = how many distinct ids were sent). The target then removes rows whose id is not
in the list. A listing that fails or is skipped closes with `listed_ids = null`: nothing is
removed.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging

from singer_sdk import Tap
from singer_sdk import typing as th

from tap_hubspot_assoc.driven_streams import DrivenStream
from tap_hubspot_assoc.errors import DailyLimitError, HubSpotAPIError, HubSpotAuthError
from tap_hubspot_assoc.properties import format_datetime
from tap_hubspot_assoc.read_hooks import ReadEnd, ReadHook, ReadStart, ReadStop
from tap_hubspot_assoc.read_stats import ReadMode
from tap_hubspot_assoc.streams import CrmObjectStream, attach

OBJECT_COUNTS_STREAM = "object_counts"
OBJECT_IDS_STREAM = "object_ids"

OBJECT_COUNTS_SCHEMA = th.PropertiesList(
    th.Property("object_type", th.StringType, required=True),
    th.Property("hubspot_count", th.IntegerType, required=True),
    th.Property("counted_at", th.DateTimeType, required=True),
    th.Property("listed_ids", th.IntegerType),
    th.Property("live_rows", th.IntegerType),
    th.Property("gap", th.IntegerType),
).to_dict()

OBJECT_IDS_SCHEMA = th.PropertiesList(
    th.Property("object_type", th.StringType, required=True),
    th.Property("id", th.StringType, required=True),
).to_dict()


class ParitySkip(enum.Enum):
    """Why an object stream's read gets no `object_counts` record."""

    NOT_SELECTED = "the object stream or object_counts is not selected"
    SCOPED = "contact_ids run (only the listed contacts are read)"
    MAX_RECORDS = ReadStop.MAX_RECORDS.value
    REQUEST_BUDGET = ReadStop.REQUEST_BUDGET.value
    NOT_READ = "the stream was not read"


class ObjectCountsStream(DrivenStream):
    """`object_counts`: HubSpot's live count of one object type, written after its read.

    `live_rows` and `gap` are never sent by the tap; target-hubspot-overwrite fills them in.
    """

    primary_keys = ("object_type",)

    def __init__(self, tap: Tap) -> None:
        super().__init__(tap, name=OBJECT_COUNTS_STREAM, schema=OBJECT_COUNTS_SCHEMA)


class ObjectIdsStream(DrivenStream):
    """`object_ids`: every live id of a type (reconcile_deletions), closed by `object_counts`."""

    primary_keys = ("object_type", "id")

    def __init__(self, tap: Tap) -> None:
        super().__init__(tap, name=OBJECT_IDS_STREAM, schema=OBJECT_IDS_SCHEMA)


class ParityCheck(ReadHook):
    """Read hook of every object stream: the count (and id listing) once its read is done."""

    def __init__(
        self,
        counts: ObjectCountsStream,
        ids: ObjectIdsStream | None,
        logger: logging.Logger,
    ) -> None:
        self.counts = counts
        self.ids = ids
        self.logger = logger

    def begin(self, start: ReadStart) -> None:
        if self.counts.selected:
            self.counts.announce()
        if self.ids is not None and self.ids.selected:
            self.ids.announce()

    def after(self, read: ReadEnd) -> None:
        skip = self._skip(read)
        if skip is not None:
            self.logger.info("Parity %s: not checked (%s)", read.stream, skip.value)
            return
        hubspot_count = self.count(read)
        listed = self._list_ids(read) if self._reconciles(read) else None
        self.counts.write(
            {
                "object_type": read.stream,
                "hubspot_count": hubspot_count,
                "counted_at": format_datetime(dt.datetime.now(tz=dt.UTC)),
                "listed_ids": listed,
            }
        )
        self.logger.info(
            "Parity %s: HubSpot count %d%s",
            read.stream,
            hubspot_count,
            f", {listed} live ids listed for reconciliation" if listed is not None else "",
        )

    def _skip(self, read: ReadEnd) -> ParitySkip | None:
        if not (read.selected and self.counts.selected):
            return ParitySkip.NOT_SELECTED
        if read.mode is ReadMode.SCOPED:
            return ParitySkip.SCOPED
        if read.stop is not None:
            return ParitySkip(read.stop.value)
        if read.mode not in (ReadMode.FULL, ReadMode.INCREMENTAL):
            return ParitySkip.NOT_READ
        return None

    def _reconciles(self, read: ReadEnd) -> bool:
        """Incremental, uncapped runs only (a full read reconciles through ACTIVATE_VERSION)."""
        return (
            self.ids is not None
            and self.ids.selected
            and read.mode is ReadMode.INCREMENTAL
            and not read.capped
        )

    def count(self, read: ReadEnd) -> int:
        """HubSpot's live records of the type: one unfiltered search of limit 1 (its `total`),
        shared with the read planner: one count per type per run (`ObjectReader.live_count`)."""
        return read.reader.live_count()

    def _list_ids(self, read: ReadEnd) -> int | None:
        """Send every live id; the number of distinct ids, or None when the listing failed."""
        assert self.ids is not None
        seen: set[int] = set()
        try:
            for page in read.reader.list_ids():
                for record_id in page:
                    if int(record_id) not in seen:
                        seen.add(int(record_id))
                        self.ids.write({"object_type": read.stream, "id": record_id})
        except (HubSpotAuthError, DailyLimitError):
            raise
        except HubSpotAPIError as exc:
            self.logger.warning(
                "Parity %s: id listing failed after %d ids (%s): no reconciliation, nothing "
                "is removed",
                read.stream,
                len(seen),
                exc,
            )
            return None
        return len(seen)


def parity_streams(tap: Tap, streams: list[CrmObjectStream]) -> list[DrivenStream]:
    """`object_counts` (and `object_ids` with reconcile_deletions), observing every object
    stream of `streams`."""
    counts = ObjectCountsStream(tap)
    ids = ObjectIdsStream(tap) if tap.config.get("reconcile_deletions") else None
    written: list[DrivenStream] = [counts] if ids is None else [counts, ids]
    check = ParityCheck(counts, ids, tap.logger.getChild("parity"))
    attach(check, to=streams, writes=written)
    return written
