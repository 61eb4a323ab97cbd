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
from tests.safeguarding.test_pages import _text, signed_in


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
    assert "Known to police Person linkage says these forces may hold" in _text(html)
    assert forces["west-mercia"].organisation.name in _text(html)
    assert 'href="/people/' not in html  # never the record itself
