"""Who delivers each programme, and referrals of young people to them.

A **delivery** says that an organisation runs a catalogue programme (its
administrators say so). A **referral** sends one young person to one
programme at one delivering organisation; it is sent, then accepted or
declined (with a reason), enrolled, completed or withdrawn, each step a
:class:`ReferralEvent`. The provider sees only the referrals made to it.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from crossline.core import clock
from crossline.core.database import Base, HasCreated, HasId, Versioned


class ProgrammeDelivery(HasId, HasCreated, Base):
    """An organisation that runs a catalogue programme and takes referrals to it."""

    __tablename__ = "programme_deliveries"
    __table_args__ = (
        UniqueConstraint("organisation_id", "programme_id", name="uq_programme_deliveries"),
    )

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("organisations.id"), index=True
    )
    programme_id: Mapped[str] = mapped_column(String(64), index=True)  # programmes.yaml id
    note: Mapped[str | None] = mapped_column(Text)  # where, for whom, how to refer


class Referral(HasId, HasCreated, Versioned, Base):
    """One young person referred to one programme at one provider."""

    __tablename__ = "referrals"

    young_person_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("young_people.id"), index=True
    )
    programme_id: Mapped[str] = mapped_column(String(64), index=True)
    provider_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("organisations.id"), index=True
    )
    referrer_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("organisations.id"), index=True
    )
    state: Mapped[str] = mapped_column(String(16))  # sent | accepted | declined | enrolled | ...
    reason: Mapped[str] = mapped_column(Text)  # why the referrer sends them
    # What the provider is told about the young person: only this, copied when sent.
    shared_summary: Mapped[str] = mapped_column(Text)
    eligibility: Mapped[str] = mapped_column(Text, default="[]")  # JSON reasons when sent
    sent_at: Mapped[datetime]
    sent_by_name: Mapped[str] = mapped_column(String(200))
    decision_reason: Mapped[str | None] = mapped_column(Text)  # why declined
    outcome: Mapped[str | None] = mapped_column(String(32))  # a reference id, on completion
    outcome_note: Mapped[str | None] = mapped_column(Text)
    changed_at: Mapped[datetime] = mapped_column(default=clock.now)


class ReferralEvent(HasId, Base):
    """One step of a referral: who, when, what."""

    __tablename__ = "referral_events"

    referral_id: Mapped[uuid.UUID] = mapped_column(Uuid(), ForeignKey("referrals.id"), index=True)
    at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    by_name: Mapped[str] = mapped_column(String(200))
    by_organisation_id: Mapped[uuid.UUID] = mapped_column(Uuid(), ForeignKey("organisations.id"))
