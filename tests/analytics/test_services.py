"""Analysis runs through the service: recorded, audited, the organisation's own data only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from crossline.analytics import services
from crossline.analytics.models import AnalysisRun, Finding
from crossline.audit.models import AuditEntry
from crossline.auth.actor import Actor
from crossline.comms.services import import_files
from crossline.core.errors import Forbidden, InvalidInput, NotFound
from crossline.core.settings import Settings
from tests.analytics.conftest import Events
from tests.factories import actor_of, make_organisation, make_user


@pytest.fixture
def analyst(db: Session) -> Actor:
    force = make_organisation(db, "police_force")
    return actor_of(make_user(db, force, ["intelligence_analyst"]), force)


def _import(db: Session, actor: Actor, settings: Settings, events: Events) -> None:
    files = sorted((events.world / "comms").glob("*.csv"))
    import_files(db, actor, settings.data_dir, files, authorisation="OCDA-TEST-1")


def test_a_run_is_recorded_with_its_findings_and_audited(
    db: Session, analyst: Actor, settings: Settings, events: Events
) -> None:
    _import(db, analyst, settings, events)
    run = services.run_analysis(db, analyst, settings)
    stored = db.get_one(AnalysisRun, run.id)
    assert stored.engine == "duckdb"
    assert stored.status == "done"
    assert len(json.loads(stored.import_ids)) == 4  # two exports and two cell lists
    assert json.loads(stored.parameters)["threshold"] == pytest.approx(0.65)
    report = services.report_of(stored)
    assert report["run"]["run_id"] == str(run.id)
    assert len(report["lines"]) == stored.lines_found >= 1
    found = services.findings(db, analyst, stored)
    assert {f.kind for f in found} >= {"line"}
    assert all(f.run_id == run.id for f in found)
    lines = [f for f in found if f.kind == "line"]
    assert {f.line_id for f in lines} == {line["line_id"] for line in report["lines"]}
    operations = set(
        db.scalars(select(AuditEntry.operation).where(AuditEntry.record_id == str(run.id)))
    )
    assert operations == {"combination", "consultation"}


def test_only_the_organisations_own_imports_are_analysed(
    db: Session, analyst: Actor, settings: Settings, events: Events
) -> None:
    _import(db, analyst, settings, events)
    run = services.run_analysis(db, analyst, settings)
    other_force = make_organisation(db, "police_force")
    other = actor_of(make_user(db, other_force, ["intelligence_analyst"]), other_force)
    with pytest.raises(InvalidInput, match="nothing to analyse"):
        services.run_analysis(db, other, settings)
    with pytest.raises(NotFound):
        services.get_run(db, other, run.id)
    with pytest.raises(NotFound):
        services.findings(db, other, run)
    assert db.scalar(select(Finding).where(Finding.owner_id == other.organisation_id)) is None


def test_only_roles_with_the_analysis_permission_may_run_it(
    db: Session, settings: Settings
) -> None:
    force = make_organisation(db, "police_force")
    auditor = actor_of(make_user(db, force, ["auditor"]), force)
    with pytest.raises(Forbidden):
        services.run_analysis(db, auditor, settings)


def test_a_bad_parameters_file_is_refused_clearly(
    db: Session, analyst: Actor, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "parameters.yaml"
    path.write_text("threshold: 2\nno_such_thing: 1\n")
    with pytest.raises(InvalidInput, match="no_such_thing"):
        services.run_analysis(db, analyst, settings, parameters_file=path)
    path.write_text("threshold: 2\n")
    with pytest.raises(InvalidInput, match="threshold"):
        services.run_analysis(db, analyst, settings, parameters_file=path)
