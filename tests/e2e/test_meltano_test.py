"""`meltano test` runs both plugins' connection tests."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def test_meltano_test_checks_hubspot_and_postgres(meltano_project):
    result = meltano_project.run("test", "--all")
    assert "tap-hubspot-assoc:test" in result.stdout + result.stderr
    assert "2 test(s) successful" in result.stdout + result.stderr


def test_meltano_test_fails_clearly_when_the_database_is_unreachable(meltano_project):
    meltano_project.env["PIPELINE_SQLALCHEMY_URL"] = "postgresql+psycopg://nobody@127.0.0.1:1/x"
    result = meltano_project.run("test", "target-hubspot-overwrite", expect_success=False)
    assert result.returncode != 0
    assert "Cannot connect to PostgreSQL" in result.stdout + result.stderr


def test_meltano_test_fails_clearly_on_a_wrong_token(meltano_project):
    meltano_project.env["HUBSPOT_ACCESS_TOKEN"] = "pat-na1-wrong-token"
    result = meltano_project.run("test", "tap-hubspot-assoc", expect_success=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    # The tap's own line (meltano repeats it, wrapped, in its summary): HubSpot's 401 and what
    # to set instead.
    refused = [line for line in output.splitlines() if "tap-hubspot-assoc HubSpot refused" in line]
    assert len(refused) == 1, output[-3000:]
    assert "HubSpot refused the credentials: HTTP 401 INVALID_AUTHENTICATION" in refused[0]
    assert "the token is invalid or expired; set access_token (Meltano: HUBSPOT_" in refused[0]
    assert "pat-na1-wrong-token" not in output
