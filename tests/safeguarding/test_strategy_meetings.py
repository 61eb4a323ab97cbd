"""A strategy meeting prompted by repeated missing episodes is a next action until one is
recorded (DOMAIN.md §MISSING.risk: 3 episodes in 30 days, configuration), and recording
one answers a triage decision to hold it too."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from crossline.audit.models import AuditEntry
from crossline.auth.actor import Actor
from crossline.core import clock
from crossline.core.errors import Forbidden, InvalidInput, NotFound
from crossline.safeguarding.models import CaseEvent, YoungPerson
from crossline.safeguarding.schemas import (
    ConcernIn,
    MissingIn,
    StrategyMeetingIn,
    TriageIn,
    YoungPersonIn,
)
from crossline.safeguarding.services import case, concerns, missing, young_people
from tests.factories import actor_of, make_organisation, make_user
from tests.safeguarding.helpers import page_text, signed_in

NOW = datetime(2026, 11, 27, 15, tzinfo=UTC)  # a Friday
MEETING = "Hold a strategy meeting"


@pytest.fixture
def moment(monkeypatch: pytest.MonkeyPatch) -> list[datetime]:
    now = [NOW]
    monkeypatch.setattr(clock, "now", lambda: now[0])
    return now


@pytest.fixture
def council(db: Session) -> Actor:
    organisation = make_organisation(db, "local_authority", name="Meeting Borough Council")
    return actor_of(make_user(db, organisation, ["safeguarding_practitioner"]), organisation)


def _child(db: Session, actor: Actor) -> YoungPerson:
    data = YoungPersonIn(first_name="Ali", surname="Meeting", dob=date(2011, 3, 2))
    return young_people.create(db, actor, data, via="cli")


def _missing(db: Session, actor: Actor, person: YoungPerson, *days_ago: float) -> None:
    for ago in days_ago:
        missing.report_missing(
            db,
            actor,
            person.id,
            MissingIn(reported_at=clock.now() - timedelta(days=ago), reported_by="Carer"),
        )


def _actions(db: Session, actor: Actor, person: YoungPerson) -> list[str]:
    return [a.what for a in case.next_actions(db, actor, person)]


def _meeting(on: date) -> StrategyMeetingIn:
    return StrategyMeetingIn(
        held_on=on, attendees="Children's social care, police, school", outcome="Safety plan"
    )


def test_three_episodes_in_30_days_ask_for_a_meeting_until_one_is_recorded(
    db: Session, council: Actor, moment: list[datetime]
) -> None:
    person = _child(db, council)
    _missing(db, council, person, 40, 12)
    assert not any(MEETING in a for a in _actions(db, council, person))  # two in 30 days
    _missing(db, council, person, 1)
    assert not any(MEETING in a for a in _actions(db, council, person))  # 40 days ago is out
    _missing(db, council, person, 0.5)
    [due] = [a for a in case.next_actions(db, council, person) if MEETING in a.what]
    assert "3 missing episodes in 30 days" in due.what
    assert due.owner == "Meeting Borough Council"

    moment[0] = NOW + timedelta(days=1)
    missing.record_strategy_meeting(db, council, person.id, _meeting(date(2026, 11, 28)))
    assert not any(MEETING in a for a in _actions(db, council, person))
    [held] = db.scalars(
        select(CaseEvent).where(
            CaseEvent.young_person_id == person.id, CaseEvent.kind == "strategy_meeting_held"
        )
    ).all()
    assert "28 November 2026" in held.summary
    assert "Safety plan" in held.summary
    audited = db.scalars(
        select(AuditEntry.justification).where(AuditEntry.record_id == str(person.id))
    ).all()
    assert any("strategy meeting" in (why or "") for why in audited)

    # a fourth episode after the meeting asks again
    moment[0] = NOW + timedelta(days=3)
    _missing(db, council, person, 0.1)
    assert any(MEETING in a for a in _actions(db, council, person))


def test_a_meeting_answers_a_triage_decision_to_hold_one(
    db: Session, council: Actor, moment: list[datetime]
) -> None:
    person = _child(db, council)
    concern = concerns.raise_concern(db, council, person.id, ConcernIn(summary="Seen at night"))
    concerns.triage(
        db,
        council,
        concern.id,
        TriageIn(decision="strategy_meeting", note="Older men", version=concern.version),
    )
    assert "Hold the strategy discussion" in _actions(db, council, person)
    moment[0] = NOW + timedelta(hours=2)
    missing.record_strategy_meeting(db, council, person.id, _meeting(NOW.date()))
    assert "Hold the strategy discussion" not in _actions(db, council, person)


def test_bad_meetings_and_outsiders_are_refused(
    db: Session, council: Actor, moment: list[datetime]
) -> None:
    person = _child(db, council)
    with pytest.raises(InvalidInput) as wrong:
        missing.record_strategy_meeting(
            db, council, person.id, _meeting(NOW.date() + timedelta(days=1))
        )
    assert set(wrong.value.errors) == {"held_on"}
    other = make_organisation(db, "local_authority")
    outsider = actor_of(make_user(db, other, ["safeguarding_practitioner"]), other)
    with pytest.raises(NotFound):
        missing.record_strategy_meeting(db, outsider, person.id, _meeting(NOW.date()))
    force = make_organisation(db, "police_force")
    analyst = actor_of(make_user(db, force, ["intelligence_analyst"]), force)
    with pytest.raises(Forbidden):
        missing.record_strategy_meeting(db, analyst, person.id, _meeting(NOW.date()))
    assert db.scalar(select(CaseEvent).where(CaseEvent.kind == "strategy_meeting_held")) is None


def test_the_page_and_the_api_record_a_meeting(
    app: FastAPI, db: Session, moment: list[datetime]
) -> None:
    organisation = make_organisation(db, "local_authority", name="Page Borough Council")
    user = make_user(db, organisation, ["safeguarding_practitioner"])
    person = _child(db, actor_of(user, organisation))
    page = f"/safeguarding/young-people/{person.id}"
    with signed_in(app, user) as c:
        assert "Record a strategy meeting" in c.get(page).text
        bad = c.post(
            f"{page}/strategy-meetings",
            data={"meeting-attendees": "Police", "meeting-outcome": ""},
        )
        assert bad.status_code == 422
        shown = page_text(bad.text)
        assert "There is a problem" in shown
        assert "Enter the date of the meeting" in shown
        assert 'value="Police"' in bad.text  # what was written is kept
        good = c.post(
            f"{page}/strategy-meetings",
            data={
                "meeting-held_on-day": "26",
                "meeting-held_on-month": "11",
                "meeting-held_on-year": "2026",
                "meeting-attendees": "Police, school",
                "meeting-outcome": "Refer to the NRM",
            },
        )
        assert good.status_code == 303
        assert "Strategy meeting held on 26 November 2026" in page_text(c.get(page).text)

        api = f"/api/safeguarding/young-people/{person.id}/strategy-meetings"
        answer = c.post(
            api,
            json={"held_on": "2026-11-27", "attendees": "Health", "outcome": "Review in a week"},
        )
        assert answer.status_code == 201, answer.text
        assert answer.json()["kind"] == "strategy_meeting_held"
        refused = c.post(api, json={"held_on": "2026-11-27", "attendees": "", "outcome": "x"})
        assert refused.status_code == 422
