"""DDTRO applications and orders in the API: every step of an order's life."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from crossline.auth.actor import Actor
from crossline.auth.dependencies import allowed
from crossline.auth.permissions import Permission
from crossline.core import clock
from crossline.core.dependencies import DbDep
from crossline.core.pages import NavItem, add_navigation, render
from crossline.orders import services
from crossline.orders.models import Application, Order
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
    ReminderRead,
    ReportRow,
)
from crossline.orgs.services import organisation_names

router = APIRouter()
add_navigation(NavItem("Order effect", "/orders/report", Permission.LINES_NATIONAL.value, order=36))

Reader = Annotated[Actor, allowed(Permission.ORDERS_READ)]
Applicant = Annotated[Actor, allowed(Permission.ORDERS_APPLY)]
Authoriser = Annotated[Actor, allowed(Permission.ORDERS_AUTHORISE)]


@router.get("/orders/report", include_in_schema=False)
def report_page(request: Request, db: DbDep, actor: Reader) -> Response:
    """The effect report as a page (the API's, and its CSV)."""
    rows = services.effect_report(db, actor)
    days = sorted(
        r.effect.days_to_resurfacing for r in rows if r.effect.days_to_resurfacing is not None
    )
    names = organisation_names(db, {r.organisation_id for r in rows})
    context = {
        "rows": rows,
        "national": actor.can(Permission.LINES_NATIONAL),
        "forces": {str(k): v for k, v in names.items()},
        "resurfaced": sum(r.effect.resurfaced for r in rows),
        "days": days[len(days) // 2] if days else None,
    }
    return render(request, "orders/report.html", context)


@router.get("/api/orders/applications", tags=["orders"])
def api_applications(db: DbDep, actor: Reader) -> list[ApplicationRead]:
    """Your organisation's applications, latest change first."""
    return [ApplicationRead.of(a, []) for a in services.list_applications(db, actor)]


@router.post("/api/orders/applications", tags=["orders"], status_code=201)
def api_start(data: ApplicationStart, db: DbDep, actor: Applicant) -> ApplicationRead:
    """Start an application: for an order from a line, a number or a handset (prefilled with
    the evidence Crossline holds), or to vary, renew or discharge an order in force."""
    app = services.start_application(db, actor, data, via="api")
    return _application(db, actor, app)


@router.get("/api/orders/applications/{application_id}", tags=["orders"])
def api_application(application_id: uuid.UUID, db: DbDep, actor: Reader) -> ApplicationRead:
    app, history = services.get_application(db, actor, application_id, via="api")
    return ApplicationRead.of(app, history)


@router.put("/api/orders/applications/{application_id}", tags=["orders"])
def api_change(
    application_id: uuid.UUID, data: ApplicationChange, db: DbDep, actor: Applicant
) -> ApplicationRead:
    """Write a draft: the court, the test's answers, grounds, duration, items and providers."""
    app = services.change_application(db, actor, application_id, data, via="api")
    return _application(db, actor, app)


@router.post("/api/orders/applications/{application_id}/authorisation", tags=["orders"])
def api_authorise(
    application_id: uuid.UUID, data: Authorisation, db: DbDep, actor: Authoriser
) -> ApplicationRead:
    """Authorise it for court: another officer than the applicant, of an eligible rank."""
    app = services.authorise(db, actor, application_id, data, via="api")
    return _application(db, actor, app)


@router.post("/api/orders/applications/{application_id}/hearing", tags=["orders"])
def api_hearing(
    application_id: uuid.UUID, data: Hearing, db: DbDep, actor: Applicant
) -> ApplicationRead:
    app = services.list_hearing(db, actor, application_id, data, via="api")
    return _application(db, actor, app)


@router.post("/api/orders/applications/{application_id}/decision", tags=["orders"])
def api_decision(
    application_id: uuid.UUID, data: Decision, db: DbDep, actor: Applicant
) -> ApplicationRead:
    """The court's decision: granted (the order made or changed), refused or adjourned."""
    app = services.decide(db, actor, application_id, data, via="api")
    return _application(db, actor, app)


@router.post("/api/orders/applications/{application_id}/withdrawal", tags=["orders"])
def api_withdraw(
    application_id: uuid.UUID, data: Reason, db: DbDep, actor: Applicant
) -> ApplicationRead:
    app = services.withdraw(db, actor, application_id, data.reason, data.version, via="api")
    return _application(db, actor, app)


@router.get(
    "/api/orders/applications/{application_id}/document.pdf",
    tags=["orders"],
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def api_application_pdf(application_id: uuid.UUID, db: DbDep, actor: Reader) -> Response:
    """The court-ready application: paginated, numbered paragraphs, exhibits listed.
    Audited as a disclosure."""
    name, pdf = services.application_pdf(db, actor, application_id, via="api")
    return _pdf(name, pdf)


@router.get("/api/orders", tags=["orders"])
def api_orders(db: DbDep, actor: Reader) -> list[OrderRead]:
    """Your organisation's orders (every organisation's for a national coordinator)."""
    now = clock.now()
    return [OrderRead.of(o, [], now) for o in services.list_orders(db, actor)]


@router.get("/api/orders/reminders", tags=["orders"])
def api_reminders(db: DbDep, actor: Reader) -> list[ReminderRead]:
    """Orders in force that expire soon (reminders.yaml)."""
    return services.reminders(db, actor)


@router.get("/api/orders/alerts", tags=["orders"])
def api_alerts(db: DbDep, actor: Reader) -> list[OrderAlertRead]:
    """Orders whose lines are back on a number or handset the order does not cover."""
    return [OrderAlertRead.of(a, o) for a, o in services.resurfacing_alerts(db, actor)]


@router.post("/api/orders/alerts/{alert_id}/application", tags=["orders"], status_code=201)
def api_from_alert(alert_id: uuid.UUID, db: DbDep, actor: Applicant) -> ApplicationRead:
    """In one step: a variation of the order still in force, or a new application if it has
    ended, holding the alert's new identifiers with the grounds written."""
    app = services.start_from_alert(db, actor, alert_id, via="api")
    return _application(db, actor, app)


@router.get(
    "/api/orders/report",
    tags=["orders"],
    response_model=list[ReportRow],
    responses={200: {"content": {"text/csv": {}}}},
)
def api_report(
    db: DbDep, actor: Reader, format: Literal["json", "csv"] = "json"
) -> list[ReportRow] | Response:
    """Every order you may read: line, identifiers, dates applied, made, complied, expiry,
    state, and effect (resurfaced, new identifiers, days to resurfacing). A national
    coordinator's covers every force. CSV is audited as a disclosure (an export)."""
    rows = services.effect_report(db, actor)
    if format == "json":
        return rows
    return Response(
        services.report_csv(db, actor, rows, via="api"),
        media_type="text/csv",
        headers={"content-disposition": 'attachment; filename="ddtro-report.csv"'},
    )


@router.get("/api/orders/{order_id}", tags=["orders"])
def api_order(order_id: uuid.UUID, db: DbDep, actor: Reader) -> OrderRead:
    order, history = services.get_order(db, actor, order_id, via="api")
    return OrderRead.of(order, history, clock.now())


@router.post("/api/orders/{order_id}/notices/{provider}/{step}", tags=["orders"])
def api_notice(
    order_id: uuid.UUID,
    provider: str,
    step: Literal["served", "acknowledged", "complied", "chased"],
    data: NoticeStep,
    db: DbDep,
    actor: Applicant,
) -> OrderRead:
    """Record a provider's notice served, acknowledged, complied with (saying what it did),
    or chased when not complied with by the compliance time."""
    order = services.notice_step(db, actor, order_id, provider, step, data, via="api")
    return _order(db, actor, order)


@router.get(
    "/api/orders/{order_id}/notices/{provider}/document.pdf",
    tags=["orders"],
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def api_notice_pdf(order_id: uuid.UUID, provider: str, db: DbDep, actor: Applicant) -> Response:
    """The notice of the order to one provider. Audited as a disclosure to the provider."""
    name, pdf = services.notice_pdf(db, actor, order_id, provider, via="api")
    return _pdf(name, pdf)


def _pdf(name: str, pdf: bytes) -> Response:
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )


def _application(db: Session, actor: Actor, app: Application) -> ApplicationRead:
    """What a step made of the application (the step itself was audited)."""
    return ApplicationRead.of(app, services.application_history(db, app))


def _order(db: Session, actor: Actor, order: Order) -> OrderRead:
    return OrderRead.of(order, services.order_history(db, order), clock.now())
