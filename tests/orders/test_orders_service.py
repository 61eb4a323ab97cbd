"""The life of a DDTRO: every step and the rules between them (DOMAIN.md §DDTRO)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from crossline.audit.models import AuditEntry
from crossline.auth.actor import Actor
from crossline.core import clock
from crossline.core.errors import Forbidden, InvalidInput, NotFound
from crossline.orders import services
from crossline.orders.schemas import (
    ApplicationChange,
    ApplicationStart,
    Authorisation,
    Decision,
    Hearing,
    ItemIn,
    NoticeStep,
)
from crossline.orders.states import ApplicationKind, ApplicationState, OrderState, Outcome
from crossline.orgs.models import Organisation
from tests.factories import actor_of, make_organisation, make_user
from tests.lines.conftest import make_force, record_line

NUMBER = "+447700900123"
IMEI = "357442090888655"


@dataclass(frozen=True)
class OrderForce:
    organisation: Organisation
    analyst: Actor
    applicant: Actor
    authoriser: Actor


def _force(db: Session, name: str) -> OrderForce:
    force = make_force(db, name)
    org = force.organisation
    return OrderForce(
        org,
        force.analyst,
        actor_of(make_user(db, org, ["order_applicant"]), org),
        actor_of(make_user(db, org, ["order_authoriser"]), org),
    )


@pytest.fixture(autouse=True)
def december(monkeypatch: pytest.MonkeyPatch) -> None:
    """The orders here are made on 19 December 2025; the tests run on that day."""
    monkeypatch.setattr(clock, "now", lambda: datetime(2025, 12, 19, 12, tzinfo=UTC))


@pytest.fixture
def force(db: Session) -> OrderForce:
    return _force(db, "Merseyside Police (test)")


def _ready(db: Session, force: OrderForce, **change: object) -> object:
    """A draft from a line, its items given providers and the test answered."""
    line = record_line(db, force.analyst, "L-1", [NUMBER], [IMEI])
    app = services.start_application(db, force.applicant, ApplicationStart(line_id=line.id))
    items = [
        ItemIn(kind=i.kind, identifier=i.identifier, provider="ee" if i.kind == "msisdn" else "o2")
        for i in app.items
    ]
    return services.change_application(
        db,
        force.applicant,
        app.id,
        ApplicationChange(
            version=app.version,
            limb_used="The number took 4,000 orders in six weeks (exhibit PS/1).",
            limb_prevents="Disconnecting it stops customers reaching the line.",
            duration_days=change.get("duration_days", 180),  # type: ignore[arg-type]
            items=items,
        ),
    )


def _granted(db: Session, force: OrderForce, made_on: date) -> tuple[object, object]:
    app = _ready(db, force)
    app = services.authorise(
        db, force.authoriser, app.id, Authorisation(rank="superintendent", version=app.version)
    )
    app = services.list_hearing(
        db,
        force.applicant,
        app.id,
        Hearing(hearing_at=datetime(2025, 11, 3, 10, tzinfo=UTC), version=app.version),
    )
    app = services.decide(
        db,
        force.applicant,
        app.id,
        Decision(outcome=Outcome.GRANTED, made_on=made_on, duration_days=90, version=app.version),
    )
    order, _ = services.get_order(db, force.applicant, app.order_id)
    return app, order


def test_an_application_from_a_line_is_prefilled_with_its_identifiers_and_evidence(
    db: Session, force: OrderForce
) -> None:
    line = record_line(db, force.analyst, "L-PRE", [NUMBER], [IMEI])
    app = services.start_application(db, force.applicant, ApplicationStart(line_id=line.id))
    assert app.state == ApplicationState.DRAFT.value
    assert [(i.kind, i.identifier) for i in app.items] == [("msisdn", NUMBER), ("imei", IMEI)]
    read, history = services.get_application(db, force.applicant, app.id)
    assert [e.kind for e in history] == ["started"]
    assert read.reference.startswith("DDTRO-")
    by_number = services.start_application(
        db, force.applicant, ApplicationStart(number="07700 900123")
    )
    assert by_number.line_id == line.id


def test_the_authoriser_cannot_be_the_applicant_and_must_hold_an_eligible_rank(
    db: Session, force: OrderForce
) -> None:
    app = _ready(db, force)
    both = actor_of(
        make_user(db, force.organisation, ["order_applicant", "order_authoriser"]),
        force.organisation,
    )
    own = services.start_application(db, both, ApplicationStart(number=NUMBER))
    with pytest.raises(Forbidden, match="cannot authorise"):
        services.authorise(db, both, own.id, Authorisation(rank="superintendent", version=1))
    with pytest.raises(InvalidInput, match="Only an officer of these ranks"):
        services.authorise(
            db, force.authoriser, app.id, Authorisation(rank="inspector", version=app.version)
        )
    with pytest.raises(InvalidInput, match="Only an officer"):  # an NCA rank in a force
        services.authorise(
            db,
            force.authoriser,
            app.id,
            Authorisation(rank="nca_director_general", version=app.version),
        )
    done = services.authorise(
        db,
        force.authoriser,
        app.id,
        Authorisation(rank="chief_superintendent", version=app.version),
    )
    assert done.state == ApplicationState.AUTHORISED.value
    assert done.authoriser_rank == "chief_superintendent"


def test_an_incomplete_application_is_not_authorised(db: Session, force: OrderForce) -> None:
    app = services.start_application(db, force.applicant, ApplicationStart(number=NUMBER))
    with pytest.raises(InvalidInput) as refused:
        services.authorise(
            db, force.authoriser, app.id, Authorisation(rank="superintendent", version=app.version)
        )
    assert set(refused.value.errors) == {"items[0].provider", "limb_used", "limb_prevents"}


def test_steps_follow_the_procedure_and_nothing_changes_after_authorisation(
    db: Session, force: OrderForce
) -> None:
    app = _ready(db, force)
    with pytest.raises(InvalidInput, match="cannot become listed"):
        services.list_hearing(
            db, force.applicant, app.id, Hearing(hearing_at=clock.now(), version=app.version)
        )
    with pytest.raises(InvalidInput, match="cannot become granted"):
        services.decide(
            db,
            force.applicant,
            app.id,
            Decision(outcome=Outcome.GRANTED, duration_days=30, version=app.version),
        )
    app = services.authorise(
        db, force.authoriser, app.id, Authorisation(rank="superintendent", version=app.version)
    )
    with pytest.raises(InvalidInput, match="Only a draft"):
        services.change_application(
            db, force.applicant, app.id, ApplicationChange(version=app.version, court="X")
        )
    app = services.list_hearing(
        db, force.applicant, app.id, Hearing(hearing_at=clock.now(), version=app.version)
    )
    app = services.decide(
        db,
        force.applicant,
        app.id,
        Decision(outcome=Outcome.ADJOURNED, version=app.version),
    )
    assert app.order_id is None
    app = services.list_hearing(
        db, force.applicant, app.id, Hearing(hearing_at=clock.now(), version=app.version)
    )
    app = services.decide(
        db, force.applicant, app.id, Decision(outcome=Outcome.REFUSED, version=app.version)
    )
    assert app.state == ApplicationState.REFUSED.value
    assert app.order_id is None
    _, history = services.get_application(db, force.applicant, app.id)
    assert [e.kind for e in history] == [
        "started",
        "changed",
        "authorised",
        "listed",
        "adjourned",
        "listed",
        "refused",
    ]


def test_a_granted_order_has_its_compliance_time_and_a_notice_per_provider(
    db: Session, force: OrderForce
) -> None:
    # Friday 19 December 2025: five working days after skip Christmas and Boxing Day
    _, order = _granted(db, force, date(2025, 12, 19))
    assert order.state == OrderState.IN_FORCE.value
    assert order.compliance_due == datetime(2025, 12, 31, 0, 0, tzinfo=UTC)
    assert order.expires_on == date(2025, 12, 19) + timedelta(days=90)
    assert sorted(n.provider for n in order.notices) == ["ee", "o2"]
    assert {(i.kind, i.identifier) for i in order.items} == {("msisdn", NUMBER), ("imei", IMEI)}


def test_notices_are_served_acknowledged_complied_and_chased_in_that_order(
    db: Session, force: OrderForce, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, order = _granted(db, force, date(2025, 12, 19))
    with pytest.raises(InvalidInput, match="served before"):
        services.notice_step(db, force.applicant, order.id, "ee", "complied", NoticeStep())
    services.notice_step(db, force.applicant, order.id, "ee", "served", NoticeStep())
    services.notice_step(db, force.applicant, order.id, "o2", "served", NoticeStep())
    with pytest.raises(InvalidInput, match="Say what the provider did"):
        services.notice_step(db, force.applicant, order.id, "ee", "complied", NoticeStep())
    services.notice_step(
        db, force.applicant, order.id, "ee", "complied", NoticeStep(compliance="Number disabled")
    )
    # Not yet past the compliance time: no chaser
    monkeypatch.setattr(clock, "now", lambda: datetime(2025, 12, 30, 12, tzinfo=UTC))
    with pytest.raises(InvalidInput, match="chased only"):
        services.notice_step(db, force.applicant, order.id, "o2", "chased", NoticeStep())
    assert services.overdue_notices(db, force.applicant) == []
    monkeypatch.setattr(clock, "now", lambda: datetime(2025, 12, 31, 9, tzinfo=UTC))
    overdue = services.overdue_notices(db, force.applicant)
    assert [(o.id, n.provider) for o, n in overdue] == [(order.id, "o2")]
    services.notice_step(db, force.applicant, order.id, "o2", "chased", NoticeStep())
    with pytest.raises(InvalidInput, match="chased only"):
        services.notice_step(db, force.applicant, order.id, "ee", "chased", NoticeStep())


def test_reminders_before_expiry_then_the_order_expires_and_cannot_be_varied(
    db: Session, force: OrderForce, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, order = _granted(db, force, date(2025, 12, 19))
    expires = order.expires_on
    assert expires is not None
    monkeypatch.setattr(
        clock,
        "now",
        lambda: datetime.combine(expires, datetime.min.time(), UTC) - timedelta(days=6),
    )
    found = services.reminders(db, force.applicant)
    assert [(r.reference, r.days_left, r.reminder) for r in found] == [
        (order.reference, 6, "Expires in a week")
    ]
    monkeypatch.setattr(
        clock,
        "now",
        lambda: datetime.combine(expires, datetime.min.time(), UTC) + timedelta(days=1),
    )
    expired, history = services.get_order(db, force.applicant, order.id)
    assert expired.state == OrderState.EXPIRED.value
    assert history[-1].kind == "expired"
    with pytest.raises(InvalidInput, match="only while it is in force"):
        services.start_application(
            db,
            force.applicant,
            ApplicationStart(kind=ApplicationKind.VARIATION, order_id=order.id),
        )
    with pytest.raises(InvalidInput, match="Only an order in force is served"):
        services.notice_step(db, force.applicant, order.id, "ee", "served", NoticeStep())


def test_variation_renewal_and_discharge_each_decided_change_the_order(
    db: Session, force: OrderForce
) -> None:
    _, order = _granted(db, force, date(2025, 12, 19))

    def through(kind: ApplicationKind, decision: dict[str, object], **change: object) -> None:
        app = services.start_application(
            db, force.applicant, ApplicationStart(kind=kind, order_id=order.id)
        )
        app = services.change_application(
            db,
            force.applicant,
            app.id,
            ApplicationChange(version=app.version, grounds="The line moved number.", **change),  # type: ignore[arg-type]
        )
        app = services.authorise(
            db, force.authoriser, app.id, Authorisation(rank="superintendent", version=app.version)
        )
        app = services.list_hearing(
            db, force.applicant, app.id, Hearing(hearing_at=clock.now(), version=app.version)
        )
        services.decide(
            db,
            force.applicant,
            app.id,
            Decision(
                outcome=Outcome.GRANTED, made_on=date(2025, 12, 19), version=app.version, **decision
            ),  # type: ignore[arg-type]
        )

    through(
        ApplicationKind.VARIATION,
        {},
        items=[
            ItemIn(kind="msisdn", identifier=NUMBER, provider="ee", remove=True),
            ItemIn(kind="msisdn", identifier="07700 900456", provider="vodafone"),
        ],
    )
    varied, _ = services.get_order(db, force.applicant, order.id)
    live = {i.identifier for i in varied.items if i.removed_on is None}
    assert live == {IMEI, "+447700900456"}
    assert "vodafone" in {n.provider for n in varied.notices}

    through(ApplicationKind.RENEWAL, {"duration_days": 60})
    renewed, _ = services.get_order(db, force.applicant, order.id)
    assert renewed.expires_on == date(2025, 12, 19) + timedelta(days=90 + 60)

    through(ApplicationKind.DISCHARGE, {})
    discharged, history = services.get_order(db, force.applicant, order.id)
    assert discharged.state == OrderState.DISCHARGED.value
    assert discharged.ended_on == date(2025, 12, 19)
    assert [e.kind for e in history if e.kind.endswith("_granted")] == [
        "variation_granted",
        "renewal_granted",
        "discharge_granted",
    ]


def test_only_order_roles_act_and_another_force_sees_nothing_and_every_step_is_audited(
    db: Session, force: OrderForce
) -> None:
    app, order = _granted(db, force, date(2025, 12, 19))
    other = _force(db, "West Mercia Police (test)")
    with pytest.raises(NotFound):
        services.get_order(db, other.applicant, order.id)
    with pytest.raises(NotFound):
        services.get_application(db, other.applicant, app.id)
    assert services.list_orders(db, other.applicant) == []
    with pytest.raises(Forbidden):
        services.start_application(db, force.analyst, ApplicationStart(number=NUMBER))
    council = make_organisation(db, "local_authority")
    worker = actor_of(make_user(db, council, ["safeguarding_practitioner"]), council)
    with pytest.raises(Forbidden):
        services.list_orders(db, worker)
    kinds = db.scalars(
        select(AuditEntry.operation).where(AuditEntry.record_id == str(app.id))
    ).all()
    assert kinds.count("collection") == 1
    assert kinds.count("alteration") == 4  # changed, authorised, listed, granted
