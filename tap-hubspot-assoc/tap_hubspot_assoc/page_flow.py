"""One object stream's emitted pages: records out, ids to the read hooks, state marks applied
once every hook has written what the pages fed it."""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from tap_hubspot_assoc.answers import CrmObject
from tap_hubspot_assoc.client import HubSpotClient
from tap_hubspot_assoc.object_records import merged_ids, to_record
from tap_hubspot_assoc.properties import PropertyDef
from tap_hubspot_assoc.read_hooks import ReadHook
from tap_hubspot_assoc.read_stats import ReadStats, log_progress
from tap_hubspot_assoc.request_budget import RequestBudget

PageMark = Callable[[list[str]], None]  # a page's state change, called with its ids


class PageFlow:
    """Emits an object stream's pages and hands their ids to its read hooks.

    A page's state change (`mark`) waits until no hook holds any id fed up to that page, then
    `checkpoint` writes the state: a killed run re-reads what the hooks had not written.
    """

    def __init__(
        self,
        name: str,
        property_defs: Sequence[PropertyDef],
        *,
        max_records: int | None,
        budget: RequestBudget | None,
        client: HubSpotClient,
        logger: logging.Logger,
        checkpoint: Callable[[], None],
    ) -> None:
        self.name = name
        self.hooks: list[ReadHook] = []  # streams.attach adds them
        self.stats = ReadStats()
        self._property_defs = list(property_defs)
        self._max_records = max_records
        self._budget = budget
        self._client = client
        self._logger = logger
        self._checkpoint = checkpoint
        self._fed = 0  # ids handed to the hooks so far
        self._marks: deque[tuple[int, Callable[[], None]]] = deque()  # state changes waiting

    def emit(
        self, objects: Iterable[CrmObject], *, mark: PageMark | None = None
    ) -> Iterator[dict[str, Any]]:
        """Yield one page's records, then hand their ids on; `mark` (called with the ids)
        records the page in the state once the hooks have written what they were fed."""
        emitted: list[str] = []
        for obj in objects:
            if self._max_records and self.stats.records >= self._max_records:
                self.stats.truncated = True
                break
            record = to_record(obj, self._property_defs)
            self.stats.records += 1
            self.stats.archived_records += int(bool(record["archived"]))
            absorbed = merged_ids(obj)
            if absorbed:
                self._merged(record["id"], absorbed)
            yield record
            emitted.append(record["id"])
        if self._budget is not None:
            self._budget.page(self.name, len(emitted))
        self._page_done(emitted, mark)
        log_progress(self._logger, self.name, self.stats, self._client)

    def _merged(self, survivor: str, absorbed: list[str]) -> None:
        """`merges` records for the absorbed ids; feeders re-read what the survivor links."""
        self.stats.merged_away_ids += len(absorbed)
        self._logger.debug("%s %s absorbed merged ids %s", self.name, survivor, ", ".join(absorbed))
        for hook in self.hooks:
            hook.merged(self.name, survivor, absorbed)

    def _page_done(self, ids: list[str], mark: PageMark | None) -> None:
        self._fed += len(ids)
        if mark is not None and ids:
            self._marks.append((self._fed, lambda: mark(ids)))
        for hook in self.hooks:
            hook.feed(ids)
        self._apply_durable_marks()

    def _apply_durable_marks(self) -> None:
        """Apply the state changes of pages whose ids every hook has processed."""
        durable = self._fed - max((h.holding for h in self.hooks), default=0)
        applied = False
        while self._marks and self._marks[0][0] <= durable:
            self._marks.popleft()[1]()
            applied = True
        if applied:
            self._checkpoint()

    def drain(self) -> None:
        """Let the hooks process everything they hold, then apply every waiting mark."""
        for hook in self.hooks:
            hook.flush()
        self._apply_durable_marks()

    def sweepers(self) -> list[ReadHook]:
        """The hooks that want the ids listed by full_association_sync."""
        return [h for h in self.hooks if h.sweeps]

    def failed_parents(self) -> dict[str, list[str]]:
        """Ids of this read whose hooked reads failed, per stream (retried next run)."""
        failed: dict[str, list[str]] = {}
        for hook in self.hooks:
            failed.update(hook.failed_parents())
        return failed
