"""The demo's safeguarding cases: the concerns analysis raised about children on the demo
world's lines, taken through triage, screening, the NRM and sharing with the council; and
the council's own cases, with missing episodes, return-home interviews and a plan.

Idempotent: once the council holds its demo young people, nothing is added again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from crossline.auth.actor import Actor
from crossline.auth.signin import actor_for_email
from crossline.core import clock
from crossline.orgs.models import Organisation
from crossline.safeguarding.models import YoungPerson
from crossline.safeguarding.reference import SCREENING_ITEMS
from crossline.safeguarding.schemas import (
    CaseMemberIn,
    ConcernIn,
    FoundIn,
    InterviewIn,
    MissingIn,
    NrmReferralIn,
    PartnershipActivityIn,
    PartnershipIn,
    PlanIn,
    RgDecisionIn,
    ScreeningAnswer,
    ScreeningIn,
    TriageIn,
    YoungPersonIn,
)
from crossline.safeguarding.services import (
    concerns,
    linkage,
    missing,
    nrm,
    partnerships,
    plans,
    screening,
    young_people,
)

POLICE = "safeguarding@demo.crossline.uk"
COUNCIL = "social.worker@demo.crossline.uk"
YOUTH_JUSTICE = "youth.justice@demo.crossline.uk"
SCHOOL = "school.dsl@demo.crossline.uk"
SCHOOL_FORCE = "west-mercia"  # the school is in Shropshire, in West Mercia's area
PROVIDER = "provider@demo.crossline.uk"
SOLICITOR = "lawyer@demo.crossline.uk"
TELFORD = (52.6766, -2.4469)  # in West Mercia, the demo world's county area


@dataclass(frozen=True)
class DemoCases:
    triaged: int
    council_cases: int
    links: int


def import_demo_agencies(db: Session, world: Path) -> tuple[int, int]:
    """The demo world's agency records imported as the organisations that hold them:
    missing episodes and custody by West Midlands Police's safeguarding team (its own
    rows), exclusions by the council. Returns the young people recorded and the concerns
    raised; importing again adds nothing."""
    from crossline.safeguarding.importing import import_agency_file

    folder = world / "agencies"
    people = folder / "person_records.csv"
    added = raised = 0
    for email, kind, name in (
        (POLICE, "missing", "missing_episodes.csv"),
        (POLICE, "custody", "custody.csv"),
        (COUNCIL, "exclusions", "school_exclusions.csv"),
    ):
        actor = actor_for_email(db, email)
        summary = import_agency_file(db, actor, kind, folder / name, people=people, via="cli")
        added += summary.young_people_added
        raised += summary.concerns_raised
    return added, raised


def seed_demo_safeguarding(db: Session) -> DemoCases:
    """Work the demo's cases as the police safeguarding team, the council and youth justice."""
    police = actor_for_email(db, POLICE)
    council = actor_for_email(db, COUNCIL)
    youth_justice = actor_for_email(db, YOUTH_JUSTICE)
    done = db.scalar(
        select(YoungPerson.id).where(
            YoungPerson.owner_id == council.organisation_id,
            YoungPerson.source_ref == "DEMO-1",
        )
    )
    if done is not None:
        return DemoCases(0, 0, 0)
    triaged = _police_cases(db, police, council, youth_justice)
    kai = _council_cases(db, council, youth_justice)
    _referral_and_release(db, council, kai)
    _philomena(db, council, kai)
    _school_partnership(db, council, actor_for_email(db, SCHOOL))
    _anonymous_report(db)
    links = linkage.relink_young_people(db, via="cli").links
    return DemoCases(triaged, 2, links)


def _police_cases(db: Session, police: Actor, council: Actor, youth_justice: Actor) -> int:
    """The concerns analysis raised: one screened and referred to the NRM, one to the hub,
    the rest left waiting, as a triage list looks on a Monday morning."""
    waiting = list(concerns.open_concerns(db, police))
    for index, concern in enumerate(waiting[:2]):
        decision = "screen" if index == 0 else "refer_to_hub"
        concerns.triage(
            db,
            police,
            concern.id,
            TriageIn(
                decision=decision,
                note="A possible child runner on a line: a possible victim first (§CCE).",
                version=concern.version,
            ),
            via="cli",
        )
    if not waiting:
        return 0
    first = waiting[0].young_person_id
    suggested = screening.prefill(db, police, first)
    answers = {
        item.id: ScreeningAnswer(present=item.id in suggested) for item in SCREENING_ITEMS[:11]
    }
    answers["CL18-03"] = ScreeningAnswer(present=True, note="Two handsets seized on arrest")
    screening.screen(db, police, first, ScreeningIn(answers=answers), via="cli")
    referral = nrm.refer(
        db,
        police,
        first,
        NrmReferralIn(summary="Runner on a county line, travelling in school hours."),
        via="cli",
    )
    today = clock.now().date()
    nrm.reasonable_grounds(
        db,
        police,
        referral.id,
        RgDecisionIn(decision="positive", decided_on=today, version=referral.version),
        via="cli",
    )
    for partner, reason in (
        (council, "The child lives in Shropshire: children's services lead"),
        (youth_justice, "Youth justice worker for the child's court case"),
    ):
        young_people.add_member(
            db,
            police,
            first,
            CaseMemberIn(organisation_id=partner.organisation_id, reason=reason),
            via="cli",
        )
    return min(2, len(waiting))


def _council_cases(db: Session, council: Actor, youth_justice: Actor) -> YoungPerson:
    now = clock.now()
    kai = young_people.create(
        db,
        council,
        YoungPersonIn(
            first_name="Kai",
            surname="Morgan",
            dob=date(now.year - 15, 4, 12),
            gender="male",
            postcode="TF1 1AA",
            country="england",
            force_area="west-mercia",
            education="mainstream_school",
            exclusion="suspended",
            circumstances=["returned_from_missing"],
        ),
        via="cli",
        source_ref="DEMO-1",
    )
    episode = missing.report_missing(
        db,
        council,
        kai.id,
        MissingIn(reported_at=now - timedelta(days=5), reported_by="Foster carer", risk="high"),
        via="cli",
    )
    missing.found(
        db,
        council,
        episode.id,
        FoundIn(
            found_at=now - timedelta(days=4),
            found_where="A flat in Telford",
            found_by="West Mercia Police",
            found_lat=TELFORD[0],
            found_lon=TELFORD[1],
            version=episode.version,
        ),
        via="cli",
    )  # the interview is now overdue: it shows on the dashboard
    ellie = young_people.create(
        db,
        council,
        YoungPersonIn(
            first_name="Ellie",
            surname="Ward",
            dob=date(now.year - 14, 9, 2),
            gender="female",
            country="england",
            force_area="west-mercia",
            education="pupil_referral_unit",
            circumstances=["gang_sexual_violence"],
        ),
        via="cli",
        source_ref="DEMO-2",
    )
    school = concerns.raise_concern(
        db,
        council,
        ellie.id,
        ConcernIn(
            source="school",
            summary="New phone and clothes, missing afternoons, seen with older men.",
            indicators=["CL18-02", "CL18-04", "CL23-01"],
            raised_at=now - timedelta(days=2),
        ),
        via="cli",
    )
    concerns.triage(
        db,
        council,
        school.id,
        TriageIn(decision="strategy_meeting", note="Strategy discussion on Thursday", version=1),
        via="cli",
    )
    back = missing.report_missing(
        db,
        council,
        ellie.id,
        MissingIn(reported_at=now - timedelta(days=10), reported_by="Mother", risk="medium"),
        via="cli",
    )
    missing.found(
        db,
        council,
        back.id,
        FoundIn(
            found_at=now - timedelta(days=9),
            found_where="Home",
            found_by="Returned herself",
            version=back.version,
        ),
        via="cli",
    )
    missing.interview(
        db,
        council,
        back.id,
        InterviewIn(
            outcome="completed",
            done_at=now - timedelta(days=8),
            by="Independent return interviewer",
            note="Spoke about a friend's older brother.",
            version=back.version,
        ),
        via="cli",
    )
    young_people.add_member(
        db,
        council,
        kai.id,
        CaseMemberIn(organisation_id=youth_justice.organisation_id, reason="Youth custody plan"),
        via="cli",
    )
    plans.start_plan(
        db,
        youth_justice,
        kai.id,
        PlanIn(
            establishment="Wetherby YOI (demo)",
            officer="Officer Dean Hart",
            started_on=now.date() - timedelta(days=20),
            goals="Education every weekday; contact with his foster carer twice a week.",
        ),
        via="cli",
    )
    return kai


def _philomena(db: Session, council: Actor, kai: YoungPerson) -> None:
    """Kai's carers' Philomena protocol details (Part 1), recorded in advance: West Mercia
    Police would read them only while he is reported missing (docs/safeguarding.md)."""
    from crossline.safeguarding.services import philomena

    philomena.record_profile(
        db,
        council,
        kai.id,
        philomena.PhilomenaIn(
            description="White, 5ft 7in, slim, short dark hair, scar above left eyebrow.",
            associates="Older friends from Birmingham he calls 'the lads'; a girlfriend, Telford.",
            places="Shrewsbury bus station; Telford town centre; trains to Birmingham New Street.",
            phone_identifiers="Uses two phones; the number his carers know ends 0142.",
            past_episodes="Three in October, found in Birmingham twice.",
            vulnerabilities="Owes money to older boys; recently excluded from school.",
            transport="Travels by train without a ticket.",
        ),
        via="cli",
    )


def _anonymous_report(db: Session) -> None:
    """A report sent from the public form about Shropshire: West Mercia Police and the
    council read it on their Anonymous reports pages."""
    from crossline.outreach import reports
    from crossline.outreach.schemas import ReportAbout, ReporterAge, ReportIn

    reports.send_report(
        db,
        ReportIn(
            district="shropshire",
            about=ReportAbout.SOMEONE_ELSE,
            what_happened=(
                "A boy in year 9 keeps getting picked up from the bus station by older lads "
                "in a car. He has two phones now and new trainers, and says he goes to "
                "Birmingham at weekends."
            ),
            where_detail="Shrewsbury bus station, after school",
            signs=["CL18-03", "CL18-02", "CL18-04"],
            reporter_age=ReporterAge.UNDER_18,
        ),
        via="cli",
    )


def _school_partnership(db: Session, council: Actor, school: Actor) -> None:
    """The demo school's partnership with its police force (§PROG.ssp), two activities, and
    a concern the school raises on a case the council shares with it, which then names the
    school's police contact."""
    force = db.scalars(select(Organisation).where(Organisation.key == SCHOOL_FORCE)).one()
    now = clock.now()
    partnership = partnerships.start_partnership(
        db,
        school,
        PartnershipIn(
            partner_id=force.id,
            officer_name="PC Rhys Morgan",
            officer_email="rhys.morgan@westmercia.police.example",
            officer_phone="01743 000000",
            started_on=(now - timedelta(days=120)).date(),
            agreement="A Safer Schools officer two days a week: drop-ins, assemblies, "
            "advice to the designated safeguarding lead.",
        ),
        via="cli",
    )
    for days, kind, topic, pupils in (
        (60, "assembly", "County lines: spot the signs", 240),
        (14, "drop_in", "Phones, debt and being asked to carry things", 18),
    ):
        partnerships.record_activity(
            db,
            school,
            partnership.id,
            PartnershipActivityIn(
                held_on=(now - timedelta(days=days)).date(),
                kind=kind,
                topic=topic,
                pupils_reached=pupils,
            ),
            via="cli",
        )
    ellie = db.scalars(
        select(YoungPerson).where(
            YoungPerson.owner_id == council.organisation_id, YoungPerson.source_ref == "DEMO-2"
        )
    ).one()
    young_people.add_member(
        db,
        council,
        ellie.id,
        CaseMemberIn(organisation_id=school.organisation_id, reason="Ellie's school"),
        via="cli",
    )
    concerns.raise_concern(
        db,
        school,
        ellie.id,
        ConcernIn(
            source="school",
            summary="Absent three afternoons this week; an older pupil collects her at the gate.",
            indicators=["CL18-04"],
            raised_at=now - timedelta(hours=3),
        ),
        via="cli",
    )


DELIVERIES = (
    ("admin.stgiles@demo.crossline.uk", "st-giles-county-lines", "London and Kent lines"),
    ("admin.stgiles@demo.crossline.uk", "missing-people-county-lines", "With Missing People"),
    ("admin.redthread@demo.crossline.uk", "redthread", "Emergency departments"),
)


def _referral_and_release(db: Session, council: Actor, kai: YoungPerson) -> None:
    """The providers say what they deliver; the council refers Kai to the Missing People
    strand at St Giles Trust, which accepts and enrols him; the council releases his
    legal summary to his solicitor."""
    from crossline.programmes import referrals
    from crossline.programmes.schemas import DeliveryIn, ReferralIn, StepIn
    from crossline.safeguarding import legal
    from crossline.safeguarding.schemas import ReleaseIn

    for admin, programme, note in DELIVERIES:
        referrals.add_delivery(
            db, actor_for_email(db, admin), DeliveryIn(programme_id=programme, note=note), via="cli"
        )
    provider = actor_for_email(db, PROVIDER)
    referral = referrals.refer(
        db,
        council,
        kai.id,
        ReferralIn(
            young_person_id=kai.id,
            programme_id="missing-people-county-lines",
            provider_id=provider.organisation_id,
            reason="Found in Telford after going missing from placement; needs a return "
            "interview and support for his foster carer.",
        ),
        via="cli",
    )
    referral = referrals.accept(
        db, provider, referral.id, StepIn(version=referral.version), via="cli"
    )
    referrals.enrol(
        db,
        provider,
        referral.id,
        StepIn(version=referral.version, note="First session booked"),
        via="cli",
    )
    legal.release(
        db,
        council,
        kai.id,
        ReleaseIn(
            representative_email=SOLICITOR,
            reason="Kai's solicitor for his youth court hearing: exploitation evidence.",
        ),
        via="cli",
    )
