"""Referrals to programmes through the services: deliveries, eligibility, the steps of a
referral, who may see it (the provider only its own), and what is audited and shared."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from crossline.audit.models import AuditEntry
from crossline.auth.actor import Actor
from crossline.core import clock
from crossline.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from crossline.orgs.models import Organisation
from crossline.programmes import referrals
from crossline.programmes.models import Referral, ReferralEvent
from crossline.programmes.schemas import (
    CompleteIn,
    DeclineIn,
    DeliveryIn,
    ReferralIn,
    ReferralState,
    SharedSummary,
    StepIn,
)
from crossline.safeguarding.models import CaseEvent, YoungPerson
from crossline.safeguarding.schemas import CaseMemberIn, YoungPersonIn
from crossline.safeguarding.services import young_people
from tests.factories import actor_of, make_organisation, make_user

OPEN = "redthread"  # 11 to 25, treated in hospital after violence, London/Nottingham/Birmingham
CLOSED = "missing-people-county-lines"  # returning from a missing episode: Jay is not


@pytest.fixture(autouse=True)
def december(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "now", lambda: datetime(2025, 12, 19, 12, tzinfo=UTC))


@dataclass(frozen=True)
class Parties:
    """Everyone around one young person's case, and some who are not."""

    referrer: Actor  # safeguarding practitioner of the local authority owning the case
    member: Actor  # safeguarding practitioner of a youth justice service on the case
    stranger: Actor  # safeguarding practitioner of a local authority not on the case
    provider: Actor  # programme provider user of the provider
    provider_admin: Actor
    other_provider: Actor  # programme provider user of another provider
    provider_org: Organisation
    other_org: Organisation
    young_person: YoungPerson


def _actor(db: Session, organisation: Organisation, role: str) -> Actor:
    return actor_of(make_user(db, organisation, [role]), organisation)


def make_parties(db: Session, **facts: object) -> Parties:
    council = make_organisation(db, "local_authority", "Test Council")
    youth_justice = make_organisation(db, "youth_justice_service", "Test Youth Justice")
    elsewhere = make_organisation(db, "local_authority", "Elsewhere Council")
    provider_org = make_organisation(db, "programme_provider", "Test Youth Workers")
    other_org = make_organisation(db, "programme_provider", "Other Charity")
    referrer = _actor(db, council, "safeguarding_practitioner")
    member = _actor(db, youth_justice, "safeguarding_practitioner")
    given: dict[str, object] = {
        "first_name": "Jay",
        "surname": "Example",
        "dob": date(2010, 5, 1),
        "postcode": "SE1 7PB",
        "phone_number": "07700 900123",
        "country": "england",
        "force_area": "metropolitan",
        "education": "pupil_referral_unit",
        "circumstances": ["hospital_after_violence", "exploited"],
        "family_problems": ["domestic_abuse"],
    }
    person = young_people.create(db, referrer, YoungPersonIn.model_validate(given | facts))
    young_people.add_member(
        db, referrer, person.id, CaseMemberIn(organisation_id=youth_justice.id, reason="YOS")
    )
    parties = Parties(
        referrer=referrer,
        member=member,
        stranger=_actor(db, elsewhere, "safeguarding_practitioner"),
        provider=_actor(db, provider_org, "programme_provider"),
        provider_admin=_actor(db, provider_org, "administrator"),
        other_provider=_actor(db, other_org, "programme_provider"),
        provider_org=provider_org,
        other_org=other_org,
        young_person=person,
    )
    for programme in (OPEN, CLOSED):
        referrals.add_delivery(db, parties.provider_admin, DeliveryIn(programme_id=programme))
    other_admin = _actor(db, other_org, "administrator")
    referrals.add_delivery(db, other_admin, DeliveryIn(programme_id=OPEN, note="Birmingham"))
    return parties


def send(db: Session, p: Parties, programme: str = OPEN, **extra: object) -> Referral:
    data = ReferralIn.model_validate(
        {
            "young_person_id": p.young_person.id,
            "programme_id": programme,
            "provider_id": p.provider_org.id,
            "reason": "Stabbed last week; wants to talk to a youth worker.",
            **extra,
        }
    )
    return referrals.refer(db, p.referrer, p.young_person.id, data)


def _audit(db: Session, referral: Referral) -> list[AuditEntry]:
    return list(
        db.scalars(
            select(AuditEntry)
            .where(AuditEntry.record_type == "referral", AuditEntry.record_id == str(referral.id))
            .order_by(AuditEntry.seq)
        )
    )


# --- deliveries ---------------------------------------------------------------------------------


def test_an_administrator_declares_and_removes_what_their_organisation_delivers(
    db: Session,
) -> None:
    p = make_parties(db)
    listed = referrals.deliveries(db, OPEN)
    assert [(d.organisation, d.note) for d in listed] == [
        ("Other Charity", "Birmingham"),
        ("Test Youth Workers", None),
    ]
    with pytest.raises(InvalidInput) as twice:
        referrals.add_delivery(db, p.provider_admin, DeliveryIn(programme_id=OPEN))
    assert twice.value.errors == {"programme_id": twice.value.message}
    referrals.remove_delivery(db, p.provider_admin, OPEN)
    assert [d.organisation for d in referrals.deliveries(db, OPEN)] == ["Other Charity"]
    with pytest.raises(NotFound):
        referrals.remove_delivery(db, p.provider_admin, OPEN)
    entries = db.scalars(
        select(AuditEntry).where(AuditEntry.record_type == "programme_delivery")
    ).all()
    assert len(entries) == 4  # three added, one removed


def test_an_unknown_programme_is_refused_with_the_choices(db: Session) -> None:
    p = make_parties(db)
    with pytest.raises(InvalidInput) as error:
        referrals.add_delivery(db, p.provider_admin, DeliveryIn(programme_id="no-such"))
    assert "'no-such'" in error.value.message
    assert "redthread" in error.value.message
    assert error.value.errors.keys() == {"programme_id"}
    with pytest.raises(InvalidInput):
        referrals.deliveries(db, "no-such")


def test_only_an_administrator_declares_deliveries(db: Session) -> None:
    p = make_parties(db)
    for actor in (p.provider, p.referrer):
        with pytest.raises(Forbidden):
            referrals.add_delivery(db, actor, DeliveryIn(programme_id="divert"))


# --- which programmes are open ------------------------------------------------------------------


def test_programmes_for_a_young_person_say_why_and_who_delivers(db: Session) -> None:
    p = make_parties(db)
    found = referrals.programmes_for(db, p.referrer, p.young_person.id)
    by_id = {o.programme_id: o for o in found.programmes}
    assert found.date_of_birth_known
    assert found.note is None
    assert found.assessed_on == date(2025, 12, 19)
    assert by_id[OPEN].open
    assert by_id[OPEN].reasons[0] == "Aged 15: within 11 to 25"
    assert {o.organisation for o in by_id[OPEN].providers} == {
        "Test Youth Workers",
        "Other Charity",
    }
    assert not by_id[CLOSED].open
    assert any(r.startswith("Not returning from a missing episode") for r in by_id[CLOSED].reasons)
    assert by_id["st-giles-county-lines"].open
    assert by_id["st-giles-county-lines"].providers == []
    # A case member sees them too; an organisation not on the case is told there is no one.
    assert referrals.programmes_for(db, p.member, p.young_person.id).programmes
    with pytest.raises(NotFound):
        referrals.programmes_for(db, p.stranger, p.young_person.id)
    with pytest.raises(Forbidden):
        referrals.programmes_for(db, p.provider, p.young_person.id)
    consulted = db.scalars(
        select(AuditEntry).where(
            AuditEntry.record_id == str(p.young_person.id),
            AuditEntry.operation == "consultation",
        )
    ).all()
    assert len(consulted) == 2


def test_without_a_date_of_birth_no_age_rule_is_met_and_the_rest_are_judged(
    db: Session,
) -> None:
    p = make_parties(db, dob=None)
    found = referrals.programmes_for(db, p.referrer, p.young_person.id)
    by_id = {o.programme_id: o for o in found.programmes}
    assert not found.date_of_birth_known
    assert found.note is not None
    assert "date of birth" in found.note
    assert not by_id[OPEN].open
    assert by_id[OPEN].reasons[0].startswith("Date of birth not recorded")
    assert by_id[OPEN].reasons[1].startswith("Treated in hospital")  # other rules still judged
    assert by_id["st-giles-county-lines"].open  # no age rule: judged as usual


# --- sending ------------------------------------------------------------------------------------


def test_a_referral_sends_the_provider_a_summary_and_nothing_else(db: Session) -> None:
    p = make_parties(db)
    referral = send(db, p)
    assert referral.state == "sent"
    assert referral.version == 1
    assert referral.referrer_id == p.young_person.owner_id
    summary = json.loads(referral.shared_summary)
    assert summary == {
        "name": "Jay Example",
        "date_of_birth": "2010-05-01",
        "reason": "Stabbed last week; wants to talk to a youth worker.",
        "eligibility": [
            "Aged 15: within 11 to 25",
            summary["eligibility"][1],
            summary["eligibility"][2],
        ],
    }
    assert len(summary["eligibility"]) == 3
    for held in ("SE1 7PB", "+447700900123", "pupil", "domestic", str(p.young_person.id)):
        assert held not in referral.shared_summary
    read = referrals.read_received(db, referrals.received(db, p.provider, referral.id))
    assert set(read.model_dump()) == set(referrals.ReceivedReferralRead.model_fields)
    assert "young_person_id" not in read.model_dump()
    assert read.summary == SharedSummary.model_validate(summary)
    assert read.referrer == "Test Council"


def test_sending_is_a_disclosure_to_the_provider_and_a_timeline_entry(db: Session) -> None:
    p = make_parties(db)
    referral = send(db, p)
    sent = _audit(db, referral)[0]
    assert sent.operation == "disclosure"
    assert sent.recipient == "Test Youth Workers"
    assert sent.record_owner_id == p.young_person.owner_id
    timeline = db.scalars(
        select(CaseEvent).where(
            CaseEvent.young_person_id == p.young_person.id, CaseEvent.kind == "referral_sent"
        )
    ).one()
    assert timeline.summary.startswith("Referred to Redthread")
    assert timeline.record_id == referral.id


def test_an_ineligible_young_person_needs_an_override_reason_which_is_kept(db: Session) -> None:
    p = make_parties(db)
    with pytest.raises(InvalidInput) as refused:
        send(db, p, CLOSED)
    assert refused.value.errors.keys() == {"override_reason"}
    assert "Jay" not in refused.value.message  # messages may reach a log
    db.rollback()
    referral = send(db, p, CLOSED, override_reason="Went missing twice; not yet recorded.")
    judged = json.loads(referral.eligibility)
    assert judged["open"] is False
    assert judged["override_reason"] == "Went missing twice; not yet recorded."
    case_view = referrals.read_for_case(db, referral)
    assert case_view.override_reason == "Went missing twice; not yet recorded."
    assert not case_view.eligible_when_sent
    # The provider sees the unmet rules in its summary, but not the referrer's own note.
    provider_view = referrals.read_received(db, referral)
    assert "Went missing" not in provider_view.model_dump_json()
    assert any(r.startswith("Not returning") for r in provider_view.summary.eligibility)


def test_only_a_delivering_organisation_and_one_open_referral(db: Session) -> None:
    p = make_parties(db)
    with pytest.raises(InvalidInput) as not_delivering:
        send(db, p, "st-giles-county-lines")
    assert not_delivering.value.errors.keys() == {"provider_id"}
    send(db, p)
    with pytest.raises(InvalidInput) as twice:
        send(db, p)
    assert twice.value.errors.keys() == {"programme_id"}


def test_only_practitioners_on_the_case_refer(db: Session) -> None:
    p = make_parties(db)
    with pytest.raises(NotFound):
        referrals.refer(
            db,
            p.stranger,
            p.young_person.id,
            ReferralIn(
                young_person_id=p.young_person.id,
                programme_id=OPEN,
                provider_id=p.provider_org.id,
                reason="x",
            ),
        )
    with pytest.raises(Forbidden):
        referrals.refer(
            db,
            p.provider,
            p.young_person.id,
            ReferralIn(
                young_person_id=p.young_person.id,
                programme_id=OPEN,
                provider_id=p.provider_org.id,
                reason="x",
            ),
        )


# --- the steps ----------------------------------------------------------------------------------


def test_a_referral_goes_from_sent_to_completed_each_step_recorded(db: Session) -> None:
    p = make_parties(db)
    referral = send(db, p)
    referral = referrals.accept(db, p.provider, referral.id, StepIn(version=1, note="Call Mon"))
    assert referral.state == "accepted"
    assert referral.version == 2
    referral = referrals.enrol(db, p.provider, referral.id, StepIn(version=2))
    referral = referrals.complete(
        db,
        p.provider,
        referral.id,
        CompleteIn(version=3, outcome="goals_met", note="Back at college."),
    )
    assert (referral.state, referral.outcome, referral.outcome_note) == (
        "completed",
        "goals_met",
        "Back at college.",
    )
    read = referrals.read_received(db, referral)
    assert [e.state for e in read.history] == ["sent", "accepted", "enrolled", "completed"]
    assert read.history[1].note == "Call Mon"
    assert read.outcome_label == "Completed, goals met"
    kinds = db.scalars(
        select(CaseEvent.kind)
        .where(CaseEvent.young_person_id == p.young_person.id, CaseEvent.record_id == referral.id)
        .order_by(CaseEvent.kind)
    ).all()
    assert sorted(kinds) == [
        "referral_accepted",
        "referral_completed",
        "referral_enrolled",
        "referral_sent",
    ]
    operations = [e.operation for e in _audit(db, referral)]
    assert operations == ["disclosure", "alteration", "alteration", "alteration"]
    assert db.scalars(select(ReferralEvent).where(ReferralEvent.referral_id == referral.id)).all()


def test_a_decline_needs_a_reason_that_the_referrer_then_reads(db: Session) -> None:
    p = make_parties(db)
    referral = send(db, p)
    with pytest.raises(InvalidInput) as no_reason:
        referrals.decline(db, p.provider, referral.id, DeclineIn(version=1, reason="   "))
    assert no_reason.value.errors.keys() == {"reason"}
    with pytest.raises(ValidationError, match="reason"):
        DeclineIn.model_validate({"version": 1})
    referral = referrals.decline(
        db, p.provider, referral.id, DeclineIn(version=1, reason="No places until March.")
    )
    case_view = referrals.read_for_case(db, referral)
    assert case_view.state is ReferralState.DECLINED
    assert case_view.decision_reason == "No places until March."
    assert case_view.history[-1].note == "No places until March."


@pytest.mark.parametrize(
    ("path", "step"),
    [
        ([], "enrol"),  # sent: not yet accepted
        ([], "complete"),
        (["accept"], "accept"),
        (["accept"], "complete"),  # accepted: not yet enrolled
        (["decline"], "accept"),  # declined is final
        (["withdraw"], "accept"),  # withdrawn is final
        (["accept", "enrol", "complete"], "withdraw"),  # completed is final
    ],
)
def test_steps_out_of_order_are_refused(db: Session, path: list[str], step: str) -> None:
    p = make_parties(db)
    referral = send(db, p)

    def take(name: str) -> Referral:
        version = referral.version
        if name == "decline":
            return referrals.decline(
                db, p.provider, referral.id, DeclineIn(version=version, reason="no")
            )
        if name == "complete":
            data = CompleteIn(version=version, outcome="goals_met")
            return referrals.complete(db, p.provider, referral.id, data)
        if name == "withdraw":
            return referrals.withdraw(db, p.referrer, referral.id, StepIn(version=version))
        service = getattr(referrals, name)
        result: Referral = service(db, p.provider, referral.id, StepIn(version=version))
        return result

    for name in path:
        referral = take(name)
    before = referral.state
    with pytest.raises(InvalidInput) as refused:
        take(step)
    assert refused.value.errors.keys() == {"state"}
    db.rollback()
    assert db.get_one(Referral, referral.id).state == before


def test_a_step_on_an_old_version_is_a_conflict(db: Session) -> None:
    p = make_parties(db)
    referral = send(db, p)
    referrals.accept(db, p.provider, referral.id, StepIn(version=1))
    with pytest.raises(Conflict):
        referrals.decline(db, p.provider, referral.id, DeclineIn(version=1, reason="late"))


def test_a_completion_needs_an_outcome_from_the_list(db: Session) -> None:
    p = make_parties(db)
    referral = send(db, p)
    referrals.accept(db, p.provider, referral.id, StepIn(version=1))
    referrals.enrol(db, p.provider, referral.id, StepIn(version=2))
    with pytest.raises(InvalidInput) as wrong:
        referrals.complete(db, p.provider, referral.id, CompleteIn(version=3, outcome="cured"))
    assert wrong.value.errors.keys() == {"outcome"}
    assert "Completed, goals met" in wrong.value.message


def test_only_the_referring_organisation_withdraws(db: Session) -> None:
    p = make_parties(db)
    referral = send(db, p)
    with pytest.raises(Forbidden):
        referrals.withdraw(db, p.member, referral.id, StepIn(version=1))
    with pytest.raises(NotFound):
        referrals.withdraw(db, p.stranger, referral.id, StepIn(version=1))
    with pytest.raises(Forbidden):  # a provider holds no safeguarding.write
        referrals.withdraw(db, p.provider, referral.id, StepIn(version=1))
    referrals.accept(db, p.provider, referral.id, StepIn(version=1))
    referrals.enrol(db, p.provider, referral.id, StepIn(version=2))
    withdrawn = referrals.withdraw(
        db, p.referrer, referral.id, StepIn(version=3, note="Moved to a secure unit.")
    )
    assert withdrawn.state == "withdrawn"
    # The provider learns it was withdrawn, not the referrer's reason.
    history = referrals.read_received(db, withdrawn).history
    assert history[-1].state is ReferralState.WITHDRAWN
    assert history[-1].note is None
    assert referrals.read_for_case(db, withdrawn).history[-1].note == "Moved to a secure unit."


# --- who sees a referral ------------------------------------------------------------------------


def test_a_provider_sees_only_the_referrals_made_to_it(db: Session) -> None:
    p = make_parties(db)
    referral = send(db, p)
    assert [r.id for r in referrals.inbox(db, p.provider)] == [referral.id]
    assert [r.id for r in referrals.inbox(db, p.provider, ReferralState.SENT)] == [referral.id]
    assert referrals.inbox(db, p.provider, ReferralState.ACCEPTED) == []
    assert referrals.inbox(db, p.other_provider) == []
    for attempt in (
        lambda: referrals.received(db, p.other_provider, referral.id),
        lambda: referrals.accept(db, p.other_provider, referral.id, StepIn(version=1)),
        lambda: referrals.decline(
            db, p.other_provider, referral.id, DeclineIn(version=1, reason="x")
        ),
        lambda: referrals.enrol(db, p.other_provider, referral.id, StepIn(version=1)),
        lambda: referrals.complete(
            db, p.other_provider, referral.id, CompleteIn(version=1, outcome="other")
        ),
    ):
        with pytest.raises(NotFound):
            attempt()
    # The provider does not reach the case through the referral.
    with pytest.raises((NotFound, Forbidden)):
        referrals.referral_for_case(db, p.provider, referral.id)
    with pytest.raises(Forbidden):
        young_people.get(db, p.provider, p.young_person.id, why="curious")
    assert db.get_one(Referral, referral.id).state == "sent"


def test_the_case_organisations_see_the_referrals_of_their_young_people(db: Session) -> None:
    p = make_parties(db)
    referral = send(db, p)
    assert [r.id for r in referrals.referrals_of_cases(db, p.referrer)] == [referral.id]
    assert [r.id for r in referrals.referrals_of_cases(db, p.member)] == [referral.id]
    assert referrals.referrals_of_cases(db, p.stranger) == []
    with pytest.raises(NotFound):
        referrals.referrals_of_cases(db, p.stranger, p.young_person.id)
    with pytest.raises(NotFound):
        referrals.referral_for_case(db, p.stranger, referral.id)
    assert referrals.referral_for_case(db, p.member, referral.id).id == referral.id


def test_provider_reads_are_audited_as_consultations(db: Session) -> None:
    p = make_parties(db)
    referral = send(db, p)
    referrals.inbox(db, p.provider)
    referrals.received(db, p.provider, referral.id)
    consultations = [e for e in _audit(db, referral) if e.operation == "consultation"]
    assert len(consultations) == 2
    assert {e.organisation_name for e in consultations} == {"Test Youth Workers"}
    assert all(e.justification for e in consultations)
