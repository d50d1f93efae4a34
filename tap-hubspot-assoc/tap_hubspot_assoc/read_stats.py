"""What one object stream read in this run, and the progress and summary lines about it."""

from __future__ import annotations

import enum
import logging
import time
from dataclasses import dataclass, field

from tap_hubspot_assoc.client import HubSpotClient

PROGRESS_LOG_SECONDS = 15.0


class ReadMode(enum.StrEnum):
    """How a stream reads in this run (README, "How each run reads")."""

    FULL = "full"
    INCREMENTAL = "incremental"
    SCOPED = "scoped"
    SKIPPED = "skipped (contact_ids set)"
    NOT_READ = "not read"

    @property
    def reads(self) -> bool:
        """True for the modes that read records."""
        return self in (ReadMode.FULL, ReadMode.INCREMENTAL, ReadMode.SCOPED)


@dataclass
class ReadStats:
    """Counts of one stream's read, for progress lines and the final summary."""

    mode: ReadMode = ReadMode.NOT_READ
    records: int = 0
    archived_records: int = 0
    merged_away_ids: int = 0
    unknown_ids: list[str] = field(default_factory=list)
    truncated: bool = False
    budget_stopped: bool = False  # truncated by the request budget (not max_records)
    window_violations: int = 0
    started: float = field(default_factory=time.monotonic)
    last_log: float = field(default_factory=time.monotonic)


def log_progress(logger: logging.Logger, name: str, read: ReadStats, client: HubSpotClient) -> None:
    """A progress line at most every PROGRESS_LOG_SECONDS."""
    now = time.monotonic()
    if now - read.last_log < PROGRESS_LOG_SECONDS:
        return
    read.last_log = now
    stats = client.stats
    logger.info(
        "Progress %s: %d records, %d requests so far, %d rate-limit waits (%.1fs)",
        name,
        read.records,
        stats.total_requests,
        client.limiter.wait_count + client.search_limiter.wait_count,
        stats.rate_limit_wait_seconds,
    )


def log_summary(
    logger: logging.Logger, name: str, read: ReadStats, client: HubSpotClient, requests: int
) -> None:
    """The stream's summary line, then the run's request totals so far."""
    logger.info(
        "Summary %s (%s): %d records (%d archived) in %.1fs, %d requests%s%s%s%s",
        name,
        read.mode,
        read.records,
        read.archived_records,
        time.monotonic() - read.started,
        requests,
        _stop_text(read),
        f", {read.merged_away_ids} merged-away ids listed in hs_merged_object_ids"
        if read.merged_away_ids
        else "",
        f", {len(read.unknown_ids)} unknown ids" if read.unknown_ids else "",
        f", {read.window_violations} search results outside their window"
        if read.window_violations
        else "",
    )
    stats = client.stats
    errors = sum(count for status, count in stats.statuses.items() if status >= 400)
    daily = (
        f", {stats.daily_remaining} of the daily {stats.daily_limit} left"
        if stats.daily_limit is not None and stats.daily_remaining is not None
        else ""
    )
    logger.info(
        "Run totals so far: %d requests (%s; per budget: burst %d, search %d%s), %d error "
        "answers, %d retries, %d answered 429, %.1fs rate-limit waits",
        stats.total_requests,
        ", ".join(f"{kind}={count}" for kind, count in sorted(stats.requests.items())),
        stats.by_budget["burst"],
        stats.by_budget["search"],
        daily,
        errors,
        stats.retries,
        stats.rate_limited,
        stats.rate_limit_wait_seconds,
    )


def _stop_text(read: ReadStats) -> str:
    if read.budget_stopped:
        return ", stopped at the request budget (goes on next run)"
    return ", stopped at max_records" if read.truncated else ""
