"""Analysis in the background: progress per step, one at a time per organisation, clear failures."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from crossline.analytics import jobs, services
from crossline.analytics.models import AnalysisJob, AnalysisRun
from crossline.analytics.pipeline import Progress
from crossline.auth.actor import Actor
from crossline.comms.services import import_files
from crossline.core.database import make_sessionmaker
from crossline.core.errors import Forbidden, InvalidInput, NotFound
from crossline.core.settings import Settings
from tests.analytics.conftest import Events
from tests.analytics.test_routes import wait_for_job
from tests.factories import actor_of, make_organisation, make_user, sign_in

REAL_RUN = services.run_analysis


class Held:
    """In place of ``run_analysis``: reports one step, waits to be let go, then ``then``."""

    def __init__(self, then: Callable[..., AnalysisRun]) -> None:
        self.release = threading.Event()
        self.then = then

    def __call__(
        self, db: Session, actor: Actor, settings: Settings, *, progress: Progress, via: str
    ) -> AnalysisRun:
        progress("ev", 1, 4)
        if not self.release.wait(60):
            raise TimeoutError("the test never let the analysis go")
        return self.then(db, actor, settings, progress=progress, via=via)


def _stopped(*_: Any, **__: Any) -> AnalysisRun:
    raise InvalidInput("Stopped by the test.")


@pytest.fixture
def analyst(db: Session) -> Actor:
    force = make_organisation(db, "police_force")
    return actor_of(make_user(db, force, ["intelligence_analyst"]), force)


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return make_sessionmaker(engine)


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> Iterator[Held]:
    stand_in = Held(_stopped)
    monkeypatch.setattr(services, "run_analysis", stand_in)
    yield stand_in
    stand_in.release.set()  # a test that failed midway leaves no thread waiting


def _wait(
    factory: sessionmaker[Session], job_id: uuid.UUID, until: Callable[[AnalysisJob], bool]
) -> AnalysisJob:
    """The job once ``until`` holds, read afresh every tenth of a second for up to 60 s."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with factory() as db:
            job = db.get_one(AnalysisJob, job_id)
            if until(job):
                db.expunge(job)
                return job
        time.sleep(0.1)
    raise AssertionError("the analysis job did not get there within 60 s")


def _over(job: AnalysisJob) -> bool:
    return job.status in ("done", "failed")


def _import(db: Session, actor: Actor, settings: Settings, events: Events) -> None:
    files = sorted((events.world / "comms").glob("*.csv"))
    import_files(db, actor, settings.data_dir, files, authorisation="OCDA-TEST-3")


def test_a_job_reports_each_step_and_the_organisation_runs_one_at_a_time(
    db: Session,
    factory: sessionmaker[Session],
    analyst: Actor,
    settings: Settings,
    events: Events,
    held: Held,
) -> None:
    _import(db, analyst, settings, events)
    held.then = REAL_RUN
    job = jobs.start_run(db, factory, analyst, settings, via="web")
    running = _wait(factory, job.id, lambda j: j.steps_done == 1)
    assert (running.status, running.step, running.steps_total) == ("running", "ev", 4)
    with pytest.raises(InvalidInput, match="already running"):
        jobs.start_run(db, factory, analyst, settings, via="api")
    active = jobs.active_job(db, analyst)
    assert active is not None
    assert active.id == job.id
    held.release.set()
    done = _wait(factory, job.id, _over)
    assert done.status == "done", done.error
    assert done.run_id is not None
    assert done.finished_at is not None
    assert jobs.active_job(db, analyst) is None
    run = services.get_run(db, analyst, done.run_id)
    lines = [f for f in services.findings(db, analyst, run) if f.kind == "line"]
    assert len(lines) == run.lines_found >= 1


def test_with_nothing_imported_the_job_fails_with_the_reason_and_another_may_start(
    db: Session, factory: sessionmaker[Session], analyst: Actor, settings: Settings
) -> None:
    first = jobs.start_run(db, factory, analyst, settings, via="web")
    failed = _wait(factory, first.id, _over)
    assert failed.status == "failed"
    assert failed.error is not None
    assert failed.error.startswith("There is nothing to analyse")
    assert failed.run_id is None
    again = jobs.start_run(db, factory, analyst, settings, via="web")
    assert _wait(factory, again.id, _over).status == "failed"


def test_an_unexpected_error_fails_the_job_and_logs_only_its_type(
    db: Session,
    factory: sessionmaker[Session],
    analyst: Actor,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(*_: Any, **__: Any) -> AnalysisRun:
        raise RuntimeError("number 07700900123 not understood")

    monkeypatch.setattr(services, "run_analysis", broken)
    with caplog.at_level(logging.ERROR, logger="crossline.analytics.jobs"):
        job = jobs.start_run(db, factory, analyst, settings, via="api")
        failed = _wait(factory, job.id, _over)
    assert (failed.status, failed.error) == ("failed", jobs.FAILED)
    assert "RuntimeError" in caplog.text
    assert "07700900123" not in caplog.text


def test_another_organisations_job_is_not_found(
    db: Session, factory: sessionmaker[Session], analyst: Actor, settings: Settings
) -> None:
    job = jobs.start_run(db, factory, analyst, settings, via="web")
    force = make_organisation(db, "police_force")
    other = actor_of(make_user(db, force, ["intelligence_analyst"]), force)
    with pytest.raises(NotFound):
        jobs.get_job(db, other, job.id)
    assert jobs.active_job(db, other) is None
    _wait(factory, job.id, _over)


def test_only_analysts_may_start_analysis(
    db: Session, factory: sessionmaker[Session], settings: Settings
) -> None:
    force = make_organisation(db, "police_force")
    applicant = actor_of(make_user(db, force, ["order_applicant"]), force)
    with pytest.raises(Forbidden):
        jobs.start_run(db, factory, applicant, settings, via="api")
    assert db.scalar(select(func.count()).select_from(AnalysisJob)) == 0


def test_a_job_left_without_its_thread_fails_and_blocks_nothing(
    db: Session, factory: sessionmaker[Session], analyst: Actor, settings: Settings
) -> None:
    # As after a restart mid-run: the row says running, but no thread carries it on.
    orphan = AnalysisJob(
        owner_id=analyst.organisation_id, user_id=analyst.user_id, status="running"
    )
    db.add(orphan)
    db.commit()
    job = jobs.start_run(db, factory, analyst, settings, via="web")
    db.refresh(orphan)
    assert (orphan.status, orphan.error) == ("failed", jobs.INTERRUPTED)
    _wait(factory, job.id, _over)


def test_the_database_keeps_one_active_job_per_organisation(db: Session, analyst: Actor) -> None:
    for status in ("done", "failed", "running"):
        db.add(
            AnalysisJob(owner_id=analyst.organisation_id, user_id=analyst.user_id, status=status)
        )
    db.commit()
    db.add(AnalysisJob(owner_id=analyst.organisation_id, user_id=analyst.user_id, status="queued"))
    with pytest.raises(IntegrityError):
        db.commit()


def test_the_page_shows_the_step_and_refuses_a_second_run_while_one_runs(
    client: TestClient, db: Session, held: Held
) -> None:
    user = make_user(db, make_organisation(db, "police_force"), ["intelligence_analyst"])
    csrf = sign_in(client, user.email)
    started = client.post("/analytics/jobs", data={"csrf_token": csrf}, follow_redirects=False)
    assert started.status_code == 303
    job_url = started.headers["location"]
    deadline = time.monotonic() + 60
    while client.get("/api" + job_url).json()["steps_done"] < 1:
        assert time.monotonic() < deadline, "the job never reported its first step"
        time.sleep(0.1)

    page = client.get(job_url)
    assert "Step 1 of 4 done (Reading the events): 25%" in page.text
    assert '<progress class="crossline-progress" max="100" value="25">' in page.text
    assert f'hx-get="{job_url}"' in page.text
    partial = client.get(job_url, headers={"hx-request": "true"})
    assert partial.text.lstrip().startswith('<div id="job"')
    findings = client.get("/analytics")
    assert f'href="{job_url}"' in findings.text
    assert "Run analysis</button>" not in findings.text

    again = client.post("/analytics/jobs", data={"csrf_token": csrf})
    assert again.status_code == 422
    assert jobs.ALREADY_RUNNING in again.text
    assert 'href="#run"' in again.text
    api = client.post("/api/analytics/runs", headers={"x-csrf-token": csrf})
    assert api.status_code == 422
    assert api.json()["detail"] == jobs.ALREADY_RUNNING

    held.release.set()
    assert wait_for_job(client, "/api" + job_url)["error"] == "Stopped by the test."
    assert "Run analysis</button>" in client.get("/analytics").text
