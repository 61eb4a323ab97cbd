"""What action against lines achieved, and the periods the national picture reports on.

An **outcome** is a count of arrests, people safeguarded, cuckooed addresses
visited or deal-line devices seized that a line's owner records against the
line, on a day (DOMAIN.md §LINES.closure, intensification-week measures). The
kinds are data, ``data/outcome_kinds.yaml``, checked at start-up against
:class:`OutcomeKind`.

An **intensification week** is a period a national coordinator names (usually
a week of nationally coordinated action, DOMAIN.md §FIGURES.programme) and
reports on: lines opened, disrupted and closed, and the outcomes recorded,
by force. It holds no personal data: the report is counts only.
"""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel
from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from crossline.core.catalogue import load_catalogue
from crossline.core.database import Base, HasCreated, HasId
from crossline.core.errors import CatalogueError

DATA_DIR = Path(__file__).parent / "data"


class OutcomeKind(StrEnum):
    ARREST = "arrest"
    PERSON_SAFEGUARDED = "person_safeguarded"
    CUCKOOED_ADDRESS_VISITED = "cuckooed_address_visited"
    DEVICE_SEIZED = "device_seized"


class OutcomeKindEntry(BaseModel, frozen=True):
    id: str
    label: str  # one, as in "1 arrest"
    plural: str  # a column heading: "Arrests"
    description: str


def _load() -> dict[str, OutcomeKindEntry]:
    kinds = load_catalogue(DATA_DIR / "outcome_kinds.yaml", OutcomeKindEntry)
    in_file, in_code = set(kinds), {k.value for k in OutcomeKind}
    if in_file != in_code:
        raise CatalogueError(
            f"outcome_kinds.yaml and crossline.lines.outcomes.OutcomeKind differ: only in the "
            f"file {sorted(in_file - in_code)}, only in code {sorted(in_code - in_file)}"
        )
    return kinds


OUTCOME_KINDS = _load()


class LineOutcome(HasId, HasCreated, Base):
    """A count of one kind of outcome of action against a line, on a day, as its owner recorded it.

    ``owner_id`` is the organisation that recorded it, one of the line's
    owners, to which the report by force counts it. ``created_at`` is when it
    was recorded; ``occurred_on`` is the day it happened.
    """

    __tablename__ = "line_outcomes"
    __table_args__ = (CheckConstraint("count > 0", name="count_positive"),)

    line_id: Mapped[uuid.UUID] = mapped_column(Uuid(), ForeignKey("lines.id"), index=True)
    owner_id: Mapped[uuid.UUID] = mapped_column(Uuid(), ForeignKey("organisations.id"), index=True)
    occurred_on: Mapped[date] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(32))  # an OutcomeKind
    count: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid(), ForeignKey("users.id"))
    recorded_by_name: Mapped[str] = mapped_column(String(200))


class IntensificationWeek(HasId, HasCreated, Base):
    """A period of national action a coordinator reports on, from ``starts_on`` to ``ends_on``.

    Both days are included. ``created_at`` is when it was defined.
    """

    __tablename__ = "intensification_weeks"
    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="ends_after_start"),)

    name: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    defined_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid(), ForeignKey("users.id"))
    defined_by_name: Mapped[str] = mapped_column(String(200))

    @property
    def url(self) -> str:
        return f"/national/weeks/{self.id}"
