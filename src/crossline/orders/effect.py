"""What a line did after its order: resurfacing alerts, and the effect across all orders.

DOMAIN.md §DDTRO.use: the post-implementation review found little evidence
that orders alone disrupt lines, because groups recover fast, and no national
count of orders is held. So Crossline watches each order's line: a number or
handset the line uses after the order was made, that the order does not
cover, is an alert on the order (from the line register, where analysts
bring lines up to date, or straight from the organisation's latest analysis
run), and the effect report counts orders, their compliance and what the
lines did next, for every force.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crossline.analytics.models import AnalysisRun, Finding
from crossline.audit.services import Operation, RecordRef, record
from crossline.auth.actor import Actor
from crossline.auth.permissions import Permission
from crossline.core import clock
from crossline.core.calendar import UK
from crossline.core.errors import InvalidInput, NotFound
from crossline.lines.models import Line
from crossline.lines.services.confirming import utc
from crossline.orders.models import Application, Order, OrderAlert, OrderEvent
from crossline.orders.schemas import ApplicationStart, EffectRead, ItemIn, ReportRow
from crossline.orders.states import ApplicationKind, OrderState

# Each owner's latest analysis run, read once for all the orders checked in one call:
# owner -> the run's id and its findings of lines, parsed (None: no run yet).
RunFindings = dict[uuid.UUID, tuple[uuid.UUID, list[tuple[str, dict[str, Any]]]] | None]


def check_resurfacing(
    db: Session, order: Order, runs: RunFindings | None = None
) -> list[OrderAlert]:
    """Record an alert for each number or handset the order's line took up after it was made.

    Returns the new alerts (none for an order without a line). Each is also an
    event in the order's history. ``runs`` holds the latest runs read so far in
    this call, so that checking many orders reads each owner's run once. The
    caller commits.
    """
    if order.line_id is None:
        return []
    line = db.get_one(Line, order.line_id)
    since = datetime.combine(order.made_on, time(0), tzinfo=UK).astimezone(UTC)
    covered = {(i.kind, i.identifier) for i in order.items}
    known = {(a.kind, a.identifier) for a in _alerts_of(db, order.id)}
    new = []
    for kind, identifier, first_seen, source in _taken_up(db, order, line, runs or {}):
        key = (kind, identifier)
        if first_seen < since or key in covered or key in known:
            continue
        known.add(key)
        alert = OrderAlert(
            id=uuid.uuid4(),
            order_id=order.id,
            owner_id=order.owner_id,
            kind=kind,
            identifier=identifier,
            first_seen=first_seen,
            source=source,
            raised_at=clock.now(),
        )
        db.add(alert)
        db.add(
            OrderEvent(
                order_id=order.id,
                at=clock.now(),
                kind="resurfaced",
                detail=json.dumps(
                    {
                        "identifier": identifier,
                        "first_seen": first_seen.isoformat(),
                        "source": source,
                    }
                ),
                by_name="Crossline",
            )
        )
        new.append(alert)
    db.flush()
    return new


def alerts(db: Session, actor: Actor, orders: Sequence[Order]) -> list[OrderAlert]:
    """The alerts on ``orders`` (already checked for the actor), checking them again first."""
    found = []
    runs: RunFindings = {}
    for order in orders:
        check_resurfacing(db, order, runs)
        found.extend(_alerts_of(db, order.id))
    if found:
        record(
            db,
            actor,
            Operation.CONSULTATION,
            RecordRef.of("order_alerts", actor.organisation_id),
            why="reading resurfacing alerts on DDTROs",
            owner=actor.organisation_id,
            via="web",
        )
    db.commit()
    return found


def application_from_alert(
    db: Session, alert_id: uuid.UUID, actor: Actor
) -> tuple[Order, list[OrderAlert], ApplicationStart, list[ItemIn], str]:
    """What to start from an alert: a variation of an order in force, else a new order.

    Returns the order, its open alerts (all taken up in one application), the
    start, the items and the grounds to write in it.
    """
    alert = db.get(OrderAlert, alert_id)
    if alert is None or alert.owner_id != actor.organisation_id:
        raise NotFound("There is no such alert on your organisation's orders.")
    if alert.application_id is not None:
        raise InvalidInput("An application was started from this alert already.", field="alert_id")
    order = db.get_one(Order, alert.order_id)
    open_alerts = [a for a in _alerts_of(db, order.id) if a.application_id is None]
    new_items = [ItemIn(kind=a.kind, identifier=a.identifier) for a in open_alerts]
    grounds = "; ".join(
        f"since the order was made on {order.made_on:%-d %B %Y}, its line has used "
        f"{a.identifier}, first seen on {a.first_seen.astimezone(UK):%-d %B %Y} ({a.source})"
        for a in open_alerts
    )
    grounds = grounds[0].upper() + grounds[1:] + "."
    if order.state == OrderState.IN_FORCE.value:
        kept = [
            ItemIn(kind=i.kind, identifier=i.identifier, provider=i.provider)
            for i in order.items
            if i.removed_on is None
        ]
        start = ApplicationStart(kind=ApplicationKind.VARIATION, order_id=order.id)
        return order, open_alerts, start, kept + new_items, grounds
    start = ApplicationStart(
        kind=ApplicationKind.ORDER, line_id=order.line_id, jurisdiction=order.jurisdiction
    )
    return order, open_alerts, start, new_items, grounds


def report(db: Session, actor: Actor, orders: Sequence[Order]) -> list[ReportRow]:
    """Per order: line, identifiers, dates applied, made, complied and expiry; state; effect.

    Effect: resurfaced or not, the new identifiers, and the days from the
    order to the first of them. Audited as one consultation.
    """
    actor.require(Permission.ORDERS_READ)
    rows = []
    runs: RunFindings = {}
    for order in orders:
        check_resurfacing(db, order, runs)
        made = _alerts_of(db, order.id)
        first = min((a.first_seen for a in made), default=None)
        application = db.scalar(
            select(Application).where(
                Application.order_id == order.id, Application.kind == ApplicationKind.ORDER.value
            )
        )
        notices = list(order.notices)
        complied = (
            max(n.complied_at for n in notices if n.complied_at)
            if notices and all(n.complied_at for n in notices)
            else None
        )
        line = db.get(Line, order.line_id) if order.line_id else None
        rows.append(
            ReportRow(
                order_id=order.id,
                reference=order.reference,
                organisation_id=order.owner_id,
                line=line.reference if line else None,
                identifiers=[i.identifier for i in order.items],
                applied=application.created_at.date() if application else None,
                made=order.made_on,
                complied=complied.date() if complied else None,
                expiry=order.expires_on,
                state=OrderState(order.state),
                effect=EffectRead(
                    resurfaced=bool(made),
                    new_identifiers=[a.identifier for a in made],
                    days_to_resurfacing=(first.astimezone(UK).date() - order.made_on).days
                    if first
                    else None,
                ),
            )
        )
    record(
        db,
        actor,
        Operation.CONSULTATION,
        RecordRef.of("order_report", actor.organisation_id),
        why="reporting the effect of DDTROs",
        owner=actor.organisation_id,
        via="web",
    )
    db.commit()
    return rows


def _alerts_of(db: Session, order_id: uuid.UUID) -> list[OrderAlert]:
    return list(
        db.scalars(
            select(OrderAlert)
            .where(OrderAlert.order_id == order_id)
            .order_by(OrderAlert.first_seen)
        )
    )


def _taken_up(
    db: Session, order: Order, line: Line, runs: RunFindings
) -> Iterator[tuple[str, str, datetime, str]]:
    """Every number and handset the line is known to use, with when it was first seen, and where."""
    for n in line.numbers:
        yield "msisdn", n.number, n.valid_from, f"line register, line {line.reference}"
    for h in line.handsets:
        yield "imei", h.imei, h.valid_from, f"line register, line {line.reference}"
    if order.owner_id not in runs:
        runs[order.owner_id] = _latest_findings(db, order.owner_id)
    latest = runs[order.owner_id]
    if latest is None:
        return
    run_id, findings = latest
    held = {n.number for n in line.numbers}
    for analysis_line_id, entry in findings:
        numbers = {n["number"] for n in entry["numbers"]}
        if analysis_line_id != line.analysis_line_id and not numbers & held:
            continue
        source = f"analysis run {run_id}, line {analysis_line_id}"
        for n in entry["numbers"]:
            yield "msisdn", n["number"], utc(n["first_seen"]), source
        for h in entry.get("handsets", []):
            yield "imei", h["imei"], utc(h["first_seen"]), source


def _latest_findings(
    db: Session, owner_id: uuid.UUID
) -> tuple[uuid.UUID, list[tuple[str, dict[str, Any]]]] | None:
    """The owner's latest finished analysis run and its findings of lines, parsed."""
    run = db.scalar(
        select(AnalysisRun)
        .where(AnalysisRun.owner_id == owner_id, AnalysisRun.status == "done")
        .order_by(AnalysisRun.finished_at.desc())
        .limit(1)
    )
    if run is None:
        return None
    findings = db.scalars(select(Finding).where(Finding.run_id == run.id, Finding.kind == "line"))
    return run.id, [(f.line_id, json.loads(f.detail)) for f in findings]
