"""Line analysis on the web and in the API: the findings of the latest run, and runs."""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from crossline.analytics import services
from crossline.auth.actor import Actor
from crossline.auth.dependencies import allowed
from crossline.auth.permissions import Permission
from crossline.core.dependencies import DbDep, SettingsDep
from crossline.core.errors import NotFound
from crossline.core.pages import NavItem, add_navigation, render

router = APIRouter()
add_navigation(NavItem("Line analysis", "/analytics", Permission.ANALYSIS_RUN.value, order=20))

Analyst = Annotated[Actor, allowed(Permission.ANALYSIS_RUN)]


@router.get("/analytics", include_in_schema=False)
def findings_page(request: Request, db: DbDep, actor: Analyst) -> Response:
    try:
        run = services.get_run(db, actor)
    except NotFound:
        return render(request, "analytics/findings.html", {"run": None})
    found = services.findings(db, actor, run)
    lines = [json.loads(f.detail) for f in found if f.kind == "line"]
    concerns = [
        {"finding": f, "detail": json.loads(f.detail)}
        for f in found
        if f.kind == "safeguarding_concern"
    ]
    return render(
        request,
        "analytics/findings.html",
        {"run": run, "lines": lines, "concerns": concerns, "runs": services.list_runs(db, actor)},
    )


# --- API ----------------------------------------------------------------------------------


@router.post("/api/analytics/runs", tags=["analytics"], status_code=201)
def api_run(db: DbDep, settings: SettingsDep, actor: Analyst) -> dict[str, Any]:
    """Run line analysis over your organisation's imports now; returns the report."""
    run = services.run_analysis(db, actor, settings, via="api")
    return services.report_of(run)


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
