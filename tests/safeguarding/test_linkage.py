"""Young people are linked to the people police forces know, and a practitioner learns
which force holds a record and whom to call, never the record (DESIGN.md)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from crossline.audit.models import AuditEntry
from crossline.people.models import PersonRecord
from crossline.safeguarding.schemas import YoungPersonIn
from crossline.safeguarding.services import linkage, young_people
from crossline.synth.generate import generate
from tests.factories import actor_of, make_organisation, make_user
from tests.people.test_matching_service import _import_world, _truth
from tests.safeguarding.helpers import page_text, signed_in


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("safeguarding-linkage") / "world"
    generate("tiny", 11, folder)
    return folder


def test_a_young_person_is_linked_to_the_forces_records_of_them(
    app: FastAPI, db: Session, world: Path
) -> None:
    forces = _import_world(db, world)
    truth = _truth(world)
    with (world / "agencies" / "person_records.csv").open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["force"] == "west-mercia" and r["dob"]]
    row = rows[0]
    council = make_organisation(db, "local_authority", name="Test Council")
    user = make_user(db, council, ["safeguarding_practitioner"])
    practitioner = actor_of(user, council)
    # The council writes the name its own way: the first name in capitals.
    child = young_people.create(
        db,
        practitioner,
        YoungPersonIn(
            first_name=row["first_name"].upper(),
            surname=row["surname"],
            dob=row["dob"],  # type: ignore[arg-type]
            postcode=row["postcode"] or None,
        ),
    )
    summary = linkage.relink_young_people(db)
    assert summary.skipped_reason is None
    assert summary.links >= 1
    known = linkage.known_to_police(db, practitioner, child)
    holders = {k.held_by for k in known}
    assert forces["west-mercia"].organisation.name in holders
    for entry in known:
        assert entry.url is None  # the council sees who holds it, not the record
        assert entry.contact  # and whom to call
    # Every linked record is of the same person in the world's truth.
    links = db.scalars(
        select(PersonRecord)
        .join(linkage.YoungPersonLink, linkage.YoungPersonLink.person_record_id == PersonRecord.id)
        .where(linkage.YoungPersonLink.young_person_id == child.id)
    ).all()
    assert {truth[p.reference] for p in links} == {truth[row["record_id"]]}
    combined = db.scalars(
        select(AuditEntry).where(AuditEntry.record_type == "young_person_linkage")
    ).all()
    assert len(combined) == 1
    with signed_in(app, user) as client:
        html = client.get(child.url).text
    assert "Known to police Person linkage says these forces may hold" in page_text(html)
    assert forces["west-mercia"].organisation.name in page_text(html)
    assert 'href="/people/' not in html  # never the record itself


def test_two_organisations_holding_one_child_are_told_of_each_other_and_nothing_more(
    app: FastAPI, db: Session, world: Path
) -> None:
    _import_world(db, world)
    north = make_organisation(db, "local_authority", name="North Test Council")
    north.contact_name, north.contact_email = "Jo North", "jo.north@council.test-crossline.uk"
    db.commit()
    south = make_organisation(db, "local_authority", name="South Test Council")
    north_user = make_user(db, north, ["safeguarding_practitioner"])
    south_user = make_user(db, south, ["safeguarding_practitioner"])
    facts = {"surname": "Quill", "dob": "2011-02-03", "postcode": "AB1 2CD"}
    here = young_people.create(
        db,
        actor_of(north_user, north),
        YoungPersonIn(first_name="Tobias", **facts),  # type: ignore[arg-type]
    )
    there = young_people.create(
        db,
        actor_of(south_user, south),
        YoungPersonIn(first_name="Toby", **facts),  # type: ignore[arg-type]
    )
    again = young_people.create(
        db,
        actor_of(south_user, south),
        YoungPersonIn(first_name="TOBY", **facts),  # type: ignore[arg-type]
    )
    summary = linkage.relink_young_people(db)
    assert summary.twins >= 2
    seen_north = linkage.other_records(db, actor_of(north_user, north), here)
    assert {o.held_by for o in seen_north} == {"South Test Council"}
    assert all(o.url is None and o.reference is None for o in seen_north)
    seen_south = linkage.other_records(db, actor_of(south_user, south), there)
    by_holder = {o.held_by: o for o in seen_south}
    assert by_holder["North Test Council"].url is None
    assert by_holder["North Test Council"].contact is not None
    assert "Jo North" in by_holder["North Test Council"].contact
    assert by_holder["South Test Council"].url == again.url  # a possible duplicate
    with signed_in(app, north_user) as client:
        html = client.get(here.url).text
    assert "South Test Council may hold a record of this young person" in page_text(html)
    assert str(there.id) not in html
    assert str(again.id) not in html
