"""`make demo`: one real sync into a real PostgreSQL, then a look at what was loaded.

Without ``HUBSPOT_ACCESS_TOKEN`` the demo starts the HubSpot simulator and uses the ``dev``
environment; with it, the ``prod`` environment runs against the real HubSpot API.
The database comes from :func:`pipeline_devtools.postgres.find_database`.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
from psycopg import sql

from pipeline_devtools.postgres import find_database, redact_url, to_sqlalchemy_url

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TARGET_SCHEMA = "hubspot"
ATTENDEES_QUERY = PROJECT_ROOT / "docs" / "queries" / "meeting_attendees.sql"


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=2000, help="simulated contacts")
    parser.add_argument("--meetings", type=int, default=400, help="simulated meetings")
    parser.add_argument("--appointments", type=int, default=100, help="simulated appointments")
    parser.add_argument("--seed", type=int, default=7, help="simulator data seed")
    parser.add_argument("--full-refresh", action="store_true", help="pass --full-refresh")
    return parser.parse_args(argv)


@contextlib.contextmanager
def _hubspot_source(args: argparse.Namespace) -> Iterator[dict[str, str]]:
    """Yield the environment variables that point the tap at HubSpot or the simulator."""
    if os.environ.get("HUBSPOT_ACCESS_TOKEN"):
        print("HUBSPOT_ACCESS_TOKEN is set: syncing from the real HubSpot API (prod environment).")
        yield {"MELTANO_ENVIRONMENT": "prod"}
        return
    from hubspot_simulator.testing import SimulatorProcess

    with SimulatorProcess(
        contacts=args.contacts,
        meetings=args.meetings,
        appointments=args.appointments,
        seed=args.seed,
    ) as simulator:
        print(
            f"No HUBSPOT_ACCESS_TOKEN: started the HubSpot simulator at {simulator.base_url} "
            f"({args.contacts} contacts, {args.meetings} meetings, "
            f"{args.appointments} appointments)."
        )
        yield {
            "MELTANO_ENVIRONMENT": "dev",
            "HUBSPOT_ACCESS_TOKEN": simulator.token,
            "TAP_HUBSPOT_ASSOC_API_URL": simulator.base_url,
        }


def _run_meltano(env: dict[str, str], full_refresh: bool) -> None:
    command = ["meltano", "run"]
    if full_refresh:
        command.append("--full-refresh")
    command += ["tap-hubspot-assoc", "target-hubspot-overwrite"]
    print("$", " ".join(command), flush=True)
    subprocess.run(command, cwd=PROJECT_ROOT, env=env, check=True)


def _print_loaded_tables(database_url: str) -> None:
    query = sql.SQL("SELECT count(*) FROM {}.{}")
    with psycopg.connect(database_url) as conn:
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = %s ORDER BY table_name",
                (TARGET_SCHEMA,),
            )
        ]
        print(f"\nLoaded into schema {TARGET_SCHEMA!r}:")
        for table in tables:
            row = conn.execute(
                query.format(sql.Identifier(TARGET_SCHEMA), sql.Identifier(table))
            ).fetchone()
            print(f"  {table:<45} {row[0] if row else 0:>10,} rows")


def _print_meeting_attendees(database_url: str) -> None:
    """Answer the README's question for one meeting that has labelled attendees."""
    query = ATTENDEES_QUERY.read_text(encoding="utf-8").replace(":'meeting_id'", "%(meeting)s")
    with psycopg.connect(database_url) as conn:
        found = conn.execute(
            sql.SQL(
                "SELECT from_object_id FROM {}.meetings_to_contacts_associations "
                "GROUP BY from_object_id HAVING bool_or(association_label IS NOT NULL) "
                "ORDER BY count(*), from_object_id LIMIT 1"
            ).format(sql.Identifier(TARGET_SCHEMA))
        ).fetchone()
        if found is None:
            return
        rows = conn.execute(query, {"meeting": found[0]}).fetchall()
    print(f"\nWho attended meeting {found[0]}, in which role (docs/queries/meeting_attendees.sql):")
    for contact_id, firstname, lastname, _email, roles, _type_ids in rows[:10]:
        name = " ".join(part for part in (firstname, lastname) if part) or "(no name)"
        print(f"  {contact_id:>10}  {name:<30} {roles}")
    if len(rows) > 10:
        print(f"  ... and {len(rows) - 10} more")


def main(argv: list[str] | None = None) -> int:
    """Run the demo sync and print what was loaded."""
    args = _parse_args(argv)
    database = find_database()
    print(f"PostgreSQL: {redact_url(database.url)} ({database.origin})")
    database_url = os.environ.get("DATABASE_URL", database.url)
    with _hubspot_source(args) as source_env:
        env = {
            **os.environ,
            **source_env,
            "PIPELINE_SQLALCHEMY_URL": to_sqlalchemy_url(database.url),
            "DATABASE_URL": to_sqlalchemy_url(database_url),
            "TARGET_HUBSPOT_OVERWRITE_DEFAULT_TARGET_SCHEMA": TARGET_SCHEMA,
        }
        try:
            _run_meltano(env, args.full_refresh)
        except subprocess.CalledProcessError as error:
            print(f"meltano run failed with exit code {error.returncode}", file=sys.stderr)
            return error.returncode
    _print_loaded_tables(database_url)
    _print_meeting_attendees(database_url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
