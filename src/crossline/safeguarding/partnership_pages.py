"""School-police partnership pages: the organisation's partnerships, the form to start one,
and a partnership's page with its activities and the forms to record one and to end it.

Every rule is in ``safeguarding.services.partnerships``; a page parses the form, calls
the service and redirects (POST-redirect-GET), or shows the same page again with a
GOV.UK error summary and what was entered.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from crossline.auth.actor import Actor
from crossline.auth.dependencies import allowed
from crossline.auth.permissions import Permission
from crossline.core.dependencies import DbDep
from crossline.core.errors import Conflict, InvalidInput
from crossline.core.pages import render, see_other
from crossline.orgs.reference import ORGANISATION_KINDS
from crossline.safeguarding.pages import date_input, parse_form
from crossline.safeguarding.reference import VOCABULARY
from crossline.safeguarding.schemas import PartnershipActivityIn, PartnershipEndIn, PartnershipIn
from crossline.safeguarding.services import partnerships

router = APIRouter()

Reader = Annotated[Actor, allowed(Permission.SAFEGUARDING_READ)]
Writer = Annotated[Actor, allowed(Permission.SAFEGUARDING_WRITE)]
PageError = (InvalidInput, Conflict)
M = TypeVar("M", bound=BaseModel)

LIST = "safeguarding/partnerships/list.html"
NEW = "safeguarding/partnerships/new.html"
ONE = "safeguarding/partnerships/partnership.html"
DATES = ("started_on", "held_on", "ended_on")  # GOV.UK date inputs: <name>-day, -month, -year


@router.get("/safeguarding/partnerships", include_in_schema=False)
def list_page(request: Request, db: DbDep, actor: Reader) -> Response:
    """The organisation's school-police partnerships, current and ended."""
    rows = [partnerships.partnership_read(db, p) for p in partnerships.list_partnerships(db, actor)]
    context = {
        "current": [p for p in rows if p.is_current],
        "ended": [p for p in rows if not p.is_current],
        "may_start": actor.can(Permission.SAFEGUARDING_WRITE)
        and partnerships.partner_kind(db, actor) is not None,
    }
    return render(request, LIST, context)


# Declared before the partnership page, whose path would otherwise take "new" as its id.
@router.get("/safeguarding/partnerships/new", include_in_schema=False)
def new_page(request: Request, db: DbDep, actor: Writer) -> Response:
    return render(request, NEW, _new_context(db, actor, {}))


@router.post("/safeguarding/partnerships/new", include_in_schema=False)
async def start_page(request: Request, db: DbDep, actor: Writer) -> Response:
    """Start a partnership, or show the form again with errors and what was entered."""
    form = await request.form()
    try:
        data = _parse(PartnershipIn, _with_dates(form, ("started_on",)))
        partnership = partnerships.start_partnership(db, actor, data)
    except PageError as exc:
        db.rollback()
        context = _new_context(db, actor, _values(form)) | {"errors": _errors(exc)}
        return render(request, NEW, context, exc.status)
    return see_other(partnership.url)


@router.get("/safeguarding/partnerships/{partnership_id}", include_in_schema=False)
def partnership_page(
    request: Request, partnership_id: uuid.UUID, db: DbDep, actor: Reader
) -> Response:
    """One partnership with its activities, and (to those who may) the forms."""
    return render(request, ONE, _context(db, actor, partnership_id, {}))


@router.post("/safeguarding/partnerships/{partnership_id}/activities", include_in_schema=False)
async def activity_page(
    request: Request, partnership_id: uuid.UUID, db: DbDep, actor: Writer
) -> Response:
    """Record an activity, or show the partnership again with errors."""
    form = await request.form()
    try:
        data = _parse(PartnershipActivityIn, _with_dates(form, ("held_on",)))
        partnerships.record_activity(db, actor, partnership_id, data)
    except PageError as exc:
        return _again(request, db, actor, partnership_id, exc, form)
    return see_other(f"/safeguarding/partnerships/{partnership_id}#activities")


@router.post("/safeguarding/partnerships/{partnership_id}/end", include_in_schema=False)
async def end_page(
    request: Request, partnership_id: uuid.UUID, db: DbDep, actor: Writer
) -> Response:
    """End the partnership, or show it again with errors."""
    form = await request.form()
    try:
        data = _parse(PartnershipEndIn, _with_dates(form, ("ended_on",)))
        partnerships.end_partnership(db, actor, partnership_id, data)
    except PageError as exc:
        return _again(request, db, actor, partnership_id, exc, form)
    return see_other(f"/safeguarding/partnerships/{partnership_id}")


# --- helpers ------------------------------------------------------------------------------------


def _new_context(db: Session, actor: Actor, values: dict[str, Any]) -> dict[str, Any]:
    kind = partnerships.partner_kind(db, actor)
    return {
        "partner_label": ORGANISATION_KINDS[kind].label.lower() if kind else None,
        "partners": [(str(o.id), o.name) for o in partnerships.partner_choices(db, actor)],
        "values": values,
    }


def _context(
    db: Session, actor: Actor, partnership_id: uuid.UUID, values: dict[str, Any]
) -> dict[str, Any]:
    partnership = partnerships.get_partnership(db, actor, partnership_id)
    return {
        "partnership": partnerships.partnership_read(db, partnership),
        "may_write": actor.can(Permission.SAFEGUARDING_WRITE),
        "kinds": [(k, t.label) for k, t in VOCABULARY["partnership_activities"].items()],
        "values": values,
    }


def _again(
    request: Request,
    db: Session,
    actor: Actor,
    partnership_id: uuid.UUID,
    exc: InvalidInput | Conflict,
    form: FormData,
) -> Response:
    db.rollback()
    context = _context(db, actor, partnership_id, _values(form)) | {"errors": _errors(exc)}
    return render(request, ONE, context, exc.status)


def _errors(exc: InvalidInput | Conflict) -> dict[str, str]:
    """Each message by the id of its field on the page (a date input's day box)."""
    if isinstance(exc, Conflict) or not exc.errors:
        return {"form": exc.message}
    return {(f"{f}-day" if f in DATES else f): m for f, m in exc.errors.items()}


def _values(form: FormData) -> dict[str, str]:
    return {k: str(v) for k, v in form.items() if k != "csrf_token"}


def _with_dates(form: FormData, dates: tuple[str, ...]) -> dict[str, Any]:
    """The form's text fields that were given, and each GOV.UK date input as an ISO date.

    Raises InvalidInput naming every wrong field, dates included.
    """
    data: dict[str, Any] = {
        k: v.strip() for k, v in form.items() if isinstance(v, str) and v.strip()
    }
    errors: dict[str, str] = {}
    for name in dates:
        for part in ("day", "month", "year"):
            data.pop(f"{name}-{part}", None)
        try:
            found = date_input(form, name)
        except ValueError:
            errors[name] = "Enter a real date, like 27 11 2026"
            continue
        if found is not None:  # else the model says the date is needed
            data[name] = found
    if errors:
        raise InvalidInput.of_fields(errors)
    return data


_MESSAGES = {
    "partner_id": "Choose the other organisation",
    "started_on": "Enter the date the partnership started",
    "held_on": "Enter the date of the activity",
    "ended_on": "Enter the date the partnership ends",
    "kind": "Choose the kind of activity",
    "pupils_reached": "Enter the number of pupils reached as a whole number, like 30",
    "version": "Reload the page and try again: the form was incomplete",
}


def _parse(model: type[M], data: dict[str, Any]) -> M:
    """``data`` as ``model`` (the case pages' parsing), worded as these pages word it."""
    return parse_form(model, data, _message)


def _message(model: type[BaseModel], field: str, error: Any) -> str:
    info = model.model_fields.get(field)
    name = info.title.lower() if info is not None and info.title else field.replace("_", " ")
    if error["type"] == "string_too_long":
        return f"Shorten {name} to {error['ctx']['max_length']} characters or fewer"
    if field in _MESSAGES:
        return _MESSAGES[field]
    if error["type"] == "missing":
        return f"Enter {name}"
    return f"Check {name}: {error['msg'].lower()}"
