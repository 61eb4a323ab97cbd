"""The line register: lines, their numbers, handsets, people and timeline, and deconfliction.

A line belongs to one organisation. Its numbers and handsets each hold for a
period (``valid_to`` None: still in use as far as its owner knows). When two
organisations' lines hold the same number or handset over overlapping
periods, a deconfliction match records it; each owner is told of it as an
alert naming the other organisation, never the other's line.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    Float,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    and_,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crossline.core import clock
from crossline.core.database import Base, HasCreated, HasId, Versioned


class Line(HasId, HasCreated, Versioned, Base):
    """A deal line as its owner records it: brand, status, areas, where it came from.

    ``version`` rises with every change to the line or to what it holds, so a
    change made from an older reading is refused.
    """

    __tablename__ = "lines"
    __table_args__ = (UniqueConstraint("owner_id", "reference", name="uq_lines_owner_reference"),)

    owner_id: Mapped[uuid.UUID] = mapped_column(Uuid(), ForeignKey("organisations.id"), index=True)
    reference: Mapped[str] = mapped_column(String(100))  # the owner's own, unique within it
    brand_names: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of names
    status: Mapped[str] = mapped_column(String(16))  # an id in data/statuses.yaml
    closure_type: Mapped[str | None] = mapped_column(String(8))  # a ClosureType, when closed
    hub_area: Mapped[str | None] = mapped_column(String(100))  # a force id (orgs forces.yaml)
    county_area: Mapped[str | None] = mapped_column(String(100))
    source_finding_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid(), ForeignKey("analysis_findings.id"), unique=True
    )
    source_run_id: Mapped[uuid.UUID | None] = mapped_column(Uuid(), ForeignKey("analysis_runs.id"))
    analysis_line_id: Mapped[str | None] = mapped_column(String(32), index=True)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid(), ForeignKey("users.id"))
    created_by_name: Mapped[str] = mapped_column(String(200))
    changed_at: Mapped[datetime] = mapped_column(default=clock.now)

    numbers: Mapped[list[LineNumber]] = relationship(
        cascade="all, delete-orphan", order_by="LineNumber.valid_from"
    )
    handsets: Mapped[list[LineHandset]] = relationship(
        cascade="all, delete-orphan", order_by="LineHandset.valid_from"
    )
    people: Mapped[list[LinePerson]] = relationship(
        cascade="all, delete-orphan", order_by="LinePerson.role"
    )
    events: Mapped[list[LineEvent]] = relationship(
        cascade="all, delete-orphan", order_by="LineEvent.at"
    )
    co_owners: Mapped[list[LineOwner]] = relationship(
        cascade="all, delete-orphan", order_by="LineOwner.added_at", lazy="selectin"
    )

    @property
    def url(self) -> str:
        return f"/lines/{self.id}"

    @property
    def owner_ids(self) -> set[uuid.UUID]:
        """The lead owner and every co-owner."""
        return {self.owner_id} | {o.organisation_id for o in self.co_owners}

    def held_by(self, organisation_id: uuid.UUID) -> bool:
        """Whether ``organisation_id`` owns the line, as its lead or as a co-owner."""
        return organisation_id in self.owner_ids

    @classmethod
    def owned_by(cls, organisation_id: uuid.UUID) -> ColumnElement[bool]:
        """Lines ``organisation_id`` owns, as lead or co-owner, as a query condition."""
        co_owned = select(LineOwner.line_id).where(LineOwner.organisation_id == organisation_id)
        return or_(cls.owner_id == organisation_id, cls.id.in_(co_owned))


class LineOwner(HasId, Base):
    """Another force owning a line with its lead owner: a line worked by several forces.

    A co-owner reads and changes the line as its lead owner does; only the lead
    adds or removes co-owners. ``lines.owner_id`` stays the lead, whose auditors
    see who read the line.
    """

    __tablename__ = "line_owners"
    __table_args__ = (
        UniqueConstraint("line_id", "organisation_id", name="uq_line_owners_line_organisation"),
    )

    line_id: Mapped[uuid.UUID] = mapped_column(Uuid(), ForeignKey("lines.id"), index=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("organisations.id"), index=True
    )
    added_at: Mapped[datetime] = mapped_column(default=clock.now)
    added_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid(), ForeignKey("users.id"))
    added_by_name: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)


class HeldForPeriod:
    """Something a line held from ``valid_from`` to ``valid_to`` (None: still holds it)."""

    valid_from: Mapped[datetime]
    valid_to: Mapped[datetime | None]

    @classmethod
    def overlapping(cls, start: datetime, end: datetime | None) -> ColumnElement[bool]:
        """Rows whose period shares at least one instant with ``start`` to ``end`` (inclusive)."""
        began_in_time = true() if end is None else cls.valid_from <= end
        return and_(began_in_time, or_(cls.valid_to.is_(None), cls.valid_to >= start))


class LineNumber(HasId, HeldForPeriod, Base):
    """A phone number (E.164) the line used from ``valid_from`` to ``valid_to``."""

    __tablename__ = "line_numbers"

    line_id: Mapped[uuid.UUID] = mapped_column(Uuid(), ForeignKey("lines.id"), index=True)
    number: Mapped[str] = mapped_column(String(32), index=True)


class LineHandset(HasId, HeldForPeriod, Base):
    """A handset (IMEI) the line used from ``valid_from`` to ``valid_to``."""

    __tablename__ = "line_handsets"

    line_id: Mapped[uuid.UUID] = mapped_column(Uuid(), ForeignKey("lines.id"), index=True)
    imei: Mapped[str] = mapped_column(String(16), index=True)


class LinePerson(HasId, Base):
    """A person on the line, known by their phone number, with a role and a confidence; and,
    once an analyst knows who they are, one of their organisation's person records."""

    __tablename__ = "line_people"

    line_id: Mapped[uuid.UUID] = mapped_column(Uuid(), ForeignKey("lines.id"), index=True)
    number: Mapped[str] = mapped_column(String(32))
    role: Mapped[str] = mapped_column(String(16))  # controller | runner | cuckooed
    confidence: Mapped[float | None] = mapped_column(Float)  # 0 to 1
    possible_child: Mapped[bool] = mapped_column(default=False)
    # The person record of the organisation whose analyst linked it (the line's lead owner's
    # or a co-owner's): named only to that organisation's readers of person records.
    person_record_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid(), ForeignKey("person_records.id"), index=True
    )


class LineEvent(HasId, Base):
    """One entry of a line's timeline: what happened, who did it, when, and why."""

    __tablename__ = "line_events"

    line_id: Mapped[uuid.UUID] = mapped_column(Uuid(), ForeignKey("lines.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=clock.now)
    kind: Mapped[str] = mapped_column(String(32))  # an EventKind
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    closure_type: Mapped[str | None] = mapped_column(String(8))  # closed: how (ClosureType)
    reason: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[str | None] = mapped_column(Text)  # JSON: what was added, say
    by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid(), ForeignKey("users.id"))
    by_name: Mapped[str] = mapped_column(String(200))


class DeconflictionMatch(HasId, HasCreated, Versioned, Base):
    """Two organisations' lines holding the same number or handset over overlapping periods.

    The pair is stored in a fixed order (``line_a_id`` the smaller id) so that
    the same match is recorded once, whichever line gained the identifier last.
    A national coordinator records its resolution.
    """

    __tablename__ = "deconfliction_matches"
    __table_args__ = (
        UniqueConstraint(
            "kind", "identifier", "line_a_id", "line_b_id", name="uq_deconfliction_matches_pair"
        ),
    )

    kind: Mapped[str] = mapped_column(String(16))  # number | handset
    identifier: Mapped[str] = mapped_column(String(32))  # the number or IMEI both hold
    line_a_id: Mapped[uuid.UUID] = mapped_column(Uuid(), ForeignKey("lines.id"), index=True)
    owner_a_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("organisations.id"), index=True
    )
    line_b_id: Mapped[uuid.UUID] = mapped_column(Uuid(), ForeignKey("lines.id"), index=True)
    owner_b_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("organisations.id"), index=True
    )
    outcome: Mapped[str | None] = mapped_column(String(32))  # a Resolution; None: open
    lead_owner_id: Mapped[uuid.UUID | None] = mapped_column(Uuid(), ForeignKey("organisations.id"))
    note: Mapped[str | None] = mapped_column(Text)
    resolved_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid(), ForeignKey("users.id"))
    resolved_by_name: Mapped[str | None] = mapped_column(String(200))
    resolved_at: Mapped[datetime | None]

    acknowledgements: Mapped[list[AlertAcknowledgement]] = relationship(
        cascade="all, delete-orphan", order_by="AlertAcknowledgement.at", lazy="selectin"
    )

    @property
    def is_resolved(self) -> bool:
        return self.outcome is not None

    def acknowledged_by(self, organisation_id: uuid.UUID) -> AlertAcknowledgement | None:
        """The organisation's record of having acted on its alert of this match, if any."""
        return next(
            (a for a in self.acknowledgements if a.organisation_id == organisation_id), None
        )


class AlertAcknowledgement(HasId, Base):
    """An organisation's record that it has acted on a deconfliction alert: contacted the
    other organisation's contact officer, say, with a note of what was agreed. One per
    organisation and match."""

    __tablename__ = "alert_acknowledgements"
    __table_args__ = (
        UniqueConstraint("match_id", "organisation_id", name="uq_alert_acknowledgements_match"),
    )

    match_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("deconfliction_matches.id"), index=True
    )
    organisation_id: Mapped[uuid.UUID] = mapped_column(Uuid(), ForeignKey("organisations.id"))
    at: Mapped[datetime] = mapped_column(default=clock.now)
    note: Mapped[str | None] = mapped_column(Text)
    by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid(), ForeignKey("users.id"))
    by_name: Mapped[str] = mapped_column(String(200))


class IntelligenceRecord(HasId, HasCreated, Versioned, Base):
    """A piece of intelligence as its owner recorded it, graded (DOMAIN.md §GRADING).

    ``created_at`` is when it was recorded. The scheme is stored beside the
    codes so that a later scheme needs no migration. Its grading may be changed
    later (``history`` keeps each change); ``version`` rises with each.
    """

    __tablename__ = "intelligence_records"

    owner_id: Mapped[uuid.UUID] = mapped_column(Uuid(), ForeignKey("organisations.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    grading_scheme: Mapped[str] = mapped_column(String(16))  # grading.SCHEME
    source_evaluation: Mapped[str] = mapped_column(String(4))  # a SourceEvaluation
    intelligence_assessment: Mapped[str] = mapped_column(String(4))  # an IntelligenceAssessment
    handling_code: Mapped[str] = mapped_column(String(4))  # a HandlingCode
    handling_conditions: Mapped[str | None] = mapped_column(Text)  # for handling code C
    recorded_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid(), ForeignKey("users.id"))
    recorded_by_name: Mapped[str] = mapped_column(String(200))

    links: Mapped[list[IntelligenceLink]] = relationship(
        cascade="all, delete-orphan", order_by="IntelligenceLink.kind"
    )
    history: Mapped[list[IntelligenceEvent]] = relationship(
        cascade="all, delete-orphan", order_by="IntelligenceEvent.at"
    )


class IntelligenceLink(HasId, Base):
    """What a piece of intelligence is about: one of its owner's lines, a number, a person
    known by their phone number, or one of its owner's person records."""

    __tablename__ = "intelligence_links"

    intelligence_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("intelligence_records.id"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))  # line | number | person | person_record
    line_id: Mapped[uuid.UUID | None] = mapped_column(Uuid(), ForeignKey("lines.id"), index=True)
    number: Mapped[str | None] = mapped_column(String(32), index=True)  # E.164
    person_record_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid(), ForeignKey("person_records.id"), index=True
    )


class IntelligenceEvent(HasId, Base):
    """A change to a piece of intelligence after it was recorded: a regrading, with the
    codes before and after, who made it and why."""

    __tablename__ = "intelligence_events"

    intelligence_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("intelligence_records.id"), index=True
    )
    at: Mapped[datetime] = mapped_column(default=clock.now)
    kind: Mapped[str] = mapped_column(String(32))  # regraded
    reason: Mapped[str] = mapped_column(Text)
    detail: Mapped[str] = mapped_column(Text)  # JSON: {"from": {...}, "to": {...}}
    by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid(), ForeignKey("users.id"))
    by_name: Mapped[str] = mapped_column(String(200))


class IntelligenceMatch(HasId, HasCreated, Base):
    """One organisation's intelligence about a phone number that another organisation holds:
    as a number or a person on one of its lines, or in intelligence of its own.

    Found whenever intelligence is recorded about numbers or people by number, and whenever
    a line gains a number or a person. Recorded once per pair of holdings; both owners are
    alerted, each told the other organisation and its contact officer, never the other's
    record (DESIGN.md, Security and data protection).
    """

    __tablename__ = "intelligence_matches"

    identifier: Mapped[str] = mapped_column(String(32), index=True)  # the number, E.164
    intelligence_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("intelligence_records.id"), index=True
    )
    intelligence_owner_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("organisations.id"), index=True
    )
    # The other holding: a line of the other organisation, or its intelligence.
    other_owner_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("organisations.id"), index=True
    )
    other_line_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid(), ForeignKey("lines.id"), index=True
    )
    other_intelligence_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid(), ForeignKey("intelligence_records.id"), index=True
    )
