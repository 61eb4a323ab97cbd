"""A practitioner decides whether two young person records are one child; the decision is
remembered by every later linkage, and nobody outside both cases learns of it (DESIGN.md:
deconfliction names whom to contact, never the record)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from crossline.audit.models import AuditEntry
from crossline.auth.models import User
from crossline.core import clock
from crossline.core.errors import Forbidden, InvalidInput, NotFound
from crossline.orgs.models import Organisation
from crossline.people.schemas import Decision
from crossline.safeguarding.models import CaseEvent, YoungPerson, YoungPersonMatch
from crossline.safeguarding.schemas import CaseMemberIn, YoungPersonChange, YoungPersonIn
from crossline.safeguarding.services import linkage, young_people
from crossline.safeguarding.services.access import NO_SUCH_YOUNG_PERSON
from crossline.synth.generate import generate
from tests.factories import actor_of, make_organisation, make_user
from tests.people.test_matching_service import _import_world
from tests.safeguarding.helpers import page_text, signed_in

NOW = datetime(2025, 12, 17, 12, tzinfo=UTC)
API = "/api/safeguarding"


@pytest.fixture(autouse=True)
def december(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "now", lambda: NOW)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("safeguarding-duplicates") / "world"
    generate("tiny", 11, folder)
    return folder


def _practitioner(db: Session, organisation: Organisation) -> User:
    return make_user(db, organisation, ["safeguarding_practitioner"])


def _child(db: Session, user: User, organisation: Organisation, first: str, surname: str) -> Any:
    return young_people.create(
        db,
        actor_of(user, organisation),
        YoungPersonIn(first_name=first, surname=surname, dob="2011-06-09", postcode="SY1 2AB"),  # type: ignore[arg-type]
    )


def _match(db: Session, one: YoungPerson, two: YoungPerson) -> YoungPersonMatch:
    """A pair as linkage stores it (the smaller id first), without running linkage."""
    a, b = sorted((one.id, two.id), key=str)
    match = YoungPersonMatch(young_person_a_id=a, young_person_b_id=b, probability=0.97)
    db.add(match)
    db.commit()
    return match


def _pair(db: Session, one: YoungPerson, two: YoungPerson) -> YoungPersonMatch | None:
    a, b = sorted((one.id, two.id), key=str)
    return db.scalar(
        select(YoungPersonMatch).where(
            YoungPersonMatch.young_person_a_id == a, YoungPersonMatch.young_person_b_id == b
        )
    )


def test_a_decision_is_remembered_across_relinking(db: Session, world: Path) -> None:
    _import_world(db, world)  # linkage needs enough records to learn from
    council = make_organisation(db, "local_authority", name="Harrison Test Council")
    user = _practitioner(db, council)
    actor = actor_of(user, council)
    bill = _child(db, user, council, "Bill", "Harriion")
    billy = _child(db, user, council, "Billy", "Harrison")
    again = _child(db, user, council, "BILLY", "Harrison")
    assert linkage.relink_young_people(db).twins >= 2
    decided, undecided = _pair(db, bill, billy), _pair(db, billy, again)
    assert decided is not None
    assert undecided is not None
    undecided_id = undecided.id

    seen = linkage.decide_other_record(
        db, actor, bill.id, decided.id, "different", "  Different mothers, checked with school. "
    )
    assert seen.decision is Decision.DIFFERENT
    assert seen.note == "Different mothers, checked with school."
    assert seen.decided_by == user.display_name
    assert seen.decided_at == NOW
    assert seen.reference == billy.reference

    linkage.relink_young_people(db)
    db.expire_all()
    kept = _pair(db, bill, billy)
    assert kept is not None
    assert kept.id == decided.id
    assert kept.decision == "different"
    assert kept.note == "Different mothers, checked with school."
    assert kept.decided_by_id == user.id
    assert kept.decided_by_name == user.display_name
    replaced = _pair(db, billy, again)
    assert replaced is not None
    assert replaced.id != undecided_id  # undecided pairs are found afresh
    assert replaced.decision is None
    shown = {o.reference: o for o in linkage.other_records(db, actor, bill)}
    assert shown[billy.reference].decision is Decision.DIFFERENT
    assert shown[billy.reference].decided_by == user.display_name

    # Corrected to someone else entirely, linkage no longer pairs them: the decision stays,
    # with the probability it had.
    probability = kept.probability
    young_people.change(
        db,
        actor,
        bill.id,
        YoungPersonChange(
            first_name="Zachariah",
            surname="Okonkwo-Lind",
            dob="2013-01-30",  # type: ignore[arg-type]
            postcode="LL57 4TP",
            version=bill.version,
        ),
    )
    linkage.relink_young_people(db)
    db.expire_all()
    assert _pair(db, bill, again) is None  # linkage no longer pairs Bill with a Harrison
    still = _pair(db, bill, billy)
    assert still is not None
    assert still.decision == "different"
    assert still.probability == probability


def test_different_and_unsure_need_a_note_and_deciding_again_replaces(db: Session) -> None:
    council = make_organisation(db, "local_authority")
    user = _practitioner(db, council)
    actor = actor_of(user, council)
    bill = _child(db, user, council, "Bill", "Harriion")
    billy = _child(db, user, council, "Billy", "Harrison")
    match = _match(db, bill, billy)
    for decision in ("different", "unsure"):
        for note in (None, "   "):
            with pytest.raises(InvalidInput) as refused:
                linkage.decide_other_record(db, actor, bill.id, match.id, decision, note)
            assert list(refused.value.errors) == ["note"]
            db.rollback()
    with pytest.raises(InvalidInput) as unknown:
        linkage.decide_other_record(db, actor, bill.id, match.id, "merge", "x")
    assert list(unknown.value.errors) == ["decision"]
    db.rollback()
    assert db.get_one(YoungPersonMatch, match.id).decision is None

    same = linkage.decide_other_record(db, actor, bill.id, match.id, Decision.SAME, None)
    assert same.decision is Decision.SAME
    assert same.note is None
    # Decided from the other record's case, again: the latest decision replaces it.
    unsure = linkage.decide_other_record(
        db, actor, billy.id, match.id, "unsure", "Could be a cousin."
    )
    assert unsure.reference == bill.reference
    assert unsure.decision is Decision.UNSURE
    stored = db.get_one(YoungPersonMatch, match.id)
    assert (stored.decision, stored.note) == ("unsure", "Could be a cousin.")
    # Both cases' timelines say so.
    events = db.scalars(select(CaseEvent).where(CaseEvent.kind == "duplicate_decided")).all()
    assert sorted(str(e.young_person_id) for e in events) == sorted(
        [str(bill.id), str(billy.id)] * 2
    )


def test_a_practitioner_outside_either_case_gets_not_found_and_learns_nothing(
    db: Session,
) -> None:
    north = make_organisation(db, "local_authority", name="North Dup Council")
    south = make_organisation(db, "local_authority", name="South Dup Council")
    elsewhere = make_organisation(db, "local_authority")
    north_user, south_user = _practitioner(db, north), _practitioner(db, south)
    outsider = actor_of(_practitioner(db, elsewhere), elsewhere)
    here = _child(db, north_user, north, "Bill", "Harriion")
    there = _child(db, south_user, south, "Billy", "Harrison")
    match = _match(db, here, there)
    north_actor, south_actor = actor_of(north_user, north), actor_of(south_user, south)
    attempts = [
        (north_actor, here.id),  # its own case, but not the other organisation's
        (south_actor, there.id),
        (north_actor, there.id),  # the other organisation's case
        (outsider, here.id),  # neither
        (north_actor, uuid.uuid4()),
    ]
    for actor, young_person_id in attempts:
        with pytest.raises(NotFound) as refused:
            linkage.decide_other_record(db, actor, young_person_id, match.id, "same", None)
        assert refused.value.message == NO_SUCH_YOUNG_PERSON
        assert here.reference not in refused.value.message
        db.rollback()
    with pytest.raises(NotFound) as no_match:
        linkage.decide_other_record(db, north_actor, here.id, uuid.uuid4(), "same", None)
    assert no_match.value.message == NO_SUCH_YOUNG_PERSON
    db.rollback()
    force = make_organisation(db)
    analyst = actor_of(make_user(db, force, ["intelligence_analyst"]), force)
    with pytest.raises(Forbidden):
        linkage.decide_other_record(db, analyst, here.id, match.id, "same", None)
    db.rollback()
    assert db.get_one(YoungPersonMatch, match.id).decision is None
    (seen,) = linkage.other_records(db, north_actor, here)
    assert (seen.reference, seen.url, seen.match_id, seen.may_decide) == (None, None, None, False)
    assert seen.held_by == "South Dup Council"

    # Once north works on south's case too, it may read both and decide. South, not in
    # north's case, learns nothing of the decision, and the warning is answered: gone.
    young_people.add_member(
        db, south_actor, there.id, CaseMemberIn(organisation_id=north.id, reason="Same school.")
    )
    decided = linkage.decide_other_record(
        db, north_actor, here.id, match.id, "different", "Different birthdays on school roll."
    )
    assert decided.reference == there.reference
    assert linkage.other_records(db, south_actor, there) == []
    # "not sure" leaves the warning standing, still without the record or the decision
    linkage.decide_other_record(db, north_actor, here.id, match.id, "unsure", "Cannot tell yet.")
    (from_south,) = linkage.other_records(db, south_actor, there)
    assert (from_south.decision, from_south.reference, from_south.note) == (None, None, None)


def test_the_case_page_shows_the_form_saves_the_decision_and_shows_it(
    app: FastAPI, db: Session
) -> None:
    council = make_organisation(db, "local_authority")
    user = _practitioner(db, council)
    bill = _child(db, user, council, "Bill", "Harriion")
    billy = _child(db, user, council, "Billy", "Harrison")
    match = _match(db, bill, billy)
    p = f"duplicate-{match.id}"
    action = f"{bill.url}/other-records/{match.id}/decision"
    with signed_in(app, user) as c:
        page = c.get(bill.url).text
        assert f'action="{action}"' in page
        assert f'id="{p}-decision"' in page
        text = page_text(page)
        assert f"{billy.reference} , held by {council.name}: a possible duplicate" in text
        for words in ("The same child", "Not the same child", "Not sure", "Why", "Save decision"):
            assert words in text
        assert "Decided not the same child" not in text

        # No reason for "not the same child": the error summary, linked to the field.
        refused = c.post(action, data={f"{p}-decision": "different"})
        assert refused.status_code == 422
        assert "There is a problem" in refused.text
        assert f'<a href="#{p}-note">Say why they are not the same child.</a>' in refused.text
        assert 'value="different" checked' in refused.text
        unchosen = c.post(action, data={f"{p}-note": "Hmm"})
        assert unchosen.status_code == 422
        assert f'<a href="#{p}-decision">Choose the decision.</a>' in unchosen.text
        assert "Hmm" in unchosen.text  # what was written is kept

        saved = c.post(action, data={f"{p}-decision": "different", f"{p}-note": "Twins? No."})
        assert saved.status_code == 303
        assert saved.headers["location"] == f"{bill.url}#other-records"
        text = page_text(c.get(bill.url).text)
        assert "Decided not the same child" in text
        assert f"Not the same child, decided by {user.display_name} on 17 Dec 2025" in text
        assert "Twins? No." in text
        assert "a possible duplicate" not in text
        assert "Change the decision" in text
        # The other record's case shows it too.
        assert "Decided not the same child" in page_text(c.get(billy.url).text)

        # Deciding again replaces it.
        again = c.post(action, data={f"{p}-decision": "same", f"{p}-note": ""})
        assert again.status_code == 303
        text = page_text(c.get(bill.url).text)
        assert f"The same child, decided by {user.display_name}" in text
        assert "Decided not the same child" not in text

    outsider = _practitioner(db, make_organisation(db, "local_authority"))
    with signed_in(app, outsider) as o:
        answer = o.post(action, data={f"{p}-decision": "different", f"{p}-note": "x"})
        assert answer.status_code == 404
        assert billy.reference not in answer.text
    db.expire_all()
    assert db.get_one(YoungPersonMatch, match.id).decision == "same"


def test_the_api_decides_and_returns_the_other_record(app: FastAPI, db: Session) -> None:
    council = make_organisation(db, "local_authority")
    user = _practitioner(db, council)
    bill = _child(db, user, council, "Bill", "Harriion")
    billy = _child(db, user, council, "Billy", "Harrison")
    match = _match(db, bill, billy)
    path = f"{API}/young-people/{bill.id}/other-records/{match.id}/decision"
    with signed_in(app, user) as c:
        missing_note = c.post(path, json={"decision": "unsure"})
        assert missing_note.status_code == 422
        assert missing_note.headers["content-type"].startswith("application/problem+json")
        assert list(missing_note.json()["errors"]) == ["note"]
        bad = c.post(path, json={"decision": "merge", "note": "x"})
        assert bad.status_code == 422
        assert "decision" in bad.json()["errors"]
        answer = c.post(path, json={"decision": "unsure", "note": "Same school, no DOB."})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["match_id"] == str(match.id)
        assert body["reference"] == billy.reference
        assert body["url"] == billy.url
        assert body["decision"] == "unsure"
        assert body["note"] == "Same school, no DOB."
        assert body["decided_by"] == user.display_name
        assert body["decided_at"].startswith("2025-12-17T12:00")
    outsider = _practitioner(db, make_organisation(db, "local_authority"))
    analyst = make_user(db, make_organisation(db), ["intelligence_analyst"])
    with signed_in(app, outsider) as o, signed_in(app, analyst) as a:
        refused = o.post(path, json={"decision": "same"})
        assert refused.status_code == 404
        assert "your organisation" in refused.json()["detail"]
        assert billy.reference not in refused.text
        assert a.post(path, json={"decision": "same"}).status_code == 403
    db.expire_all()
    assert db.get_one(YoungPersonMatch, match.id).decision == "unsure"


def test_every_decision_is_an_alteration_in_the_audit_log(app: FastAPI, db: Session) -> None:
    north = make_organisation(db, "local_authority")
    south = make_organisation(db, "local_authority")
    north_user, south_user = _practitioner(db, north), _practitioner(db, south)
    here = _child(db, north_user, north, "Bill", "Harriion")
    twin = _child(db, north_user, north, "Billy", "Harrison")
    there = _child(db, south_user, south, "Billy", "Harrison")
    own, across = _match(db, here, twin), _match(db, here, there)
    young_people.add_member(
        db,
        actor_of(south_user, south),
        there.id,
        CaseMemberIn(organisation_id=north.id, reason="Same school."),
    )
    with signed_in(app, north_user) as c:
        path = f"{API}/young-people/{here.id}/other-records"
        assert c.post(f"{path}/{own.id}/decision", json={"decision": "same"}).status_code == 200
        answer = c.post(f"{path}/{across.id}/decision", json={"decision": "same"})
        assert answer.status_code == 200, answer.text
    entries = db.scalars(
        select(AuditEntry)
        .where(AuditEntry.record_type == "young_person_match")
        .order_by(AuditEntry.seq)
    ).all()
    assert [(e.record_id, e.record_owner_id) for e in entries] == [
        (str(own.id), north.id),
        (str(across.id), north.id),  # once for each organisation holding one of the records
        (str(across.id), south.id),
    ]
    for entry in entries:
        assert entry.operation == "alteration"
        assert entry.user_id == north_user.id
        assert entry.via == "api"
        assert entry.justification == "possible duplicate young person decided: same"
