"""Missing episodes and return-home interviews (DOMAIN.md §MISSING).

A young person is reported missing with a risk grade (§MISSING.risk; every
regrade is kept in the case timeline with time and author), then found or
returned: where, when, by whom. From the return, a return-home interview is
due within 72 hours (§MISSING.rhi; offered after every episode by default);
its completion or refusal is recorded, and one not done in time is overdue
and surfaced. A child found in the county area of a known line is linked to
that line (§MISSING.lines), which raises a concern about the line. Three
episodes in 30 days (configuration, §MISSING.risk) prompt a strategy meeting:
a next action of the case until a meeting held after them is recorded.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crossline.audit.services import Operation
from crossline.auth.actor import Actor
from crossline.auth.permissions import Permission
from crossline.core import clock
from crossline.core.database import check_version
from crossline.core.errors import InvalidInput, NotFound
from crossline.lines.models import Line, LineOwner
from crossline.orgs.reference import FORCES, force_areas_at
from crossline.safeguarding.models import CaseEvent, MissingEpisode, YoungPerson
from crossline.safeguarding.reference import LIMITS, VOCABULARY, label, rhi_due
from crossline.safeguarding.schemas import (
    ConcernIn,
    FoundIn,
    InterviewIn,
    MissingIn,
    RegradeIn,
    StrategyMeetingIn,
)
from crossline.safeguarding.services import concerns
from crossline.safeguarding.services.access import (
    audit,
    case_filter,
    case_of,
    commit,
    event,
)
from crossline.safeguarding.services.young_people import is_child

NO_SUCH_EPISODE = "There is no such missing episode in the cases your organisation works on."
OPEN_LINES = ("suspected", "confirmed", "resurfaced")  # lines.statuses ids still running


def report_missing(
    db: Session,
    actor: Actor,
    young_person_id: uuid.UUID,
    data: MissingIn,
    *,
    via: str = "web",
    commit_now: bool = True,
) -> MissingEpisode:
    """A young person reported missing. A child's episode raises a concern (§MISSING.lines)."""
    young_person = case_of(db, actor, young_person_id, permission=Permission.SAFEGUARDING_WRITE)
    _risk(data.risk)
    _aware(data.reported_at, "reported_at")
    if data.reported_at > clock.now():
        raise InvalidInput("The report cannot be in the future.", field="reported_at")
    episode = MissingEpisode(
        young_person_id=young_person.id,
        organisation_id=actor.organisation_id,
        reported_at=data.reported_at,
        reported_by=data.reported_by.strip(),
        risk=data.risk,
        source_ref=data.source_ref,
        recorded_by_name=actor.display_name,
    )
    db.add(episode)
    db.flush()
    event(
        db,
        actor,
        young_person,
        "missing_reported",
        f"Reported missing by {episode.reported_by}; {label('missing_risk', data.risk)}",
        record_type="missing_episode",
        record_id=episode.id,
    )
    audit(
        db,
        actor,
        Operation.COLLECTION,
        young_person,
        "recording a missing episode",
        via=via,
        record_type="missing_episode",
        record_id=episode.id,
    )
    if is_child(young_person, data.reported_at.date()) is not False:
        # §CCE: a child (or one whose age is not known) is a possible victim first.
        concerns.raise_concern(
            db,
            actor,
            young_person.id,
            ConcernIn(
                source="missing",
                summary=f"Reported missing ({label('missing_risk', data.risk)}).",
                indicators=["CL18-01"],
                source_ref=data.source_ref,
                raised_at=data.reported_at,
            ),
            via=via,
            commit_now=False,
        )
    _strategy_prompt(db, actor, young_person, data.reported_at)
    if commit_now:
        commit(db)
    return episode


def regrade(
    db: Session, actor: Actor, episode_id: uuid.UUID, data: RegradeIn, *, via: str = "web"
) -> MissingEpisode:
    """A new risk grade, with why; the old one stays in the timeline (§MISSING.risk)."""
    episode, young_person = _episode(db, actor, episode_id)
    check_version(episode, data.version)
    _risk(data.risk)
    before = episode.risk
    episode.risk = data.risk
    event(
        db,
        actor,
        young_person,
        "missing_regraded",
        f"Risk regraded from {label('missing_risk', before)} to "
        f"{label('missing_risk', data.risk)}: {data.reason.strip()}",
        record_type="missing_episode",
        record_id=episode.id,
    )
    audit(db, actor, Operation.ALTERATION, young_person, "regrading a missing episode", via=via)
    commit(db)
    return episode


def found(
    db: Session,
    actor: Actor,
    episode_id: uuid.UUID,
    data: FoundIn,
    *,
    via: str = "web",
    commit_now: bool = True,
) -> MissingEpisode:
    """Found or returned: where, when, by whom. The interview falls due 72 hours later;
    a child found in the county area of a known line is linked to that line."""
    episode, young_person = _episode(db, actor, episode_id)
    check_version(episode, data.version)
    _aware(data.found_at, "found_at")
    if episode.found_at is not None:
        raise InvalidInput("This episode already has its return recorded.", field="found_at")
    if data.found_at < episode.reported_at:
        raise InvalidInput(
            "They cannot be found before they were reported missing.", field="found_at"
        )
    if data.found_at > clock.now():
        raise InvalidInput("The return cannot be in the future.", field="found_at")
    area = data.found_force_area
    if area and area not in FORCES:
        raise InvalidInput("Choose a police force area from the list.", field="found_force_area")
    if area is None and data.found_lat is not None and data.found_lon is not None:
        area = force_area_at(data.found_lat, data.found_lon)
    episode.found_at = data.found_at
    episode.found_where = data.found_where.strip()
    episode.found_by = data.found_by.strip()
    episode.found_force_area = area
    episode.found_lat = data.found_lat
    episode.found_lon = data.found_lon
    episode.rhi_due = rhi_due(data.found_at)
    event(
        db,
        actor,
        young_person,
        "missing_found",
        f"Found in {episode.found_where} by {episode.found_by}; return-home interview due "
        f"by {episode.rhi_due:%-d %B %Y %H:%M} UTC",
        record_type="missing_episode",
        record_id=episode.id,
    )
    audit(db, actor, Operation.ALTERATION, young_person, "recording a return from missing", via=via)
    if area and is_child(young_person, data.found_at.date()) is not False:
        _link_line(db, actor, young_person, episode, area, via)
    if commit_now:
        commit(db)
    return episode


def interview(
    db: Session, actor: Actor, episode_id: uuid.UUID, data: InterviewIn, *, via: str = "web"
) -> MissingEpisode:
    """The return-home interview done or declined (§MISSING.rhi)."""
    episode, young_person = _episode(db, actor, episode_id)
    check_version(episode, data.version)
    if data.outcome not in VOCABULARY["rhi_outcomes"]:
        raise InvalidInput("Choose what happened.", field="outcome")
    if episode.found_at is None:
        raise InvalidInput(
            "Record where and when they were found before the interview.", field="outcome"
        )
    if episode.rhi_outcome is not None:
        raise InvalidInput("The interview is already recorded.", field="outcome")
    done_at = data.done_at or clock.now()
    _aware(done_at, "done_at")
    if done_at < episode.found_at or done_at > clock.now():
        raise InvalidInput(
            "The interview must be after the return and not in the future.", field="done_at"
        )
    episode.rhi_done_at = done_at
    episode.rhi_by = data.by.strip()
    episode.rhi_outcome = data.outcome
    episode.rhi_note = (data.note or "").strip() or None
    late = episode.rhi_due is not None and done_at > episode.rhi_due
    event(
        db,
        actor,
        young_person,
        "rhi_done",
        f"Return-home interview: {label('rhi_outcomes', data.outcome)} by {episode.rhi_by}"
        + (" (after the 72 hours)" if late else " (within 72 hours)"),
        record_type="missing_episode",
        record_id=episode.id,
    )
    audit(
        db, actor, Operation.ALTERATION, young_person, "recording a return-home interview", via=via
    )
    commit(db)
    return episode


def episodes_of(db: Session, young_person: YoungPerson) -> Sequence[MissingEpisode]:
    return db.scalars(
        select(MissingEpisode)
        .where(MissingEpisode.young_person_id == young_person.id)
        .order_by(MissingEpisode.reported_at.desc())
    ).all()


def get_episode(
    db: Session, actor: Actor, episode_id: uuid.UUID
) -> tuple[MissingEpisode, YoungPerson]:
    return _episode(db, actor, episode_id, write=False)


def overdue_interviews(
    db: Session, actor: Actor, *, at: datetime | None = None
) -> Sequence[MissingEpisode]:
    """Returned young people whose interview is past due and not recorded."""
    actor.require(Permission.SAFEGUARDING_READ)
    moment = at or clock.now()
    return db.scalars(
        select(MissingEpisode)
        .join(YoungPerson, YoungPerson.id == MissingEpisode.young_person_id)
        .where(
            case_filter(actor),
            MissingEpisode.rhi_due.is_not(None),
            MissingEpisode.rhi_outcome.is_(None),
            MissingEpisode.rhi_due < moment,
        )
        .order_by(MissingEpisode.rhi_due)
    ).all()


def still_missing(db: Session, actor: Actor) -> Sequence[MissingEpisode]:
    actor.require(Permission.SAFEGUARDING_READ)
    return db.scalars(
        select(MissingEpisode)
        .join(YoungPerson, YoungPerson.id == MissingEpisode.young_person_id)
        .where(case_filter(actor), MissingEpisode.found_at.is_(None))
        .order_by(MissingEpisode.reported_at)
    ).all()


def force_area_at(lat: float, lon: float) -> str | None:
    """The police force area (forces.yaml id) a point lies in, from the shipped boundaries."""
    return force_areas_at([lon], [lat])[0]


def _link_line(
    db: Session,
    actor: Actor,
    young_person: YoungPerson,
    episode: MissingEpisode,
    area: str,
    via: str,
) -> None:
    """§MISSING.lines: found in the county area of a running line known to the register.

    The line chosen is the actor's organisation's own (owned or co-owned) if
    there is one, else any; the case timeline names a line the organisation
    may not read only by its area, never by its reference.
    """
    readable = select(LineOwner.line_id).where(LineOwner.organisation_id == actor.organisation_id)
    query = select(Line).where(Line.county_area == area, Line.status.in_(OPEN_LINES))
    line = db.scalar(
        query.where((Line.owner_id == actor.organisation_id) | Line.id.in_(readable)).limit(1)
    ) or db.scalar(query.order_by(Line.created_at).limit(1))
    if line is None:
        return
    episode.line_id = line.id
    force = FORCES[area].name if area in FORCES else area
    event(
        db,
        actor,
        young_person,
        "missing_linked_to_line",
        f"Found in the {force} area, the county area of a known line",
        record_type="missing_episode",
        record_id=episode.id,
        line_id=line.id,
    )
    concerns.raise_concern(
        db,
        actor,
        young_person.id,
        ConcernIn(
            source="missing",
            summary=f"Found out of area, in the {force} area, where a known line supplies.",
            indicators=["CL18-01"],
            line_id=line.id,
            source_ref=episode.source_ref,
            raised_at=episode.found_at,
        ),
        via=via,
        commit_now=False,
    )


def _strategy_prompt(
    db: Session, actor: Actor, young_person: YoungPerson, reported_at: datetime
) -> None:
    """§MISSING.risk: N episodes in D days (configuration) prompt a strategy meeting."""
    reported = [e.reported_at for e in episodes_of(db, young_person)]
    count = _in_window(reported, reported_at)
    if count is not None:
        event(
            db,
            actor,
            young_person,
            "strategy_meeting_due",
            f"{count} missing episodes in {LIMITS.missing_strategy_meeting.days} days: hold a "
            f"strategy meeting (next action, {actor.organisation_name})",
        )


def _in_window(reported: Sequence[datetime], at: datetime) -> int | None:
    """How many episodes were reported in the D days up to ``at``, when at least N were
    (§MISSING.risk, configuration); None when fewer."""
    limit = LIMITS.missing_strategy_meeting
    assert limit.episodes is not None
    assert limit.days is not None
    count = sum(1 for r in reported if at - timedelta(days=limit.days) < r <= at)
    return count if count >= limit.episodes else None


STRATEGY_MEETING_HELD = "strategy_meeting_held"  # the case event of a meeting recorded


def record_strategy_meeting(
    db: Session,
    actor: Actor,
    young_person_id: uuid.UUID,
    data: StrategyMeetingIn,
    *,
    via: str = "web",
) -> CaseEvent:
    """A strategy meeting (or discussion) held about the young person: when, who, what.

    It answers the prompt of repeated missing episodes (§MISSING.risk) and a
    triage decision to hold one, for everything before the time it is recorded.
    Needs ``safeguarding.write`` in an organisation working on the case.
    """
    young_person = case_of(db, actor, young_person_id, permission=Permission.SAFEGUARDING_WRITE)
    if data.held_on > clock.now().date():
        raise InvalidInput("The meeting must not be in the future.", field="held_on")
    attendees, outcome = " ".join(data.attendees.split()), data.outcome.strip()
    if not attendees:
        raise InvalidInput("Enter who took part.", field="attendees")
    if not outcome:
        raise InvalidInput("Enter what was decided.", field="outcome")
    entry = event(
        db,
        actor,
        young_person,
        STRATEGY_MEETING_HELD,
        f"Strategy meeting held on {data.held_on:%-d %B %Y} with {attendees}. Decided: {outcome}",
    )
    audit(db, actor, Operation.ALTERATION, young_person, "recording a strategy meeting", via=via)
    commit(db)
    return entry


def strategy_meeting_due(db: Session, young_person: YoungPerson) -> tuple[datetime, int] | None:
    """When repeated missing episodes last called for a strategy meeting, and how many.

    The latest episode that closes N episodes within D days (§MISSING.risk,
    configuration), unless a meeting has been recorded since it was reported.
    """
    reported = sorted(e.reported_at for e in episodes_of(db, young_person))
    triggers = [(at, n) for at in reported if (n := _in_window(reported, at)) is not None]
    if not triggers or meeting_held_since(db, young_person, triggers[-1][0]):
        return None
    return triggers[-1]


def meeting_held_since(db: Session, young_person: YoungPerson, since: datetime) -> bool:
    """Whether a strategy meeting has been recorded at or after ``since``."""
    held = db.scalar(
        select(func.max(CaseEvent.at)).where(
            CaseEvent.young_person_id == young_person.id,
            CaseEvent.kind == STRATEGY_MEETING_HELD,
        )
    )
    return held is not None and held >= since


def _risk(risk: str) -> None:
    if risk not in VOCABULARY["missing_risk"]:
        raise InvalidInput("Choose the risk grade.", field="risk")


def _aware(moment: datetime, field: str) -> None:
    if moment.tzinfo is None:
        raise InvalidInput("Give the time with its time zone.", field=field)


def _episode(
    db: Session, actor: Actor, episode_id: uuid.UUID, *, write: bool = True
) -> tuple[MissingEpisode, YoungPerson]:
    episode = db.get(MissingEpisode, episode_id)
    if episode is None:
        raise NotFound(NO_SUCH_EPISODE)
    permission = Permission.SAFEGUARDING_WRITE if write else Permission.SAFEGUARDING_READ
    try:
        young_person = case_of(db, actor, episode.young_person_id, permission=permission)
    except NotFound:
        raise NotFound(NO_SUCH_EPISODE) from None
    return episode, young_person
