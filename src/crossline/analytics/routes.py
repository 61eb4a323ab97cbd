"""Line analysis on the web and in the API: runs started as jobs, and the findings of the latest."""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from crossline.analytics import jobs, services
from crossline.analytics.models import AnalysisJob
from crossline.auth.actor import Actor
from crossline.auth.dependencies import allowed
from crossline.auth.permissions import Permission
from crossline.core.dependencies import DbDep, SettingsDep
from crossline.core.errors import InvalidInput, NotFound
from crossline.core.pages import NavItem, add_navigation, render, see_other

router = APIRouter()
add_navigation(NavItem("Line analysis", "/analytics", Permission.ANALYSIS_RUN.value, order=20))

Analyst = Annotated[Actor, allowed(Permission.ANALYSIS_RUN)]


class JobRead(BaseModel):
    """An analysis job as the API shows it; poll ``url`` until ``status`` is done or failed."""

    job_id: uuid.UUID
    status: str  # queued | running | done | failed
    step: str | None  # the last step finished
    step_label: str | None  # the same, in words
    steps_done: int
    steps_total: int
    run_id: uuid.UUID | None  # when done: read it at /api/analytics/runs/{run_id}
    error: str | None  # when failed: why, and what to do
    url: str

    @classmethod
    def of(cls, job: AnalysisJob) -> JobRead:
        return cls(
            job_id=job.id,
            status=job.status,
            step=job.step,
            step_label=job.step_label,
            steps_done=job.steps_done,
            steps_total=job.steps_total,
            run_id=job.run_id,
            error=job.error,
            url=f"/api/analytics/jobs/{job.id}",
        )


@router.get("/analytics", include_in_schema=False)
def findings_page(request: Request, db: DbDep, actor: Analyst) -> Response:
    return render(request, "analytics/findings.html", _findings(db, actor))


@router.post("/analytics/jobs", include_in_schema=False)
def start_run(request: Request, db: DbDep, settings: SettingsDep, actor: Analyst) -> Response:
    try:
        job = jobs.start_run(db, request.app.state.sessionmaker, actor, settings, via="web")
    except InvalidInput as exc:
        context = {**_findings(db, actor), "errors": exc.errors}
        return render(request, "analytics/findings.html", context, status_code=422)
    return see_other(job.url)


@router.get("/analytics/jobs/{job_id}", include_in_schema=False)
def job_page(request: Request, job_id: uuid.UUID, db: DbDep, actor: Analyst) -> Response:
    job = jobs.get_job(db, actor, job_id)
    run = services.get_run(db, actor, job.run_id) if job.run_id else None
    template = "analytics/_job.html" if request.headers.get("hx-request") else "analytics/job.html"
    return render(request, template, {"job": job, "run": run})


def _findings(db: Session, actor: Actor) -> dict[str, Any]:
    """What the findings page shows: the latest run's lines and concerns, and any job running."""
    active = jobs.active_job(db, actor)
    try:
        run = services.get_run(db, actor)
    except NotFound:
        return {"run": None, "active": active}
    found = services.findings(db, actor, run)
    lines = [json.loads(f.detail) for f in found if f.kind == "line"]
    concerns = [
        {"finding": f, "detail": json.loads(f.detail)}
        for f in found
        if f.kind == "safeguarding_concern"
    ]
    return {
        "run": run,
        "lines": lines,
        "concerns": concerns,
        "runs": services.list_runs(db, actor),
        "active": active,
    }


# --- API ----------------------------------------------------------------------------------


@router.post("/api/analytics/runs", tags=["analytics"], status_code=202)
def api_run(request: Request, db: DbDep, settings: SettingsDep, actor: Analyst) -> JobRead:
    """Start line analysis of your organisation's imports; poll the job it returns.

    One analysis at a time per organisation: while one is queued or running,
    another is refused (422). When the job is done, its `run_id` names the run.
    """
    job = jobs.start_run(db, request.app.state.sessionmaker, actor, settings, via="api")
    return JobRead.of(job)


@router.get("/api/analytics/jobs/{job_id}", tags=["analytics"])
def api_job(job_id: uuid.UUID, db: DbDep, actor: Analyst) -> JobRead:
    """An analysis job's state and the step it has reached; when done, its run's id."""
    return JobRead.of(jobs.get_job(db, actor, job_id))


@router.get("/api/analytics/runs", tags=["analytics"])
def api_runs(db: DbDep, actor: Analyst) -> list[dict[str, Any]]:
    """Your organisation's analysis runs, newest first (without their reports)."""
    return [
        {
            "run_id": str(r.id),
            "engine": r.engine,
            "run_by": r.run_by_name,
            "started_at": r.started_at.isoformat(),
            "finished_at": r.finished_at.isoformat(),
            "events": r.events,
            "lines_found": r.lines_found,
        }
        for r in services.list_runs(db, actor)
    ]


@router.get("/api/analytics/runs/{run_id}", tags=["analytics"])
def api_report(run_id: str, db: DbDep, actor: Analyst) -> dict[str, Any]:
    """A run's report (`latest` for the newest), in the format of docs/analysis.md. Audited."""
    wanted = None if run_id == "latest" else _uuid(run_id)
    run = services.get_run(db, actor, wanted)
    services.findings(db, actor, run, via="api")  # the read is audited as a consultation
    return services.report_of(run)


def _uuid(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError as exc:
        raise NotFound("There is no such analysis run for your organisation.") from exc
