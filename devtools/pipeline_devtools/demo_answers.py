"""The questions `make demo` answers from the dbt models after the sync: who attended one meeting
in which role (``contact_meeting_roles``), and how many meetings each owner had per outcome,
by name and label (``meetings_labelled``)."""

from __future__ import annotations

from collections import defaultdict

import psycopg
from psycopg import sql

ATTENDEES_MODEL = "contact_meeting_roles"
LABELLED_MEETINGS = "meetings_labelled"
OWNER_NAME = "hubspot_owner_id__owner_name"
OWNER_EMAIL = "hubspot_owner_id__owner_email"
OUTCOME_LABEL = "hs_meeting_outcome__label"
NO_OWNER = "(no owner)"
NO_OUTCOME = "(no outcome)"
MAX_OWNERS = 10


def print_meeting_attendees(database_url: str, schema: str) -> None:
    """Answer the README's question for one meeting with labelled attendees, from the model."""
    model = sql.Identifier(schema, ATTENDEES_MODEL)
    with psycopg.connect(database_url) as conn:
        found = conn.execute(
            sql.SQL(
                "SELECT meeting_id FROM {} GROUP BY meeting_id "
                "HAVING bool_or(roles <> 'unlabeled') ORDER BY count(*), meeting_id LIMIT 1"
            ).format(model)
        ).fetchone()
        if found is None:
            return
        rows = conn.execute(
            sql.SQL(
                "SELECT contact_id, firstname, lastname, roles FROM {} WHERE meeting_id = %s "
                "ORDER BY lastname, firstname, contact_id"
            ).format(model),
            (found[0],),
        ).fetchall()
    print(f"\nWho attended meeting {found[0]}, in which role (model {ATTENDEES_MODEL}):")
    for contact_id, firstname, lastname, roles in rows[:10]:
        name = " ".join(part for part in (firstname, lastname) if part) or "(no name)"
        print(f"  {contact_id:>10}  {name:<30} {roles}")
    if len(rows) > 10:
        print(f"  ... and {len(rows) - 10} more")


def meetings_per_owner_lines(counts: dict[str, dict[str, int]]) -> list[str]:
    """One line per owner (most meetings first): total, then each outcome with its count."""
    ranked = sorted(counts.items(), key=lambda item: (-sum(item[1].values()), item[0]))
    lines = []
    for owner, outcomes in ranked[:MAX_OWNERS]:
        parts = sorted(outcomes.items(), key=lambda item: (-item[1], item[0]))
        detail = ", ".join(f"{outcome} {n}" for outcome, n in parts)
        lines.append(f"  {owner:<30} {sum(outcomes.values()):>5}  {detail}")
    if len(ranked) > MAX_OWNERS:
        lines.append(f"  ... and {len(ranked) - MAX_OWNERS} more owners")
    return lines


def print_meetings_per_owner(database_url: str, schema: str) -> None:
    """Meetings per owner name and outcome label, from ``meetings_labelled``; says why not when
    the labels are not there (owners or properties not synced)."""
    with psycopg.connect(database_url) as conn:
        columns = {
            row[0]
            for row in conn.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = %s AND table_name = %s",
                (schema, LABELLED_MEETINGS),
            )
        }
        needed = {OWNER_NAME, OWNER_EMAIL, OUTCOME_LABEL}
        if not needed <= columns:
            missing = ", ".join(sorted(needed - columns)) or LABELLED_MEETINGS
            print(f"\nMeetings per owner and outcome: no labels ({missing} missing: are owners and")
            print("  properties synced? see the tap's reference_data setting)")
            return
        rows = conn.execute(
            sql.SQL(
                "SELECT coalesce({name}, {email}, hubspot_owner_id::text, %s), "
                "coalesce({label}, hs_meeting_outcome::text, %s), count(*) FROM {model} "
                "GROUP BY 1, 2"
            ).format(
                name=sql.Identifier(OWNER_NAME),
                email=sql.Identifier(OWNER_EMAIL),
                label=sql.Identifier(OUTCOME_LABEL),
                model=sql.Identifier(schema, LABELLED_MEETINGS),
            ),
            (NO_OWNER, NO_OUTCOME),
        ).fetchall()
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for owner, outcome, n in rows:
        counts[owner][outcome] = n
    print(f"\nMeetings per owner and outcome, by name and label (model {LABELLED_MEETINGS}):")
    for line in meetings_per_owner_lines(counts):
        print(line)
