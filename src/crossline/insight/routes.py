"""The serious violence dashboard: page, CSV export and API, all under disclosure control."""

from __future__ import annotations

import csv
import io
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

from crossline.auth.actor import Actor
from crossline.auth.dependencies import allowed
from crossline.auth.permissions import Permission
from crossline.core.dependencies import DbDep
from crossline.core.disclosure import describe
from crossline.core.pages import NavItem, add_navigation, render
from crossline.insight import services
from crossline.insight.disclosure import SUPPRESSED
from crossline.insight.reference import CONFIG
from crossline.insight.services import Filters, Table

router = APIRouter()
add_navigation(NavItem("Insight", "/insight", Permission.INSIGHT_READ.value, order=80))

Viewer = Annotated[Actor, allowed(Permission.INSIGHT_READ)]


def _query_filters(
    group: str = "serious_violence", area: str = "", first: str = "", last: str = ""
) -> Filters:
    """The dashboard's choices from the query string: empty means every area or month."""
    return _filters(group, area, first, last)


def _filters(group: str, area: str, first: str, last: str) -> Filters:
    return Filters(
        group=group or "serious_violence", area=area or None, first=first or None, last=last or None
    )


FiltersDep = Annotated[Filters, Depends(_query_filters)]


def _bars(table: Table) -> list[tuple[str, float]]:
    """Each row's controlled total as a share of the largest: the chart shows nothing the
    table does not."""
    values = [total.value or 0 for _, _, total in table.rows]
    top = max(values, default=0)
    return [
        (label, v / top if top else 0.0)
        for (label, _, _), v in zip(table.rows, values, strict=True)
    ]


@router.get("/insight", include_in_schema=False)
def insight_page(
    request: Request,
    db: DbDep,
    actor: Viewer,
    filters: FiltersDep,
) -> Response:
    months = services.by_month(db, actor, filters)
    areas = services.by_area(db, actor, filters)
    area_choices, month_choices = services.choices(db, actor)
    policy = CONFIG.disclosure.policy
    return render(
        request,
        "insight/dashboard.html",
        {
            "filters": filters,
            "groups": CONFIG.groups,
            "areas": area_choices,
            "months": month_choices,
            "by_month": months,
            "by_area": areas,
            "district_map": services.by_district(db, actor, filters),
            "assaults_by_month": services.assaults(db, actor, filters, "month"),
            "assaults_by_place": services.assaults(db, actor, filters, "location_type"),
            "places": services.places(db, actor, filters),
            "bars": _bars(months),
            "policy": policy,
            "suppressed": SUPPRESSED,
            "query": request.url.query,
        },
    )


@router.get("/insight/recorded-crime.csv", include_in_schema=False)
def insight_csv(
    db: DbDep,
    actor: Viewer,
    filters: FiltersDep,
) -> Response:
    table = services.by_month(db, actor, filters)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerows(table.as_csv_rows())
    writer.writerow([])
    policy = CONFIG.disclosure.policy
    writer.writerow(
        [
            f"Counts {policy.suppress_from} to {policy.suppress_to} shown as {SUPPRESSED}; "
            f"others rounded to the nearest {policy.round_to} ({policy.source}). "
            "Source: police.uk, Open Government Licence v3.0."
        ]
    )
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="recorded-crime.csv"'},
    )


def _disclosure() -> str:
    """How the API's counts were controlled, in words."""
    return describe(CONFIG.disclosure.policy)


class TableRead(BaseModel):
    row_label: str
    columns: list[str]
    rows: list[dict[str, object]]  # {"label", "counts": [int | null], "total": int | null}
    totals: list[int | None]
    total: int | None


class RecordedCrimeRead(BaseModel):
    disclosure: str  # how the counts were controlled
    withheld_as: None = None  # a withheld count is null
    by_month: TableRead
    by_area: TableRead


def _read(table: Table) -> TableRead:
    return TableRead(
        row_label=table.row_label,
        columns=list(table.columns),
        rows=[
            {"label": label, "counts": [c.value for c in cells], "total": total.value}
            for label, cells, total in table.rows
        ],
        totals=[c.value for c in table.totals],
        total=table.total.value,
    )


@router.get("/api/insight/recorded-crime", tags=["insight"])
def api_recorded_crime(
    db: DbDep,
    actor: Viewer,
    filters: FiltersDep,
) -> RecordedCrimeRead:
    """Recorded crime by month and by area, under disclosure control: withheld counts are null.

    ``group`` is one of insight.yaml's groups (serious_violence, drugs, all);
    ``first`` and ``last`` are months written YYYY-MM.
    """
    return RecordedCrimeRead(
        disclosure=_disclosure(),
        by_month=_read(services.by_month(db, actor, filters)),
        by_area=_read(services.by_area(db, actor, filters)),
    )


class DistrictRead(BaseModel):
    id: str  # the id of the district's feature in /api/areas/boundaries/districts
    name: str
    count: int | None  # null: withheld
    band: int | None  # the map's shade, 1 (fewest) to 5; null: withheld


class BandRead(BaseModel):
    band: int
    lowest: int
    highest: int


class DistrictsRead(BaseModel):
    disclosure: str
    districts: list[DistrictRead]  # those with crimes, by name
    bands: list[BandRead]
    unplaced: int | None  # crimes with no location and no district's name
    total: int | None


@router.get("/api/insight/districts", tags=["insight"])
def api_districts(db: DbDep, actor: Viewer, filters: FiltersDep) -> DistrictsRead:
    """Recorded crime by the district it lies in (every area), under disclosure control, with
    the map's shades: withheld counts are null. ``group``, ``first`` and ``last`` as for
    ``/api/insight/recorded-crime``; ``area`` is ignored."""
    found = services.by_district(db, actor, filters)
    return DistrictsRead(
        disclosure=_disclosure(),
        districts=[
            DistrictRead(id=d.id, name=d.name, count=d.count.value, band=d.band)
            for d in found.districts
        ],
        bands=[BandRead(band=b.number, lowest=b.lowest, highest=b.highest) for b in found.bands],
        unplaced=found.unplaced.value,
        total=found.total.value,
    )


class AssaultsRead(BaseModel):
    disclosure: str
    by_month: TableRead  # rows months, columns methods
    by_location_type: TableRead
    places: list[dict[str, object]]  # {"place", "count"}: only places whose count is shown


@router.get("/api/insight/assaults", tags=["insight"])
def api_assaults(db: DbDep, actor: Viewer, first: str = "", last: str = "") -> AssaultsRead:
    """Assaults treated in emergency departments (ISTV), by month, method and location type,
    under disclosure control: withheld counts are null."""
    filters = _filters("all", "", first, last)
    return AssaultsRead(
        disclosure=_disclosure(),
        by_month=_read(services.assaults(db, actor, filters, "month")),
        by_location_type=_read(services.assaults(db, actor, filters, "location_type")),
        places=[{"place": p, "count": c.value} for p, c in services.places(db, actor, filters)],
    )
