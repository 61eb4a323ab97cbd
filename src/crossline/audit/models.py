"""The processing log: one row per processing of personal data, hash-chained."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crossline.core.database import Base


class AuditEntry(Base):
    """DOMAIN.md §AUDIT.s62: operation, date and time, who, justification, record, recipients.

    Append-only: the app never updates or deletes a row, and the migrations
    install triggers that refuse both. ``entry_hash`` covers every field and
    the previous entry's hash, so a changed or removed row breaks the chain.
    """

    __tablename__ = "audit_log"

    # SQLite only auto-increments a column declared exactly INTEGER PRIMARY KEY.
    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    at: Mapped[datetime]
    operation: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[uuid.UUID | None]
    user_name: Mapped[str | None] = mapped_column(String(200))
    organisation_id: Mapped[uuid.UUID | None]
    organisation_name: Mapped[str | None] = mapped_column(String(200))
    justification: Mapped[str | None] = mapped_column(Text)
    record_type: Mapped[str] = mapped_column(String(64), index=True)
    record_id: Mapped[str] = mapped_column(String(100), index=True)
    # The organisation that owns the record, so its auditors see who touched it.
    record_owner_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    recipient: Mapped[str | None] = mapped_column(String(300))
    via: Mapped[str] = mapped_column(String(16))  # web, api, cli
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)  # one successor per entry
    entry_hash: Mapped[str] = mapped_column(String(64), unique=True)
