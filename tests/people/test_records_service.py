"""Person records in the app: recorded, corrected, imported, read by their owner only; audited."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from crossline.audit.models import AuditEntry
from crossline.auth.actor import Actor
from crossline.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from crossline.people.models import PersonRecord
from crossline.people.schemas import PersonImport, PersonRecordChange, PersonRecordIn
from crossline.people.services import records
from tests.lines.conftest import Force, actor_with, make_force


@pytest.fixture
def force_a(db: Session) -> Force:
    return make_force(db, "Merseyside Police (test)")


@pytest.fixture
def force_b(db: Session) -> Force:
    return make_force(db, "West Mercia Police (test)", contact="DS Priya Shah")


def _person(reference: str, **values: object) -> PersonRecordIn:
    return PersonRecordIn.model_validate({"reference": reference, **values})


def _entries(db: Session, record_type: str, record_id: object) -> list[str]:
    rows = db.scalars(
        select(AuditEntry)
        .where(AuditEntry.record_type == record_type, AuditEntry.record_id == str(record_id))
        .order_by(AuditEntry.seq)
    ).all()
    return [row.operation for row in rows]


def test_a_record_is_kept_as_written_with_numbers_in_e164_and_audited(
    db: Session, force_a: Force
) -> None:
    person = records.create_record(
        db,
        force_a.analyst,
        _person(
            " MP-0001 ",
            first_name="  Kian  ",
            surname="Doyle",
            dob=date(2008, 3, 27),
            postcode=" l4 0th ",
            gender="M",
            phone_numbers=["07700 900123", "+44 7700 900123", "0044 7700 900456"],
        ),
    )
    assert person.reference == "MP-0001"
    assert person.first_name == "Kian"
    assert person.postcode == "L4 0TH"
    assert json.loads(person.phone_numbers) == ["+447700900123", "+447700900456"]
    assert _entries(db, "person_record", person.id) == ["collection"]
    read = records.get_record(db, force_a.analyst, person.id)
    assert read.id == person.id
    assert _entries(db, "person_record", person.id) == ["collection", "consultation"]


def test_bad_values_are_each_named_and_nothing_is_saved(db: Session, force_a: Force) -> None:
    with pytest.raises(InvalidInput) as refused:
        records.create_record(
            db,
            force_a.analyst,
            _person("MP-2", dob=date(2099, 1, 1), phone_numbers=["07700 900123", "not a number"]),
        )
    assert set(refused.value.errors) == {"dob", "phone_numbers[1]"}
    assert db.scalar(select(PersonRecord.id)) is None


def test_a_reference_in_use_is_refused_not_merged(db: Session, force_a: Force) -> None:
    records.create_record(db, force_a.analyst, _person("MP-3", surname="Doyle"))
    with pytest.raises(InvalidInput, match="already holds a person record with reference MP-3"):
        records.create_record(db, force_a.analyst, _person("MP-3", surname="Other"))
    assert len(db.scalars(select(PersonRecord)).all()) == 1


def test_another_force_neither_reads_nor_changes_nor_finds_a_record(
    db: Session, force_a: Force, force_b: Force
) -> None:
    person = records.create_record(db, force_a.analyst, _person("MP-4", surname="Doyle"))
    with pytest.raises(NotFound):
        records.get_record(db, force_b.analyst, person.id)
    change = PersonRecordChange(reference="MP-4", surname="Changed", version=person.version)
    with pytest.raises(NotFound):
        records.update_record(db, force_b.analyst, person.id, change)
    assert records.search_records(db, force_b.analyst, "Doyle") == []
    assert [p.id for p in records.search_records(db, force_a.analyst, "doyle")] == [person.id]


def test_roles_without_people_permissions_are_refused(db: Session) -> None:
    applicant: Actor = actor_with(db, "order_applicant")
    with pytest.raises(Forbidden):
        records.search_records(db, applicant)
    with pytest.raises(Forbidden):
        records.create_record(db, applicant, _person("X-1"))


def test_a_correction_from_an_old_reading_is_refused(db: Session, force_a: Force) -> None:
    person = records.create_record(db, force_a.analyst, _person("MP-5", surname="Doyle"))
    read_version = person.version
    records.update_record(
        db,
        force_a.analyst,
        person.id,
        PersonRecordChange(reference="MP-5", surname="Doyle-Hart", version=read_version),
    )
    with pytest.raises(Conflict):
        records.update_record(
            db,
            force_a.analyst,
            person.id,
            PersonRecordChange(reference="MP-5", surname="Doyle", version=read_version),
        )
    assert db.get_one(PersonRecord, person.id).surname == "Doyle-Hart"
    assert _entries(db, "person_record", person.id) == ["collection", "alteration"]


def test_search_finds_a_number_written_any_usual_way(db: Session, force_a: Force) -> None:
    person = records.create_record(
        db, force_a.analyst, _person("MP-6", phone_numbers=["07700 900777"])
    )
    records.create_record(db, force_a.analyst, _person("MP-7", phone_numbers=["07700 900778"]))
    assert [p.id for p in records.search_records(db, force_a.analyst, "+44 7700 900777")] == [
        person.id
    ]


def test_an_import_keeps_the_good_records_reports_the_bad_and_is_idempotent(
    db: Session, force_a: Force
) -> None:
    batch = PersonImport.model_validate(
        {
            "records": [
                {"reference": "IMP-1", "first_name": "Ava", "surname": "Khan"},
                {"reference": "IMP-2", "surname": "Reid", "phone_numbers": ["nope"]},
                {"reference": "IMP-3", "surname": "Obi", "dob": "2007-05-01"},
                {"reference": "IMP-1", "surname": "Twice"},
            ]
        }
    )
    result, touched = records.import_records(db, force_a.analyst, batch)
    assert (result.added, result.updated, result.unchanged) == (2, 0, 0)
    assert set(result.errors) == {"records[1].phone_numbers[0]", "records[3].reference"}
    assert sorted(p.reference for p in touched) == ["IMP-1", "IMP-3"]

    again, touched = records.import_records(db, force_a.analyst, batch)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)
    assert touched == []

    corrected = PersonImport.model_validate(
        {"records": [{"reference": "IMP-3", "surname": "Obi", "dob": "2007-01-05"}]}
    )
    result, _ = records.import_records(db, force_a.analyst, corrected)
    assert (result.added, result.updated) == (0, 1)
    held = db.scalar(select(PersonRecord).where(PersonRecord.reference == "IMP-3"))
    assert held is not None
    assert held.dob == date(2007, 1, 5)
