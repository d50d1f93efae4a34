"""Pytest fixtures for a real PostgreSQL (registered through the ``pytest11`` entry point).

- ``database``: the session's :class:`~pipeline_devtools.postgres.Database`.
- ``pg_schema``: a fresh schema in it, dropped after the test.
- ``pg_database_url``: a fresh database (libpq URL), dropped after the test.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pipeline_devtools.postgres import Database, find_database, scratch_database, scratch_schema


@pytest.fixture(scope="session")
def database() -> Database:
    """The PostgreSQL every test talks to (never a mock)."""
    return find_database()


@pytest.fixture
def pg_schema(database: Database) -> Iterator[str]:
    """A uniquely named, empty schema."""
    with scratch_schema(database) as name:
        yield name


@pytest.fixture
def pg_database_url(database: Database) -> Iterator[str]:
    """A uniquely named, empty database, as a libpq URL."""
    with scratch_database(database) as url:
        yield url
