"""Line analysis started from the web or the API, run in the background.

A run takes minutes on real data, so the request starts a job and answers at
once; a thread runs the analysis and writes each step reached to the job,
which the job page and the API poll. One analysis at a time per organisation.

A job lives in the thread of the process that started it (``crossline serve``
is one process). A job left queued or running with no thread behind it (the
service restarted mid-run) is marked failed when next looked at, so that it
does not stop the organisation from running analysis again.
"""

from __future__ import annotations

import logging
import threading
import uuid

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from crossline.analytics import services
from crossline.analytics.models import AnalysisJob
from crossline.analytics.pipeline import Progress
from crossline.auth.actor import Actor
from crossline.auth.permissions import Permission
from crossline.core import clock
from crossline.core.errors import InvalidInput, NotFound
from crossline.core.settings import Settings

log = logging.getLogger(__name__)

ALREADY_RUNNING = (
    "Line analysis is already running for your organisation. Wait for it to finish, "
    "then run it again if you need to."
)
FAILED = (
    "Line analysis failed and nothing was recorded. Try again; if it fails again, "
    "tell your administrator when it happened."
)
INTERRUPTED = (
    "Line analysis stopped before it finished (the service may have restarted) and nothing "
    "was recorded. Run it again."
)

_ACTIVE = ("queued", "running")
_threads: set[uuid.UUID] = set()  # jobs with a thread in this process
_threads_lock = threading.Lock()


def start_run(
    db: Session, factory: sessionmaker[Session], actor: Actor, settings: Settings, via: str
) -> AnalysisJob:
    """Start line analysis of the actor's organisation's imports in the background.

    Needs ``analysis.run``; the run itself checks again and is audited. Raises
    InvalidInput when the organisation already has an analysis queued or running.
    """
    actor.require(Permission.ANALYSIS_RUN)
    if active_job(db, actor) is not None:
        raise InvalidInput(ALREADY_RUNNING, field="run")
    job = AnalysisJob(
        id=uuid.uuid4(),
        owner_id=actor.organisation_id,
        user_id=actor.user_id,
        status="queued",
        steps_done=0,
        steps_total=0,
    )
    db.add(job)
    with _threads_lock:
        _threads.add(job.id)  # before the commit: the job is never seen without its thread
    try:
        db.commit()
    except IntegrityError as exc:  # another request started one first (the partial index)
        db.rollback()
        _forget(job.id)
        raise InvalidInput(ALREADY_RUNNING, field="run") from exc
    threading.Thread(
        target=_run,
        args=(factory, actor, settings, job.id, via),
        name=f"analysis-{job.id}",
        daemon=True,
    ).start()
    return job


def active_job(db: Session, actor: Actor) -> AnalysisJob | None:
    """The organisation's analysis queued or running now, if there is one."""
    actor.require(Permission.ANALYSIS_RUN)
    job = db.scalars(
        select(AnalysisJob).where(
            AnalysisJob.owner_id == actor.organisation_id, AnalysisJob.status.in_(_ACTIVE)
        )
    ).first()
    if job is None:
        return None
    _settle_if_abandoned(db, job)
    return job if job.is_active else None


def get_job(db: Session, actor: Actor, job_id: uuid.UUID) -> AnalysisJob:
    """One of the organisation's analysis jobs. Raises NotFound for another's."""
    actor.require(Permission.ANALYSIS_RUN)
    job = db.get(AnalysisJob, job_id)
    if job is None or job.owner_id != actor.organisation_id:
        raise NotFound("There is no such analysis job in your organisation.")
    _settle_if_abandoned(db, job)
    return job


def _settle_if_abandoned(db: Session, job: AnalysisJob) -> None:
    """Mark failed a job left queued or running with no thread (the service restarted)."""
    with _threads_lock:
        if not job.is_active or job.id in _threads:
            return
    # Only if still active: a thread that has just finished wrote its outcome first.
    db.execute(
        update(AnalysisJob)
        .where(AnalysisJob.id == job.id, AnalysisJob.status.in_(_ACTIVE))
        .values(status="failed", error=INTERRUPTED, finished_at=clock.now())
    )
    db.commit()
    db.refresh(job)


def _run(
    factory: sessionmaker[Session],
    actor: Actor,
    settings: Settings,
    job_id: uuid.UUID,
    via: str,
) -> None:
    try:
        with factory() as db:
            job = db.get_one(AnalysisJob, job_id)
            job.status = "running"
            db.commit()
            try:
                run = services.run_analysis(
                    db, actor, settings, progress=_progress(factory, job_id), via=via
                )
            except InvalidInput as exc:  # nothing to analyse: the user can act on it
                db.rollback()
                _finish(db, job_id, error=exc.message)
            except Exception as exc:
                db.rollback()
                # Only the type: a message may quote the data analysed.
                log.error("analysis job %s failed: %s", job_id, type(exc).__name__)
                _finish(db, job_id, error=FAILED)
            else:
                _finish(db, job_id, run_id=run.id)
    finally:
        _forget(job_id)


def _progress(factory: sessionmaker[Session], job_id: uuid.UUID) -> Progress:
    """The callback that writes each step finished to the job, in a session of its own."""

    def progress(step: str, done: int, total: int) -> None:
        with factory() as db:
            job = db.get_one(AnalysisJob, job_id)
            job.step = step
            job.steps_done = done
            job.steps_total = total
            db.commit()

    return progress


def _finish(
    db: Session, job_id: uuid.UUID, *, run_id: uuid.UUID | None = None, error: str | None = None
) -> None:
    job = db.get_one(AnalysisJob, job_id)
    job.status = "failed" if error else "done"
    job.run_id = run_id
    job.error = error
    job.finished_at = clock.now()
    db.commit()


def _forget(job_id: uuid.UUID) -> None:
    with _threads_lock:
        _threads.discard(job_id)
