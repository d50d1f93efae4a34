"""singer-sdk standard target tests against a real PostgreSQL schema."""

from __future__ import annotations

import psycopg
import pytest
from pipeline_devtools.postgres import find_database
from singer_sdk.testing import get_target_test_class
from target_hubspot_overwrite.target import TargetHubspotOverwrite

_DB = find_database()
SCHEMA = "target_sdk_standard_tests"

StandardTests = get_target_test_class(
    TargetHubspotOverwrite,
    config={"sqlalchemy_url": _DB.sqlalchemy_url, "default_target_schema": SCHEMA},
)


def _drop() -> None:
    with psycopg.connect(_DB.url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE')


class TestTargetHubspotOverwrite(StandardTests):  # type: ignore[misc, valid-type]
    """The standard suite."""

    @pytest.fixture(scope="class")
    def resource(self):
        _drop()
        yield SCHEMA
        _drop()
