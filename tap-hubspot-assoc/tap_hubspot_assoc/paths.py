"""Every HubSpot API path the tap uses, in one place (so a move to dated versions is one edit)."""

from __future__ import annotations

from urllib.parse import quote

OAUTH_TOKEN = "/oauth/v1/token"
SCHEMAS = "/crm/v3/schemas"  # custom object definitions


def _segment(value: str) -> str:
    return quote(value, safe="")


def properties(object_type: str) -> str:
    """Property definitions of one object type."""
    return f"/crm/v3/properties/{_segment(object_type)}"


def objects(object_type: str) -> str:
    """List (GET) records of one object type."""
    return f"/crm/v3/objects/{_segment(object_type)}"


def batch_read(object_type: str) -> str:
    """Batch read (POST, up to 100 ids) of one object type."""
    return f"/crm/v3/objects/{_segment(object_type)}/batch/read"


def search(object_type: str) -> str:
    """CRM search (POST) of one object type."""
    return f"/crm/v3/objects/{_segment(object_type)}/search"


def association_batch_read(from_type: str, to_type: str) -> str:
    """v4 association batch read (POST, up to 1,000 parent ids)."""
    return f"/crm/v4/associations/{_segment(from_type)}/{_segment(to_type)}/batch/read"


def association_labels(from_type: str, to_type: str) -> str:
    """v4 association labels of one direction."""
    return f"/crm/v4/associations/{_segment(from_type)}/{_segment(to_type)}/labels"


# -- reference data ------------------------------------------------------------------------

OWNERS = "/crm/v3/owners"
LISTS_SEARCH = "/crm/v3/lists/search"


def pipelines(object_type: str) -> str:
    """Every pipeline (with its stages) of one object type."""
    return f"/crm/v3/pipelines/{_segment(object_type)}"


def pipeline_audit(object_type: str, pipeline_id: str) -> str:
    """The audit log of one pipeline (every mutation, newest first)."""
    return f"/crm/v3/pipelines/{_segment(object_type)}/{_segment(pipeline_id)}/audit"


def list_memberships_by_join_order(list_id: str) -> str:
    """A list's members, oldest membership first, with their membership timestamps."""
    return f"/crm/v3/lists/{_segment(list_id)}/memberships/join-order"
