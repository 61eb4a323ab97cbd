"""The start page, the health endpoint and the API's "who am I"."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import JSONResponse, PlainTextResponse
from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import Response

from crossline.auth.dependencies import ActorDep
from crossline.auth.permissions import ROLES
from crossline.auth.schemas import Me
from crossline.core.dependencies import DbDep
from crossline.core.pages import NavItem, add_navigation, navigation_for, render
from crossline.orgs.reference import BOUNDARIES_DIR

STATIC_DIR = Path(__file__).parent / "static"

router = APIRouter()
add_navigation(NavItem("Home", "/", None, order=0))


@router.get("/", include_in_schema=False)
def home(request: Request, actor: ActorDep) -> Response:
    permissions = frozenset(str(p) for p in actor.permissions)
    pages = [item for item in navigation_for(permissions, "/") if item["href"] != "/"]
    roles = [ROLES[r] for r in sorted(actor.roles) if r in ROLES]
    return render(request, "home.html", {"pages": pages, "roles": roles})


@router.get("/health", tags=["service"])
def health(db: DbDep) -> JSONResponse:
    """Whether the app can reach its operational store. No sign-in needed; no data disclosed."""
    try:
        db.execute(text("SELECT 1"))
    except Exception:
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})


@router.get("/licences", include_in_schema=False)
def licences() -> PlainTextResponse:
    """The attribution lines of the data Crossline ships and the licences of vendored code."""
    parts = [BOUNDARIES_DIR / "ATTRIBUTION.md", *sorted(STATIC_DIR.glob("*/LICENCE.txt"))]
    return PlainTextResponse("\n\n".join(part.read_text("utf-8") for part in parts))


@router.get("/api/me", tags=["service"])
def me(actor: ActorDep) -> Me:
    """The user or system the credentials belong to, with roles and permissions."""
    return Me(
        user_id=actor.user_id,
        display_name=actor.display_name,
        organisation_id=actor.organisation_id,
        organisation_name=actor.organisation_name,
        roles=sorted(actor.roles),
        permissions=sorted(str(p) for p in actor.permissions),
    )
