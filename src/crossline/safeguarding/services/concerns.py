"""Concerns about a young person and their triage.

A concern comes from line analysis (a possible child on a line), a
practitioner, a school against the indicator list, a hospital attendance
after violence, custody, an exclusion, a missing episode or a screening that
found indicators (``vocabulary.yaml`` ``concern_sources``). Each must be
triaged (a decision, by whom, when) by the time ``time_limits.yaml`` sets;
one not triaged by then is overdue and surfaced. Apparent consent never
closes a concern about a child (DOMAIN.md §CCE): "no further action" needs
reasons like every other decision.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from crossline.audit.services import Operation
from crossline.auth.actor import Actor
from crossline.auth.permissions import Permission
from crossline.core import clock
from crossline.core.database import check_version
from crossline.core.errors import InvalidInput, NotFound
from crossline.safeguarding.models import Concern, YoungPerson
from crossline.safeguarding.reference import INDICATOR, VOCABULARY, label, triage_due
from crossline.safeguarding.schemas import ConcernIn, TriageIn
from crossline.safeguarding.services.access import (
    audit,
    case_filter,
    case_of,
    commit,
    dumps,
    event,
)

NO_SUCH_CONCERN = "There is no such concern in the cases your organisation works on."


def raise_concern(
    db: Session,
    actor: Actor,
    young_person_id: uuid.UUID,
    data: ConcernIn,
    *,
    via: str = "web",
    finding_id: uuid.UUID | None = None,
    commit_now: bool = True,
) -> Concern:
    """Record a concern; its triage falls due by the configured time after it was raised."""
    young_person = case_of(db, actor, young_person_id, permission=Permission.SAFEGUARDING_WRITE)
    if data.source not in VOCABULARY["concern_sources"]:
        raise InvalidInput("Choose where the concern comes from.", field="source")
    unknown = [i for i in data.indicators if i not in INDICATOR]
    if unknown:
        raise InvalidInput("Choose indicators from the list.", field="indicators")
    raised_at = data.raised_at or clock.now()
    if raised_at.tzinfo is None:
        raise InvalidInput(
            "Give the time the concern was raised with its time zone.", field="raised_at"
        )
    if raised_at > clock.now():
        raise InvalidInput("A concern cannot be raised in the future.", field="raised_at")
    concern = Concern(
        young_person_id=young_person.id,
        organisation_id=actor.organisation_id,
        source=data.source,
        summary=data.summary.strip(),
        indicators=dumps(sorted(set(data.indicators))),
        line_id=data.line_id,
        finding_id=finding_id,
        source_ref=data.source_ref,
        raised_at=raised_at,
        raised_by_name=actor.display_name,
        triage_due=triage_due(raised_at),
        state="open",
    )
    db.add(concern)
    db.flush()
    event(
        db,
        actor,
        young_person,
        "concern_raised",
        f"Concern raised ({label('concern_sources', data.source)}): {concern.summary}",
        record_type="concern",
        record_id=concern.id,
        line_id=data.line_id,
    )
    audit(
        db,
        actor,
        Operation.COLLECTION,
        young_person,
        "recording a safeguarding concern",
        via=via,
        record_type="concern",
        record_id=concern.id,
    )
    if commit_now:
        commit(db)
    return concern


def triage(
    db: Session, actor: Actor, concern_id: uuid.UUID, data: TriageIn, *, via: str = "web"
) -> Concern:
    """Record the triage decision: what, who, when. A concern is triaged once."""
    concern, young_person = _concern(db, actor, concern_id, write=True)
    check_version(concern, data.version)
    decision = VOCABULARY["triage_decisions"].get(data.decision)
    if decision is None:
        raise InvalidInput("Choose a decision.", field="decision")
    if concern.triaged_at is not None:
        raise InvalidInput(
            f"This concern was triaged on {concern.triaged_at:%-d %B %Y} by "
            f"{concern.triaged_by_name}. Raise a new concern if something has changed.",
            field="decision",
        )
    if concern.organisation_id != actor.organisation_id:
        raise InvalidInput(
            "Only the organisation that raised this concern triages it.", field="decision"
        )
    concern.triaged_at = clock.now()
    concern.triaged_by_name = actor.display_name
    concern.triage_decision = data.decision
    concern.triage_note = data.note.strip()
    concern.state = "closed" if decision.closes else "triaged"
    late = " (after its due time)" if concern.triaged_at > concern.triage_due else ""
    event(
        db,
        actor,
        young_person,
        "concern_triaged",
        f"Concern triaged{late}: {decision.label}. {concern.triage_note}",
        record_type="concern",
        record_id=concern.id,
    )
    audit(
        db,
        actor,
        Operation.ALTERATION,
        young_person,
        "triaging a safeguarding concern",
        via=via,
        record_type="concern",
        record_id=concern.id,
    )
    commit(db)
    return concern


def get_concern(db: Session, actor: Actor, concern_id: uuid.UUID) -> tuple[Concern, YoungPerson]:
    return _concern(db, actor, concern_id, write=False)


def concerns_of(db: Session, young_person: YoungPerson) -> Sequence[Concern]:
    return db.scalars(
        select(Concern)
        .where(Concern.young_person_id == young_person.id)
        .order_by(Concern.raised_at.desc())
    ).all()


def open_concerns(db: Session, actor: Actor) -> Sequence[Concern]:
    """Concerns not yet triaged in the cases the actor's organisation works on, oldest first."""
    actor.require(Permission.SAFEGUARDING_READ)
    return db.scalars(
        select(Concern)
        .join(YoungPerson, YoungPerson.id == Concern.young_person_id)
        .where(case_filter(actor), Concern.triaged_at.is_(None))
        .order_by(Concern.triage_due)
    ).all()


def overdue_triage(db: Session, actor: Actor, *, at: datetime | None = None) -> Sequence[Concern]:
    """Concerns whose triage is past due and not done."""
    moment = at or clock.now()
    return [c for c in open_concerns(db, actor) if c.triage_due < moment]


def indicator_ids(concern: Concern) -> list[str]:
    return list(json.loads(concern.indicators))


def _concern(
    db: Session, actor: Actor, concern_id: uuid.UUID, *, write: bool
) -> tuple[Concern, YoungPerson]:
    concern = db.get(Concern, concern_id)
    if concern is None:
        raise NotFound(NO_SUCH_CONCERN)
    permission = Permission.SAFEGUARDING_WRITE if write else Permission.SAFEGUARDING_READ
    try:
        young_person = case_of(db, actor, concern.young_person_id, permission=permission)
    except NotFound:
        raise NotFound(NO_SUCH_CONCERN) from None
    return concern, young_person
