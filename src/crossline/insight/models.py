"""Recorded crime as police.uk publishes it, one row per crime, and each file imported.

Nothing here is personal data: police.uk publishes crimes at anonymised "snap
points" with no one named, and insight keeps only the month, the force, the
lower-layer super output area (LSOA), the crime type and the last outcome.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from crossline.core.database import Base, HasId


class CrimeImport(HasId, Base):
    """One imported file, imported once (its SHA-256 is unique): a police.uk street-level
    file (source ``police_uk``) or an emergency department's ISTV return (``istv``)."""

    __tablename__ = "crime_imports"

    source: Mapped[str] = mapped_column(String(16), default="police_uk", server_default="police_uk")
    file_name: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    imported_at: Mapped[datetime]
    imported_by: Mapped[str] = mapped_column(String(200))
    rows: Mapped[int]
    quarantined: Mapped[int]


class RecordedCrime(HasId, Base):
    __tablename__ = "recorded_crimes"

    import_id: Mapped[uuid.UUID] = mapped_column(Uuid(), ForeignKey("crime_imports.id"), index=True)
    month: Mapped[str] = mapped_column(String(7), index=True)  # YYYY-MM
    force: Mapped[str] = mapped_column(String(100))  # "Falls within"
    lsoa_code: Mapped[str | None] = mapped_column(String(16))
    area: Mapped[str] = mapped_column(String(100), index=True)  # the LSOA name's district part
    # The shipped boundaries' district the crime lies in (insight/districts.py), or None;
    # rows imported before districts were kept have None and are placed by their area.
    district: Mapped[str | None] = mapped_column(String(64), index=True)
    crime_type: Mapped[str] = mapped_column(String(100), index=True)
    outcome: Mapped[str | None] = mapped_column(String(200))


class QuarantinedCrime(HasId, Base):
    """A row of an imported file that could not be read, with its line and why."""

    __tablename__ = "quarantined_crimes"

    import_id: Mapped[uuid.UUID] = mapped_column(Uuid(), ForeignKey("crime_imports.id"), index=True)
    line: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    raw: Mapped[str] = mapped_column(Text)


class AssaultAttendance(HasId, Base):
    """One assault treated in an emergency department, as the ISTV minimum data set gives it
    (DOMAIN.md §CARDIFF.istv): when, how and where, and no patient identifier."""

    __tablename__ = "assault_attendances"

    import_id: Mapped[uuid.UUID] = mapped_column(Uuid(), ForeignKey("crime_imports.id"), index=True)
    site_code: Mapped[str] = mapped_column(String(16))
    month: Mapped[str] = mapped_column(String(7), index=True)  # YYYY-MM of the assault
    hour: Mapped[int | None]  # 0-23, when the time of the assault is known
    weekday: Mapped[int]  # 0 Monday .. 6 Sunday
    method: Mapped[str] = mapped_column(String(100))
    location_type: Mapped[str] = mapped_column(String(100))
    location: Mapped[str | None] = mapped_column(String(200))  # the free-text place
