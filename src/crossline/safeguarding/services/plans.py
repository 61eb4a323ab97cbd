"""Custody Support Plans (DOMAIN.md §PROG.csp) and adverse-childhood-experience
screenings at police contacts (§PROG.eat-wales), each with reviews.

A plan or screening sets its next review by the interval of
``time_limits.yaml`` (configuration: no source fixes it); each review records
what it found and sets the next one, or ends the plan. A review past its date
is overdue and surfaced. ACE screening is for the four Welsh forces' contacts
(§PROG.eat-wales) and may refer to the Early Action Together front door.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from crossline.audit.services import Operation
from crossline.auth.actor import Actor
from crossline.auth.permissions import Permission
from crossline.core import clock
from crossline.core.errors import InvalidInput, NotFound
from crossline.orgs.models import Organisation
from crossline.safeguarding.models import AceScreening, CustodySupportPlan, PlanReview, YoungPerson
from crossline.safeguarding.reference import LIMITS, VOCABULARY
from crossline.safeguarding.schemas import AceIn, PlanIn, ReviewIn
from crossline.safeguarding.services.access import (
    audit,
    case_filter,
    case_of,
    commit,
    dumps,
    event,
)

WELSH_FORCES = ("dyfed-powys", "gwent", "north-wales", "south-wales")  # §PROG.eat-wales
FRONT_DOOR = "early-action-together"  # programmes.yaml id of the front door
NO_SUCH_PLAN = "There is no such plan in the cases your organisation works on."


def start_plan(
    db: Session, actor: Actor, young_person_id: uuid.UUID, data: PlanIn, *, via: str = "web"
) -> CustodySupportPlan:
    young_person = case_of(db, actor, young_person_id, permission=Permission.SAFEGUARDING_WRITE)
    _not_future(data.started_on, "started_on")
    every = data.review_every_days or LIMITS.custody_support_plan_review.days or 28
    plan = CustodySupportPlan(
        young_person_id=young_person.id,
        organisation_id=actor.organisation_id,
        establishment=data.establishment.strip(),
        officer=data.officer.strip(),
        started_on=data.started_on,
        goals=data.goals.strip(),
        review_every_days=every,
        next_review_on=data.started_on + timedelta(days=every),
        created_by_name=actor.display_name,
    )
    db.add(plan)
    db.flush()
    event(
        db,
        actor,
        young_person,
        "custody_support_plan",
        f"Custody Support Plan started at {plan.establishment}, officer {plan.officer}; "
        f"first review by {plan.next_review_on:%-d %B %Y}",
        record_type="custody_support_plan",
        record_id=plan.id,
    )
    audit(db, actor, Operation.COLLECTION, young_person, "Custody Support Plan", via=via)
    commit(db)
    return plan


def screen_aces(
    db: Session, actor: Actor, young_person_id: uuid.UUID, data: AceIn, *, via: str = "web"
) -> AceScreening:
    """ACE screening at a police contact, by one of the four Welsh forces (§PROG.eat-wales)."""
    young_person = case_of(db, actor, young_person_id, permission=Permission.SAFEGUARDING_WRITE)
    organisation = db.get(Organisation, actor.organisation_id)
    if organisation is None or organisation.key not in WELSH_FORCES:
        raise InvalidInput(
            "ACE screening at police contacts is part of Early Action Together, run by the "
            "four Welsh police forces.",
            field="experiences",
        )
    _not_future(data.screened_on, "screened_on")
    unknown = [e for e in data.experiences if e not in VOCABULARY["aces"]]
    if unknown:
        raise InvalidInput("Choose experiences from the list.", field="experiences")
    every = data.review_every_days or LIMITS.ace_screening_review.days or 90
    screening = AceScreening(
        young_person_id=young_person.id,
        organisation_id=actor.organisation_id,
        screened_on=data.screened_on,
        contact=data.contact.strip(),
        experiences=dumps(sorted(set(data.experiences))),
        review_every_days=every,
        next_review_on=data.screened_on + timedelta(days=every),
        referred_to=FRONT_DOOR if data.refer else None,
        created_by_name=actor.display_name,
    )
    db.add(screening)
    db.flush()
    count = len(set(data.experiences))
    event(
        db,
        actor,
        young_person,
        "ace_screening",
        f"ACE screening at a police contact: {count} adverse experience(s)"
        + ("; referred to the vulnerability front door" if data.refer else ""),
        record_type="ace_screening",
        record_id=screening.id,
    )
    audit(db, actor, Operation.COLLECTION, young_person, "ACE screening", via=via)
    commit(db)
    return screening


def review(
    db: Session,
    actor: Actor,
    plan_kind: str,
    plan_id: uuid.UUID,
    data: ReviewIn,
    *,
    via: str = "web",
) -> PlanReview:
    """Review a plan or ACE screening: what was found, and the next review (or the end)."""
    plan, young_person = _plan(db, actor, plan_kind, plan_id)
    _not_future(data.reviewed_on, "reviewed_on")
    start = plan.started_on if isinstance(plan, CustodySupportPlan) else plan.screened_on
    if data.reviewed_on < start:
        raise InvalidInput("A review cannot come before the plan started.", field="reviewed_on")
    if isinstance(plan, CustodySupportPlan) and plan.ended_on is not None:
        raise InvalidInput("This plan has ended.", field="reviewed_on")
    ends = data.end and isinstance(plan, CustodySupportPlan)
    next_on = None if ends else data.reviewed_on + timedelta(days=plan.review_every_days)
    entry = PlanReview(
        plan_kind=plan_kind,
        plan_id=plan.id,
        reviewed_on=data.reviewed_on,
        reviewed_by_name=actor.display_name,
        note=data.note.strip(),
        next_review_on=next_on,
    )
    db.add(entry)
    if next_on is not None:
        plan.next_review_on = next_on
    if ends and isinstance(plan, CustodySupportPlan):
        plan.ended_on = data.reviewed_on
    what = "Custody Support Plan" if plan_kind == "custody_support_plan" else "ACE screening"
    event(
        db,
        actor,
        young_person,
        f"{plan_kind}_review",
        f"{what} reviewed: {entry.note}"
        + (f" Next review by {next_on:%-d %B %Y}." if next_on else " Plan ended."),
        record_type=plan_kind,
        record_id=plan.id,
    )
    audit(db, actor, Operation.ALTERATION, young_person, f"{what} review", via=via)
    commit(db)
    return entry


def plans_of(db: Session, young_person: YoungPerson) -> Sequence[CustodySupportPlan]:
    return db.scalars(
        select(CustodySupportPlan)
        .where(CustodySupportPlan.young_person_id == young_person.id)
        .order_by(CustodySupportPlan.started_on.desc())
    ).all()


def aces_of(db: Session, young_person: YoungPerson) -> Sequence[AceScreening]:
    return db.scalars(
        select(AceScreening)
        .where(AceScreening.young_person_id == young_person.id)
        .order_by(AceScreening.screened_on.desc())
    ).all()


def reviews_of(db: Session, plan_id: uuid.UUID) -> Sequence[PlanReview]:
    return db.scalars(
        select(PlanReview).where(PlanReview.plan_id == plan_id).order_by(PlanReview.reviewed_on)
    ).all()


def experiences(screening: AceScreening) -> list[str]:
    return list(json.loads(screening.experiences))


def overdue_reviews(
    db: Session, actor: Actor, *, on: date | None = None
) -> list[CustodySupportPlan | AceScreening]:
    """Open plans and ACE screenings whose next review date has passed."""
    actor.require(Permission.SAFEGUARDING_READ)
    today = on or clock.now().date()
    plans = db.scalars(
        select(CustodySupportPlan)
        .join(YoungPerson, YoungPerson.id == CustodySupportPlan.young_person_id)
        .where(
            case_filter(actor),
            CustodySupportPlan.ended_on.is_(None),
            CustodySupportPlan.next_review_on < today,
        )
    ).all()
    aces = db.scalars(
        select(AceScreening)
        .join(YoungPerson, YoungPerson.id == AceScreening.young_person_id)
        .where(case_filter(actor), AceScreening.next_review_on < today)
    ).all()
    return [*plans, *aces]


def _not_future(day: date, field: str) -> None:
    if day > clock.now().date():
        raise InvalidInput("The date cannot be in the future.", field=field)


def _plan(
    db: Session, actor: Actor, plan_kind: str, plan_id: uuid.UUID
) -> tuple[CustodySupportPlan | AceScreening, YoungPerson]:
    plan: CustodySupportPlan | AceScreening | None
    if plan_kind == "custody_support_plan":
        plan = db.get(CustodySupportPlan, plan_id)
    elif plan_kind == "ace_screening":
        plan = db.get(AceScreening, plan_id)
    else:
        raise NotFound(NO_SUCH_PLAN)
    if plan is None:
        raise NotFound(NO_SUCH_PLAN)
    try:
        young_person = case_of(
            db, actor, plan.young_person_id, permission=Permission.SAFEGUARDING_WRITE
        )
    except NotFound:
        raise NotFound(NO_SUCH_PLAN) from None
    return plan, young_person
