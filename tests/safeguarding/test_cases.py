"""A young person's case: who sees it, screening prefilled and compared, the case view's
timeline and next actions, line links as far as the reader may know them, and the lead's
dashboard."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from crossline.audit.models import AuditEntry
from crossline.auth.actor import Actor
from crossline.core import clock
from crossline.core.errors import Forbidden, InvalidInput, NotFound
from crossline.programmes.dashboard import dashboard
from crossline.safeguarding.schemas import (
    CaseMemberIn,
    ConcernIn,
    FoundIn,
    MissingIn,
    ScreeningAnswer,
    ScreeningIn,
    TriageIn,
    YoungPersonIn,
)
from crossline.safeguarding.services import (
    case,
    concerns,
    missing,
    screening,
    young_people,
)
from tests.factories import actor_of, make_organisation, make_user
from tests.lines.conftest import make_force, record_line

NOW = datetime(2026, 11, 24, 10, tzinfo=UTC)  # a Tuesday


@pytest.fixture(autouse=True)
def tuesday(monkeypatch: pytest.MonkeyPatch) -> list[datetime]:
    moment = [NOW]
    monkeypatch.setattr(clock, "now", lambda: moment[0])
    return moment


def practitioner_of(db: Session, kind: str, name: str) -> Actor:
    organisation = make_organisation(db, kind, name=name)
    return actor_of(make_user(db, organisation, ["safeguarding_practitioner"]), organisation)


@pytest.fixture
def council(db: Session) -> Actor:
    return practitioner_of(db, "local_authority", "Test Borough Council")


@pytest.fixture
def yot(db: Session) -> Actor:
    return practitioner_of(db, "youth_justice_service", "Test Youth Justice Service")


def a_child(db: Session, actor: Actor) -> young_people.YoungPerson:
    return young_people.create(
        db, actor, YoungPersonIn(first_name="Jo", surname="Case", dob=date(2010, 3, 3))
    )


def test_only_organisations_in_the_case_see_it_and_the_sharing_is_a_disclosure(
    db: Session, council: Actor, yot: Actor
) -> None:
    child = a_child(db, council)
    with pytest.raises(NotFound):
        young_people.get(db, yot, child.id, why="checking")
    assert young_people.list_cases(db, yot) == []
    analyst = make_force(db, "Test Police").analyst
    with pytest.raises(Forbidden):
        young_people.list_cases(db, analyst)
    with pytest.raises(NotFound):  # an organisation outside the case cannot join itself
        young_people.add_member(
            db, yot, child.id, CaseMemberIn(organisation_id=yot.organisation_id, reason="x")
        )
    young_people.add_member(
        db,
        council,
        child.id,
        CaseMemberIn(organisation_id=yot.organisation_id, reason="Youth justice worker"),
    )
    assert young_people.get(db, yot, child.id, why="case work").id == child.id
    assert [c.id for c in young_people.list_cases(db, yot)] == [child.id]
    disclosure = db.scalars(
        select(AuditEntry).where(
            AuditEntry.operation == "disclosure", AuditEntry.record_id == str(child.id)
        )
    ).one()
    assert disclosure.recipient == "Test Youth Justice Service"


def test_screening_is_prefilled_from_what_is_known_and_repeated_screening_shows_change(
    db: Session, council: Actor, tuesday: list[datetime]
) -> None:
    child = a_child(db, council)
    episode = missing.report_missing(
        db,
        council,
        child.id,
        MissingIn(reported_at=NOW - timedelta(days=2), reported_by="Carer", risk="medium"),
    )
    missing.found(
        db,
        council,
        episode.id,
        FoundIn(
            found_at=NOW - timedelta(days=1),
            found_where="A flat in another town",
            found_by="Police",
            version=episode.version,
        ),
    )
    concerns.raise_concern(
        db,
        council,
        child.id,
        ConcernIn(source="exclusion", summary="Excluded for carrying a knife"),
    )
    suggested = screening.prefill(db, council, child.id)
    assert suggested["CL18-01"].present  # the missing episode
    assert "missing episode" in suggested["CL18-01"].source
    assert "VF23-11" in suggested  # the exclusion
    first = screening.screen(
        db,
        council,
        child.id,
        ScreeningIn(
            answers={
                "CL18-01": ScreeningAnswer(present=True),
                "VF23-11": ScreeningAnswer(present=True),
                "CL18-07": ScreeningAnswer(present=False),
            }
        ),
    )
    assert first.result == "indicators_found"
    assert any("National Referral Mechanism" in r for r in screening_reasons(first))
    # §CCE: indicators found for a child raise a concern.
    assert "screening" in {c.source for c in concerns.concerns_of(db, child)}
    tuesday[0] = NOW + timedelta(days=7)
    screening.screen(
        db,
        council,
        child.id,
        ScreeningIn(
            answers={
                "CL18-01": ScreeningAnswer(present=True),
                "VF23-11": ScreeningAnswer(present=False),
                "CL18-07": ScreeningAnswer(present=True),
            }
        ),
    )
    (_, change), (_, none) = screening.changes(db, child)
    assert none is None
    assert change is not None
    assert change.appeared == ["CL18-07"]
    assert change.gone == ["VF23-11"]
    with pytest.raises(InvalidInput):
        screening.screen(
            db, council, child.id, ScreeningIn(answers={"CUK-01": ScreeningAnswer(present=True)})
        )


def screening_reasons(s: screening.Screening) -> list[str]:
    import json

    return list(json.loads(s.reasons))


def test_the_case_view_has_the_timeline_and_next_actions_and_hides_other_forces_lines(
    db: Session, council: Actor, tuesday: list[datetime]
) -> None:
    force = make_force(db, "Test Midlands Police", contact="DS Ann Reed")
    line = record_line(db, force.analyst, "BLUE")
    child = a_child(db, council)
    tuesday[0] = NOW + timedelta(minutes=5)
    concern = concerns.raise_concern(
        db,
        council,
        child.id,
        ConcernIn(source="practitioner", summary="Seen at the line's address", line_id=line.id),
    )
    view = case.case_view(db, council, child.id, why="case work")
    assert [e.kind for e in view.timeline] == ["concern_raised", "recorded"]
    entry = view.timeline[0]
    assert entry.line is not None
    assert entry.line.reference is None  # the council may not read the line
    assert entry.line.held_by == "Test Midlands Police"
    assert entry.line.contact is not None
    assert "Ann Reed" in entry.line.contact
    assert view.next_actions[0].what.startswith("Triage the concern")
    assert view.next_actions[0].owner == "Test Borough Council"
    concerns.triage(
        db,
        council,
        concern.id,
        TriageIn(decision="nrm_referral", note="Clear indicators", version=concern.version),
    )
    actions = [a.what for a in case.case_view(db, council, child.id, why="x").next_actions]
    assert actions == ["Refer to the National Referral Mechanism"]


def test_the_dashboard_counts_the_organisations_cases_only(
    db: Session, council: Actor, yot: Actor
) -> None:
    child = a_child(db, council)
    concerns.raise_concern(
        db,
        council,
        child.id,
        ConcernIn(source="school", summary="Unexplained new phone", raised_at=NOW - timedelta(3)),
    )
    a_child(db, yot)
    board = dashboard(db, council)
    assert board.cases == 1
    assert board.open_concerns == 1
    assert [w.what for w in board.overdue_triage] == ["Triage the concern"]
    assert board.concerns_by_source == {"A school, against the indicator list": 1}
    assert dashboard(db, yot).open_concerns == 0


def test_only_a_first_responder_organisation_refers_to_the_nrm(db: Session, council: Actor) -> None:
    from crossline.safeguarding.schemas import NrmReferralIn
    from crossline.safeguarding.services import nrm

    school = practitioner_of(db, "school", "Test Academy")
    child = a_child(db, school)
    with pytest.raises(InvalidInput) as refused:  # DOMAIN.md §NRM.referrers
        nrm.refer(db, school, child.id, NrmReferralIn(summary="Runner"))
    assert "first responder" in refused.value.message
    young_people.add_member(
        db,
        school,
        child.id,
        CaseMemberIn(organisation_id=council.organisation_id, reason="Children's services"),
    )
    referral = nrm.refer(db, council, child.id, NrmReferralIn(summary="Runner"))
    assert referral.organisation_id == council.organisation_id
