"""Intelligence regraded after it was recorded (DOMAIN.md §GRADING: a source proves
reliable, a report is corroborated or found false, handling conditions change): only its
owner's analysts change it, with the reason and the version they read; the history keeps
the grading before and after, who and why; every change is audited; the text stays."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from crossline.audit.models import AuditEntry
from crossline.auth.actor import Actor
from crossline.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from crossline.lines import services
from crossline.lines.models import IntelligenceRecord
from crossline.lines.schemas import IntelligenceCreate, IntelligenceRead, IntelligenceRegrade
from tests.lines.conftest import Force, signed_in

TEXT = "Runner for the Tiny line collects from the hub on Fridays."


def _recorded(db: Session, force: Force) -> IntelligenceRecord:
    return services.record_intelligence(
        db,
        force.analyst,
        IntelligenceCreate(
            text=TEXT, source_evaluation="2", intelligence_assessment="C", handling_code="P"
        ),
    )


def _regrade(record: IntelligenceRecord, **given: Any) -> IntelligenceRegrade:
    fields: dict[str, Any] = {
        "source_evaluation": "1",
        "intelligence_assessment": "B",
        "handling_code": "P",
        "reason": "Source proved reliable in Operation Tern",
        "version": record.version,
    }
    return IntelligenceRegrade.model_validate(fields | given)


def test_an_owners_analyst_regrades_with_the_reason_and_the_history_keeps_what_it_was(
    db: Session, force_a: Force
) -> None:
    record = _recorded(db, force_a)
    assert record.version == 1

    regraded = services.regrade_intelligence(db, force_a.analyst, record.id, _regrade(record))

    read = IntelligenceRead.of(regraded)
    assert (read.grading, read.text, read.version) == ("1B P", TEXT, 2)
    (change,) = read.history
    assert (change.kind, change.by, change.reason) == (
        "regraded",
        force_a.analyst.display_name,
        "Source proved reliable in Operation Tern",
    )
    assert change.detail["from"] == {"grading": "2C P", "handling_conditions": None}
    assert change.detail["to"] == {"grading": "1B P", "handling_conditions": None}

    conditions = _regrade(
        regraded, handling_code="C", handling_conditions="Not to be shared outside policing"
    )
    again = services.regrade_intelligence(db, force_a.analyst, record.id, conditions)
    assert (again.handling_code, again.handling_conditions) == (
        "C",
        "Not to be shared outside policing",
    )
    assert len(again.history) == 2
    operations = db.scalars(
        select(AuditEntry.justification).where(
            AuditEntry.record_type == "intelligence",
            AuditEntry.record_id == str(record.id),
            AuditEntry.operation == "alteration",
        )
    ).all()
    assert operations == ["intelligence regraded", "intelligence regraded"]


def test_a_regrading_that_changes_nothing_is_stale_or_not_3x5x2_is_refused(
    db: Session, force_a: Force
) -> None:
    record = _recorded(db, force_a)
    with pytest.raises(InvalidInput) as same:
        services.regrade_intelligence(
            db,
            force_a.analyst,
            record.id,
            _regrade(record, source_evaluation="2", intelligence_assessment="C"),
        )
    assert "Nothing is different" in same.value.errors["source_evaluation"]
    with pytest.raises(InvalidInput) as wrong:
        services.regrade_intelligence(
            db, force_a.analyst, record.id, _regrade(record, intelligence_assessment="F")
        )
    assert "A (known directly to the source)" in wrong.value.errors["intelligence_assessment"]
    with pytest.raises(InvalidInput) as no_conditions:
        services.regrade_intelligence(
            db, force_a.analyst, record.id, _regrade(record, handling_code="C")
        )
    assert "handling_conditions" in no_conditions.value.errors
    with pytest.raises(InvalidInput) as blank:
        services.regrade_intelligence(db, force_a.analyst, record.id, _regrade(record, reason="  "))
    assert "Say why" in blank.value.errors["reason"]
    services.regrade_intelligence(db, force_a.analyst, record.id, _regrade(record))
    with pytest.raises(Conflict):  # made from version 1, now 2
        services.regrade_intelligence(
            db, force_a.analyst, record.id, _regrade(record, source_evaluation="3", version=1)
        )
    assert db.get_one(IntelligenceRecord, record.id).source_evaluation == "1"


def test_only_its_owners_analysts_regrade_it(
    db: Session, force_a: Force, force_b: Force, coordinator: Actor
) -> None:
    record = _recorded(db, force_a)
    with pytest.raises(NotFound):  # another force: as if it did not exist
        services.regrade_intelligence(db, force_b.analyst, record.id, _regrade(record))
    with pytest.raises(Forbidden):  # a coordinator reads every force's, changes none
        services.regrade_intelligence(db, coordinator, record.id, _regrade(record))
    assert services.get_intelligence(db, coordinator, record.id).version == 1


def test_the_intelligence_page_opens_a_record_and_regrades_it_and_the_api_too(
    app: FastAPI, db: Session, force_a: Force, force_b: Force
) -> None:
    record = _recorded(db, force_a)
    url = f"/intelligence/{record.id}"
    with signed_in(app, db, force_a.analyst) as a:
        listed = a.get("/intelligence").text
        assert f'href="{url}"' in listed
        page = a.get(url)
        assert page.status_code == 200
        assert "Change the grading" in page.text
        assert 'value="2" checked' in page.text  # the form starts from the grading held

        no_reason = a.post(
            f"{url}/grading",
            data={
                "source_evaluation": "1",
                "intelligence_assessment": "B",
                "handling_code": "P",
                "version": "1",
            },
        )
        assert no_reason.status_code == 422
        assert 'href="#reason"' in no_reason.text
        assert 'value="1" checked' in no_reason.text  # what was chosen is kept
        done = a.post(
            f"{url}/grading",
            data={
                "source_evaluation": "1",
                "intelligence_assessment": "B",
                "handling_code": "P",
                "reason": "Corroborated by a test purchase",
                "version": "1",
            },
            follow_redirects=False,
        )
        assert done.status_code == 303
        page = a.get(done.headers["location"]).text
        assert "Grading changed to 1B P" in page
        assert "regraded from 2C P to 1B P" in page
        assert "Corroborated by a test purchase" in page

        stale = a.post(
            f"/api/intelligence/{record.id}/grading",
            json={
                "source_evaluation": "3",
                "intelligence_assessment": "E",
                "handling_code": "P",
                "reason": "Found false",
                "version": 1,
            },
        )
        assert stale.status_code == 409
        api = a.post(
            f"/api/intelligence/{record.id}/grading",
            json={
                "source_evaluation": "3",
                "intelligence_assessment": "E",
                "handling_code": "P",
                "reason": "Found false",
                "version": 2,
            },
        )
        assert api.status_code == 200
        assert (api.json()["grading"], len(api.json()["history"])) == ("3E P", 2)

    with signed_in(app, db, force_b.analyst) as b:
        assert b.get(url).status_code == 404
        body = _regrade(record, version=3).model_dump()
        assert b.post(f"/api/intelligence/{record.id}/grading", json=body).status_code == 404
