"""Intelligence in deconfliction (issue 6): one organisation's intelligence about a phone
number another holds, on a line (as its number or a person's) or in intelligence of its
own, is found when either is recorded; both are alerted with the other organisation and
its contact officer, never the other's record; each is told as an audited disclosure; a
national coordinator sees both sides."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from crossline.audit.models import AuditEntry
from crossline.auth.actor import Actor
from crossline.auth.models import User
from crossline.lines import intelligence_matches, services
from crossline.lines.schemas import IntelligenceCreate, NumberAdd, PersonAdd
from crossline.lines.services import people
from tests.factories import actor_of, make_user, sign_in
from tests.lines.conftest import Force, make_force, record_line

NUMBER = "+447700900123"
SECRET = "Informant says the runner stores cash at his aunt's"


def _intelligence(db: Session, force: Force, **links: Any) -> Any:
    return services.record_intelligence(
        db,
        force.analyst,
        IntelligenceCreate.model_validate(
            {
                "text": SECRET,
                "source_evaluation": "2",
                "intelligence_assessment": "B",
                "handling_code": "P",
                **links,
            }
        ),
    )


def test_intelligence_about_a_number_another_forces_line_holds_alerts_both(
    db: Session, force_a: Force, force_b: Force, coordinator: Actor
) -> None:
    line_b = record_line(db, force_b.analyst, "B-OP-SECRET", [NUMBER])
    record = _intelligence(db, force_a, numbers=["07700 900123"])

    (for_a,) = intelligence_matches.intelligence_alerts(db, force_a.analyst)
    assert (for_a.intelligence_id, for_a.line_id, for_a.identifier) == (record.id, None, NUMBER)
    assert (for_a.other_organisation, for_a.other_holds) == ("West Mercia Police (test)", "a line")
    assert for_a.contact.name == "DS Priya Shah"
    assert "B-OP-SECRET" not in for_a.model_dump_json()
    (for_b,) = intelligence_matches.intelligence_alerts(db, force_b.analyst)
    assert (for_b.line_id, for_b.line_reference, for_b.intelligence_id) == (
        line_b.id,
        "B-OP-SECRET",
        None,
    )
    assert (for_b.other_organisation, for_b.other_holds) == (
        "Merseyside Police (test)",
        "intelligence",
    )
    found = services.get_line(db, force_b.analyst, line_b.id).events[-1]
    assert found.kind == "intelligence_found"
    assert SECRET not in (found.detail or "")

    disclosures = db.scalars(
        select(AuditEntry.recipient).where(
            AuditEntry.record_type == "intelligence_match", AuditEntry.operation == "disclosure"
        )
    ).all()
    assert sorted(disclosures) == ["Merseyside Police (test)", "West Mercia Police (test)"]
    (match,) = intelligence_matches.list_intelligence_matches(db, coordinator)
    assert [(s.organisation, s.holds) for s in match.sides] == [
        ("Merseyside Police (test)", "intelligence"),
        ("West Mercia Police (test)", "line"),
    ]


def test_a_line_gaining_the_number_later_is_matched_once_as_number_or_person(
    db: Session, force_a: Force, force_b: Force
) -> None:
    _intelligence(db, force_a, people=[NUMBER])
    line_b = record_line(db, force_b.analyst, "B-1")
    assert intelligence_matches.intelligence_alerts(db, force_b.analyst) == []
    services.add_number(
        db,
        force_b.analyst,
        line_b.id,
        NumberAdd(number=NUMBER, valid_from=datetime(2025, 10, 1, tzinfo=UTC)),
    )
    assert len(intelligence_matches.intelligence_alerts(db, force_b.analyst)) == 1
    people.add_person(db, force_b.analyst, line_b.id, PersonAdd(number=NUMBER, role="runner"))
    assert len(intelligence_matches.intelligence_alerts(db, force_b.analyst)) == 1  # once a pair
    assert len(intelligence_matches.intelligence_alerts(db, force_a.analyst)) == 1


def test_two_forces_intelligence_about_one_number_is_one_match_and_a_force_never_its_own(
    db: Session, force_a: Force, force_b: Force, coordinator: Actor
) -> None:
    _intelligence(db, force_a, numbers=[NUMBER])
    _intelligence(db, force_a, people=[NUMBER])  # the same force again: no match
    record_line(db, force_a.analyst, "A-1", [NUMBER])  # its own line: no match
    assert intelligence_matches.intelligence_alerts(db, force_a.analyst) == []

    _intelligence(db, force_b, people=[NUMBER])
    for_b = intelligence_matches.intelligence_alerts(db, force_b.analyst)
    # West Mercia's one piece of intelligence meets Merseyside's two and its line.
    assert sorted(a.other_holds for a in for_b) == ["a line", "intelligence", "intelligence"]
    assert {a.other_organisation for a in for_b} == {"Merseyside Police (test)"}
    for_a = intelligence_matches.intelligence_alerts(db, force_a.analyst)
    assert len(for_a) == 3
    assert {a.other_holds for a in for_a} == {"intelligence"}
    assert sum(a.line_id is not None for a in for_a) == 1
    assert len(intelligence_matches.list_intelligence_matches(db, coordinator)) == 3


def test_pages_and_api_show_intelligence_held_elsewhere_to_those_who_may_read_it(
    app: FastAPI, db: Session, force_a: Force, force_b: Force
) -> None:
    line_b = record_line(db, force_b.analyst, "B-1", [NUMBER])
    record = _intelligence(db, force_a, numbers=[NUMBER])
    applicant = actor_of(
        make_user(db, force_b.organisation, ["order_applicant"]), force_b.organisation
    )
    with TestClient(app, raise_server_exceptions=False) as b:
        b.headers["X-CSRF-Token"] = sign_in(b, db.get_one(User, force_b.analyst.user_id).email)
        lines_page = b.get("/lines").text
        assert "Intelligence held elsewhere" in lines_page
        assert "Merseyside Police (test), in intelligence" in lines_page
        line_page = b.get(f"/lines/{line_b.id}").text
        assert f"holds intelligence about this line's number {NUMBER}" in line_page
        assert SECRET not in line_page
        (alert,) = b.get("/api/deconfliction/intelligence-alerts").json()
        assert alert["line_reference"] == "B-1"
    with TestClient(app, raise_server_exceptions=False) as a:
        a.headers["X-CSRF-Token"] = sign_in(a, db.get_one(User, force_a.analyst.user_id).email)
        page = a.get(f"/intelligence/{record.id}").text
        assert f"West Mercia Police (test) holds {NUMBER} in a line" in page
        assert "B-1" not in page
    with TestClient(app, raise_server_exceptions=False) as c:
        c.headers["X-CSRF-Token"] = sign_in(c, db.get_one(User, applicant.user_id).email)
        (alert,) = c.get("/api/deconfliction/intelligence-alerts").json()  # its line's, yes
        assert alert["line_id"] == str(line_b.id)


def test_co_owners_are_told_and_readers_of_lines_alone_never_see_intelligence_matches(
    db: Session, force_a: Force, force_b: Force
) -> None:
    line_b = record_line(db, force_b.analyst, "B-1", [NUMBER])
    partner = make_force(db, "Cheshire Police (test)")
    services.add_owner(
        db, force_b.analyst, line_b.id, partner.organisation.id, "Joint team", line_b.version
    )
    _intelligence(db, force_a, numbers=[NUMBER])

    (for_partner,) = intelligence_matches.intelligence_alerts(db, partner.analyst)
    assert (for_partner.line_id, for_partner.other_organisation) == (
        line_b.id,
        "Merseyside Police (test)",
    )
    told = db.scalars(
        select(AuditEntry.recipient).where(
            AuditEntry.record_type == "intelligence_match", AuditEntry.operation == "disclosure"
        )
    ).all()
    assert "Cheshire Police (test)" in told
    # Force A's order applicant reads lines, not intelligence: A's match is not theirs.
    applicant = actor_of(
        make_user(db, force_a.organisation, ["order_applicant"]), force_a.organisation
    )
    assert intelligence_matches.intelligence_alerts(db, applicant) == []

    # Force A comes to co-own B's line: one organisation holds both sides, no alert left.
    services.add_owner(
        db, force_b.analyst, line_b.id, force_a.organisation.id, "Joint op", line_b.version
    )
    assert intelligence_matches.intelligence_alerts(db, force_a.analyst) == []
    assert intelligence_matches.intelligence_alerts(db, force_b.analyst) == []


def test_the_line_returned_by_a_change_shows_the_intelligence_found(
    db: Session, force_a: Force, force_b: Force
) -> None:
    _intelligence(db, force_a, numbers=[NUMBER])
    line_b = record_line(db, force_b.analyst, "B-1")
    changed = services.add_number(
        db,
        force_b.analyst,
        line_b.id,
        NumberAdd(number=NUMBER, valid_from=datetime(2025, 10, 1, tzinfo=UTC)),
    )
    assert "intelligence_found" in [e.kind for e in changed.events]


def test_a_co_owner_added_later_is_told_of_the_lines_matches_as_audited_disclosures(
    db: Session, force_a: Force, force_b: Force
) -> None:
    line_b = record_line(db, force_b.analyst, "B-1", [NUMBER])
    record_line(db, force_a.analyst, "A-1", [NUMBER])  # a line match
    _intelligence(db, force_a, numbers=[NUMBER])  # an intelligence match
    partner = make_force(db, "Cheshire Police (test)")
    services.add_owner(
        db, force_b.analyst, line_b.id, partner.organisation.id, "Joint team", line_b.version
    )
    told = db.execute(
        select(AuditEntry.record_type, AuditEntry.record_owner_id).where(
            AuditEntry.operation == "disclosure",
            AuditEntry.recipient == "Cheshire Police (test)",
            AuditEntry.record_type.in_(("deconfliction_match", "intelligence_match")),
        )
    ).all()
    assert sorted((kind, owner) for kind, owner in told) == [
        ("deconfliction_match", force_a.organisation.id),
        ("intelligence_match", force_a.organisation.id),
    ]
    assert len(intelligence_matches.intelligence_alerts(db, partner.analyst)) == 1
