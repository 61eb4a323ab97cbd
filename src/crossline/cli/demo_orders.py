"""Demo lines and DDTROs: the demo world's lines confirmed, and orders in every state.

The demo analyst confirms the lines analysis found into the register (all but
the best, left on the Lines page to confirm by hand); the
demo applicant and authoriser then take applications and orders on them
through every state (docs/orders.md), each through the services, so the
history and audit are as real use would leave them. Orders are dated in the
demo world's weeks; one is made on a line's first number before the line
moved to its next, so that its resurfacing alert shows. Idempotent: once the
demo force holds an application, nothing more is added.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crossline.analytics.models import AnalysisRun, Finding
from crossline.auth.actor import Actor
from crossline.auth.signin import actor_for_email
from crossline.core import clock
from crossline.lines import services as lines
from crossline.lines.models import Line
from crossline.lines.schemas import FindingConfirm
from crossline.orders import services as orders
from crossline.orders.models import Application
from crossline.orders.schemas import (
    ApplicationChange,
    ApplicationStart,
    Authorisation,
    Decision,
    Hearing,
    ItemIn,
    NoticeStep,
)
from crossline.orders.states import ApplicationKind, Outcome

ANALYST = "analyst@demo.crossline.uk"
APPLICANT = "applicant@demo.crossline.uk"
AUTHORISER = "authoriser@demo.crossline.uk"
# The states the other lines' applications are left in (docs/orders.md).
STAGES: tuple[dict[str, Any], ...] = (
    {"stop": "granted", "days": 730, "served": True},  # in force, one provider complied
    {"stop": "granted", "days": 60},  # expired
    {"stop": "granted", "days": 730, "discharge": True},  # discharged
    {"stop": "draft"},
    {"stop": "authorised"},
    {"stop": "listed"},
    {"stop": "refused"},
)
# A provider per item in turn, so that notices go to several providers.
PROVIDERS = ("ee", "vodafone", "o2", "three")


def seed_demo_orders(db: Session) -> tuple[int, int]:
    """Confirm the demo analysis's lines and take orders on them; (lines, applications) added."""
    analyst, applicant = actor_for_email(db, ANALYST), actor_for_email(db, APPLICANT)
    authoriser = actor_for_email(db, AUTHORISER)
    held = db.scalar(
        select(func.count(Application.id)).where(Application.owner_id == applicant.organisation_id)
    )
    if held:
        return 0, 0
    confirmed = _confirm_lines(db, analyst)
    register = db.scalars(
        select(Line).where(Line.owner_id == analyst.organisation_id).order_by(Line.reference)
    ).all()
    if not register:
        return confirmed, 0
    moved = [line for line in register if _successions(db, line)]
    steady = [line for line in register if line not in moved] or list(register)
    plan: list[tuple[Line, dict[str, Any]]] = []
    if moved:  # resurfaced: the order covers the first number only
        plan.append((moved[0], {"stop": "granted", "first_only": True, "days": 730}))
    plan += [
        (line, stage)
        for line, stage in zip(
            steady + moved[1:],
            STAGES,
            strict=False,
        )
    ]
    for line, stage in plan:
        made_on = _made_on(line, stage.get("first_only", False))
        _through(db, applicant, authoriser, line, made_on, **stage)
    orders.resurfacing_alerts(db, applicant)  # raised now, so the demo opens with them
    return confirmed, len(plan)


def _confirm_lines(db: Session, analyst: Actor) -> int:
    run = db.scalar(
        select(AnalysisRun)
        .where(AnalysisRun.owner_id == analyst.organisation_id, AnalysisRun.status == "done")
        .order_by(AnalysisRun.finished_at.desc())
        .limit(1)
    )
    if run is None:
        return 0
    added = 0
    # The best finding is left for the demo analyst to confirm on the Lines page.
    for finding in lines.findings_to_confirm(db, analyst, via="cli")[1:]:
        lines.confirm_finding(db, analyst, FindingConfirm(finding_id=finding.id), via="cli")
        added += 1
    return added


def _successions(db: Session, line: Line) -> list[dict[str, Any]]:
    if line.source_finding_id is None:
        return []
    links: list[dict[str, Any]] = json.loads(
        db.get_one(Finding, line.source_finding_id).detail
    ).get("successor_links", [])
    return links


def _made_on(line: Line, first_only: bool) -> date:
    """A day the line was dealing: before its next number was first seen, for the first."""
    numbers = sorted(line.numbers, key=lambda n: n.valid_from)
    if first_only and len(numbers) > 1:
        return (numbers[1].valid_from - timedelta(days=1)).date()
    return (numbers[0].valid_from + timedelta(days=7)).date()


def _through(
    db: Session,
    applicant: Actor,
    authoriser: Actor,
    line: Line,
    made_on: date | None,
    *,
    stop: str,
    days: int = 90,
    first_only: bool = False,
    served: bool = False,
    discharge: bool = False,
) -> Application:
    numbers = sorted(line.numbers, key=lambda n: n.valid_from)
    covered = (
        numbers[:1] if first_only else [n for n in numbers if n.valid_to is None] or numbers[-1:]
    )
    items = [
        ItemIn(kind="msisdn", identifier=n.number, provider=PROVIDERS[i % len(PROVIDERS)])
        for i, n in enumerate(covered)
    ]
    app = orders.start_application(db, applicant, ApplicationStart(line_id=line.id), via="cli")
    app = orders.change_application(
        db,
        applicant,
        app.id,
        ApplicationChange(
            version=app.version,
            limb_used=f"Line {line.reference} advertises and takes orders for class A drugs "
            "through these numbers: bulk marketing texts to its customers, short calls at all "
            "hours (the communications data analysis, exhibited).",
            limb_prevents="Customers reach the line only through these numbers; disabling them "
            "stops the orders until the group builds a new customer list.",
            duration_days=days,
            items=items,
        ),
        via="cli",
    )
    if stop == "draft":
        return app
    app = orders.authorise(
        db, authoriser, app.id, Authorisation(rank="superintendent", version=app.version), via="cli"
    )
    if stop == "authorised":
        return app
    when = datetime.combine(made_on or clock.now().date(), datetime.min.time(), UTC)
    app = orders.list_hearing(
        db,
        applicant,
        app.id,
        Hearing(hearing_at=when + timedelta(hours=10), version=app.version),
        via="cli",
    )
    if stop == "listed":
        return app
    outcome = Outcome.REFUSED if stop == "refused" else Outcome.GRANTED
    app = orders.decide(
        db,
        applicant,
        app.id,
        Decision(outcome=outcome, made_on=made_on, duration_days=days, version=app.version),
        via="cli",
    )
    if outcome is Outcome.GRANTED and app.order_id is not None:
        order, _ = orders.get_order(db, applicant, app.order_id, via="cli")
        if served:
            first = order.notices[0].provider
            for notice in order.notices:
                orders.notice_step(
                    db,
                    applicant,
                    order.id,
                    notice.provider,
                    "served",
                    NoticeStep(at=when + timedelta(hours=14)),
                    via="cli",
                )
            orders.notice_step(
                db,
                applicant,
                order.id,
                first,
                "complied",
                NoticeStep(at=when + timedelta(days=2), compliance="Number disabled"),
                via="cli",
            )
        if discharge:
            _discharge(db, applicant, authoriser, order.id, made_on or clock.now().date())
    return app


def _discharge(
    db: Session, applicant: Actor, authoriser: Actor, order_id: Any, made_on: date
) -> None:
    app = orders.start_application(
        db,
        applicant,
        ApplicationStart(kind=ApplicationKind.DISCHARGE, order_id=order_id),
        via="cli",
    )
    app = orders.change_application(
        db,
        applicant,
        app.id,
        ApplicationChange(
            version=app.version, grounds="The line holder was charged; the line is closed."
        ),
        via="cli",
    )
    app = orders.authorise(
        db, authoriser, app.id, Authorisation(rank="superintendent", version=app.version), via="cli"
    )
    when = datetime.combine(made_on + timedelta(days=21), datetime.min.time(), UTC)
    app = orders.list_hearing(
        db, applicant, app.id, Hearing(hearing_at=when, version=app.version), via="cli"
    )
    orders.decide(
        db,
        applicant,
        app.id,
        Decision(
            outcome=Outcome.GRANTED, made_on=made_on + timedelta(days=21), version=app.version
        ),
        via="cli",
    )
