"""Property definitions as the properties API serves them: the catalogue plus what real portals
show (options HubSpot no longer lists though records carry them, hidden options, archived
properties, groups), the pipeline properties' options from the live pipelines, and admin changes.
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from .catalog import properties_for
from .catalog.refids import PIPELINE_SEEDS
from .pipelines import PipelineBook
from .util import iso

# Options removed from a definition after records used them: records keep the value.
REMOVED_OPTIONS: dict[tuple[str, str], tuple[str, ...]] = {
    ("contacts", "lifecyclestage"): ("evangelist",),
    ("meetings", "hs_activity_type"): ("Follow-up",),
    ("deals", "deal_tags"): ("partner",),
}
HIDDEN_OPTIONS: dict[tuple[str, str], tuple[str, ...]] = {
    ("contacts", "lifecyclestage"): ("other",),
    ("tickets", "source_type"): ("PHONE",),
}
OPTION_DESCRIPTIONS: dict[tuple[str, str], dict[str, str]] = {
    ("contacts", "lifecyclestage"): {
        "subscriber": "Opted in to hear more from us.",
        "lead": "Has shown interest beyond subscribing.",
        "customer": "Has at least one closed-won deal.",
    },
}
ARCHIVED_AT = "2023-02-10T09:15:00.000Z"
# Properties deleted (archived) in the portal: listed only with archived=true.
ARCHIVED_PROPERTIES: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    # type: (name, label, type, group)
    "contacts": (
        ("legacy_lead_source", "Lead source (legacy CRM)", "enumeration", "contactinformation"),
        ("fax_number", "Fax number", "string", "contactinformation"),
    ),
    "deals": (("legacy_deal_type", "Deal type (2019)", "enumeration", "dealinformation"),),
    "meetings": (("meeting_room", "Meeting room", "string", "meeting"),),
    "tickets": (("sla_tier_old", "SLA tier (old)", "enumeration", "ticketinformation"),),
}
# (pipeline property, stage property) of the types whose records carry their pipeline.
PIPELINE_PROPS: dict[str, tuple[str, str]] = {
    "deals": ("pipeline", "dealstage"),
    "tickets": ("hs_pipeline", "hs_pipeline_stage"),
    "leads": ("hs_pipeline", "hs_pipeline_stage"),
    "services": ("hs_pipeline", "hs_pipeline_stage"),
    "courses": ("hs_pipeline", "hs_pipeline_stage"),
    "listings": ("hs_pipeline", "hs_pipeline_stage"),
    "pets": ("hs_pipeline", "hs_pipeline_stage"),
}


class PropertyError(ValueError):
    """A bad admin change of a property definition."""


def _group_label(name: str) -> str:
    return name.replace("_", " ").replace("information", " information").strip().title()


class PropertyBook:
    """Per type (built on first use): live definitions, archived ones, groups."""

    def __init__(self, wide_properties: int, pipelines: PipelineBook) -> None:
        self.wide = wide_properties
        self.pipelines = pipelines
        self._live: dict[str, dict[str, dict[str, Any]]] = {}
        self._archived: dict[str, dict[str, dict[str, Any]]] = {}

    # ------------------------------------------------------------------ building
    def _ensure(self, type_name: str) -> None:
        if type_name in self._live:
            return
        live: dict[str, dict[str, Any]] = {}
        for order, spec in enumerate(properties_for(type_name, self.wide)):
            out = spec.to_api(order)
            key = (type_name, spec.name)
            removed = REMOVED_OPTIONS.get(key, ())
            hidden = HIDDEN_OPTIONS.get(key, ())
            notes = OPTION_DESCRIPTIONS.get(key, {})
            options = [o for o in out["options"] if o["value"] not in removed]
            for i, o in enumerate(options):
                o["displayOrder"] = i
                o["hidden"] = o["value"] in hidden
                if o["value"] in notes:
                    o["description"] = notes[o["value"]]
            out["options"] = options
            live[spec.name] = out
        archived = {}
        for name, label, ptype, group in ARCHIVED_PROPERTIES.get(type_name, ()):
            archived[name] = self._custom(name, label, ptype, group, ARCHIVED_AT) | {
                "archived": True,
                "archivedAt": ARCHIVED_AT,
            }
        self._live[type_name] = live
        self._archived[type_name] = archived

    @staticmethod
    def _custom(name: str, label: str, ptype: str, group: str, at: str) -> dict[str, Any]:
        field_type = {"enumeration": "select", "number": "number", "bool": "booleancheckbox"}
        return {
            "updatedAt": at,
            "createdAt": "2019-05-02T11:00:00.000Z",
            "name": name,
            "label": label,
            "type": ptype,
            "fieldType": field_type.get(ptype, "text"),
            "description": "",
            "groupName": group,
            "options": [],
            "displayOrder": 0,
            "calculated": False,
            "externalOptions": False,
            "hasUniqueValue": False,
            "hidden": False,
            "formField": False,
            "modificationMetadata": {
                "archivable": True,
                "readOnlyDefinition": False,
                "readOnlyValue": False,
            },
            "archived": False,
            "createdUserId": "9586504",
            "updatedUserId": "9586504",
        }

    def _pipeline_options(self, type_name: str, out: dict[str, Any]) -> dict[str, Any]:
        """Options of a pipeline / stage property from the live (not archived) pipelines."""
        props = PIPELINE_PROPS.get(type_name)
        if props is None or out["name"] not in props or type_name not in PIPELINE_SEEDS:
            return out
        live = [p for p in self.pipelines.pipelines(type_name) if p.archived_ms is None]
        if out["name"] == props[0]:
            pairs = [(p.label, p.pipeline_id) for p in live]
        else:
            pairs = [(s.label, s.stage_id) for p in live for s in p.stages]
        out = dict(out)
        out["options"] = [
            {"label": label, "value": value, "displayOrder": i, "hidden": False}
            for i, (label, value) in enumerate(pairs)
        ]
        return out

    # ------------------------------------------------------------------ reads
    def listing(self, type_name: str, archived: bool) -> list[dict[str, Any]]:
        """Live definitions (or, with ``archived``, only archived ones)."""
        self._ensure(type_name)
        if archived:
            return list(self._archived[type_name].values())
        return [self._pipeline_options(type_name, p) for p in self._live[type_name].values()]

    def get(self, type_name: str, name: str, archived: bool) -> dict[str, Any] | None:
        """One definition by name."""
        self._ensure(type_name)
        if archived:
            return self._archived[type_name].get(name)
        found = self._live[type_name].get(name)
        return None if found is None else self._pipeline_options(type_name, found)

    def groups(self, type_name: str) -> list[dict[str, Any]]:
        """``PropertyGroup``s of the type's live properties, in order of first use."""
        self._ensure(type_name)
        names = dict.fromkeys(p["groupName"] for p in self._live[type_name].values())
        return [
            {"name": n, "label": _group_label(n), "displayOrder": i, "archived": False}
            for i, n in enumerate(names)
        ]

    def dump(self, type_names: list[str]) -> dict[str, Any]:
        """Ground truth per type: live and archived definitions, options included."""
        return {
            t: {"properties": self.listing(t, False), "archived": self.listing(t, True)}
            for t in type_names
        }

    # ------------------------------------------------------------------ admin changes
    def _prop(self, type_name: str, name: str) -> dict[str, Any]:
        self._ensure(type_name)
        found = self._live[type_name].get(name)
        if found is None:
            raise PropertyError(f"unknown property {type_name}.{name}")
        return found

    def _touch(self, prop: dict[str, Any], now: int) -> None:
        prop["updatedAt"] = iso(now)

    def add_option(self, type_name: str, name: str, option: dict[str, Any], now: int) -> None:
        """``{label, value, description?, hidden?}`` appended to an enumeration."""
        prop = self._prop(type_name, name)
        if prop["type"] != "enumeration" or prop.get("externalOptions"):
            raise PropertyError(f"{name} has no options of its own")
        value = str(option["value"])
        if any(o["value"] == value for o in prop["options"]):
            raise PropertyError(f"option {value} exists")
        new = {
            "label": str(option["label"]),
            "value": value,
            "displayOrder": len(prop["options"]),
            "hidden": bool(option.get("hidden", False)),
        }
        if option.get("description") is not None:
            new["description"] = str(option["description"])
        prop["options"].append(new)
        self._touch(prop, now)

    def remove_option(self, type_name: str, name: str, value: str, now: int) -> None:
        """Drop an option (records keep carrying its value)."""
        prop = self._prop(type_name, name)
        kept = [o for o in prop["options"] if o["value"] != value]
        if len(kept) == len(prop["options"]):
            raise PropertyError(f"unknown option {value} of {name}")
        for i, o in enumerate(kept):
            o["displayOrder"] = i
        prop["options"] = kept
        self._touch(prop, now)

    def update_option(
        self, type_name: str, name: str, value: str, body: dict[str, Any], now: int
    ) -> None:
        """``{label?, hidden?, description?}`` of one option."""
        prop = self._prop(type_name, name)
        option = next((o for o in prop["options"] if o["value"] == value), None)
        if option is None:
            raise PropertyError(f"unknown option {value} of {name}")
        for key in ("label", "hidden", "description"):
            if key in body:
                option[key] = body[key]
        self._touch(prop, now)

    def archive(self, type_name: str, name: str, now: int) -> dict[str, Any]:
        """Archive (delete) a property: listed only with ``archived=true`` from now on."""
        prop = self._prop(type_name, name)
        if not prop["modificationMetadata"]["archivable"]:
            raise PropertyError(f"{name} is a HubSpot property and cannot be archived")
        del self._live[type_name][name]
        out = deepcopy(prop) | {"archived": True, "archivedAt": iso(now), "updatedAt": iso(now)}
        self._archived[type_name][name] = out
        return out

    def restore(self, type_name: str, name: str, now: int) -> None:
        """Bring an archived property back (HubSpot restores within 90 days)."""
        self._ensure(type_name)
        prop = self._archived[type_name].pop(name, None)
        if prop is None:
            raise PropertyError(f"no archived property {type_name}.{name}")
        prop.pop("archivedAt", None)
        self._live[type_name][name] = prop | {"archived": False, "updatedAt": iso(now)}
