"""Streams whose records are written while another stream is read (`streams.attach`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from singer_sdk import Tap
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.helpers.types import Context

from tap_hubspot_assoc.sdk_private import SdkStream
from tap_hubspot_assoc.versions import announce_complete


class DrivenStream(SdkStream):
    """A stream whose records are written while another stream is being read.

    `get_records` yields nothing; `announce` writes its SCHEMA once before anything else of
    the stream is written.
    """

    # Records are built already typed from the schema (properties.py / the association
    # readers), so singer-sdk's per-record conformance pass would only repeat that work.
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE

    def __init__(self, tap: Tap, *, name: str, schema: dict[str, Any]) -> None:
        super().__init__(tap, schema=schema, name=name)
        self._announced = False
        self._written_at_version_open = 0
        self.written = 0

    def get_records(self, context: Context | None) -> Iterator[dict[str, Any]]:
        """Nothing: records are written through `write` while another stream is read."""
        return iter(())

    def announce(self) -> None:
        if not self._announced:
            self.write_schema()
            self._announced = True

    def write(self, record: dict[str, Any]) -> None:
        self.announce()
        self.write_record(record)
        self.written += 1

    def open_version(self, version: int) -> None:
        """Number a full read's version: the records written from now on carry it."""
        self.announce()
        self.table_version = version
        self._written_at_version_open = self.written

    def announce_version(self) -> None:
        """The full read is complete: send ACTIVATE_VERSION for its version."""
        if self.table_version is not None:
            empty = self.written == self._written_at_version_open
            announce_complete(self.write_activate_version, self.table_version, empty=empty)
