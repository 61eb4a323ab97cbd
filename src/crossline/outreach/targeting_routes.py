"""Campaign targeting: page, CSV and API for national coordinators (outreach/targeting.py)."""

from __future__ import annotations

import csv
import io
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

from crossline.auth.actor import Actor
from crossline.auth.dependencies import allowed
from crossline.auth.permissions import Permission
from crossline.core.dependencies import DbDep
from crossline.core.pages import NavItem, add_navigation, render
from crossline.outreach import targeting

router = APIRouter()
add_navigation(
    NavItem("Campaign targeting", "/campaigns", Permission.NATIONAL_PICTURE_READ.value, order=62)
)

Planner = Annotated[Actor, allowed(Permission.NATIONAL_PICTURE_READ)]


@router.get("/campaigns", include_in_schema=False)
def targeting_page(
    request: Request, db: DbDep, actor: Planner, by: str = "", months: int = 12
) -> Response:
    result = targeting.target(db, actor, by=by or None, months=months)
    return render(
        request,
        "outreach/targeting.html",
        {"result": result, "periods": targeting.PERIODS, "query": request.url.query},
    )


@router.get("/campaigns/exposure.csv", include_in_schema=False)
def targeting_csv(db: DbDep, actor: Planner, by: str = "", months: int = 12) -> Response:
    result = targeting.target(db, actor, by=by or None, months=months)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Rank", "Police force area", *(m.label for m in result.measures), "Schools"])
    for rank, area in enumerate(result.areas, start=1):
        writer.writerow(
            [
                rank,
                area.name,
                *(area.counts[m.id] for m in result.measures),
                "; ".join(area.schools),
            ]
        )
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="campaign-targeting.csv"'},
    )


class MeasureRead(BaseModel):
    id: str
    label: str
    description: str


class AreaRead(BaseModel):
    rank: int
    force: str
    name: str
    counts: dict[str, int]
    schools: list[str]


class TargetingRead(BaseModel):
    by: str
    months: int
    measures: list[MeasureRead]
    areas: list[AreaRead]


@router.get("/api/campaigns/exposure", tags=["campaigns"])
def api_targeting(db: DbDep, actor: Planner, by: str = "", months: int = 12) -> TargetingRead:
    """Police force areas ranked by exposure to county lines (``by`` a measure id; ``months``
    3, 6 or 12), each with the schools in Crossline in the area."""
    result = targeting.target(db, actor, by=by or None, months=months)
    return TargetingRead(
        by=result.by,
        months=result.months,
        measures=[
            MeasureRead(id=m.id, label=m.label, description=m.description) for m in result.measures
        ],
        areas=[
            AreaRead(rank=i, force=a.force, name=a.name, counts=a.counts, schools=list(a.schools))
            for i, a in enumerate(result.areas, start=1)
        ],
    )
