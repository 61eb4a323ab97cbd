"""Intelligence in deconfliction: one organisation's intelligence about a phone number that
another organisation holds, on a line or in intelligence of its own.

Issue 6: whenever a number or person is created or changed, matches held by other
organisations are found. Intelligence about numbers (and people by their number) is
matched when it is recorded, against other organisations' lines holding the number (as a
number, in any period, or as a person) and their intelligence about it; a line gaining a
number or person is matched against other organisations' intelligence about it. Each pair
of holdings is recorded once. Both owners are alerted with the other organisation's name
and contact officer, never the other's record, and each is told as an audited disclosure
(DOMAIN.md §AUDIT.s62). A national coordinator sees both sides.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from crossline.audit.services import Operation, RecordRef, record
from crossline.auth.actor import Actor
from crossline.auth.permissions import Permission
from crossline.core import clock
from crossline.lines.models import (
    IntelligenceLink,
    IntelligenceMatch,
    IntelligenceRecord,
    Line,
    LineEvent,
    LineNumber,
    LineOwner,
    LinePerson,
)
from crossline.lines.schemas import (
    EventKind,
    IntelligenceAlertRead,
    IntelligenceMatchRead,
    IntelligenceMatchSide,
)
from crossline.orgs.models import Organisation
from crossline.orgs.services import alert_contact, organisation_names

FOUND_BY = "Crossline deconfliction"
NUMBER_KINDS = ("number", "person")  # an intelligence link that is a phone number


def numbers_of(intelligence: IntelligenceRecord) -> list[str]:
    """The phone numbers a piece of intelligence is about: as numbers or people's."""
    return sorted(
        {link.number for link in intelligence.links if link.kind in NUMBER_KINDS and link.number}
    )


def match_intelligence(
    db: Session, actor: Actor, intelligence: IntelligenceRecord, *, via: str
) -> list[IntelligenceMatch]:
    """Match newly recorded intelligence against other organisations' lines and intelligence
    holding its numbers; in the caller's transaction (flushed, not committed)."""
    found = []
    for number in numbers_of(intelligence):
        for line in _lines_holding(db, number, not_of=intelligence.owner_id):
            found += _recorded(db, actor, number, intelligence, line=line, via=via)
        for other in _intelligence_about(db, number, not_of={intelligence.owner_id}):
            found += _recorded(db, actor, number, intelligence, other=other, via=via)
    return found


def match_line(
    db: Session, actor: Actor, line: Line, numbers: Iterable[str], *, via: str
) -> list[IntelligenceMatch]:
    """Match the numbers a line gained (its numbers and people) against other organisations'
    intelligence about them; in the caller's transaction."""
    found = []
    for number in sorted(set(numbers)):
        for intelligence in _intelligence_about(db, number, not_of=line.owner_ids):
            found += _recorded(db, actor, number, intelligence, line=line, changed=True, via=via)
    return found


def _lines_holding(db: Session, number: str, *, not_of: uuid.UUID) -> Sequence[Line]:
    """Lines of organisations other than ``not_of`` (as lead or co-owner) holding ``number``
    as one of their numbers, in any period, or as a person's."""
    co_owned = select(LineOwner.line_id).where(LineOwner.organisation_id == not_of)
    return db.scalars(
        select(Line)
        .where(
            Line.owner_id != not_of,
            Line.id.not_in(co_owned),
            or_(
                Line.id.in_(select(LineNumber.line_id).where(LineNumber.number == number)),
                Line.id.in_(select(LinePerson.line_id).where(LinePerson.number == number)),
            ),
        )
        .order_by(Line.created_at)
    ).all()


def _intelligence_about(
    db: Session, number: str, *, not_of: set[uuid.UUID]
) -> Sequence[IntelligenceRecord]:
    linked = select(IntelligenceLink.intelligence_id).where(
        IntelligenceLink.kind.in_(NUMBER_KINDS), IntelligenceLink.number == number
    )
    return db.scalars(
        select(IntelligenceRecord)
        .where(IntelligenceRecord.owner_id.not_in(not_of), IntelligenceRecord.id.in_(linked))
        .order_by(IntelligenceRecord.created_at)
    ).all()


def _recorded(
    db: Session,
    actor: Actor,
    number: str,
    intelligence: IntelligenceRecord,
    *,
    line: Line | None = None,
    other: IntelligenceRecord | None = None,
    changed: bool = False,
    via: str,
) -> list[IntelligenceMatch]:
    """The match of ``intelligence`` with ``line`` or with ``other`` intelligence about
    ``number``, recorded and disclosed to both sides (a line's co-owners too); [] when found
    before. Two pieces of intelligence are kept in a fixed order (the smaller id first), so
    that their match is recorded once. ``changed``: ``line`` is the line being changed, whose
    loaded timeline the caller returns."""
    if other is not None and str(other.id) < str(intelligence.id):
        intelligence, other = other, intelligence
    other_owner = line.owner_id if line is not None else other.owner_id  # type: ignore[union-attr]
    exists = db.scalar(
        select(IntelligenceMatch.id).where(
            IntelligenceMatch.identifier == number,
            IntelligenceMatch.intelligence_id == intelligence.id,
            _same(IntelligenceMatch.other_line_id, line.id if line else None),
            _same(IntelligenceMatch.other_intelligence_id, other.id if other else None),
        )
    )
    if exists is not None:
        return []
    match = IntelligenceMatch(
        id=uuid.uuid4(),
        identifier=number,
        intelligence_id=intelligence.id,
        intelligence_owner_id=intelligence.owner_id,
        other_owner_id=other_owner,
        other_line_id=line.id if line else None,
        other_intelligence_id=other.id if other else None,
    )
    db.add(match)
    told = {other_owner} | (line.owner_ids if line is not None else set())
    names = organisation_names(db, told | {intelligence.owner_id})
    if line is not None:
        event = LineEvent(
            at=clock.now(),
            kind=EventKind.INTELLIGENCE_FOUND.value,
            detail=json.dumps(
                {
                    "match_id": str(match.id),
                    "identifier": number,
                    "other_organisation": names[intelligence.owner_id],
                }
            ),
            by_name=FOUND_BY,
        )
        if changed:
            line.events.append(event)
        else:
            event.line_id = line.id
            db.add(event)
    pairs = [(intelligence.owner_id, other_owner)]
    pairs += [(holder, intelligence.owner_id) for holder in sorted(told, key=str)]
    for own, theirs in pairs:
        record(
            db,
            actor,
            Operation.DISCLOSURE,
            RecordRef.of("intelligence_match", match.id),
            why="deconfliction: another organisation holds intelligence about, or a line with, "
            "the same number",
            recipient=names[own],
            owner=theirs,
            via=via,
        )
    db.flush()
    return [match]


def _same(
    column: InstrumentedAttribute[uuid.UUID | None], value: uuid.UUID | None
) -> ColumnElement[bool]:
    return column.is_(None) if value is None else column == value


# --- what each organisation is told -------------------------------------------------------------


def intelligence_alerts(
    db: Session,
    actor: Actor,
    *,
    line_id: uuid.UUID | None = None,
    intelligence_id: uuid.UUID | None = None,
    via: str = "web",
) -> list[IntelligenceAlertRead]:
    """The organisation's alerts of intelligence matches, newest first; audited.

    Its intelligence's matches for readers of its intelligence (``intelligence.read``), and
    its lines' (led or co-owned) for readers of its lines (``lines.read``); only those of
    one of its lines (``line_id``) or one piece of its intelligence (``intelligence_id``),
    if given. Each names its own holding, the number, and the other organisation with its
    contact officer. A match whose two sides one organisation has come to hold (it co-owns
    the line since) is no longer an alert.
    """
    mine = actor.organisation_id
    conditions: list[ColumnElement[bool]] = []
    if actor.can(Permission.INTELLIGENCE_READ):
        conditions.append(IntelligenceMatch.intelligence_owner_id == mine)
        conditions.append(
            (IntelligenceMatch.other_owner_id == mine)
            & IntelligenceMatch.other_intelligence_id.is_not(None)
        )
    if actor.can(Permission.LINES_READ):
        co_owned = select(LineOwner.line_id).where(LineOwner.organisation_id == mine)
        conditions.append(
            or_(
                IntelligenceMatch.other_owner_id == mine,
                IntelligenceMatch.other_line_id.in_(co_owned),
            )
            & IntelligenceMatch.other_line_id.is_not(None)
        )
    if not conditions:
        actor.require(Permission.LINES_READ)  # neither: refused, naming one
    query = select(IntelligenceMatch).where(or_(*conditions))
    if line_id is not None:
        query = query.where(IntelligenceMatch.other_line_id == line_id)
    if intelligence_id is not None:
        query = query.where(
            or_(
                IntelligenceMatch.intelligence_id == intelligence_id,
                IntelligenceMatch.other_intelligence_id == intelligence_id,
            )
        )
    matches = db.scalars(query.order_by(IntelligenceMatch.created_at.desc())).all()
    found = [alert for match in matches if (alert := _alert(db, actor, match)) is not None]
    record(
        db,
        actor,
        Operation.CONSULTATION,
        RecordRef.of("intelligence_alerts", mine),
        why="reading intelligence deconfliction alerts",
        owner=mine,
        via=via,
    )
    db.commit()
    return found


def _alert(db: Session, actor: Actor, match: IntelligenceMatch) -> IntelligenceAlertRead | None:
    """The match as the actor's organisation is told of it, from the side it may read: its
    intelligence (``intelligence.read``) or its line (``lines.read``); None if neither."""
    mine = actor.organisation_id
    line = db.get_one(Line, match.other_line_id) if match.other_line_id else None
    if line is not None and match.intelligence_owner_id in line.owner_ids:
        return None  # the intelligence's owner co-owns the line since: no conflict left
    reads_intelligence = actor.can(Permission.INTELLIGENCE_READ)
    own_line: Line | None = None
    own_intelligence: IntelligenceRecord | None = None
    if match.intelligence_owner_id == mine and reads_intelligence:
        other_id = match.other_owner_id
        own_intelligence = db.get_one(IntelligenceRecord, match.intelligence_id)
    elif line is not None and line.held_by(mine) and actor.can(Permission.LINES_READ):
        other_id, own_line = match.intelligence_owner_id, line
    elif (
        match.other_intelligence_id is not None
        and match.other_owner_id == mine
        and reads_intelligence
    ):
        other_id = match.intelligence_owner_id
        own_intelligence = db.get_one(IntelligenceRecord, match.other_intelligence_id)
    else:
        return None
    other = db.get_one(Organisation, other_id)
    return IntelligenceAlertRead(
        alert_id=match.id,
        identifier=match.identifier,
        line_id=own_line.id if own_line else None,
        line_reference=own_line.reference if own_line else None,
        intelligence_id=own_intelligence.id if own_intelligence else None,
        intelligence_recorded_at=own_intelligence.created_at if own_intelligence else None,
        other_holds=_what_they_hold(match, mine, own_line),
        other_organisation=other.name,
        contact=alert_contact(other),
        raised_at=match.created_at,
    )


def _what_they_hold(match: IntelligenceMatch, mine: uuid.UUID, own_line: Line | None) -> str:
    """What the other organisation holds: intelligence, unless ``mine`` is told of its own
    intelligence and the other holds a line."""
    if own_line is None and match.intelligence_owner_id == mine and match.other_line_id:
        return "a line"
    return "intelligence"


# --- the national coordinator's view ------------------------------------------------------------


def list_intelligence_matches(
    db: Session, actor: Actor, *, via: str = "web"
) -> list[IntelligenceMatchRead]:
    """Every intelligence match, both sides, newest first. Needs ``deconfliction.resolve``;
    audited."""
    actor.require(Permission.DECONFLICTION_RESOLVE)
    matches = db.scalars(
        select(IntelligenceMatch).order_by(IntelligenceMatch.created_at.desc())
    ).all()
    names = organisation_names(
        db, {m.intelligence_owner_id for m in matches} | {m.other_owner_id for m in matches}
    )
    found = []
    for match in matches:
        sides = [
            IntelligenceMatchSide(
                organisation=names[match.intelligence_owner_id],
                holds="intelligence",
                intelligence_id=match.intelligence_id,
            )
        ]
        if match.other_line_id is not None:
            line = db.get_one(Line, match.other_line_id)
            sides.append(
                IntelligenceMatchSide(
                    organisation=names[match.other_owner_id],
                    holds="line",
                    line_id=line.id,
                    line_reference=line.reference,
                )
            )
        else:
            sides.append(
                IntelligenceMatchSide(
                    organisation=names[match.other_owner_id],
                    holds="intelligence",
                    intelligence_id=match.other_intelligence_id,
                )
            )
        found.append(
            IntelligenceMatchRead(
                match_id=match.id,
                identifier=match.identifier,
                sides=sides,
                raised_at=match.created_at,
            )
        )
    record(
        db,
        actor,
        Operation.CONSULTATION,
        RecordRef.of("intelligence_matches", actor.organisation_id),
        why="national deconfliction: reviewing intelligence matches between organisations",
        owner=actor.organisation_id,
        via=via,
    )
    db.commit()
    return found
