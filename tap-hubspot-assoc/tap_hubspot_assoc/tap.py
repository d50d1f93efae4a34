"""tap-hubspot-assoc: HubSpot CRM objects, association labels and associations for Singer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import cached_property
from typing import Any

import click
import requests
from singer_sdk import Stream, Tap

from tap_hubspot_assoc.association.labels import LabelRegistry
from tap_hubspot_assoc.association.pairs import (
    DEFAULT_PAIRS,
    Direction,
    check_parents_configured,
    directions_from_config,
    fallback_type_ids,
)
from tap_hubspot_assoc.association.wiring import association_streams
from tap_hubspot_assoc.auth import credentials_from_config
from tap_hubspot_assoc.catalog_types import directions_from_catalog, synced_types_from_catalog
from tap_hubspot_assoc.client import HubSpotClient
from tap_hubspot_assoc.concurrency import DEFAULT_MAX_CONCURRENT_REQUESTS, RequestPool
from tap_hubspot_assoc.error_boundary import guard_command
from tap_hubspot_assoc.history.config import cost_line, history_properties
from tap_hubspot_assoc.history.feeder import history_streams
from tap_hubspot_assoc.history.records import HISTORY_BATCH
from tap_hubspot_assoc.merges import merges_stream
from tap_hubspot_assoc.parity import parity_streams
from tap_hubspot_assoc.paths import ApiPaths, ApiVersion
from tap_hubspot_assoc.portal_types import PortalTypes, SyncedType, configured_list
from tap_hubspot_assoc.ratelimit import SEARCH_MARGIN_SECONDS, RollingWindowLimiter
from tap_hubspot_assoc.reference.wiring import ReferenceRun, reference_streams
from tap_hubspot_assoc.settings import CONFIG_SCHEMA, DEFAULT_API_URL, DEFAULT_OBJECT_TYPES
from tap_hubspot_assoc.streams import CrmObjectStream
from tap_hubspot_assoc.sync_start import start_reading


class TapHubspotAssoc(Tap):
    """HubSpot CRM tap: one stream per object type, every property typed."""

    name = "tap-hubspot-assoc"
    config_jsonschema = CONFIG_SCHEMA

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.sync_started_at = dt.datetime.now(tz=dt.UTC)
        super().__init__(*args, **kwargs)

    @classmethod
    def get_singer_command(cls) -> click.Command:
        """singer-sdk's command, every callback behind the tap's error boundary (one line per
        failure the user can act on, traceback at DEBUG: error_boundary.py)."""
        return guard_command(super().get_singer_command(), cls.logger)

    def sync_all(self) -> None:  # type: ignore[misc]  # final for type checkers only
        """Check the reference kinds' access (and print the list plan) before any stream is
        read: singer-sdk syncs streams by name, so no stream's own start comes first."""
        if self.streams and self.reference is not None:  # `streams` discovers on first use
            self.reference.prepare()
        reading = start_reading(
            self.streams,
            self._labels,
            self._directions,
            self.request_pool,
            self.config,
            self.logger,
        )  # labels at once, full reads read ahead (sync_start.py)
        try:
            super().sync_all()
        finally:
            reading.cancel_all()  # sources whose pages were not taken (a failure): stopped

    @cached_property
    def client(self) -> HubSpotClient:
        """The HTTP client every stream shares."""
        session = requests.Session()
        session.headers["User-Agent"] = f"{self.name}/{self.plugin_version}"
        adapter = requests.adapters.HTTPAdapter(pool_maxsize=max(10, self.request_pool.size))
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        return HubSpotClient(
            api_url=self.config.get("api_url") or DEFAULT_API_URL,
            credentials=credentials_from_config(dict(self.config), session),
            session=session,
            limiter=RollingWindowLimiter(
                int(self.config.get("requests_per_ten_seconds", 100)), 10.0
            ),
            search_limiter=RollingWindowLimiter(
                int(self.config.get("search_requests_per_second", 5)),
                1.0,
                margin=SEARCH_MARGIN_SECONDS,
            ),
            logger=self.logger.getChild("client"),
            max_in_flight=self.request_pool.size,
            paths=ApiPaths(ApiVersion.parse(self.config.get("api_version"))),
        )

    @cached_property
    def request_pool(self) -> RequestPool:
        """Worker threads for requests in flight at once (inline when the setting is 1)."""
        configured = self.config.get("max_concurrent_requests")
        return RequestPool(int(configured or DEFAULT_MAX_CONCURRENT_REQUESTS))

    @cached_property
    def portal(self) -> PortalTypes:
        """Type resolution and discovery for this run (each request made once)."""
        return PortalTypes(self.client, self.logger.getChild("discovery"), self.request_pool)

    @cached_property
    def synced_types(self) -> list[SyncedType]:
        """The object types this run syncs, with their property definitions: from the input
        catalog in a sync run (catalog_types.py), else discovered."""
        if self.input_catalog is not None:
            from_catalog = synced_types_from_catalog(self.input_catalog, self.portal)
            if from_catalog is not None:
                return from_catalog
        return self.portal.select(self.config.get("object_types") or DEFAULT_OBJECT_TYPES)

    reference: ReferenceRun | None = None
    _labels: LabelRegistry | None = None  # the run's association labels (prefetched)
    _directions: Sequence[Direction] = ()

    def discover_streams(self) -> list[Stream]:
        """Object streams, association streams, merges, parity, property history and
        reference streams."""
        streams = self._object_and_association_streams()
        objects = [s for s in streams if isinstance(s, CrmObjectStream)]
        self.reference, found = reference_streams(
            self,
            client=self.client,
            pool=self.request_pool,
            portal=self.portal,
            synced_types=lambda: [s.object_type for s in objects if s.selected],
            logger=self.logger.getChild("reference"),
        )
        chosen = history_properties(
            self.config.get("property_history"), {s.name: s.property_defs for s in objects}
        )
        self.logger.info(cost_line(chosen, HISTORY_BATCH))
        history = history_streams(
            self,
            objects,
            chosen,
            client=self.client,
            pool=self.request_pool,
            logger=self.logger.getChild("history"),
        )
        return [*streams, *history, *found]

    def _object_and_association_streams(self) -> list[Stream]:
        """Object streams, association labels, association streams, markers and merges."""
        synced = self.synced_types
        logger = self.logger.getChild("associations")
        labels = LabelRegistry(
            self.client,
            fallback_type_ids(self.config.get("fallback_association_type_ids")),
            logger,
        )
        self._labels = labels
        configured = self.config.get("association_pairs")
        pairs = configured_list(DEFAULT_PAIRS if configured is None else configured, "pairs")
        if pairs is None and self.input_catalog is not None:
            directions = directions_from_catalog(self.input_catalog, [s.type for s in synced])
        elif pairs is None:
            directions = self.portal.discover_pairs([s.type for s in synced], labels)
        else:
            directions = directions_from_config(pairs, self.portal.resolve)
        check_parents_configured(directions, [s.type.name for s in synced])
        self._directions = directions
        objects = [
            CrmObjectStream(
                self,
                object_type=s.type,
                properties=s.properties,
                client=self.client,
                pool=self.request_pool,
                sync_started_at=self.sync_started_at,
            )
            for s in synced
        ]
        merges = merges_stream(self, objects)  # merges.py
        if not directions:
            return [*objects, merges, *parity_streams(self, objects)]
        return [
            *objects,
            *association_streams(
                self,
                objects,
                directions,
                labels,
                client=self.client,
                pool=self.request_pool,
                logger=logger,
            ),
            merges,
            *parity_streams(self, objects),  # object_counts (+ object_ids): parity.py
        ]


if __name__ == "__main__":
    TapHubspotAssoc.cli()
