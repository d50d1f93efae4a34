"""Per-stream and per-run load counters and the end-of-run summary."""

from __future__ import annotations

import logging
import sys
from dataclasses import asdict, dataclass, fields

import orjson


@dataclass
class LoadStats:
    """What a stream's load did (or, in a dry run, would do)."""

    received: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    already_present: int = 0  # insert-only streams: keys already stored, left as they were
    overwritten: int = 0
    deleted: int = 0
    soft_deleted: int = 0
    rejected: int = 0
    duplicates_merged: int = 0
    nul_stripped: int = 0

    def add(self, other: LoadStats) -> None:
        """Accumulate ``other`` into this object."""
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def describe(self) -> str:
        """Human-readable one-line rendering."""
        return ", ".join(f"{k}={v}" for k, v in asdict(self).items())


def log_summary(
    logger: logging.Logger,
    scope: str,
    stats: LoadStats,
    *,
    dry_run: bool,
    force_overwrite: bool,
) -> None:
    """Log a summary line, warn on destructive effects, and print a JSON line on stderr."""
    prefix = "DRY RUN (nothing written) " if dry_run else ""
    logger.info("%sSummary for %s: %s", prefix, scope, stats.describe())
    if force_overwrite and stats.overwritten:
        logger.warning(
            "%sforce_overwrite replaced %d existing row(s) in %s",
            prefix,
            stats.overwritten,
            scope,
        )
    if stats.deleted or stats.soft_deleted:
        logger.warning(
            "%s%d row(s) deleted and %d soft-deleted in %s",
            prefix,
            stats.deleted,
            stats.soft_deleted,
            scope,
        )
    payload = {"type": "LOAD_SUMMARY", "scope": scope, "dry_run": dry_run, **asdict(stats)}
    sys.stderr.write(orjson.dumps(payload).decode() + "\n")
    sys.stderr.flush()
