"""The reference data records point at: owner ids, pipelines and stages (fixed per portal).

The owners and pipelines endpoints (``owners.py``, ``pipelines.py``) build their tables from
these definitions, and the property generators below draw record values from them, so every
``hubspot_owner_id``, ``pipeline`` / ``dealstage`` and ``hs_pipeline`` / ``hs_pipeline_stage``
value names an owner, pipeline or stage the API knows, including owners who left, an archived
pipeline and a stage deleted after records used it (known only from the pipeline's audit).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..util import parse_time
from .base import Gen, GenContext


def _ms(value: str) -> int:
    ms = parse_time(value)
    assert ms is not None
    return ms


# ------------------------------------------------------------------------------ owners


@dataclass(frozen=True)
class OwnerSeed:
    """One owner's fixed facts (names and emails come from the seed)."""

    owner_id: int
    user_id: int | None  # None: a queue
    created_ms: int
    left_ms: int | None = None  # the owner left (deactivated user): archived since then
    queue: bool = False
    teams: tuple[str, ...] = ()  # team ids, the primary team first


TEAMS: dict[str, str] = {
    "3216549": "Sales EMEA",
    "3216550": "Sales Americas",
    "3216551": "Customer Support",
    "4401822": "Partners",
}


def _owners() -> tuple[OwnerSeed, ...]:
    """Three eras of owner ids with holes (deleted users), a queue, owners who left."""
    out: list[OwnerSeed] = []
    team_ids = list(TEAMS)
    # era 1 (2019): the portal's first owners; 9586504..9586506 are the ids older records use
    for k in (0, 1, 2, 3, 5, 6, 8, 9, 11):
        oid = 9_586_504 + k
        left = {2: "2023-04-28T16:00:00Z", 9: "2022-01-14T09:30:00Z"}.get(k)
        teams: tuple[str, ...] = () if k in (3, 8) else (team_ids[k % 3],)
        if k == 1:
            teams = ("3216549", "4401822")  # an owner in two teams, the first primary
        out.append(
            OwnerSeed(
                oid,
                2_110_000 + k,
                _ms("2019-02-01T10:00:00Z") + k * 86_400_000,
                _ms(left) if left else None,
                teams=teams,
            )
        )
    # era 2 (2021): ids from a later id block
    for k in (0, 1, 2, 4, 5, 7, 8, 9, 10, 12, 13, 15):
        oid = 41_629_779 + 17 * k
        left = {4: "2024-08-30T17:45:00Z", 12: "2025-02-03T08:00:00Z"}.get(k)
        out.append(
            OwnerSeed(
                oid,
                7_340_200 + k,
                _ms("2021-03-15T09:00:00Z") + k * 3 * 86_400_000,
                _ms(left) if left else None,
                teams=(team_ids[(k + 1) % 4],) if k % 5 else (),
            )
        )
    # era 3 (2024): large ids
    for k in (0, 1, 3, 4, 6, 7, 9, 10, 11, 14):
        oid = 1_170_233_411 + 1009 * k
        left = "2025-05-20T12:00:00Z" if k == 9 else None
        out.append(
            OwnerSeed(
                oid,
                59_011_000 + k,
                _ms("2024-01-08T08:00:00Z") + k * 5 * 86_400_000,
                _ms(left) if left else None,
                teams=(team_ids[k % 4],),
            )
        )
    out.append(OwnerSeed(1_170_299_999, None, _ms("2024-02-01T12:00:00Z"), queue=True))
    return tuple(out)


OWNER_SEEDS: tuple[OwnerSeed, ...] = _owners()
# Owners records may point at: every person (active or left), never the queue.
PERSON_OWNER_IDS: tuple[str, ...] = tuple(str(o.owner_id) for o in OWNER_SEEDS if not o.queue)
QUEUE_OWNER_ID = str(next(o.owner_id for o in OWNER_SEEDS if o.queue))


def owner_gen(null: int = 100, include_queue: bool = False) -> Gen:
    """An owner id that existed when the record was created (people who left included)."""
    pool = [o for o in OWNER_SEEDS if include_queue or not o.queue]

    def gen(h: int, c: GenContext) -> str | None:
        if (h >> 52) % 1000 < null:
            return None
        existing = [o for o in pool if o.created_ms <= c.created_ms] or pool[:3]
        return str(existing[h % len(existing)].owner_id)

    return gen


# ------------------------------------------------------------------------------ pipelines


@dataclass(frozen=True)
class StageSeed:
    """One stage: id, label, order, metadata as HubSpot sends it (strings)."""

    stage_id: str
    label: str
    metadata: dict[str, str] = field(default_factory=dict)
    deleted_ms: int | None = None  # deleted after records used it: in the audit only


@dataclass(frozen=True)
class PipelineSeed:
    """One pipeline of a type."""

    pipeline_id: str
    label: str
    created_ms: int
    stages: tuple[StageSeed, ...]
    archived_ms: int | None = None


def _deal(stage_id: str, label: str, probability: str, deleted: str | None = None) -> StageSeed:
    closed = "true" if probability in ("0.0", "1.0") else "false"
    return StageSeed(
        stage_id,
        label,
        {"isClosed": closed, "probability": probability},
        _ms(deleted) if deleted else None,
    )


def _ticket(stage_id: str, label: str, state: str) -> StageSeed:
    return StageSeed(
        stage_id,
        label,
        {"ticketState": state, "isClosed": "true" if state == "CLOSED" else "false"},
    )


def _plain(stage_id: str, label: str, closed: bool = False) -> StageSeed:
    return StageSeed(stage_id, label, {"isClosed": "true" if closed else "false"})


DEFAULT_CREATED = 0  # HubSpot's default pipelines and their stages have createdAt = epoch 0
STAGE_DELETED_AT = "2024-06-15T14:20:00Z"
PIPELINE_ARCHIVED_AT = "2023-09-01T07:00:00Z"

PIPELINE_SEEDS: dict[str, tuple[PipelineSeed, ...]] = {
    "deals": (
        PipelineSeed(
            "default",
            "Sales Pipeline",
            DEFAULT_CREATED,
            (
                _deal("appointmentscheduled", "Appointment Scheduled", "0.2"),
                _deal("qualifiedtobuy", "Qualified To Buy", "0.4"),
                _deal("presentationscheduled", "Presentation Scheduled", "0.6"),
                _deal("decisionmakerboughtin", "Decision Maker Bought-In", "0.8"),
                _deal("contractsent", "Contract Sent", "0.9"),
                _deal("closedwon", "Closed Won", "1.0"),
                _deal("closedlost", "Closed Lost", "0.0"),
            ),
        ),
        PipelineSeed(
            "14593042",
            "Enterprise",
            _ms("2020-05-11T12:00:00Z"),
            (
                _deal("14593043", "Discovery", "0.1"),
                _deal("14593044", "Solution design", "0.3"),
                _deal("14593047", "Legal review", "0.7", deleted=STAGE_DELETED_AT),
                _deal("14593045", "Negotiation", "0.8"),
                _deal("14593046", "Signed", "1.0"),
                _deal("14593048", "Lost", "0.0"),
            ),
        ),
        PipelineSeed(
            "31260117",
            "Partner deals (retired)",
            _ms("2021-02-01T12:00:00Z"),
            (
                _deal("31260118", "Referred", "0.2"),
                _deal("31260119", "Partner accepted", "0.5"),
                _deal("31260120", "Won via partner", "1.0"),
                _deal("31260121", "Lost via partner", "0.0"),
            ),
            archived_ms=_ms(PIPELINE_ARCHIVED_AT),
        ),
    ),
    "tickets": (
        PipelineSeed(
            "0",
            "Support Pipeline",
            DEFAULT_CREATED,
            (
                _ticket("1", "New", "OPEN"),
                _ticket("2", "Waiting on contact", "OPEN"),
                _ticket("3", "Waiting on us", "OPEN"),
                _ticket("4", "Closed", "CLOSED"),
            ),
        ),
        PipelineSeed(
            "8472311",
            "IT requests",
            _ms("2022-03-07T10:00:00Z"),
            (
                _ticket("8472312", "Submitted", "OPEN"),
                _ticket("8472313", "In progress", "OPEN"),
                _ticket("8472314", "Resolved", "CLOSED"),
            ),
        ),
    ),
    "leads": (
        PipelineSeed(
            "lead-pipeline-id",
            "Lead pipeline",
            DEFAULT_CREATED,
            (
                _plain("new-stage-id", "New"),
                _plain("attempting-stage-id", "Attempting"),
                _plain("connected-stage-id", "Connected"),
                _plain("qualified-stage-id", "Qualified", closed=True),
                _plain("unqualified-stage-id", "Disqualified", closed=True),
            ),
        ),
    ),
    "appointments": (
        PipelineSeed(
            "appointments-pipeline",
            "Appointments",
            DEFAULT_CREATED,
            (
                _plain("appt-scheduled", "Scheduled"),
                _plain("appt-completed", "Completed", closed=True),
                _plain("appt-canceled", "Canceled", closed=True),
            ),
        ),
    ),
    "services": (
        PipelineSeed(
            "services-pipeline",
            "Service delivery",
            DEFAULT_CREATED,
            (
                _plain("planned", "Planned"),
                _plain("active", "Active"),
                _plain("completed", "Completed", closed=True),
            ),
        ),
    ),
    "courses": (
        PipelineSeed(
            "courses-pipeline",
            "Course lifecycle",
            DEFAULT_CREATED,
            (_plain("course-draft", "Draft"), _plain("course-open", "Open for enrolment")),
        ),
    ),
    "listings": (
        PipelineSeed(
            "listings-pipeline",
            "Listing lifecycle",
            DEFAULT_CREATED,
            (_plain("listing-new", "New"), _plain("listing-sold", "Sold", closed=True)),
        ),
    ),
    "pets": (
        PipelineSeed(
            "52011904",
            "Adoption",
            _ms("2022-10-01T09:00:00Z"),
            (
                _plain("52011905", "Arrived"),
                _plain("52011906", "Ready for adoption"),
                _plain("52011907", "Adopted", closed=True),
            ),
        ),
    ),
}
# Types whose pipelines exist in the API (records of the other types have no pipeline).
PIPELINE_TYPES: tuple[str, ...] = tuple(PIPELINE_SEEDS)


def pipeline_options(type_name: str) -> tuple[tuple[str, str], ...]:
    """(label, id) of the type's pipelines that are not archived (the property's options)."""
    return tuple(
        (p.label, p.pipeline_id) for p in PIPELINE_SEEDS[type_name] if p.archived_ms is None
    )


def stage_options(type_name: str) -> tuple[tuple[str, str], ...]:
    """(label, id) of the live stages of the live pipelines (deleted stages are not listed)."""
    return tuple(
        (s.label, s.stage_id)
        for p in PIPELINE_SEEDS[type_name]
        if p.archived_ms is None
        for s in p.stages
        if s.deleted_ms is None
    )


def pipeline_gen(type_name: str) -> Gen:
    """A pipeline that existed when the record was created (archived ones included)."""
    seeds = PIPELINE_SEEDS[type_name]

    def gen(h: int, c: GenContext) -> str:
        usable = [
            p
            for p in seeds
            if p.created_ms <= c.created_ms
            and (p.archived_ms is None or c.created_ms < p.archived_ms)
        ]
        if not usable:
            return seeds[0].pipeline_id
        return usable[h % len(usable)].pipeline_id

    return gen


def stage_gen(type_name: str, pipeline_prop: str) -> Gen:
    """A stage of the record's pipeline; a record created before a stage was deleted may
    still carry the deleted stage's id (about one in four such records)."""
    by_id = {p.pipeline_id: p for p in PIPELINE_SEEDS[type_name]}

    def gen(h: int, c: GenContext) -> str:
        pipeline = by_id.get(c.raw(pipeline_prop) or "") or PIPELINE_SEEDS[type_name][0]
        deleted = [
            s for s in pipeline.stages if s.deleted_ms is not None and c.created_ms < s.deleted_ms
        ]
        if deleted and (h >> 40) % 4 == 0:
            return deleted[(h >> 44) % len(deleted)].stage_id
        live = [s for s in pipeline.stages if s.deleted_ms is None]
        return live[h % len(live)].stage_id

    return gen
