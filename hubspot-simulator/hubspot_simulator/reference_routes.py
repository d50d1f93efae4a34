"""The API route rows of the reference data: owners, pipelines and lists (legacy v3 paths).

Each row is (method, path template, handler, scope kind, counter key, aliases); ``app.py``
compiles them with the object routes. Date-versioned aliases carry the ``<v>`` marker
(``/crm/owners/<v>``: every date version, see versions.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import lists_api, reference_api

Row = tuple[str, str, Callable[..., Any], str, str, list[str]]


def _reference_routes() -> list[Row]:
    """Owners and pipelines (legacy v3 paths and their date-versioned aliases)."""
    pipe = "/crm/v3/pipelines/{type}/{pipeline_id}"
    dpipe = "/crm/pipelines/<v>/{type}/{pipeline_id}"
    key = "/crm/v3/pipelines/{type}/{pipelineId}"
    return [
        (
            "GET",
            "/crm/v3/owners",
            reference_api.list_owners,
            "owners",
            "GET /crm/v3/owners",
            ["/crm/owners/<v>"],
        ),
        (
            "GET",
            "/crm/v3/owners/{owner_id}",
            reference_api.get_owner,
            "owners",
            "GET /crm/v3/owners/{ownerId}",
            ["/crm/owners/<v>/{owner_id}"],
        ),
        (
            "GET",
            "/crm/v3/pipelines/{type}",
            reference_api.list_pipelines,
            "pipelines",
            "GET /crm/v3/pipelines/{type}",
            ["/crm/pipelines/<v>/{type}"],
        ),
        ("GET", pipe, reference_api.get_pipeline, "pipelines", f"GET {key}", [dpipe]),
        (
            "GET",
            f"{pipe}/audit",
            reference_api.pipeline_audit,
            "pipelines",
            f"GET {key}/audit",
            [f"{dpipe}/audit"],
        ),
        (
            "GET",
            f"{pipe}/stages",
            reference_api.list_stages,
            "pipelines",
            f"GET {key}/stages",
            [f"{dpipe}/stages"],
        ),
        (
            "GET",
            f"{pipe}/stages/{{stage_id}}",
            reference_api.get_stage,
            "pipelines",
            f"GET {key}/stages/{{stageId}}",
            [f"{dpipe}/stages/{{stage_id}}"],
        ),
        (
            "GET",
            f"{pipe}/stages/{{stage_id}}/audit",
            reference_api.stage_audit,
            "pipelines",
            f"GET {key}/stages/{{stageId}}/audit",
            [f"{dpipe}/stages/{{stage_id}}/audit"],
        ),
    ]


def _list_routes() -> list[Row]:
    """Lists (legacy v3 paths and their date-versioned aliases)."""
    one = "/crm/v3/lists/{list_id}"
    done = "/crm/lists/<v>/{list_id}"
    key = "/crm/v3/lists/{listId}"
    records = "/crm/v3/lists/records"
    drecords = "/crm/lists/<v>/records"
    return [
        (
            "POST",
            "/crm/v3/lists/search",
            lists_api.search_lists,
            "lists",
            "POST /crm/v3/lists/search",
            ["/crm/lists/<v>/search"],
        ),
        (
            "GET",
            "/crm/v3/lists",
            lists_api.get_lists,
            "lists",
            "GET /crm/v3/lists",
            ["/crm/lists/<v>"],
        ),
        ("GET", one, lists_api.get_list, "lists", f"GET {key}", [done]),
        (
            "GET",
            f"{one}/memberships",
            lists_api.memberships,
            "lists",
            f"GET {key}/memberships",
            [f"{done}/memberships"],
        ),
        (
            "GET",
            f"{one}/memberships/join-order",
            lists_api.memberships_join_order,
            "lists",
            f"GET {key}/memberships/join-order",
            [f"{done}/memberships/join-order"],
        ),
        (
            "GET",
            f"{records}/{{object_type_id}}/{{record_id}}/memberships",
            lists_api.record_memberships,
            "lists",
            f"GET {records}/{{objectTypeId}}/{{recordId}}/memberships",
            [f"{drecords}/{{object_type_id}}/{{record_id}}/memberships"],
        ),
        (
            "POST",
            f"{records}/memberships/batch/read",
            lists_api.batch_read_memberships,
            "lists",
            f"POST {records}/memberships/batch/read",
            [f"{drecords}/memberships/batch/read"],
        ),
    ]


ROWS: list[Row] = [*_reference_routes(), *_list_routes()]
