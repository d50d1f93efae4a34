"""Fixtures for the target tests (helpers live in target_helpers.py)."""

from __future__ import annotations

import pytest
from target_helpers import DB


@pytest.fixture
def db(database, pg_schema) -> DB:
    return DB(database.url, pg_schema)


@pytest.fixture
def config(database, pg_schema) -> dict:
    return {"sqlalchemy_url": database.sqlalchemy_url, "default_target_schema": pg_schema}
