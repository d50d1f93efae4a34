"""Association types (labels) per direction: discovered once per run, with a fallback."""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from tap_hubspot_assoc.answers import (
    AnswerShapeError,
    AssociationCategory,
    AssociationSpec,
    association_labels,
)
from tap_hubspot_assoc.association.pairs import Direction
from tap_hubspot_assoc.client import HubSpotClient
from tap_hubspot_assoc.concurrency import RequestPool
from tap_hubspot_assoc.errors import DailyLimitError, HubSpotAPIError

HUBSPOT_DEFINED = AssociationCategory.HUBSPOT_DEFINED.value


@dataclass(frozen=True)
class AssociationType:
    """One association type of one direction."""

    type_id: int
    category: str | None
    label: str | None

    def describe(self) -> str:
        label = f"'{self.label}'" if self.label else "(unlabeled)"
        return f"{self.type_id} {self.category or '?'} {label}"


@dataclass(frozen=True)
class DirectionLabels:
    """The types of one direction and whether they came from the labels endpoint."""

    direction: Direction
    types: dict[int, AssociationType]
    discovered: bool
    error: str | None = None


class LabelRegistry:
    """The association labels of each direction (`ApiPaths.association_labels`), read once per
    direction per run.

    When discovery fails the direction falls back to `fallback_association_type_ids`
    (HUBSPOT_DEFINED, no label); the association reads still return every type, the fallback
    only names types a response leaves without a category.
    """

    def __init__(
        self,
        client: HubSpotClient,
        fallback: Mapping[str, Sequence[int]],
        logger: logging.Logger,
    ) -> None:
        self._client = client
        self._fallback = fallback
        self._logger = logger
        self._cache: dict[Direction, DirectionLabels] = {}

    def of(self, direction: Direction) -> DirectionLabels:
        """The direction's types (discovered on first use, then cached)."""
        if direction not in self._cache:
            self._cache[direction] = self._discover(direction)
        return self._cache[direction]

    def known(self, direction: Direction) -> bool:
        """Whether the direction's types are cached (reading them needs no request)."""
        return direction in self._cache

    def lookup(self, direction: Direction, type_id: int) -> AssociationType | None:
        return self.of(direction).types.get(type_id)

    def prefetch(self, directions: Iterable[Direction], pool: RequestPool) -> None:
        """Discover the labels of `directions` not known yet, their requests in flight at once
        on `pool` (the sync's start: one request per direction, none twice)."""
        wanted = [d for d in dict.fromkeys(directions) if d not in self._cache]
        found = pool.settle_all(functools.partial(self._discover, d) for d in wanted)
        for direction, future in zip(wanted, found, strict=True):
            self._cache[direction] = future.result()

    def read_specs(self, direction: Direction) -> list[AssociationSpec]:
        """One labels request for `direction`, parsed (errors raised as they come)."""
        path = self._client.paths.association_labels(direction.from_path, direction.to_path)
        return association_labels(self._client.get(path, kind="association_labels"), f"GET {path}")

    def _discover(self, direction: Direction) -> DirectionLabels:
        try:
            specs = self.read_specs(direction)
        except (DailyLimitError, AnswerShapeError):
            raise
        except HubSpotAPIError as exc:
            fallback = [int(i) for i in self._fallback.get(direction.key, [])]
            self._logger.warning(
                "Association types %s: discovery failed (%s); using fallback type ids %s",
                direction,
                exc,
                ", ".join(map(str, fallback)) or "(none configured)",
            )
            types = {i: AssociationType(i, HUBSPOT_DEFINED, None) for i in fallback}
            return DirectionLabels(direction, types, discovered=False, error=str(exc))
        return self.remember(direction, specs)

    def remember(self, direction: Direction, specs: Sequence[AssociationSpec]) -> DirectionLabels:
        """Cache a direction's types (pair discovery reads them first, through `read_specs`)."""
        types = {s.type_id: AssociationType(s.type_id, s.category, s.label) for s in specs}
        self._cache[direction] = found = DirectionLabels(direction, types, discovered=True)
        self._logger.info(
            "Association types %s (discovered, %d): %s",
            direction,
            len(types),
            "; ".join(t.describe() for t in types.values()) or "none",
        )
        return found
