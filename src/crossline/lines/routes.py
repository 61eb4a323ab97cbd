"""The line register on the web and in the API: lines, their changes, and deconfliction."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from datetime import date
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Query
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from crossline.auth.actor import Actor
from crossline.auth.dependencies import allowed
from crossline.auth.permissions import Permission
from crossline.core.dependencies import DbDep, SettingsDep
from crossline.core.errors import Conflict, InvalidInput, NotFound
from crossline.core.pages import NavItem, add_navigation, form_model, render, see_other
from crossline.core.settings import Settings
from crossline.lines import deconfliction, grading, intelligence_matches, services
from crossline.lines.models import Line
from crossline.lines.schemas import (
    ActivityRead,
    AlertAcknowledge,
    AlertRead,
    ClosureCorrection,
    FindingConfirm,
    HandsetAdd,
    IntelligenceAlertRead,
    IntelligenceCreate,
    IntelligenceMatchRead,
    IntelligenceRead,
    IntelligenceRegrade,
    LineAreasRead,
    LineCreate,
    LineDetails,
    LineRead,
    LineSummary,
    MatchRead,
    MatchResolve,
    NetworkRead,
    NumberAdd,
    NumberContactsRead,
    OwnerAdd,
    OwnerRemove,
    PeriodEnd,
    PersonAdd,
    PersonChange,
    PersonRead,
    PersonRecordLink,
    PersonRemoval,
    PersonRole,
    Resolution,
    StatusChange,
    UpdateAccept,
    UpdateRead,
)
from crossline.lines.services import charts, network, people, updating
from crossline.lines.services import intelligence as intelligence_service
from crossline.lines.services.national import may_record_outcomes
from crossline.lines.services.owners import OWNING_KINDS
from crossline.lines.statuses import CLOSURE_LABELS, STATUSES, LineStatus
from crossline.orgs.models import Organisation
from crossline.orgs.reference import FORCES
from crossline.orgs.services import organisation_names
from crossline.people.services import records as people_records

router = APIRouter()
P = TypeVar("P", PersonAdd, PersonChange)
PERSON_ROLES = [(r.value, r.value.capitalize()) for r in PersonRole]  # the forms' radios
add_navigation(NavItem("Lines", "/lines", Permission.LINES_READ.value, order=30))
add_navigation(
    NavItem("Deconfliction", "/deconfliction", Permission.DECONFLICTION_RESOLVE.value, order=31)
)

Reader = Annotated[Actor, allowed(Permission.LINES_READ)]
Writer = Annotated[Actor, allowed(Permission.LINES_WRITE)]
Coordinator = Annotated[Actor, allowed(Permission.DECONFLICTION_RESOLVE)]
IntelligenceReader = Annotated[Actor, allowed(Permission.INTELLIGENCE_READ)]
IntelligenceWriter = Annotated[Actor, allowed(Permission.INTELLIGENCE_WRITE)]


# --- pages --------------------------------------------------------------------------------------


@router.get("/lines", include_in_schema=False)
def lines_page(
    request: Request, db: DbDep, actor: Reader, person_id: uuid.UUID | None = None
) -> Response:
    """The register; with ``person_id``, the lines holding a person record's numbers."""
    if person_id is not None:
        person, found = people.lines_of_person(db, actor, person_id)
        numbers = set(json.loads(person.phone_numbers or "[]"))
        names = organisation_names(db, {line.owner_id for line in found})
        context = {
            "person": person,
            "lines": [LineSummary.of(line, names[line.owner_id]) for line in found],
            "held_as": [_held_as(line, numbers, person.id) for line in found],
            "numbers": sorted(numbers),
        }
        return render(request, "lines/of_person.html", context)
    return render(request, "lines/list.html", _list_context(db, actor))


def _held_as(line: Line, numbers: set[str], record_id: uuid.UUID) -> list[str]:
    """How a line holds a person: their roles on it (by their record or their numbers), and
    their number as the line's."""
    held = [
        f"{p.role} using {p.number}"
        for p in line.people
        if p.number in numbers or p.person_record_id == record_id
    ]
    held += [f"the line's number {n}" for n in sorted({n.number for n in line.numbers} & numbers)]
    return held


@router.post("/lines/confirm", include_in_schema=False)
async def confirm_page(request: Request, db: DbDep, actor: Writer) -> Response:
    form = await request.form()
    try:
        line = services.confirm_finding(db, actor, form_model(form, FindingConfirm))
    except (InvalidInput, Conflict) as exc:
        errors = exc.errors if isinstance(exc, InvalidInput) else {"finding_id": exc.message}
        context = {**_list_context(db, actor), "errors": errors}
        return render(request, "lines/list.html", context, status_code=exc.status)
    return see_other(line.url)


@router.get("/lines/{line_id}", include_in_schema=False)
def line_page(
    request: Request, line_id: uuid.UUID, db: DbDep, settings: SettingsDep, actor: Reader
) -> Response:
    line = services.get_line(db, actor, line_id)
    shown = {k: request.query_params.get(k, "").strip() for k in ("from", "to")}
    expand = request.query_params.get("expand", "").strip()
    try:
        window = _window_of(shown)
        contacts = network.contacts_of(db, settings, line, expand) if expand else None
    except (InvalidInput, NotFound) as exc:
        errors = exc.errors if isinstance(exc, InvalidInput) else {"expand-number": exc.message}
        context = {**_line_context(db, actor, line, settings), "errors": errors}
        context |= {"window_values": shown, "expand": expand}
        # A number not on the line is a wrong choice in the form here, not a missing page.
        return render(request, "lines/line.html", context, status_code=InvalidInput.status)
    context = _line_context(db, actor, line, settings, window)
    context |= {"window_values": shown, "expand": expand, "contacts": contacts}
    return render(request, "lines/line.html", context)


@router.post("/lines/{line_id}/status", include_in_schema=False)
async def status_page(
    request: Request, line_id: uuid.UUID, db: DbDep, settings: SettingsDep, actor: Writer
) -> Response:
    form = await request.form()
    try:
        data = form_model(form, StatusChange)
        if data.status is not LineStatus.CLOSED:  # a radio ticked, then another status chosen
            data = data.model_copy(update={"closure_type": None})
        services.change_status(db, actor, line_id, data)
    except (InvalidInput, Conflict) as exc:
        line = services.get_line(db, actor, line_id)
        errors = exc.errors if isinstance(exc, InvalidInput) else {"status": exc.message}
        context = {
            **_line_context(db, actor, line, settings),
            "errors": errors,
            "values": dict(form),
        }
        return render(request, "lines/line.html", context, status_code=exc.status)
    return see_other(f"/lines/{line_id}")


async def _changed_on_page(
    request: Request,
    line_id: uuid.UUID,
    db: Session,
    settings: Settings,
    actor: Actor,
    change: Callable[[FormData], object],
    fields: dict[str, str],
) -> Response:
    """Make ``change(form)`` and go back to the line; on bad input or a stale version, the
    line page again with the error on the form's own field (``fields``: the service's field
    → the form's) and what was typed."""
    form = await request.form()
    try:
        change(form)
    except (InvalidInput, Conflict) as exc:
        db.rollback()
        line = services.get_line(db, actor, line_id)
        first = next(iter(fields.values()))
        if isinstance(exc, InvalidInput):
            errors = {fields.get(k, first): v for k, v in exc.errors.items()}
        else:
            errors = {first: exc.message}
        context = {**_line_context(db, actor, line, settings), "errors": errors}
        context["values"] = dict(form)
        return render(request, "lines/line.html", context, status_code=exc.status)
    return see_other(f"/lines/{line_id}")


@router.post("/lines/{line_id}/numbers", include_in_schema=False)
async def add_number_page(
    request: Request, line_id: uuid.UUID, db: DbDep, settings: SettingsDep, actor: Writer
) -> Response:
    """Add a number the line used, from a time, until a time or still."""

    def change(form: FormData) -> object:
        data = form_model(_fields(_held_form(form, "number", "number")), NumberAdd)
        return services.add_number(db, actor, line_id, data)

    fields = {"number": "number", "valid_from": "number_from", "valid_to": "number_to"}
    return await _changed_on_page(request, line_id, db, settings, actor, change, fields)


@router.post("/lines/{line_id}/handsets", include_in_schema=False)
async def add_handset_page(
    request: Request, line_id: uuid.UUID, db: DbDep, settings: SettingsDep, actor: Writer
) -> Response:
    """Add a handset (IMEI) the line used."""

    def change(form: FormData) -> object:
        data = form_model(_fields(_held_form(form, "imei", "handset")), HandsetAdd)
        return services.add_handset(db, actor, line_id, data)

    fields = {"imei": "imei", "valid_from": "handset_from", "valid_to": "handset_to"}
    return await _changed_on_page(request, line_id, db, settings, actor, change, fields)


def _held_form(form: FormData, key: str, prefix: str) -> dict[str, object]:
    """An add form's fields as the API names them: its periods are ``{prefix}_from``, ``_to``."""
    return {
        key: form.get(key),
        "version": form.get("version"),
        "valid_from": form.get(f"{prefix}_from"),
        "valid_to": form.get(f"{prefix}_to"),
    }


@router.post("/lines/{line_id}/{held}/{row_id}/end", include_in_schema=False)
async def end_use_page(
    request: Request,
    line_id: uuid.UUID,
    held: Literal["numbers", "handsets"],
    row_id: uuid.UUID,
    db: DbDep,
    settings: SettingsDep,
    actor: Writer,
) -> Response:
    """Record when the line stopped using one of its numbers or handsets."""
    end = services.end_number if held == "numbers" else services.end_handset
    field = f"end-{row_id}"

    def change(form: FormData) -> object:
        given = {"valid_to": form.get(field), "version": form.get("version")}
        return end(db, actor, line_id, row_id, form_model(_fields(given), PeriodEnd))

    return await _changed_on_page(
        request, line_id, db, settings, actor, change, {"valid_to": field}
    )


@router.post("/lines/{line_id}/people", include_in_schema=False)
async def add_person_page(
    request: Request, line_id: uuid.UUID, db: DbDep, settings: SettingsDep, actor: Writer
) -> Response:
    """Add a person to the line, known by their phone number, with a role."""

    def change(form: FormData) -> object:
        given = {k: form.get(f"person_{k}") for k in ("number", "role", "confidence")}
        given |= {
            "possible_child": form.get("person_possible_child"),
            "version": form.get("version"),
        }
        data = _person_form(given, PersonAdd)
        record_id = _record_named(db, actor, form, "person_reference")
        data = data.model_copy(update={"person_record_id": record_id})
        return people.add_person(db, actor, line_id, data)

    fields = {k: f"person_{k}" for k in ("number", "role", "confidence", "possible_child")}
    fields |= {"person_record_id": "person_reference", "person_reference": "person_reference"}
    return await _changed_on_page(request, line_id, db, settings, actor, change, fields)


@router.get("/lines/{line_id}/people/{person_id}", include_in_schema=False)
def person_page(
    request: Request, line_id: uuid.UUID, person_id: uuid.UUID, db: DbDep, actor: Writer
) -> Response:
    """A person on the line: change their role, confidence or flag, or take them off it."""
    return render(request, "lines/person.html", _person_context(db, actor, line_id, person_id))


@router.post("/lines/{line_id}/people/{person_id}", include_in_schema=False)
async def change_person_page(
    request: Request, line_id: uuid.UUID, person_id: uuid.UUID, db: DbDep, actor: Writer
) -> Response:
    form = await request.form()
    given = {k: form.get(k) for k in ("role", "confidence", "possible_child", "reason", "version")}
    try:
        data = _person_form(given, PersonChange)
        record_id = _record_named(db, actor, form, "person_reference")
        if record_id is not None or form.get("unlink_record"):  # blank: the link stays
            data = data.model_copy(update={"person_record_id": record_id})
        people.change_person(db, actor, line_id, person_id, data)
    except (InvalidInput, Conflict) as exc:
        fields = {k: k for k in ("role", "confidence", "possible_child", "reason")}
        fields |= {"person_record_id": "person_reference", "person_reference": "person_reference"}
        return _person_page_again(request, db, actor, line_id, person_id, form, exc, fields)
    return see_other(f"/lines/{line_id}")


@router.post("/lines/{line_id}/people/{person_id}/remove", include_in_schema=False)
async def remove_person_page(
    request: Request, line_id: uuid.UUID, person_id: uuid.UUID, db: DbDep, actor: Writer
) -> Response:
    form = await request.form()
    given = {"reason": form.get("remove_reason"), "version": form.get("version")}
    try:
        data = form_model(_fields(given), PersonRemoval)
        people.remove_person(db, actor, line_id, person_id, data)
    except (InvalidInput, Conflict) as exc:
        fields = {"reason": "remove_reason"}  # the change form on the page has its own
        return _person_page_again(request, db, actor, line_id, person_id, form, exc, fields)
    return see_other(f"/lines/{line_id}")


def _record_named(db: Session, actor: Actor, form: FormData, field: str) -> uuid.UUID | None:
    """The id of the organisation's person record whose reference the form's ``field``
    gives; None when it is blank. An unknown reference is refused naming it."""
    reference = str(form.get(field) or "").strip()
    if not reference:
        return None
    return intelligence_service.person_ids_of(db, actor, [reference], field)[0]


def _person_form(given: Mapping[str, object], model: type[P]) -> P:
    """A person form's fields as ``model``: a ticked box is true, an unticked one false."""
    ticked = given.get("possible_child") not in (None, "")
    try:
        return form_model(
            _fields({**given, "possible_child": "true" if ticked else "false"}), model
        )
    except InvalidInput as exc:
        if "role" in exc.errors and given.get("role") in (None, ""):  # radios: none chosen
            exc.errors["role"] = "Choose their role on the line."
        raise


def _person_page_again(
    request: Request,
    db: Session,
    actor: Actor,
    line_id: uuid.UUID,
    person_id: uuid.UUID,
    form: FormData,
    exc: InvalidInput | Conflict,
    fields: dict[str, str],
) -> Response:
    """The person's page again with the error on the form's own field (``fields``: the
    service's field → the form's; anything else on the first) and what was typed."""
    db.rollback()
    first = next(iter(fields.values()))
    if isinstance(exc, InvalidInput):
        errors = {fields.get(k, first): v for k, v in exc.errors.items()}
    else:
        errors = {first: exc.message}
    context = _person_context(db, actor, line_id, person_id) | {
        "errors": errors,
        "values": dict(form),
    }
    return render(request, "lines/person.html", context, status_code=exc.status)


def _person_context(
    db: Session, actor: Actor, line_id: uuid.UUID, person_id: uuid.UUID
) -> dict[str, Any]:
    line = services.get_line(db, actor, line_id)
    if not line.held_by(actor.organisation_id):  # a coordinator reads it; owners change it
        raise NotFound(services.NO_SUCH_LINE)
    person = next((p for p in line.people if p.id == person_id), None)
    if person is None:
        raise NotFound(people.NO_SUCH_PERSON)
    return {
        "line": _read(db, actor, line),
        "person": PersonRead.of(person),
        "person_roles": PERSON_ROLES,
        "person_reader": actor.can(Permission.PEOPLE_READ),
        **_link_context(db, actor, person.person_record_id),
        "values": {},
    }


def _link_context(db: Session, actor: Actor, record_id: uuid.UUID | None) -> dict[str, Any]:
    """``link_is_ours``: whether the line person's link, if any, is to one of the reader's
    organisation's records (only then may they change it); ``linked``: that record, named
    (reference and name; audited as a read of the person) to a reader of person records."""
    found = (
        people_records.records_by_id(db, actor.organisation_id, [record_id]).get(record_id)
        if record_id is not None
        else None
    )
    linked = None
    if found is not None and actor.can(Permission.PEOPLE_READ):
        people_records.consulted(db, actor, found, "reading a line person's record", "web")
        db.commit()
        linked = PersonRecordLink(reference=found.reference, url=found.url, name=found.name)
    return {"linked": linked, "link_is_ours": record_id is None or found is not None}


@router.post("/lines/{line_id}/closure-type", include_in_schema=False)
async def closure_page(
    request: Request, line_id: uuid.UUID, db: DbDep, settings: SettingsDep, actor: Writer
) -> Response:
    """Put right how a closed line was closed."""

    def change(form: FormData) -> object:
        given = {
            "closure_type": form.get("correct_closure_type"),
            "reason": form.get("correct_reason"),
            "version": form.get("version"),
        }
        return services.correct_closure(
            db, actor, line_id, form_model(_fields(given), ClosureCorrection)
        )

    fields = {"closure_type": "correct_closure_type", "reason": "correct_reason"}
    return await _changed_on_page(request, line_id, db, settings, actor, change, fields)


@router.post("/lines/{line_id}/details", include_in_schema=False)
async def details_page(
    request: Request, line_id: uuid.UUID, db: DbDep, settings: SettingsDep, actor: Writer
) -> Response:
    """Correct the line's brand names (one a line) and its hub and county areas."""

    def change(form: FormData) -> object:
        brands = [b.strip() for b in str(form.get("brand_names_text") or "").splitlines()]
        given = {
            "hub_area": form.get("hub_area"),
            "county_area": form.get("county_area"),
            "version": form.get("version"),
        }
        data = form_model(_fields(given), LineDetails)
        try:
            data = LineDetails.model_validate(
                data.model_dump() | {"brand_names": [b for b in brands if b]}
            )
        except ValidationError:
            raise InvalidInput(
                "Give at most 20 brand names, each of 100 characters or fewer.",
                field="brand_names",
            ) from None
        return services.change_details(db, actor, line_id, data)

    fields = {
        "form": "brand_names_text",
        "brand_names": "brand_names_text",
        "hub_area": "hub_area",
        "county_area": "county_area",
    }
    return await _changed_on_page(request, line_id, db, settings, actor, change, fields)


def _fields(given: Mapping[str, object]) -> FormData:
    """Some of a page's fields under the names the API model gives them, for form_model."""
    return FormData([(k, str(v)) for k, v in given.items() if v not in (None, "")])


@router.post("/lines/{line_id}/owners", include_in_schema=False)
async def add_owner_page(
    request: Request, line_id: uuid.UUID, db: DbDep, settings: SettingsDep, actor: Writer
) -> Response:
    form = await request.form()
    try:
        # The form's reason is ``owner_reason``: the status form on the same page has its own.
        given = {k: form.get(k) for k in ("organisation_id", "version")}
        data = form_model(_fields(given | {"reason": form.get("owner_reason")}), OwnerAdd)
        services.add_owner(db, actor, line_id, data.organisation_id, data.reason, data.version)
    except (InvalidInput, Conflict) as exc:
        db.rollback()
        errors = (
            {"owner_reason" if k == "reason" else k: v for k, v in exc.errors.items()}
            if isinstance(exc, InvalidInput)
            else {"organisation_id": exc.message}
        )
        line = services.get_line(db, actor, line_id)
        context = {**_line_context(db, actor, line, settings), "errors": errors}
        context["values"] = dict(form)
        return render(request, "lines/line.html", context, status_code=exc.status)
    return see_other(f"/lines/{line_id}#owners")


@router.post("/lines/{line_id}/owners/{organisation_id}/remove", include_in_schema=False)
async def remove_owner_page(
    request: Request,
    line_id: uuid.UUID,
    organisation_id: uuid.UUID,
    db: DbDep,
    settings: SettingsDep,
    actor: Writer,
) -> Response:
    form = await request.form()
    try:
        data = form_model(form, OwnerRemove)
        services.remove_owner(db, actor, line_id, organisation_id, data.reason, data.version)
    except (InvalidInput, Conflict) as exc:
        db.rollback()
        message = exc.message
        line = services.get_line(db, actor, line_id)
        context = {**_line_context(db, actor, line, settings)}
        context["errors"] = {f"remove-reason-{organisation_id}": message}
        return render(request, "lines/line.html", context, status_code=exc.status)
    return see_other(f"/lines/{line_id}#owners")


@router.post("/lines/{line_id}/update", include_in_schema=False)
async def accept_update_page(
    request: Request, line_id: uuid.UUID, db: DbDep, actor: Writer
) -> Response:
    form = await request.form()
    try:
        data = form_model(form, UpdateAccept)
        updating.update_from_finding(db, actor, line_id, data.finding_id, data.version)
    except (InvalidInput, Conflict) as exc:
        db.rollback()
        errors = {"updates": exc.message}
        context = {**_list_context(db, actor), "errors": errors}
        return render(request, "lines/list.html", context, status_code=exc.status)
    return see_other(f"/lines/{line_id}")


@router.post("/lines/{line_id}/intelligence", include_in_schema=False)
async def intelligence_page(
    request: Request,
    line_id: uuid.UUID,
    db: DbDep,
    settings: SettingsDep,
    actor: IntelligenceWriter,
) -> Response:
    form = await request.form()
    try:
        data = form_model(form, IntelligenceCreate).model_copy(update={"line_ids": [line_id]})
        services.record_intelligence(db, actor, data)
    except InvalidInput as exc:
        db.rollback()
        line = services.get_line(db, actor, line_id)
        errors = {"text" if k == "line_ids[0]" else k: v for k, v in exc.errors.items()}
        context = {
            **_line_context(db, actor, line, settings),
            "errors": errors,
            "values": dict(form),
        }
        return render(request, "lines/line.html", context, status_code=exc.status)
    return see_other(f"/lines/{line_id}#intelligence")


@router.post("/deconfliction/alerts/{alert_id}/acknowledge", include_in_schema=False)
async def acknowledge_page(
    request: Request, alert_id: uuid.UUID, db: DbDep, actor: Writer
) -> Response:
    """Record, from the Lines page, that the organisation has acted on one of its alerts."""
    form = await request.form()
    field = f"note-{alert_id}"
    try:
        data = form_model(_fields({"note": form.get(field)}), AlertAcknowledge)
        deconfliction.acknowledge_alert(db, actor, alert_id, data)
    except (InvalidInput, Conflict) as exc:
        db.rollback()
        if any(a.alert_id == alert_id and a.acknowledged for a in deconfliction.alerts(db, actor)):
            return see_other("/lines#alerts")  # sent twice, or by a colleague meanwhile: done
        message = next(iter(exc.errors.values())) if isinstance(exc, InvalidInput) else exc.message
        context = {**_list_context(db, actor), "errors": {field: message}, "values": dict(form)}
        return render(request, "lines/list.html", context, status_code=exc.status)
    return see_other("/lines#alerts")


@router.get("/deconfliction", include_in_schema=False)
def matches_page(request: Request, db: DbDep, actor: Coordinator) -> Response:
    context = {
        "matches": deconfliction.list_matches(db, actor),
        "intelligence_matches": intelligence_matches.list_intelligence_matches(db, actor),
        "outcomes": OUTCOMES,
    }
    return render(request, "lines/matches.html", context)


@router.get("/deconfliction/{match_id}", include_in_schema=False)
def match_page(request: Request, match_id: uuid.UUID, db: DbDep, actor: Coordinator) -> Response:
    match = deconfliction.get_match(db, actor, match_id)
    return render(request, "lines/match.html", _match_context(match))


@router.post("/deconfliction/{match_id}", include_in_schema=False)
async def resolve_page(
    request: Request, match_id: uuid.UUID, db: DbDep, actor: Coordinator
) -> Response:
    form = await request.form()
    try:
        deconfliction.resolve_match(db, actor, match_id, form_model(form, MatchResolve))
    except (InvalidInput, Conflict) as exc:
        match = deconfliction.get_match(db, actor, match_id)
        errors = exc.errors if isinstance(exc, InvalidInput) else {"outcome": exc.message}
        context = {**_match_context(match), "errors": errors, "values": dict(form)}
        return render(request, "lines/match.html", context, status_code=exc.status)
    return see_other("/deconfliction")


OUTCOMES = {
    Resolution.LEAD_FORCE_AGREED.value: "Lead force agreed",
    Resolution.JOINT_OPERATION.value: "Joint operation",
    Resolution.NO_CONFLICT.value: "No conflict",
}


def _match_context(match: MatchRead) -> dict[str, Any]:
    return {
        "match": match,
        "outcomes": OUTCOMES,
        "outcome_options": list(OUTCOMES.items()),
        "lead_options": [(str(side.organisation_id), side.organisation) for side in match.lines],
        "values": {},
    }


def _list_context(db: Session, actor: Actor) -> dict[str, Any]:
    lines = services.list_lines(db, actor)
    names = organisation_names(db, {line.owner_id for line in lines})
    writer = actor.can(Permission.LINES_WRITE)
    return {
        "lines": [LineSummary.of(line, names[line.owner_id]) for line in lines],
        "national": actor.can(Permission.LINES_NATIONAL),
        "findings": services.findings_to_confirm(db, actor) if writer else [],
        "updates": [_update_read(u) for u in updating.updates_from_latest_run(db, actor)]
        if writer
        else [],
        # Those not yet acted on first, each group newest first.
        "alerts": sorted(deconfliction.alerts(db, actor), key=lambda a: a.acknowledged is not None),
        "intelligence_alerts": intelligence_matches.intelligence_alerts(db, actor),
        "writer": writer,
        "values": {},
    }


def _line_context(
    db: Session,
    actor: Actor,
    line: Line,
    settings: Settings,
    window: network.Window | None = None,
) -> dict[str, Any]:
    current = STATUSES[line.status]
    alerts = [a for a in deconfliction.alerts(db, actor, line_id=line.id) if a.line_id == line.id]
    held_elsewhere = [
        a
        for a in intelligence_matches.intelligence_alerts(db, actor, line_id=line.id)
        if a.line_id == line.id
    ]
    return {
        "line": _read(db, actor, line),
        "alerts": alerts,
        "intelligence_alerts": held_elsewhere,
        "mine": line.held_by(actor.organisation_id),
        "writer": actor.can(Permission.LINES_WRITE) and line.held_by(actor.organisation_id),
        "lead": actor.can(Permission.LINES_WRITE) and line.owner_id == actor.organisation_id,
        "forces": _forces_to_add(db, line),
        "outcomes_writer": may_record_outcomes(actor, line),
        "orders_apply": actor.can(Permission.ORDERS_APPLY) and line.held_by(actor.organisation_id),
        "person_records": _person_records(db, actor, line),
        "person_reader": actor.can(Permission.PEOPLE_READ),
        "next_statuses": [(s, STATUSES[s].label) for s in current.next],
        "force_options": sorted(((f.id, f.name) for f in FORCES.values()), key=lambda f: f[1]),
        "person_roles": PERSON_ROLES,
        "closure_options": [(c.value, text) for c, text in CLOSURE_LABELS.items()],
        "closure_labels": {c.value: text for c, text in CLOSURE_LABELS.items()},
        "values": {},
        **_intelligence_context(db, actor, line),
        **_charts_context(db, settings, line, window or network.Window()),
    }


def _charts_context(
    db: Session, settings: Settings, line: Line, window: network.Window
) -> dict[str, Any]:
    """The heat map, the network (whole, for the chart; within ``window``, for its table)
    and the areas, from the line the page read (audited once, by ``get_line``)."""
    whole = network.network_of(db, settings, line)
    areas = charts.areas(line)
    return {
        "activity": charts.activity(db, settings, line),
        "network_json": whole.as_json(),
        "network": whole.within(window),
        "network_labels": {node.id: node.label for node in whole.nodes},
        "areas": areas,
        "areas_json": LineAreasRead.of(areas).model_dump_json(),
        "window_values": {"from": "", "to": ""},
        "expand": "",
        "contacts": None,
        "contacts_limit": network.CONTACTS_DEFAULT,
        "network_expandable": [node for node in whole.nodes if node.number],
    }


def _window_of(shown: dict[str, str]) -> network.Window:
    """The page's date filter from its query (``from``, ``to``: YYYY-MM-DD, either may be empty)."""
    days: dict[str, date | None] = {}
    for key, value in shown.items():
        try:
            days[key] = date.fromisoformat(value) if value else None
        except ValueError:
            raise InvalidInput(
                f"Enter the '{key}' date as a real date, like 2025-10-31.", field=key
            ) from None
    return network.Window.of(days["from"], days["to"])


def _intelligence_context(db: Session, actor: Actor, line: Line) -> dict[str, Any]:
    """The intelligence linked to the line (audited) and the grading to record more."""
    if not actor.can(Permission.INTELLIGENCE_READ):
        return {"intelligence": None}
    found = services.search_intelligence(db, actor, line_id=line.id)

    return {
        "intelligence": [IntelligenceRead.of(i) for i in found],
        "intelligence_people": services.people_named(db, actor, found),
        "intelligence_writer": actor.can(Permission.INTELLIGENCE_WRITE)
        and line.owner_id == actor.organisation_id,
        **grading.form_choices(),
    }


# --- API ----------------------------------------------------------------------------------------


@router.get("/api/lines", tags=["lines"])
def api_lines(
    db: DbDep, actor: Reader, status: LineStatus | None = None, person_id: uuid.UUID | None = None
) -> list[LineSummary]:
    """Your organisation's lines (every organisation's for a national coordinator).

    Without numbers, handsets or people; read a line for those (audited). With
    `person_id`, one of your person records: only the lines holding one of its phone
    numbers, as a person on the line or its number (needs `people.read`; audited on the
    person record).
    """
    if person_id is not None:
        lines = list(people.lines_of_person(db, actor, person_id, via="api")[1])
        if status is not None:
            lines = [line for line in lines if line.status == status.value]
    else:
        lines = list(services.list_lines(db, actor, status=status))
    names = organisation_names(db, {line.owner_id for line in lines})
    return [LineSummary.of(line, names[line.owner_id]) for line in lines]


@router.post("/api/lines", tags=["lines"], status_code=201)
def api_create(data: LineCreate, db: DbDep, actor: Writer) -> LineRead:
    """Record a line by hand, suspected or confirmed, with its numbers, handsets and people.

    A number active in another of your active lines over an overlapping period
    is refused (422). Other organisations' lines holding a number or handset
    of it raise an alert for both (`/api/deconfliction/alerts`).
    """
    return _read(db, actor, services.create_line(db, actor, data, via="api"))


@router.post("/api/lines/from-finding", tags=["lines"], status_code=201)
def api_confirm(data: FindingConfirm, db: DbDep, actor: Writer) -> LineRead:
    """Confirm an analysis finding of kind `line` into the register, as a confirmed line.

    Confirming the same finding, or another run's finding of the same analysis
    line, again is refused (409) naming the line it became.
    """
    return _read(db, actor, services.confirm_finding(db, actor, data, via="api"))


@router.get("/api/lines/updates", tags=["lines"])
def api_updates(db: DbDep, actor: Writer) -> list[UpdateRead]:
    """What your latest analysis run found of your lines that they do not hold yet."""
    return [_update_read(u) for u in updating.updates_from_latest_run(db, actor, via="api")]


@router.get("/api/lines/{line_id}", tags=["lines"])
def api_line(line_id: uuid.UUID, db: DbDep, actor: Reader) -> LineRead:
    """A line with its numbers, handsets, people and timeline. Audited as a consultation."""
    return _read(db, actor, services.get_line(db, actor, line_id, via="api"))


@router.post("/api/lines/{line_id}/status", tags=["lines"])
def api_status(line_id: uuid.UUID, data: StatusChange, db: DbDep, actor: Writer) -> LineRead:
    """Change a line's status, with the reason and the `version` you read (409 if stale).

    Allowed changes: see docs/lines.md; another is refused (422) naming those allowed.
    """
    return _read(db, actor, services.change_status(db, actor, line_id, data, via="api"))


@router.post("/api/lines/{line_id}/closure-type", tags=["lines"])
def api_correct_closure(
    line_id: uuid.UUID, data: ClosureCorrection, db: DbDep, actor: Writer
) -> LineRead:
    """Put right how a closed line was closed (`type_1` or `type_2`), with the reason and
    the `version` you read; the closure counts as the corrected type from then on."""
    return _read(db, actor, services.correct_closure(db, actor, line_id, data, via="api"))


@router.post("/api/lines/{line_id}/numbers", tags=["lines"], status_code=201)
def api_add_number(line_id: uuid.UUID, data: NumberAdd, db: DbDep, actor: Writer) -> LineRead:
    """Add a number the line used, with the period it used it (`valid_to` null: still)."""
    return _read(db, actor, services.add_number(db, actor, line_id, data, via="api"))


@router.post("/api/lines/{line_id}/handsets", tags=["lines"], status_code=201)
def api_add_handset(line_id: uuid.UUID, data: HandsetAdd, db: DbDep, actor: Writer) -> LineRead:
    """Add a handset (IMEI) the line used, with the period it used it."""
    return _read(db, actor, services.add_handset(db, actor, line_id, data, via="api"))


@router.post("/api/lines/{line_id}/numbers/{number_id}/end", tags=["lines"])
def api_end_number(
    line_id: uuid.UUID, number_id: uuid.UUID, data: PeriodEnd, db: DbDep, actor: Writer
) -> LineRead:
    """Record when the line stopped using a number (`number_id`: the period's `id` in the
    line's `numbers`), with the `version` you read. An end may be set or moved earlier."""
    return _read(db, actor, services.end_number(db, actor, line_id, number_id, data, via="api"))


@router.post("/api/lines/{line_id}/handsets/{handset_id}/end", tags=["lines"])
def api_end_handset(
    line_id: uuid.UUID, handset_id: uuid.UUID, data: PeriodEnd, db: DbDep, actor: Writer
) -> LineRead:
    """Record when the line stopped using a handset, as for a number."""
    return _read(db, actor, services.end_handset(db, actor, line_id, handset_id, data, via="api"))


@router.post("/api/lines/{line_id}/people", tags=["lines"], status_code=201)
def api_add_person(line_id: uuid.UUID, data: PersonAdd, db: DbDep, actor: Writer) -> LineRead:
    """Add a person to the line, known by their phone number, with a role (`controller`,
    `runner`, `cuckooed`), a confidence from 0 to 1 if judged, `possible_child` (raises a
    safeguarding concern) and, if known, `person_record_id`: one of your organisation's
    person records (needs `people.read`). Other organisations' lines with a person using
    the number are matched and both alerted."""
    return _read(db, actor, people.add_person(db, actor, line_id, data, via="api"))


@router.put("/api/lines/{line_id}/people/{person_id}", tags=["lines"])
def api_change_person(
    line_id: uuid.UUID, person_id: uuid.UUID, data: PersonChange, db: DbDep, actor: Writer
) -> LineRead:
    """Put right a line person's role, confidence and `possible_child` (`person_id`: their
    `id` in the line's `people`), with the reason and the `version` you read.
    `person_record_id`: left out, the link stays; one of your organisation's records links
    them to it; null unlinks your own (another organisation's link is theirs to change)."""
    return _read(db, actor, people.change_person(db, actor, line_id, person_id, data, via="api"))


@router.post("/api/lines/{line_id}/people/{person_id}/removal", tags=["lines"])
def api_remove_person(
    line_id: uuid.UUID, person_id: uuid.UUID, data: PersonRemoval, db: DbDep, actor: Writer
) -> LineRead:
    """Take a person off the line, with the reason and the `version` you read; the timeline
    keeps who they were."""
    return _read(db, actor, people.remove_person(db, actor, line_id, person_id, data, via="api"))


@router.put("/api/lines/{line_id}/details", tags=["lines"])
def api_details(line_id: uuid.UUID, data: LineDetails, db: DbDep, actor: Writer) -> LineRead:
    """Correct the line's brand names and its hub and county areas (force ids), with the
    `version` you read; each replaces what is held, and the timeline keeps the old."""
    return _read(db, actor, services.change_details(db, actor, line_id, data, via="api"))


@router.get("/api/lines/{line_id}/activity", tags=["lines"])
def api_activity(
    line_id: uuid.UUID, db: DbDep, settings: SettingsDep, actor: Reader
) -> ActivityRead:
    """The line's calls and texts by local day of the week and hour (UK time), from your
    organisation's comms data (the line owner's, for a coordinator), each number's events
    within its period. Audited as reading the line."""
    return ActivityRead.of(charts.line_activity(db, actor, settings, line_id, via="api"))


@router.get("/api/lines/{line_id}/network", tags=["lines"])
def api_network(
    line_id: uuid.UUID,
    db: DbDep,
    settings: SettingsDep,
    actor: Reader,
    since: Annotated[date | None, Query(alias="from")] = None,
    until: Annotated[date | None, Query(alias="to")] = None,
) -> NetworkRead:
    """The line's network: the line, its numbers, handsets and people, and what joins them.
    `from` and `to` (dates, inclusive) keep what was valid on a day between them. Audited
    as reading the line."""
    window = network.Window.of(since, until)
    return NetworkRead.of(network.line_network(db, actor, settings, line_id, window, via="api"))


@router.get("/api/lines/{line_id}/contacts", tags=["lines"])
def api_contacts(
    line_id: uuid.UUID,
    number: str,
    db: DbDep,
    settings: SettingsDep,
    actor: Reader,
    limit: int = network.CONTACTS_DEFAULT,
) -> NumberContactsRead:
    """The numbers most often in contact with `number`, one of the line's numbers or a
    person's on it (404 otherwise): at most `limit` (1 to 25, default 10). Audited as
    reading the line."""
    found = network.number_contacts(db, actor, settings, line_id, number, limit=limit, via="api")
    return NumberContactsRead.of(found)


@router.get("/api/lines/{line_id}/areas", tags=["lines"])
def api_areas(line_id: uuid.UUID, db: DbDep, actor: Reader) -> LineAreasRead:
    """The line's hub and county force areas, with the `code` of each in the boundary file
    (`/api/areas/boundaries/force_areas`). Audited as reading the line."""
    return LineAreasRead.of(charts.line_areas(db, actor, line_id, via="api"))


@router.post("/api/lines/{line_id}/owners", tags=["lines"], status_code=201)
def api_add_owner(line_id: uuid.UUID, data: OwnerAdd, db: DbDep, actor: Writer) -> LineRead:
    """Make another force a co-owner of your line, with why (its lead owner only; audited)."""
    line = services.add_owner(
        db, actor, line_id, data.organisation_id, data.reason, data.version, via="api"
    )
    return _read(db, actor, line)


@router.post("/api/lines/{line_id}/owners/{organisation_id}/removal", tags=["lines"])
def api_remove_owner(
    line_id: uuid.UUID, organisation_id: uuid.UUID, data: OwnerRemove, db: DbDep, actor: Writer
) -> LineRead:
    """End a force's co-ownership of your line, with why (its lead owner only; audited)."""
    line = services.remove_owner(
        db, actor, line_id, organisation_id, data.reason, data.version, via="api"
    )
    return _read(db, actor, line)


@router.post("/api/lines/{line_id}/updates", tags=["lines"])
def api_accept_update(line_id: uuid.UUID, data: UpdateAccept, db: DbDep, actor: Writer) -> LineRead:
    """Add to the line what a later finding of it holds (numbers, handsets, people)."""
    line = updating.update_from_finding(
        db, actor, line_id, data.finding_id, data.version, via="api"
    )
    return _read(db, actor, line)


@router.get("/api/deconfliction/alerts", tags=["lines"])
def api_alerts(db: DbDep, actor: Reader) -> list[AlertRead]:
    """Your organisation's deconfliction alerts: which of your lines another organisation's
    line matches, on which number, handset or person, and whom to contact there; whether you
    and they have recorded acting on it. Audited."""
    return deconfliction.alerts(db, actor, via="api")


@router.get("/api/deconfliction/intelligence-alerts", tags=["lines"])
def api_intelligence_alerts(db: DbDep, actor: Reader) -> list[IntelligenceAlertRead]:
    """Your organisation's intelligence matches: another organisation holds intelligence
    about a number your line holds, or holds your intelligence's number on a line or in
    intelligence of its own; whom to contact there. Nothing of their record. Audited."""
    return intelligence_matches.intelligence_alerts(db, actor, via="api")


@router.get("/api/deconfliction/intelligence-matches", tags=["lines"])
def api_intelligence_matches(db: DbDep, actor: Coordinator) -> list[IntelligenceMatchRead]:
    """Every intelligence match between organisations, both sides. Audited."""
    return intelligence_matches.list_intelligence_matches(db, actor, via="api")


@router.post("/api/deconfliction/alerts/{alert_id}/acknowledgement", tags=["lines"])
def api_acknowledge_alert(
    alert_id: uuid.UUID, data: AlertAcknowledge, db: DbDep, actor: Writer
) -> AlertRead:
    """Record that your organisation has acted on an alert (say, contacted the other
    organisation), with an optional `note`; once an organisation. The other organisation
    is told when, never the note."""
    return deconfliction.acknowledge_alert(db, actor, alert_id, data, via="api")


@router.get("/api/deconfliction/matches", tags=["lines"])
def api_matches(db: DbDep, actor: Coordinator, open_only: bool = False) -> list[MatchRead]:
    """Every match between organisations' lines, for a national coordinator. Audited."""
    return deconfliction.list_matches(db, actor, open_only=open_only, via="api")


@router.post("/api/deconfliction/matches/{match_id}/resolution", tags=["lines"])
def api_resolve(
    match_id: uuid.UUID, data: MatchResolve, db: DbDep, actor: Coordinator
) -> MatchRead:
    """Record a match's resolution: lead force agreed (name it), joint operation or no
    conflict; send the `version` you read (409 if stale)."""
    return deconfliction.resolve_match(db, actor, match_id, data, via="api")


@router.post("/api/intelligence", tags=["lines"], status_code=201)
def api_record_intelligence(
    data: IntelligenceCreate, db: DbDep, actor: IntelligenceWriter
) -> IntelligenceRead:
    """Record a piece of intelligence graded 3x5x2: source evaluation `1`-`3`,
    intelligence assessment `A`-`E`, handling code `P` or `C` (with its conditions),
    linked to your own lines, to numbers, to people by their number and to your own
    person records (`person_ids`). Audited."""
    return IntelligenceRead.of(services.record_intelligence(db, actor, data, via="api"))


@router.get("/api/intelligence", tags=["lines"])
def api_search_intelligence(
    db: DbDep,
    actor: IntelligenceReader,
    text: str | None = None,
    number: str | None = None,
    line_id: uuid.UUID | None = None,
    person_id: uuid.UUID | None = None,
) -> list[IntelligenceRead]:
    """The intelligence you may read matching every criterion given, newest first:
    `text` (any part, any case), `number` (linked as a number or a person's),
    `line_id`, `person_id` (one of your person records). Each record returned is
    audited as a consultation."""
    found = services.search_intelligence(
        db, actor, text=text, number=number, line_id=line_id, person_id=person_id, via="api"
    )
    return [IntelligenceRead.of(intelligence) for intelligence in found]


@router.get("/api/intelligence/{intelligence_id}", tags=["lines"])
def api_intelligence(
    intelligence_id: uuid.UUID, db: DbDep, actor: IntelligenceReader
) -> IntelligenceRead:
    """One piece of intelligence with its grading and links. Audited as a consultation."""
    return IntelligenceRead.of(services.get_intelligence(db, actor, intelligence_id, via="api"))


@router.post("/api/intelligence/{intelligence_id}/grading", tags=["lines"])
def api_regrade_intelligence(
    intelligence_id: uuid.UUID, data: IntelligenceRegrade, db: DbDep, actor: IntelligenceWriter
) -> IntelligenceRead:
    """Change your organisation's intelligence's 3x5x2 grading, with the reason and the
    `version` you read (409 if stale); its `history` keeps the grading before and after."""
    return IntelligenceRead.of(
        services.regrade_intelligence(db, actor, intelligence_id, data, via="api")
    )


def _read(db: Session, actor: Actor, line: Line) -> LineRead:
    """The line as ``actor`` reads it: a line person's person record is given by its id only
    to the organisation whose record it is; anyone else reads only that one is linked."""
    read = LineRead.of_owned(line, organisation_names(db, line.owner_ids))
    linked = {p.person_record_id for p in read.people if p.person_record_id is not None}
    own = people_records.records_by_id(db, actor.organisation_id, linked)
    for person in read.people:
        if person.person_record_id is not None and person.person_record_id not in own:
            person.person_record_id = None
    return read


def _update_read(update: updating.Update) -> UpdateRead:
    return UpdateRead(
        finding_id=update.finding.id,
        analysis_line_id=update.finding.line_id,
        run_id=update.finding.run_id,
        score=update.finding.score,
        line_id=update.line.id,
        line_reference=update.line.reference,
        version=update.line.version,
        numbers=list(update.numbers),
        handsets=list(update.handsets),
        people=[
            PersonRead(
                number=p.number,
                role=p.role.value,
                confidence=p.confidence,
                possible_child=p.possible_child,
            )
            for p in update.people
        ],
        numbers_ended=list(update.ended),
    )


def _forces_to_add(db: Session, line: Line) -> list[tuple[str, str]]:
    """(id, name) of every organisation that may own lines and does not own this one."""
    rows = db.execute(
        select(Organisation.id, Organisation.name)
        .where(Organisation.kind.in_(OWNING_KINDS), Organisation.id.not_in(line.owner_ids))
        .order_by(Organisation.name)
    )
    return [(str(row.id), row.name) for row in rows]


def _person_records(db: Session, actor: Actor, line: Line) -> dict[str, list[PersonRecordLink]]:
    """For each of the line's people, the actor's organisation's person records linked to
    them or holding their number.

    Only the actor's own records, and only for readers of person records; the
    records are not opened here, so this reads nothing but their references.
    """
    if not actor.can(Permission.PEOPLE_READ):
        return {}
    linked = people_records.records_by_id(
        db,
        actor.organisation_id,
        {p.person_record_id for p in line.people if p.person_record_id is not None},
    )
    found: dict[str, list[PersonRecordLink]] = {}
    for person in line.people:
        held = list(people_records.records_with_number(db, actor.organisation_id, person.number))
        own = linked.get(person.person_record_id) if person.person_record_id else None
        if own is not None and own not in held:
            held.insert(0, own)
        for record in held:
            found.setdefault(person.number, []).append(
                PersonRecordLink(reference=record.reference, url=record.url)
            )
    return found
