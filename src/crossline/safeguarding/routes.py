"""Safeguarding in the JSON API: young people's cases and every step taken to protect them.

Each route parses the request, calls one service and returns what it made.
Every read of a case is a consultation in the audit log and must say why
(DOMAIN.md §AUDIT.s62): reads take a ``why`` query parameter, whose default
names the purpose of the route; a system integrating should send its own.
"""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy.orm import Session

from crossline.auth.actor import Actor
from crossline.auth.dependencies import allowed
from crossline.auth.permissions import Permission
from crossline.core import clock
from crossline.core.dependencies import DbDep, SettingsDep
from crossline.people.schemas import Decision
from crossline.safeguarding.models import (
    AceScreening,
    Concern,
    CustodySupportPlan,
    MissingEpisode,
    NrmReferral,
    PlanReview,
    Screening,
    YoungPerson,
)
from crossline.safeguarding.reference import label
from crossline.safeguarding.schemas import (
    AceIn,
    CaseMemberIn,
    CgDecisionIn,
    ConcernIn,
    FoundIn,
    InterviewIn,
    MissingIn,
    NrmReferralIn,
    OtherRecordDecisionIn,
    PlanIn,
    RegradeIn,
    ReviewIn,
    RgDecisionIn,
    ScreeningIn,
    StrategyMeetingIn,
    TriageIn,
    YoungPersonChange,
    YoungPersonIn,
    YoungPersonRead,
)
from crossline.safeguarding.services import (
    case,
    concerns,
    linkage,
    missing,
    nrm,
    plans,
    screening,
    young_people,
)

router = APIRouter(prefix="/api/safeguarding", tags=["safeguarding"])

Reader = Annotated[Actor, allowed(Permission.SAFEGUARDING_READ)]
Writer = Annotated[Actor, allowed(Permission.SAFEGUARDING_WRITE)]
Referrer = Annotated[Actor, allowed(Permission.NRM_REFER)]
Why = Annotated[
    str,
    Query(
        min_length=1,
        max_length=500,
        description="Why you need the record: kept in the audit log (DOMAIN.md §AUDIT.s62).",
    ),
]
CASE_WORK = "safeguarding case work"


# --- shapes the API returns (beyond schemas.YoungPersonRead) -----------------------------------


class YoungPersonSummary(BaseModel):
    id: uuid.UUID
    reference: str
    name: str
    dob: date | None
    owner_id: uuid.UUID
    url: str


class CaseMemberRead(BaseModel):
    organisation_id: uuid.UUID
    name: str
    holds_record: bool


class ConcernRead(BaseModel):
    id: uuid.UUID
    young_person_id: uuid.UUID
    organisation_id: uuid.UUID
    source: str
    source_label: str
    summary: str
    indicators: list[str]
    line_id: uuid.UUID | None
    raised_at: datetime
    raised_by: str
    triage_due: datetime
    overdue: bool
    triaged_at: datetime | None
    triaged_by: str | None
    triage_decision: str | None
    triage_note: str | None
    state: str
    version: int

    @classmethod
    def of(cls, concern: Concern) -> ConcernRead:
        return cls(
            id=concern.id,
            young_person_id=concern.young_person_id,
            organisation_id=concern.organisation_id,
            source=concern.source,
            source_label=label("concern_sources", concern.source),
            summary=concern.summary,
            indicators=concerns.indicator_ids(concern),
            line_id=concern.line_id,
            raised_at=concern.raised_at,
            raised_by=concern.raised_by_name,
            triage_due=concern.triage_due,
            overdue=concern.triaged_at is None and concern.triage_due < clock.now(),
            triaged_at=concern.triaged_at,
            triaged_by=concern.triaged_by_name,
            triage_decision=concern.triage_decision,
            triage_note=concern.triage_note,
            state=concern.state,
            version=concern.version,
        )


class PrefillRead(BaseModel):
    present: bool
    source: str


class AnswerRead(BaseModel):
    present: bool
    source: str
    note: str | None


class ScreeningRead(BaseModel):
    id: uuid.UUID
    screened_at: datetime
    screened_by: str
    result: str
    answers: dict[str, AnswerRead]
    reasons: list[str]
    note: str | None
    appeared: list[str]  # indicators present now and not at the screening before
    gone: list[str]  # present at the screening before, not now

    @classmethod
    def of(cls, done: Screening, change: screening.Change | None) -> ScreeningRead:
        return cls(
            id=done.id,
            screened_at=done.screened_at,
            screened_by=done.screened_by_name,
            result=done.result,
            answers=json.loads(done.answers),
            reasons=json.loads(done.reasons),
            note=done.note,
            appeared=change.appeared if change else [],
            gone=change.gone if change else [],
        )


class MissingEpisodeRead(BaseModel):
    id: uuid.UUID
    young_person_id: uuid.UUID
    organisation_id: uuid.UUID
    reported_at: datetime
    reported_by: str
    risk: str
    risk_label: str
    found_at: datetime | None
    found_where: str | None
    found_by: str | None
    found_force_area: str | None
    rhi_due: datetime | None
    rhi_overdue: bool
    rhi_done_at: datetime | None
    rhi_by: str | None
    rhi_outcome: str | None
    rhi_note: str | None
    line_id: uuid.UUID | None
    version: int

    @classmethod
    def of(cls, episode: MissingEpisode) -> MissingEpisodeRead:
        due = episode.rhi_due
        return cls(
            id=episode.id,
            young_person_id=episode.young_person_id,
            organisation_id=episode.organisation_id,
            reported_at=episode.reported_at,
            reported_by=episode.reported_by,
            risk=episode.risk,
            risk_label=label("missing_risk", episode.risk),
            found_at=episode.found_at,
            found_where=episode.found_where,
            found_by=episode.found_by,
            found_force_area=episode.found_force_area,
            rhi_due=due,
            rhi_overdue=due is not None and episode.rhi_outcome is None and due < clock.now(),
            rhi_done_at=episode.rhi_done_at,
            rhi_by=episode.rhi_by,
            rhi_outcome=episode.rhi_outcome,
            rhi_note=episode.rhi_note,
            line_id=episode.line_id,
            version=episode.version,
        )


class NrmReferralRead(BaseModel):
    id: uuid.UUID
    young_person_id: uuid.UUID
    organisation_id: uuid.UUID
    referred_at: datetime
    referred_by: str
    consent: str
    summary: str
    route: str
    rg_due: datetime
    rg_decision: str | None
    rg_decided_on: date | None
    rg_threshold: str | None
    recovery_until: date | None
    cg_decision: str | None
    cg_decided_on: date | None
    version: int

    @classmethod
    def of(cls, referral: NrmReferral) -> NrmReferralRead:
        return cls(
            id=referral.id,
            young_person_id=referral.young_person_id,
            organisation_id=referral.organisation_id,
            referred_at=referral.referred_at,
            referred_by=referral.referred_by_name,
            consent=referral.consent,
            summary=referral.summary,
            route=referral.route,
            rg_due=referral.rg_due,
            rg_decision=referral.rg_decision,
            rg_decided_on=referral.rg_decided_on,
            rg_threshold=referral.rg_threshold,
            recovery_until=referral.recovery_until,
            cg_decision=referral.cg_decision,
            cg_decided_on=referral.cg_decided_on,
            version=referral.version,
        )


class OverdueNrmRead(BaseModel):
    referral: NrmReferralRead
    awaited: str


class ReviewRead(BaseModel):
    id: uuid.UUID
    plan_kind: str
    plan_id: uuid.UUID
    reviewed_on: date
    reviewed_by: str
    note: str
    next_review_on: date | None

    @classmethod
    def of(cls, review: PlanReview) -> ReviewRead:
        return cls(
            id=review.id,
            plan_kind=review.plan_kind,
            plan_id=review.plan_id,
            reviewed_on=review.reviewed_on,
            reviewed_by=review.reviewed_by_name,
            note=review.note,
            next_review_on=review.next_review_on,
        )


class PlanRead(BaseModel):
    id: uuid.UUID
    young_person_id: uuid.UUID
    establishment: str
    officer: str
    started_on: date
    goals: str
    review_every_days: int
    next_review_on: date
    ended_on: date | None
    reviews: list[ReviewRead]
    version: int


class AceRead(BaseModel):
    id: uuid.UUID
    young_person_id: uuid.UUID
    screened_on: date
    contact: str
    experiences: list[str]
    review_every_days: int
    next_review_on: date
    referred_to: str | None
    reviews: list[ReviewRead]
    version: int


class OtherRecordRead(BaseModel):
    """Another young person record that may be this child, as far as you may know it: the
    reference, link and decision only when your organisation works on that case too, else
    the organisation holding it and whom to contact."""

    match_id: uuid.UUID | None
    held_by: str
    probability: float
    reference: str | None
    url: str | None
    contact: str | None
    decision: Decision | None
    note: str | None
    decided_by: str | None
    decided_at: datetime | None

    @classmethod
    def of(cls, other: linkage.OtherRecord) -> OtherRecordRead:
        return cls(
            match_id=other.match_id,
            held_by=other.held_by,
            probability=other.probability,
            reference=other.reference,
            url=other.url,
            contact=other.contact,
            decision=other.decision,
            note=other.note,
            decided_by=other.decided_by,
            decided_at=other.decided_at,
        )


class TimelineEntryRead(BaseModel):
    at: datetime
    kind: str
    summary: str
    by: str
    organisation: str
    line_reference: str | None
    line_held_by: str | None
    line_contact: str | None


class NextActionRead(BaseModel):
    what: str
    owner: str
    due: datetime | date | None
    overdue: bool


class CaseRead(BaseModel):
    young_person: YoungPersonRead
    organisations: list[CaseMemberRead]
    timeline: list[TimelineEntryRead]
    next_actions: list[NextActionRead]


# --- young people and their cases ---------------------------------------------------------------


@router.get("/young-people")
def api_cases(db: DbDep, actor: Reader) -> list[YoungPersonSummary]:
    """Every young person whose case your organisation holds or has joined."""
    return [_summary(p) for p in young_people.list_cases(db, actor)]


@router.post("/young-people", status_code=201)
def api_create(
    data: YoungPersonIn, db: DbDep, settings: SettingsDep, actor: Writer
) -> YoungPersonRead:
    """Record a young person; your organisation holds the record. They are then linked to
    the people police forces know (the case's "known to police")."""
    young_person = young_people.create(db, actor, data, via="api")
    linkage.relink_young_people(db, memory_limit=settings.linkage_memory_limit, via="api")
    return young_people.read(db, young_person)


@router.get("/young-people/{young_person_id}")
def api_young_person(
    young_person_id: uuid.UUID, db: DbDep, actor: Reader, why: Why = CASE_WORK
) -> YoungPersonRead:
    """A young person's details. Audited, with ``why``."""
    return young_people.read(db, _get(db, actor, young_person_id, why))


@router.put("/young-people/{young_person_id}")
def api_change(
    young_person_id: uuid.UUID,
    data: YoungPersonChange,
    db: DbDep,
    settings: SettingsDep,
    actor: Writer,
) -> YoungPersonRead:
    """Correct a young person's details, sending the ``version`` you read (409 if changed);
    they are linked again to the people police forces know."""
    young_person = young_people.change(db, actor, young_person_id, data, via="api")
    linkage.relink_young_people(db, memory_limit=settings.linkage_memory_limit, via="api")
    return young_people.read(db, young_person)


@router.get("/young-people/{young_person_id}/case")
def api_case(
    young_person_id: uuid.UUID, db: DbDep, actor: Reader, why: Why = CASE_WORK
) -> CaseRead:
    """The case: its timeline, newest first, and what is waiting, soonest first. Audited."""
    view = case.case_view(db, actor, young_person_id, why=why, via="api")
    owner_id = view.young_person.owner_id
    return CaseRead(
        young_person=young_people.read(db, view.young_person),
        organisations=[
            CaseMemberRead(organisation_id=o.id, name=o.name, holds_record=o.id == owner_id)
            for o in view.organisations
        ],
        timeline=[
            TimelineEntryRead(
                at=e.at,
                kind=e.kind,
                summary=e.summary,
                by=e.by,
                organisation=e.organisation,
                line_reference=e.line.reference if e.line else None,
                line_held_by=e.line.held_by if e.line else None,
                line_contact=e.line.contact if e.line else None,
            )
            for e in view.timeline
        ],
        next_actions=[
            NextActionRead(what=a.what, owner=a.owner, due=a.due, overdue=a.overdue)
            for a in view.next_actions
        ],
    )


@router.get("/young-people/{young_person_id}/members")
def api_members(
    young_person_id: uuid.UUID, db: DbDep, actor: Reader, why: Why = CASE_WORK
) -> list[CaseMemberRead]:
    """The organisations working on the case, the one holding the record first."""
    young_person = _get(db, actor, young_person_id, why)
    return _members(db, young_person)


@router.post("/young-people/{young_person_id}/members", status_code=201)
def api_add_member(
    young_person_id: uuid.UUID, data: CaseMemberIn, db: DbDep, actor: Writer
) -> list[CaseMemberRead]:
    """Bring another organisation into the case (the record's holder only): it then sees
    the whole case. Audited as a disclosure to that organisation."""
    member = young_people.add_member(db, actor, young_person_id, data, via="api")
    young_person = db.get_one(YoungPerson, member.young_person_id)
    return _members(db, young_person)


@router.post("/young-people/{young_person_id}/other-records/{match_id}/decision")
def api_decide_other_record(
    young_person_id: uuid.UUID,
    match_id: uuid.UUID,
    data: OtherRecordDecisionIn,
    db: DbDep,
    actor: Writer,
) -> OtherRecordRead:
    """Decide whether another record of this young person (a possible duplicate) is of the
    same child: ``same``, ``different`` or ``unsure``, the last two with a ``note`` saying
    why. Only for a record in a case your organisation works on; remembered by every later
    linkage, and deciding again replaces the decision. Audited as an alteration."""
    decided = linkage.decide_other_record(
        db, actor, young_person_id, match_id, data.decision, data.note, via="api"
    )
    return OtherRecordRead.of(decided)


# --- concerns -----------------------------------------------------------------------------------


@router.get("/concerns/open")
def api_open_concerns(db: DbDep, actor: Reader) -> list[ConcernRead]:
    """Concerns not yet triaged in your organisation's cases, soonest due first."""
    return [ConcernRead.of(c) for c in concerns.open_concerns(db, actor)]


@router.get("/concerns/overdue")
def api_overdue_concerns(db: DbDep, actor: Reader) -> list[ConcernRead]:
    """Concerns whose triage is past its due time."""
    return [ConcernRead.of(c) for c in concerns.overdue_triage(db, actor)]


@router.get("/concerns/{concern_id}")
def api_concern(
    concern_id: uuid.UUID, db: DbDep, actor: Reader, why: Why = CASE_WORK
) -> ConcernRead:
    """One concern. Audited, with ``why``, as a look at the young person's case."""
    concern, young_person = concerns.get_concern(db, actor, concern_id)
    _get(db, actor, young_person.id, why)
    return ConcernRead.of(concern)


@router.post("/concerns/{concern_id}/triage")
def api_triage(concern_id: uuid.UUID, data: TriageIn, db: DbDep, actor: Writer) -> ConcernRead:
    """Record the triage decision, with reasons (the raising organisation, once)."""
    return ConcernRead.of(concerns.triage(db, actor, concern_id, data, via="api"))


@router.get("/young-people/{young_person_id}/concerns")
def api_concerns(
    young_person_id: uuid.UUID, db: DbDep, actor: Reader, why: Why = CASE_WORK
) -> list[ConcernRead]:
    """The case's concerns, newest first. Audited."""
    young_person = _get(db, actor, young_person_id, why)
    return [ConcernRead.of(c) for c in concerns.concerns_of(db, young_person)]


@router.post("/young-people/{young_person_id}/concerns", status_code=201)
def api_raise(young_person_id: uuid.UUID, data: ConcernIn, db: DbDep, actor: Writer) -> ConcernRead:
    """Raise a concern; its triage falls due by the configured time."""
    return ConcernRead.of(concerns.raise_concern(db, actor, young_person_id, data, via="api"))


# --- screening ----------------------------------------------------------------------------------


@router.get("/young-people/{young_person_id}/screening-prefill")
def api_prefill(
    young_person_id: uuid.UUID, db: DbDep, actor: Reader, why: Why = CASE_WORK
) -> dict[str, PrefillRead]:
    """The answers Crossline suggests for a screening, by indicator id, each with its source."""
    _get(db, actor, young_person_id, why)
    found = screening.prefill(db, actor, young_person_id)
    return {k: PrefillRead(present=v.present, source=v.source) for k, v in found.items()}


@router.get("/young-people/{young_person_id}/screenings")
def api_screenings(
    young_person_id: uuid.UUID, db: DbDep, actor: Reader, why: Why = CASE_WORK
) -> list[ScreeningRead]:
    """The screenings, newest first, each with what changed since the one before."""
    young_person = _get(db, actor, young_person_id, why)
    return [ScreeningRead.of(s, c) for s, c in screening.changes(db, young_person)]


@router.post("/young-people/{young_person_id}/screenings", status_code=201)
def api_screen(
    young_person_id: uuid.UUID, data: ScreeningIn, db: DbDep, actor: Writer
) -> ScreeningRead:
    """Record a screening: each indicator present or not. Indicators found for a child
    raise a concern (DOMAIN.md §CCE)."""
    done = screening.screen(db, actor, young_person_id, data, via="api")
    young_person = db.get_one(YoungPerson, done.young_person_id)
    change = next((c for s, c in screening.changes(db, young_person) if s.id == done.id), None)
    return ScreeningRead.of(done, change)


# --- missing episodes ---------------------------------------------------------------------------


@router.get("/missing-episodes/overdue-interviews")
def api_overdue_interviews(db: DbDep, actor: Reader) -> list[MissingEpisodeRead]:
    """Returned young people whose return-home interview is past due (§MISSING.rhi)."""
    return [MissingEpisodeRead.of(e) for e in missing.overdue_interviews(db, actor)]


@router.get("/missing-episodes/still-missing")
def api_still_missing(db: DbDep, actor: Reader) -> list[MissingEpisodeRead]:
    """Episodes with no return recorded, longest missing first."""
    return [MissingEpisodeRead.of(e) for e in missing.still_missing(db, actor)]


@router.get("/missing-episodes/{episode_id}")
def api_episode(
    episode_id: uuid.UUID, db: DbDep, actor: Reader, why: Why = CASE_WORK
) -> MissingEpisodeRead:
    episode, young_person = missing.get_episode(db, actor, episode_id)
    _get(db, actor, young_person.id, why)
    return MissingEpisodeRead.of(episode)


@router.post("/missing-episodes/{episode_id}/regrade")
def api_regrade(
    episode_id: uuid.UUID, data: RegradeIn, db: DbDep, actor: Writer
) -> MissingEpisodeRead:
    """A new risk grade, with why; the old one stays in the case timeline."""
    return MissingEpisodeRead.of(missing.regrade(db, actor, episode_id, data, via="api"))


@router.post("/missing-episodes/{episode_id}/found")
def api_found(episode_id: uuid.UUID, data: FoundIn, db: DbDep, actor: Writer) -> MissingEpisodeRead:
    """Found or returned: where, when, by whom. The interview falls due 72 hours later."""
    return MissingEpisodeRead.of(missing.found(db, actor, episode_id, data, via="api"))


@router.post("/missing-episodes/{episode_id}/interview")
def api_interview(
    episode_id: uuid.UUID, data: InterviewIn, db: DbDep, actor: Writer
) -> MissingEpisodeRead:
    """The return-home interview completed or declined."""
    return MissingEpisodeRead.of(missing.interview(db, actor, episode_id, data, via="api"))


@router.get("/young-people/{young_person_id}/missing-episodes")
def api_episodes(
    young_person_id: uuid.UUID, db: DbDep, actor: Reader, why: Why = CASE_WORK
) -> list[MissingEpisodeRead]:
    young_person = _get(db, actor, young_person_id, why)
    return [MissingEpisodeRead.of(e) for e in missing.episodes_of(db, young_person)]


@router.post("/young-people/{young_person_id}/missing-episodes", status_code=201)
def api_report_missing(
    young_person_id: uuid.UUID, data: MissingIn, db: DbDep, actor: Writer
) -> MissingEpisodeRead:
    """Report a young person missing, with a risk grade; a child's episode raises a concern."""
    episode = missing.report_missing(db, actor, young_person_id, data, via="api")
    return MissingEpisodeRead.of(episode)


# --- the National Referral Mechanism ------------------------------------------------------------


@router.get("/nrm-referrals/overdue")
def api_overdue_decisions(db: DbDep, actor: Reader) -> list[OverdueNrmRead]:
    """Referrals whose reasonable-grounds decision is past due, or whose conclusive-grounds
    decision is still awaited after the recovery period."""
    return [
        OverdueNrmRead(referral=NrmReferralRead.of(r), awaited=awaited)
        for r, awaited in nrm.overdue_decisions(db, actor)
    ]


@router.get("/nrm-referrals/{referral_id}")
def api_referral(
    referral_id: uuid.UUID, db: DbDep, actor: Reader, why: Why = CASE_WORK
) -> NrmReferralRead:
    referral, young_person = nrm.get_referral(db, actor, referral_id)
    _get(db, actor, young_person.id, why)
    return NrmReferralRead.of(referral)


@router.post("/nrm-referrals/{referral_id}/reasonable-grounds")
def api_reasonable_grounds(
    referral_id: uuid.UUID, data: RgDecisionIn, db: DbDep, actor: Referrer
) -> NrmReferralRead:
    """The reasonable-grounds decision; a positive one starts the recovery period."""
    referral = nrm.reasonable_grounds(db, actor, referral_id, data, via="api")
    return NrmReferralRead.of(referral)


@router.post("/nrm-referrals/{referral_id}/conclusive-grounds")
def api_conclusive_grounds(
    referral_id: uuid.UUID, data: CgDecisionIn, db: DbDep, actor: Referrer
) -> NrmReferralRead:
    """The conclusive-grounds decision, after a positive reasonable-grounds decision."""
    referral = nrm.conclusive_grounds(db, actor, referral_id, data, via="api")
    return NrmReferralRead.of(referral)


@router.get("/young-people/{young_person_id}/nrm-referrals")
def api_referrals(
    young_person_id: uuid.UUID, db: DbDep, actor: Reader, why: Why = CASE_WORK
) -> list[NrmReferralRead]:
    young_person = _get(db, actor, young_person_id, why)
    return [NrmReferralRead.of(r) for r in nrm.referrals_of(db, young_person)]


@router.post("/young-people/{young_person_id}/nrm-referrals", status_code=201)
def api_refer(
    young_person_id: uuid.UUID, data: NrmReferralIn, db: DbDep, actor: Referrer
) -> NrmReferralRead:
    """Refer to the NRM as a first responder; a child needs no consent (§NRM.consent).
    Audited as a disclosure to the deciding authority."""
    return NrmReferralRead.of(nrm.refer(db, actor, young_person_id, data, via="api"))


# --- Custody Support Plans and ACE screenings ---------------------------------------------------


@router.get("/reviews/overdue")
def api_overdue_reviews(db: DbDep, actor: Reader) -> list[PlanRead | AceRead]:
    """Open Custody Support Plans and ACE screenings whose review date has passed."""
    return [
        _plan(db, p) if isinstance(p, CustodySupportPlan) else _ace(db, p)
        for p in plans.overdue_reviews(db, actor)
    ]


@router.post("/custody-support-plans/{plan_id}/reviews", status_code=201)
def api_review_plan(plan_id: uuid.UUID, data: ReviewIn, db: DbDep, actor: Writer) -> ReviewRead:
    """Review a Custody Support Plan: what was found, and the next review or the end."""
    return ReviewRead.of(plans.review(db, actor, "custody_support_plan", plan_id, data, via="api"))


@router.post("/ace-screenings/{screening_id}/reviews", status_code=201)
def api_review_ace(screening_id: uuid.UUID, data: ReviewIn, db: DbDep, actor: Writer) -> ReviewRead:
    """Review an ACE screening: what was found; the next review is set from it."""
    return ReviewRead.of(plans.review(db, actor, "ace_screening", screening_id, data, via="api"))


@router.get("/young-people/{young_person_id}/custody-support-plans")
def api_plans(
    young_person_id: uuid.UUID, db: DbDep, actor: Reader, why: Why = CASE_WORK
) -> list[PlanRead]:
    young_person = _get(db, actor, young_person_id, why)
    return [_plan(db, p) for p in plans.plans_of(db, young_person)]


@router.post("/young-people/{young_person_id}/custody-support-plans", status_code=201)
def api_start_plan(young_person_id: uuid.UUID, data: PlanIn, db: DbDep, actor: Writer) -> PlanRead:
    """Start a Custody Support Plan; its first review falls due by the configured interval."""
    return _plan(db, plans.start_plan(db, actor, young_person_id, data, via="api"))


@router.post("/young-people/{young_person_id}/strategy-meetings", status_code=201)
def api_strategy_meeting(
    young_person_id: uuid.UUID, data: StrategyMeetingIn, db: DbDep, actor: Writer
) -> TimelineEntryRead:
    """Record a strategy meeting held: it answers the prompt of repeated missing episodes
    (§MISSING.risk) and a triage decision to hold one, and goes on the case timeline."""
    entry = missing.record_strategy_meeting(db, actor, young_person_id, data, via="api")
    return TimelineEntryRead(
        at=entry.at,
        kind=entry.kind,
        summary=entry.summary,
        by=entry.by_name,
        organisation=actor.organisation_name,
        line_reference=None,
        line_held_by=None,
        line_contact=None,
    )


@router.get("/young-people/{young_person_id}/ace-screenings")
def api_aces(
    young_person_id: uuid.UUID, db: DbDep, actor: Reader, why: Why = CASE_WORK
) -> list[AceRead]:
    young_person = _get(db, actor, young_person_id, why)
    return [_ace(db, a) for a in plans.aces_of(db, young_person)]


@router.post("/young-people/{young_person_id}/ace-screenings", status_code=201)
def api_screen_aces(young_person_id: uuid.UUID, data: AceIn, db: DbDep, actor: Writer) -> AceRead:
    """ACE screening at a police contact, by one of the four Welsh forces (§PROG.eat-wales)."""
    return _ace(db, plans.screen_aces(db, actor, young_person_id, data, via="api"))


# --- helpers ------------------------------------------------------------------------------------


def _get(db: Session, actor: Actor, young_person_id: uuid.UUID, why: str) -> YoungPerson:
    """The young person, the look audited as a consultation with ``why``."""
    return young_people.get(db, actor, young_person_id, why=why, via="api")


def _summary(young_person: YoungPerson) -> YoungPersonSummary:
    return YoungPersonSummary(
        id=young_person.id,
        reference=young_person.reference,
        name=young_person.name,
        dob=young_person.dob,
        owner_id=young_person.owner_id,
        url=young_person.url,
    )


def _members(db: Session, young_person: YoungPerson) -> list[CaseMemberRead]:
    return [
        CaseMemberRead(
            organisation_id=o.id, name=o.name, holds_record=o.id == young_person.owner_id
        )
        for o in young_people.members(db, young_person)
    ]


def _plan(db: Session, plan: CustodySupportPlan) -> PlanRead:
    return PlanRead(
        id=plan.id,
        young_person_id=plan.young_person_id,
        establishment=plan.establishment,
        officer=plan.officer,
        started_on=plan.started_on,
        goals=plan.goals,
        review_every_days=plan.review_every_days,
        next_review_on=plan.next_review_on,
        ended_on=plan.ended_on,
        reviews=[ReviewRead.of(r) for r in plans.reviews_of(db, plan.id)],
        version=plan.version,
    )


def _ace(db: Session, ace: AceScreening) -> AceRead:
    return AceRead(
        id=ace.id,
        young_person_id=ace.young_person_id,
        screened_on=ace.screened_on,
        contact=ace.contact,
        experiences=plans.experiences(ace),
        review_every_days=ace.review_every_days,
        next_review_on=ace.next_review_on,
        referred_to=ace.referred_to,
        reviews=[ReviewRead.of(r) for r in plans.reviews_of(db, ace.id)],
        version=ace.version,
    )
