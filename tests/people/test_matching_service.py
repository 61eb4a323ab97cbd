"""People across organisations: linkage of every force's records, alerts, evidence and decisions.

Three forces import their records of the tiny synthetic world's people, as
each force wrote them (misspellings, nicknames, swapped dates, old
postcodes); the world's truth says which records are the same person.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from crossline.audit.models import AuditEntry
from crossline.auth.actor import Actor
from crossline.core.errors import Conflict, Forbidden, NotFound
from crossline.people.models import PersonMatch, PersonRecord
from crossline.people.schemas import (
    Decision,
    DecisionIn,
    PersonImport,
    PersonRecordChange,
    PersonRecordIn,
)
from crossline.people.services import matching, records
from crossline.synth.generate import generate
from tests.lines.conftest import Force, actor_with, make_force

FORCES = {
    "merseyside": "Merseyside Police (test)",
    "west-mercia": "West Mercia Police (test)",
    "west-midlands": "West Midlands Police (test)",
}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("people") / "world"
    generate("tiny", 11, folder)
    return folder


def _truth(world: Path) -> dict[str, str]:
    with (world / "truth" / "agency_records.csv").open(encoding="utf-8") as f:
        return {r["record"]: r["person_id"] for r in csv.DictReader(f)}


def _import_world(db: Session, world: Path) -> dict[str, Force]:
    """Each force imports its own records; returns the forces by their id in the world."""
    rows: dict[str, list[dict[str, object]]] = defaultdict(list)
    with (world / "agencies" / "person_records.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["force"] in FORCES:
                rows[row["force"]].append(
                    {
                        "reference": row["record_id"],
                        "first_name": row["first_name"] or None,
                        "surname": row["surname"] or None,
                        "dob": row["dob"] or None,
                        "postcode": row["postcode"] or None,
                        "gender": row["gender"] or None,
                    }
                )
    forces = {
        force: make_force(db, name, contact="DS Priya Shah" if force == "west-mercia" else None)
        for force, name in FORCES.items()
    }
    for force, given in rows.items():
        result, _ = records.import_records(
            db, forces[force].analyst, PersonImport.model_validate({"records": given})
        )
        assert result.errors == {}, result.errors
    return forces


@pytest.fixture
def linked(db: Session, world: Path) -> dict[str, Force]:
    forces = _import_world(db, world)
    run = matching.relink(db)
    assert run.skipped_reason is None
    assert run.new_alerts > 0
    return forces


def _same_person(db: Session, world: Path, match: PersonMatch) -> bool:
    truth = _truth(world)
    a = db.get_one(PersonRecord, match.record_a_id)
    b = db.get_one(PersonRecord, match.record_b_id)
    return truth[a.reference] == truth[b.reference]


def test_linkage_finds_people_held_by_two_forces_and_mostly_rightly(
    db: Session, world: Path, linked: dict[str, Force]
) -> None:
    matches = db.scalars(select(PersonMatch)).all()
    across = [m for m in matches if m.across_organisations]
    assert len(across) >= 3
    right = sum(_same_person(db, world, m) for m in across)
    assert right / len(across) >= 0.8
    for match in matches:
        contributions = json.loads(match.contributions)
        assert {c["field"] for c in contributions} == {
            "first_name",
            "surname",
            "dob",
            "postcode",
            "gender",
        }
        total = match.prior_match_weight + sum(c["match_weight"] for c in contributions)
        assert total == pytest.approx(match.match_weight, abs=0.01)


def test_both_owners_are_alerted_with_the_other_force_and_contact_and_nothing_of_its_record(
    db: Session, linked: dict[str, Force]
) -> None:
    match = db.scalars(
        select(PersonMatch).where(PersonMatch.owner_a_id != PersonMatch.owner_b_id)
    ).first()
    assert match is not None
    by_org = {f.organisation.id: f for f in linked.values()}
    a, b = by_org[match.owner_a_id], by_org[match.owner_b_id]
    record_a = db.get_one(PersonRecord, match.record_a_id)
    record_b = db.get_one(PersonRecord, match.record_b_id)
    for own, other, own_record, other_record in (
        (a, b, record_a, record_b),
        (b, a, record_b, record_a),
    ):
        alert = next(x for x in matching.alerts(db, own.analyst) if x.alert_id == match.id)
        assert alert.record_id == own_record.id
        assert alert.other_organisation == other.organisation.name
        if other.organisation.contact_name:
            assert alert.contact.name == "DS Priya Shah"
        else:
            assert "no contact officer" in (alert.contact.note or "")
        told = alert.model_dump_json()
        assert str(other_record.id) not in told
        assert other_record.reference not in told
        for value in (other_record.surname, other_record.postcode):
            if value and value != own_record.surname and value != own_record.postcode:
                assert value not in told
        # and the other force's record itself stays out of reach
        with pytest.raises(NotFound):
            records.get_record(db, own.analyst, other_record.id)
        with pytest.raises(NotFound):
            matching.get_match(db, own.analyst, match.id)
    disclosures = db.scalars(
        select(AuditEntry).where(
            AuditEntry.record_type == "person_match",
            AuditEntry.record_id == str(match.id),
            AuditEntry.operation == "disclosure",
        )
    ).all()
    assert {d.recipient for d in disclosures} == {a.organisation.name, b.organisation.name}


def test_a_coordinator_sees_both_records_with_the_evidence_and_decides(
    db: Session, linked: dict[str, Force]
) -> None:
    coordinator: Actor = actor_with(db, "national_coordinator", "national_coordination_centre")
    matches = matching.list_matches(db, coordinator, national=True)
    assert matches
    assert all(m.across_organisations for m in matches)
    first = matches[0]
    assert {r.organisation for r in first.records} <= {f.organisation.name for f in linked.values()}
    assert first.contributions
    decided = matching.decide(
        db,
        coordinator,
        first.match_id,
        DecisionIn(decision=Decision.SAME, note="Same custody photo", version=first.version),
        national=True,
    )
    assert decided.decision is Decision.SAME
    with pytest.raises(Conflict):
        matching.decide(
            db,
            coordinator,
            first.match_id,
            DecisionIn(decision=Decision.DIFFERENT, version=first.version),
            national=True,
        )
    # an analyst decides nothing between forces
    analyst = next(iter(linked.values())).analyst
    with pytest.raises(Forbidden):
        matching.decide(
            db,
            analyst,
            first.match_id,
            DecisionIn(decision=Decision.DIFFERENT, version=2),
            national=True,
        )
    with pytest.raises(NotFound):  # and it is not one of the analyst's own duplicates
        matching.decide(
            db, analyst, first.match_id, DecisionIn(decision=Decision.DIFFERENT, version=2)
        )


def test_decisions_are_remembered_and_reused_by_the_next_linkage(
    db: Session, linked: dict[str, Force]
) -> None:
    coordinator = actor_with(db, "national_coordinator", "national_coordination_centre")
    different, same = matching.list_matches(db, coordinator, national=True)[:2]
    matching.decide(
        db,
        coordinator,
        different.match_id,
        DecisionIn(decision=Decision.DIFFERENT, version=different.version),
        national=True,
    )
    matching.decide(
        db,
        coordinator,
        same.match_id,
        DecisionIn(decision=Decision.SAME, version=same.version),
        national=True,
    )
    owner_ids = {r.record_id for r in same.records}
    # One of the pair decided the same is corrected beyond recognition: linkage no longer
    # finds the pair, yet the decision keeps it.
    person = db.get_one(PersonRecord, next(iter(owner_ids)))
    owner = next(f for f in linked.values() if f.organisation.id == person.owner_id)
    records.update_record(
        db,
        owner.analyst,
        person.id,
        PersonRecordChange(
            reference=person.reference,
            first_name="Zebedee",
            surname="Quillfeather",
            dob=None,
            postcode="ZE1 0AA",
            gender=None,
            version=person.version,
        ),
    )
    run = matching.relink(db)
    assert run.new_matches == 0
    kept = db.get_one(PersonMatch, same.match_id)
    assert kept.decision == Decision.SAME.value
    assert db.get_one(PersonMatch, different.match_id).decision == Decision.DIFFERENT.value
    # a pair decided different is no longer an alert to either force
    for force in linked.values():
        assert different.match_id not in {a.alert_id for a in matching.alerts(db, force.analyst)}


def test_an_undecided_match_no_longer_found_is_withdrawn(
    db: Session, linked: dict[str, Force]
) -> None:
    match = db.scalars(select(PersonMatch).where(PersonMatch.decision.is_(None))).first()
    assert match is not None
    person = db.get_one(PersonRecord, match.record_a_id)
    owner = next(f for f in linked.values() if f.organisation.id == person.owner_id)
    records.update_record(
        db,
        owner.analyst,
        person.id,
        PersonRecordChange(
            reference=person.reference,
            first_name="Zebedee",
            surname="Quillfeather",
            postcode="ZE1 0AA",
            version=person.version,
        ),
    )
    matching.relink(db)
    assert db.get(PersonMatch, match.id) is None


def test_within_one_force_the_force_decides_its_own_duplicates(db: Session) -> None:
    force = make_force(db, "Cumbria Constabulary (test)")
    given = [
        {"reference": f"C-{i}", "first_name": first, "surname": surname, "dob": dob}
        for i, (first, surname, dob) in enumerate(
            [
                ("Oliver", "Smith", "1990-03-14"),
                ("Amelia", "Jones", "1985-07-02"),
                ("Harry", "Taylor", "2001-11-30"),
                ("Isla", "Brown", "1979-01-19"),
                ("Jack", "Williams", "1995-05-05"),
                ("Grace", "Davies", "2003-02-11"),
                ("George", "Evans", "1988-12-01"),
                ("Emily", "Thomas", "1999-06-18"),
                ("Charlie", "Roberts", "1975-04-27"),
                ("Sophie", "Johnson", "1992-10-09"),
                ("Thomas", "Walker", "1983-08-15"),
                ("Mia", "Wright", "2005-03-03"),
                ("Jacob", "Robinson", "1970-11-11"),
                ("Lily", "Thompson", "1996-07-21"),
                ("Noah", "White", "2000-01-30"),
                ("Ella", "Hughes", "1981-05-12"),
                ("Oscar", "Edwards", "1993-09-09"),
                ("Ava", "Green", "1987-02-28"),
                ("Leo", "Hall", "1998-12-24"),
                ("Freya", "Wood", "2004-04-04"),
                ("Olly", "Smith", "1990-03-14"),
                ("Amelia", "Jones", "1985-02-07"),
                ("Harry", "Tayler", "2001-11-30"),
            ]
        )
    ]
    records.import_records(db, force.analyst, PersonImport.model_validate({"records": given}))
    matching.relink(db)
    own = matching.list_matches(db, force.analyst)
    assert own
    assert all(not m.across_organisations for m in own)
    pairs = {frozenset(r.reference for r in m.records) for m in own}
    assert frozenset({"C-0", "C-20"}) in pairs or frozenset({"C-2", "C-22"}) in pairs
    assert matching.alerts(db, force.analyst) == []
    decided = matching.decide(
        db, force.analyst, own[0].match_id, DecisionIn(decision="unsure", version=own[0].version)
    )
    assert decided.decision is Decision.UNSURE
    applicant = actor_with(db, "order_applicant")
    with pytest.raises(Forbidden):
        matching.list_matches(db, applicant)


def test_too_few_records_to_learn_from_are_not_linked_and_say_why(
    db: Session,
) -> None:
    force = make_force(db, "Dyfed-Powys Police (test)")
    records.create_record(db, force.analyst, PersonRecordIn(reference="D-1", surname="Jones"))
    run = matching.relink(db)
    assert run.skipped_reason is not None
    assert "at least 20" in run.skipped_reason
