"""Property definitions and their options for every synced type, archived ones included.

The active definitions are the answer the run already read to type the object streams
(`PortalTypes.property_results`: never read twice); the archived ones come from one
`archived=true` request per type.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from tap_hubspot_assoc.client import HubSpotClient
from tap_hubspot_assoc.concurrency import OrderedPipeline, RequestPool
from tap_hubspot_assoc.errors import HubSpotAuthError
from tap_hubspot_assoc.object_types import CrmObjectType
from tap_hubspot_assoc.portal_types import PortalTypes
from tap_hubspot_assoc.reference.fields import Item, results
from tap_hubspot_assoc.reference.kinds import Emitted, ReferenceAccessDeniedError, Target

DEPTH = 8  # types whose answers may be in flight at once


@dataclass(frozen=True)
class PropertyOption:
    """One option of an enumeration property."""

    value: str
    label: str | None
    description: str | None
    display_order: int | None
    hidden: bool


@dataclass(frozen=True)
class PropertyDefinition:
    """One property definition of one object type."""

    name: str
    label: str | None
    property_type: str
    field_type: str
    group_name: str | None
    description: str | None
    display_order: int | None
    calculated: bool
    external_options: bool
    hubspot_defined: bool
    has_unique_value: bool
    hidden: bool
    referenced_object_type: str | None
    archived: bool
    archived_at: str | None
    created_at: str | None
    updated_at: str | None
    options: tuple[PropertyOption, ...]

    def record(self, object_type: str) -> dict[str, Any]:
        """The `properties` record."""
        return {
            "object_type": object_type,
            "property_name": self.name,
            "label": self.label,
            "property_type": self.property_type,
            "field_type": self.field_type,
            "group_name": self.group_name,
            "description": self.description,
            "display_order": self.display_order,
            "calculated": self.calculated,
            "external_options": self.external_options,
            "hubspot_defined": self.hubspot_defined,
            "has_unique_value": self.has_unique_value,
            "hidden": self.hidden,
            "referenced_object_type": self.referenced_object_type,
            "archived": self.archived,
            "archived_at": self.archived_at,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }

    def option_records(self, object_type: str) -> Iterator[dict[str, Any]]:
        """The `property_options` records (one per option value; a repeated value once)."""
        seen: set[str] = set()
        for option in self.options:
            if option.value in seen:
                continue
            seen.add(option.value)
            yield {
                "object_type": object_type,
                "property_name": self.name,
                "option_value": option.value,
                "label": option.label,
                "description": option.description,
                "display_order": option.display_order,
                "hidden": option.hidden,
            }


def parse_property(item: Item, *, archived_listing: bool = False) -> PropertyDefinition:
    """A definition from `GET /crm/v3/properties/{type}` (`archived_listing`: archived=true)."""
    return PropertyDefinition(
        name=item.text("name"),
        label=item.text("label"),
        property_type=item.text("type"),
        field_type=item.text("fieldType"),
        group_name=item.text("groupName"),
        description=item.optional_text("description"),
        display_order=item.integer("displayOrder", required=False),
        calculated=item.flag("calculated", default=False),
        external_options=item.flag("externalOptions", default=False),
        hubspot_defined=item.flag("hubspotDefined", default=False),
        has_unique_value=item.flag("hasUniqueValue", default=False),
        hidden=item.flag("hidden", default=False),
        referenced_object_type=item.optional_text("referencedObjectType"),
        archived=item.flag("archived", default=archived_listing) or archived_listing,
        archived_at=item.timestamp("archivedAt", required=False),
        created_at=item.timestamp("createdAt", required=False),
        updated_at=item.timestamp("updatedAt", required=False),
        options=tuple(
            PropertyOption(
                value=option.text("value"),
                label=option.text("label"),
                description=option.optional_text("description"),
                display_order=option.integer("displayOrder", required=False),
                hidden=option.flag("hidden", default=False),
            )
            for option in item.items("options", required=False)
        ),
    )


@dataclass(frozen=True)
class _Answers:
    active: list[Mapping[str, Any]]
    archived: Any
    endpoint: str  # the active listing's request, for error messages


class PropertiesSource:
    """Every synced type's property definitions (active, then archived) and their options."""

    def __init__(
        self,
        client: HubSpotClient,
        pool: RequestPool,
        portal: PortalTypes,
        types: Sequence[CrmObjectType],
    ) -> None:
        self._client = client
        self._pool = pool
        self._portal = portal
        self._types = list(types)
        self._opened = False
        self.requests = 0
        self.reused = 0  # active answers already read by this run's discovery

    def open(self) -> None:
        """Read the active definitions of each type not read yet (the scope check)."""
        if self._opened:
            return
        missing = [t for t in self._types if not self._portal.has_property_results(t)]
        self.reused += len(self._types) - len(missing)
        queue: OrderedPipeline[list[Mapping[str, Any]]] = OrderedPipeline(self._pool, DEPTH)
        for object_type in missing:
            self.requests += 1
            list(queue.submit(object_type.name, partial(self._active, object_type)))
        list(queue.drain())
        self._opened = True

    def read(self) -> Iterator[Emitted]:
        """Per type: each property's record, then its options' records."""
        self.open()
        queue: OrderedPipeline[_Answers] = OrderedPipeline(self._pool, DEPTH)
        for object_type in self._types:
            self.requests += 1
            task = partial(self._answers, object_type)
            for name, answers in queue.submit(object_type, task):
                yield from _emit(name, answers)
        for name, answers in queue.drain():
            yield from _emit(name, answers)

    def _active(self, object_type: CrmObjectType) -> list[Mapping[str, Any]]:
        try:
            return self._portal.property_results(object_type)
        except HubSpotAuthError as exc:
            if exc.status != 403:
                raise
            scopes = exc.missing_scopes or (object_type.schema_scope,)
            what = f"properties of {object_type.describe()}"
            raise ReferenceAccessDeniedError(what, scopes, str(exc)) from exc

    def _answers(self, object_type: CrmObjectType) -> _Answers:
        archived = self._client.get(
            self._client.paths.properties(object_type.path_ref),
            {"archived": "true"},
            kind="properties",
        )
        endpoint = f"GET {self._client.paths.properties(object_type.path_ref)}"
        return _Answers(self._active(object_type), archived, endpoint)


def _emit(key: object, answers: _Answers) -> Iterator[Emitted]:
    assert isinstance(key, CrmObjectType)
    endpoint = answers.endpoint
    seen: set[str] = set()
    active = [parse_property(Item(raw, endpoint)) for raw in answers.active]
    archived = [
        parse_property(item, archived_listing=True)
        for item in results(answers.archived, f"{endpoint}?archived=true")
    ]
    for definition in (*active, *archived):
        if definition.name in seen:
            continue
        seen.add(definition.name)
        yield Target.MAIN, definition.record(key.name)
        for option in definition.option_records(key.name):
            yield Target.COMPANION, option
