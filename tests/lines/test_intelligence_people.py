"""Intelligence about person records (issue 6, intelligence records "linked to lines, numbers
and people"): an analyst links intelligence to the organisation's own person records, never
another's; finds it by the person; the record is named only to the owner's readers of person
records, each naming audited as a read of the person; and the intelligence page searches
and records it, with an error summary that keeps what was typed."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from crossline.audit.models import AuditEntry
from crossline.auth.actor import Actor
from crossline.core.errors import InvalidInput
from crossline.lines import services
from crossline.lines.models import IntelligenceRecord
from crossline.lines.schemas import IntelligenceCreate, IntelligenceRead
from crossline.people.models import PersonRecord
from crossline.people.schemas import PersonRecordIn
from crossline.people.services import records
from tests.lines.conftest import Force, record_line, signed_in

NUMBER = "+447700900123"


def _person(db: Session, force: Force, reference: str, first_name: str) -> PersonRecord:
    return records.create_record(
        db,
        force.analyst,
        PersonRecordIn(
            reference=reference, first_name=first_name, surname="Doe", dob=date(2008, 4, 1)
        ),
    )


def _intelligence(**given: Any) -> IntelligenceCreate:
    fields: dict[str, Any] = {
        "text": "Holds the Tiny line's phone at weekends.",
        "source_evaluation": "2",
        "intelligence_assessment": "B",
        "handling_code": "P",
        **given,
    }
    return IntelligenceCreate.model_validate(fields)


def _person_reads(db: Session, person: PersonRecord) -> list[str]:
    return list(
        db.scalars(
            select(AuditEntry.justification)
            .where(
                AuditEntry.record_type == "person_record",
                AuditEntry.record_id == str(person.id),
                AuditEntry.operation == "consultation",
            )
            .order_by(AuditEntry.seq)
        )
    )


def test_intelligence_links_to_the_organisations_own_person_records_and_is_found_by_them(
    db: Session, force_a: Force, force_b: Force
) -> None:
    jay = _person(db, force_a, "A-P1", "Jay")
    other = _person(db, force_a, "A-P2", "Sam")
    theirs = _person(db, force_b, "B-P1", "Jay")
    about_jay = services.record_intelligence(
        db, force_a.analyst, _intelligence(person_ids=[jay.id])
    )
    services.record_intelligence(db, force_a.analyst, _intelligence(person_ids=[other.id]))
    assert IntelligenceRead.of(about_jay).person_ids == [jay.id]

    found = services.search_intelligence(db, force_a.analyst, person_id=jay.id)
    assert [i.id for i in found] == [about_jay.id]
    assert services.search_intelligence(db, force_b.analyst, person_id=jay.id) == []
    # Another force's person record, or none at all, is refused as if it did not exist.
    for person_id in (theirs.id, uuid.uuid4()):
        with pytest.raises(InvalidInput) as refused:
            services.record_intelligence(
                db, force_a.analyst, _intelligence(person_ids=[jay.id, person_id])
            )
        assert "your own person records" in refused.value.errors["person_ids[1]"]
    assert len(db.scalars(select(IntelligenceRecord)).all()) == 2


def test_a_person_record_is_named_only_to_its_owners_readers_and_each_naming_is_audited(
    db: Session, force_a: Force, coordinator: Actor
) -> None:
    jay = _person(db, force_a, "A-P1", "Jay")
    services.record_intelligence(db, force_a.analyst, _intelligence(person_ids=[jay.id]))
    # Linking and searching by the person are each on the person record's own trail.
    assert _person_reads(db, jay) == ["intelligence recorded about a person"]
    found = services.search_intelligence(db, force_a.analyst, person_id=jay.id)
    trail = ["intelligence recorded about a person", "searching intelligence about a person"]
    assert _person_reads(db, jay) == trail
    named = services.people_named(db, force_a.analyst, found)
    assert {i: p.reference for i, p in named.items()} == {jay.id: "A-P1"}
    trail.append("reading intelligence about a person")
    assert _person_reads(db, jay) == trail
    # A national coordinator reads the force's intelligence, not its person records.
    seen = services.search_intelligence(db, coordinator, text="tiny")
    assert [IntelligenceRead.of(i).person_ids for i in seen] == [[jay.id]]
    assert services.people_named(db, coordinator, seen) == {}
    assert services.search_intelligence(db, coordinator, person_id=jay.id) != []
    assert _person_reads(db, jay) == trail  # nothing of the person was read


def test_the_intelligence_page_records_and_finds_intelligence_about_a_person(
    app: FastAPI, db: Session, force_a: Force, force_b: Force
) -> None:
    jay = _person(db, force_a, "A-P1", "Jay")
    line = record_line(db, force_a.analyst, "A-1", [NUMBER])
    services.record_intelligence(
        db,
        force_a.analyst,
        _intelligence(text="Line phone moved to a new handset", line_ids=[line.id]),
    )
    form = {
        "text": "Jay collects from the hub on Fridays",
        "source_evaluation": "2",
        "intelligence_assessment": "B",
        "handling_code": "P",
        "numbers_text": "07700 900123\n",
        "person_references": "A-P1\nA-P9",
    }
    with signed_in(app, db, force_a.analyst) as a:
        page = a.get("/intelligence")
        assert page.status_code == 200
        assert "Line phone moved to a new handset" in page.text
        assert f'href="/lines/{line.id}">A-1' in page.text

        unknown = a.post("/intelligence", data=form)
        assert unknown.status_code == 422
        assert 'href="#person_references"' in unknown.text
        assert "no person record with the reference A-P9" in unknown.text
        assert "Jay collects from the hub on Fridays" in unknown.text  # what was typed is kept

        recorded = a.post(
            "/intelligence", data=form | {"person_references": "A-P1"}, follow_redirects=False
        )
        assert recorded.status_code == 303
        page = a.get(recorded.headers["location"])
        assert "Intelligence recorded." in page.text
        assert f'<a class="govuk-link" href="/people/{jay.id}">A-P1: Jay Doe</a>' in page.text

        person_page = a.get(f"/people/{jay.id}")
        assert f'href="/intelligence?person_id={jay.id}"' in person_page.text
        about = a.get(f"/intelligence?person_id={jay.id}")
        assert "Found: 1" in about.text
        assert "Jay collects from the hub" in about.text
        assert "Line phone moved" not in about.text
        assert a.get("/intelligence", params={"phone": NUMBER}).text.count("govuk-tag--blue") == 1
        bad = a.get("/intelligence", params={"phone": "call me"})
        assert bad.status_code == 422
        assert 'href="#phone"' in bad.text

        api = a.get("/api/intelligence", params={"person_id": str(jay.id)}).json()
        assert [i["person_ids"] for i in api] == [[str(jay.id)]]
        posted = a.post(
            "/api/intelligence",
            json={**_intelligence().model_dump(), "person_ids": [str(uuid.uuid4())]},
        )
        assert posted.status_code == 422
        assert "person_ids[0]" in posted.json()["errors"]

    with signed_in(app, db, force_b.analyst) as b:
        theirs = b.get(f"/intelligence?person_id={jay.id}")
        assert "Found: 0" in theirs.text
        assert "Jay" not in theirs.text
