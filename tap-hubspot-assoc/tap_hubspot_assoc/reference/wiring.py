"""The reference data of one run: which kinds it reads (`reference_data`), their access checks
before any record is read, their sources and streams, and the run's reference totals.

With `reference_data: all` a kind the token cannot read is skipped with one warning naming
the scope (no records, no ACTIVATE_VERSION: rows already loaded stay). A kind listed
explicitly (or `lists` when `list_members` is set) fails the run before any read.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from singer_sdk import Stream, Tap

from tap_hubspot_assoc.client import HubSpotClient
from tap_hubspot_assoc.concurrency import RequestPool
from tap_hubspot_assoc.object_types import CrmObjectType
from tap_hubspot_assoc.portal_types import PortalTypes
from tap_hubspot_assoc.reference.kinds import (
    ReferenceAccessDeniedError,
    ReferenceKind,
    ReferenceSettingsError,
    ReferenceUnavailableError,
    choose_kinds,
)
from tap_hubspot_assoc.reference.lists import choose_members
from tap_hubspot_assoc.reference.memberships import ListsSource
from tap_hubspot_assoc.reference.owners import OwnersSource
from tap_hubspot_assoc.reference.pipelines import PipelinesSource
from tap_hubspot_assoc.reference.properties import PropertiesSource
from tap_hubspot_assoc.reference.streams import (
    CompanionStream,
    ReferenceSource,
    ReferenceStream,
)
from tap_hubspot_assoc.sdk_private import drive


class ReferenceRun:
    """The reference kinds of one run, their sources (opened once) and streams."""

    def __init__(
        self,
        tap: Tap,
        *,
        client: HubSpotClient,
        pool: RequestPool,
        portal: PortalTypes,
        synced_types: Callable[[], Sequence[CrmObjectType]],
        logger: logging.Logger,
    ) -> None:
        self._tap = tap
        self._client = client
        self._pool = pool
        self._portal = portal
        self._synced_types = synced_types
        self._logger = logger
        config = tap.config
        self.choice = choose_kinds(config.get("reference_data"))
        self.members = choose_members(config.get("list_members"))
        if not self.members.none and ReferenceKind.LISTS not in self.choice:
            msg = "list_members is set but reference_data does not include lists"
            raise ReferenceSettingsError(msg)
        self._sources: dict[ReferenceKind, ReferenceSource] = {}
        self._skipped: set[ReferenceKind] = set()
        self.streams: list[ReferenceStream] = []
        self.totals: Counter[str] = Counter()
        self.requests = 0

    def build_streams(self) -> list[Stream]:
        """Each chosen kind's stream and companion (the companion driven by the stream)."""
        built: list[Stream] = []
        for kind in self.choice.kinds:
            companion = CompanionStream(self._tap, name=kind.streams[1])
            main = ReferenceStream(
                self._tap, kind=kind, companion=companion, provider=self, logger=self._logger
            )
            drive(companion, by=[main])
            self.streams.append(main)
            built += [main, companion]
        return built

    def reads_reference_data(self) -> bool:
        """False in scoped runs (`contact_ids`): the scope is "these contacts"."""
        return not self._tap.config.get("contact_ids")

    def prepare(self) -> None:
        """Before any record is read: open the source of every kind whose streams the run
        writes (the scope checks, the list plan), so a refused kind fails or is skipped now."""
        if not self.reads_reference_data():
            return
        for stream in self.streams:
            if stream.selected or stream.companion.selected:
                self.source(stream.kind)

    def source(self, kind: ReferenceKind) -> ReferenceSource | None:
        """The kind's opened source, or None when the run skips it."""
        if kind in self._skipped:
            return None
        if kind not in self._sources:
            source = self._new_source(kind)
            try:
                source.open()
            except ReferenceAccessDeniedError as exc:
                if self.choice.explicit or (kind is ReferenceKind.LISTS and not self.members.none):
                    why = "listed in reference_data" if self.choice.explicit else "list_members"
                    msg = (
                        f"{exc}. Add the missing scope to the private app (or OAuth app) in "
                        f"HubSpot, or remove {kind.value} from reference_data ({why})"
                    )
                    raise ReferenceUnavailableError(msg) from exc
                self._logger.warning(
                    "%s and %s skipped: %s cannot be read, the token lacks %s",
                    *kind.streams,
                    exc.what,
                    exc.scope_text,
                )
                self._skipped.add(kind)
                return None
            self._sources[kind] = source
        return self._sources[kind]

    def add_total(self, stream: str, records: int, requests: int) -> None:
        """Count a finished stream's records and requests; log the run's reference totals."""
        self.totals[stream] += records
        self.requests += requests
        if stream in {s.companion.name for s in self.streams}:
            self._logger.info(
                "Reference totals so far: %s; %d requests",
                ", ".join(f"{name} {count}" for name, count in self.totals.items()),
                self.requests,
            )

    def _new_source(self, kind: ReferenceKind) -> ReferenceSource:
        types = list(self._synced_types())
        logger = self._logger
        if kind is ReferenceKind.OWNERS:
            return OwnersSource(self._client)
        if kind is ReferenceKind.PIPELINES:
            return PipelinesSource(self._client, self._pool, types, logger)
        if kind is ReferenceKind.PROPERTIES:
            return PropertiesSource(self._client, self._pool, self._portal, types)
        streams = {t.type_id: t.name for t in types}
        return ListsSource(self._client, self._pool, self.members, streams, logger)


def reference_streams(tap: Tap, **kwargs: Any) -> tuple[ReferenceRun, list[Stream]]:
    """The run's reference data and its streams (see ReferenceRun)."""
    run = ReferenceRun(tap, **kwargs)
    return run, run.build_streams()
