"""Shapes of applications, orders and notices in the API: separate ones to write and to read."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from crossline.orders.models import Application, Order, OrderAlert, OrderEvent, ProviderNotice
from crossline.orders.reference import ITEM_KINDS, PROVIDERS
from crossline.orders.states import (
    KIND_LABELS,
    ApplicationKind,
    ApplicationState,
    OrderState,
    Outcome,
)

# --- input ------------------------------------------------------------------------------------


class ItemIn(BaseModel):
    kind: str = Field(title="What it is")  # an item_kinds id
    identifier: str = Field(min_length=1, max_length=64, title="Identifier")
    provider: str | None = Field(None, title="Provider")  # a providers id
    evidence: str | None = Field(None, max_length=5000, title="Evidence for this item")
    remove: bool = False  # in a variation: take this item out of the order


class ApplicationStart(BaseModel):
    """Start an application from a line, a number or a handset, or against an order."""

    kind: ApplicationKind = ApplicationKind.ORDER
    line_id: uuid.UUID | None = None
    number: str | None = Field(None, max_length=40)
    imei: str | None = Field(None, max_length=20)
    order_id: uuid.UUID | None = None  # variation, renewal, discharge
    jurisdiction: str = "england-and-wales"


class ApplicationChange(BaseModel):
    """What the applicant writes in a draft; fields left out are kept."""

    version: int
    court: str | None = Field(None, max_length=200)
    limb_used: str | None = Field(None, max_length=20_000)
    limb_prevents: str | None = Field(None, max_length=20_000)
    grounds: str | None = Field(None, max_length=20_000)
    duration_days: int | None = Field(None, ge=1, le=3650)
    until_discharged: bool | None = None
    items: list[ItemIn] | None = Field(None, max_length=200)


class Authorisation(BaseModel):
    rank: str = Field(title="Your rank")  # an applicant_ranks id
    version: int


class Hearing(BaseModel):
    court: str | None = Field(None, max_length=200)
    hearing_at: datetime
    version: int


class Decision(BaseModel):
    outcome: Outcome
    made_on: date | None = None  # granted: the date of the order
    duration_days: int | None = Field(None, ge=1, le=3650)  # as made; None with until_discharged
    until_discharged: bool = False
    compliance_due: datetime | None = None  # only when the court set another time
    note: str | None = Field(None, max_length=5000)
    version: int


class Reason(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)
    version: int


class NoticeStep(BaseModel):
    at: datetime | None = None  # when it happened; now if left out
    compliance: str | None = Field(None, max_length=2000)  # complied: what the provider did


# --- output -----------------------------------------------------------------------------------


class ItemRead(BaseModel):
    kind: str
    kind_label: str
    identifier: str
    provider: str | None
    provider_label: str | None
    evidence: str | None = None
    remove: bool = False
    removed_on: date | None = None


def _item(kind: str, identifier: str, provider: str | None, **more: Any) -> ItemRead:
    return ItemRead(
        kind=kind,
        kind_label=ITEM_KINDS[kind].label if kind in ITEM_KINDS else kind,
        identifier=identifier,
        provider=provider,
        provider_label=PROVIDERS[provider].label if provider in PROVIDERS else None,
        **more,
    )


class EventRead(BaseModel):
    at: datetime
    kind: str
    by: str
    detail: dict[str, Any] | None

    @classmethod
    def of(cls, event: OrderEvent) -> EventRead:
        detail = json.loads(event.detail) if event.detail else None
        return cls(at=event.at, kind=event.kind, by=event.by_name, detail=detail)


class ApplicationRead(BaseModel):
    application_id: uuid.UUID
    reference: str
    kind: ApplicationKind
    kind_label: str
    state: ApplicationState
    order_id: uuid.UUID | None
    line_id: uuid.UUID | None
    jurisdiction: str
    court: str | None
    applicant: str
    authoriser: str | None
    authoriser_rank: str | None
    authorised_at: datetime | None
    limb_used: str | None
    limb_prevents: str | None
    grounds: str | None
    duration_days: int | None
    evidence: dict[str, Any]
    items: list[ItemRead]
    hearing_at: datetime | None
    decided_at: datetime | None
    decision_note: str | None
    history: list[EventRead]
    version: int

    @classmethod
    def of(cls, app: Application, history: list[OrderEvent]) -> ApplicationRead:
        return cls(
            application_id=app.id,
            reference=app.reference,
            kind=ApplicationKind(app.kind),
            kind_label=KIND_LABELS[ApplicationKind(app.kind)],
            state=ApplicationState(app.state),
            order_id=app.order_id,
            line_id=app.line_id,
            jurisdiction=app.jurisdiction,
            court=app.court,
            applicant=app.applicant_name,
            authoriser=app.authoriser_name,
            authoriser_rank=app.authoriser_rank,
            authorised_at=app.authorised_at,
            limb_used=app.limb_used,
            limb_prevents=app.limb_prevents,
            grounds=app.grounds,
            duration_days=app.duration_days,
            evidence=json.loads(app.evidence),
            items=[
                _item(i.kind, i.identifier, i.provider, evidence=i.evidence, remove=i.remove)
                for i in app.items
            ],
            hearing_at=app.hearing_at,
            decided_at=app.decided_at,
            decision_note=app.decision_note,
            history=[EventRead.of(e) for e in history],
            version=app.version,
        )


class NoticeRead(BaseModel):
    provider: str
    provider_label: str
    served_at: datetime | None
    acknowledged_at: datetime | None
    complied_at: datetime | None
    compliance: str | None
    chased_at: datetime | None
    overdue: bool  # served, not complied, and past the order's compliance time

    @classmethod
    def of(cls, notice: ProviderNotice, order: Order, now: datetime) -> NoticeRead:
        return cls(
            provider=notice.provider,
            provider_label=PROVIDERS[notice.provider].label,
            served_at=notice.served_at,
            acknowledged_at=notice.acknowledged_at,
            complied_at=notice.complied_at,
            compliance=notice.compliance,
            chased_at=notice.chased_at,
            overdue=notice.complied_at is None and now > order.compliance_due,
        )


class OrderRead(BaseModel):
    order_id: uuid.UUID
    reference: str
    line_id: uuid.UUID | None
    jurisdiction: str
    court: str
    made_on: date
    compliance_due: datetime
    expires_on: date | None  # None: until discharged
    state: OrderState
    ended_on: date | None
    items: list[ItemRead]
    notices: list[NoticeRead]
    history: list[EventRead]
    version: int

    @classmethod
    def of(cls, order: Order, history: list[OrderEvent], now: datetime) -> OrderRead:
        return cls(
            order_id=order.id,
            reference=order.reference,
            line_id=order.line_id,
            jurisdiction=order.jurisdiction,
            court=order.court,
            made_on=order.made_on,
            compliance_due=order.compliance_due,
            expires_on=order.expires_on,
            state=OrderState(order.state),
            ended_on=order.ended_on,
            items=[
                _item(i.kind, i.identifier, i.provider, removed_on=i.removed_on)
                for i in order.items
            ],
            notices=[NoticeRead.of(n, order, now) for n in order.notices],
            history=[EventRead.of(e) for e in history],
            version=order.version,
        )


class ReminderRead(BaseModel):
    order_id: uuid.UUID
    reference: str
    expires_on: date
    days_left: int
    reminder: str


class OrderAlertRead(BaseModel):
    """A line with an order back on a number or handset the order does not cover."""

    alert_id: uuid.UUID
    order_id: uuid.UUID
    order_reference: str
    kind: str
    identifier: str
    first_seen: datetime
    days_after_order: int
    source: str
    raised_at: datetime
    application_id: uuid.UUID | None  # the application started from it

    @classmethod
    def of(cls, alert: OrderAlert, order: Order) -> OrderAlertRead:
        return cls(
            alert_id=alert.id,
            order_id=order.id,
            order_reference=order.reference,
            kind=alert.kind,
            identifier=alert.identifier,
            first_seen=alert.first_seen,
            days_after_order=(alert.first_seen.date() - order.made_on).days,
            source=alert.source,
            raised_at=alert.raised_at,
            application_id=alert.application_id,
        )


class EffectRead(BaseModel):
    resurfaced: bool
    new_identifiers: list[str]
    days_to_resurfacing: int | None


class ReportRow(BaseModel):
    """One order in the effect report: its dates, state, and what its line did next."""

    order_id: uuid.UUID
    reference: str
    organisation_id: uuid.UUID
    line: str | None
    identifiers: list[str]
    applied: date | None
    made: date
    complied: date | None  # every provider complied by then
    expiry: date | None
    state: OrderState
    effect: EffectRead
