"""The legal summary: who may release it, to whom, what the representative then sees (only
that), withdrawal, the audit log and what the summary and its PDF say."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

import pypdfium2 as pdfium
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from crossline.analytics.models import AnalysisRun, Finding
from crossline.audit.models import AuditEntry
from crossline.auth.actor import Actor
from crossline.auth.models import User
from crossline.core import clock
from crossline.core.errors import Forbidden, InvalidInput, NotFound
from crossline.lines.models import Line, LineNumber, LinePerson
from crossline.safeguarding import legal
from crossline.safeguarding.legal_document import SECTIONS
from crossline.safeguarding.models import CaseEvent, Concern, LegalRelease
from crossline.safeguarding.reference import triage_due
from crossline.safeguarding.schemas import (
    CaseMemberIn,
    ConcernIn,
    FoundIn,
    MissingIn,
    NrmReferralIn,
    ReleaseIn,
    RgDecisionIn,
    ScreeningAnswer,
    ScreeningIn,
    TriageIn,
    YoungPersonIn,
)
from crossline.safeguarding.services import (
    access,
    concerns,
    missing,
    nrm,
    screening,
    young_people,
)
from tests.factories import actor_of, make_organisation, make_user

CHILD_NUMBER = "+447700900123"
LINE_NUMBER = "+447700900555"  # the deal line's number: never in the summary
CONTROLLER_NUMBER = "+447700900999"  # someone else on the line: never in the summary


@dataclass(frozen=True)
class World:
    practitioner: Actor  # owns the case
    outsider: Actor  # a practitioner of an organisation not involved in the case
    analyst: Actor  # police, no safeguarding role
    representative: Actor
    other_representative: Actor
    representative_email: str
    other_representative_email: str
    practitioner_email: str
    child_id: uuid.UUID
    other_child_id: uuid.UUID


def _actor(db: Session, kind: str, role: str) -> tuple[Actor, str]:
    organisation = make_organisation(db, kind)
    user = make_user(db, organisation, [role])
    return actor_of(user, organisation), user.email


@pytest.fixture
def world(db: Session) -> World:
    practitioner, practitioner_email = _actor(db, "local_authority", "safeguarding_practitioner")
    outsider, _ = _actor(db, "local_authority", "safeguarding_practitioner")
    analyst, _ = _actor(db, "police_force", "intelligence_analyst")
    representative, email = _actor(db, "defence_practice", "legal_representative")
    other, other_email = _actor(db, "defence_practice", "legal_representative")
    child = young_people.create(
        db,
        practitioner,
        YoungPersonIn(
            first_name="Jayden", surname="Okafor", dob=date(2009, 3, 4), phone_number=CHILD_NUMBER
        ),
    )
    other_child = young_people.create(
        db, practitioner, YoungPersonIn(first_name="Keira", surname="Whitlow", dob=date(2010, 1, 2))
    )
    return World(
        practitioner=practitioner,
        outsider=outsider,
        analyst=analyst,
        representative=representative,
        other_representative=other,
        representative_email=email,
        other_representative_email=other_email,
        practitioner_email=practitioner_email,
        child_id=child.id,
        other_child_id=other_child.id,
    )


def _release(db: Session, world: World, email: str | None = None) -> LegalRelease:
    return legal.release(
        db,
        world.practitioner,
        world.child_id,
        ReleaseIn(
            representative_email=email or world.representative_email,
            reason="Youth court proceedings",
        ),
    )


def _evidence(db: Session, world: World) -> None:
    """A concern triaged, a screening, an NRM referral with a positive RG decision, a missing
    episode found, and a runner role on a line found by analysis."""
    actor = world.practitioner
    concern = concerns.raise_concern(
        db, actor, world.child_id, ConcernIn(summary="Found with cash and two phones")
    )
    concerns.triage(
        db,
        actor,
        concern.id,
        TriageIn(decision="screen", note="Screen this week", version=concern.version),
    )
    screening.screen(
        db,
        actor,
        world.child_id,
        ScreeningIn(
            answers={
                "CL18-02": ScreeningAnswer(present=True),
                "VF23-01": ScreeningAnswer(present=True),
            }
        ),
    )
    referral = nrm.refer(
        db,
        actor,
        world.child_id,
        NrmReferralIn(summary="Runner on a line", referred_at=clock.now() - timedelta(days=3)),
    )
    nrm.reasonable_grounds(
        db,
        actor,
        referral.id,
        RgDecisionIn(decision="positive", decided_on=clock.now().date(), version=referral.version),
    )
    episode = missing.report_missing(
        db,
        actor,
        world.child_id,
        MissingIn(reported_at=clock.now() - timedelta(days=2), reported_by="Foster carer"),
    )
    missing.found(
        db,
        actor,
        episode.id,
        FoundIn(
            found_at=clock.now() - timedelta(days=1),
            found_where="A flat in Southend",
            found_by="Essex Police",
            version=episode.version,
        ),
    )
    _line_role(db, world)


def _line_role(db: Session, world: World) -> None:
    """What line analysis leaves behind: a line with numbers and people, a finding, a concern."""
    police = world.analyst.organisation_id
    now = clock.now()
    run = AnalysisRun(
        owner_id=police,
        run_by_name="Analyst",
        engine="duckdb",
        import_ids="[]",
        parameters="{}",
        status="done",
        started_at=now,
        finished_at=now,
        events=0,
        candidates=0,
        lines_found=1,
        report="[]",
    )
    db.add(run)
    db.flush()
    finding = Finding(
        run_id=run.id,
        owner_id=police,
        kind="safeguarding_concern",
        line_id="L0007",
        number=CHILD_NUMBER,
        score=0.9,
        summary="A runner on line L0007 may be a child",
        detail=json.dumps({"role": "runner", "journeys": 4, "contacts": [CONTROLLER_NUMBER]}),
    )
    line = Line(
        owner_id=police,
        reference="ESX-LINE-0042",
        status="confirmed",
        hub_area="metropolitan",
        county_area="essex",
        created_by_name="Analyst",
    )
    db.add_all([finding, line])
    db.flush()
    db.add(LineNumber(line_id=line.id, number=LINE_NUMBER, valid_from=now))
    db.add(LinePerson(line_id=line.id, number=CONTROLLER_NUMBER, role="controller"))
    db.add(
        Concern(
            young_person_id=world.child_id,
            organisation_id=world.practitioner.organisation_id,
            source="analysis",
            summary="A runner on line L0007 may be a child",
            line_id=line.id,
            finding_id=finding.id,
            raised_at=now,
            raised_by_name="Line analysis",
            triage_due=triage_due(now),
        )
    )
    db.commit()


def _pdf_text(pdf: bytes) -> str:
    document = pdfium.PdfDocument(pdf)
    text = "\n".join(page.get_textpage().get_text_bounded() for page in document)
    return " ".join(text.split())


# --- who may release, and to whom ------------------------------------------------------------


def test_a_practitioner_of_the_case_releases_to_a_legal_representative(
    db: Session, world: World
) -> None:
    released = _release(db, world)
    assert released.representative_id == world.representative.user_id
    assert released.organisation_id == world.practitioner.organisation_id
    assert released.withdrawn_at is None
    rows = legal.releases_of(db, world.practitioner, world.child_id)
    assert [r.id for r in rows] == [released.id]
    assert rows[0].is_active


@pytest.mark.parametrize("who", ["outsider", "analyst", "representative"])
def test_only_a_practitioner_of_an_involved_organisation_releases(
    db: Session, world: World, who: str
) -> None:
    actor: Actor = getattr(world, who)
    data = ReleaseIn(representative_email=world.representative_email, reason="Proceedings")
    expected = NotFound if who == "outsider" else Forbidden
    with pytest.raises(expected):
        legal.release(db, actor, world.child_id, data)
    assert db.scalars(select(LegalRelease)).all() == []


def test_a_practitioner_who_joins_the_case_may_release(db: Session, world: World) -> None:
    young_people.add_member(
        db,
        world.practitioner,
        world.child_id,
        CaseMemberIn(organisation_id=world.outsider.organisation_id, reason="Youth justice"),
    )
    released = legal.release(
        db,
        world.outsider,
        world.child_id,
        ReleaseIn(representative_email=world.representative_email, reason="Proceedings"),
    )
    assert released.organisation_id == world.outsider.organisation_id


@pytest.mark.parametrize("recipient", ["practitioner", "unknown", "inactive"])
def test_the_recipient_must_be_a_legal_representative_and_the_message_names_no_one(
    db: Session, world: World, recipient: str
) -> None:
    email = {
        "practitioner": world.practitioner_email,
        "unknown": "nobody@defence.test-crossline.uk",
        "inactive": world.representative_email,
    }[recipient]
    if recipient == "inactive":
        user = db.get_one(User, world.representative.user_id)
        user.is_active = False
        db.commit()
    with pytest.raises(InvalidInput) as raised:
        _release(db, world, email)
    assert raised.value.errors.keys() == {"representative_email"}
    message = str(raised.value)
    assert message == legal.NOT_A_REPRESENTATIVE
    assert "@" not in message
    assert "Test User" not in message
    assert db.scalars(select(LegalRelease)).all() == []


def test_a_summary_is_released_to_the_same_representative_once_at_a_time(
    db: Session, world: World
) -> None:
    first = _release(db, world)
    with pytest.raises(InvalidInput) as raised:
        _release(db, world, world.representative_email.upper())
    assert raised.value.errors.keys() == {"representative_email"}
    legal.withdraw(db, world.practitioner, first.id)
    second = _release(db, world)
    assert second.id != first.id


# --- the representative sees only what is released to them -----------------------------------


def test_the_representative_sees_only_their_released_client(db: Session, world: World) -> None:
    released = _release(db, world)
    clients = legal.my_clients(db, world.representative)
    assert [c.release_id for c in clients] == [released.id]
    assert clients[0].name == "Jayden Okafor"
    assert clients[0].dob == date(2009, 3, 4)
    content = legal.released_summary(db, world.representative, released.id)
    assert content.young_person_id == world.child_id
    assert legal.summary(db, world.representative, world.child_id).name == "Jayden Okafor"
    assert legal.my_clients(db, world.other_representative) == []


def test_the_representative_sees_nothing_else(db: Session, world: World) -> None:
    released = _release(db, world)
    rep, other = world.representative, world.other_representative
    with pytest.raises(NotFound):  # another young person of the same case owner
        legal.summary(db, rep, world.other_child_id)
    with pytest.raises(NotFound):  # another representative's release
        legal.released_summary(db, other, released.id)
    with pytest.raises(NotFound):
        legal.released_summary_pdf(db, other, released.id)
    with pytest.raises(NotFound):
        legal.summary(db, other, world.child_id)
    with pytest.raises(NotFound):
        legal.released_summary(db, rep, uuid.uuid4())
    # The case itself, its records and its releases stay closed to them.
    for look in (
        lambda: access.case_of(db, rep, world.child_id),
        lambda: young_people.list_cases(db, rep),
        lambda: concerns.open_concerns(db, rep),
        lambda: legal.releases_of(db, rep, world.child_id),
        lambda: legal.withdraw(db, rep, released.id),
    ):
        with pytest.raises(Forbidden):
            look()


def test_a_practitioner_reads_no_client_list(db: Session, world: World) -> None:
    released = _release(db, world)
    with pytest.raises(Forbidden):
        legal.my_clients(db, world.practitioner)
    with pytest.raises(Forbidden):
        legal.released_summary(db, world.practitioner, released.id)


# --- withdrawal -------------------------------------------------------------------------------


def test_withdrawal_stops_access_at_once(db: Session, world: World) -> None:
    released = _release(db, world)
    legal.released_summary(db, world.representative, released.id)
    withdrawn = legal.withdraw(db, world.practitioner, released.id)
    assert withdrawn.withdrawn_at is not None
    assert legal.my_clients(db, world.representative) == []
    with pytest.raises(NotFound):
        legal.released_summary(db, world.representative, released.id)
    with pytest.raises(NotFound):
        legal.released_summary_pdf(db, world.representative, released.id)
    with pytest.raises(NotFound):
        legal.summary(db, world.representative, world.child_id)
    with pytest.raises(InvalidInput):
        legal.withdraw(db, world.practitioner, released.id)
    assert not legal.releases_of(db, world.practitioner, world.child_id)[0].is_active


def test_only_a_practitioner_of_the_case_withdraws(db: Session, world: World) -> None:
    released = _release(db, world)
    with pytest.raises(NotFound):
        legal.withdraw(db, world.outsider, released.id)
    with pytest.raises(Forbidden):
        legal.withdraw(db, world.analyst, released.id)
    assert db.get_one(LegalRelease, released.id).withdrawn_at is None


# --- the audit log and the case timeline ------------------------------------------------------


def _entries(db: Session, record_type: str | None = None) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.seq)
    entries = list(db.scalars(query))
    return [e for e in entries if record_type is None or e.record_type == record_type]


def test_release_is_a_disclosure_to_the_representative_and_a_case_event(
    db: Session, world: World
) -> None:
    released = _release(db, world)
    disclosures = [e for e in _entries(db) if e.operation == "disclosure"]
    assert len(disclosures) == 1
    entry = disclosures[0]
    assert entry.user_id == world.practitioner.user_id
    assert entry.record_id == str(released.id)
    assert entry.recipient
    assert world.representative.display_name in entry.recipient
    assert world.representative.organisation_name in entry.recipient
    assert "Youth court proceedings" in (entry.justification or "")
    events = db.scalars(select(CaseEvent).where(CaseEvent.kind == "legal_summary_released")).all()
    assert [e.record_id for e in events] == [released.id]
    assert events[0].young_person_id == world.child_id


def test_each_read_and_download_by_the_representative_is_a_consultation(
    db: Session, world: World
) -> None:
    released = _release(db, world)
    before = len(_entries(db))
    legal.released_summary(db, world.representative, released.id)
    legal.released_summary_pdf(db, world.representative, released.id, via="api")
    new = _entries(db)[before:]
    assert [e.operation for e in new] == ["consultation", "consultation"]
    assert {e.user_id for e in new} == {world.representative.user_id}
    assert {e.record_id for e in new} == {str(world.child_id)}
    assert "reading" in (new[0].justification or "")
    assert "downloading" in (new[1].justification or "")
    assert new[1].via == "api"


def test_withdrawal_is_audited_and_in_the_timeline(db: Session, world: World) -> None:
    released = _release(db, world)
    legal.withdraw(db, world.practitioner, released.id)
    assert [e.operation for e in _entries(db)][-1] == "alteration"
    kinds = db.scalars(select(CaseEvent.kind).where(CaseEvent.young_person_id == world.child_id))
    assert "legal_summary_withdrawn" in set(kinds)


# --- what the summary says --------------------------------------------------------------------


def test_the_summary_holds_the_evidence_and_no_one_elses_details(db: Session, world: World) -> None:
    _evidence(db, world)
    released = _release(db, world)
    content = legal.released_summary(db, world.representative, released.id)
    assert (content.name, content.dob) == ("Jayden Okafor", date(2009, 3, 4))
    assert content.released_to
    assert world.representative.display_name in content.released_to
    # NRM: status, the decision with its date and the RG threshold of that date (§NRM.rg).
    assert "conclusive-grounds decision is awaited" in content.nrm_status
    (decision,) = content.nrm[0].decisions
    assert decision.stage == "Reasonable grounds"
    assert decision.decided_on == clock.now().date()
    assert decision.threshold
    assert decision.threshold.startswith("Reasonable grounds to believe")
    assert content.nrm[0].recovery_until is not None
    # Screening with its indicators and factors.
    (screened,) = content.screenings
    assert any("CL18-02" in i for i in screened.indicators)
    assert any("VF23-01" in f for f in screened.vulnerability_factors)
    # The line role: role, the register's reference, dates, areas.
    (role,) = content.line_roles
    assert (role.role, role.line, role.journeys) == ("Runner", "ESX-LINE-0042", 4)
    assert role.identified_on == clock.now().date()
    # Concerns with their triage; the missing episode with where found.
    sources = {c.source: c for c in content.concerns}
    assert sources["A practitioner's concern"].triage == "Screen for exploitation"
    (episode,) = content.missing
    assert episode.found_where == "A flat in Southend"
    assert episode.found_on is not None
    # Nothing of anyone else: not the line's number, not the controller's.
    flat = json.dumps(content, default=lambda o: getattr(o, "__dict__", str(o)))
    assert LINE_NUMBER not in flat
    assert CONTROLLER_NUMBER not in flat
    assert "Keira" not in flat


def test_the_summary_states_the_law(db: Session, world: World) -> None:
    released = _release(db, world)
    content = legal.released_summary(db, world.representative, released.id)
    law = " ".join(f"{p.heading} {p.text}" for p in content.law)
    assert "both of two limbs" in law
    assert "no compulsion limb" in law
    assert "Drug supply is not excluded" in law
    assert "probable" in law
    assert "R v Brecani" in law
    assert "inadmissible as expert evidence" in law
    assert "consider a referral to the National Referral Mechanism" in law  # §S45.cps
    assert "never handed to a child" in law  # §NRM.decision


def test_the_pdf_has_every_section_the_evidence_and_the_law(db: Session, world: World) -> None:
    _evidence(db, world)
    released = _release(db, world)
    name, pdf = legal.released_summary_pdf(db, world.representative, released.id)
    assert name.endswith(".pdf")
    assert pdf.startswith(b"%PDF")
    text = _pdf_text(pdf)
    for number, section in enumerate(SECTIONS, start=1):
        assert f"{number}. {section}" in text, section
    for expected in (
        "Jayden Okafor",
        "4 March 2009",
        "not to be given to the child",
        "Positive: reasonable grounds",
        "Threshold applied",
        "ESX-LINE-0042",
        "Runner",
        "Found with cash and two phones",
        "A flat in Southend",
        "no compulsion limb",
        "R v Brecani",
        "Page 1 of",
    ):
        assert expected in text, expected
    assert LINE_NUMBER not in text
    assert CONTROLLER_NUMBER not in text


def test_a_practitioner_checks_the_summary_before_release(db: Session, world: World) -> None:
    _name, pdf = legal.summary_pdf_of(db, world.practitioner, world.child_id)
    assert "Jayden Okafor" in _pdf_text(pdf)
    assert _entries(db)[-1].operation == "consultation"
    with pytest.raises(NotFound):
        legal.summary(db, world.outsider, world.child_id)
    with pytest.raises(Forbidden):
        legal.summary(db, world.analyst, world.child_id)
