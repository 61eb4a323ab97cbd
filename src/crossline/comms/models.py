"""Imports of communications data and the rows they quarantined."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from crossline.core.database import Base, HasCreated, HasId


class CommsImport(HasId, HasCreated, Base):
    """One file taken in: its provenance and what became of its rows.

    Recorded only when the import completes, in the same transaction as its
    quarantined rows and its audit entry; its Parquet files are in place by then.
    """

    __tablename__ = "comms_imports"
    __table_args__ = (Index("ix_comms_imports_owner_sha256", "owner_id", "sha256", unique=True),)

    owner_id: Mapped[uuid.UUID] = mapped_column(Uuid(), ForeignKey("organisations.id"))
    file_name: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    profile: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))  # events | cells
    encoding: Mapped[str] = mapped_column(String(32))
    authorisation: Mapped[str] = mapped_column(String(200))  # communications data authorisation
    imported_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid(), ForeignKey("users.id"))
    imported_by_name: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime]
    rows_read: Mapped[int] = mapped_column(BigInteger)
    rows_imported: Mapped[int] = mapped_column(BigInteger)
    rows_quarantined: Mapped[int] = mapped_column(BigInteger)


class QuarantinedRow(Base):
    """A row that could not be taken in: where it was, what it said, and why."""

    __tablename__ = "comms_quarantined_rows"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    import_id: Mapped[uuid.UUID] = mapped_column(Uuid(), ForeignKey("comms_imports.id"), index=True)
    line: Mapped[int] = mapped_column(BigInteger)
    raw: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(String(200), index=True)


class ImportJob(HasId, HasCreated, Base):
    """A file uploaded through the web or API, imported in the background.

    The page polls it for progress; when done it carries the import report.
    """

    __tablename__ = "comms_import_jobs"

    owner_id: Mapped[uuid.UUID] = mapped_column(Uuid(), ForeignKey("organisations.id"))
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid(), ForeignKey("users.id"))
    file_name: Mapped[str] = mapped_column(String(500))
    authorisation: Mapped[str] = mapped_column(String(200))
    profile: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued running done failed
    bytes_done: Mapped[int] = mapped_column(BigInteger, default=0)
    bytes_total: Mapped[int] = mapped_column(BigInteger, default=0)
    report: Mapped[str | None] = mapped_column(Text)  # the import report, as JSON
    error: Mapped[str | None] = mapped_column(Text)
    finished_at: Mapped[datetime | None]

    @property
    def percent(self) -> int:
        return int(100 * self.bytes_done / self.bytes_total) if self.bytes_total else 0

    @property
    def url(self) -> str:
        return f"/comms/jobs/{self.id}"
