"""School-police partnerships: a school and a force start one and both see it; anyone else
is told there is none (service, page and API); one current partnership per pair; activities
about groups; the form's GOV.UK error summary; the school's police contact."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from crossline.audit.models import AuditEntry
from crossline.core import clock
from crossline.core.errors import InvalidInput, NotFound
from crossline.orgs.models import Organisation
from crossline.safeguarding.schemas import (
    ConcernIn,
    PartnershipActivityIn,
    PartnershipEndIn,
    PartnershipIn,
    YoungPersonIn,
)
from crossline.safeguarding.services import concerns, partnerships, young_people
from tests.factories import make_organisation
from tests.safeguarding.helpers import Team, page_text, signed_in, team_of

NOW = datetime(2025, 12, 17, 12, tzinfo=UTC)
TODAY = date(2025, 12, 17)
BASE = "/api/safeguarding/partnerships"


@pytest.fixture(autouse=True)
def december(monkeypatch: pytest.MonkeyPatch) -> list[datetime]:
    """The clock: 17 December 2025 at noon; a test moves it on by replacing ``[0]``."""
    now = [NOW]
    monkeypatch.setattr(clock, "now", lambda: now[0])
    return now


def team(db: Session, kind: str, name: str | None = None) -> Team:
    return team_of(db, make_organisation(db, kind, name))


@pytest.fixture
def school(db: Session) -> Team:
    return team(db, "school", "Castle Hill Academy")


@pytest.fixture
def force(db: Session) -> Team:
    return team(db, "police_force", "Test Constabulary")


def details(partner: Organisation, **changes: Any) -> PartnershipIn:
    given: dict[str, Any] = {
        "partner_id": partner.id,
        "officer_name": "PC Sam Jones",
        "officer_email": "sam.jones@police.test-crossline.uk",
        "officer_phone": "01234 567890",
        "started_on": date(2025, 9, 1),
        "agreement": "A weekly drop-in and lessons on county lines.",
    }
    return PartnershipIn.model_validate(given | changes)


# --- the service ------------------------------------------------------------------------------


def test_a_school_and_a_force_start_a_partnership_and_both_see_it(
    db: Session, school: Team, force: Team
) -> None:
    started = partnerships.start_partnership(db, school.actor, details(force.organisation))
    assert (started.school_id, started.force_id) == (school.organisation.id, force.organisation.id)
    assert started.officer_email == "sam.jones@police.test-crossline.uk"
    for side in (school, force):
        assert [p.id for p in partnerships.list_partnerships(db, side.actor)] == [started.id]
        read = partnerships.partnership_read(
            db, partnerships.get_partnership(db, side.actor, started.id)
        )
        assert (read.school, read.force, read.is_current) == (
            "Castle Hill Academy",
            "Test Constabulary",
            True,
        )
    audited = db.scalars(select(AuditEntry).where(AuditEntry.record_id == str(started.id))).all()
    assert [a.operation for a in audited] == ["collection"]


def test_the_force_may_start_it_from_its_side(db: Session, school: Team, force: Team) -> None:
    started = partnerships.start_partnership(db, force.actor, details(school.organisation))
    assert (started.school_id, started.force_id) == (school.organisation.id, force.organisation.id)


def test_another_organisation_is_told_there_is_no_such_partnership(
    db: Session, school: Team, force: Team
) -> None:
    started = partnerships.start_partnership(db, school.actor, details(force.organisation))
    for kind in ("local_authority", "school", "police_force"):
        other = team(db, kind).actor
        assert partnerships.list_partnerships(db, other) == []
        with pytest.raises(NotFound):
            partnerships.get_partnership(db, other, started.id)
        with pytest.raises(NotFound):
            partnerships.record_activity(
                db,
                other,
                started.id,
                PartnershipActivityIn(held_on=TODAY, kind="assembly", topic="Guessed"),
            )
        with pytest.raises(NotFound):
            partnerships.end_partnership(
                db, other, started.id, PartnershipEndIn(ended_on=TODAY, version=1)
            )
    with pytest.raises(NotFound):
        partnerships.get_partnership(db, school.actor, uuid.uuid4())


def test_only_a_school_and_a_force_can_be_partners(db: Session, school: Team, force: Team) -> None:
    council = team(db, "local_authority")
    with pytest.raises(InvalidInput) as not_a_side:
        partnerships.start_partnership(db, council.actor, details(force.organisation))
    assert "Only a school or a police force" in str(not_a_side.value)
    with pytest.raises(InvalidInput) as wrong_kind:
        partnerships.start_partnership(db, school.actor, details(council.organisation))
    assert wrong_kind.value.errors == {"partner_id": "Choose the police force from the list."}


def test_a_second_current_partnership_for_the_pair_is_refused(
    db: Session, school: Team, force: Team
) -> None:
    partnerships.start_partnership(db, school.actor, details(force.organisation))
    with pytest.raises(InvalidInput) as second:
        partnerships.start_partnership(db, force.actor, details(school.organisation))
    assert second.value.errors == {
        "partner_id": "Castle Hill Academy and Test Constabulary already have a current "
        "partnership, started on 1 September 2025. Record activities on it, or end it before "
        "starting a new one."
    }
    assert len(partnerships.list_partnerships(db, school.actor)) == 1
    # Another force is another pair.
    other_force = team(db, "police_force")
    partnerships.start_partnership(db, school.actor, details(other_force.organisation))
    assert len(partnerships.list_partnerships(db, school.actor)) == 2


def test_ending_it_then_starting_a_new_one_works(db: Session, school: Team, force: Team) -> None:
    first = partnerships.start_partnership(db, school.actor, details(force.organisation))
    with pytest.raises(InvalidInput) as before_start:
        partnerships.end_partnership(
            db, force.actor, first.id, PartnershipEndIn(ended_on=date(2025, 8, 1), version=1)
        )
    assert set(before_start.value.errors) == {"ended_on"}
    db.rollback()
    ended = partnerships.end_partnership(
        db, force.actor, first.id, PartnershipEndIn(ended_on=TODAY, version=1)
    )
    assert (ended.ended_on, ended.version) == (TODAY, 2)
    assert not partnerships.partnership_read(db, ended).is_current
    with pytest.raises(InvalidInput, match="already ended"):
        partnerships.end_partnership(
            db, force.actor, first.id, PartnershipEndIn(ended_on=TODAY, version=2)
        )
    db.rollback()
    second = partnerships.start_partnership(
        db, school.actor, details(force.organisation, started_on=TODAY, officer_name="PC Ali Khan")
    )
    listed = partnerships.list_partnerships(db, school.actor)
    assert [p.id for p in listed] == [second.id, first.id]
    operations = db.scalars(
        select(AuditEntry.operation).where(AuditEntry.record_id == str(first.id))
    ).all()
    assert sorted(operations) == ["alteration", "collection"]


def test_an_activity_is_recorded_and_listed_and_pupils_reached_is_never_negative(
    db: Session, school: Team, force: Team
) -> None:
    started = partnerships.start_partnership(db, school.actor, details(force.organisation))
    partnerships.record_activity(
        db,
        force.actor,
        started.id,
        PartnershipActivityIn(
            held_on=date(2025, 10, 14),
            kind="assembly",
            topic="County lines: spot the signs",
            pupils_reached=180,
        ),
    )
    with pytest.raises(InvalidInput) as negative:
        partnerships.record_activity(
            db,
            school.actor,
            started.id,
            PartnershipActivityIn(held_on=TODAY, kind="lesson", topic="Peer", pupils_reached=-1),
        )
    assert set(negative.value.errors) == {"pupils_reached"}
    with pytest.raises(InvalidInput) as unknown:
        partnerships.record_activity(
            db,
            school.actor,
            started.id,
            PartnershipActivityIn(held_on=date(2025, 8, 1), kind="party", topic="Before"),
        )
    assert set(unknown.value.errors) == {"held_on", "kind"}
    read = partnerships.partnership_read(db, started)
    assert [(a.kind_label, a.topic, a.pupils_reached) for a in read.activities] == [
        ("An assembly", "County lines: spot the signs", 180)
    ]


# --- the school's police contact -------------------------------------------------------------


def test_the_police_contact_is_the_officer_of_a_current_partnership_and_nothing_after_it_ends(
    db: Session, school: Team, force: Team
) -> None:
    school_id = school.organisation.id
    assert partnerships.police_contact_for_school(db, school_id, TODAY) == []
    started = partnerships.start_partnership(db, school.actor, details(force.organisation))
    contacts = partnerships.police_contact_for_school(db, school_id, TODAY)
    assert [(c.force, c.officer_name, c.officer_email) for c in contacts] == [
        ("Test Constabulary", "PC Sam Jones", "sam.jones@police.test-crossline.uk")
    ]
    assert partnerships.police_contact_for_school(db, school_id, date(2025, 8, 31)) == []
    partnerships.end_partnership(
        db, school.actor, started.id, PartnershipEndIn(ended_on=date(2025, 12, 20), version=1)
    )
    assert len(partnerships.police_contact_for_school(db, school_id, TODAY)) == 1
    assert partnerships.police_contact_for_school(db, school_id, date(2025, 12, 20)) == []


def test_a_concern_the_school_raises_names_its_police_contact(
    app: FastAPI, db: Session, school: Team, force: Team
) -> None:
    partnerships.start_partnership(db, school.actor, details(force.organisation))
    pupil = young_people.create(db, school.actor, YoungPersonIn(first_name="Jay", surname="Doe"))
    concern = concerns.raise_concern(
        db, school.actor, pupil.id, ConcernIn(source="school", summary="New phones.")
    )
    contacts = partnerships.police_contact_for_concern(db, school.actor, concern.id)
    assert [c.officer_name for c in contacts] == ["PC Sam Jones"]
    # The force is not in the pupil's case: the concern is not its to know of.
    with pytest.raises(NotFound):
        partnerships.police_contact_for_concern(db, force.actor, concern.id)
    # the case page shows the officer beside the school's concern
    with signed_in(app, school.user) as c:
        page = page_text(c.get(f"/safeguarding/young-people/{pupil.id}").text)
    assert "The school's police contact PC Sam Jones" in page


# --- the API ----------------------------------------------------------------------------------


def test_the_api_starts_reads_records_and_ends_and_isolates_others(
    app: FastAPI, db: Session, school: Team, force: Team
) -> None:
    outsider = team(db, "school")
    body = {
        "partner_id": str(force.organisation.id),
        "officer_name": "PC Sam Jones",
        "officer_email": "sam.jones@police.test-crossline.uk",
        "started_on": "2025-09-01",
        "agreement": "Weekly drop-in.",
    }
    with signed_in(app, school.user) as c:
        made = c.post(BASE, json=body)
        assert made.status_code == 201, made.text
        partnership = made.json()
        again = c.post(BASE, json=body)
        assert again.status_code == 422
        assert again.headers["content-type"].startswith("application/problem+json")
        assert "already have a current partnership" in again.json()["errors"]["partner_id"]
        activity = c.post(
            f"{BASE}/{partnership['id']}/activities",
            json={"held_on": "2025-10-14", "kind": "lesson", "topic": "County lines"},
        )
        assert activity.status_code == 201, activity.text
        negative = c.post(
            f"{BASE}/{partnership['id']}/activities",
            json={"held_on": "2025-10-14", "kind": "lesson", "topic": "x", "pupils_reached": -3},
        )
        assert negative.status_code == 422
        assert set(negative.json()["errors"]) == {"pupils_reached"}
    with signed_in(app, force.user) as c:
        seen = c.get(f"{BASE}/{partnership['id']}").json()
        assert [a["topic"] for a in seen["activities"]] == ["County lines"]
        assert [p["id"] for p in c.get(BASE).json()] == [partnership["id"]]
    with signed_in(app, outsider.user) as c:
        assert c.get(BASE).json() == []
        for answer in (
            c.get(f"{BASE}/{partnership['id']}"),
            c.post(
                f"{BASE}/{partnership['id']}/end", json={"ended_on": "2025-12-17", "version": 1}
            ),
            c.post(
                f"{BASE}/{partnership['id']}/activities",
                json={"held_on": "2025-10-14", "kind": "lesson", "topic": "x"},
            ),
        ):
            assert answer.status_code == 404
            assert answer.headers["content-type"].startswith("application/problem+json")
    with signed_in(app, force.user) as c:
        ended = c.post(
            f"{BASE}/{partnership['id']}/end", json={"ended_on": "2025-12-17", "version": 1}
        )
        assert ended.status_code == 200, ended.text
        assert ended.json()["is_current"] is False
        stale = c.post(
            f"{BASE}/{partnership['id']}/end", json={"ended_on": "2025-12-18", "version": 1}
        )
        assert stale.status_code == 409


# --- the pages --------------------------------------------------------------------------------


def test_the_pages_start_a_partnership_record_an_activity_and_end_it(
    app: FastAPI, db: Session, school: Team, force: Team
) -> None:
    outsider = team(db, "police_force")
    with signed_in(app, school.user) as c:
        assert "/safeguarding/partnerships" in c.get("/safeguarding").text
        form = c.get("/safeguarding/partnerships/new").text
        assert "Test Constabulary" in form
        started = c.post(
            "/safeguarding/partnerships/new",
            data={
                "partner_id": str(force.organisation.id),
                "officer_name": "PC Sam Jones",
                "officer_email": "sam.jones@police.test-crossline.uk",
                "started_on-day": "1",
                "started_on-month": "9",
                "started_on-year": "2025",
                "agreement": "Weekly drop-in.",
            },
        )
        assert started.status_code == 303, started.text
        location = started.headers["location"]
        recorded = c.post(
            f"{location}/activities",
            data={
                "held_on-day": "14",
                "held_on-month": "10",
                "held_on-year": "2025",
                "kind": "assembly",
                "topic": "County lines: spot the signs",
                "pupils_reached": "180",
            },
        )
        assert recorded.status_code == 303, recorded.text
        page = page_text(c.get(location).text)
        assert "Castle Hill Academy and Test Constabulary" in page
        assert "County lines: spot the signs" in page
        assert "Never name or describe a child here" in page
        assert "Castle Hill Academy" in page_text(c.get("/safeguarding/partnerships").text)
    with signed_in(app, force.user) as c:
        assert "PC Sam Jones" in c.get(location).text
        ended = c.post(
            f"{location}/end",
            data={"ended_on-day": "17", "ended_on-month": "12", "ended_on-year": "2025",
                  "version": "1"},
        )  # fmt: skip
        assert ended.status_code == 303, ended.text
        assert "Ended" in page_text(c.get(location).text)
    with signed_in(app, outsider.user) as c:
        assert c.get(location).status_code == 404
        assert "Castle Hill Academy" not in c.get("/safeguarding/partnerships").text


def test_a_bad_form_shows_a_govuk_error_summary_and_keeps_the_values(
    app: FastAPI, db: Session, school: Team, force: Team
) -> None:
    with signed_in(app, school.user) as c:
        answer = c.post(
            "/safeguarding/partnerships/new",
            data={
                "partner_id": str(force.organisation.id),
                "officer_name": "PC Sam Jones",
                "officer_email": "not an email",
                "started_on-day": "31",
                "started_on-month": "2",
                "started_on-year": "2025",
                "agreement": "Weekly drop-in.",
            },
        )
        assert answer.status_code == 422
        page = answer.text
        assert "govuk-error-summary" in page
        assert '<a href="#started_on-day">Enter a real date, like 27 11 2026</a>' in page
        assert 'value="PC Sam Jones"' in page
        assert 'value="not an email"' in page
        assert "Weekly drop-in." in page
        fixed = c.post(
            "/safeguarding/partnerships/new",
            data={
                "partner_id": str(force.organisation.id),
                "officer_name": "PC Sam Jones",
                "officer_email": "not an email",
                "started_on-day": "1",
                "started_on-month": "9",
                "started_on-year": "2025",
                "agreement": "Weekly drop-in.",
            },
        )
        assert fixed.status_code == 422
        assert '<a href="#officer_email">' in fixed.text
        location = _start(c, force.organisation.id)
        negative = c.post(
            f"{location}/activities",
            data={
                "held_on-day": "14",
                "held_on-month": "10",
                "held_on-year": "2025",
                "kind": "lesson",
                "topic": "Knife crime",
                "pupils_reached": "-5",
            },
        )
        assert negative.status_code == 422
        assert '<a href="#pupils_reached">Pupils reached cannot be negative' in negative.text
        assert 'value="Knife crime"' in negative.text
        assert 'value="-5"' in negative.text
        second = c.post("/safeguarding/partnerships/new", data=_form(force.organisation.id))
        assert second.status_code == 422
        assert "already have a current partnership" in second.text


def _form(force_id: uuid.UUID) -> dict[str, str]:
    return {
        "partner_id": str(force_id),
        "officer_name": "PC Sam Jones",
        "officer_email": "sam.jones@police.test-crossline.uk",
        "started_on-day": "1",
        "started_on-month": "9",
        "started_on-year": "2025",
        "agreement": "Weekly drop-in.",
    }


def _start(client: TestClient, force_id: uuid.UUID) -> str:
    answer = client.post("/safeguarding/partnerships/new", data=_form(force_id))
    assert answer.status_code == 303, answer.text
    return str(answer.headers["location"])
