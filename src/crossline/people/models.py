"""Person records held by each organisation, and the possible matches linkage finds between them.

Every organisation keeps its own record of a person, as its officers wrote it:
Crossline never merges two organisations' records. Linkage (``crossline.people.
linkage``, Splink) scores pairs of records across all organisations; a pair
more likely the same person than not is a ``PersonMatch``, kept with the
evidence (each field's contribution to the match weight). A person's decision
on a match (same, different, unsure) stays with the pair and is reused by
every later linkage: a pair decided different is never alerted again, a pair
decided the same stays linked whatever a later score says.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Float, ForeignKey, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from crossline.core import clock
from crossline.core.database import Base, HasCreated, HasId, Versioned


class PersonRecord(HasId, HasCreated, Versioned, Base):
    """One organisation's record of a person: the linkage layout's fields and phone numbers."""

    __tablename__ = "person_records"
    __table_args__ = (
        UniqueConstraint("owner_id", "reference", name="uq_person_records_owner_reference"),
    )

    owner_id: Mapped[uuid.UUID] = mapped_column(Uuid(), ForeignKey("organisations.id"), index=True)
    reference: Mapped[str] = mapped_column(String(100))  # the owner's own id, unique within it
    first_name: Mapped[str | None] = mapped_column(String(200))
    surname: Mapped[str | None] = mapped_column(String(200))
    dob: Mapped[date | None]
    postcode: Mapped[str | None] = mapped_column(String(16))
    gender: Mapped[str | None] = mapped_column(String(32))
    phone_numbers: Mapped[str] = mapped_column(Text, default="[]")  # JSON list, E.164
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid(), ForeignKey("users.id"))
    created_by_name: Mapped[str] = mapped_column(String(200))
    changed_at: Mapped[datetime] = mapped_column(default=clock.now)

    @property
    def url(self) -> str:
        return f"/people/{self.id}"

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.first_name, self.surname) if part) or "(no name)"


class PersonMatch(HasId, HasCreated, Versioned, Base):
    """Two person records that linkage scored as probably the same person, and the decision.

    Stored once per pair, ``record_a_id`` the smaller id. ``match_probability``
    and ``contributions`` are from the latest linkage that scored the pair;
    ``decision`` (None until someone decides) survives every later linkage.
    """

    __tablename__ = "person_matches"
    __table_args__ = (
        UniqueConstraint("record_a_id", "record_b_id", name="uq_person_matches_pair"),
    )

    record_a_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("person_records.id"), index=True
    )
    owner_a_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("organisations.id"), index=True
    )
    record_b_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("person_records.id"), index=True
    )
    owner_b_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("organisations.id"), index=True
    )
    match_probability: Mapped[float] = mapped_column(Float)
    match_weight: Mapped[float] = mapped_column(Float)
    contributions: Mapped[str] = mapped_column(Text)  # JSON: [{field, level, match_weight}]
    prior_match_weight: Mapped[float] = mapped_column(Float)
    scored_at: Mapped[datetime] = mapped_column(default=clock.now)
    decision: Mapped[str | None] = mapped_column(String(16))  # a Decision; None: undecided
    note: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid(), ForeignKey("users.id"))
    decided_by_name: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None]

    @property
    def across_organisations(self) -> bool:
        return self.owner_a_id != self.owner_b_id
