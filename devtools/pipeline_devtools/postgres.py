"""Find a PostgreSQL to use, or start an embedded one.

Resolution order, the same for tests, the demo and the benchmarks:

1. ``PIPELINE_DATABASE_URL`` (a ``postgresql://`` URL), when set;
2. ``postgresql://postgres@127.0.0.1:5432/postgres`` when a server answers there;
3. an embedded server from the ``pgserver`` package (PostgreSQL binaries shipped on PyPI),
   kept in ``$PIPELINE_PGDATA`` or ``<tmp>/hubspot-pipeline-pg-<hash of the project path>``.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

DATABASE_URL_ENV = "PIPELINE_DATABASE_URL"
PGDATA_ENV = "PIPELINE_PGDATA"
LOCAL_SERVER_URL = "postgresql://postgres@127.0.0.1:5432/postgres"

_embedded_server = None  # keeps the pgserver handle alive for the life of the process


@dataclass(frozen=True)
class Database:
    """A reachable PostgreSQL database and where it came from."""

    url: str  # libpq-style ``postgresql://`` URL
    origin: str  # "environment", "local server" or "embedded"

    @property
    def sqlalchemy_url(self) -> str:
        """The same URL for SQLAlchemy with the psycopg 3 driver."""
        return to_sqlalchemy_url(self.url)


def to_sqlalchemy_url(url: str) -> str:
    """Rewrite a ``postgresql://`` URL to name the psycopg 3 driver."""
    scheme, rest = url.split("://", 1)
    if "+" in scheme:
        return url
    return f"postgresql+psycopg://{rest}"


def redact_url(url: str) -> str:
    """The URL with any password replaced by ``***`` (for logs)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


def _answers(url: str) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
        return True
    except psycopg.Error:
        return False


def _embedded_data_dir() -> Path:
    configured = os.environ.get(PGDATA_ENV)
    if configured:
        return Path(configured)
    project = str(Path(__file__).resolve().parents[2])
    digest = hashlib.sha1(project.encode()).hexdigest()[:10]
    # Short path on purpose: the server's Unix socket lives in this folder (107-byte limit).
    return Path(tempfile.gettempdir()) / f"hubspot-pipeline-pg-{digest}"


def start_embedded() -> Database:
    """Start (or reuse) the embedded pgserver PostgreSQL and return its database."""
    global _embedded_server
    import pgserver  # imported lazily: only needed where no server is running

    data_dir = _embedded_data_dir()
    data_dir.mkdir(parents=True, exist_ok=True)
    _embedded_server = pgserver.get_server(str(data_dir), cleanup_mode=None)
    return Database(url=_embedded_server.get_uri(), origin="embedded")


def find_database() -> Database:
    """Return the database to use, starting an embedded one if nothing else answers."""
    configured = os.environ.get(DATABASE_URL_ENV)
    if configured:
        if not _answers(configured):
            raise RuntimeError(
                f"{DATABASE_URL_ENV} is set but the database does not answer: "
                f"{redact_url(configured)}"
            )
        return Database(url=configured, origin="environment")
    if _answers(LOCAL_SERVER_URL):
        return Database(url=LOCAL_SERVER_URL, origin="local server")
    return start_embedded()


def with_database_name(url: str, dbname: str) -> str:
    """The same server URL pointing at another database."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{dbname}"))


@contextmanager
def scratch_schema(database: Database, prefix: str = "t") -> Iterator[str]:
    """Create a uniquely named schema, yield its name, and drop it afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(database.url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))
    try:
        yield name
    finally:
        with psycopg.connect(database.url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(name)))


@contextmanager
def scratch_database(database: Database, prefix: str = "t") -> Iterator[str]:
    """Create a uniquely named database, yield its URL, and drop it afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(database.url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield with_database_name(database.url, name)
    finally:
        with psycopg.connect(database.url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
