"""The safeguarding lead's dashboard: a page and its API (``dashboard.dashboard``)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from crossline.auth.actor import Actor
from crossline.auth.dependencies import allowed
from crossline.auth.permissions import Permission
from crossline.core.dependencies import DbDep
from crossline.core.pages import NavItem, add_navigation, render
from crossline.programmes.dashboard import dashboard

router = APIRouter()
add_navigation(
    NavItem("Dashboard", "/safeguarding/dashboard", Permission.SAFEGUARDING_READ.value, order=41)
)
Reader = Annotated[Actor, allowed(Permission.SAFEGUARDING_READ)]


@router.get("/safeguarding/dashboard", include_in_schema=False)
def dashboard_page(request: Request, db: DbDep, actor: Reader) -> Response:
    return render(request, "programmes/dashboard.html", {"board": dashboard(db, actor)})


@router.get("/api/safeguarding/dashboard", tags=["safeguarding"])
def dashboard_api(db: DbDep, actor: Reader) -> dict[str, Any]:
    """Open concerns, overdue triage, interviews, NRM decisions and reviews, triage
    decisions, and referrals by programme and outcome, in your organisation's cases."""
    return asdict(dashboard(db, actor))
