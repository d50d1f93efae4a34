"""Debug logging of SQL steps: at DEBUG level, one line per step, ``SQL <step> ...``.

Step names used: ``create schema``, ``create table``, ``add column``, ``widen``,
``replace primary key``, ``lock``, ``copy``, ``upsert into``, ``append into``,
``reconcile``, ``delete vanished``, ``flag vanished``, ``delete unmirrored``,
``flag unmirrored``, ``flag removed``, ``delete removed``, ``restore``, ``reject``, ``commit``.
Values are never logged (only names and counts), so no secret or record data appears.
"""

from __future__ import annotations

import logging

from psycopg import sql as q

LOGGER = logging.getLogger("target-hubspot-overwrite")


def log_sql(step: str, *args: object) -> None:
    """Log one SQL step at DEBUG: ``step`` is a %-format (first word(s): the step name);
    ``args`` that are SQL compositions (e.g. a qualified table name) are shown as SQL."""
    if LOGGER.isEnabledFor(logging.DEBUG):
        shown = [a.as_string(None) if isinstance(a, q.Composable) else a for a in args]
        LOGGER.debug("SQL " + step, *shown)
