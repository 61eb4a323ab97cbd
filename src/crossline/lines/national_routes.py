"""The national picture on the web and in the API: outcomes against lines, the matrix, map
and trends, and intensification weeks with their CSV and printable reports."""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import Response

from crossline.auth.actor import Actor
from crossline.auth.dependencies import allowed
from crossline.auth.permissions import Permission
from crossline.core.dependencies import DbDep
from crossline.core.errors import InvalidInput
from crossline.core.pages import NavItem, add_navigation, form_model, render, see_other
from crossline.lines.national_chart import trend_chart
from crossline.lines.national_schemas import (
    NationalPicture,
    OutcomeCreate,
    OutcomeRead,
    WeekCreate,
    WeekRead,
    WeekReport,
)
from crossline.lines.services import national
from crossline.lines.statuses import label

router = APIRouter()
add_navigation(
    NavItem("National picture", "/national", Permission.NATIONAL_PICTURE_READ.value, order=32)
)

NationalReader = Annotated[Actor, allowed(Permission.NATIONAL_PICTURE_READ)]
Reader = Annotated[Actor, allowed(Permission.LINES_READ)]
Writer = Annotated[Actor, allowed(Permission.LINES_WRITE)]
Weeks = Annotated[
    int,
    Query(ge=1, le=national.MAX_TREND_WEEKS, description="How many weeks of trends, to this one"),
]
DATE_PARTS = ("day", "month", "year")


# --- pages --------------------------------------------------------------------------------------


@router.get("/national", include_in_schema=False)
def national_page(
    request: Request, db: DbDep, actor: NationalReader, weeks: str | None = None
) -> Response:
    errors: dict[str, str] = {}
    shown = national.TREND_WEEKS
    if weeks is not None and weeks.strip():
        if weeks.strip().isdigit() and 1 <= int(weeks) <= national.MAX_TREND_WEEKS:
            shown = int(weeks)
        else:
            errors["weeks"] = f"Enter a number of weeks from 1 to {national.MAX_TREND_WEEKS}"
    picture = national.national_picture(db, actor, weeks=shown)
    context = {
        "picture": picture,
        "chart": trend_chart(picture.trends),
        "kinds": national.outcome_kinds(),
        "weeks": shown,
        "errors": errors,
        "typed_weeks": weeks if errors else str(shown),
    }
    return render(request, "national/picture.html", context, status_code=422 if errors else 200)


@router.get("/national/weeks", include_in_schema=False)
def weeks_page(request: Request, db: DbDep, actor: NationalReader) -> Response:
    return render(request, "national/weeks.html", _weeks_context(db, actor))


@router.post("/national/weeks", include_in_schema=False)
async def define_week_page(request: Request, db: DbDep, actor: NationalReader) -> Response:
    form = await request.form()
    try:
        data = form_model(_with_dates(form, "starts_on", "ends_on"), WeekCreate)
        week = national.define_week(db, actor, data)
    except InvalidInput as exc:
        db.rollback()
        context = {**_weeks_context(db, actor), "errors": exc.errors, "values": dict(form)}
        return render(request, "national/weeks.html", context, status_code=exc.status)
    return see_other(week.url)


@router.get("/national/weeks/{week_id}", include_in_schema=False)
def week_page(request: Request, week_id: uuid.UUID, db: DbDep, actor: NationalReader) -> Response:
    report = national.week_report(db, actor, week_id)
    return render(request, "national/week.html", {"report": report, **_report_columns()})


@router.get("/national/weeks/{week_id}/print", include_in_schema=False)
def week_print_page(
    request: Request, week_id: uuid.UUID, db: DbDep, actor: NationalReader
) -> Response:
    report = national.week_report(db, actor, week_id)
    return render(request, "national/print.html", {"report": report, **_report_columns()})


@router.get("/lines/{line_id}/outcomes", include_in_schema=False)
def outcomes_page(request: Request, line_id: uuid.UUID, db: DbDep, actor: Reader) -> Response:
    return render(request, "national/outcomes.html", _outcomes_context(db, actor, line_id))


@router.post("/lines/{line_id}/outcomes", include_in_schema=False)
async def record_outcome_page(
    request: Request, line_id: uuid.UUID, db: DbDep, actor: Writer
) -> Response:
    form = await request.form()
    try:
        data = form_model(_with_dates(form, "occurred_on"), OutcomeCreate)
        national.record_outcome(db, actor, line_id, data)
    except InvalidInput as exc:
        db.rollback()
        context = {
            **_outcomes_context(db, actor, line_id),
            "errors": exc.errors,
            "values": dict(form),
        }
        return render(request, "national/outcomes.html", context, status_code=exc.status)
    return see_other(f"/lines/{line_id}/outcomes")


def _weeks_context(db: DbDep, actor: Actor) -> dict[str, Any]:
    weeks = [WeekRead.of(w) for w in national.list_weeks(db, actor)]
    return {"weeks": weeks, "values": {}}


def _outcomes_context(db: DbDep, actor: Actor, line_id: uuid.UUID) -> dict[str, Any]:
    line, outcomes = national.line_outcomes(db, actor, line_id)
    return {
        "line": line,
        "status": label(line.status),
        "outcomes": [OutcomeRead.of(o) for o in outcomes],
        "writer": national.may_record_outcomes(actor, line),
        "kinds": national.outcome_kinds(),
        "values": {},
    }


def _report_columns() -> dict[str, Any]:
    return {
        "measures": [
            ("opened", "Lines opened"),
            ("confirmed", "Lines confirmed"),
            ("disrupted", "Lines disrupted"),
            ("closed", "Lines closed"),
            ("closed_type_1", "Of them, Type 1"),
            ("closed_type_2", "Of them, Type 2"),
            ("resurfaced", "Lines resurfaced"),
        ],
        "kinds": national.outcome_kinds(),
    }


def _with_dates(form: FormData, *names: str) -> FormData:
    """The form with each GOV.UK date input (``name-day``, ``-month``, ``-year``) joined into
    one ISO date field ``name``; InvalidInput naming the field when a date is incomplete."""
    fields: list[tuple[str, str | UploadFile]] = [
        (k, v) for k, v in form.multi_items() if isinstance(v, str) and not _is_date_part(k)
    ]
    errors: dict[str, str] = {}
    for name in names:
        parts = [str(form.get(f"{name}-{part}") or "").strip() for part in DATE_PARTS]
        if not any(parts):
            continue  # missing: the model says it must be entered
        try:
            day, month, year = (int(part) for part in parts)
            if len(parts[2]) != 4:
                raise ValueError("a year of four digits")
            fields.append((name, date(year, month, day).isoformat()))
        except ValueError:
            errors[name] = "Enter a real date as a day, month and year in numbers, like 14 9 2026"
    if errors:
        raise InvalidInput.of_fields(errors)
    return FormData(fields)


def _is_date_part(key: str) -> bool:
    return re.search(r"-(day|month|year)$", key) is not None


# --- API ----------------------------------------------------------------------------------------


@router.get("/api/national", tags=["national picture"])
def api_national(
    db: DbDep, actor: NationalReader, weeks: Weeks = national.TREND_WEEKS
) -> NationalPicture:
    """Every organisation's active lines by hub (exporting) and county (importing) force,
    as a matrix and by force area; lines opened, confirmed, disrupted, closed and
    resurfaced, and outcomes recorded, in each of the last `weeks` weeks (Monday to
    Sunday, UTC); and every outcome recorded, by kind. Counts only."""
    return national.national_picture(db, actor, weeks=weeks)


@router.get("/api/national/weeks", tags=["national picture"])
def api_weeks(db: DbDep, actor: NationalReader) -> list[WeekRead]:
    """Every intensification week, latest first."""
    return [WeekRead.of(w) for w in national.list_weeks(db, actor)]


@router.post("/api/national/weeks", tags=["national picture"], status_code=201)
def api_define_week(data: WeekCreate, db: DbDep, actor: NationalReader) -> WeekRead:
    """Define an intensification week: `{"name", "starts_on", "ends_on"}`, both days included."""
    return WeekRead.of(national.define_week(db, actor, data))


@router.get("/api/national/weeks/{week_id}", tags=["national picture"])
def api_week_report(week_id: uuid.UUID, db: DbDep, actor: NationalReader) -> WeekReport:
    """An intensification week's results by organisation and in total: lines opened and
    statuses reached on its days (from the line timeline), and outcomes recorded for them."""
    return national.week_report(db, actor, week_id)


@router.get(
    "/api/national/weeks/{week_id}/report.csv",
    tags=["national picture"],
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "The report as CSV"}},
)
def api_week_csv(week_id: uuid.UUID, db: DbDep, actor: NationalReader) -> Response:
    """The week's report as CSV, a row per organisation and a total row. Audited as a
    disclosure to you."""
    text = national.export_week_report(db, actor, week_id)
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={
            "content-disposition": f'attachment; filename="intensification-week-{week_id}.csv"'
        },
    )


@router.get("/api/lines/{line_id}/outcomes", tags=["national picture"])
def api_outcomes(line_id: uuid.UUID, db: DbDep, actor: Reader) -> list[OutcomeRead]:
    """The outcomes recorded against a line, latest day first (its owner's readers and
    national coordinators). Audited as a consultation of the line."""
    _line, outcomes = national.line_outcomes(db, actor, line_id, via="api")
    return [OutcomeRead.of(o) for o in outcomes]


@router.post("/api/lines/{line_id}/outcomes", tags=["national picture"], status_code=201)
def api_record_outcome(
    line_id: uuid.UUID, data: OutcomeCreate, db: DbDep, actor: Writer
) -> OutcomeRead:
    """Record an outcome against one of your own lines: `{"kind", "count", "occurred_on",
    "note"?}`; kinds `arrest`, `person_safeguarded`, `cuckooed_address_visited`,
    `device_seized`. Audited as an alteration of the line."""
    return OutcomeRead.of(national.record_outcome(db, actor, line_id, data, via="api"))
