"""Feedback on the service, given from any page (MISSION.md, Feedback)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from crossline.core.database import Base, HasCreated, HasId, Versioned


class Feedback(HasId, HasCreated, Versioned, Base):
    """What someone said about a page, and what administrators did about it.

    No name, email, IP address or user agent is kept; only the organisation of
    a signed-in giver, so its administrators can act on it.
    """

    __tablename__ = "feedback"

    page: Mapped[str] = mapped_column(String(500))
    satisfaction: Mapped[str | None] = mapped_column(String(32))
    comment: Mapped[str] = mapped_column(Text)
    organisation_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid(), ForeignKey("organisations.id"), index=True
    )
    status: Mapped[str] = mapped_column(String(32), default="new")
    response: Mapped[str | None] = mapped_column(Text)
    responded_at: Mapped[datetime | None]


class AnonymousReport(HasId, Versioned, Base):
    """What a young person (or anyone) told us about county lines, without saying who they are.

    DESIGN.md, Security: anonymous reports keep no IP address, user agent or
    cookie, and no account: nothing here says who sent it. The time it came in
    is kept to the hour only, so it cannot be lined up with a network log. The
    district it is about decides who reads it: the police force of its area and
    the local authority of the district (outreach/reports.py).
    """

    __tablename__ = "anonymous_reports"

    received_at: Mapped[datetime]  # to the hour
    district_id: Mapped[str] = mapped_column(String(100), ForeignKey("areas.id"), index=True)
    force_area_id: Mapped[str | None] = mapped_column(
        String(100), ForeignKey("areas.id"), index=True
    )
    about: Mapped[str] = mapped_column(String(32))  # ReportAbout
    what_happened: Mapped[str] = mapped_column(Text)
    where_detail: Mapped[str | None] = mapped_column(Text)
    signs: Mapped[str] = mapped_column(Text, default="")  # indicator ids, comma-separated
    reporter_age: Mapped[str] = mapped_column(String(32))  # ReporterAge
    status: Mapped[str] = mapped_column(String(32), default="new")  # ReportStatus
    outcome_note: Mapped[str | None] = mapped_column(Text)
    handled_by_organisation_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid(), ForeignKey("organisations.id")
    )
    handled_by_name: Mapped[str | None] = mapped_column(String(200))
    handled_at: Mapped[datetime | None]
