"""Connection handling: config → libpq conninfo / SQLAlchemy URL, password redaction."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, urlencode

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from singer_sdk.sql import SQLConnector

_SSL_KEYS = {
    "ssl_mode": "sslmode",
    "ssl_root_cert": "sslrootcert",
    "ssl_cert": "sslcert",
    "ssl_key": "sslkey",
}
_URL_PASSWORD = re.compile(r"(://[^:/@\s]*:)[^@\s]*@")
_KV_PASSWORD = re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)


def redact(text: str) -> str:
    """Remove passwords from URLs and key=value conninfo strings inside ``text``."""
    return _KV_PASSWORD.sub(r"\1***", _URL_PASSWORD.sub(r"\1***@", text))


def conninfo_from_config(config: dict[str, Any]) -> str:
    """Build a libpq conninfo string from the target settings."""
    params: dict[str, Any] = {}
    url = config.get("sqlalchemy_url")
    if url:
        url = re.sub(r"^postgres(ql)?\+\w+://", "postgresql://", url)
        params.update(conninfo_to_dict(url))
    else:
        for key in ("host", "port", "user", "password"):
            if config.get(key) not in (None, ""):
                params[key] = config[key]
        if config.get("database"):
            params["dbname"] = config["database"]
    for setting, libpq in _SSL_KEYS.items():
        if config.get(setting):
            params[libpq] = config[setting]
    params.setdefault("application_name", "target-hubspot-overwrite")
    return make_conninfo(**params)


class DatabaseUnreachable(ConnectionError):  # noqa: N818
    """PostgreSQL cannot be reached or refuses the login (message: one line, what to do)."""


# (text in libpq's message, what to check); the first match wins.
_CONNECT_HINTS = (
    ("password", "check user and password (or sqlalchemy_url)"),
    ("authentication", "check user and password (or sqlalchemy_url)"),
    ("does not exist", "check the database name and user (sqlalchemy_url or database/user)"),
    ("ssl", "check the ssl_* settings"),
)
_CONNECT_DEFAULT = "is it running? check sqlalchemy_url or the host/port settings"


def _reason(message: str) -> str:
    """libpq's reason, e.g. ``connection refused``, from its (multi-line) message: a leading
    capital of a sentence is lowered, a capitalised word (``FATAL:``) is kept."""
    first = message.strip().splitlines()[0] if message.strip() else "unknown error"
    reason = first.rsplit("failed: ", 1)[-1].strip()
    if reason[1:2].isupper():
        return reason
    return reason[:1].lower() + reason[1:]


def connect(config: dict[str, Any]) -> psycopg.Connection:
    """Open an autocommit psycopg connection; errors never reveal the password."""
    conninfo = conninfo_from_config(config)
    try:
        return psycopg.connect(conninfo, autocommit=True)
    except psycopg.Error as exc:
        params = conninfo_to_dict(conninfo)
        where = f"{params.get('host') or 'localhost'}:{params.get('port') or 5432}"
        reason = redact(_reason(str(exc)))
        hint = next((h for k, h in _CONNECT_HINTS if k in reason.lower()), _CONNECT_DEFAULT)
        msg = f"Cannot connect to PostgreSQL at {where} ({reason}): {hint}"
        raise DatabaseUnreachable(msg) from None


class HubspotOverwriteConnector(SQLConnector):
    """SQLAlchemy connector (the SDK's SQLSink requires one; the load path uses psycopg)."""

    def get_sqlalchemy_url(self, config: dict[str, Any]) -> str:
        """Return a psycopg3 SQLAlchemy URL built from the settings."""
        params = {k: str(v) for k, v in conninfo_to_dict(conninfo_from_config(config)).items()}
        auth = quote(params.pop("user", ""), safe="")
        password = params.pop("password", "")
        if password:
            auth += ":" + quote(password, safe="")
        host = params.pop("host", "")
        port = params.pop("port", "")
        dbname = quote(params.pop("dbname", ""), safe="")
        netloc = f"{auth}@{host}" if auth else host
        if port:
            netloc += f":{port}"
        return f"postgresql+psycopg://{netloc}/{dbname}?{urlencode(params)}"
