"""Funds, bids, the panel's scores and monitoring returns (DOMAIN.md §EIYF).

A **fund** belongs to the fund owner that opened it, with its budget, its cap per
bid, its years and its dates. A **bid** is led by a police and crime
commissioner with its partners; it is drafted, submitted, then awarded (an
amount within the fund's budget) or declined. Each assessor of the fund owner
scores a submitted bid once per criterion (a **score**, changed until the
decision). An awarded bid makes one **monitoring return** a year; the year's
grant is paid in arrears, so it becomes payable when the fund accepts that
year's return. Amounts are whole pounds. A fund's **assessment panel** is the assessors
its administrators appoint (a **panel member** each); a member who declares a
**conflict of interest** in a bid does not score it. A **funded service** names an organisation
delivering a catalogue programme that an awarded bid pays for, which that organisation's
administrator confirms (or refuses, with the reason); the referrals made to a confirmed one
in each year of the grant are the bid's outcomes (core/outcomes.py).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from crossline.core.database import Base, HasCreated, HasId, Versioned


class Fund(HasId, HasCreated, Versioned, Base):
    __tablename__ = "funds"

    owner_id: Mapped[uuid.UUID] = mapped_column(Uuid(), ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    budget: Mapped[int]
    cap_per_bid: Mapped[int]
    years: Mapped[int]
    opens_on: Mapped[date]
    closes_on: Mapped[date]  # the last day a bid may be submitted


class Bid(HasId, HasCreated, Versioned, Base):
    __tablename__ = "bids"

    fund_id: Mapped[uuid.UUID] = mapped_column(Uuid(), ForeignKey("funds.id"), index=True)
    lead_id: Mapped[uuid.UUID] = mapped_column(Uuid(), ForeignKey("organisations.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    partners: Mapped[str] = mapped_column(Text)  # one partner per line
    amount_requested: Mapped[int]
    consortium_reason: Mapped[str | None] = mapped_column(Text)  # why above the cap
    match_funding: Mapped[int]
    age_from: Mapped[int]
    age_to: Mapped[int]
    young_people_planned: Mapped[int]
    status: Mapped[str] = mapped_column(String(32), default="draft")  # BidStatus
    submitted_at: Mapped[datetime | None]
    amount_awarded: Mapped[int | None]
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None]
    decided_by_name: Mapped[str | None] = mapped_column(String(200))


class BidScore(HasId, HasCreated, Base):
    """One assessor's score of one bid on one criterion."""

    __tablename__ = "bid_scores"
    __table_args__ = (UniqueConstraint("bid_id", "assessor_id", "criterion", name="uq_bid_scores"),)

    bid_id: Mapped[uuid.UUID] = mapped_column(Uuid(), ForeignKey("bids.id"), index=True)
    assessor_id: Mapped[uuid.UUID] = mapped_column(Uuid(), ForeignKey("users.id"))
    assessor_name: Mapped[str] = mapped_column(String(200))
    criterion: Mapped[str] = mapped_column(String(64))  # an id of eiyf.yaml's criteria
    score: Mapped[int]
    comment: Mapped[str | None] = mapped_column(Text)


class MonitoringReturn(HasId, HasCreated, Versioned, Base):
    """What an awarded bid did in one year of its grant."""

    __tablename__ = "monitoring_returns"
    __table_args__ = (UniqueConstraint("bid_id", "year", name="uq_monitoring_returns"),)

    bid_id: Mapped[uuid.UUID] = mapped_column(Uuid(), ForeignKey("bids.id"), index=True)
    year: Mapped[int]  # 1 .. the fund's years
    spend: Mapped[int]
    match_spend: Mapped[int]
    young_people_reached: Mapped[int]
    of_them_under_18: Mapped[int]
    narrative: Mapped[str] = mapped_column(Text)
    submitted_by_name: Mapped[str] = mapped_column(String(200))
    accepted_at: Mapped[datetime | None]
    accepted_by_name: Mapped[str | None] = mapped_column(String(200))


class FundedService(HasId, HasCreated, Base):
    """A service an awarded bid pays for: an organisation delivering a catalogue programme.

    The bid's lead asks (``requested``); the provider's administrator confirms or
    refuses with the reason. Only a confirmed service's referrals count, so no
    provider's figures reach funders without its say.
    """

    __tablename__ = "funded_services"
    __table_args__ = (
        UniqueConstraint("bid_id", "organisation_id", "programme_id", name="uq_funded_services"),
    )

    bid_id: Mapped[uuid.UUID] = mapped_column(Uuid(), ForeignKey("bids.id"), index=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(Uuid(), ForeignKey("organisations.id"))
    programme_id: Mapped[str] = mapped_column(String(64))  # programmes.yaml id
    added_by_name: Mapped[str] = mapped_column(String(200))
    # requested, confirmed or refused (schemas.ServiceStatus)
    status: Mapped[str] = mapped_column(String(16), default="requested", server_default="requested")
    decided_by_name: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None]
    refusal_reason: Mapped[str | None] = mapped_column(Text)


class PanelMember(HasId, HasCreated, Base):
    """An assessor of the fund owner appointed to a fund's assessment panel: only the panel
    scores the fund's bids."""

    __tablename__ = "panel_members"
    __table_args__ = (UniqueConstraint("fund_id", "user_id", name="uq_panel_members"),)

    fund_id: Mapped[uuid.UUID] = mapped_column(Uuid(), ForeignKey("funds.id"), index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid(), ForeignKey("users.id"))
    user_name: Mapped[str] = mapped_column(String(200))
    appointed_by_name: Mapped[str] = mapped_column(String(200))


class ConflictOfInterest(HasId, HasCreated, Base):
    """A panel member's declared conflict of interest in a bid: they do not score it."""

    __tablename__ = "conflicts_of_interest"
    __table_args__ = (UniqueConstraint("bid_id", "user_id", name="uq_conflicts_of_interest"),)

    bid_id: Mapped[uuid.UUID] = mapped_column(Uuid(), ForeignKey("bids.id"), index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid(), ForeignKey("users.id"))
    user_name: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
