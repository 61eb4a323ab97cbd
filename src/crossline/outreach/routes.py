"""Feedback pages and API: give feedback from any page; administrators read and act."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from crossline.auth.actor import Actor
from crossline.auth.dependencies import OptionalActorDep, allowed
from crossline.auth.permissions import Permission
from crossline.core.dependencies import DbDep
from crossline.core.errors import InvalidInput
from crossline.core.pages import NavItem, add_navigation, form_model, render, see_other
from crossline.outreach import services
from crossline.outreach.schemas import (
    FeedbackGive,
    FeedbackRead,
    FeedbackResponse,
    FeedbackStatus,
    Satisfaction,
)

router = APIRouter()
add_navigation(NavItem("Feedback", "/admin/feedback", Permission.FEEDBACK_MANAGE.value, order=85))

FeedbackAdmin = Annotated[Actor, allowed(Permission.FEEDBACK_MANAGE)]
SATISFACTION_LABELS = {
    Satisfaction.VERY_SATISFIED: "Very satisfied",
    Satisfaction.SATISFIED: "Satisfied",
    Satisfaction.NEUTRAL: "Neither satisfied nor dissatisfied",
    Satisfaction.DISSATISFIED: "Dissatisfied",
    Satisfaction.VERY_DISSATISFIED: "Very dissatisfied",
}
STATUS_LABELS = {
    FeedbackStatus.NEW: "New",
    FeedbackStatus.ACKNOWLEDGED: "Acknowledged",
    FeedbackStatus.ACTIONED: "Actioned",
    FeedbackStatus.NO_ACTION: "No action needed",
}


def _context(**extra: object) -> dict[str, object]:
    return {
        "satisfaction_options": [(s.value, label) for s, label in SATISFACTION_LABELS.items()],
        "status_options": [(s.value, label) for s, label in STATUS_LABELS.items()],
        "status_labels": {s.value: label for s, label in STATUS_LABELS.items()},
        **extra,
    }


@router.get("/feedback", include_in_schema=False)
def feedback_page(request: Request, actor: OptionalActorDep, page: str = "/") -> Response:
    return render(request, "outreach/feedback.html", _context(values={"page": page}))


@router.post("/feedback", include_in_schema=False)
async def give_feedback(request: Request, db: DbDep, actor: OptionalActorDep) -> Response:
    form = await request.form()
    try:
        services.give_feedback(db, actor, form_model(form, FeedbackGive))
    except InvalidInput as exc:
        return render(
            request,
            "outreach/feedback.html",
            _context(values=dict(form), errors=exc.errors),
            status_code=422,
        )
    return render(request, "outreach/feedback_thanks.html", {"page": form.get("page", "/")})


@router.get("/admin/feedback", include_in_schema=False)
def feedback_list_page(request: Request, db: DbDep, actor: FeedbackAdmin) -> Response:
    return render(
        request, "outreach/feedback_list.html", _context(items=services.list_feedback(db, actor))
    )


@router.post("/admin/feedback/{feedback_id}", include_in_schema=False)
async def respond_page(
    request: Request, feedback_id: uuid.UUID, db: DbDep, actor: FeedbackAdmin
) -> Response:
    form = await request.form()
    try:
        services.respond_to_feedback(db, actor, feedback_id, form_model(form, FeedbackResponse))
    except InvalidInput as exc:
        return render(
            request,
            "outreach/feedback_list.html",
            _context(items=services.list_feedback(db, actor), errors=exc.errors),
            status_code=422,
        )
    return see_other("/admin/feedback")


@router.post("/api/feedback", tags=["feedback"], status_code=201)
def api_give_feedback(data: FeedbackGive, db: DbDep, actor: OptionalActorDep) -> FeedbackRead:
    """Give feedback on the service. Open to everyone; no personal data is kept."""
    return FeedbackRead.model_validate(services.give_feedback(db, actor, data))


@router.get("/api/feedback", tags=["feedback"])
def api_list_feedback(db: DbDep, actor: FeedbackAdmin) -> list[FeedbackRead]:
    """Feedback from your organisation and from people not signed in, newest first."""
    return [FeedbackRead.model_validate(f) for f in services.list_feedback(db, actor)]


@router.put("/api/feedback/{feedback_id}", tags=["feedback"])
def api_respond(
    feedback_id: uuid.UUID, data: FeedbackResponse, db: DbDep, actor: FeedbackAdmin
) -> FeedbackRead:
    """Record what was done about feedback; send the `version` you read (409 if stale)."""
    return FeedbackRead.model_validate(services.respond_to_feedback(db, actor, feedback_id, data))
