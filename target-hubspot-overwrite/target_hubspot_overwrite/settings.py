"""The target's settings: the JSON schema it declares, and their typed values for a run."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from singer_sdk import typing as th

from target_hubspot_overwrite.naming import pg_identifier

DEFAULT_SCHEMA = "public"


class LoadMethod(enum.StrEnum):
    """How records reach their table."""

    UPSERT = "upsert"
    APPEND_ONLY = "append-only"


class OnInvalid(enum.StrEnum):
    """What an invalid record or line does."""

    FAIL = "fail"
    REJECT = "reject"


# PostgreSQL session timeouts offered as settings (<name>_seconds), and when each one fires.
TIMEOUTS = {
    "lock_timeout": "after waiting this long for a lock: another run loading the same table, "
    "or a long query blocking a schema change",
    "statement_timeout": "when one statement (COPY, upsert, reconciliation) runs longer than this",
}

CONFIG = th.PropertiesList(
    th.Property(
        "sqlalchemy_url",
        th.StringType,
        secret=True,
        description="SQLAlchemy or libpq URL "
        "(postgresql[+psycopg]://user:pw@host:port/db). "
        "Overrides host/port/user/password/database.",
    ),
    th.Property("host", th.StringType, description="PostgreSQL host."),
    th.Property("port", th.IntegerType, default=5432, description="PostgreSQL port."),
    th.Property("user", th.StringType, description="PostgreSQL user."),
    th.Property("password", th.StringType, secret=True, description="PostgreSQL password."),
    th.Property("database", th.StringType, description="PostgreSQL database name."),
    th.Property(
        "ssl_mode",
        th.StringType,
        allowed_values=["disable", "allow", "prefer", "require", "verify-ca", "verify-full"],
        description="libpq sslmode.",
    ),
    th.Property(
        "ssl_root_cert", th.StringType, description="Path to the CA certificate (sslrootcert)."
    ),
    th.Property("ssl_cert", th.StringType, description="Path to the client certificate (sslcert)."),
    th.Property("ssl_key", th.StringType, description="Path to the client private key (sslkey)."),
    th.Property(
        "default_target_schema",
        th.StringType,
        default=DEFAULT_SCHEMA,
        description="Schema that receives one table per stream (created if missing).",
    ),
    th.Property(
        "load_method",
        th.StringType,
        default=LoadMethod.UPSERT.value,
        allowed_values=[m.value for m in LoadMethod],
        description="upsert: insert or update by key (a record updates only the fields it "
        "carries; unchanged rows are not rewritten). append-only: insert every record.",
    ),
    th.Property(
        "force_overwrite",
        th.BooleanType,
        default=False,
        description="Replace whole rows: fields absent from a record become NULL (also "
        "table columns outside the current schema, except _sdc_*).",
    ),
    th.Property(
        "dry_run",
        th.BooleanType,
        default=False,
        description="Compute everything in a transaction that is rolled back; report what "
        "would change; emit no STATE.",
    ),
    th.Property(
        "batch_size_rows",
        th.IntegerType,
        default=10000,
        description="Records per batch; each batch is one transaction.",
    ),
    th.Property(
        "hard_delete",
        th.BooleanType,
        default=False,
        description="Delete rows instead of setting _sdc_deleted_at: rows missing from a "
        "full refresh (ACTIVATE_VERSION), association rows a parent's complete re-read no "
        "longer has, merged-away and deleted records.",
    ),
    *(
        th.Property(
            f"{name}_seconds",
            th.IntegerType(minimum=0),
            default=0,
            description=f"Fail the run (its open batch rolled back) {when}. 0: no limit.",
        )
        for name, when in TIMEOUTS.items()
    ),
    th.Property(
        "on_invalid_record",
        th.StringType,
        default=OnInvalid.FAIL.value,
        allowed_values=[m.value for m in OnInvalid],
        description="fail: stop on an invalid record or line. reject: store it in "
        "_rejected_records (stream, reason, record, received_at) and continue.",
    ),
).to_dict()


@dataclass(frozen=True)
class LoadSettings:
    """The settings a run's load acts on, typed."""

    target_schema: str
    load_method: LoadMethod
    force_overwrite: bool
    dry_run: bool
    hard_delete: bool
    reject_invalid: bool
    timeouts: dict[str, int]  # PostgreSQL setting -> seconds (> 0 only)

    @property
    def upsert(self) -> bool:
        """load_method is upsert."""
        return self.load_method is LoadMethod.UPSERT

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> LoadSettings:
        """Typed values of the plugin's config (defaults applied)."""
        timeouts = {
            name: int(config.get(f"{name}_seconds") or 0)
            for name in TIMEOUTS
            if int(config.get(f"{name}_seconds") or 0) > 0
        }
        return cls(
            target_schema=pg_identifier(str(config.get("default_target_schema") or DEFAULT_SCHEMA)),
            load_method=LoadMethod(config.get("load_method") or LoadMethod.UPSERT.value),
            force_overwrite=bool(config.get("force_overwrite")),
            dry_run=bool(config.get("dry_run")),
            hard_delete=bool(config.get("hard_delete")),
            reject_invalid=config.get("on_invalid_record") == OnInvalid.REJECT.value,
            timeouts=timeouts,
        )
