"""tap-hubspot-assoc: HubSpot CRM objects (and, later, their associations) for Singer."""

from __future__ import annotations

import datetime as dt
from functools import cached_property
from typing import Any

import requests
from singer_sdk import Stream, Tap
from singer_sdk import typing as th

from tap_hubspot_assoc import paths
from tap_hubspot_assoc.auth import credentials_from_config
from tap_hubspot_assoc.client import HubSpotClient
from tap_hubspot_assoc.properties import PropertyDef, parse_property_definitions
from tap_hubspot_assoc.ratelimit import RollingWindowLimiter
from tap_hubspot_assoc.streams import CrmObjectStream

DEFAULT_API_URL = "https://api.hubapi.com"
DEFAULT_OBJECT_TYPES = ["contacts", "meetings"]

CONFIG_SCHEMA = th.PropertiesList(
    th.Property(
        "access_token", th.StringType, secret=True,
        description="Private-app (or service-key) access token, sent as a Bearer token. "
        "Use this or the three OAuth settings.",
    ),
    th.Property("client_id", th.StringType,
                description="OAuth app client id (with client_secret and refresh_token)."),
    th.Property("client_secret", th.StringType, secret=True,
                description="OAuth app client secret."),
    th.Property(
        "refresh_token", th.StringType, secret=True,
        description="OAuth refresh token; access tokens are renewed before they expire and "
        "once after a 401.",
    ),
    th.Property("api_url", th.StringType, default=DEFAULT_API_URL,
                description="HubSpot API base URL (a simulator in tests)."),
    th.Property(
        "start_date", th.DateTimeType,
        description="Without state, read only records modified since this time (incremental, "
        "so no ACTIVATE_VERSION). Leave unset for a full first read.",
    ),
    th.Property(
        "object_types", th.ArrayType(th.StringType), default=DEFAULT_OBJECT_TYPES,
        description="CRM object types to sync, one stream each (contacts, meetings, "
        "appointments, companies, deals, ... or type ids such as 0-421).",
    ),
    th.Property(
        "contact_ids", th.ArrayType(th.StringType),
        description="Targeted sync: batch-read only these contacts (100 per call). Unknown ids "
        "are reported, not fatal; other object streams emit nothing; no ACTIVATE_VERSION; "
        "bookmarks are left alone.",
    ),
    th.Property(
        "max_records", th.IntegerType,
        description="Stop each stream after this many records (for trials). A capped run never "
        "sends ACTIVATE_VERSION and keeps its position so the next run resumes.",
    ),
    th.Property(
        "include_archived", th.BooleanType, default=False,
        description="Also emit archived (deleted) records, with archived=true.",
    ),
    th.Property(
        "lookback_minutes", th.IntegerType, default=5,
        description="Incremental windows start this many minutes before the bookmark, to catch "
        "changes the search index published late.",
    ),
    th.Property(
        "safety_lag_seconds", th.IntegerType, default=30,
        description="Incremental windows end this many seconds before the sync started, so "
        "changes not yet searchable are left for the next run.",
    ),
    th.Property(
        "requests_per_ten_seconds", th.IntegerType, default=100,
        description="Client-side budget for non-search requests per rolling 10 seconds "
        "(HubSpot: 100 Free/Starter, 190 Professional/Enterprise).",
    ),
    th.Property(
        "search_requests_per_second", th.IntegerType, default=4,
        description="Client-side budget for CRM search requests per second (HubSpot: 4-5).",
    ),
).to_dict()


class TapHubspotAssoc(Tap):
    """HubSpot CRM tap: one stream per object type, every property typed."""

    name = "tap-hubspot-assoc"
    config_jsonschema = CONFIG_SCHEMA

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.sync_started_at = dt.datetime.now(tz=dt.UTC)
        self._property_cache: dict[str, list[PropertyDef]] = {}
        super().__init__(*args, **kwargs)

    @cached_property
    def client(self) -> HubSpotClient:
        """The HTTP client every stream shares."""
        session = requests.Session()
        session.headers["User-Agent"] = f"{self.name}/{self.plugin_version}"
        return HubSpotClient(
            api_url=self.config.get("api_url") or DEFAULT_API_URL,
            credentials=credentials_from_config(dict(self.config), session),
            session=session,
            limiter=RollingWindowLimiter(int(self.config.get("requests_per_ten_seconds", 100)),
                                         10.0),
            search_limiter=RollingWindowLimiter(
                int(self.config.get("search_requests_per_second", 4)), 1.0
            ),
            logger=self.logger.getChild("client"),
        )

    def object_types(self) -> list[str]:
        """Configured object types, duplicates removed, order kept."""
        configured = self.config.get("object_types") or DEFAULT_OBJECT_TYPES
        return list(dict.fromkeys(str(t).strip() for t in configured if str(t).strip()))

    def properties_of(self, object_type: str) -> list[PropertyDef]:
        """Property definitions of one type, read once per run."""
        if object_type not in self._property_cache:
            body = self.client.get(paths.properties(object_type), {"archived": "false"},
                                   kind="properties")
            self._property_cache[object_type] = parse_property_definitions(
                body.get("results") or []
            )
        return self._property_cache[object_type]

    def discover_streams(self) -> list[Stream]:
        """One stream per configured object type, typed from its properties."""
        return [
            CrmObjectStream(
                self, object_type=object_type, properties=self.properties_of(object_type),
                client=self.client,
            )
            for object_type in self.object_types()
        ]


if __name__ == "__main__":
    TapHubspotAssoc.cli()
