"""Every setting the tap takes, each described (the `--about` output and docs/SETTINGS.md)."""

from __future__ import annotations

from singer_sdk import typing as th

from tap_hubspot_assoc.association.pairs import DEFAULT_FALLBACK_TYPE_IDS, DEFAULT_PAIRS
from tap_hubspot_assoc.concurrency import DEFAULT_MAX_CONCURRENT_REQUESTS
from tap_hubspot_assoc.paths import DEFAULT_API_VERSION, ApiVersion
from tap_hubspot_assoc.read_plan import PlanGoal
from tap_hubspot_assoc.reference.kinds import REFERENCE_SETTINGS

DEFAULT_API_URL = "https://api.hubapi.com"
DEFAULT_OBJECT_TYPES = ["contacts", "meetings"]

CONFIG_SCHEMA = th.PropertiesList(
    th.Property(
        "access_token",
        th.StringType,
        secret=True,
        description="Private-app (or service-key) access token, sent as a Bearer token. "
        "Use this or the three OAuth settings.",
    ),
    th.Property(
        "client_id",
        th.StringType,
        description="OAuth app client id (with client_secret and refresh_token).",
    ),
    th.Property(
        "client_secret", th.StringType, secret=True, description="OAuth app client secret."
    ),
    th.Property(
        "refresh_token",
        th.StringType,
        secret=True,
        description="OAuth refresh token; access tokens are renewed before they expire and "
        "once after a 401.",
    ),
    th.Property(
        "api_url",
        th.StringType,
        default=DEFAULT_API_URL,
        description="HubSpot API base URL (a simulator in tests).",
    ),
    th.Property(
        "api_version",
        th.StringType(allowed_values=[v.value for v in ApiVersion]),
        default=DEFAULT_API_VERSION.value,
        description="HubSpot API version the tap reads: 2026-09 (the latest supported, default; "
        "HubSpot supports it until March 2028), 2026-03 (until September 2027) or legacy (the "
        "/crm/v3 and /crm/v4 paths). OAuth refreshes through /oauth/2026-03/token whatever "
        "the version.",
    ),
    th.Property(
        "start_date",
        th.DateTimeType,
        description="Without state, read only records modified since this time (incremental, "
        "so no ACTIVATE_VERSION). Leave unset for a full first read.",
    ),
    th.Property(
        "object_types",
        th.CustomType(
            {"anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]}
        ),
        default=DEFAULT_OBJECT_TYPES,
        description="CRM object types to sync, one stream each: a list (standard names such as "
        "contacts, line_items, postal_mail, type ids such as 0-421, custom objects by "
        'objectTypeId, fullyQualifiedName or name) or "all": every standard type the token can '
        "read and the account has activated, plus every custom object (skipped types are "
        "warned about; listed types that cannot be read fail the run before any read).",
    ),
    th.Property(
        "contact_ids",
        th.ArrayType(th.StringType),
        description="Targeted sync: batch-read only these contacts (100 per call). Unknown ids "
        "are reported, not fatal; other object streams emit nothing; no ACTIVATE_VERSION; "
        "bookmarks are left alone.",
    ),
    th.Property(
        "max_records",
        th.IntegerType,
        description="Stop each stream after this many records (for trials). A capped run never "
        "sends ACTIVATE_VERSION and keeps its position so the next run resumes.",
    ),
    th.Property(
        "include_archived",
        th.BooleanType,
        default=False,
        description="Also emit archived (deleted) records, with archived=true.",
    ),
    th.Property(
        "lookback_minutes",
        th.IntegerType,
        default=5,
        description="Incremental windows start this many minutes before the bookmark, to catch "
        "changes the search index published late.",
    ),
    th.Property(
        "safety_lag_seconds",
        th.IntegerType,
        default=30,
        description="Incremental windows end this many seconds before the sync started, so "
        "changes not yet searchable are left for the next run.",
    ),
    th.Property(
        "requests_per_ten_seconds",
        th.IntegerType,
        default=100,
        description="Client-side budget for non-search requests per rolling 10 seconds "
        "(HubSpot: 100 Free/Starter, 190 Professional/Enterprise).",
    ),
    th.Property(
        "search_requests_per_second",
        th.IntegerType,
        default=5,
        description="Client-side budget for CRM search requests per second (HubSpot: 5 per "
        "account, shared by every app; lower it when other integrations search too).",
    ),
    th.Property(
        "max_concurrent_requests",
        th.IntegerType,
        default=DEFAULT_MAX_CONCURRENT_REQUESTS,
        description="Requests in flight at once (association batch reads of different "
        "directions and 1,000-parent batches), all through the one shared rate limiter; "
        "output and state are written in the same order as with 1 (one at a time).",
    ),
    th.Property(
        "read_plan",
        th.StringType(allowed_values=[goal.value for goal in PlanGoal]),
        default=PlanGoal.FASTEST.value,
        description="How full reads choose their requests. fastest: list pages, unless the "
        "measured latency makes the list chain slower than the rate limit and keyset search "
        "chains with parallel batch reads are expected to be at least 1.25x faster (the plan "
        "is printed per stream). fewest_requests: always list pages (for accounts near their "
        "daily quota).",
    ),
    th.Property(
        "association_pairs",
        th.CustomType(
            {
                "anyOf": [
                    {
                        "type": "array",
                        "items": {
                            "anyOf": [
                                {
                                    "type": "object",
                                    "properties": {
                                        "from": {"type": "string"},
                                        "to": {"type": "string"},
                                    },
                                    "required": ["from", "to"],
                                },
                                {"type": "string"},
                            ]
                        },
                    },
                    {"type": "string"},
                ]
            }
        ),
        default=DEFAULT_PAIRS,
        description="Object type pairs whose associations are synced, each in BOTH directions "
        "(streams {from}_to_{to}_associations and {to}_to_{from}_associations). Both types "
        'must be in object_types: their streams supply the parent ids. "all": every pair of '
        "synced types that has association types in HubSpot's labels API (one labels request "
        "per pair of types at the start of the run, printed with the pairs found).",
    ),
    th.Property(
        "fallback_association_type_ids",
        th.ObjectType(additional_properties=th.ArrayType(th.IntegerType)),
        default=DEFAULT_FALLBACK_TYPE_IDS,
        description='Type ids per direction ({"meetings_to_contacts": [200], ...}) used only '
        "when label discovery fails for that direction; defaults to HubSpot's documented "
        "HUBSPOT_DEFINED ids, configured keys override them.",
    ),
    th.Property(
        "full_association_sync",
        th.BooleanType,
        default=False,
        description="On incremental runs also re-read the associations of every parent, not "
        "only of changed ones (association changes do not bump a record's modified date, so "
        "incremental runs alone drift). Costs one id-only list request per 100 parents plus "
        "one association batch read per 1,000, per direction; unchanged records are not "
        "re-emitted.",
    ),
    th.Property(
        "reconcile_deletions",
        th.BooleanType,
        default=False,
        description="On incremental runs, after each object type's read, list every live id of "
        "the type (id-only list pages: one request per 100 records) as object_ids records, "
        "closed by that type's object_counts record; the target then flags (or with "
        "hard_delete deletes) rows whose id HubSpot no longer has, with their association "
        "rows in both directions. Catches permanent (GDPR) deletions, which incremental runs "
        "cannot see. A failed listing removes nothing.",
    ),
    th.Property(
        "property_history",
        th.CustomType({"anyOf": [{"type": "object"}, {"type": "string"}, {"type": "null"}]}),
        description="Properties whose every version is synced to {type}_property_history "
        "(one row per version: value, time, source, user). Unset: deal stage, pipeline, amount, "
        "close date and owner; contact lifecycle stage, lead status and owner; ticket stage, "
        "pipeline and owner; the owner of every other synced type. A mapping type -> list of "
        'properties or "all" ("*" = every other synced type), "all" (every property of every '
        "type) or an empty value (off). Unknown names fail the run before any read. Costs one "
        "batch read per 50 records each run reads (printed before the read).",
    ),
    th.Property(
        "request_budget",
        th.CustomType({"type": ["integer", "string", "null"]}),
        description="Cap on this run's requests: a number (20000) or a share of the account's "
        'daily limit ("25%", read from the X-HubSpot-RateLimit-Daily header; without it, '
        "OAuth apps, the run fails in one line before reading). With a budget the run also "
        "stops when Daily-Remaining falls to 10% of the daily limit (the other apps' reserve). "
        "At the cap the run stops at a clean checkpoint, exit code 0, and the next run goes "
        "on from there; full reads then read list pages only. Unset: no cap.",
    ),
    *REFERENCE_SETTINGS,  # reference_data, list_members
).to_dict()
