"""Which object types and association pairs a run syncs, resolved against the portal.

`object_types` and `association_pairs` take a list or `"all"`. Types are checked before any
record is read: each synced type's property definitions are read once (needed for its schema
anyway), and that request doubles as the scope check. With `"all"`, one object-library request
says which standard types the account has enabled (the others are skipped without a request);
a type the token cannot read or the account has not activated is skipped with one warning;
a type the user listed explicitly fails the run with the same message. Pairs for `"all"` come
from the labels API (through `LabelRegistry.read_specs`, the one labels reader): one request per
unordered pair of synced types, and one more for the reverse direction of each pair that has
association types. Property and label requests are in flight at once on the request pool
(under the one shared rate limiter); results are taken in the types' order.
"""

from __future__ import annotations

import ast
import functools
import json
import logging
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from tap_hubspot_assoc.answers import AssociationSpec, object_library
from tap_hubspot_assoc.association.labels import LabelRegistry
from tap_hubspot_assoc.association.pairs import AssociationConfigError, Direction
from tap_hubspot_assoc.client import HubSpotClient
from tap_hubspot_assoc.concurrency import RequestPool
from tap_hubspot_assoc.errors import DailyLimitError, HubSpotAPIError, HubSpotAuthError
from tap_hubspot_assoc.object_types import (
    STANDARD_TYPES,
    CrmObjectType,
    custom_types_from_schemas,
    standard_type,
)
from tap_hubspot_assoc.properties import PropertyDef, parse_property_definitions

ALL = "all"
SCHEMAS_SCOPE = "crm.schemas.custom.read"


class ObjectTypeUnavailableError(AssociationConfigError):
    """A configured object type cannot be read with this token in this account."""


def configured_list(value: Any, setting: str) -> list[Any] | None:
    """A list setting as given: None for `"all"` (or `["all"]`), else the list.

    Strings holding a list are decoded: JSON, or a Python literal (Meltano passes a setting
    without a kind to `--config ENV` as the list's repr); other text is split on commas.
    """
    if isinstance(value, str):
        text = value.strip()
        if text.lower() == ALL:
            return None
        try:
            value = json.loads(text)
        except ValueError:
            try:
                value = ast.literal_eval(text) if text.startswith("[") else None
            except (ValueError, SyntaxError):
                value = None
            if value is None:
                value = [part.strip() for part in text.split(",") if part.strip()]
    if isinstance(value, list) and value and str(value[0]).lstrip().startswith("["):
        # singer-sdk's `--config ENV` split a list's repr on commas (Meltano passes a setting
        # without a kind as its repr): join and decode it again.
        return configured_list(",".join(map(str, value)), setting)
    if not isinstance(value, list):
        msg = f'{setting} must be a list or "all", got {type(value).__name__}'
        raise AssociationConfigError(msg)
    if len(value) == 1 and isinstance(value[0], str) and value[0].strip().lower() == ALL:
        return None
    return value


@dataclass
class SyncedType:
    """An object type this run syncs and its property definitions."""

    type: CrmObjectType
    properties: list[PropertyDef]


@dataclass
class DiscoveryCost:
    """Requests and time spent finding out what to sync."""

    requests: int = 0
    seconds: float = 0.0
    skipped: list[str] = field(default_factory=list)


class PortalTypes:
    """Resolves configured type names and discovers types and pairs, once per run."""

    def __init__(
        self, client: HubSpotClient, logger: logging.Logger, pool: RequestPool | None = None
    ) -> None:
        self._client = client
        self._logger = logger
        self._pool = pool or RequestPool(1)  # discovery's requests in flight at once
        self._custom: list[CrmObjectType] | None = None
        self._properties: dict[str, list[PropertyDef]] = {}
        self._property_results: dict[str, list[Mapping[str, Any]]] = {}
        self.type_cost = DiscoveryCost()
        self.pair_cost = DiscoveryCost()

    # -- custom objects -------------------------------------------------------------------

    def custom_types(self, *, required: bool) -> list[CrmObjectType]:
        """Custom object types from the schemas endpoint (read once).

        Without the schemas scope this fails when `required`, else warns and returns none.
        """
        if self._custom is None:
            try:
                body = self._client.get(self._client.paths.schemas, kind="schemas")
            except HubSpotAuthError as exc:
                if required:
                    msg = (
                        f"custom objects cannot be listed: the token lacks "
                        f"{_scopes_text(exc, SCHEMAS_SCOPE)} ({exc})"
                    )
                    raise ObjectTypeUnavailableError(msg) from exc
                self._logger.warning(
                    "Custom objects skipped: the token lacks %s (GET %s: %s)",
                    _scopes_text(exc, SCHEMAS_SCOPE),
                    self._client.paths.schemas,
                    exc.category,
                )
                self.type_cost.skipped.append("custom objects")
                body = {}
            self._custom = custom_types_from_schemas(body.get("results") or [])
        return self._custom

    def resolve(self, name: str) -> CrmObjectType:
        """A type by any configured spelling: standard names first, then custom objects."""
        found = standard_type(name)
        if found is not None:
            return found
        wanted = str(name).strip().lower()
        for custom in self.custom_types(required=True):
            if wanted in custom.spellings():
                return custom
        msg = (
            f"unknown object type {name!r}: not a standard HubSpot type and no custom object "
            "has that objectTypeId, fullyQualifiedName or name"
        )
        raise ObjectTypeUnavailableError(msg)

    # -- object types ---------------------------------------------------------------------

    def select(self, configured: Any) -> list[SyncedType]:
        """The configured types (or every readable one for `"all"`) with their properties."""
        started = time.monotonic()
        before = self._client.stats.total_requests
        names = configured_list(configured, "object_types")
        if names is None:
            candidates = [*self._enabled_standard_types(), *self.custom_types(required=False)]
            synced = self._probe_all(candidates, explicit=False)
        else:
            wanted = list(dict.fromkeys(self.resolve(str(n)) for n in names if str(n).strip()))
            synced = self._probe_all(wanted, explicit=True)
        self.type_cost.requests += self._client.stats.total_requests - before
        self.type_cost.seconds += time.monotonic() - started
        if names is None:
            self._logger.info(
                "object_types all: %d types (%s) found with %d requests in %.1fs%s",
                len(synced),
                ", ".join(s.type.name for s in synced),
                self.type_cost.requests,
                self.type_cost.seconds,
                f"; skipped: {', '.join(self.type_cost.skipped)}" if self.type_cost.skipped else "",
            )
        return synced

    def _enabled_standard_types(self) -> list[CrmObjectType]:
        """The standard types the object library does not report disabled (one request).

        A type the library lists as disabled is skipped without a request; a type it does not
        list is probed like every type was before. Without the library (a token or account
        that cannot read it: 400/403/404) every standard type is probed.
        """
        path = self._client.paths.object_library
        try:
            enabled = object_library(self._client.get(path, kind="object_library"), f"GET {path}")
        except DailyLimitError:
            raise
        except HubSpotAPIError as exc:
            if exc.status not in (400, 403, 404):
                raise
            self._logger.info(
                "object library unavailable (GET %s: HTTP %s); probing each standard type",
                path,
                exc.status,
            )
            return list(STANDARD_TYPES)
        disabled = [t for t in STANDARD_TYPES if enabled.get(t.type_id) is False]
        if disabled:
            self._logger.info(
                "object library: not enabled in this account, skipped: %s",
                ", ".join(t.describe() for t in disabled),
            )
            self.type_cost.skipped += [f"{t.name} (not enabled)" for t in disabled]
        return [t for t in STANDARD_TYPES if t not in disabled]

    def properties_of(self, object_type: CrmObjectType) -> list[PropertyDef]:
        """Property definitions of one type, read once per run."""
        if object_type.name not in self._properties:
            self._properties[object_type.name] = parse_property_definitions(
                self.property_results(object_type)
            )
        return self._properties[object_type.name]

    def property_results(self, object_type: CrmObjectType) -> list[Mapping[str, Any]]:
        """The answer of `GET /crm/v3/properties/{type}` (active definitions), read once per
        run: object streams take their types from it, the `properties` stream its rows."""
        if object_type.name not in self._property_results:
            body = self._client.get(
                self._client.paths.properties(object_type.path_ref),
                {"archived": "false"},
                kind="properties",
            )
            self._property_results[object_type.name] = list(body.get("results") or [])
        return self._property_results[object_type.name]

    def has_property_results(self, object_type: CrmObjectType) -> bool:
        """True once this run has read the type's active property definitions."""
        return object_type.name in self._property_results

    def _probe_all(self, types: Sequence[CrmObjectType], *, explicit: bool) -> list[SyncedType]:
        """`_probe` of each type, their property requests in flight at once on the pool."""
        answers = self._pool.settle_all(functools.partial(self.property_results, t) for t in types)
        pairs = zip(types, answers, strict=True)
        return [s for t, answer in pairs if (s := self._probe(t, answer, explicit=explicit))]

    def _probe(
        self, object_type: CrmObjectType, answer: Future[Any], *, explicit: bool
    ) -> SyncedType | None:
        try:
            answer.result()  # the properties request (its error raised here)
            return SyncedType(object_type, self.properties_of(object_type))
        except DailyLimitError:
            raise
        except HubSpotAuthError as exc:
            if exc.status != 403:
                raise  # bad credentials fail every type alike
            why = f"the token lacks {_scopes_text(exc, object_type.read_scope)}"
            error: HubSpotAPIError = exc
        except HubSpotAPIError as exc:
            if exc.status not in (400, 404):
                raise
            why = f"the account has not activated it or does not know it (HTTP {exc.status})"
            error = exc
        message = f"object type {object_type.describe()} cannot be read: {why}"
        if explicit:
            raise ObjectTypeUnavailableError(f"{message}. Detail: {error}") from error
        self._logger.warning("%s; skipped", message)
        self.type_cost.skipped.append(object_type.name)
        return None

    # -- association pairs ----------------------------------------------------------------

    def discover_pairs(
        self, types: Sequence[CrmObjectType], labels: LabelRegistry
    ) -> list[Direction]:
        """Both directions of every pair of `types` that has association types."""
        started = time.monotonic()
        before = self._client.stats.total_requests
        found: list[Direction] = []
        forwards = [Direction.between(a, b) for a, b in combinations(types, 2)]
        probes = self._pool.settle_all(functools.partial(self._labels, d, labels) for d in forwards)
        with_types = [(d, r) for d, f in zip(forwards, probes, strict=True) if (r := f.result())]
        reverses = self._pool.settle_all(
            functools.partial(self._labels, d.reverse, labels) for d, _ in with_types
        )
        for (forward, results), reverse in zip(with_types, reverses, strict=True):
            reverse_results = reverse.result()
            if reverse_results is None:
                continue
            labels.remember(forward, results)
            labels.remember(forward.reverse, reverse_results)
            found += [forward, forward.reverse]
        self.pair_cost.requests += self._client.stats.total_requests - before
        self.pair_cost.seconds += time.monotonic() - started
        self._logger.info(
            "association_pairs all: %d pairs among %d types, found with %d label requests "
            "in %.1fs: %s",
            len(found) // 2,
            len(types),
            self.pair_cost.requests,
            self.pair_cost.seconds,
            ", ".join(f"{d.from_type}<->{d.to_type}" for d in found[::2]) or "none",
        )
        return found

    def _labels(self, direction: Direction, labels: LabelRegistry) -> list[AssociationSpec] | None:
        """A direction's association types; None (with a warning) when they cannot be read."""
        try:
            specs = labels.read_specs(direction)
        except DailyLimitError:
            raise
        except HubSpotAPIError as exc:
            if exc.status not in (400, 403, 404):
                raise
            self._logger.warning("Association pair %s skipped: %s", direction, exc)
            self.pair_cost.skipped.append(str(direction))
            return None
        return specs


def _scopes_text(exc: HubSpotAuthError, expected: str) -> str:
    scopes = exc.missing_scopes or (expected,)
    return ("scope " if len(scopes) == 1 else "scopes ") + ", ".join(scopes)
