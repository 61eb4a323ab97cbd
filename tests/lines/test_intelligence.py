"""Intelligence records: 3x5x2 grading, links to own lines only, search, isolation, audit."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from fastapi import FastAPI
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

import crossline.models  # noqa: F401  every table known to the metadata
from crossline.audit.models import AuditEntry
from crossline.auth.actor import Actor
from crossline.core.database import Base
from crossline.core.errors import Forbidden, InvalidInput, NotFound
from crossline.lines import services
from crossline.lines.models import IntelligenceRecord
from crossline.lines.schemas import IntelligenceCreate, IntelligenceRead
from tests.factories import make_user, sign_in
from tests.lines.conftest import Force, actor_with, record_line, signed_in

NUMBER = "+447700900123"
PERSON = "+447700900456"


def _intelligence(**given: Any) -> IntelligenceCreate:
    fields: dict[str, Any] = {
        "text": "Runner for the Tiny line collects from the hub on Fridays.",
        "source_evaluation": "1",
        "intelligence_assessment": "B",
        "handling_code": "P",
        **given,
    }
    return IntelligenceCreate.model_validate(fields)


def _audited(db: Session, record_id: uuid.UUID) -> list[str]:
    return list(
        db.scalars(
            select(AuditEntry.operation)
            .where(AuditEntry.record_type == "intelligence", AuditEntry.record_id == str(record_id))
            .order_by(AuditEntry.seq)
        )
    )


def _recorded(db: Session, force: Force, **given: Any) -> IntelligenceRecord:
    return services.record_intelligence(db, force.analyst, _intelligence(**given))


# --- grading ----------------------------------------------------------------------------------


def test_intelligence_is_stored_with_its_3x5x2_grading_and_links(
    db: Session, force_a: Force
) -> None:
    line = record_line(db, force_a.analyst, "A-1", [NUMBER])
    intelligence = _recorded(
        db,
        force_a,
        source_evaluation="2",
        intelligence_assessment="c",  # any case
        handling_code="C",
        handling_conditions="Not to be shared outside the force without the SIO's consent.",
        line_ids=[line.id],
        numbers=["07700 900123"],
        people=["+44 7700 900456"],
    )
    read = IntelligenceRead.of(intelligence)
    assert (read.grading_scheme, read.grading) == ("3x5x2", "2C C")
    assert read.handling_conditions is not None
    assert (read.line_ids, read.numbers, read.people) == ([line.id], [NUMBER], [PERSON])
    assert read.recorded_by == force_a.analyst.display_name
    assert read.owner_id == force_a.organisation.id


@pytest.mark.parametrize(
    ("given", "field", "says"),
    [
        ({"source_evaluation": "4"}, "source_evaluation", "1 (reliable), 2 (untested)"),
        ({"source_evaluation": "A"}, "source_evaluation", "3 (not reliable)"),
        ({"intelligence_assessment": "F"}, "intelligence_assessment", "E (suspected false)"),
        ({"intelligence_assessment": "1"}, "intelligence_assessment", "A (known directly"),
        ({"handling_code": "X"}, "handling_code", "P (lawful sharing permitted)"),
        ({"handling_code": "5"}, "handling_code", "C (lawful sharing permitted with"),
        ({"handling_code": "C"}, "handling_conditions", "handling instructions"),
        ({"text": "   "}, "text", "Enter the intelligence"),
        ({"numbers": ["not a number"]}, "numbers[0]", "phone number"),
        ({"people": [NUMBER, "12"]}, "people[1]", "phone number"),
    ],
)
def test_a_grading_or_link_that_is_not_3x5x2s_is_refused_naming_the_field(
    db: Session, force_a: Force, given: dict[str, Any], field: str, says: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        _recorded(db, force_a, **given)
    assert field in refused.value.errors
    assert says in refused.value.errors[field]
    assert refused.value.status == 422
    assert db.scalars(select(IntelligenceRecord)).all() == []


def test_handling_conditions_are_kept_only_with_handling_code_c(
    db: Session, force_a: Force
) -> None:
    intelligence = _recorded(db, force_a, handling_code="P", handling_conditions="ignored")
    assert intelligence.handling_conditions is None


# --- links ------------------------------------------------------------------------------------


def test_intelligence_links_only_to_its_own_organisations_lines(
    db: Session, force_a: Force, force_b: Force
) -> None:
    theirs = record_line(db, force_b.analyst, "B-1", [NUMBER])
    for line_id in (theirs.id, uuid.uuid4()):
        with pytest.raises(InvalidInput) as refused:
            _recorded(db, force_a, line_ids=[line_id])
        assert "your own lines" in refused.value.errors["line_ids[0]"]
    assert db.scalars(select(IntelligenceRecord)).all() == []


# --- who may read it --------------------------------------------------------------------------


def test_another_force_can_neither_read_nor_find_it(
    db: Session, force_a: Force, force_b: Force
) -> None:
    line = record_line(db, force_a.analyst, "A-1", [NUMBER])
    intelligence = _recorded(db, force_a, line_ids=[line.id], numbers=[NUMBER])
    with pytest.raises(NotFound):
        services.get_intelligence(db, force_b.analyst, intelligence.id)
    assert services.search_intelligence(db, force_b.analyst) == []
    assert services.search_intelligence(db, force_b.analyst, text="runner") == []
    assert services.search_intelligence(db, force_b.analyst, number=NUMBER) == []
    assert services.search_intelligence(db, force_b.analyst, line_id=line.id) == []


def test_a_national_coordinator_reads_and_finds_every_forces_intelligence(
    db: Session, force_a: Force, force_b: Force, coordinator: Actor
) -> None:
    ours = _recorded(db, force_a)
    theirs = _recorded(db, force_b)
    assert services.get_intelligence(db, coordinator, ours.id).id == ours.id
    found = {i.id for i in services.search_intelligence(db, coordinator, text="RUNNER")}
    assert found == {ours.id, theirs.id}
    with pytest.raises(Forbidden):
        services.record_intelligence(db, coordinator, _intelligence())


@pytest.mark.parametrize("role", ["order_applicant", "order_authoriser", "auditor"])
def test_roles_without_intelligence_read_are_refused(
    db: Session, force_a: Force, role: str
) -> None:
    intelligence = _recorded(db, force_a)
    other = actor_with(db, role)
    with pytest.raises(Forbidden):
        services.get_intelligence(db, other, intelligence.id)
    with pytest.raises(Forbidden):
        services.search_intelligence(db, other)


# --- search -----------------------------------------------------------------------------------


def test_search_by_text_number_and_line_within_the_organisation(
    db: Session, force_a: Force
) -> None:
    line = record_line(db, force_a.analyst, "A-1", [NUMBER])
    on_line = _recorded(db, force_a, text="Stash at 50% of the usual", line_ids=[line.id])
    by_number = _recorded(db, force_a, text="A new handset", numbers=[NUMBER])
    by_person = _recorded(db, force_a, text="A_runner seen", people=[PERSON])

    def found(**criteria: Any) -> set[uuid.UUID]:
        return {i.id for i in services.search_intelligence(db, force_a.analyst, **criteria)}

    assert found(text="stash AT") == {on_line.id}
    assert found(text="50%") == {on_line.id}  # % and _ are taken literally
    assert found(text="a_r") == {by_person.id}
    assert found(text="%") == {on_line.id}
    assert found(number="07700 900123") == {by_number.id}
    assert found(number=PERSON) == {by_person.id}
    assert found(line_id=line.id) == {on_line.id}
    assert found(text="new", number=NUMBER) == {by_number.id}
    assert found(text="stash", number=NUMBER) == set()
    assert found() == {on_line.id, by_number.id, by_person.id}
    with pytest.raises(InvalidInput):
        found(number="call me")


# --- audit ------------------------------------------------------------------------------------


def test_recording_is_a_collection_and_every_read_a_consultation(
    db: Session, force_a: Force, coordinator: Actor
) -> None:
    intelligence = _recorded(db, force_a)
    assert _audited(db, intelligence.id) == ["collection"]
    services.get_intelligence(db, force_a.analyst, intelligence.id)
    services.search_intelligence(db, coordinator, text="runner")
    services.search_intelligence(db, force_a.analyst, text="nothing like it")
    assert _audited(db, intelligence.id) == ["collection", "consultation", "consultation"]
    owners = set(
        db.scalars(
            select(AuditEntry.record_owner_id).where(AuditEntry.record_id == str(intelligence.id))
        )
    )
    assert owners == {force_a.organisation.id}


# --- API --------------------------------------------------------------------------------------


def test_the_api_records_searches_and_keeps_each_force_to_its_own(
    app: FastAPI, db: Session, force_a: Force, force_b: Force, coordinator: Actor
) -> None:
    body = {
        "text": "Cuckooed flat on the estate",
        "source_evaluation": "2",
        "intelligence_assessment": "A",
        "handling_code": "P",
        "numbers": ["07700 900123"],
    }
    with signed_in(app, db, force_a.analyst) as a, signed_in(app, db, force_b.analyst) as b:
        created = a.post("/api/intelligence", json=body)
        assert created.status_code == 201, created.text
        intelligence_id = created.json()["intelligence_id"]
        assert created.json()["grading"] == "2A P"

        refused = a.post("/api/intelligence", json={**body, "source_evaluation": "9"})
        assert refused.status_code == 422
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert "source_evaluation" in refused.json()["errors"]

        assert a.get(f"/api/intelligence/{intelligence_id}").status_code == 200
        assert [i["intelligence_id"] for i in a.get("/api/intelligence?text=CUCKOOED").json()] == [
            intelligence_id
        ]
        assert len(a.get("/api/intelligence", params={"number": NUMBER}).json()) == 1
        assert b.get(f"/api/intelligence/{intelligence_id}").status_code == 404
        assert b.get("/api/intelligence?text=cuckooed").json() == []
    with signed_in(app, db, coordinator) as c:
        assert c.get(f"/api/intelligence/{intelligence_id}").status_code == 200
        assert c.post("/api/intelligence", json=body).status_code == 403


def test_migration_0007_creates_the_intelligence_tables_as_the_models_declare(
    engine: Engine,
) -> None:
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert [d for d in differences if "intelligence" in repr(d)] == []


def test_the_line_page_lists_its_intelligence_and_records_more_with_an_error_summary(
    app: FastAPI, db: Session, force_a: Force
) -> None:
    line = record_line(db, force_a.analyst, "A-1", [NUMBER])
    with signed_in(app, db, force_a.analyst) as a:
        page = a.get(f"/lines/{line.id}")
        assert "No intelligence is linked to this line." in page.text
        form = {"text": "Deals from the bus station after school", "source_evaluation": "2"}
        refused = a.post(f"/lines/{line.id}/intelligence", data=form)
        assert refused.status_code == 422
        assert "govuk-error-summary" in refused.text
        assert 'href="#intelligence_assessment"' in refused.text
        assert "Deals from the bus station" in refused.text  # what was typed is kept
        form |= {"intelligence_assessment": "B", "handling_code": "P"}
        recorded = a.post(f"/lines/{line.id}/intelligence", data=form, follow_redirects=False)
        assert recorded.status_code == 303
        page = a.get(f"/lines/{line.id}")
        assert "Deals from the bus station after school" in page.text
        assert "2B P" in page.text
    found = services.search_intelligence(db, force_a.analyst, line_id=line.id)
    assert [i.text for i in found] == ["Deals from the bus station after school"]


def test_the_line_page_shows_no_intelligence_to_a_role_without_intelligence_read(
    app: FastAPI, db: Session, force_a: Force
) -> None:
    line = record_line(db, force_a.analyst, "A-1", [NUMBER])
    _recorded(db, force_a, line_ids=[line.id])
    applicant = make_user(db, force_a.organisation, ["order_applicant"])
    with TestClient(app, raise_server_exceptions=False) as client:
        sign_in(client, applicant.email)
        page = client.get(f"/lines/{line.id}")
    assert page.status_code == 200
    assert "Runner for the Tiny line" not in page.text
