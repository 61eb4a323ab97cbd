"""Programme pages: a young person's programmes, the provider's referrals received, and
the programmes an organisation delivers.

A safeguarding practitioner of an organisation on a young person's case sees
every catalogue programme, open to them or not and why, who delivers each,
and refers them from ``/programmes/young-people/{id}`` (linked from the case
page, not from the navigation). A provider sees the summary it was sent and
nothing of the young person's case. An organisation's administrator says which
catalogue programmes it delivers on ``/organisation/programmes``, so that cases can
refer to it and a grant can name it. Every rule is in ``referrals``; a page
parses the form, calls the service and shows the result, or the same page
again with a GOV.UK error summary and the values given.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from crossline.auth.actor import Actor
from crossline.auth.dependencies import allowed
from crossline.auth.permissions import Permission
from crossline.core.calendar import UK
from crossline.core.dependencies import DbDep
from crossline.core.errors import Conflict, InvalidInput, NotFound
from crossline.core.pages import NavItem, add_navigation, render, see_other
from crossline.programmes import referrals as services
from crossline.programmes.catalogue import PROGRAMMES
from crossline.programmes.schemas import (
    CompleteIn,
    DeclineIn,
    DeliveryIn,
    ProgrammesFor,
    ReferralIn,
    ReferralState,
    StepIn,
)
from crossline.safeguarding.reference import VOCABULARY
from crossline.safeguarding.services.access import case_of

pages = APIRouter()
add_navigation(
    NavItem("Referrals received", "/programmes/referrals", Permission.REFERRALS_RECEIVE.value, 60)
)
DELIVERIES_PAGE = "/organisation/programmes"
add_navigation(
    NavItem("Programmes we deliver", DELIVERIES_PAGE, Permission.ORGANISATION_MANAGE.value, 82)
)

Provider = Annotated[Actor, allowed(Permission.REFERRALS_RECEIVE)]
Manager = Annotated[Actor, allowed(Permission.ORGANISATION_MANAGE)]
Reader = Annotated[Actor, allowed(Permission.SAFEGUARDING_READ)]
Referrer = Annotated[Actor, allowed(Permission.SAFEGUARDING_WRITE)]
PageError = (InvalidInput, Conflict)
M = TypeVar("M", bound=BaseModel)

STATE_LABELS = {
    ReferralState.SENT: "New",
    ReferralState.ACCEPTED: "Accepted",
    ReferralState.DECLINED: "Declined",
    ReferralState.ENROLLED: "Enrolled",
    ReferralState.COMPLETED: "Completed",
    ReferralState.WITHDRAWN: "Withdrawn",
}
STATE_TAGS = {
    ReferralState.SENT: "govuk-tag--blue",
    ReferralState.ACCEPTED: "govuk-tag--turquoise",
    ReferralState.DECLINED: "govuk-tag--red",
    ReferralState.ENROLLED: "govuk-tag--green",
    ReferralState.COMPLETED: "govuk-tag--grey",
    ReferralState.WITHDRAWN: "govuk-tag--grey",
}
# The same states as the referring organisation reads them (a provider's "New" is "Sent").
CASE_STATE_LABELS = STATE_LABELS | {ReferralState.SENT: "Sent"}
# What to do about a field a step's form left out.
_MESSAGES = {
    "version": "Reload the page and try again: the form was incomplete.",
    "reason": "Say why you decline this referral.",
    "outcome": "Choose how the programme ended.",
}
# What to do about a field the referral form left out or got wrong.
_REFER_MESSAGES = {
    "reason": "Say why you refer them to this programme.",
    "override_reason": "Say why you refer them although the programme's rules are not met.",
    "programme_id": "Choose a programme from the list, then refer them again.",
    "provider_id": "Choose an organisation that delivers the programme, then refer them again.",
    "young_person_id": "Reload the page and try again: the form was incomplete.",
}


# --- a young person's programmes (the case's side) ----------------------------------------------


@pages.get("/programmes/young-people/{young_person_id}", include_in_schema=False)
def young_person_page(
    request: Request, young_person_id: uuid.UUID, db: DbDep, actor: Reader, sent: str = ""
) -> Response:
    """Every programme for a young person of the organisation's cases, and their referrals.

    Open to them or not, with each reason; who delivers each, with a form to
    refer them there. Judging is audited by the service as a consultation.
    """
    context = _young_person_context(db, actor, young_person_id) | {"sent": sent == "1"}
    return render(request, "programmes/young_person.html", context)


@pages.post("/programmes/young-people/{young_person_id}/referrals", include_in_schema=False)
async def refer_page(
    request: Request, young_person_id: uuid.UUID, db: DbDep, actor: Referrer
) -> Response:
    """Refer the young person to one programme at one delivering organisation."""
    form = await request.form()
    programme_id = str(form.get("programme_id", ""))
    provider_id = str(form.get("provider_id", ""))
    prefix = refer_prefix(programme_id, provider_id)
    try:
        fields = _given(
            form,
            programme_id="programme_id",
            provider_id="provider_id",
            reason=f"{prefix}-reason",
            override_reason=f"{prefix}-override_reason",
        )
        data = _parse(
            ReferralIn, {"young_person_id": str(young_person_id), **fields}, _REFER_MESSAGES
        )
        services.refer(db, actor, young_person_id, data)
    except PageError as exc:
        db.rollback()
        context = _young_person_context(db, actor, young_person_id)
        errors = _refer_errors(exc, prefix, context["prefixes"])
        values = {k: str(v) for k, v in form.items() if k != "csrf_token"}
        context |= {"errors": errors, "values": values, "open_form": prefix, "sent": False}
        return render(request, "programmes/young_person.html", context, status_code=exc.status)
    return see_other(f"/programmes/young-people/{young_person_id}?sent=1#referrals")


def refer_prefix(programme_id: str, provider_id: str) -> str:
    """The prefix of one referral form's fields, unique on the page: ``refer-<programme>-<org>``."""
    return f"refer-{programme_id}-{provider_id}"


def _young_person_context(db: Session, actor: Actor, young_person_id: uuid.UUID) -> dict[str, Any]:
    judged = services.programmes_for(db, actor, young_person_id)  # checks the case; audited
    young_person = case_of(db, actor, young_person_id)
    found = services.referrals_of_cases(db, actor, young_person_id)
    made = [services.read_for_case(db, r) for r in found]
    return {
        "young_person": {
            "id": young_person.id,
            "name": young_person.name,
            "reference": young_person.reference,
            "url": young_person.url,
        },
        "judged": judged,
        "programmes": _programmes(judged),
        "prefixes": {
            refer_prefix(o.programme_id, str(p.organisation_id))
            for o in judged.programmes
            for p in o.providers
        },
        "referrals": [
            {
                "programme": r.programme,
                "provider": r.provider,
                "sent_at": uk_time(r.sent_at),
                "sent_by": r.sent_by,
                "state": CASE_STATE_LABELS[r.state],
                "tag": STATE_TAGS[r.state],
                "outcome": _outcome(r.outcome_label, r.outcome_note, r.decision_reason),
                "override_reason": r.override_reason if not r.eligible_when_sent else None,
            }
            for r in made
        ],
        "may_refer": actor.can(Permission.SAFEGUARDING_WRITE),
        "open_form": None,
        "values": {},
    }


def _programmes(judged: ProgrammesFor) -> list[dict[str, Any]]:
    """The programmes open to them first, each keeping the catalogue's order."""
    ordered = sorted(judged.programmes, key=lambda o: not o.open)
    return [
        {
            "id": o.programme_id,
            "label": o.programme,
            "open": o.open,
            "reasons": o.reasons,
            "providers": [
                {
                    "id": str(p.organisation_id),
                    "name": p.organisation,
                    "note": p.note,
                    "prefix": refer_prefix(o.programme_id, str(p.organisation_id)),
                }
                for p in o.providers
            ],
        }
        for o in ordered
    ]


def _outcome(label: str | None, note: str | None, declined_because: str | None) -> str:
    if declined_because:
        return f"Declined: {declined_because}"
    if label:
        return label + (f": {note}" if note else "")
    return ""


def _refer_errors(exc: InvalidInput | Conflict, prefix: str, prefixes: set[str]) -> dict[str, str]:
    """The error summary's entries, each linked to a field of the form that was sent.

    A form the page does not hold (a programme no longer delivered there, say)
    is pointed at the page's heading.
    """
    fields = exc.errors if isinstance(exc, InvalidInput) and exc.errors else {"form": exc.message}
    if prefix not in prefixes:
        return {"programmes": " ".join(dict.fromkeys(fields.values()))}
    named = {"reason", "override_reason"}
    errors: dict[str, str] = {}
    for field, message in fields.items():
        errors.setdefault(f"{prefix}-{field if field in named else 'form'}", message)
    return errors


# --- the inbox ----------------------------------------------------------------------------------


@pages.get("/programmes/referrals", include_in_schema=False)
def inbox_page(request: Request, db: DbDep, actor: Provider, state: str | None = None) -> Response:
    """The referrals made to the organisation, newest first, in one state if chosen."""
    chosen = ReferralState(state) if state in {s.value for s in ReferralState} else None
    found = services.inbox(db, actor, chosen)
    rows = []
    for referral in found:
        read = services.read_received(db, referral)
        rows.append(
            {
                "id": read.referral_id,
                "name": read.summary.name,
                "programme": read.programme,
                "referrer": read.referrer,
                "sent_at": uk_time(read.sent_at),
                "state": STATE_LABELS[read.state],
                "tag": STATE_TAGS[read.state],
            }
        )
    filters = [
        {"value": s.value, "label": STATE_LABELS[s], "current": s is chosen} for s in ReferralState
    ]
    context = {"rows": rows, "filters": filters, "chosen": chosen}
    return render(request, "programmes/inbox.html", context)


# --- one referral -------------------------------------------------------------------------------


@pages.get("/programmes/referrals/{referral_id}", include_in_schema=False)
def referral_page(request: Request, referral_id: uuid.UUID, db: DbDep, actor: Provider) -> Response:
    return render(request, "programmes/referral.html", _context(db, actor, referral_id))


@pages.post("/programmes/referrals/{referral_id}/acceptance", include_in_schema=False)
async def accept_page(
    request: Request, referral_id: uuid.UUID, db: DbDep, actor: Provider
) -> Response:
    form = await request.form()
    try:
        data = _parse(StepIn, _given(form, version="version", note="accept-note"))
        services.accept(db, actor, referral_id, data)
    except PageError as exc:
        return _again(request, db, actor, referral_id, exc, form, {"note": "accept-note"})
    return see_other(f"/programmes/referrals/{referral_id}")


@pages.post("/programmes/referrals/{referral_id}/decline", include_in_schema=False)
async def decline_page(
    request: Request, referral_id: uuid.UUID, db: DbDep, actor: Provider
) -> Response:
    form = await request.form()
    try:
        data = _parse(DeclineIn, _given(form, version="version", reason="reason"))
        services.decline(db, actor, referral_id, data)
    except PageError as exc:
        return _again(request, db, actor, referral_id, exc, form, {})
    return see_other(f"/programmes/referrals/{referral_id}")


@pages.post("/programmes/referrals/{referral_id}/enrolment", include_in_schema=False)
async def enrol_page(
    request: Request, referral_id: uuid.UUID, db: DbDep, actor: Provider
) -> Response:
    form = await request.form()
    try:
        data = _parse(StepIn, _given(form, version="version", note="enrol-note"))
        services.enrol(db, actor, referral_id, data)
    except PageError as exc:
        return _again(request, db, actor, referral_id, exc, form, {"note": "enrol-note"})
    return see_other(f"/programmes/referrals/{referral_id}")


@pages.post("/programmes/referrals/{referral_id}/completion", include_in_schema=False)
async def complete_page(
    request: Request, referral_id: uuid.UUID, db: DbDep, actor: Provider
) -> Response:
    form = await request.form()
    try:
        fields = _given(form, version="version", outcome="outcome", note="outcome-note")
        services.complete(db, actor, referral_id, _parse(CompleteIn, fields))
    except PageError as exc:
        return _again(request, db, actor, referral_id, exc, form, {"note": "outcome-note"})
    return see_other(f"/programmes/referrals/{referral_id}")


def _context(db: Session, actor: Actor, referral_id: uuid.UUID) -> dict[str, Any]:
    read = services.read_received(db, services.received(db, actor, referral_id))
    return {
        "referral": read,
        "state_label": STATE_LABELS[read.state],
        "tag": STATE_TAGS[read.state],
        "sent_at_uk": uk_time(read.sent_at),
        "history": [
            {
                "at": uk_time(e.at),
                "what": services.STEP_WORDS[e.state].capitalize(),
                "by": f"{e.by}, {e.organisation}",
                "note": e.note or "",
            }
            for e in read.history
        ],
        "may_decide": read.state is ReferralState.SENT,
        "may_enrol": read.state is ReferralState.ACCEPTED,
        "may_complete": read.state is ReferralState.ENROLLED,
        "outcomes": [(k, t.label) for k, t in VOCABULARY["referral_outcomes"].items()],
        "values": {},
    }


def _again(
    request: Request,
    db: Session,
    actor: Actor,
    referral_id: uuid.UUID,
    exc: InvalidInput | Conflict,
    form: FormData,
    rename: dict[str, str],
) -> Response:
    """The referral's page again with the error summary and what was entered."""
    db.rollback()
    context = _context(db, actor, referral_id)
    if isinstance(exc, Conflict) or not exc.errors:
        errors = {"form": exc.message}
    else:
        rename = {"version": "form", "state": "form", **rename}
        errors = {rename.get(k, k): v for k, v in exc.errors.items()}
    values = {k: str(v) for k, v in form.items() if k != "csrf_token"}
    context |= {"errors": errors, "values": values}
    return render(request, "programmes/referral.html", context, status_code=exc.status)


def _given(form: FormData, **fields: str) -> dict[str, str]:
    """The model's fields from the form's ids (``field=form id``); an empty one is not given."""
    found = {}
    for field, name in fields.items():
        value = form.get(name)
        if isinstance(value, str) and value.strip():
            found[field] = value.strip()
    return found


def _parse(model: type[M], data: dict[str, Any], messages_for: dict[str, str] | None = None) -> M:
    """``data`` as ``model``, or InvalidInput naming each wrong field (``messages_for`` says
    what to do about a missing or wrong one; a step's form by default)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        messages: dict[str, str] = {}
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "form"
            if field in messages:
                continue
            if error["type"] == "string_too_long":
                messages[field] = (
                    f"Shorten this to {error['ctx']['max_length']} characters or fewer."
                )
            else:
                messages[field] = (messages_for or _MESSAGES).get(field, f"Check the {field}.")
        raise InvalidInput.of_fields(messages) from exc


def uk_time(value: datetime) -> str:
    """An instant as people in the UK read it: '3 Dec 2026, 09:00 (UK time)'."""
    utc = value if value.tzinfo else value.replace(tzinfo=UTC)  # SQLite hands back naive UTC
    return f"{utc.astimezone(UK):%-d %b %Y, %H:%M} (UK time)"


# --- the programmes an organisation delivers ----------------------------------------------------


def _deliveries_page(
    request: Request,
    db: Session,
    actor: Actor,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    done: str | None = None,
    status_code: int = 200,
) -> Response:
    own = [d for d in services.deliveries(db) if d.organisation_id == actor.organisation_id]
    delivered = {d.programme_id for d in own}
    return render(
        request,
        "programmes/deliveries.html",
        {
            "own": own,
            "options": sorted(
                (p for p in PROGRAMMES.values() if p.id not in delivered), key=lambda p: p.label
            ),
            "programmes": PROGRAMMES,
            "values": values or {},
            "errors": errors or {},
            "done": done,
        },
        status_code=status_code,
    )


@pages.get(DELIVERIES_PAGE, include_in_schema=False)
def deliveries_page(
    request: Request, db: DbDep, actor: Manager, done: str | None = None
) -> Response:
    return _deliveries_page(request, db, actor, done=done)


@pages.post(DELIVERIES_PAGE, include_in_schema=False)
async def add_delivery_page(request: Request, db: DbDep, actor: Manager) -> Response:
    form = await request.form()
    values = {k: str(form.get(k) or "") for k in ("programme_id", "note")}
    try:
        if not values["programme_id"]:
            raise InvalidInput(
                "Choose the programme your organisation delivers.", field="programme_id"
            )
        services.add_delivery(
            db, actor, DeliveryIn(programme_id=values["programme_id"], note=values["note"] or None)
        )
    except (InvalidInput, ValidationError) as exc:
        db.rollback()
        if isinstance(exc, InvalidInput):
            errors = exc.errors
        elif any(e["loc"][:1] == ("note",) for e in exc.errors()):
            errors = {"note": "Keep the note to 2,000 characters."}
        else:
            errors = {"programme_id": "Choose a programme from the list."}
        return _deliveries_page(
            request,
            db,
            actor,
            values=values,
            errors=errors or {"programme_id": str(exc)},
            status_code=422,
        )
    return see_other(f"{DELIVERIES_PAGE}?done=added")


@pages.post(DELIVERIES_PAGE + "/{programme_id}/remove", include_in_schema=False)
def remove_delivery_page(programme_id: str, db: DbDep, actor: Manager) -> Response:
    try:
        services.remove_delivery(db, actor, programme_id)
    except InvalidInput as exc:
        raise NotFound(exc.message) from exc
    return see_other(f"{DELIVERIES_PAGE}?done=removed")
