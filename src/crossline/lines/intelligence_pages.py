"""The intelligence page: search the intelligence you may read, and record intelligence
that is not about one line (numbers, people by number, your person records).

``/intelligence`` finds records by any part of their text (``q``), a number
(``phone``: as a number or a person's) and a person record (``person_id``, the
link from a person's page); with no criterion, the newest. Each record listed is audited by the
service as a consultation, and each person record it names as a read of the
person. Analysts record intelligence below the results; the line page records
intelligence about a line.
"""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Any

from fastapi import APIRouter
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from crossline.auth.actor import Actor
from crossline.auth.dependencies import allowed
from crossline.auth.permissions import Permission
from crossline.core.dependencies import DbDep
from crossline.core.errors import Conflict, InvalidInput
from crossline.core.pages import NavItem, add_navigation, form_model, render, see_other
from crossline.lines import grading, intelligence_matches, services
from crossline.lines.models import Line
from crossline.lines.schemas import IntelligenceCreate, IntelligenceRead, IntelligenceRegrade
from crossline.lines.services import intelligence

router = APIRouter()
PAGE = "/intelligence"
add_navigation(NavItem("Intelligence", PAGE, Permission.INTELLIGENCE_READ.value, order=31))

Reader = Annotated[Actor, allowed(Permission.INTELLIGENCE_READ)]
Writer = Annotated[Actor, allowed(Permission.INTELLIGENCE_WRITE)]


@router.get(PAGE, include_in_schema=False)
def intelligence_page(
    request: Request,
    db: DbDep,
    actor: Reader,
    q: str = "",
    phone: str = "",
    person_id: uuid.UUID | None = None,
    recorded: str = "",
) -> Response:
    """The intelligence matching the search (the newest with none), and the form to record:
    ``q`` words in its text, ``phone`` a number it is about, ``person_id`` a person record."""
    criteria = {"q": q, "phone": phone}
    try:
        context = _context(db, actor, criteria, person_id)
    except InvalidInput as exc:  # a number that is not a phone number
        context = _context(db, actor, {"q": q, "phone": ""}, person_id)
        context["criteria"]["phone"] = phone
        context["search_errors"] = {"phone": next(iter(exc.errors.values()))}
        return render(request, "lines/intelligence.html", context, status_code=exc.status)
    return render(request, "lines/intelligence.html", context | {"recorded": recorded == "1"})


@router.post(PAGE, include_in_schema=False)
async def record_page(request: Request, db: DbDep, actor: Writer) -> Response:
    """Record intelligence about numbers and people, not one line."""
    form = await request.form()
    try:
        services.record_intelligence(db, actor, _create(db, actor, form))
    except InvalidInput as exc:
        db.rollback()
        context = _context(db, actor, {"q": "", "phone": ""}, None)
        context |= {"errors": _form_errors(exc.errors), "values": dict(form)}
        return render(request, "lines/intelligence.html", context, status_code=exc.status)
    return see_other(f"{PAGE}?recorded=1")


@router.get(PAGE + "/{intelligence_id}", include_in_schema=False)
def one_page(
    request: Request, intelligence_id: uuid.UUID, db: DbDep, actor: Reader, regraded: str = ""
) -> Response:
    """One piece of intelligence with its history; its owner's analysts regrade it here."""
    context = _one_context(db, actor, intelligence_id) | {"regraded": regraded == "1"}
    return render(request, "lines/intelligence_record.html", context)


@router.post(PAGE + "/{intelligence_id}/grading", include_in_schema=False)
async def regrade_page(
    request: Request, intelligence_id: uuid.UUID, db: DbDep, actor: Writer
) -> Response:
    form = await request.form()
    try:
        data = form_model(form, IntelligenceRegrade)
        services.regrade_intelligence(db, actor, intelligence_id, data)
    except (InvalidInput, Conflict) as exc:
        db.rollback()
        errors = exc.errors if isinstance(exc, InvalidInput) else {"reason": exc.message}
        context = _one_context(db, actor, intelligence_id)
        context |= {"errors": errors, "values": dict(form), "regraded": False}
        return render(request, "lines/intelligence_record.html", context, status_code=exc.status)
    return see_other(f"{PAGE}/{intelligence_id}?regraded=1")


def _one_context(db: Session, actor: Actor, intelligence_id: uuid.UUID) -> dict[str, Any]:
    found = services.get_intelligence(db, actor, intelligence_id)
    read = IntelligenceRead.of(found)
    held_elsewhere = [
        a
        for a in intelligence_matches.intelligence_alerts(db, actor, intelligence_id=found.id)
        if a.intelligence_id == found.id
    ]
    return {
        "i": read,
        "held_elsewhere": held_elsewhere,
        "people": intelligence.people_named(db, actor, [found]),
        "lines": _lines_of_reader(db, actor),
        "regrader": actor.can(Permission.INTELLIGENCE_WRITE)
        and found.owner_id == actor.organisation_id,
        # The form starts from the grading held.
        "values": {
            "source_evaluation": read.source_evaluation,
            "intelligence_assessment": read.intelligence_assessment,
            "handling_code": read.handling_code,
            "handling_conditions": read.handling_conditions or "",
        },
        "errors": {},
        **grading.form_choices(),
    }


def _lines_of_reader(db: Session, actor: Actor) -> dict[uuid.UUID, str]:
    """Labels of the lines the reader may read, by id, to name an intelligence's lines."""
    if not actor.can(Permission.LINES_READ):
        return {}
    return {line.id: _line_label(line) for line in services.list_lines(db, actor)}


def _create(db: Session, actor: Actor, form: FormData) -> IntelligenceCreate:
    """The form's fields as the API takes them: numbers and references one a line."""
    data = form_model(form, IntelligenceCreate)
    references = _lines_of(form, "person_references")
    return data.model_copy(
        update={
            "numbers": _lines_of(form, "numbers_text"),
            "people": _lines_of(form, "people_text"),
            "person_ids": intelligence.person_ids_of(db, actor, references, "person_references"),
        }
    )


def _lines_of(form: FormData, field: str) -> list[str]:
    return [line.strip() for line in str(form.get(field) or "").splitlines() if line.strip()]


def _form_errors(errors: dict[str, str]) -> dict[str, str]:
    """The service's fields as this form names them: a number's field is its text area."""
    named = {"numbers": "numbers_text", "people": "people_text", "person_ids": "person_references"}
    return {named.get(key.split("[")[0], key): message for key, message in errors.items()}


def _context(
    db: Session, actor: Actor, criteria: dict[str, str], person_id: uuid.UUID | None
) -> dict[str, Any]:
    found = services.search_intelligence(
        db,
        actor,
        text=criteria["q"] or None,
        number=criteria["phone"] or None,
        person_id=person_id,
    )
    # The person searched by is named too (if the actor may read it), linked to or not.
    named = intelligence.people_named(db, actor, found, also=[person_id] if person_id else [])

    return {
        "found": [IntelligenceRead.of(i) for i in found],
        "limit": intelligence.SEARCH_LIMIT,
        "criteria": dict(criteria),
        "searched": any(criteria.values()) or person_id is not None,
        "person_id": person_id,
        "person": named.get(person_id) if person_id else None,
        "people": named,
        "lines": _lines_of_reader(db, actor),
        "writer": actor.can(Permission.INTELLIGENCE_WRITE),
        "national": actor.can(Permission.LINES_NATIONAL),
        "person_reader": actor.can(Permission.PEOPLE_READ),
        **grading.form_choices(),
        "search_errors": {},
        "errors": {},
        "values": {},
        "recorded": False,
    }


def _line_label(line: Line) -> str:
    brands = json.loads(line.brand_names or "[]")
    return f"{line.reference} ({', '.join(brands)})" if brands else line.reference
