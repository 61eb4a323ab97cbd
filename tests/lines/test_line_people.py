"""A line's people changed by hand (issue 6, line records: "people with roles and
confidence"; deconfliction "whenever a ... person is created or changed"): an analyst of an
owning force adds a person by their number, corrects their role, confidence or
possible-child mark with the reason, and takes someone off the line; each change is on the
timeline and audited. Another organisation's line with a person using the same number is
matched and both owners alerted, naming nothing of the other's line. A person marked as
possibly a child raises a safeguarding concern (DESIGN.md, "How a line is found"). A
person record's page leads to the lines holding its numbers."""

from __future__ import annotations

import re
import uuid
from datetime import date

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from crossline.analytics.models import Finding
from crossline.audit.models import AuditEntry
from crossline.auth.actor import Actor
from crossline.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from crossline.lines import deconfliction, services
from crossline.lines.models import Line
from crossline.lines.schemas import (
    LineCreate,
    PersonAdd,
    PersonChange,
    PersonRemoval,
    PersonRole,
)
from crossline.lines.services import people
from crossline.people.schemas import PersonRecordIn
from crossline.people.services import records
from crossline.safeguarding import from_analysis, legal
from crossline.safeguarding.models import Concern, YoungPerson
from crossline.safeguarding.services import screening
from tests.factories import actor_of, make_user
from tests.lines.conftest import OCTOBER, Force, actor_with, record_line, signed_in

RUNNER = "+447700900456"


def _add(line: Line, number: str = "07700 900456", **given: object) -> PersonAdd:
    return PersonAdd.model_validate(
        {"number": number, "role": "runner", "version": line.version, **given}
    )


def _change(line: Line, reason: str = "Seen at the trap house", **given: object) -> PersonChange:
    return PersonChange.model_validate(
        {"role": "runner", "possible_child": False, "reason": reason, "version": line.version}
        | given
    )


def _concerns(db: Session, organisation_id: uuid.UUID) -> list[Concern]:
    return list(
        db.scalars(
            select(Concern)
            .join(YoungPerson, YoungPerson.id == Concern.young_person_id)
            .where(YoungPerson.owner_id == organisation_id)
        )
    )


def test_an_analyst_adds_corrects_and_takes_off_a_person_with_the_timeline_and_audit(
    db: Session, force_a: Force, force_b: Force
) -> None:
    line = record_line(db, force_a.analyst, "A-1", ["+447700900123"])
    services_line = people.add_person(db, force_a.analyst, line.id, _add(line, confidence=0.6))
    person = services_line.people[0]
    assert (person.number, person.role, person.confidence) == (RUNNER, "runner", 0.6)
    assert line.events[-1].kind == "person_added"

    with pytest.raises(InvalidInput) as twice:  # one entry per number: change it instead
        people.add_person(db, force_a.analyst, line.id, _add(line, role="controller"))
    assert "runner on the line already" in twice.value.errors["number"]
    with pytest.raises(InvalidInput) as bad:
        people.add_person(db, force_a.analyst, line.id, _add(line, number="not a number"))
    assert "Enter a phone number" in bad.value.errors["number"]

    with pytest.raises(InvalidInput) as same:
        people.change_person(db, force_a.analyst, line.id, person.id, _change(line, confidence=0.6))
    assert "Nothing is different" in same.value.errors["role"]
    changed = people.change_person(
        db, force_a.analyst, line.id, person.id, _change(line, role="controller", confidence=0.9)
    )
    assert (changed.people[0].role, changed.people[0].confidence) == ("controller", 0.9)
    event = line.events[-1]
    assert (event.kind, event.reason) == ("person_changed", "Seen at the trap house")
    assert '"role": ["runner", "controller"]' in (event.detail or "")

    stale = _change(line, role="runner")
    stale = stale.model_copy(update={"version": line.version - 1})
    with pytest.raises(Conflict):
        people.change_person(db, force_a.analyst, line.id, person.id, stale)
    with pytest.raises(NotFound):  # another force's line is as if it did not exist
        people.add_person(db, force_b.analyst, line.id, _add(line, number="07700 900999"))
    with pytest.raises(NotFound):
        people.change_person(db, force_a.analyst, line.id, uuid.uuid4(), _change(line))
    coordinator = actor_with(db, "national_coordinator", "national_coordination_centre")
    with pytest.raises(Forbidden):  # reads every line, changes none
        people.add_person(db, coordinator, line.id, _add(line, number="07700 900999"))

    with pytest.raises(InvalidInput) as blank:
        people.change_person(
            db, force_a.analyst, line.id, person.id, _change(line, role="runner", reason="  ")
        )
    assert "Say why" in blank.value.errors["reason"]
    with pytest.raises(InvalidInput):
        people.remove_person(
            db, force_a.analyst, line.id, person.id, PersonRemoval(reason=" ", version=line.version)
        )
    removal = PersonRemoval(reason="A customer's number", version=line.version)
    people.remove_person(db, force_a.analyst, line.id, person.id, removal)
    assert line.people == []
    removed = line.events[-1]
    assert (removed.kind, removed.reason) == ("person_removed", "A customer's number")
    assert RUNNER in (removed.detail or "")  # the timeline keeps who they were

    why = db.scalars(
        select(AuditEntry.justification).where(
            AuditEntry.record_type == "line",
            AuditEntry.record_id == str(line.id),
            AuditEntry.operation == "alteration",
        )
    ).all()
    assert {
        "person added to a line",
        "a line person's role or flags corrected",
        "person taken off a line",
    } <= set(why)


def test_the_same_person_on_two_forces_lines_alerts_both_and_discloses_neither_line(
    db: Session, force_a: Force, force_b: Force, coordinator: Actor
) -> None:
    line_a = record_line(db, force_a.analyst, "A-SECRET-REF", ["+447700900123"])
    people.add_person(db, force_a.analyst, line_a.id, _add(line_a))
    line_b = record_line(db, force_b.analyst, "B-1", ["+447700900789"])
    assert deconfliction.alerts(db, force_b.analyst) == []  # different numbers, no people yet

    people.add_person(db, force_b.analyst, line_b.id, _add(line_b, "+44 7700 900456"))

    (alert_b,) = deconfliction.alerts(db, force_b.analyst)
    assert (alert_b.kind.value, alert_b.identifier) == ("person", RUNNER)
    assert (alert_b.line_id, alert_b.other_organisation) == (line_b.id, "Merseyside Police (test)")
    assert "A-SECRET-REF" not in alert_b.model_dump_json()
    assert str(line_a.id) not in alert_b.model_dump_json()
    (alert_a,) = deconfliction.alerts(db, force_a.analyst)
    assert (alert_a.line_id, alert_a.other_organisation) == (
        line_a.id,
        "West Mercia Police (test)",
    )
    assert alert_a.contact.name == "DS Priya Shah"
    (match,) = deconfliction.list_matches(db, coordinator)
    assert {side.reference for side in match.lines} == {"A-SECRET-REF", "B-1"}

    # Found once per pair of lines: the person added again elsewhere on B adds no match.
    removal = PersonRemoval(reason="Moved", version=line_b.version)
    people.remove_person(db, force_b.analyst, line_b.id, line_b.people[0].id, removal)
    people.add_person(db, force_b.analyst, line_b.id, _add(line_b, RUNNER))
    assert len(deconfliction.list_matches(db, coordinator)) == 1


def test_a_line_recorded_with_people_is_deconflicted_and_a_possible_child_raises_a_concern(
    db: Session, force_a: Force, force_b: Force
) -> None:
    record_line(db, force_a.analyst, "A-1")
    people.add_person(
        db, force_a.analyst, record_line(db, force_a.analyst, "A-2").id, _add_new(RUNNER)
    )
    line = services.create_line(
        db,
        force_b.analyst,
        LineCreate.model_validate(
            {
                "reference": "B-1",
                "people": [
                    {"number": RUNNER, "role": "runner", "possible_child": True},
                    {"number": "+447700900111", "role": "controller"},
                ],
            }
        ),
    )
    assert [a.identifier for a in deconfliction.alerts(db, force_b.analyst)] == [RUNNER]
    (concern,) = _concerns(db, force_b.organisation.id)
    assert (concern.source, concern.line_id) == ("register", line.id)
    assert "runner on line B-1 who may be a child" in concern.summary
    assert concern.summary.startswith(force_b.analyst.display_name)  # who saw the child
    assert RUNNER not in concern.summary  # the number is on the young person, not in text
    assert _concerns(db, force_a.organisation.id) == []


def test_a_line_recorded_with_the_same_person_twice_is_refused(db: Session, force_a: Force) -> None:
    twice = LineCreate.model_validate(
        {
            "reference": "A-1",
            "people": [
                {"number": RUNNER, "role": "runner"},
                {"number": "07700 900456", "role": "controller"},
            ],
        }
    )
    with pytest.raises(InvalidInput) as refused:
        services.create_line(db, force_a.analyst, twice)
    assert "Person 2 has the number of a person listed before" in refused.value.errors["people[1]"]
    assert db.scalar(select(Line.id).where(Line.reference == "A-1")) is None


def test_analysis_finding_a_child_an_analyst_marked_on_its_line_raises_nothing_more(
    db: Session, force_a: Force
) -> None:
    line = record_line(db, force_a.analyst, "A-1")
    line.analysis_line_id = "CL-447700900123"  # as if confirmed from that analysis line
    db.commit()
    people.add_person(db, force_a.analyst, line.id, _add(line, possible_child=True))
    (concern,) = _concerns(db, force_a.organisation.id)
    young = db.get_one(YoungPerson, concern.young_person_id)
    later = Finding(owner_id=force_a.organisation.id, line_id="CL-447700900123", number=RUNNER)
    assert from_analysis._raised_before(db, young, later)
    elsewhere = Finding(owner_id=force_a.organisation.id, line_id="CL-447700900999")
    assert not from_analysis._raised_before(db, young, elsewhere)


def _add_new(number: str) -> PersonAdd:
    return PersonAdd(number=number, role=PersonRole.RUNNER)


def test_marking_a_possible_child_raises_one_concern_and_clearing_it_closes_nothing(
    db: Session, force_a: Force
) -> None:
    line = record_line(db, force_a.analyst, "A-1")
    people.add_person(db, force_a.analyst, line.id, _add(line))
    assert _concerns(db, force_a.organisation.id) == []
    person = line.people[0]

    people.change_person(
        db, force_a.analyst, line.id, person.id, _change(line, possible_child=True)
    )
    (concern,) = _concerns(db, force_a.organisation.id)
    assert concern.raised_by_name == "Line register"
    young = db.get_one(YoungPerson, concern.young_person_id)
    assert young.phone_number == RUNNER

    people.change_person(db, force_a.analyst, line.id, person.id, _change(line, reason="18+"))
    people.change_person(
        db, force_a.analyst, line.id, person.id, _change(line, possible_child=True)
    )
    assert len(_concerns(db, force_a.organisation.id)) == 1  # one concern a line

    # The force's safeguarding practitioner screens with the role prefilled, and the legal
    # representative's summary names the role the line holds for the child.
    practitioner = actor_of(
        make_user(db, force_a.organisation, ["safeguarding_practitioner"]), force_a.organisation
    )
    suggested = screening.prefill(db, practitioner, young.id)
    assert {"CL18-09", "CL18-04"} <= set(suggested)
    (role,) = legal._line_roles(db, [concern])
    assert (role.role, role.line) == ("Runner", "A-1")


def test_the_lines_a_person_records_numbers_are_on(
    db: Session, force_a: Force, force_b: Force
) -> None:
    jay = records.create_record(
        db,
        force_a.analyst,
        PersonRecordIn(
            reference="A-P1",
            first_name="Jay",
            surname="Doe",
            dob=date(2008, 4, 1),
            phone_numbers=["07700 900456", "07700 900123"],
        ),
    )
    on_people = record_line(db, force_a.analyst, "A-1")
    people.add_person(db, force_a.analyst, on_people.id, _add(on_people))
    as_number = record_line(db, force_a.analyst, "A-2", ["+447700900123"], start=OCTOBER)
    record_line(db, force_a.analyst, "A-3", ["+447700900999"])
    theirs = record_line(db, force_b.analyst, "B-1")
    people.add_person(db, force_b.analyst, theirs.id, _add(theirs))

    person, found = people.lines_of_person(db, force_a.analyst, jay.id)
    assert person.id == jay.id
    assert {line.reference for line in found} == {on_people.reference, as_number.reference}
    reads = db.scalars(
        select(AuditEntry.justification).where(
            AuditEntry.record_type == "person_record", AuditEntry.record_id == str(jay.id)
        )
    ).all()
    assert "finding the lines a person is on" in reads

    with pytest.raises(NotFound):  # another force's person record
        people.lines_of_person(db, force_b.analyst, jay.id)
    coordinator = actor_with(db, "national_coordinator", "national_coordination_centre")
    with pytest.raises(Forbidden):  # reads lines, not person records
        people.lines_of_person(db, coordinator, jay.id)


def test_the_line_page_and_the_api_change_a_lines_people(
    app: FastAPI, db: Session, force_a: Force, force_b: Force
) -> None:
    line = record_line(db, force_a.analyst, "A-1", ["+447700900123"])
    url = f"/lines/{line.id}"
    with signed_in(app, db, force_a.analyst) as a:
        assert "Add a person" in a.get(url).text
        no_role = a.post(f"{url}/people", data={"person_number": "07700 900456", "version": "1"})
        assert no_role.status_code == 422
        assert 'href="#person_role"' in no_role.text
        assert "Choose their role on the line." in no_role.text
        added = a.post(
            f"{url}/people",
            data={
                "person_number": "07700 900456",
                "person_role": "runner",
                "person_confidence": "0.7",
                "version": "1",
            },
            follow_redirects=False,
        )
        assert added.status_code == 303
        read = a.get(f"/api/lines/{line.id}").json()
        (person,) = read["people"]
        assert (person["number"], person["role"], person["confidence"]) == (RUNNER, "runner", 0.7)
        page = a.get(url).text
        assert f'href="/lines/{line.id}/people/{person["id"]}"' in page
        assert "runner using +447700900456 added" in page

        person_url = f"{url}/people/{person['id']}"
        form = a.get(person_url)
        assert form.status_code == 200
        assert "Person using +447700900456" in form.text
        no_reason = a.post(
            person_url,
            data={"role": "controller", "version": str(read["version"])},
        )
        assert no_reason.status_code == 422
        assert 'href="#reason"' in no_reason.text
        changed = a.post(
            person_url,
            data={
                "role": "controller",
                "confidence": "0.7",
                "possible_child": "yes",
                "reason": "Holds the deal phone",
                "version": str(read["version"]),
            },
            follow_redirects=False,
        )
        assert changed.status_code == 303
        page = a.get(url).text
        assert "role changed from runner to controller" in page
        assert "possibly a child changed from no to yes" in page
        assert "Possible child" in page

        version = a.get(f"/api/lines/{line.id}").json()["version"]
        no_why = a.post(f"{person_url}/remove", data={"version": str(version)})
        assert no_why.status_code == 422
        assert 'href="#remove_reason"' in no_why.text
        # The change form below it still shows what is held, not what the other form sent.
        assert re.search(r'id="possible_child"[^>]*checked', no_why.text)
        assert re.search(r'name="role" type="radio" value="controller" checked', no_why.text)
        omitted = a.put(
            f"/api/lines/{line.id}/people/{person['id']}",
            json={"role": "runner", "reason": "Omits the flag", "version": version},
        )
        assert omitted.status_code == 422  # a flag is never cleared by leaving it out
        assert "possible_child" in omitted.json()["errors"]

        api = a.post(
            f"/api/lines/{line.id}/people",
            json={"number": "07700 900111", "role": "cuckooed", "version": version},
        )
        assert api.status_code == 201
        cuckooed = next(p for p in api.json()["people"] if p["role"] == "cuckooed")
        put = a.put(
            f"/api/lines/{line.id}/people/{cuckooed['id']}",
            json={
                "role": "runner",
                "possible_child": False,
                "reason": "Moved in",
                "version": version,
            },
        )
        assert put.status_code == 409  # the version read is stale: the add came after it
        removed = a.post(
            f"/api/lines/{line.id}/people/{cuckooed['id']}/removal",
            json={"reason": "A resident's visitor", "version": api.json()["version"]},
        )
        assert removed.status_code == 200
        assert [p["role"] for p in removed.json()["people"]] == ["controller"]

    with signed_in(app, db, force_b.analyst) as b:  # another force: nothing of the line
        assert b.get(person_url).status_code == 404
        assert b.post(f"/api/lines/{line.id}/people", json=_json()).status_code == 404


def _json() -> dict[str, object]:
    return {"number": "07700 900222", "role": "runner"}


def test_a_person_records_page_leads_to_the_lines_holding_its_numbers(
    app: FastAPI, db: Session, force_a: Force, force_b: Force
) -> None:
    jay = records.create_record(
        db,
        force_a.analyst,
        PersonRecordIn(reference="A-P1", first_name="Jay", phone_numbers=["07700 900456"]),
    )
    line = record_line(db, force_a.analyst, "A-1")
    people.add_person(db, force_a.analyst, line.id, _add(line))
    with signed_in(app, db, force_a.analyst) as a:
        record_page = a.get(f"/people/{jay.id}").text
        assert f'href="/lines?person_id={jay.id}"' in record_page
        page = a.get(f"/lines?person_id={jay.id}")
        assert page.status_code == 200
        assert "Lines this person is on" in page.text
        assert "runner using +447700900456" in page.text
        assert f'href="/lines/{line.id}"' in page.text
        api = a.get("/api/lines", params={"person_id": str(jay.id)})
        assert [x["reference"] for x in api.json()] == ["A-1"]
    with signed_in(app, db, force_b.analyst) as b:
        assert b.get(f"/lines?person_id={jay.id}").status_code == 404
        assert b.get("/api/lines", params={"person_id": str(jay.id)}).status_code == 404


def test_a_line_person_is_linked_to_the_organisations_own_person_record(
    db: Session, force_a: Force, force_b: Force
) -> None:
    jay = records.create_record(
        db, force_a.analyst, PersonRecordIn(reference="A-P1", first_name="Jay", surname="Doe")
    )
    theirs = records.create_record(
        db, force_b.analyst, PersonRecordIn(reference="B-P1", first_name="Kai")
    )
    line = record_line(db, force_a.analyst, "A-1")
    with pytest.raises(InvalidInput) as other:  # another force's record: as if none
        people.add_person(db, force_a.analyst, line.id, _add(line, person_record_id=theirs.id))
    assert "no such person record" in other.value.errors["person_record_id"]
    people.add_person(db, force_a.analyst, line.id, _add(line, person_record_id=jay.id))
    person = line.people[0]
    assert person.person_record_id == jay.id
    reads = db.scalars(
        select(AuditEntry.justification).where(
            AuditEntry.record_type == "person_record", AuditEntry.record_id == str(jay.id)
        )
    ).all()
    assert "a person on a line linked to their record" in reads

    # The record has no phone number, yet leads to the line through the link.
    _, found = people.lines_of_person(db, force_a.analyst, jay.id)
    assert [x.reference for x in found] == ["A-1"]

    unlinked = people.change_person(
        db, force_a.analyst, line.id, person.id, _change(line, person_record_id=None)
    )
    assert unlinked.people[0].person_record_id is None
    assert '"person_record": ["one", "none"]' in (line.events[-1].detail or "")
    assert str(jay.id) not in (line.events[-1].detail or "")  # whether, never which

    with pytest.raises(InvalidInput) as listed:
        services.create_line(
            db,
            force_a.analyst,
            LineCreate.model_validate(
                {
                    "reference": "A-2",
                    "people": [
                        {"number": RUNNER, "role": "runner", "person_record_id": str(theirs.id)}
                    ],
                }
            ),
        )
    assert "people[0].person_record_id" in listed.value.errors


def test_the_person_page_links_keeps_and_removes_a_person_record(
    app: FastAPI, db: Session, force_a: Force
) -> None:
    records.create_record(
        db, force_a.analyst, PersonRecordIn(reference="A-P1", first_name="Jay", surname="Doe")
    )
    line = record_line(db, force_a.analyst, "A-1")
    url = f"/lines/{line.id}"
    with signed_in(app, db, force_a.analyst) as a:
        unknown = a.post(
            f"{url}/people",
            data={
                "person_number": "07700 900456",
                "person_role": "runner",
                "person_reference": "A-NOBODY",
                "version": "1",
            },
        )
        assert unknown.status_code == 422
        assert 'href="#person_reference"' in unknown.text
        added = a.post(
            f"{url}/people",
            data={
                "person_number": "07700 900456",
                "person_role": "runner",
                "person_reference": "A-P1",
                "version": "1",
            },
            follow_redirects=False,
        )
        assert added.status_code == 303
        (person,) = a.get(f"/api/lines/{line.id}").json()["people"]
        assert person["person_record_id"] is not None
        person_url = f"{url}/people/{person['id']}"
        assert "A-P1: Jay Doe" in a.get(person_url).text

        version = a.get(f"/api/lines/{line.id}").json()["version"]
        kept = a.post(
            person_url,
            data={"role": "controller", "reason": "Holds the phone", "version": str(version)},
            follow_redirects=False,
        )
        assert kept.status_code == 303  # a blank reference keeps the link
        (person,) = a.get(f"/api/lines/{line.id}").json()["people"]
        assert person["person_record_id"] is not None
        version = a.get(f"/api/lines/{line.id}").json()["version"]
        removed = a.post(
            person_url,
            data={
                "role": "controller",
                "unlink_record": "yes",
                "reason": "Wrong person",
                "version": str(version),
            },
            follow_redirects=False,
        )
        assert removed.status_code == 303
        (person,) = a.get(f"/api/lines/{line.id}").json()["people"]
        assert person["person_record_id"] is None
        assert "person record changed from one to none" in a.get(url).text


def test_a_co_owners_link_is_its_own_to_change_and_its_id_reaches_no_other_owner(
    app: FastAPI, db: Session, force_a: Force, force_b: Force
) -> None:
    line = record_line(db, force_a.analyst, "A-1")
    services.add_owner(
        db, force_a.analyst, line.id, force_b.organisation.id, "Joint team", line.version
    )
    kai = records.create_record(
        db, force_b.analyst, PersonRecordIn(reference="B-P1", first_name="Kai")
    )
    people.add_person(db, force_b.analyst, line.id, _add(line, person_record_id=kai.id))
    person = line.people[0]

    # The lead's change that leaves the record out keeps it; one that unlinks is refused.
    people.change_person(db, force_a.analyst, line.id, person.id, _change(line, role="controller"))
    assert person.person_record_id == kai.id
    with pytest.raises(InvalidInput) as theirs:
        people.change_person(
            db, force_a.analyst, line.id, person.id, _change(line, person_record_id=None)
        )
    assert "only they change or remove that link" in theirs.value.errors["person_record_id"]

    with signed_in(app, db, force_a.analyst) as a:
        (seen,) = a.get(f"/api/lines/{line.id}").json()["people"]
        assert (seen["linked"], seen["person_record_id"]) == (True, None)
        page = a.get(f"/lines/{line.id}/people/{person.id}").text
        assert "another organisation that owns the line" in page
        assert 'id="person_reference"' not in page
    with signed_in(app, db, force_b.analyst) as b:
        (seen,) = b.get(f"/api/lines/{line.id}").json()["people"]
        assert seen["person_record_id"] == str(kai.id)

    # West Mercia no longer owns the line: its link goes with it.
    services.remove_owner(
        db, force_a.analyst, line.id, force_b.organisation.id, "Operation over", line.version
    )
    assert line.people[0].person_record_id is None
