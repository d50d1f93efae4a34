"""Generate the Singer input of the target benchmark (deterministic, written with orjson).

* ``contacts``: contact-like records, 26 columns (id, 4 record fields, an integer, a number,
  19 strings of varied length), key ``id``;
* ``meetings_to_contacts_associations``: association records shaped as in docs/DESIGN.md,
  key (``from_object_id``, ``to_object_id``, ``association_type_id``), 1-12 contacts per
  meeting, every 8th link also carrying the "Organizer" label.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import orjson

CONTACTS = "contacts"
ASSOCIATIONS = "meetings_to_contacts_associations"
STRING_COLUMNS = 19

_NULLABLE_DT = {"type": ["string", "null"], "format": "date-time"}


def contact_schema() -> dict[str, Any]:
    """SCHEMA message of the contacts stream (26 properties)."""
    props: dict[str, Any] = {
        "id": {"type": "string"},
        "created_at": _NULLABLE_DT,
        "updated_at": _NULLABLE_DT,
        "archived": {"type": ["boolean", "null"]},
        "archived_at": _NULLABLE_DT,
        "num_visits": {"type": ["integer", "null"]},
        "score": {"type": ["number", "null"]},
    }
    for i in range(STRING_COLUMNS):
        props[f"prop_{i:02d}"] = {"type": ["string", "null"]}
    return {
        "type": "SCHEMA",
        "stream": CONTACTS,
        "key_properties": ["id"],
        "schema": {"type": "object", "properties": props},
    }


def association_schema() -> dict[str, Any]:
    """SCHEMA message of the association stream (composite key)."""
    text = {"type": "string"}
    props = {
        "from_object_type": text,
        "from_object_id": text,
        "to_object_type": text,
        "to_object_id": text,
        "association_type_id": {"type": "integer"},
        "association_category": text,
        "association_label": {"type": ["string", "null"]},
    }
    return {
        "type": "SCHEMA",
        "stream": ASSOCIATIONS,
        "key_properties": ["from_object_id", "to_object_id", "association_type_id"],
        "schema": {"type": "object", "properties": props},
    }


def write_contacts(path: Path, rows: int, seed: int = 7, *, full_refresh: bool = False) -> int:
    """Write SCHEMA + ``rows`` contact RECORDs + STATE; return the record count.

    ``full_refresh`` brackets the records with ACTIVATE_VERSION (as the tap's full reads do),
    so a target reconciles the table when the stream completes.
    """
    rnd = random.Random(seed)
    activate = orjson.dumps({"type": "ACTIVATE_VERSION", "stream": CONTACTS, "version": 1}) + b"\n"
    with path.open("wb") as fh:
        fh.write(orjson.dumps(contact_schema()) + b"\n")
        if full_refresh:
            fh.write(activate)
        for n in range(rows):
            rec: dict[str, Any] = {
                "id": str(n + 1),
                "created_at": "2024-01-02T03:04:05.678Z",
                "updated_at": f"2025-0{1 + n % 9}-1{n % 10}T10:00:00.000Z",
                "archived": False,
                "archived_at": None,
                "num_visits": rnd.randint(0, 500),
                "score": round(rnd.random() * 100, 3),
            }
            for i in range(STRING_COLUMNS):
                rec[f"prop_{i:02d}"] = f"value {i} for contact {n} " + "x" * (n % 13)
            fh.write(orjson.dumps({"type": "RECORD", "stream": CONTACTS, "record": rec}))
            fh.write(b"\n")
        if full_refresh:
            fh.write(activate)
        fh.write(orjson.dumps({"type": "STATE", "value": {"bookmarks": {CONTACTS: rows}}}))
        fh.write(b"\n")
    return rows


def write_associations(path: Path, rows: int) -> int:
    """Write SCHEMA + exactly ``rows`` association RECORDs + STATE; return the count."""
    written = 0
    meeting = 0
    with path.open("wb") as fh:
        fh.write(orjson.dumps(association_schema()) + b"\n")
        while written < rows:
            from_id = str(30_000_001 + meeting)
            for j in range(1 + (meeting * 7) % 12):
                to_id = str(1001 + (meeting * 37 + j * 101) % 1_000_000)
                types: list[tuple[int, str, str | None]] = [(200, "HUBSPOT_DEFINED", None)]
                if (meeting + j) % 8 == 0:
                    types.append((1002, "USER_DEFINED", "Organizer"))
                for type_id, category, label in types:
                    if written == rows:
                        break
                    rec = {
                        "from_object_type": "meetings",
                        "from_object_id": from_id,
                        "to_object_type": "contacts",
                        "to_object_id": to_id,
                        "association_type_id": type_id,
                        "association_category": category,
                        "association_label": label,
                    }
                    fh.write(
                        orjson.dumps({"type": "RECORD", "stream": ASSOCIATIONS, "record": rec})
                    )
                    fh.write(b"\n")
                    written += 1
            meeting += 1
        fh.write(orjson.dumps({"type": "STATE", "value": {"bookmarks": {ASSOCIATIONS: rows}}}))
        fh.write(b"\n")
    return written
