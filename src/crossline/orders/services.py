"""The rules of DDTRO applications and orders: the only place they live.

Every function checks the actor's permission and organisation (an order
belongs to the force that applied for it), records the step in the history
and audits it in the same transaction (DOMAIN.md §AUDIT.s62). The legal
rules cite DOMAIN.md §DDTRO.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select, true
from sqlalchemy.orm import Session

from crossline.analytics.models import Finding
from crossline.audit.services import Operation, RecordRef, record
from crossline.auth.actor import Actor
from crossline.auth.permissions import Permission
from crossline.core import clock
from crossline.core.database import check_version, commit_or_conflict
from crossline.core.errors import Forbidden, InvalidInput, NotFound
from crossline.lines.models import (
    IntelligenceLink,
    IntelligenceRecord,
    Line,
    LineHandset,
    LineNumber,
)
from crossline.orders import documents, effect, paperwork
from crossline.orders.models import (
    Application,
    ApplicationItem,
    Order,
    OrderAlert,
    OrderEvent,
    OrderItem,
    ProviderNotice,
)
from crossline.orders.reference import (
    JURISDICTIONS,
    PROVIDERS,
    RANKS,
    REMINDERS,
    checked_identifier,
    compliance_due,
)
from crossline.orders.schemas import (
    ApplicationChange,
    ApplicationStart,
    Authorisation,
    Decision,
    Hearing,
    ItemIn,
    NoticeStep,
    ReminderRead,
    ReportRow,
)
from crossline.orders.states import (
    ApplicationKind,
    ApplicationState,
    OrderState,
    Outcome,
    may_step,
)
from crossline.orgs.models import Organisation
from crossline.orgs.services import alert_contact

NO_SUCH_APPLICATION = "There is no such order application in your organisation."
NO_SUCH_ORDER = "There is no such order in your organisation."


# --- applications -------------------------------------------------------------------------------


def start_application(
    db: Session, actor: Actor, data: ApplicationStart, *, via: str = "web"
) -> Application:
    """Start a draft: for an order from a line, a number or a handset; else against an order.

    Needs ``orders.apply``. An application for an order is prefilled with what
    Crossline holds (the line's numbers and handsets over time, what analysis
    found, the intelligence linked to it); one to vary, renew or discharge
    names an order of the organisation that is still in force (an expired or
    discharged order is refused: nothing is varied after expiry).
    """
    actor.require(Permission.ORDERS_APPLY)
    if data.jurisdiction not in JURISDICTIONS:
        raise InvalidInput(
            f"Choose where the court sits: {', '.join(JURISDICTIONS)}.", field="jurisdiction"
        )
    app = Application(
        id=uuid.uuid4(),
        owner_id=actor.organisation_id,
        reference=_next_reference(db, actor),
        kind=data.kind.value,
        state=ApplicationState.DRAFT.value,
        jurisdiction=data.jurisdiction,
        court=JURISDICTIONS[data.jurisdiction].court,
        applicant_id=actor.user_id,
        applicant_name=actor.display_name,
        created_at=clock.now(),
        changed_at=clock.now(),
    )
    if data.kind is ApplicationKind.ORDER:
        line = _line_for(db, actor, data)
        app.line_id = line.id if line is not None else None
        items = _items_from(line, data)
        app.evidence = json.dumps(_evidence(db, actor, line), default=str)
    else:
        if data.order_id is None:
            raise InvalidInput("Name the order to vary, renew or discharge.", field="order_id")
        order = _own_order(db, actor, data.order_id)
        refresh(db, order)
        if order.state != OrderState.IN_FORCE.value:
            raise InvalidInput(
                f"Order {order.reference} is {order.state.replace('_', ' ')}: an order can be "
                "varied, renewed or discharged only while it is in force.",
                field="order_id",
            )
        app.order_id, app.line_id = order.id, order.line_id
        app.jurisdiction, app.court = order.jurisdiction, order.court
        items = (
            []
            if data.kind is not ApplicationKind.VARIATION
            else [
                ItemIn(kind=i.kind, identifier=i.identifier, provider=i.provider)
                for i in order.items
                if i.removed_on is None
            ]
        )
        app.evidence = json.dumps({"order": order.reference}, default=str)
    for position, item in enumerate(items):
        app.items.append(_item(item, position))
    db.add(app)
    _event(db, actor, "started", application=app, detail={"kind": app.kind})
    _audit(db, actor, Operation.COLLECTION, app, "DDTRO application started", via)
    _commit(db)
    return app


def change_application(
    db: Session,
    actor: Actor,
    application_id: uuid.UUID,
    data: ApplicationChange,
    *,
    via: str = "web",
) -> Application:
    """Write the draft: court, the test's answers, grounds, duration, items. Draft only."""
    actor.require(Permission.ORDERS_APPLY)
    app = _own_application(db, actor, application_id)
    check_version(app, data.version)
    if app.state != ApplicationState.DRAFT.value:
        raise InvalidInput(
            "Only a draft can be changed: this application has been authorised. Withdraw it "
            "and start another if it must change.",
            field="state",
        )
    for field in ("court", "limb_used", "limb_prevents", "grounds"):
        value = getattr(data, field)
        if value is not None:
            setattr(app, field, value.strip() or None)
    if data.until_discharged:
        app.duration_days = None
    elif data.duration_days is not None:
        app.duration_days = data.duration_days
    if data.items is not None:
        app.items.clear()
        db.flush()
        for position, item in enumerate(data.items):
            app.items.append(_item(item, position, field=f"items[{position}]"))
    app.changed_at = clock.now()
    _event(db, actor, "changed", application=app)
    _audit(db, actor, Operation.ALTERATION, app, "DDTRO application changed", via)
    _commit(db)
    return app


def authorise(
    db: Session, actor: Actor, application_id: uuid.UUID, data: Authorisation, *, via: str = "web"
) -> Application:
    """The authorising officer approves the application to go to court.

    Needs ``orders.authorise``. DOMAIN.md §DDTRO.applicant: only a police officer
    of superintendent rank or above, or the NCA's Director General or Deputy,
    may apply; the authoriser states their rank, checked against
    applicant_ranks.yaml for their kind of organisation. The authoriser cannot
    be the applicant. The application must be complete: its items each with a
    provider, and the test answered (an order) or the grounds given.
    """
    actor.require(Permission.ORDERS_AUTHORISE)
    app = _own_application(db, actor, application_id)
    check_version(app, data.version)
    if app.applicant_id == actor.user_id:
        raise Forbidden(
            "You prepared this application, so you cannot authorise it: another officer of "
            "superintendent rank or above must."
        )
    kind = db.get_one(Organisation, actor.organisation_id).kind
    rank = RANKS.get(data.rank)
    if rank is None or kind not in rank.organisation_kinds:
        allowed = ", ".join(r.label for r in RANKS.values() if kind in r.organisation_kinds)
        raise InvalidInput(
            f"Only an officer of these ranks may apply for an order: {allowed}.", field="rank"
        )
    _step(app, ApplicationState.AUTHORISED)
    _refuse_incomplete(app)
    app.authoriser_id = actor.user_id
    app.authoriser_name = actor.display_name
    app.authoriser_rank = rank.id
    app.authorised_at = clock.now()
    app.changed_at = clock.now()
    _event(db, actor, "authorised", application=app, detail={"rank": rank.label})
    _audit(db, actor, Operation.ALTERATION, app, "DDTRO application authorised", via)
    _commit(db)
    return app


def list_hearing(
    db: Session, actor: Actor, application_id: uuid.UUID, data: Hearing, *, via: str = "web"
) -> Application:
    """Record the court and the hearing's date and time (authorised, or adjourned before)."""
    actor.require(Permission.ORDERS_APPLY)
    app = _own_application(db, actor, application_id)
    check_version(app, data.version)
    _step(app, ApplicationState.LISTED)
    if data.court and data.court.strip():
        app.court = data.court.strip()
    app.hearing_at = data.hearing_at
    app.changed_at = clock.now()
    _event(db, actor, "listed", application=app, detail={"court": app.court, "at": data.hearing_at})
    _audit(db, actor, Operation.ALTERATION, app, "DDTRO hearing listed", via)
    _commit(db)
    return app


def decide(
    db: Session, actor: Actor, application_id: uuid.UUID, data: Decision, *, via: str = "web"
) -> Application:
    """Record the court's decision; a grant makes or changes the order.

    Granted: an application for an order makes one, dated ``made_on``, lasting
    ``duration_days`` or until discharged (§DDTRO.duration), with the
    provider's compliance time the end of the 5th working day after it unless
    the court set another (§DDTRO.compliance), and a notice to each provider.
    A variation takes out and adds items (and may change the duration); a
    renewal extends the order; a discharge ends it. The order must still be
    in force. Adjourned: the application may be listed again.
    """
    actor.require(Permission.ORDERS_APPLY)
    app = _own_application(db, actor, application_id)
    check_version(app, data.version)
    new = ApplicationState(data.outcome.value)
    _step(app, new)
    app.decided_at = clock.now() if data.outcome is not Outcome.ADJOURNED else None
    app.decision_note = (data.note or "").strip() or None
    app.changed_at = clock.now()
    order = None
    if data.outcome is Outcome.GRANTED:
        made_on = data.made_on or clock.now().date()
        if made_on > clock.now().date():
            raise InvalidInput("The date of the order cannot be in the future.", field="made_on")
        order = _grant(db, actor, app, data, made_on)
    _event(db, actor, data.outcome.value, application=app, detail={"note": app.decision_note})
    _audit(db, actor, Operation.ALTERATION, app, f"DDTRO application {data.outcome.value}", via)
    if order is not None:
        _audit(db, actor, Operation.ALTERATION, order, f"order changed: {app.kind} granted", via)
    _commit(db)
    return app


def withdraw(
    db: Session,
    actor: Actor,
    application_id: uuid.UUID,
    reason: str,
    version: int,
    *,
    via: str = "web",
) -> Application:
    actor.require(Permission.ORDERS_APPLY)
    app = _own_application(db, actor, application_id)
    check_version(app, version)
    _step(app, ApplicationState.WITHDRAWN)
    app.decision_note = reason.strip()
    app.changed_at = clock.now()
    _event(db, actor, "withdrawn", application=app, detail={"reason": app.decision_note})
    _audit(db, actor, Operation.ALTERATION, app, "DDTRO application withdrawn", via)
    _commit(db)
    return app


def get_application(
    db: Session, actor: Actor, application_id: uuid.UUID, *, via: str = "web"
) -> tuple[Application, list[OrderEvent]]:
    """An application with its history. Needs ``orders.read``; audited."""
    actor.require(Permission.ORDERS_READ)
    app = _own_application(db, actor, application_id, reading=True)
    _audit(db, actor, Operation.CONSULTATION, app, "reading a DDTRO application", via)
    db.commit()
    return app, _history(db, application_id=app.id)


def list_applications(db: Session, actor: Actor) -> Sequence[Application]:
    """The organisation's applications, latest change first (no identifiers: not audited)."""
    actor.require(Permission.ORDERS_READ)
    return db.scalars(
        select(Application)
        .where(_readable(actor, Application.owner_id))
        .order_by(Application.changed_at.desc())
    ).all()


# --- orders and notices -------------------------------------------------------------------------


def get_order(
    db: Session, actor: Actor, order_id: uuid.UUID, *, via: str = "web"
) -> tuple[Order, list[OrderEvent]]:
    actor.require(Permission.ORDERS_READ)
    order = _own_order(db, actor, order_id, reading=True)
    refresh(db, order)
    _audit(db, actor, Operation.CONSULTATION, order, "reading a DDTRO order", via)
    db.commit()
    return order, _history(db, order_id=order.id)


def list_orders(db: Session, actor: Actor) -> Sequence[Order]:
    actor.require(Permission.ORDERS_READ)
    orders = db.scalars(
        select(Order).where(_readable(actor, Order.owner_id)).order_by(Order.made_on.desc())
    ).all()
    for order in orders:
        refresh(db, order)
    db.commit()
    return orders


NOTICE_STEPS = ("served", "acknowledged", "complied", "chased")


def notice_step(
    db: Session,
    actor: Actor,
    order_id: uuid.UUID,
    provider: str,
    step: str,
    data: NoticeStep,
    *,
    via: str = "web",
) -> Order:
    """Record that a provider's notice was served, acknowledged or complied with, or chased.

    Needs ``orders.apply``. Only an order in force is served (an order exists
    only once granted, so nothing is served before); acknowledged and complied
    need it served first; a chaser only when the provider has not complied by
    the order's compliance time (§DDTRO.compliance).
    """
    actor.require(Permission.ORDERS_APPLY)
    order = _own_order(db, actor, order_id)
    refresh(db, order)
    notice = next((n for n in order.notices if n.provider == provider), None)
    if notice is None:
        raise NotFound("This order has no notice to that provider.")
    at = data.at or clock.now()
    if step == "served":
        if order.state != OrderState.IN_FORCE.value:
            raise InvalidInput("Only an order in force is served on a provider.", field="step")
        notice.served_at = at
    elif notice.served_at is None:
        raise InvalidInput(f"Record that the notice was served before it is {step}.", field="step")
    elif step == "acknowledged":
        notice.acknowledged_at = at
    elif step == "complied":
        if not (data.compliance or "").strip():
            raise InvalidInput(
                "Say what the provider did: number disabled, handset blocked.", field="compliance"
            )
        notice.complied_at, notice.compliance = at, data.compliance.strip()  # type: ignore[union-attr]
    elif step == "chased":
        if notice.complied_at is not None or clock.now() <= order.compliance_due:
            raise InvalidInput(
                "A provider is chased only when it has not complied by the compliance time.",
                field="step",
            )
        notice.chased_at = at
    else:
        raise InvalidInput(f"Record one of: {', '.join(NOTICE_STEPS)}.", field="step")
    order.changed_at = clock.now()
    _event(db, actor, f"notice_{step}", order=order, detail={"provider": provider})
    _audit(db, actor, Operation.ALTERATION, order, f"notice to a provider {step}", via)
    _commit(db)
    return order


def overdue_notices(
    db: Session, actor: Actor, orders: Sequence[Order] | None = None
) -> list[tuple[Order, ProviderNotice]]:
    """Notices not complied with by their order's compliance time: a chaser is due.

    ``orders``: the actor's orders when the caller has listed them already.
    """
    now = clock.now()
    return [
        (order, notice)
        for order in (list_orders(db, actor) if orders is None else orders)
        if order.state == OrderState.IN_FORCE.value and now > order.compliance_due
        for notice in order.notices
        if notice.complied_at is None
    ]


def reminders(
    db: Session, actor: Actor, orders: Sequence[Order] | None = None
) -> list[ReminderRead]:
    """Orders in force that expire within a reminder's days (reminders.yaml, §DDTRO.duration).

    ``orders``: the actor's orders when the caller has listed them already.
    """
    today = clock.now().date()
    windows = sorted(REMINDERS.values(), key=lambda r: r.days_before)
    found = []
    for order in list_orders(db, actor) if orders is None else orders:
        if order.state != OrderState.IN_FORCE.value or order.expires_on is None:
            continue
        days = (order.expires_on - today).days
        due = next((r for r in windows if days <= r.days_before), None)
        if due is not None:
            found.append(
                ReminderRead(
                    order_id=order.id,
                    reference=order.reference,
                    expires_on=order.expires_on,
                    days_left=days,
                    reminder=due.label,
                )
            )
    return found


def refresh(db: Session, order: Order) -> None:
    """Mark an order in force whose last day has passed as expired (§DDTRO.duration)."""
    today = clock.now().date()
    if (
        order.state == OrderState.IN_FORCE.value
        and order.expires_on is not None
        and order.expires_on < today
    ):
        order.state = OrderState.EXPIRED.value
        order.ended_on = order.expires_on
        db.add(
            OrderEvent(
                order_id=order.id,
                at=clock.now(),
                kind="expired",
                detail=json.dumps({"expired_on": order.expires_on.isoformat()}),
                by_name="Crossline",
            )
        )
        db.flush()


def application_pdf(
    db: Session, actor: Actor, application_id: uuid.UUID, *, via: str = "web"
) -> tuple[str, bytes]:
    """The court-ready application as a PDF, with its file name. Audited as a disclosure."""
    actor.require(Permission.ORDERS_READ)
    app = _own_application(db, actor, application_id)
    force = db.get_one(Organisation, app.owner_id).name
    pdf = documents.application_pdf(paperwork.application_document(app, force))
    record(
        db,
        actor,
        Operation.DISCLOSURE,
        RecordRef.of("order_application", app.id),
        why="DDTRO application document generated for the court",
        recipient=f"{app.court or 'the court'} (application document)",
        owner=app.owner_id,
        via=via,
    )
    db.commit()
    return f"{app.reference}.pdf", pdf


def notice_pdf(
    db: Session, actor: Actor, order_id: uuid.UUID, provider: str, *, via: str = "web"
) -> tuple[str, bytes]:
    """The notice of an order to one provider as a PDF. Audited as a disclosure to it."""
    actor.require(Permission.ORDERS_APPLY)
    order = _own_order(db, actor, order_id)
    if provider not in {n.provider for n in order.notices}:
        raise NotFound("This order has no notice to that provider.")
    organisation = db.get_one(Organisation, order.owner_id)
    contact = alert_contact(organisation)
    who = (
        f"{contact.name}, {contact.email}"
        if contact.name and contact.email
        else contact.name or contact.email or actor.display_name
    )
    pdf = documents.notice_pdf(
        paperwork.notice_document(order, provider, organisation.name, f"{who}, {organisation.name}")
    )
    record(
        db,
        actor,
        Operation.DISCLOSURE,
        RecordRef.of("order", order.id),
        why="DDTRO notice generated for a provider",
        recipient=PROVIDERS[provider].label,
        owner=order.owner_id,
        via=via,
    )
    db.commit()
    return f"{order.reference}-{provider}.pdf", pdf


def resurfacing_alerts(
    db: Session, actor: Actor, orders: Sequence[Order] | None = None
) -> list[tuple[OrderAlert, Order]]:
    """Alerts on the orders the actor may read whose lines took up a new number or handset.

    Each order's line is checked again first (effect.check_resurfacing), so an
    alert appears as soon as the register or the latest analysis run shows it.
    ``orders``: the actor's orders when the caller has listed them already.
    """
    by_id = {o.id: o for o in (list_orders(db, actor) if orders is None else orders)}
    return [(a, by_id[a.order_id]) for a in effect.alerts(db, actor, list(by_id.values()))]


def start_from_alert(
    db: Session, actor: Actor, alert_id: uuid.UUID, *, via: str = "web"
) -> Application:
    """Start, in one step, the application an alert calls for, holding its new identifiers.

    An order still in force: an application to vary it, keeping its items and
    adding every open alert's; an order that has ended: an application for a
    new order on the same line. The grounds say what was seen and where.
    Needs ``orders.apply``.
    """
    actor.require(Permission.ORDERS_APPLY)
    order, taken, start, items, grounds = effect.application_from_alert(db, alert_id, actor)
    app = start_application(db, actor, start, via=via)
    app = change_application(
        db,
        actor,
        app.id,
        ApplicationChange(version=app.version, grounds=grounds, items=items),
        via=via,
    )
    for alert in taken:
        alert.application_id = app.id
    _event(db, actor, "application_from_alert", order=order, detail={"application": app.reference})
    _commit(db)
    return app


def effect_report(db: Session, actor: Actor) -> list[ReportRow]:
    """Every order the actor may read with its dates, state and effect (effect.report)."""
    return effect.report(db, actor, list_orders(db, actor))


REPORT_COLUMNS = (
    "reference",
    "line",
    "identifiers",
    "applied",
    "made",
    "complied",
    "expiry",
    "state",
    "resurfaced",
    "new_identifiers",
    "days_to_resurfacing",
)


def report_csv(db: Session, actor: Actor, rows: Sequence[ReportRow], *, via: str = "web") -> str:
    """The effect report as CSV. Audited as a disclosure: an export leaves Crossline."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(REPORT_COLUMNS)
    for row in rows:
        writer.writerow(
            [
                _cell(row.reference),
                _cell(row.line or ""),
                " ".join(row.identifiers),
                row.applied or "",
                row.made,
                row.complied or "",
                row.expiry or "",
                row.state.value,
                "yes" if row.effect.resurfaced else "no",
                " ".join(row.effect.new_identifiers),
                "" if row.effect.days_to_resurfacing is None else row.effect.days_to_resurfacing,
            ]
        )
    record(
        db,
        actor,
        Operation.DISCLOSURE,
        RecordRef.of("order_report", actor.organisation_id),
        why="DDTRO effect report exported as CSV",
        recipient=f"{actor.display_name} (export file)",
        owner=actor.organisation_id,
        via=via,
    )
    db.commit()
    return out.getvalue()


def _cell(text: str) -> str:
    """A cell a spreadsheet will not run as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def application_history(db: Session, app: Application) -> list[OrderEvent]:
    """The history of an application the caller has just read or changed (and audited)."""
    return _history(db, application_id=app.id)


def order_history(db: Session, order: Order) -> list[OrderEvent]:
    """The history of an order the caller has just read or changed (and audited)."""
    return _history(db, order_id=order.id)


# --- helpers ------------------------------------------------------------------------------------


def _grant(db: Session, actor: Actor, app: Application, data: Decision, made_on: date) -> Order:
    kind = ApplicationKind(app.kind)
    if kind is ApplicationKind.ORDER:
        return _make_order(db, app, data, made_on)
    order = db.get_one(Order, app.order_id)
    refresh(db, order)
    if order.state != OrderState.IN_FORCE.value:
        raise InvalidInput(
            f"Order {order.reference} is no longer in force, so it cannot be changed.",
            field="outcome",
        )
    if kind is ApplicationKind.DISCHARGE:
        order.state, order.ended_on = OrderState.DISCHARGED.value, made_on
    elif kind is ApplicationKind.RENEWAL:
        order.expires_on = _expiry(order.expires_on or made_on, data)
    else:
        held = {(i.kind, i.identifier): i for i in order.items if i.removed_on is None}
        for item in app.items:
            if item.remove and (item.kind, item.identifier) in held:
                held[(item.kind, item.identifier)].removed_on = made_on
            elif not item.remove and (item.kind, item.identifier) not in held:
                order.items.append(
                    OrderItem(
                        position=len(order.items),
                        kind=item.kind,
                        identifier=item.identifier,
                        provider=item.provider,
                    )
                )
        if data.until_discharged or data.duration_days:
            order.expires_on = _expiry(made_on, data)
        _add_notices(order)
    order.changed_at = clock.now()
    _event(db, actor, f"{kind.value}_granted", order=order, detail={"application": app.reference})
    return order


def _make_order(db: Session, app: Application, data: Decision, made_on: date) -> Order:
    due = data.compliance_due or compliance_due(app.jurisdiction, made_on)
    order = Order(
        id=uuid.uuid4(),
        owner_id=app.owner_id,
        reference=app.reference,
        line_id=app.line_id,
        jurisdiction=app.jurisdiction,
        court=app.court or JURISDICTIONS[app.jurisdiction].court,
        made_on=made_on,
        compliance_due=due,
        expires_on=_expiry(made_on, data) if not data.until_discharged else None,
        state=OrderState.IN_FORCE.value,
        created_at=clock.now(),
        changed_at=clock.now(),
    )
    for item in app.items:
        order.items.append(
            OrderItem(
                position=item.position,
                kind=item.kind,
                identifier=item.identifier,
                provider=item.provider,
            )
        )
    _add_notices(order)
    db.add(order)
    db.flush()
    app.order_id = order.id
    db.add(
        OrderEvent(
            order_id=order.id,
            at=clock.now(),
            kind="made",
            detail=json.dumps({"made_on": made_on.isoformat(), "compliance_due": due.isoformat()}),
            by_name=app.applicant_name,
        )
    )
    return order


def _expiry(start: date, data: Decision) -> date | None:
    if data.until_discharged:
        return None
    if data.duration_days is None:
        raise InvalidInput(
            "Give the order's duration in days as made, or say it lasts until discharged.",
            field="duration_days",
        )
    return start + timedelta(days=data.duration_days)


def _add_notices(order: Order) -> None:
    have = {n.provider for n in order.notices}
    for provider in sorted(
        {i.provider for i in order.items if i.provider and i.removed_on is None}
    ):
        if provider not in have:
            order.notices.append(ProviderNotice(provider=provider))


def _refuse_incomplete(app: Application) -> None:
    kind = ApplicationKind(app.kind)
    errors: dict[str, str] = {}
    if kind in (ApplicationKind.ORDER, ApplicationKind.VARIATION) and not app.items:
        errors["items"] = "Name at least one number, handset or other item for the order."
    for i, item in enumerate(app.items):
        if not item.provider:
            errors[f"items[{i}].provider"] = f"Choose the provider of {item.identifier}."
    if kind is ApplicationKind.ORDER:
        if not app.limb_used:
            errors["limb_used"] = (
                "Say why the items have been, are likely to have been, or are likely to be used "
                "in connection with drug dealing offences."
            )
        if not app.limb_prevents:
            errors["limb_prevents"] = (
                "Say why the order would prevent or restrict that use of a communication device."
            )
    elif not app.grounds:
        errors["grounds"] = "Give the grounds for the application."
    if errors:
        raise InvalidInput.of_fields(errors)


def _step(app: Application, new: ApplicationState) -> None:
    current = ApplicationState(app.state)
    if not may_step(current, new):
        raise InvalidInput(
            f"An application that is {current.value} cannot become {new.value}.", field="state"
        )
    app.state = new.value


def _item(item: ItemIn, position: int, field: str = "items") -> ApplicationItem:
    identifier = checked_identifier(item.kind, item.identifier, f"{field}.identifier")
    if item.provider is not None and item.provider not in PROVIDERS:
        raise InvalidInput(
            f"Choose a provider: {', '.join(p.label for p in PROVIDERS.values())}.",
            field=f"{field}.provider",
        )
    return ApplicationItem(
        id=uuid.uuid4(),
        position=position,
        kind=item.kind,
        identifier=identifier,
        provider=item.provider,
        evidence=(item.evidence or "").strip() or None,
        remove=item.remove,
    )


def _line_for(db: Session, actor: Actor, data: ApplicationStart) -> Line | None:
    owned = Line.owned_by(actor.organisation_id)
    if data.line_id is not None:
        line = db.scalar(select(Line).where(Line.id == data.line_id, owned))
        if line is None:
            raise NotFound("There is no such line in your organisation's register.")
        return line
    if data.number:
        number = checked_identifier("msisdn", data.number, "number")
        return db.scalar(
            select(Line).join(LineNumber).where(owned, LineNumber.number == number).limit(1)
        )
    if data.imei:
        imei = checked_identifier("imei", data.imei, "imei")
        return db.scalar(
            select(Line).join(LineHandset).where(owned, LineHandset.imei == imei).limit(1)
        )
    raise InvalidInput("Start from a line, a number or a handset.", field="line_id")


def _items_from(line: Line | None, data: ApplicationStart) -> list[ItemIn]:
    """The line's numbers and handsets still in use; or the number or handset given."""
    if line is None:
        if data.number:
            return [ItemIn(kind="msisdn", identifier=data.number)]
        return [ItemIn(kind="imei", identifier=data.imei or "")]
    items = [ItemIn(kind="msisdn", identifier=n.number) for n in line.numbers if n.valid_to is None]
    items += [ItemIn(kind="imei", identifier=h.imei) for h in line.handsets if h.valid_to is None]
    if not items and line.numbers:  # a line no longer in use: its last number
        items = [ItemIn(kind="msisdn", identifier=line.numbers[-1].number)]
    return items


def _evidence(db: Session, actor: Actor, line: Line | None) -> dict[str, Any]:
    """What Crossline holds that supports the application, as it stood when it was started."""
    if line is None:
        return {"line": None, "note": "No line in the register holds this identifier."}
    evidence: dict[str, Any] = {
        "line": {
            "reference": line.reference,
            "status": line.status,
            "hub_area": line.hub_area,
            "county_area": line.county_area,
        },
        # Successor history: every number and handset with the period the line used it.
        "numbers": [
            {"number": n.number, "from": n.valid_from, "to": n.valid_to} for n in line.numbers
        ],
        "handsets": [
            {"imei": h.imei, "from": h.valid_from, "to": h.valid_to} for h in line.handsets
        ],
    }
    if line.source_finding_id is not None:
        finding = db.get_one(Finding, line.source_finding_id)
        entry = json.loads(finding.detail)
        evidence["analysis"] = {
            "run_id": str(finding.run_id),
            "analysis_line_id": finding.line_id,
            "score": finding.score,
            "signals": entry.get("signals", {}),
            "activity": [
                {"number": n["number"], "first_seen": n["first_seen"], "last_seen": n["last_seen"]}
                for n in entry.get("numbers", [])
            ],
            "successor_links": entry.get("successor_links", []),
        }
    linked = db.scalars(
        select(IntelligenceRecord)
        .join(IntelligenceLink, IntelligenceLink.intelligence_id == IntelligenceRecord.id)
        .where(
            IntelligenceLink.line_id == line.id,
            IntelligenceRecord.owner_id == actor.organisation_id,
        )
        .order_by(IntelligenceRecord.created_at)
    ).all()
    # The grading and date only: the text stays with those who may read intelligence.
    evidence["intelligence"] = [
        {
            "grading": f"{i.source_evaluation}{i.intelligence_assessment} {i.handling_code}",
            "recorded_at": i.created_at,
        }
        for i in linked
    ]
    return evidence


def _next_reference(db: Session, actor: Actor) -> str:
    year = clock.now().year
    count = db.scalar(
        select(func.count(Application.id)).where(Application.owner_id == actor.organisation_id)
    )
    return f"DDTRO-{year}-{(count or 0) + 1:04d}"


def _readable(actor: Actor, owner: Any) -> Any:
    """Every organisation's for a national coordinator (lines.national); else the actor's own."""
    if actor.can(Permission.LINES_NATIONAL):
        return true()
    return owner == actor.organisation_id


def _own_application(
    db: Session, actor: Actor, application_id: uuid.UUID, *, reading: bool = False
) -> Application:
    app = db.get(Application, application_id)
    allowed = app is not None and (
        app.owner_id == actor.organisation_id or (reading and actor.can(Permission.LINES_NATIONAL))
    )
    if app is None or not allowed:
        raise NotFound(NO_SUCH_APPLICATION)
    return app


def _own_order(db: Session, actor: Actor, order_id: uuid.UUID, *, reading: bool = False) -> Order:
    order = db.get(Order, order_id)
    allowed = order is not None and (
        order.owner_id == actor.organisation_id
        or (reading and actor.can(Permission.LINES_NATIONAL))
    )
    if order is None or not allowed:
        raise NotFound(NO_SUCH_ORDER)
    return order


def _history(
    db: Session, *, application_id: uuid.UUID | None = None, order_id: uuid.UUID | None = None
) -> list[OrderEvent]:
    column = OrderEvent.application_id if application_id else OrderEvent.order_id
    return list(
        db.scalars(
            select(OrderEvent).where(column == (application_id or order_id)).order_by(OrderEvent.at)
        )
    )


def _event(
    db: Session,
    actor: Actor,
    kind: str,
    *,
    application: Application | None = None,
    order: Order | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    db.add(
        OrderEvent(
            application_id=application.id if application else None,
            order_id=order.id if order else None,
            at=clock.now(),
            kind=kind,
            detail=json.dumps(detail, default=str) if detail else None,
            by_id=actor.user_id,
            by_name=actor.display_name,
        )
    )


def _audit(
    db: Session, actor: Actor, operation: Operation, thing: Application | Order, why: str, via: str
) -> None:
    kind = "order_application" if isinstance(thing, Application) else "order"
    record(
        db, actor, operation, RecordRef.of(kind, thing.id), why=why, owner=thing.owner_id, via=via
    )


def _commit(db: Session) -> None:
    commit_or_conflict(
        db,
        "Someone else changed this application or order while you were saving. Reload it "
        "to see their change, then make yours again.",
    )
