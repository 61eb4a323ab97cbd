"""Concerns from line analysis: raised automatically when a run is saved, once, by the system."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crossline.analytics import services
from crossline.analytics.models import Finding
from crossline.audit.models import AuditEntry
from crossline.auth.actor import Actor
from crossline.comms.services import import_files
from crossline.core import hooks
from crossline.core.settings import Settings
from crossline.safeguarding.from_analysis import (
    LINE_ANALYSIS,
    _on_run_saved,
    raise_concerns_for_run,
)
from crossline.safeguarding.models import Concern, YoungPerson
from crossline.synth.generate import generate
from tests.factories import actor_of, make_organisation, make_user


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny world (seed 11), as the analytics tests use it: it has possible children."""
    folder = tmp_path_factory.mktemp("safeguarding") / "world"
    generate("tiny", 11, folder)
    return folder


@pytest.fixture
def analyst(db: Session) -> Actor:
    force = make_organisation(db, "police_force")
    return actor_of(make_user(db, force, ["intelligence_analyst"]), force)


def _analyse(db: Session, actor: Actor, settings: Settings, world: Path) -> str:
    files = sorted((world / "comms").glob("*.csv"))
    import_files(db, actor, settings.data_dir, files, authorisation="OCDA-TEST-1")
    return str(services.run_analysis(db, actor, settings).id)


def _count(db: Session, model: type[Concern] | type[YoungPerson], **where: object) -> int:
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return db.scalar(query) or 0


def test_safeguarding_is_registered_for_saved_runs() -> None:
    assert _on_run_saved in hooks.analysis_run_handlers()


def test_each_possible_child_of_a_run_becomes_one_concern(
    db: Session, analyst: Actor, settings: Settings, world: Path
) -> None:
    run_id = _analyse(db, analyst, settings, world)
    findings = db.scalars(select(Finding).where(Finding.kind == "safeguarding_concern")).all()
    assert findings, "the tiny world should have a possible child on a line"
    raised = db.scalars(select(Concern).where(Concern.source == "analysis")).all()
    assert {c.finding_id for c in raised} == {f.id for f in findings}
    for concern in raised:
        assert concern.organisation_id == analyst.organisation_id
        assert concern.raised_by_name == LINE_ANALYSIS
        assert set(json.loads(concern.indicators)) == {"CLS-02", "CL18-01"}
        finding = next(f for f in findings if f.id == concern.finding_id)
        assert finding.number is not None
        assert finding.number not in concern.summary
        assert finding.line_id in concern.summary
        person = db.get_one(YoungPerson, concern.young_person_id)
        assert person.owner_id == analyst.organisation_id
        assert person.phone_number == finding.number
        assert (
            person.description == f"Young person using {finding.number} on line {finding.line_id}"
        )
    audited = db.scalars(
        select(AuditEntry).where(
            AuditEntry.record_type == "concern", AuditEntry.user_name == LINE_ANALYSIS
        )
    ).all()
    assert len(audited) == len(raised)
    # Again for the same run: nothing more.
    again = raise_concerns_for_run(db, uuid.UUID(run_id))
    db.commit()
    assert (again.raised, again.recorded, again.already) == (0, 0, len(findings))
    assert _count(db, Concern, source="analysis") == len(findings)


def test_a_later_run_finding_the_same_children_adds_nothing(
    db: Session, analyst: Actor, settings: Settings, world: Path
) -> None:
    _analyse(db, analyst, settings, world)
    concerns_before = _count(db, Concern)
    people_before = _count(db, YoungPerson)
    services.run_analysis(db, analyst, settings, full=True)
    assert _count(db, Concern) == concerns_before
    assert _count(db, YoungPerson) == people_before


def test_a_young_person_the_force_holds_gets_the_concern(
    db: Session, analyst: Actor, settings: Settings, world: Path
) -> None:
    from crossline.safeguarding.from_analysis import line_analysis_actor
    from crossline.safeguarding.schemas import YoungPersonIn
    from crossline.safeguarding.services import young_people

    files = sorted((world / "comms").glob("*.csv"))
    import_files(db, analyst, settings.data_dir, files, authorisation="OCDA-TEST-1")
    # Learn a flagged number from a first run in another force, then hold it here first.
    other = make_organisation(db, "police_force")
    other_analyst = actor_of(make_user(db, other, ["intelligence_analyst"]), other)
    import_files(db, other_analyst, settings.data_dir, files, authorisation="OCDA-TEST-2")
    services.run_analysis(db, other_analyst, settings)
    number = db.scalars(
        select(Finding.number).where(
            Finding.kind == "safeguarding_concern", Finding.owner_id == other.id
        )
    ).first()
    assert number is not None
    held = young_people.create(
        db,
        line_analysis_actor(db, analyst.organisation_id),
        YoungPersonIn(first_name="Known", surname="Child", phone_number=number),
    )
    services.run_analysis(db, analyst, settings)
    assert _count(db, Concern, young_person_id=held.id, source="analysis") == 1
    assert _count(db, YoungPerson, owner_id=analyst.organisation_id, phone_number=number) == 1
