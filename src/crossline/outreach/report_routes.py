"""Anonymous reporting and "spot the signs": public pages and API, and the partners' inbox.

The public pages need no sign-in and record nobody: a signed-in user who sends
a report sends it anonymously too (reports.send_report takes no actor).
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

from crossline.auth.actor import Actor
from crossline.auth.dependencies import OptionalActorDep, allowed
from crossline.auth.permissions import Permission
from crossline.core.dependencies import DbDep
from crossline.core.errors import InvalidInput
from crossline.core.pages import NavItem, add_navigation, form_model, render, see_other
from crossline.outreach import reports
from crossline.outreach.models import AnonymousReport
from crossline.outreach.schemas import (
    ReportAbout,
    ReporterAge,
    ReportIn,
    ReportOutcome,
    ReportRead,
    ReportReceipt,
    ReportStatus,
)

router = APIRouter()
add_navigation(
    NavItem("Anonymous reports", "/reports", Permission.SAFEGUARDING_READ.value, order=45)
)

Reader = Annotated[Actor, allowed(Permission.SAFEGUARDING_READ)]
Writer = Annotated[Actor, allowed(Permission.SAFEGUARDING_WRITE)]

ABOUT_LABELS = {
    ReportAbout.SOMEONE_ELSE: "Someone else",
    ReportAbout.MYSELF: "Me",
    ReportAbout.A_PLACE: "A home or a place",
}
AGE_LABELS = {
    ReporterAge.UNDER_18: "Under 18",
    ReporterAge.ADULT: "18 or over",
    ReporterAge.NOT_SAID: "I'd rather not say",
}
STATUS_LABELS = {
    ReportStatus.NEW: "New",
    ReportStatus.CONCERN_RAISED: "Concern raised",
    ReportStatus.PASSED_ON: "Passed on",
    ReportStatus.NO_FURTHER_ACTION: "No further action",
}
# GOV.UK wording for a question left unanswered, where the generic "Enter ..." reads wrong.
MISSING = {
    "district": "Choose where this is happening",
    "about": "Choose who this is about",
    "what_happened": "Tell us what is happening",
    "status": "Choose what was done",
}


def _worded(errors: dict[str, str], form: dict[str, object]) -> dict[str, str]:
    return {
        field: MISSING[field] if field in MISSING and not form.get(field) else message
        for field, message in errors.items()
    }


def _labels() -> dict[str, object]:
    return {
        "about_labels": {k.value: v for k, v in ABOUT_LABELS.items()},
        "age_labels": {k.value: v for k, v in AGE_LABELS.items()},
        "status_labels": {k.value: v for k, v in STATUS_LABELS.items()},
        "status_options": [(k.value, v) for k, v in STATUS_LABELS.items()],
    }


# --- public ----------------------------------------------------------------------------------


@router.get("/spot-the-signs", include_in_schema=False)
def spot_the_signs(request: Request, actor: OptionalActorDep) -> Response:
    return render(request, "outreach/spot_the_signs.html", {"signs": reports.signs()})


def _report_form(
    request: Request, db: DbDep, values: dict[str, object], errors: dict[str, str], status: int
) -> Response:
    signs = reports.signs()
    return render(
        request,
        "outreach/report.html",
        {
            "districts": reports.districts(db),
            "about_options": [(k.value, v) for k, v in ABOUT_LABELS.items()],
            "age_options": [(k.value, v) for k, v in AGE_LABELS.items()],
            "sign_options": [
                (s.id, s.text, None) for group in ("person", "address") for s in signs[group]
            ],
            "values": values,
            "errors": errors,
        },
        status_code=status,
    )


@router.get("/report", include_in_schema=False)
def report_page(request: Request, db: DbDep, actor: OptionalActorDep) -> Response:
    return _report_form(request, db, {}, {}, 200)


@router.post("/report", include_in_schema=False)
async def send_report_page(request: Request, db: DbDep, actor: OptionalActorDep) -> Response:
    form = await request.form()
    values: dict[str, object] = {k: v for k, v in form.items() if k != "signs"}
    values["signs"] = form.getlist("signs")
    try:
        sent = reports.send_report(db, form_model(form, ReportIn, lists=("signs",)))
    except InvalidInput as exc:
        db.rollback()
        return _report_form(request, db, values, _worded(exc.errors, values), 422)
    return render(request, "outreach/report_sent.html", {"read_by": sent.read_by})


@router.post("/api/reports", tags=["anonymous reports"], status_code=201)
def api_send_report(data: ReportIn, db: DbDep) -> ReportReceipt:
    """Send an anonymous report about an area. Open to everyone; nothing about the sender is kept.

    ``district`` is a district's id (``GET /api/reports/districts``). The answer
    says who will read it, and nothing to trace the report by.
    """
    sent = reports.send_report(db, data, via="api")
    return ReportReceipt(received=True, read_by=list(sent.read_by))


class DistrictRead(BaseModel):
    id: str
    name: str


@router.get("/api/reports/districts", tags=["anonymous reports"])
def api_districts(db: DbDep) -> list[DistrictRead]:
    """The districts a report may be about, by name. Open to everyone."""
    return [DistrictRead(id=a.id, name=a.name) for a in reports.districts(db)]


# --- the partners of the area ----------------------------------------------------------------


@router.get("/reports", include_in_schema=False)
def reports_page(
    request: Request, db: DbDep, actor: Reader, status: ReportStatus | None = None
) -> Response:
    shown = [reports.as_read(db, r) for r in reports.list_reports(db, actor, status=status)]
    return render(
        request,
        "outreach/reports_list.html",
        {**_labels(), "reports": shown, "status": status.value if status else None},
    )


def _detail(
    request: Request,
    db: DbDep,
    actor: Actor,
    report: AnonymousReport,
    values: dict[str, object],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    return render(
        request,
        "outreach/report_detail.html",
        {
            **_labels(),
            "report": reports.as_read(db, report),
            "sign_texts": reports.sign_texts(),
            "can_act": actor.can(Permission.SAFEGUARDING_WRITE),
            "outcome_options": [
                (k.value, v) for k, v in STATUS_LABELS.items() if k is not ReportStatus.NEW
            ],
            "values": values,
            "errors": errors,
        },
        status_code=status,
    )


@router.get("/reports/{report_id}", include_in_schema=False)
def report_detail_page(
    request: Request, report_id: uuid.UUID, db: DbDep, actor: Reader
) -> Response:
    report = reports.get_report(db, actor, report_id)
    return _detail(request, db, actor, report, {"status": report.status}, {})


@router.post("/reports/{report_id}", include_in_schema=False)
async def record_outcome_page(
    request: Request, report_id: uuid.UUID, db: DbDep, actor: Writer
) -> Response:
    form = await request.form()
    values: dict[str, object] = dict(form)
    try:
        reports.record_outcome(db, actor, report_id, form_model(form, ReportOutcome))
    except InvalidInput as exc:
        db.rollback()
        report = reports.get_report(db, actor, report_id)
        return _detail(request, db, actor, report, values, _worded(exc.errors, values), 422)
    return see_other(f"/reports/{report_id}")


@router.get("/api/reports", tags=["anonymous reports"])
def api_list_reports(
    db: DbDep, actor: Reader, status: ReportStatus | None = None
) -> list[ReportRead]:
    """Anonymous reports about your organisation's area, newest first; each one read is audited."""
    return [
        reports.as_read(db, r) for r in reports.list_reports(db, actor, status=status, via="api")
    ]


@router.get("/api/reports/{report_id}", tags=["anonymous reports"])
def api_get_report(report_id: uuid.UUID, db: DbDep, actor: Reader) -> ReportRead:
    """One anonymous report about your area (404 for any other); the read is audited."""
    return reports.as_read(db, reports.get_report(db, actor, report_id, via="api"))


@router.put("/api/reports/{report_id}", tags=["anonymous reports"])
def api_record_outcome(
    report_id: uuid.UUID, data: ReportOutcome, db: DbDep, actor: Writer
) -> ReportRead:
    """Record what was done about a report; send the `version` you read (409 if stale)."""
    return reports.as_read(db, reports.record_outcome(db, actor, report_id, data, via="api"))
