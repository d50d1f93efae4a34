"""The target's one error boundary: a failure the user can act on ends the run with one line.

Database unreachable or refusing, and bad input (malformed lines, invalid records, records
before their schema, clashing names) end the command-line run with exit code 1 and one ERROR
line saying what happened and what to do; the traceback is logged only at DEBUG level.
Anything else is a bug and keeps the SDK's error report with its traceback.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Callable

from singer_sdk.exceptions import (
    InvalidInputLine,
    InvalidRecord,
    MissingKeyPropertiesError,
    RecordsWithoutSchemaException,
)

from target_hubspot_overwrite.connector import DatabaseUnreachable, redact
from target_hubspot_overwrite.naming import IdentifierClashError
from target_hubspot_overwrite.session import DatabaseError

EXIT_CODE = 1
BAD_INPUT_HINT = (
    "fix the tap's output, or set on_invalid_record: reject to keep such records in "
    "_rejected_records and load the rest"
)
# (text in PostgreSQL's message, what to do); the first match wins.
_DATABASE_HINTS = (
    ("permission denied", "grant the target's database user the privileges it lacks"),
    (
        "lock timeout",
        "another run or a long query holds the table: retry later or raise lock_timeout_seconds",
    ),
    ("statement timeout", "raise statement_timeout_seconds or lower batch_size_rows"),
    ("no space left", "free disk space on the PostgreSQL server"),
    ("terminat", "the server ended the connection: check the server and re-run"),
    ("connection", "the connection to PostgreSQL was lost: check the server and re-run"),
)
_DATABASE_DEFAULT = "fix the database problem and re-run"
_ROLLED_BACK = "(batches committed before stay; a re-run converges)"


def one_line(text: str) -> str:
    """``text`` on one line, secrets redacted."""
    return re.sub(r"\s+", " ", redact(text)).strip()


def describe(exc: BaseException) -> str | None:
    """The one line for a failure the user can act on; None for anything else (a bug)."""
    if isinstance(exc, DatabaseUnreachable):
        return one_line(str(exc))
    if isinstance(exc, DatabaseError):
        text = str(exc)
        lowered = text.lower()
        hint = next((h for k, h in _DATABASE_HINTS if k in lowered), _DATABASE_DEFAULT)
        return one_line(f"{text}: {hint} {_ROLLED_BACK}")
    bad_input = (
        InvalidInputLine,
        InvalidRecord,
        MissingKeyPropertiesError,
        RecordsWithoutSchemaException,
        IdentifierClashError,
    )
    if isinstance(exc, bad_input):
        return one_line(f"Bad input: {exc}: {BAD_INPUT_HINT}")
    return None


def run_or_exit(run: Callable[[], None], logger: logging.Logger) -> None:
    """Run the target; on a failure the user can act on, log one line and exit non-zero."""
    try:
        run()
    except Exception as exc:
        line = describe(exc)
        if line is None:
            raise
        logger.error("%s", line)
        logger.debug("Traceback of the failure above:", exc_info=exc)
        sys.exit(EXIT_CODE)
