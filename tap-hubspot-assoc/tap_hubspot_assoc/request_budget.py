"""The run's request budget (`request_budget`): when to stop, and the line saying where.

The setting is an absolute number of requests per run ("20000") or a share of the account's
daily limit ("25%"), the limit read from HubSpot's `X-HubSpot-RateLimit-Daily` header. Every
request the client sends counts (discovery, retries and 429 answers included). With a budget the
run also keeps DAILY_RESERVE_SHARE of the daily limit for the account's other apps: it stops when
`X-HubSpot-RateLimit-Daily-Remaining` falls to that reserve, whatever its own cap.

Object streams ask `reached()` before each new page of parents; at the cap they stop at a clean
checkpoint (README, "Request budget"). A share setting with no daily header (OAuth apps never
get one) fails in one line before the first record is read.
"""

from __future__ import annotations

import enum
import logging
import math
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from singer_sdk.exceptions import ConfigValidationError

from tap_hubspot_assoc.client import ClientStats, HubSpotClient

SETTING = "request_budget"
DAILY_RESERVE_SHARE = 0.10  # of the daily limit, always left to the account's other apps


class BudgetKind(enum.StrEnum):
    """How the setting sizes the budget."""

    ABSOLUTE = "requests per run"
    SHARE = "share of the daily limit"


class StopReason(enum.StrEnum):
    """Why the run stopped reading."""

    CAP = "the run's request budget"
    RESERVE = "the daily reserve left to the account's other apps"


class TypeStatus(enum.StrEnum):
    """Where one object type stands in this run."""

    NOT_STARTED = "not started"
    READING = "reading"
    STOPPED = "stopped"
    DONE = "done"


@dataclass(frozen=True)
class BudgetSetting:
    """The parsed `request_budget`: `amount` requests, or `amount` (0-1] of the daily limit."""

    kind: BudgetKind
    amount: float

    @classmethod
    def parse(cls, value: Any) -> BudgetSetting | None:
        """None when unset; a one-line ConfigValidationError when not understood."""
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        text = str(value).strip()
        try:
            if text.endswith("%"):
                share = float(text[:-1]) / 100
                if 0 < share <= 1:
                    return cls(BudgetKind.SHARE, share)
            elif not isinstance(value, bool) and text.isdigit() and int(text) >= 1:
                return cls(BudgetKind.ABSOLUTE, int(text))
        except ValueError:
            pass
        msg = (
            f"{SETTING} must be a whole number of requests (e.g. 20000) or a share of the "
            f'daily limit between 0% and 100% (e.g. "25%"), not {text!r}'
        )
        raise ConfigValidationError(msg, errors=[msg])

    def __str__(self) -> str:
        if self.kind is BudgetKind.SHARE:
            return f"{self.amount * 100:g}% of the daily limit"
        return f"{int(self.amount):,} requests"


@dataclass
class TypeProgress:
    """What this run read of one object type."""

    status: TypeStatus = TypeStatus.NOT_STARTED
    records: int = 0
    pages: int = 0


class RequestBudget:
    """One run's budget, shared by every object stream (see the module docstring)."""

    def __init__(self, setting: BudgetSetting, stats: ClientStats) -> None:
        self.setting = setting
        self._stats = stats
        self.types: dict[str, TypeProgress] = {}
        self.stopped: StopReason | None = None

    # -- the decision ------------------------------------------------------------------

    @property
    def spent(self) -> int:
        """Requests this run sent (every budget: each one counts against the daily limit)."""
        return sum(self._stats.by_budget.values())

    @property
    def cap(self) -> int:
        """The run's cap in requests; a share needs the daily header (one-line error)."""
        if self.setting.kind is BudgetKind.ABSOLUTE:
            return int(self.setting.amount)
        limit = self._stats.daily_limit
        if limit is None:
            msg = (
                f"{SETTING} is {self.setting}, but HubSpot sent no X-HubSpot-RateLimit-Daily "
                "header (OAuth apps never get one): set an absolute number of requests instead"
            )
            raise ConfigValidationError(msg, errors=[msg])
        return max(1, math.floor(limit * self.setting.amount))

    @property
    def reserve(self) -> int | None:
        """Daily requests left to the account's other apps (None without the daily header)."""
        limit = self._stats.daily_limit
        return None if limit is None else math.ceil(limit * DAILY_RESERVE_SHARE)

    def reached(self) -> StopReason | None:
        """Why no new page may be read now, or None while the budget lasts."""
        if self.stopped is not None:
            return self.stopped
        reserve, remaining = self.reserve, self._stats.daily_remaining
        if self.spent >= self.cap:
            self.stopped = StopReason.CAP
        elif reserve is not None and remaining is not None and remaining <= reserve:
            self.stopped = StopReason.RESERVE
        return self.stopped

    # -- progress per type ---------------------------------------------------------------

    def register(self, name: str) -> None:
        """A type this run may read (the streams are built after the properties requests,
        so a share without the daily header fails here, before any stream is synced)."""
        _ = self.cap
        self.types.setdefault(name, TypeProgress())

    def started(self, name: str) -> None:
        self.types.setdefault(name, TypeProgress()).status = TypeStatus.READING

    def page(self, name: str, records: int) -> None:
        progress = self.types.setdefault(name, TypeProgress())
        progress.records += records
        progress.pages += 1

    def finished(self, name: str, *, stopped: bool) -> None:
        progress = self.types.setdefault(name, TypeProgress())
        progress.status = TypeStatus.STOPPED if stopped else TypeStatus.DONE

    # -- lines -----------------------------------------------------------------------------

    def spent_text(self) -> str:
        """Requests per budget: burst, search, and the daily limit's count."""
        by_budget = self._stats.by_budget
        daily = (
            f"daily {self.spent:,} (HubSpot: {self._stats.daily_remaining:,} of "
            f"{self._stats.daily_limit:,} left today)"
            if self._stats.daily_limit is not None and self._stats.daily_remaining is not None
            else f"daily {self.spent:,}"
        )
        return f"burst {by_budget['burst']:,}, search {by_budget['search']:,}, {daily}"

    def stop_line(self) -> str:
        """Where the run stopped and what is left (logged when a stream stops or is skipped)."""
        reason = self.stopped or StopReason.CAP
        limit = (
            f"{self.reserve:,} requests left today"
            if reason is StopReason.RESERVE
            else f"{self.cap:,} requests"
            + (f" ({self.setting})" if self.setting.kind is BudgetKind.SHARE else "")
        )
        parts = []
        for name, progress in self.types.items():
            if progress.status is TypeStatus.NOT_STARTED:
                continue
            state = {
                TypeStatus.DONE: "complete",
                TypeStatus.STOPPED: "stopped, goes on next run",
                TypeStatus.READING: "reading",
            }[progress.status]
            read = f"{progress.records:,} records in {progress.pages:,} pages"
            parts.append(f"{name} {read}, {state}")
        waiting = [n for n, p in self.types.items() if p.status is TypeStatus.NOT_STARTED]
        return (
            f"Request budget reached ({reason}: {limit}); stopped at a clean checkpoint after "
            f"{self.spent:,} requests ({self.spent_text()}). Read: "
            f"{'; '.join(parts) or 'nothing'}. Not started: {', '.join(waiting) or 'none'}. "
            "The next run goes on from here."
        )


_BUDGETS: weakref.WeakKeyDictionary[HubSpotClient, RequestBudget] = weakref.WeakKeyDictionary()


def run_budget(client: HubSpotClient, config: Mapping[str, Any]) -> RequestBudget | None:
    """The run's budget (one per client, so shared by every stream), None when unset."""
    if client in _BUDGETS:
        return _BUDGETS[client]
    setting = BudgetSetting.parse(config.get(SETTING))
    if setting is None:
        return None
    budget = _BUDGETS[client] = RequestBudget(setting, client.stats)
    return budget


def log_stop(logger: logging.Logger, budget: RequestBudget) -> None:
    """The stop line, at WARNING so it stands out (the run still exits 0)."""
    logger.warning(budget.stop_line())
