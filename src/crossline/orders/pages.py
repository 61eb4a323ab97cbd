"""DDTRO pages: the applications and orders of a force, each step a form over one service call.

Every rule is in ``services``; a page parses the form, calls the service and
shows the result, or the same page again with a GOV.UK error summary and the
values given. The documents are the API's PDFs, linked from the pages.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
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
from crossline.core import clock
from crossline.core.calendar import UK
from crossline.core.dependencies import DbDep
from crossline.core.errors import Conflict, InvalidInput
from crossline.core.pages import NavItem, add_navigation, render, see_other
from crossline.orders import services
from crossline.orders.models import Application, Order
from crossline.orders.reference import ITEM_KINDS, PROVIDERS, RANKS
from crossline.orders.schemas import (
    ApplicationChange,
    ApplicationRead,
    ApplicationStart,
    Authorisation,
    Decision,
    Hearing,
    NoticeStep,
    OrderAlertRead,
    OrderRead,
    Reason,
)
from crossline.orders.states import (
    KIND_LABELS,
    ApplicationKind,
    ApplicationState,
    OrderState,
    Outcome,
)
from crossline.orgs.models import Organisation

router = APIRouter()
add_navigation(NavItem("Orders", "/orders", Permission.ORDERS_READ.value, order=35))

Reader = Annotated[Actor, allowed(Permission.ORDERS_READ)]
Applicant = Annotated[Actor, allowed(Permission.ORDERS_APPLY)]
Authoriser = Annotated[Actor, allowed(Permission.ORDERS_AUTHORISE)]

STATE_LABELS = {
    "draft": "Draft",
    "authorised": "Authorised",
    "listed": "Listed for a hearing",
    "granted": "Granted",
    "refused": "Refused",
    "adjourned": "Adjourned",
    "withdrawn": "Withdrawn",
    "in_force": "In force",
    "expired": "Expired",
    "discharged": "Discharged",
}
WITHDRAWABLE = {"draft", "authorised", "listed", "adjourned"}
PageError = (InvalidInput, Conflict)
M = TypeVar("M", bound=BaseModel)


# --- the list -----------------------------------------------------------------------------------


@router.get("/orders", include_in_schema=False)
def orders_page(request: Request, db: DbDep, actor: Reader) -> Response:
    return render(request, "orders/list.html", _list_context(db, actor))


@router.post("/orders/applications/new", include_in_schema=False)
async def start_page(request: Request, db: DbDep, actor: Applicant) -> Response:
    """Start an application: from a line (its page), a number or a handset, or against an order."""
    form = await request.form()
    values = {k: str(v).strip() for k, v in form.items() if k != "csrf_token"}
    try:
        data = _parse(ApplicationStart, {k: v for k, v in values.items() if v})
        if data.kind is ApplicationKind.ORDER and data.number and data.imei:
            raise InvalidInput("Give a number or a handset's IMEI, not both.", field="number")
        app = services.start_application(db, actor, data)
    except PageError as exc:
        db.rollback()
        errors = _errors(exc, {"line_id": "number", "order_id": "form", "kind": "form"})
        if order_id := _uuid(values.get("order_id")):
            context = {**_order_context(db, actor, order_id), "errors": errors}
            return render(request, "orders/order.html", context, status_code=exc.status)
        context = {**_list_context(db, actor), "errors": errors, "values": values}
        return render(request, "orders/list.html", context, status_code=exc.status)
    return see_other(f"/orders/applications/{app.id}")


@router.post("/orders/alerts/{alert_id}/application", include_in_schema=False)
def alert_application_page(
    request: Request, alert_id: uuid.UUID, db: DbDep, actor: Applicant
) -> Response:
    """Start, in one step, the variation (or, the order ended, the new application) an alert
    calls for, holding the order's new numbers and handsets."""
    try:
        app = services.start_from_alert(db, actor, alert_id)
    except PageError as exc:
        db.rollback()
        context = {**_list_context(db, actor), "errors": _errors(exc, {})}
        return render(request, "orders/list.html", context, status_code=exc.status)
    return see_other(f"/orders/applications/{app.id}")


def _list_context(db: Session, actor: Actor) -> dict[str, Any]:
    now = clock.now()
    applications = services.list_applications(db, actor)
    orders = services.list_orders(db, actor)
    return {
        "alerts": _alerts(db, actor, orders),
        "applications": [_application_row(a) for a in applications],
        "orders": [_order_row(o, now) for o in orders],
        "reminders": services.reminders(db, actor, orders),
        "overdue": [
            {"order_id": o.id, "reference": o.reference, "provider": PROVIDERS[n.provider].label}
            for o, n in services.overdue_notices(db, actor, orders)
        ],
        "may_apply": actor.can(Permission.ORDERS_APPLY),
        "values": {},
    }


def _application_row(app: Application) -> dict[str, Any]:
    evidence = json.loads(app.evidence) if app.evidence else {}
    line = evidence.get("line") if isinstance(evidence, dict) else None
    return {
        "id": app.id,
        "reference": app.reference,
        "kind": _kind_label(app.kind),
        "state": STATE_LABELS[app.state],
        "line_id": app.line_id,
        "line": line.get("reference") if isinstance(line, dict) else None,
        "changed_at": app.changed_at,
    }


def _order_row(order: Order, now: datetime) -> dict[str, Any]:
    overdue = sum(
        1
        for n in order.notices
        if n.complied_at is None
        and order.state == OrderState.IN_FORCE.value
        and now > _utc(order.compliance_due)
    )
    return {
        "id": order.id,
        "reference": order.reference,
        "state": STATE_LABELS[order.state],
        "made_on": order.made_on,
        "compliance_due": uk_time(order.compliance_due),
        "expires_on": order.expires_on,
        "overdue": overdue,
    }


# --- an application -----------------------------------------------------------------------------


@router.get("/orders/applications/{application_id}", include_in_schema=False)
def application_page(
    request: Request, application_id: uuid.UUID, db: DbDep, actor: Reader
) -> Response:
    return render(
        request, "orders/application.html", _application_context(db, actor, application_id)
    )


@router.post("/orders/applications/{application_id}", include_in_schema=False)
async def change_page(
    request: Request, application_id: uuid.UUID, db: DbDep, actor: Applicant
) -> Response:
    """Save the draft: court, the test's answers or the grounds, duration, items."""
    form = await request.form()
    try:
        data = _parse(ApplicationChange, _change_data(form))
        services.change_application(db, actor, application_id, data)
    except PageError as exc:
        return _application_again(request, db, actor, application_id, exc, form)
    return see_other(f"/orders/applications/{application_id}")


@router.post("/orders/applications/{application_id}/authorisation", include_in_schema=False)
async def authorise_page(
    request: Request, application_id: uuid.UUID, db: DbDep, actor: Authoriser
) -> Response:
    form = await request.form()
    try:
        data = _parse(Authorisation, _filled(form, "rank", "version"))
        services.authorise(db, actor, application_id, data)
    except PageError as exc:
        return _application_again(request, db, actor, application_id, exc, form)
    return see_other(f"/orders/applications/{application_id}")


@router.post("/orders/applications/{application_id}/hearing", include_in_schema=False)
async def hearing_page(
    request: Request, application_id: uuid.UUID, db: DbDep, actor: Applicant
) -> Response:
    form = await request.form()
    try:
        data = _parse(
            Hearing,
            {
                **_filled(form, "court", "version"),
                "hearing_at": _uk_datetime(form, "hearing_at"),
            },
        )
        services.list_hearing(db, actor, application_id, data)
    except PageError as exc:
        return _application_again(request, db, actor, application_id, exc, form)
    return see_other(f"/orders/applications/{application_id}")


@router.post("/orders/applications/{application_id}/decision", include_in_schema=False)
async def decision_page(
    request: Request, application_id: uuid.UUID, db: DbDep, actor: Applicant
) -> Response:
    form = await request.form()
    try:
        given = _filled(form, "outcome", "note", "version")
        if given.get("outcome") == Outcome.GRANTED.value:
            given["made_on"] = _date(form, "made_on")
            given |= _duration(form)
        services.decide(db, actor, application_id, _parse(Decision, given))
    except PageError as exc:
        return _application_again(request, db, actor, application_id, exc, form)
    return see_other(f"/orders/applications/{application_id}")


@router.post("/orders/applications/{application_id}/withdrawal", include_in_schema=False)
async def withdraw_page(
    request: Request, application_id: uuid.UUID, db: DbDep, actor: Applicant
) -> Response:
    form = await request.form()
    try:
        data = _parse(Reason, _filled(form, "reason", "version"))
        services.withdraw(db, actor, application_id, data.reason, data.version)
    except PageError as exc:
        return _application_again(request, db, actor, application_id, exc, form)
    return see_other(f"/orders/applications/{application_id}")


def _application_again(
    request: Request,
    db: Session,
    actor: Actor,
    application_id: uuid.UUID,
    exc: InvalidInput | Conflict,
    form: FormData,
) -> Response:
    """The application page again with the error summary and what was entered."""
    db.rollback()
    context = _application_context(db, actor, application_id)
    values = {k: str(v) for k, v in form.items() if k != "csrf_token"}
    context |= {"errors": _errors(exc, {"version": "form"}), "values": values}
    if any(k.startswith("items[") for k in values):
        context["items"] = _items_of(form)
    return render(request, "orders/application.html", context, status_code=exc.status)


def _application_context(db: Session, actor: Actor, application_id: uuid.UUID) -> dict[str, Any]:
    app, history = services.get_application(db, actor, application_id)
    read = ApplicationRead.of(app, history)
    mine = app.owner_id == actor.organisation_id
    kind = db.get_one(Organisation, actor.organisation_id).kind
    return {
        "app": read,
        "state_label": STATE_LABELS[read.state],
        "is_draft": read.state is ApplicationState.DRAFT,
        "may_apply": actor.can(Permission.ORDERS_APPLY) and mine,
        "may_authorise": actor.can(Permission.ORDERS_AUTHORISE) and mine,
        "is_applicant": app.applicant_id == actor.user_id,
        "may_withdraw": read.state.value in WITHDRAWABLE,
        "ranks": [(r.id, r.label) for r in RANKS.values() if kind in r.organisation_kinds],
        "rank_label": RANKS[read.authoriser_rank].label if read.authoriser_rank else None,
        "providers": [(p.id, p.label) for p in PROVIDERS.values()],
        "items": [i.model_dump() for i in read.items],
        "hearing_at_uk": uk_time(read.hearing_at),
        "authorised_at_uk": uk_time(read.authorised_at),
        "history": [_event_row(e.at, e.kind, e.by, e.detail) for e in read.history],
        "today": clock.now().astimezone(UK).date(),
        "values": {},
    }


def _change_data(form: FormData) -> dict[str, Any]:
    data = _filled(form, "version", "court", "limb_used", "limb_prevents", "grounds")
    data |= _duration(form)
    if any(k.startswith("items[") for k in form):
        data["items"] = [
            {k: v for k, v in item.items() if v not in ("", None)} for item in _items_of(form)
        ]
    return data


def _items_of(form: FormData) -> list[dict[str, Any]]:
    """The items of the draft form, in order: ``items[0].provider`` and the rest."""
    items: dict[int, dict[str, Any]] = {}
    for key, value in form.items():
        if not key.startswith("items["):
            continue
        position, _, field = key[len("items[") :].partition("].")
        if position.isdigit() and field in ("kind", "identifier", "provider", "evidence", "remove"):
            items.setdefault(int(position), {})[field] = str(value).strip()
    found = []
    for number in sorted(items):
        item = {"kind": "", "identifier": "", "provider": "", "evidence": ""} | items[number]
        item["remove"] = item.get("remove") == "yes"
        kind = item.get("kind", "")
        item["kind_label"] = ITEM_KINDS[kind].label if kind in ITEM_KINDS else kind
        found.append(item)
    return found


def _duration(form: FormData) -> dict[str, Any]:
    """Days, or until discharged (§DDTRO.duration: no statutory maximum)."""
    choice = str(form.get("duration", "")).strip()
    if choice == "until_discharged":
        return {"until_discharged": True}
    if choice == "days":
        days = str(form.get("duration_days", "")).strip()
        if not days:
            raise InvalidInput("Enter how many days the order should last.", field="duration_days")
        return {"duration_days": days, "until_discharged": False}
    return {}


# --- an order -----------------------------------------------------------------------------------


@router.get("/orders/{order_id}", include_in_schema=False)
def order_page(request: Request, order_id: uuid.UUID, db: DbDep, actor: Reader) -> Response:
    return render(request, "orders/order.html", _order_context(db, actor, order_id))


@router.post("/orders/{order_id}/notices/{provider}/{step}", include_in_schema=False)
async def notice_page(
    request: Request, order_id: uuid.UUID, provider: str, step: str, db: DbDep, actor: Applicant
) -> Response:
    """Record a provider's notice served, acknowledged, complied with or chased."""
    form = await request.form()
    try:
        text = str(form.get(f"compliance-{provider}", "")).strip()
        data = _parse(NoticeStep, {"compliance": text} if text else {})
        services.notice_step(db, actor, order_id, provider, step, data)
    except PageError as exc:
        db.rollback()
        field = f"compliance-{provider}" if step == "complied" else f"notice-{provider}"
        context = _order_context(db, actor, order_id)
        context["errors"] = (
            {field: exc.message}
            if isinstance(exc, Conflict)
            else {field: next(iter(exc.errors.values()), exc.message)}
        )
        context["values"] = {field: str(form.get(field, ""))}
        return render(request, "orders/order.html", context, status_code=exc.status)
    return see_other(f"/orders/{order_id}")


def _order_context(db: Session, actor: Actor, order_id: uuid.UUID) -> dict[str, Any]:
    order, history = services.get_order(db, actor, order_id)
    now = clock.now()
    read = OrderRead.of(order, history, now)
    in_force = read.state is OrderState.IN_FORCE
    alerts = _alerts(db, actor, [order])
    return {
        "alerts": alerts,
        "open_alert": next((a for a in alerts if a["application_id"] is None), None),
        "order": read,
        "state_label": STATE_LABELS[read.state],
        "compliance_due_uk": uk_time(read.compliance_due),
        "may_apply": actor.can(Permission.ORDERS_APPLY) and order.owner_id == actor.organisation_id,
        "in_force": in_force,
        "notices": [
            {
                **n.model_dump(),
                "served_at_uk": uk_time(n.served_at),
                "acknowledged_at_uk": uk_time(n.acknowledged_at),
                "complied_at_uk": uk_time(n.complied_at),
                "chased_at_uk": uk_time(n.chased_at),
                "may_serve": in_force and n.served_at is None,
                "may_acknowledge": n.served_at is not None and n.acknowledged_at is None,
                "may_comply": n.served_at is not None and n.complied_at is None,
                "may_chase": n.served_at is not None and n.overdue,
            }
            for n in read.notices
        ],
        "history": [_event_row(e.at, e.kind, e.by, e.detail) for e in read.history],
        "values": {},
    }


# --- helpers ------------------------------------------------------------------------------------


def _alerts(
    db: Session, actor: Actor, orders: Sequence[Order] | None = None
) -> list[dict[str, Any]]:
    """Resurfacing alerts on the orders the actor may read, as the pages show them."""
    return [
        {
            **OrderAlertRead.of(alert, order).model_dump(),
            "kind_label": ITEM_KINDS[alert.kind].label if alert.kind in ITEM_KINDS else alert.kind,
            "first_seen_uk": uk_time(alert.first_seen),
        }
        for alert, order in services.resurfacing_alerts(db, actor, orders)
    ]


def uk_time(value: datetime | None) -> str:
    """An instant as people in the UK read it, in UK time: '3 Dec 2026, 00:00 (UK time)'."""
    if value is None:
        return ""
    return f"{_utc(value).astimezone(UK):%-d %b %Y, %H:%M} (UK time)"


def _utc(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; Crossline stores UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _kind_label(kind: str) -> str:
    label = KIND_LABELS[ApplicationKind(kind)]
    return label[0].upper() + label[1:]


def _event_row(at: datetime, kind: str, by: str, detail: dict[str, Any] | None) -> dict[str, Any]:
    shown = {k: _detail(k, v) for k, v in (detail or {}).items() if v not in (None, "")}
    return {
        "at": uk_time(at),
        "what": kind.replace("_", " ").capitalize(),
        "by": by,
        "detail": "; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in shown.items()),
    }


def _detail(key: str, value: Any) -> Any:
    """A value of an event's detail as people read it: providers by name, times in UK time."""
    if key == "provider" and value in PROVIDERS:
        return PROVIDERS[value].label
    if isinstance(value, str) and len(value) > 10 and value[4:5] == "-":
        try:
            return uk_time(datetime.fromisoformat(value))
        except ValueError:
            return value
    return value


def _uuid(text: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(text) if text else None
    except ValueError:
        return None


def _filled(form: FormData, *names: str) -> dict[str, Any]:
    """The named fields that were given, stripped; an empty field counts as not given."""
    found = {}
    for name in names:
        value = form.get(name)
        if isinstance(value, str) and value.strip():
            found[name] = value.strip()
    return found


def _date(form: FormData, name: str) -> str:
    """A GOV.UK date input (``name-day``, ``-month``, ``-year``) as an ISO date."""
    parts = [str(form.get(f"{name}-{p}", "")).strip() for p in ("day", "month", "year")]
    if not any(parts):
        raise InvalidInput("Enter the date of the order.", field=f"{name}-day")
    try:
        day, month, year = (int(p) for p in parts)
        return date(year, month, day).isoformat()
    except ValueError:
        raise InvalidInput("Enter a real date, like 27 11 2026.", field=f"{name}-day") from None


def _uk_datetime(form: FormData, name: str) -> str:
    """A date input and a time (``name-time``, 24-hour, UK time) as a UTC instant."""
    parts = [str(form.get(f"{name}-{p}", "")).strip() for p in ("day", "month", "year")]
    clock_time = str(form.get(f"{name}-time", "")).strip()
    if not any(parts):
        raise InvalidInput("Enter the date of the hearing.", field=f"{name}-day")
    try:
        day, month, year = (int(p) for p in parts)
        on = date(year, month, day)
    except ValueError:
        raise InvalidInput("Enter a real date, like 27 11 2026.", field=f"{name}-day") from None
    try:
        at = time.fromisoformat(clock_time) if clock_time else None
    except ValueError:
        at = None
    if at is None:
        raise InvalidInput(
            "Enter the time of the hearing in 24-hour UK time, like 10:00.", field=f"{name}-time"
        )
    return datetime.combine(on, at, tzinfo=UK).astimezone(UTC).isoformat()


def _parse(model: type[M], data: dict[str, Any]) -> M:
    """``data`` as ``model``, or InvalidInput naming each wrong field as the form names it."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        messages: dict[str, str] = {}
        for error in exc.errors():
            loc = error["loc"]
            field = str(loc[0]) if loc else "form"
            if len(loc) >= 3 and loc[0] == "items":
                field = f"items[{loc[1]}].{loc[2]}"
            if field in messages:
                continue
            messages[field] = _message(model, field, error)
        raise InvalidInput.of_fields(messages) from exc


_MESSAGES = {
    "version": "Reload the page and try again: the form was incomplete.",
    "rank": "Choose your rank.",
    "outcome": "Choose what the court decided.",
    "reason": "Say why the application is withdrawn.",
    "duration_days": "Enter the number of days, from 1 to 3650.",
    "hearing_at": "Enter the date and time of the hearing.",
    "kind": "Choose what to apply for.",
    "line_id": "Start from a line, a number or a handset.",
    "order_id": "Name the order to vary, renew or discharge.",
}


def _message(model: type[BaseModel], field: str, error: Any) -> str:
    if field in _MESSAGES:
        return _MESSAGES[field]
    if error["type"] == "string_too_long":
        return f"Shorten this to {error['ctx']['max_length']} characters or fewer."
    info = model.model_fields.get(field)
    label = info.title.lower() if info is not None and info.title else field.replace("_", " ")
    return f"Check {label}: {error['msg'].lower()}."


def _errors(exc: InvalidInput | Conflict, rename: dict[str, str]) -> dict[str, str]:
    """The error summary's messages by the form's field ids."""
    if isinstance(exc, Conflict) or not exc.errors:
        return {"form": exc.message}
    return {rename.get(field, field): message for field, message in exc.errors.items()}
