"""Every time limit of safeguarding work, and that the overdue ones are surfaced.

Triage (configuration: 1 working day), the return-home interview (72 hours,
DOMAIN.md §MISSING.rhi), repeat episodes (3 in 30 days, §MISSING.risk), the
NRM reasonable-grounds decision (5 working days, §NRM.rg; 45 days in a
devolved pilot area, §NRM.devolved), the recovery period by decision date
(§NRM.recovery), the RG threshold by decision date (§NRM.rg), conclusive
grounds awaited after the recovery period (§NRM.cg), and plan reviews.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from crossline.auth.actor import Actor
from crossline.core import clock
from crossline.orgs.models import Organisation
from crossline.safeguarding import reference
from crossline.safeguarding.models import CaseEvent, YoungPerson
from crossline.safeguarding.schemas import (
    AceIn,
    CgDecisionIn,
    ConcernIn,
    FoundIn,
    InterviewIn,
    MissingIn,
    NrmReferralIn,
    PlanIn,
    ReviewIn,
    RgDecisionIn,
    TriageIn,
    YoungPersonIn,
)
from crossline.safeguarding.services import concerns, missing, nrm, plans, young_people
from tests.factories import actor_of, make_organisation, make_user

# Friday 27 November 2026, 15:00 UTC: the next working day is Monday 30 November.
FRIDAY = datetime(2026, 11, 27, 15, tzinfo=UTC)


class Clock:
    def __init__(self, monkeypatch: pytest.MonkeyPatch, moment: datetime) -> None:
        self.moment = moment
        monkeypatch.setattr(clock, "now", lambda: self.moment)

    def move(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch, FRIDAY)


@pytest.fixture
def practitioner(db: Session) -> Actor:
    organisation = make_organisation(db, "local_authority", name="Test Borough Council")
    return actor_of(make_user(db, organisation, ["safeguarding_practitioner"]), organisation)


def child(db: Session, actor: Actor, *, dob: date = date(2010, 5, 1), **facts: str) -> YoungPerson:
    data = YoungPersonIn(first_name="Sam", surname="Test", dob=dob, **facts)  # type: ignore[arg-type]
    return young_people.create(db, actor, data, via="cli")


def test_triage_is_due_by_the_end_of_the_next_working_day_and_overdue_after(
    db: Session, practitioner: Actor, now: Clock
) -> None:
    person = child(db, practitioner)
    concern = concerns.raise_concern(
        db, practitioner, person.id, ConcernIn(summary="Seen with older men at night")
    )
    # Friday afternoon: the weekend is not counted, so the end of Monday, UK time.
    assert concern.triage_due == datetime(2026, 12, 1, 0, tzinfo=UTC)
    now.move(days=3)  # Monday 15:00
    assert concerns.overdue_triage(db, practitioner) == []
    now.move(hours=10)  # Tuesday 01:00
    assert [c.id for c in concerns.overdue_triage(db, practitioner)] == [concern.id]
    concerns.triage(
        db,
        practitioner,
        concern.id,
        TriageIn(decision="screen", note="Screen this week", version=concern.version),
    )
    assert concerns.overdue_triage(db, practitioner) == []
    assert concerns.open_concerns(db, practitioner) == []


def test_a_bank_holiday_is_not_a_working_day(db: Session, practitioner: Actor, now: Clock) -> None:
    now.moment = datetime(2026, 12, 24, 12, tzinfo=UTC)  # Thursday before Christmas
    concern = concerns.raise_concern(
        db, practitioner, child(db, practitioner).id, ConcernIn(summary="Found with cash")
    )
    # 25 December is Friday, 28 December the substitute Boxing Day: the next working day
    # is Tuesday 29 December.
    assert concern.triage_due == datetime(2026, 12, 30, 0, tzinfo=UTC)


def test_the_return_home_interview_is_due_72_hours_after_return(
    db: Session, practitioner: Actor, now: Clock
) -> None:
    person = child(db, practitioner)
    episode = missing.report_missing(
        db,
        practitioner,
        person.id,
        MissingIn(reported_at=FRIDAY - timedelta(hours=20), reported_by="Mother", risk="high"),
    )
    returned = FRIDAY - timedelta(hours=2)
    episode = missing.found(
        db,
        practitioner,
        episode.id,
        FoundIn(found_at=returned, found_where="Home", found_by="Police", version=episode.version),
    )
    assert episode.rhi_due == returned + timedelta(hours=72)
    now.move(hours=69)
    assert missing.overdue_interviews(db, practitioner) == []
    now.move(hours=2)
    assert [e.id for e in missing.overdue_interviews(db, practitioner)] == [episode.id]
    missing.interview(
        db,
        practitioner,
        episode.id,
        InterviewIn(outcome="completed", by="Return interviewer", version=episode.version),
    )
    assert missing.overdue_interviews(db, practitioner) == []
    late = db.scalars(select(CaseEvent).where(CaseEvent.kind == "rhi_done")).one()
    assert "after the 72 hours" in late.summary


def test_a_childs_missing_episode_raises_a_concern_and_three_in_30_days_prompt_a_meeting(
    db: Session, practitioner: Actor, now: Clock
) -> None:
    person = child(db, practitioner)
    for days_ago in (25, 12, 1):
        missing.report_missing(
            db,
            practitioner,
            person.id,
            MissingIn(reported_at=FRIDAY - timedelta(days=days_ago), reported_by="Carer"),
        )
    raised = concerns.concerns_of(db, person)
    assert len(raised) == 3
    assert {c.source for c in raised} == {"missing"}
    prompts = db.scalars(
        select(CaseEvent).where(
            CaseEvent.young_person_id == person.id, CaseEvent.kind == "strategy_meeting_due"
        )
    ).all()
    assert len(prompts) == 1  # only the third episode is the third in 30 days


def test_the_reasonable_grounds_decision_is_due_in_5_working_days(
    db: Session, practitioner: Actor, now: Clock
) -> None:
    person = child(db, practitioner)
    referral = nrm.refer(db, practitioner, person.id, NrmReferralIn(summary="Runner on a line"))
    assert referral.consent == "not_needed_child"  # §NRM.consent
    assert referral.route == "single_competent_authority"
    # Friday 27 November + 5 working days = Friday 4 December; due at its close.
    assert referral.rg_due == datetime(2026, 12, 5, 0, tzinfo=UTC)
    now.moment = datetime(2026, 12, 4, 23, 59, tzinfo=UTC)
    assert nrm.overdue_decisions(db, practitioner) == []
    now.moment = datetime(2026, 12, 5, 0, 1, tzinfo=UTC)
    overdue = nrm.overdue_decisions(db, practitioner)
    assert [(r.id, what) for r, what in overdue] == [(referral.id, "reasonable-grounds decision")]


def test_positive_rg_stores_its_threshold_and_starts_the_recovery_period_of_its_date(
    db: Session, practitioner: Actor, now: Clock
) -> None:
    person = child(db, practitioner)
    referral = nrm.refer(db, practitioner, person.id, NrmReferralIn(summary="Runner"))
    referral = nrm.reasonable_grounds(
        db,
        practitioner,
        referral.id,
        RgDecisionIn(decision="positive", decided_on=date(2026, 11, 27), version=referral.version),
    )
    assert referral.rg_threshold == "reasonable-grounds"
    assert referral.recovery_until == date(2026, 12, 27)  # 30 days since 30 January 2023
    # No CG target (§NRM.cg): awaited, and surfaced once the recovery period is over.
    now.moment = datetime(2026, 12, 27, 12, tzinfo=UTC)
    assert nrm.overdue_decisions(db, practitioner) == []
    now.moment = datetime(2026, 12, 28, 12, tzinfo=UTC)
    assert [w for _, w in nrm.overdue_decisions(db, practitioner)] == [
        "conclusive-grounds decision"
    ]
    nrm.conclusive_grounds(
        db,
        practitioner,
        referral.id,
        CgDecisionIn(
            decision="victim_trafficking", decided_on=date(2026, 12, 28), version=referral.version
        ),
    )
    assert nrm.overdue_decisions(db, practitioner) == []


def test_thresholds_and_recovery_periods_follow_the_decision_date() -> None:
    limits = reference.LIMITS
    assert reference.dated(limits.nrm_thresholds, date(2022, 6, 1)).id == "suspects-not-proven"
    assert reference.dated(limits.nrm_thresholds, date(2023, 3, 1)).id == "objective-factors"
    assert reference.dated(limits.nrm_recovery, date(2023, 1, 29)).days == 45
    assert reference.dated(limits.nrm_recovery, date(2023, 1, 30)).days == 30


def test_a_devolved_pilot_area_gives_45_days_to_a_child_far_from_18(
    db: Session, practitioner: Actor, now: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    pilot = reference.LIMITS.nrm_devolved_pilot.model_copy(update={"force_areas": ("kent",)})
    monkeypatch.setattr(
        reference, "LIMITS", reference.LIMITS.model_copy(update={"nrm_devolved_pilot": pilot})
    )
    monkeypatch.setattr(nrm, "LIMITS", reference.LIMITS)
    young = child(db, practitioner, force_area="kent")
    nearly_adult = child(db, practitioner, dob=date(2009, 1, 10), force_area="kent")
    referral = nrm.refer(db, practitioner, young.id, NrmReferralIn(summary="Runner"))
    assert referral.route == "devolved_pilot"
    assert referral.rg_due == FRIDAY + timedelta(days=45)
    # 44 days from their 18th birthday: not more than 100, so the national route.
    other = nrm.refer(db, practitioner, nearly_adult.id, NrmReferralIn(summary="Runner"))
    assert other.route == "single_competent_authority"


def test_an_adult_must_consent_to_an_nrm_referral(
    db: Session, practitioner: Actor, now: Clock
) -> None:
    from crossline.core.errors import InvalidInput

    adult = child(db, practitioner, dob=date(2000, 1, 1))
    with pytest.raises(InvalidInput) as refused:
        nrm.refer(db, practitioner, adult.id, NrmReferralIn(summary="Cuckooed"))
    assert "MS1" in refused.value.message
    given = nrm.refer(db, practitioner, adult.id, NrmReferralIn(summary="x", consent="given"))
    assert given.consent == "given"


def test_plan_and_ace_reviews_fall_due_and_are_surfaced_when_late(
    db: Session, practitioner: Actor, now: Clock
) -> None:
    person = child(db, practitioner)
    plan = plans.start_plan(
        db,
        practitioner,
        person.id,
        PlanIn(
            establishment="Test YOI", officer="Officer A", started_on=date(2026, 10, 1), goals="x"
        ),
    )
    assert plan.next_review_on == date(2026, 10, 29)  # 28 days: configuration
    assert [p.id for p in plans.overdue_reviews(db, practitioner)] == [plan.id]
    entry = plans.review(
        db,
        practitioner,
        "custody_support_plan",
        plan.id,
        ReviewIn(reviewed_on=date(2026, 11, 20), note="Settling in"),
    )
    assert entry.next_review_on == date(2026, 12, 18)
    assert plans.overdue_reviews(db, practitioner) == []


def test_ace_screening_is_for_the_welsh_forces_and_its_review_falls_due(
    db: Session, practitioner: Actor, now: Clock
) -> None:
    from crossline.core.errors import InvalidInput

    aces = AceIn(
        screened_on=date(2026, 8, 1), contact="Stop", experiences=["verbal_abuse"], refer=True
    )
    person = child(db, practitioner)
    with pytest.raises(InvalidInput):  # §PROG.eat-wales: the four Welsh forces
        plans.screen_aces(db, practitioner, person.id, aces)
    gwent = db.scalars(select(Organisation).where(Organisation.key == "gwent")).first()
    if gwent is None:
        gwent = make_organisation(db, "police_force", name="Gwent Police")
        gwent.key = "gwent"
        db.commit()
    officer = actor_of(make_user(db, gwent, ["safeguarding_practitioner"]), gwent)
    welsh_child = child(db, officer)
    screening = plans.screen_aces(db, officer, welsh_child.id, aces)
    assert screening.referred_to == "early-action-together"
    assert screening.next_review_on == date(2026, 10, 30)  # 90 days: configuration
    assert [p.id for p in plans.overdue_reviews(db, officer)] == [screening.id]
