"""v4 association batch reads: up to 1,000 parents per request, each followed to its end."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from tap_hubspot_assoc.answers import (
    AssociatedRecord,
    AssociationBatch,
    AssociationResult,
    AssociationSpec,
    BatchError,
    association_batch,
)
from tap_hubspot_assoc.association.labels import LabelRegistry
from tap_hubspot_assoc.association.pairs import Direction
from tap_hubspot_assoc.client import HubSpotClient
from tap_hubspot_assoc.errors import HubSpotAPIError, HubSpotAuthError, RetriesExhaustedError

BATCH_SIZE = 1000


@dataclass(frozen=True)
class Association:
    """One (to id, type id) of a parent, with the type's category and label."""

    to_id: str
    type_id: int
    category: str | None
    label: str | None


@dataclass
class ParentRows:
    """Associations of one parent from one response page (more pages may follow)."""

    from_id: str
    rows: list[Association]


@dataclass
class ParentDone:
    """Every association of this parent has been yielded (`count` distinct rows)."""

    from_id: str
    count: int
    synced_at: dt.datetime


@dataclass
class ParentFailed:
    """This parent could not be read completely: no completeness marker for it."""

    from_id: str
    reason: str


Event = ParentRows | ParentDone | ParentFailed


@dataclass
class _Parent:
    after: str | None = None
    seen: set[tuple[str, int]] = field(default_factory=set)
    cursors: set[str] = field(default_factory=set)


class AssociationReader:
    """Reads one direction's associations for batches of parent ids."""

    def __init__(
        self,
        client: HubSpotClient,
        direction: Direction,
        labels: LabelRegistry,
        logger: logging.Logger,
    ) -> None:
        self.client = client
        self.direction = direction
        self.labels = labels
        self._logger = logger
        self.requests = 0
        self.unknown_type_ids: set[int] = set()
        self._count_lock = threading.Lock()
        self._per_thread = threading.local()

    def thread_requests(self) -> int:
        """Requests this thread has sent for this direction (per-batch counts when batches
        of one direction are read on several threads at once)."""
        return int(getattr(self._per_thread, "count", 0))

    def read(self, from_ids: Sequence[str]) -> Iterator[Event]:
        """Events for up to BATCH_SIZE parents: rows as pages arrive, then Done or Failed.

        The first request carries every id; follow-up requests carry only the parents whose
        result had `paging.next.after`, each with its own cursor, until none is left. A
        parent's Done comes after all its rows; a parent that errs (other than
        NO_ASSOCIATIONS_FOUND) or goes missing from a response ends with Failed.
        """
        if len(from_ids) > BATCH_SIZE:
            raise ValueError(f"at most {BATCH_SIZE} parent ids per batch read")
        parents = {str(i): _Parent() for i in dict.fromkeys(from_ids)}
        pending = list(parents)
        while pending:
            try:
                body = self._post(pending, parents)
            except (HubSpotAuthError, RetriesExhaustedError):
                raise
            except HubSpotAPIError as exc:  # e.g. a 400 for this batch: skip its parents
                for from_id in pending:
                    yield ParentFailed(from_id, f"batch request failed: {exc}")
                return
            received = dt.datetime.now(tz=dt.UTC)
            answered: set[str] = set()
            asked = set(pending)
            still: list[str] = []
            for result in body.results:
                from_id = result.from_id
                parent = parents.get(from_id)
                if parent is None or from_id in answered or from_id not in asked:
                    self._logger.warning(
                        "%s: unexpected result for id %s ignored", self.direction, from_id
                    )
                    continue
                answered.add(from_id)
                rows = self._rows(result, parent)
                if rows:
                    yield ParentRows(from_id, rows)
                event = self._next_page(from_id, result, parent, received)
                if event is None:
                    still.append(from_id)
                else:
                    yield event
            for error in body.errors:
                yield from self._error_events(error, asked, parents, answered, received)
            for from_id in pending:
                if from_id not in answered:
                    yield ParentFailed(from_id, "neither a result nor an error in the response")
            pending = still

    def _post(self, pending: list[str], parents: dict[str, _Parent]) -> AssociationBatch:
        inputs: list[dict[str, str]] = []
        for from_id in pending:
            after = parents[from_id].after
            inputs.append({"id": from_id, "after": after} if after else {"id": from_id})
        with self._count_lock:
            self.requests += 1
        self._per_thread.count = self.thread_requests() + 1
        path = self.client.paths.association_batch_read(
            self.direction.from_path, self.direction.to_path
        )
        body = self.client.post(path, {"inputs": inputs}, kind="association_batch_read")
        return association_batch(body, f"POST {path}")

    def _rows(self, result: AssociationResult, parent: _Parent) -> list[Association]:
        rows = []
        for target in result.targets:
            rows += self._target_rows(target, parent)
        return rows

    def _target_rows(self, target: AssociatedRecord, parent: _Parent) -> list[Association]:
        rows = []
        for spec in target.types:
            if (target.to_id, spec.type_id) in parent.seen:
                continue
            parent.seen.add((target.to_id, spec.type_id))
            rows.append(self._association(target.to_id, spec.type_id, spec))
        return rows

    def _association(self, to_id: str, type_id: int, spec: AssociationSpec) -> Association:
        """Category and label from the response; the discovered type fills what is missing."""
        category, label = spec.category, spec.label
        known = self.labels.lookup(self.direction, type_id)
        if known is None and type_id not in self.unknown_type_ids:
            self.unknown_type_ids.add(type_id)
            self._logger.info(
                "%s: type id %d (%s) was not among the discovered types",
                self.direction,
                type_id,
                category or "no category",
            )
        if known is not None and category is None:
            category, label = known.category, label if label is not None else known.label
        return Association(to_id, type_id, category, label)

    def _next_page(
        self, from_id: str, result: AssociationResult, parent: _Parent, received: dt.datetime
    ) -> Event | None:
        """Done/Failed when this parent is finished, None when it has another page."""
        after = result.after
        if after is None:
            return ParentDone(from_id, len(parent.seen), received)
        if after in parent.cursors:
            return ParentFailed(from_id, f"paging cursor {after!r} repeated")
        parent.cursors.add(after)
        parent.after = after
        return None

    def _error_events(
        self,
        error: BatchError,
        asked: set[str],
        parents: dict[str, _Parent],
        answered: set[str],
        received: dt.datetime,
    ) -> Iterator[Event]:
        none_found, reason = error.no_associations, error.reason()
        for from_id in error.ids:
            if from_id not in asked or from_id in answered:
                continue
            answered.add(from_id)
            if none_found:  # no (more) associations: complete with what was read
                yield ParentDone(from_id, len(parents[from_id].seen), received)
            else:
                yield ParentFailed(from_id, reason)
