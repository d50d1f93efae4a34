"""HubSpot's answers, parsed once at the client boundary into typed models.

One model per answer, whatever the API version that sent it: legacy batch reads answer 207
with `errors` when some ids fail, 2026-09 answers 200 with `errors` and `numErrors` (the client
returns both bodies alike); 2026-09 search pages carry a `paging` with `next` and `prev` where
legacy has only `next`; 2026-09 objects always carry `archived` and a `url`; legacy v4 sends
`toObjectId` as a number, the date versions' reference types it as a string. Parsers are
tolerant of fields HubSpot adds and strict about the fields the tap uses: a missing one raises
`AnswerShapeError` naming the endpoint.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NotRequired, TypedDict

from tap_hubspot_assoc.errors import HubSpotAPIError

NO_ASSOCIATIONS = "NO_ASSOCIATIONS_FOUND"


class AnswerShapeError(HubSpotAPIError):
    """An answer lacks a field the tap uses, or has it with the wrong type."""


class AssociationCategory(enum.Enum):
    """Who defined an association type (HubSpot's reference lists these four)."""

    HUBSPOT_DEFINED = "HUBSPOT_DEFINED"
    USER_DEFINED = "USER_DEFINED"
    INTEGRATOR_DEFINED = "INTEGRATOR_DEFINED"
    WORK = "WORK"


class CrmObject(TypedDict):
    """One record as the objects API sends it (only the fields the tap reads are typed)."""

    id: str
    properties: dict[str, Any]
    createdAt: NotRequired[str]
    updatedAt: NotRequired[str]
    archived: NotRequired[bool]
    archivedAt: NotRequired[str]
    propertiesWithHistory: NotRequired[dict[str, list[dict[str, Any]]]]
    url: NotRequired[str]


@dataclass(frozen=True)
class BatchError:
    """One entry of a batch answer's `errors` (the ids it names, from `context`)."""

    category: str
    sub_category: str | None
    message: str
    ids: tuple[str, ...]

    @property
    def no_associations(self) -> bool:
        return NO_ASSOCIATIONS in f"{self.category} {self.sub_category}"

    def reason(self) -> str:
        return f"{self.category}/{self.sub_category}: {self.message}"


@dataclass(frozen=True)
class ObjectBatch:
    """A batch read of objects: the objects found and the errors (missing ids)."""

    objects: list[CrmObject]
    errors: list[BatchError]

    @property
    def missing_ids(self) -> list[str]:
        return [i for error in self.errors for i in error.ids]


@dataclass(frozen=True)
class ObjectPage:
    """A page of a list or search answer: the objects, the next cursor, the total (search)."""

    objects: list[CrmObject]
    after: str | None
    total: int | None


@dataclass(frozen=True)
class AssociationSpec:
    """One association type of an association row."""

    type_id: int
    category: str | None
    label: str | None


@dataclass(frozen=True)
class AssociatedRecord:
    """One associated record with its association types."""

    to_id: str
    types: tuple[AssociationSpec, ...]


@dataclass(frozen=True)
class AssociationResult:
    """One parent's associations from one page, and the cursor of its next page."""

    from_id: str
    targets: tuple[AssociatedRecord, ...]
    after: str | None


@dataclass(frozen=True)
class AssociationBatch:
    """An association batch read: a result per answered parent, and the errors."""

    results: list[AssociationResult]
    errors: list[BatchError]


def _mapping(value: Any, endpoint: str, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise AnswerShapeError(f"{endpoint}: {what} is not a JSON object")
    return value


def _list(body: Mapping[str, Any], key: str, endpoint: str) -> list[Any]:
    value = body.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise AnswerShapeError(f"{endpoint}: `{key}` is not a list")
    return value


def _identifier(value: Any, endpoint: str, what: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        raise AnswerShapeError(f"{endpoint}: {what} is missing or not an id ({value!r})")
    return str(value)


def _next_after(body: Mapping[str, Any], endpoint: str) -> str | None:
    """`paging.next.after` (legacy ForwardPaging and 2026-09 Paging alike), or None."""
    paging = body.get("paging")
    if paging is None:
        return None
    following = _mapping(paging, endpoint, "`paging`").get("next")
    if following is None:
        return None
    after = _mapping(following, endpoint, "`paging.next`").get("after")
    return None if after in (None, "") else str(after)


def crm_object(raw: Any, endpoint: str) -> CrmObject:
    """One record: `id` (made a string) and `properties` (an object) are required."""
    item = dict(_mapping(raw, endpoint, "a result"))
    item["id"] = _identifier(item.get("id"), endpoint, "a result's `id`")
    properties = item.get("properties")
    if not isinstance(properties, dict):
        raise AnswerShapeError(f"{endpoint}: result {item['id']} has no `properties` object")
    return item  # type: ignore[return-value]  # checked above: id and properties


def _optional_text(value: Any) -> str | None:
    return None if value is None else str(value)


def batch_errors(body: Mapping[str, Any], endpoint: str) -> list[BatchError]:
    """`errors` of a batch answer (207 in legacy, 200 with `numErrors` in 2026-09)."""
    found = []
    for raw in _list(body, "errors", endpoint):
        error = _mapping(raw, endpoint, "an error entry")
        context = error.get("context") or {}
        ids = context.get("ids") or context.get("fromObjectId") or []
        if not isinstance(ids, list):
            raise AnswerShapeError(f"{endpoint}: an error's `context` ids are not a list")
        found.append(
            BatchError(
                category=str(error.get("category") or "UNKNOWN"),
                sub_category=None
                if error.get("subCategory") is None
                else str(error["subCategory"]),
                message=str(error.get("message") or ""),
                ids=tuple(str(i) for i in ids),
            )
        )
    return found


def object_batch(body: Any, endpoint: str) -> ObjectBatch:
    """A `POST .../batch/read` answer of the objects API."""
    answer = _mapping(body, endpoint, "the answer")
    objects = [crm_object(raw, endpoint) for raw in _list(answer, "results", endpoint)]
    return ObjectBatch(objects, batch_errors(answer, endpoint))


def object_page(body: Any, endpoint: str) -> ObjectPage:
    """A list page (`GET .../objects/{type}`) or a search page (`POST .../search`)."""
    answer = _mapping(body, endpoint, "the answer")
    objects = [crm_object(raw, endpoint) for raw in _list(answer, "results", endpoint)]
    total = answer.get("total")
    if total is not None and (isinstance(total, bool) or not isinstance(total, int)):
        raise AnswerShapeError(f"{endpoint}: `total` is not an integer ({total!r})")
    return ObjectPage(objects, _next_after(answer, endpoint), total)


def _association_spec(raw: Any, endpoint: str) -> AssociationSpec:
    spec = _mapping(raw, endpoint, "an association type")
    type_id = spec.get("typeId")
    if isinstance(type_id, bool) or not isinstance(type_id, int | str):
        raise AnswerShapeError(f"{endpoint}: an association type has no `typeId`")
    try:
        number = int(type_id)
    except ValueError:
        raise AnswerShapeError(f"{endpoint}: `typeId` {type_id!r} is not a number") from None
    category, label = spec.get("category"), spec.get("label")
    return AssociationSpec(
        number, None if category is None else str(category), None if label is None else str(label)
    )


def _associated(raw: Any, endpoint: str) -> AssociatedRecord:
    target = _mapping(raw, endpoint, "an associated record")
    to_id = target.get("toObjectId") if "toObjectId" in target else target.get("id")
    types = tuple(
        _association_spec(spec, endpoint) for spec in _list(target, "associationTypes", endpoint)
    )
    return AssociatedRecord(_identifier(to_id, endpoint, "`toObjectId`"), types)


def association_batch(body: Any, endpoint: str) -> AssociationBatch:
    """A `POST .../associations/.../batch/read` answer (legacy v4 and the date versions)."""
    answer = _mapping(body, endpoint, "the answer")
    results = []
    for raw in _list(answer, "results", endpoint):
        result = _mapping(raw, endpoint, "a result")
        source = _mapping(result.get("from"), endpoint, "a result's `from`")
        results.append(
            AssociationResult(
                from_id=_identifier(source.get("id"), endpoint, "`from.id`"),
                targets=tuple(_associated(t, endpoint) for t in _list(result, "to", endpoint)),
                after=_next_after(result, endpoint),
            )
        )
    return AssociationBatch(results, batch_errors(answer, endpoint))


def association_labels(body: Any, endpoint: str) -> list[AssociationSpec]:
    """`GET .../associations/.../labels`: the association types of one direction."""
    answer = _mapping(body, endpoint, "the answer")
    return [_association_spec(raw, endpoint) for raw in _list(answer, "results", endpoint)]


def object_library(body: Any, endpoint: str) -> dict[str, bool]:
    """`GET .../object-library/.../enablement`: objectTypeId -> enabled."""
    answer = _mapping(body, endpoint, "the answer")
    by_type = _mapping(
        answer.get("enablementByObjectTypeId"), endpoint, "`enablementByObjectTypeId`"
    )
    found = {}
    for type_id, enabled in by_type.items():
        if not isinstance(enabled, bool):
            raise AnswerShapeError(f"{endpoint}: enablement of {type_id} is not a boolean")
        found[str(type_id)] = enabled
    return found
