"""Applications, orders, their items, notices to providers, and the history of each.

An **application** asks a court for an order, or to vary, renew or discharge
one. It is prepared by an applicant, authorised by another officer of
eligible rank (DOMAIN.md §DDTRO.applicant), heard, and decided. A granted
application for an order makes an **order**; one to vary, renew or discharge
changes the order it names. Each order has a **notice** per provider, whose
service, acknowledgement and compliance are recorded. Every step is an
**event** in the history of the application or order it belongs to.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crossline.core import clock
from crossline.core.database import Base, HasCreated, HasId, Versioned


class Application(HasId, HasCreated, Versioned, Base):
    __tablename__ = "order_applications"
    __table_args__ = (
        UniqueConstraint("owner_id", "reference", name="uq_order_applications_owner_reference"),
    )

    owner_id: Mapped[uuid.UUID] = mapped_column(Uuid(), ForeignKey("organisations.id"), index=True)
    reference: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(16))  # an ApplicationKind
    state: Mapped[str] = mapped_column(String(16))  # an ApplicationState
    order_id: Mapped[uuid.UUID | None] = mapped_column(Uuid(), ForeignKey("orders.id"))
    line_id: Mapped[uuid.UUID | None] = mapped_column(Uuid(), ForeignKey("lines.id"), index=True)
    jurisdiction: Mapped[str] = mapped_column(String(32))
    court: Mapped[str | None] = mapped_column(String(200))
    applicant_id: Mapped[uuid.UUID | None] = mapped_column(Uuid(), ForeignKey("users.id"))
    applicant_name: Mapped[str] = mapped_column(String(200))
    authoriser_id: Mapped[uuid.UUID | None] = mapped_column(Uuid(), ForeignKey("users.id"))
    authoriser_name: Mapped[str | None] = mapped_column(String(200))
    authoriser_rank: Mapped[str | None] = mapped_column(String(40))  # an applicant_ranks id
    authorised_at: Mapped[datetime | None]
    limb_used: Mapped[str | None] = mapped_column(Text)  # §DDTRO.test limb 1, the answer
    limb_prevents: Mapped[str | None] = mapped_column(Text)  # §DDTRO.test limb 2
    evidence: Mapped[str] = mapped_column(Text, default="{}")  # JSON: what Crossline held
    grounds: Mapped[str | None] = mapped_column(Text)  # variation, renewal or discharge: why
    duration_days: Mapped[int | None]  # asked for; None: until discharged
    hearing_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str | None] = mapped_column(Text)
    changed_at: Mapped[datetime] = mapped_column(default=clock.now)

    items: Mapped[list[ApplicationItem]] = relationship(
        cascade="all, delete-orphan", order_by="ApplicationItem.position", lazy="selectin"
    )


class ApplicationItem(HasId, Base):
    """A number, handset or other identifier the application asks the order to cover."""

    __tablename__ = "order_application_items"

    application_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("order_applications.id"), index=True
    )
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(String(16))  # an item_kinds id
    identifier: Mapped[str] = mapped_column(String(64), index=True)
    provider: Mapped[str | None] = mapped_column(String(32))  # a providers id, by authorisation
    evidence: Mapped[str | None] = mapped_column(Text)  # §DDTRO.test: evidence per item
    remove: Mapped[bool] = mapped_column(default=False)  # a variation taking it out


class Order(HasId, HasCreated, Versioned, Base):
    __tablename__ = "orders"

    owner_id: Mapped[uuid.UUID] = mapped_column(Uuid(), ForeignKey("organisations.id"), index=True)
    reference: Mapped[str] = mapped_column(String(40))  # the application's that made it
    line_id: Mapped[uuid.UUID | None] = mapped_column(Uuid(), ForeignKey("lines.id"), index=True)
    jurisdiction: Mapped[str] = mapped_column(String(32))
    court: Mapped[str] = mapped_column(String(200))
    made_on: Mapped[date]
    compliance_due: Mapped[datetime]
    expires_on: Mapped[date | None]  # None: until discharged (§DDTRO.duration)
    state: Mapped[str] = mapped_column(String(16))  # an OrderState
    ended_on: Mapped[date | None]  # expired or discharged on
    changed_at: Mapped[datetime] = mapped_column(default=clock.now)

    items: Mapped[list[OrderItem]] = relationship(
        cascade="all, delete-orphan", order_by="OrderItem.position", lazy="selectin"
    )
    notices: Mapped[list[ProviderNotice]] = relationship(
        cascade="all, delete-orphan", order_by="ProviderNotice.provider", lazy="selectin"
    )


class OrderItem(HasId, Base):
    __tablename__ = "order_items"

    order_id: Mapped[uuid.UUID] = mapped_column(Uuid(), ForeignKey("orders.id"), index=True)
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(String(16))
    identifier: Mapped[str] = mapped_column(String(64), index=True)
    provider: Mapped[str] = mapped_column(String(32))
    removed_on: Mapped[date | None]  # a variation took it out (§DDTRO.duration)


class ProviderNotice(HasId, Base):
    """The order as served on one provider, and what the provider did."""

    __tablename__ = "order_notices"
    __table_args__ = (UniqueConstraint("order_id", "provider", name="uq_order_notices_provider"),)

    order_id: Mapped[uuid.UUID] = mapped_column(Uuid(), ForeignKey("orders.id"), index=True)
    provider: Mapped[str] = mapped_column(String(32))
    served_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]
    complied_at: Mapped[datetime | None]
    compliance: Mapped[str | None] = mapped_column(Text)  # what the provider says it did
    chased_at: Mapped[datetime | None]  # the last chaser


class OrderEvent(HasId, Base):
    """One step in the history of an application or an order: what, who, when, why."""

    __tablename__ = "order_events"

    application_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid(), ForeignKey("order_applications.id"), index=True
    )
    order_id: Mapped[uuid.UUID | None] = mapped_column(Uuid(), ForeignKey("orders.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=clock.now)
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str | None] = mapped_column(Text)  # JSON
    by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid(), ForeignKey("users.id"))
    by_name: Mapped[str] = mapped_column(String(200))


class OrderAlert(HasId, Base):
    """A line with an order back on a number or handset the order does not cover.

    DOMAIN.md §DDTRO.use: groups recover fast after an order, so a new number
    or handset on the order's line after it was made is an alert on the
    order, with the evidence, until an application is started from it.
    """

    __tablename__ = "order_alerts"
    __table_args__ = (
        UniqueConstraint("order_id", "kind", "identifier", name="uq_order_alerts_identifier"),
    )

    order_id: Mapped[uuid.UUID] = mapped_column(Uuid(), ForeignKey("orders.id"), index=True)
    owner_id: Mapped[uuid.UUID] = mapped_column(Uuid(), ForeignKey("organisations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # an item_kinds id
    identifier: Mapped[str] = mapped_column(String(64))
    first_seen: Mapped[datetime]
    source: Mapped[str] = mapped_column(Text)  # where it was seen: the register, or a run
    raised_at: Mapped[datetime] = mapped_column(default=clock.now)
    application_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid(), ForeignKey("order_applications.id")
    )
