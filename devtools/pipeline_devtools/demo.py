"""`make demo`: one real sync into a real PostgreSQL, the dbt models built on it, and a look at
what was loaded — told as a short story; Meltano's full log goes to a file.

Without ``HUBSPOT_ACCESS_TOKEN`` the demo starts the HubSpot simulator and uses the ``dev``
environment; with it, the ``prod`` environment runs against the real HubSpot API.
The database comes from :func:`pipeline_devtools.postgres.find_database`. Meltano's state (its
system database) lives in the same PostgreSQL, in schema ``meltano``, so a different database
means a fresh state: bookmarks never outlive the tables they describe.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg
from psycopg import sql

from pipeline_devtools.demo_answers import print_meeting_attendees, print_meetings_per_owner
from pipeline_devtools.postgres import find_database, redact_url, to_sqlalchemy_url

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TARGET_SCHEMA = "hubspot"
STATE_SCHEMA = "meltano"
STATE_ID = "{environment}:tap-hubspot-assoc-to-target-hubspot-overwrite"
LOG_DIR = PROJECT_ROOT / ".meltano" / "logs" / "demo"
PIPELINE = [
    "tap-hubspot-assoc",
    "target-hubspot-overwrite",
    "dbt-postgres:run",
    "dbt-postgres:data-tests",
]
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_DBT_LINE = re.compile(r"\d+ of \d+ (OK created|PASS|FAIL|ERROR|WARN|SKIP)\S* (.*?)[ .]*\[")


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=2000, help="simulated contacts")
    parser.add_argument("--meetings", type=int, default=400, help="simulated meetings")
    parser.add_argument("--seed", type=int, default=7, help="simulator data seed")
    parser.add_argument("--full-refresh", action="store_true", help="pass --full-refresh")
    return parser.parse_args(argv)


def state_database_uri(database_url: str, schema: str = STATE_SCHEMA) -> str:
    """Meltano's system database in ``schema`` of the data's database (libpq search_path)."""
    parts = urlsplit(to_sqlalchemy_url(database_url))
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "options"]
    query.append(("options", f"-csearch_path={schema}"))
    return urlunsplit(parts._replace(query=urlencode(query)))


@contextlib.contextmanager
def _hubspot_source(args: argparse.Namespace) -> Iterator[dict[str, str]]:
    """Yield the environment variables that point the tap at HubSpot or the simulator."""
    if os.environ.get("HUBSPOT_ACCESS_TOKEN"):
        print("HubSpot: HUBSPOT_ACCESS_TOKEN is set, so the real API (prod environment).")
        yield {"MELTANO_ENVIRONMENT": "prod"}
        return
    from hubspot_simulator.testing import SimulatorProcess

    with SimulatorProcess(
        contacts=args.contacts,
        meetings=args.meetings,
        appointments=0,  # the demo syncs contacts and meetings (meltano.yml's object_types)
        seed=args.seed,
    ) as simulator:
        print(
            f"HubSpot: no HUBSPOT_ACCESS_TOKEN, so the simulator at {simulator.base_url} "
            f"({args.contacts} contacts, {args.meetings} meetings, their owners, properties, "
            "lists and property history)."
        )
        yield {
            "MELTANO_ENVIRONMENT": "dev",
            "HUBSPOT_ACCESS_TOKEN": simulator.token,
            "TAP_HUBSPOT_ASSOC_API_URL": simulator.base_url,
        }


def _stale_state(database_url: str, state_id: str) -> bool:
    """True when Meltano holds a bookmark for ``state_id`` but the loaded tables are gone."""
    with psycopg.connect(database_url) as conn:
        has_state_table = conn.execute(
            "SELECT to_regclass(%s) IS NOT NULL", (f"{STATE_SCHEMA}.state",)
        ).fetchone()
        if not (has_state_table and has_state_table[0]):
            return False
        row = conn.execute(
            sql.SQL("SELECT count(*) FROM {}.state WHERE state_id = %s").format(
                sql.Identifier(STATE_SCHEMA)
            ),
            (state_id,),
        ).fetchone()
        tables = conn.execute(
            "SELECT to_regclass(%s) IS NOT NULL",
            (f"{TARGET_SCHEMA}.meetings_to_contacts_associations",),
        ).fetchone()
    return bool(row and row[0]) and not (tables and tables[0])


def _run_meltano(env: dict[str, str], full_refresh: bool, log_path: Path) -> tuple[int, list[str]]:
    """Run the pipeline with its output in ``log_path``; print progress; return (code, lines)."""
    command = [str(Path(sys.executable).parent / "meltano"), "run"]
    if full_refresh:
        command.append("--full-refresh")
    command += PIPELINE
    print(f"\n$ meltano run {'--full-refresh ' if full_refresh else ''}{' '.join(PIPELINE)}")
    print(f"  (Meltano's full log: {log_path.relative_to(PROJECT_ROOT)})")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    lines: list[str] = []
    started = time.monotonic()
    with log_path.open("w", encoding="utf-8") as log:
        process = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        assert process.stdout is not None
        for raw in process.stdout:
            log.write(raw)
            line = _ANSI.sub("", raw.rstrip("\n"))
            lines.append(line)
            progress = _progress(line)
            if progress:
                print(f"  {time.monotonic() - started:5.1f}s  {progress}", flush=True)
        code = process.wait()
    return code, lines


def _progress(line: str) -> str | None:
    """A short progress line for the milestones of the run, else None."""
    if "tap-hubspot-assoc Beginning sync of" in line:
        stream = line.split("Beginning sync of", 1)[1].split(" in ")[0].strip()
        return f"reading {stream}"
    if "target-hubspot-overwrite Summary for run:" in line:
        return "loaded: " + line.split("Summary for run:", 1)[1].strip()
    if "Incremental state has been updated" in line:
        return None
    if "Block run completed" in line:
        return "a step of the pipeline finished"
    match = re.search(r"Found (\d+ models?), (\d+ data tests?)", line)
    if match:
        return f"dbt: {match.group(1)}, {match.group(2)}"
    return None


def _load_summary(lines: list[str]) -> list[dict]:
    summaries = []
    for line in lines:
        if '"type":"LOAD_SUMMARY"' in line:
            with contextlib.suppress(ValueError):
                summaries.append(json.loads(line[line.index("{") :]))
    return summaries


def _print_load_summary(lines: list[str]) -> None:
    summaries = [s for s in _load_summary(lines) if s["scope"].startswith("stream")]
    if not summaries:
        return
    print("\nWhat the target did (created / updated / unchanged / soft-deleted):")
    for s in summaries:
        stream = s["scope"].split("'")[1]
        print(
            f"  {stream:<40} {s['created']:>7,} {s['updated']:>7,} "
            f"{s['unchanged'] + s.get('already_present', 0):>7,} "
            f"{s['soft_deleted'] + s['deleted']:>7,}"
        )


def _print_dbt_results(lines: list[str]) -> None:
    models, tests, warnings, problems = [], 0, [], []
    for line in lines:
        match = _DBT_LINE.search(line)
        if not match:
            continue
        status, name = match.group(1), match.group(2).strip()
        if status == "OK created":
            models.append(name.rsplit(" ", 1)[-1])
        elif status == "PASS":
            tests += 1
        elif status == "WARN":
            warnings.append(name)
        else:
            problems.append(f"{status} {name}")
    if not (models or tests or warnings or problems):
        return
    print(f"\ndbt: built {', '.join(models)}")
    print(
        f"     {tests + len(warnings)} data tests passed"
        + (f" ({len(warnings)} with a warning)" if warnings else "")
        + (f"; {len(problems)} did not:" if problems else "")
    )
    for warning in warnings:
        print(f"       WARN {warning}")
    for problem in problems:
        print(f"       {problem}")


def main(argv: list[str] | None = None) -> int:
    """Run the demo sync and dbt, and print what happened."""
    args = _parse_args(argv)
    database = find_database()
    database_url = os.environ.get("DATABASE_URL", database.url)
    print(f"PostgreSQL: {redact_url(database_url)} ({database.origin})")
    state_uri = os.environ.get("MELTANO_DATABASE_URI")
    if not state_uri:
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(STATE_SCHEMA))
            )
        state_uri = state_database_uri(database_url)
        print(f"Meltano state: schema {STATE_SCHEMA!r} of the same database")
    log_path = LOG_DIR / f"meltano-{time.strftime('%Y%m%d-%H%M%S')}.log"
    with _hubspot_source(args) as source_env:
        full_refresh = args.full_refresh
        state_id = STATE_ID.format(environment=source_env["MELTANO_ENVIRONMENT"])
        own_state = not os.environ.get("MELTANO_DATABASE_URI")
        if not full_refresh and own_state and _stale_state(database_url, state_id):
            print("Bookmarks exist but the tables are gone: running with --full-refresh.")
            full_refresh = True
        env = {
            **os.environ,
            **source_env,
            "MELTANO_DATABASE_URI": state_uri,
            "PIPELINE_SQLALCHEMY_URL": to_sqlalchemy_url(database.url),
            "DATABASE_URL": to_sqlalchemy_url(database_url),
            "TARGET_HUBSPOT_OVERWRITE_DEFAULT_TARGET_SCHEMA": TARGET_SCHEMA,
        }
        code, lines = _run_meltano(env, full_refresh, log_path)
    _print_load_summary(lines)
    _print_dbt_results(lines)
    if code != 0:
        print(f"\nmeltano run failed with exit code {code}; the last lines of the log:")
        for line in lines[-15:]:
            print(f"  {line}")
        return code
    print_meeting_attendees(database_url, TARGET_SCHEMA)
    print_meetings_per_owner(database_url, TARGET_SCHEMA)
    print(f"\nDone. Full log: {log_path.relative_to(PROJECT_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
