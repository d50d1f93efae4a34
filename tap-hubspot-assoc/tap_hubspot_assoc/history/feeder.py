"""The history read hook: every emitted record's versions, 50 records per batch read.

A `HistoryFeeder` is a read hook of its object stream (like the association feeders):
it buffers the ids of emitted pages and, at `HISTORY_BATCH` ids and at the end of the read,
batch-reads them with `propertiesWithHistory` (properties in the POST body, only
`hs_object_id` as plain property). Reads run on the request pool, several in flight; rows are
written on the stream's thread in feed order. `holding` keeps the stream from checkpointing
past ids whose history is not written yet, so a killed run re-reads them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import cast

from singer_sdk import Tap

from tap_hubspot_assoc.answers import CrmObject, object_batch
from tap_hubspot_assoc.client import HubSpotClient
from tap_hubspot_assoc.concurrency import OrderedPipeline, RequestPool
from tap_hubspot_assoc.driven_streams import DrivenStream
from tap_hubspot_assoc.history.records import (
    HISTORY_BATCH,
    HISTORY_SCHEMA,
    PRIMARY_KEYS,
    VERSION_CAP,
    history_rows,
    history_stream_name,
)
from tap_hubspot_assoc.planned_reads import PlannedReads
from tap_hubspot_assoc.read_hooks import ReadHook, ReadStart
from tap_hubspot_assoc.streams import CrmObjectStream, attach

REQUEST_KIND = "history_read"


class PropertyHistoryStream(DrivenStream):
    """`{type}_property_history`: one row per version; insert-only downstream, no versions."""

    primary_keys = PRIMARY_KEYS

    def __init__(self, tap: Tap, *, object_stream: str, properties: Sequence[str]) -> None:
        super().__init__(tap, name=history_stream_name(object_stream), schema=HISTORY_SCHEMA)
        self.object_stream = object_stream
        self.history_properties = list(properties)


class HistoryFeeder(ReadHook):
    """Read hook of one object stream: batch reads of its records' property history."""

    def __init__(
        self,
        stream: PropertyHistoryStream,
        *,
        path_ref: str,
        client: HubSpotClient,
        pool: RequestPool,
        include_archived: bool,
        logger: logging.Logger,
        planned: PlannedReads | None = None,
    ) -> None:
        self.stream = stream
        self._planned = planned  # the object stream's read planner: it counts history reads
        self._path_ref = path_ref
        self._client = client
        self._include_archived = include_archived
        self._logger = logger
        self._buffer: list[str] = []
        self._pipeline: OrderedPipeline[list[CrmObject]] = OrderedPipeline(pool, pool.size)
        self._in_flight = 0
        self.records = 0
        self.rows = 0
        self.requests = 0
        self.truncated = 0

    @property
    def active(self) -> bool:
        return bool(self.stream.selected)

    @property
    def holding(self) -> int:
        """Ids fed whose history is not written yet."""
        return len(self._buffer) + self._in_flight

    def begin(self, start: ReadStart) -> None:
        self.records = self.rows = self.requests = self.truncated = 0
        if self._planned is not None:
            self._planned.history_batch = HISTORY_BATCH if self.active else 0
        if self.active:
            self.stream.announce()

    def feed(self, ids: Sequence[str]) -> None:
        if not self.active:
            return
        self._buffer.extend(ids)
        while len(self._buffer) >= HISTORY_BATCH:
            self._submit(self._buffer[:HISTORY_BATCH])
            del self._buffer[:HISTORY_BATCH]
        self._write(self._pipeline.ready())

    def flush(self) -> None:
        if self._buffer:
            self._submit(self._buffer)
            self._buffer = []
        self._write(self._pipeline.drain())

    def finish(self, *, completed: bool) -> None:
        self.flush()
        if self.active:
            self._logger.info(
                "History %s: %d records, %d versions (%d properties at the %d-version cap), "
                "%d requests",
                self.stream.name,
                self.records,
                self.rows,
                self.truncated,
                VERSION_CAP,
                self.requests,
            )

    # -- reads ---------------------------------------------------------------------------

    def _submit(self, ids: list[str]) -> None:
        self._in_flight += len(ids)
        batch = list(ids)
        self._write(self._pipeline.submit(len(batch), lambda: self._read(batch)))

    def _read(self, ids: list[str]) -> list[CrmObject]:
        """The records of `ids` with history, in `ids` order (HubSpot answers in any order);
        archived ones with a second request when archived records are synced."""
        found, missing = self._batch_read(ids, archived=False)
        if missing and self._include_archived:
            archived, _ = self._batch_read(missing, archived=True)
            found.update(archived)
        order = {object_id: i for i, object_id in enumerate(ids)}
        return sorted(found.values(), key=lambda r: order.get(r["id"], len(order)))

    def _batch_read(
        self, ids: list[str], *, archived: bool
    ) -> tuple[dict[str, CrmObject], list[str]]:
        body = self._client.post(
            self._client.paths.batch_read(self._path_ref) + f"?archived={str(archived).lower()}",
            {
                "inputs": [{"id": i} for i in ids],
                "properties": ["hs_object_id"],
                "propertiesWithHistory": self.stream.history_properties,
            },
            kind=REQUEST_KIND,
        )
        self.requests += 1
        batch = object_batch(body, f"POST {self._client.paths.batch_read(self._path_ref)}")
        return {r["id"]: r for r in batch.objects}, batch.missing_ids

    def _write(self, answers: Iterable[tuple[object, list[CrmObject]]]) -> None:
        for size, records in answers:
            self._in_flight -= cast(int, size)
            for record in records:
                self.records += 1
                history = record.get("propertiesWithHistory") or {}
                props = self.stream.history_properties
                self.truncated += sum(1 for p in props if len(history.get(p) or []) >= VERSION_CAP)
                for row in history_rows(str(record["id"]), props, history):
                    self.stream.write(row)
                    self.rows += 1


def history_streams(
    tap: Tap,
    objects: Sequence[CrmObjectStream],
    chosen: Mapping[str, Sequence[str]],
    *,
    client: HubSpotClient,
    pool: RequestPool,
    logger: logging.Logger,
) -> list[PropertyHistoryStream]:
    """One history stream per object stream in `chosen`, its feeder a read hook of the object
    stream, which the history stream drives (`streams.attach`)."""
    streams: list[PropertyHistoryStream] = []
    for parent in objects:
        props = chosen.get(parent.name)
        if not props:
            continue
        stream = PropertyHistoryStream(tap, object_stream=parent.name, properties=props)
        feeder = HistoryFeeder(
            stream,
            path_ref=parent.reader.path_ref,
            client=client,
            pool=pool,
            include_archived=bool(tap.config.get("include_archived")),
            logger=logger,
            planned=parent.planned,
        )
        attach(feeder, to=[parent], drives=[stream])
        streams.append(stream)
    return streams
