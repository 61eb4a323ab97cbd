"""Person records and their matches on the web and in the API.

Recording, correcting or importing records links every organisation's records
again (``services.matching.relink``) before the answer is given, so alerts are
current when the page or API call returns.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from crossline.auth.actor import Actor
from crossline.auth.dependencies import allowed
from crossline.auth.permissions import Permission
from crossline.core.dependencies import DbDep, SettingsDep
from crossline.core.errors import Conflict, InvalidInput
from crossline.core.pages import NavItem, add_navigation, render, see_other
from crossline.people.models import PersonRecord
from crossline.people.schemas import (
    DECISION_LABELS,
    Decision,
    DecisionIn,
    ImportResult,
    PersonAlertRead,
    PersonImport,
    PersonMatchRead,
    PersonRecordChange,
    PersonRecordIn,
    PersonRecordRead,
    PersonRecordSummary,
)
from crossline.people.services import matching, records

router = APIRouter()
M = TypeVar("M", bound=PersonRecordIn)
add_navigation(NavItem("People", "/people", Permission.PEOPLE_READ.value, order=32))
add_navigation(
    NavItem("Person matches", "/people/matches", Permission.DECONFLICTION_RESOLVE.value, order=33)
)

Reader = Annotated[Actor, allowed(Permission.PEOPLE_READ)]
Writer = Annotated[Actor, allowed(Permission.PEOPLE_WRITE)]
Coordinator = Annotated[Actor, allowed(Permission.DECONFLICTION_RESOLVE)]


# --- pages --------------------------------------------------------------------------------------


@router.get("/people", include_in_schema=False)
def people_page(request: Request, db: DbDep, actor: Reader, q: str | None = None) -> Response:
    found = records.search_records(db, actor, q)
    context = {
        "people": [_summary(p) for p in found],
        "limit": records.LIST_LIMIT,
        "q": q or "",
        "alerts": matching.alerts(db, actor),
        "undecided": matching.count_undecided(db, actor),
        "writer": actor.can(Permission.PEOPLE_WRITE),
        "intelligence_reader": actor.can(Permission.INTELLIGENCE_READ),
    }
    return render(request, "people/list.html", context)


@router.get("/people/new", include_in_schema=False)
def new_page(request: Request, actor: Writer) -> Response:
    return render(request, "people/form.html", {"person": None, "values": {}})


@router.post("/people/new", include_in_schema=False)
async def create_page(
    request: Request, db: DbDep, settings: SettingsDep, actor: Writer
) -> Response:
    form = await request.form()
    try:
        person = records.create_record(db, actor, _from_form(form, PersonRecordIn))
    except InvalidInput as exc:
        db.rollback()
        context = {"person": None, "values": dict(form), "errors": _form_errors(exc.errors)}
        return render(request, "people/form.html", context, status_code=exc.status)
    matching.relink(db, actor, memory_limit=settings.linkage_memory_limit, via="web")
    return see_other(person.url)


@router.get("/people/matches", include_in_schema=False)
def matches_page(request: Request, db: DbDep, actor: Coordinator) -> Response:
    return _matches(request, db, actor, national=True)


@router.get("/people/matches/{match_id}", include_in_schema=False)
def match_page(request: Request, match_id: uuid.UUID, db: DbDep, actor: Coordinator) -> Response:
    match = matching.get_match(db, actor, match_id, national=True)
    return render(request, "people/match.html", _match_context(match, national=True))


@router.post("/people/matches/{match_id}", include_in_schema=False)
async def decide_page(
    request: Request, match_id: uuid.UUID, db: DbDep, actor: Coordinator
) -> Response:
    return await _decide(request, db, actor, match_id, national=True)


@router.get("/people/duplicates", include_in_schema=False)
def duplicates_page(request: Request, db: DbDep, actor: Reader) -> Response:
    return _matches(request, db, actor, national=False)


@router.get("/people/duplicates/{match_id}", include_in_schema=False)
def duplicate_page(request: Request, match_id: uuid.UUID, db: DbDep, actor: Reader) -> Response:
    match = matching.get_match(db, actor, match_id)
    return render(request, "people/match.html", _match_context(match, national=False))


@router.post("/people/duplicates/{match_id}", include_in_schema=False)
async def decide_duplicate_page(
    request: Request, match_id: uuid.UUID, db: DbDep, actor: Writer
) -> Response:
    return await _decide(request, db, actor, match_id, national=False)


def _matches(request: Request, db: Session, actor: Actor, *, national: bool) -> Response:
    found = matching.list_matches(db, actor, national=national)
    context = {"matches": found, "labels": _labels(), "base": _base(national), "national": national}
    return render(request, "people/matches.html", context)


async def _decide(
    request: Request, db: Session, actor: Actor, match_id: uuid.UUID, *, national: bool
) -> Response:
    form = await request.form()
    try:
        data = DecisionIn.model_validate(
            {k: v for k, v in form.items() if isinstance(v, str) and v.strip()}
        )
        matching.decide(db, actor, match_id, data, national=national)
    except (ValueError, Conflict) as exc:
        db.rollback()
        message = (
            exc.message
            if isinstance(exc, Conflict)
            else "Choose whether the two records are of the same person."
        )
        match = matching.get_match(db, actor, match_id, national=national)
        context = {
            **_match_context(match, national=national),
            "errors": {"decision": message},
            "values": dict(form),
        }
        return render(
            request,
            "people/match.html",
            context,
            status_code=409 if isinstance(exc, Conflict) else 422,
        )
    return see_other(f"{_base(national)}/{match_id}")


def _base(national: bool) -> str:
    return "/people/matches" if national else "/people/duplicates"


@router.get("/people/{record_id}", include_in_schema=False)
def record_page(request: Request, record_id: uuid.UUID, db: DbDep, actor: Reader) -> Response:
    person = records.get_record(db, actor, record_id)
    return render(request, "people/record.html", _record_context(db, actor, person))


@router.get("/people/{record_id}/edit", include_in_schema=False)
def edit_page(request: Request, record_id: uuid.UUID, db: DbDep, actor: Writer) -> Response:
    person = records.get_record(db, actor, record_id)
    return render(request, "people/form.html", {"person": person, "values": _values(person)})


@router.post("/people/{record_id}/edit", include_in_schema=False)
async def update_page(
    request: Request, record_id: uuid.UUID, db: DbDep, settings: SettingsDep, actor: Writer
) -> Response:
    form = await request.form()
    try:
        person = records.update_record(db, actor, record_id, _from_form(form, PersonRecordChange))
    except (InvalidInput, Conflict) as exc:
        db.rollback()
        errors = exc.errors if isinstance(exc, InvalidInput) else {"reference": exc.message}
        person = records.get_record(db, actor, record_id)
        context = {"person": person, "values": dict(form), "errors": _form_errors(errors)}
        return render(request, "people/form.html", context, status_code=exc.status)
    matching.relink(db, actor, memory_limit=settings.linkage_memory_limit, via="web")
    return see_other(person.url)


def _from_form(form: FormData, model: type[M]) -> M:
    """The record from the form: a GOV.UK date input (day, month, year) and listed numbers."""
    errors: dict[str, str] = {}
    data: dict[str, Any] = {
        k: v.strip()
        for k, v in form.items()
        if isinstance(v, str) and v.strip() and not k.startswith("dob-")
    }
    parts = [str(form.get(f"dob-{part}", "")).strip() for part in ("day", "month", "year")]
    if any(parts):
        try:
            day, month, year = (int(p) for p in parts)
            if year < 1900:
                raise ValueError
            data["dob"] = date(year, month, day)
        except ValueError:
            errors["dob"] = "Enter the date of birth as a real date, like 27 3 2007."
    numbers = str(form.get("phone_numbers", ""))
    data["phone_numbers"] = [n.strip() for n in numbers.replace(";", ",").split(",") if n.strip()]
    if "reference" not in data:
        errors["reference"] = "Enter your organisation's reference for this person."
    try:
        parsed = model.model_validate(data)
    except ValueError as exc:
        for error in getattr(exc, "errors", list)():
            field = str(error["loc"][0]) if error["loc"] else "form"
            errors.setdefault(field, f"Check the {field.replace('_', ' ')}: {error['msg']}.")
        raise InvalidInput.of_fields(errors) from exc
    if errors:
        raise InvalidInput.of_fields(errors)
    return parsed


def _form_errors(errors: dict[str, str]) -> dict[str, str]:
    """Field errors named as the form's fields (the numbers share one box)."""
    return {
        ("phone_numbers" if k.startswith("phone_numbers") else "dob-day" if k == "dob" else k): v
        for k, v in errors.items()
    }


def _values(person: PersonRecord) -> dict[str, str]:
    read = PersonRecordRead.of(person, "")
    values = {
        "reference": read.reference,
        "first_name": read.first_name or "",
        "surname": read.surname or "",
        "postcode": read.postcode or "",
        "gender": read.gender or "",
        "phone_numbers": ", ".join(read.phone_numbers),
    }
    if read.dob:
        values |= {
            "dob-day": str(read.dob.day),
            "dob-month": str(read.dob.month),
            "dob-year": str(read.dob.year),
        }
    return values


def _summary(person: PersonRecord) -> PersonRecordSummary:
    return PersonRecordSummary(
        record_id=person.id,
        reference=person.reference,
        name=person.name,
        dob=person.dob,
        url=person.url,
    )


def _record_context(db: Session, actor: Actor, person: PersonRecord) -> dict[str, Any]:
    return {
        "person": PersonRecordRead.of(person, actor.organisation_name),
        "alerts": [a for a in matching.alerts(db, actor) if a.record_id == person.id],
        "matches": matching.list_matches(db, actor, record_id=person.id),
        "base": _base(national=False),
        "labels": _labels(),
        "writer": actor.can(Permission.PEOPLE_WRITE),
        "intelligence_reader": actor.can(Permission.INTELLIGENCE_READ),
        "lines_reader": actor.can(Permission.LINES_READ),
    }


def _match_context(match: PersonMatchRead, *, national: bool) -> dict[str, Any]:
    return {
        "match": match,
        "base": _base(national),
        "national": national,
        "labels": _labels(),
        "decision_options": [(d.value, DECISION_LABELS[d]) for d in Decision],
        "values": {},
    }


def _labels() -> dict[str, str]:
    return {d.value: label for d, label in DECISION_LABELS.items()}


# --- API ----------------------------------------------------------------------------------------


@router.get("/api/people", tags=["people"])
def api_people(db: DbDep, actor: Reader, q: str | None = None) -> list[PersonRecordRead]:
    """The organisation's person records matching ``q`` (reference, name or number); audited."""
    found = records.search_records(db, actor, q, via="api")
    return [PersonRecordRead.of(p, actor.organisation_name) for p in found]


@router.post("/api/people", tags=["people"], status_code=201)
def api_create(
    data: PersonRecordIn, db: DbDep, settings: SettingsDep, actor: Writer
) -> PersonRecordRead:
    """Record a person; links every organisation's records again before answering."""
    person = records.create_record(db, actor, data, via="api")
    matching.relink(db, actor, memory_limit=settings.linkage_memory_limit, via="api")
    return PersonRecordRead.of(person, actor.organisation_name)


@router.post("/api/people/import", tags=["people"])
def api_import(data: PersonImport, db: DbDep, settings: SettingsDep, actor: Writer) -> ImportResult:
    """Add or update many records by reference; bad ones are listed, good ones saved."""
    result, touched = records.import_records(db, actor, data, via="api")
    if touched:
        matching.relink(db, actor, memory_limit=settings.linkage_memory_limit, via="api")
    return result


@router.get("/api/people/alerts", tags=["people"])
def api_alerts(db: DbDep, actor: Reader) -> list[PersonAlertRead]:
    """Other organisations that may hold the same person as one of yours, and whom to contact."""
    return matching.alerts(db, actor, via="api")


@router.get("/api/people/matches", tags=["people"])
def api_matches(
    db: DbDep, actor: Coordinator, undecided_only: bool = False
) -> list[PersonMatchRead]:
    """Every match between organisations, with both records and each field's evidence; audited."""
    return matching.list_matches(db, actor, national=True, undecided_only=undecided_only, via="api")


@router.get("/api/people/matches/{match_id}", tags=["people"])
def api_match(match_id: uuid.UUID, db: DbDep, actor: Coordinator) -> PersonMatchRead:
    return matching.get_match(db, actor, match_id, national=True, via="api")


@router.post("/api/people/matches/{match_id}/decision", tags=["people"])
def api_decide(
    match_id: uuid.UUID, data: DecisionIn, db: DbDep, actor: Coordinator
) -> PersonMatchRead:
    """Decide whether two organisations' records are the same person."""
    return matching.decide(db, actor, match_id, data, national=True, via="api")


@router.get("/api/people/duplicates", tags=["people"])
def api_duplicates(db: DbDep, actor: Reader, undecided_only: bool = False) -> list[PersonMatchRead]:
    """Pairs of your own records likely to be one person, with the evidence; audited."""
    return matching.list_matches(db, actor, undecided_only=undecided_only, via="api")


@router.get("/api/people/duplicates/{match_id}", tags=["people"])
def api_duplicate(match_id: uuid.UUID, db: DbDep, actor: Reader) -> PersonMatchRead:
    return matching.get_match(db, actor, match_id, via="api")


@router.post("/api/people/duplicates/{match_id}/decision", tags=["people"])
def api_decide_duplicate(
    match_id: uuid.UUID, data: DecisionIn, db: DbDep, actor: Writer
) -> PersonMatchRead:
    """Decide whether two of your own records are the same person."""
    return matching.decide(db, actor, match_id, data, via="api")


@router.get("/api/people/{record_id}", tags=["people"])
def api_record(record_id: uuid.UUID, db: DbDep, actor: Reader) -> PersonRecordRead:
    person = records.get_record(db, actor, record_id, via="api")
    return PersonRecordRead.of(person, actor.organisation_name)


@router.put("/api/people/{record_id}", tags=["people"])
def api_update(
    record_id: uuid.UUID, data: PersonRecordChange, db: DbDep, settings: SettingsDep, actor: Writer
) -> PersonRecordRead:
    """Correct a record, sending the ``version`` you read (409 if it changed since)."""
    person = records.update_record(db, actor, record_id, data, via="api")
    matching.relink(db, actor, memory_limit=settings.linkage_memory_limit, via="api")
    return PersonRecordRead.of(person, actor.organisation_name)
