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
