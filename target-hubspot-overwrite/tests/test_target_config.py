"""Settings: --about documents every setting, field-based connection, redaction, naming."""

from __future__ import annotations

import json
import subprocess
from urllib.parse import parse_qs, urlsplit

from target_helpers import BIN, lines, rec, run_target, schema_msg
from target_hubspot_overwrite.connector import (
    HubspotOverwriteConnector,
    conninfo_from_config,
    redact,
)
from target_hubspot_overwrite.naming import pg_identifier

SETTINGS = {
    "sqlalchemy_url",
    "host",
    "port",
    "user",
    "password",
    "database",
    "ssl_mode",
    "ssl_root_cert",
    "ssl_cert",
    "ssl_key",
    "default_target_schema",
    "load_method",
    "force_overwrite",
    "dry_run",
    "batch_size_rows",
    "hard_delete",
    "on_invalid_record",
    "lock_timeout_seconds",
    "statement_timeout_seconds",
}


def test_about_documents_settings():
    out = subprocess.run(
        [str(BIN), "--about", "--format", "json"], capture_output=True, text=True, check=True
    ).stdout
    props = json.loads(out)["settings"]["properties"]
    assert set(props) >= SETTINGS
    assert all(props[name].get("description") for name in SETTINGS)
    assert props["password"].get("secret")
    assert props["sqlalchemy_url"].get("secret")
    for ignored in ("add_record_metadata", "validate_records", "process_activate_version_messages"):
        assert ignored not in props


def test_connection_fields_and_ssl(database, pg_schema, db):
    url = urlsplit(database.url)
    # An embedded server is reached through a socket directory given as ?host=...
    socket_dir = parse_qs(url.query).get("host", [None])[0]
    config = {
        "host": url.hostname or socket_dir,
        "port": url.port or 5432,
        "user": url.username,
        "database": url.path.lstrip("/"),
        "ssl_mode": "prefer",
        "default_target_schema": pg_schema,
    }
    if url.password:
        config["password"] = url.password
    run_target(
        config, lines(schema_msg("t", {"id": {"type": "string"}}, ["id"]), rec("t", {"id": "1"}))
    )
    assert db.rows("SELECT id FROM {s}.t") == [("1",)]


def test_conninfo_and_redaction():
    info = conninfo_from_config(
        {
            "sqlalchemy_url": "postgresql+psycopg://u:p%40ss@h:6543/d",
            "ssl_mode": "require",
            "ssl_root_cert": "/ca.pem",
        }
    )
    assert "sslmode=require" in info
    assert "sslrootcert=/ca.pem" in info
    assert "p@ss" in info
    assert "p@ss" not in redact(info)
    assert "password=***" in redact(info)
    assert redact("postgresql://u:secret@h/d") == "postgresql://u:***@h/d"
    sa_url = HubspotOverwriteConnector(
        config={"host": "h", "user": "u", "password": "a/b@c", "database": "d"}
    ).sqlalchemy_url
    assert sa_url.startswith("postgresql+psycopg://u:a%2Fb%40c@h/d?")


def test_pg_identifier_rules():
    assert pg_identifier("Plain Name") == "Plain Name"
    long = "é" * 40  # 80 bytes
    short = pg_identifier(long)
    assert len(short.encode()) <= 63
    assert short == pg_identifier(long)
    assert pg_identifier(long + "x") != short
    assert pg_identifier("a\x00b") == "ab"
