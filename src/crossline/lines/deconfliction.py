"""Deconfliction: finding other organisations' lines that hold the same number, handset or
person.

Whenever a line gains a number or handset (created, confirmed from analysis,
or added later), every other organisation's line holding exactly the same
number or IMEI over an overlapping period is a match. Whenever it gains a
person (known by their phone number), every other organisation's line with a
person using the same number is a match, whatever the lines' periods: a
runner or a controller working for two forces' lines is the conflict. A match is recorded once
per pair of lines and identifier; both owners are alerted. An alert names the
other organisation and its contact officer and the identifier the alerted
organisation holds itself, never the other's line (DESIGN.md, Security and
data protection). A national coordinator sees every match and records its
resolution.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence

from sqlalchemy import or_, select, true
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from crossline.audit.services import Operation, RecordRef, record
from crossline.auth.actor import Actor
from crossline.auth.permissions import Permission
from crossline.core import clock
from crossline.core.database import check_version, commit_or_conflict
from crossline.core.errors import Conflict, InvalidInput, NotFound
from crossline.lines import intelligence_matches
from crossline.lines.models import (
    AlertAcknowledgement,
    DeconflictionMatch,
    HeldForPeriod,
    IntelligenceMatch,
    Line,
    LineEvent,
    LineHandset,
    LineNumber,
    LineOwner,
    LinePerson,
)
from crossline.lines.schemas import (
    AcknowledgementRead,
    AlertAcknowledge,
    AlertRead,
    EventKind,
    IdentifierKind,
    MatchRead,
    MatchResolve,
    MatchSide,
    Resolution,
)
from crossline.orgs.models import Organisation
from crossline.orgs.services import alert_contact, organisation_names

# Who the timeline says found a match: the system, not the user of the other
# organisation whose change revealed it (their name is not the alerted one's to know).
FOUND_BY = "Crossline deconfliction"


def record_matches(
    db: Session,
    actor: Actor,
    line: Line,
    numbers: Sequence[LineNumber],
    handsets: Sequence[LineHandset],
    *,
    people: Sequence[LinePerson] = (),
    via: str,
) -> list[DeconflictionMatch]:
    """Record a match for each other organisation's line holding one of these identifiers.

    Called by the register's services inside their transaction, after they
    have checked the actor may change ``line``. Each new match adds an entry to
    both lines' timelines and is audited as two disclosures, one to each owner
    of the other's holding (DOMAIN.md §AUDIT.s62).
    """
    held: list[tuple[IdentifierKind, str, HeldForPeriod | None]] = [
        (IdentifierKind.NUMBER, n.number, n) for n in numbers
    ] + [(IdentifierKind.HANDSET, h.imei, h) for h in handsets]
    held += [(IdentifierKind.PERSON, p.number, None) for p in people]
    found = []
    for kind, identifier, period in held:
        for other in _other_holders(db, line, kind, identifier, period):
            match = _record_match(db, actor, kind, identifier, line, other, via)
            if match is not None:
                found.append(match)
    # Other organisations' intelligence about the numbers it gained (its own or people's).
    gained = [n.number for n in numbers] + [p.number for p in people]
    intelligence_matches.match_line(db, actor, line, gained, via=via)
    return found


def _other_holders(
    db: Session,
    line: Line,
    kind: IdentifierKind,
    identifier: str,
    period: HeldForPeriod | None,
) -> Sequence[Line]:
    """Other organisations' lines holding ``identifier``: a number or handset over an
    overlapping ``period``, a person's number at any time."""
    if kind is IdentifierKind.PERSON or period is None:
        holding = select(LinePerson.line_id).where(LinePerson.number == identifier)
    else:
        model: type[LineNumber] | type[LineHandset]
        if kind is IdentifierKind.NUMBER:
            model, column = LineNumber, LineNumber.number
        else:
            model, column = LineHandset, LineHandset.imei
        holding = select(model.line_id).where(
            column == identifier, model.overlapping(period.valid_from, period.valid_to)
        )
    return db.scalars(
        select(Line)
        .where(Line.owner_id.not_in(line.owner_ids), Line.id.in_(holding))
        .order_by(Line.created_at)
    ).all()


def _record_match(
    db: Session,
    actor: Actor,
    kind: IdentifierKind,
    identifier: str,
    line: Line,
    other: Line,
    via: str,
) -> DeconflictionMatch | None:
    a, b = sorted((line, other), key=lambda x: str(x.id))
    exists = db.scalar(
        select(DeconflictionMatch.id).where(
            DeconflictionMatch.kind == kind.value,
            DeconflictionMatch.identifier == identifier,
            DeconflictionMatch.line_a_id == a.id,
            DeconflictionMatch.line_b_id == b.id,
        )
    )
    if exists is not None:
        return None  # found before, through another period of the same identifier
    match = DeconflictionMatch(
        id=uuid.uuid4(),
        kind=kind.value,
        identifier=identifier,
        line_a_id=a.id,
        owner_a_id=a.owner_id,
        line_b_id=b.id,
        owner_b_id=b.owner_id,
    )
    db.add(match)
    names = organisation_names(db, {a.owner_id, b.owner_id})
    for own, theirs in ((a, b), (b, a)):
        detail = {
            "match_id": str(match.id),
            "kind": kind.value,
            "identifier": identifier,
            "other_organisation": names[theirs.owner_id],
        }
        event = LineEvent(
            at=clock.now(),
            kind=EventKind.MATCH_FOUND.value,
            detail=json.dumps(detail),
            by_name=FOUND_BY,
        )
        # The changed line's timeline is loaded (the caller returns it); the other's need not be.
        if own is line:
            line.events.append(event)
        else:
            event.line_id = own.id
            db.add(event)
        # What is disclosed to `own`'s owner is that `theirs`'s owner holds the identifier.
        record(
            db,
            actor,
            Operation.DISCLOSURE,
            RecordRef.of("deconfliction_match", match.id),
            why=f"deconfliction: another organisation's line holds the same {kind.value}",
            recipient=names[own.owner_id],
            owner=theirs.owner_id,
            via=via,
        )
    db.flush()
    return match


def disclose_to_co_owner(
    db: Session, actor: Actor, line: Line, co_owner: Organisation, *, via: str
) -> None:
    """A new co-owner of ``line`` sees its alerts from now on: what other organisations hold
    of it (a number, handset or person; intelligence about its numbers). Each is audited as a
    disclosure to the co-owner, owned by the organisation whose holding it discloses; in the
    caller's transaction."""
    matches = db.scalars(
        select(DeconflictionMatch).where(
            or_(DeconflictionMatch.line_a_id == line.id, DeconflictionMatch.line_b_id == line.id)
        )
    ).all()
    holders: list[tuple[RecordRef, uuid.UUID]] = []
    for m in matches:
        other_line_id, holder = (
            (m.line_b_id, m.owner_b_id) if m.line_a_id == line.id else (m.line_a_id, m.owner_a_id)
        )
        if db.get_one(Line, other_line_id).held_by(co_owner.id):
            # Its own holding: nothing disclosed; but the notes of acting on the alert that
            # this line's owners kept from it as the other side stay kept from it.
            _withhold_notes(line, m.id)
            continue
        holders.append((RecordRef.of("deconfliction_match", m.id), holder))
    holders += [
        (RecordRef.of("intelligence_match", m.id), m.intelligence_owner_id)
        for m in db.scalars(
            select(IntelligenceMatch).where(IntelligenceMatch.other_line_id == line.id)
        )
        if m.intelligence_owner_id != co_owner.id
    ]
    for ref, holder in holders:
        record(
            db,
            actor,
            Operation.DISCLOSURE,
            ref,
            why="deconfliction: a line's alerts shown to its new co-owner",
            recipient=co_owner.name,
            owner=holder,
            via=via,
        )


def _withhold_notes(line: Line, match_id: uuid.UUID) -> None:
    """Take the notes off the line's timeline entries of acting on a match's alert: the note
    is for its organisation and the coordinator, never the other side (acknowledge_alert)."""
    for event in line.events:
        if (
            event.kind == EventKind.ALERT_ACKNOWLEDGED.value
            and event.reason
            and json.loads(event.detail or "{}").get("match_id") == str(match_id)
        ):
            event.reason = None


# --- what each organisation is told -------------------------------------------------------------


def alerts(
    db: Session, actor: Actor, *, line_id: uuid.UUID | None = None, via: str = "web"
) -> list[AlertRead]:
    """The actor's organisation's alerts, newest first (only one line's, ``line_id``, if
    given). Needs ``lines.read``; audited.

    Each names the organisation's own line, the identifier matched, and the
    other organisation with its contact officer: nothing of the other's line.
    """
    actor.require(Permission.LINES_READ)
    mine = actor.organisation_id
    co_owned = select(LineOwner.line_id).where(LineOwner.organisation_id == mine)
    matches = db.scalars(
        select(DeconflictionMatch)
        .where(
            or_(
                DeconflictionMatch.owner_a_id == mine,
                DeconflictionMatch.owner_b_id == mine,
                DeconflictionMatch.line_a_id.in_(co_owned),
                DeconflictionMatch.line_b_id.in_(co_owned),
            ),
            true()
            if line_id is None
            else or_(
                DeconflictionMatch.line_a_id == line_id, DeconflictionMatch.line_b_id == line_id
            ),
        )
        .order_by(DeconflictionMatch.created_at.desc())
    ).all()
    found = [_alert(db, match, mine) for match in matches]
    record(
        db,
        actor,
        Operation.CONSULTATION,
        RecordRef.of("deconfliction_alerts", mine),
        why="reading deconfliction alerts",
        owner=mine,
        via=via,
    )
    db.commit()
    return found


def acknowledge_alert(
    db: Session, actor: Actor, alert_id: uuid.UUID, data: AlertAcknowledge, *, via: str = "web"
) -> AlertRead:
    """Record that the organisation has acted on one of its alerts (contacted the other
    organisation, say), with a note. Needs ``lines.write``; audited; on the timeline of the
    organisation's own line (without the note if the other organisation co-owns that line).
    Once an organisation: acting on it again is refused (422), naming when and by whom it
    was recorded. The other side is told when, never the note; a national coordinator sees
    both sides, notes included, each side's the first recorded by an owner of its line."""
    actor.require(Permission.LINES_WRITE)
    mine = actor.organisation_id
    match = db.get(DeconflictionMatch, alert_id)
    if match is None or not _alerted(db, match, mine):
        raise NotFound("There is no such deconfliction alert for your organisation.")
    done = match.acknowledged_by(mine)
    if done is not None:
        raise InvalidInput(
            f"{done.by_name} recorded acting on this alert already, on {done.at:%-d %B %Y}.",
            field="note",
        )
    own_line, other_id = _sides(db, match, mine)
    note = (data.note or "").strip() or None
    # The note is the organisation's own; a line the other organisation co-owns (a joint
    # operation agreed since) keeps the fact on its timeline, not the note.
    shown_note = note if other_id not in own_line.owner_ids else None
    match.acknowledgements.append(
        AlertAcknowledgement(
            organisation_id=mine, note=note, by_id=actor.user_id, by_name=actor.display_name
        )
    )
    detail = {
        "match_id": str(match.id),
        "kind": match.kind,
        "identifier": match.identifier,
        "other_organisation": db.get_one(Organisation, other_id).name,
    }
    own_line.events.append(
        LineEvent(
            at=clock.now(),
            kind=EventKind.ALERT_ACKNOWLEDGED.value,
            reason=shown_note,
            detail=json.dumps(detail),
            by_id=actor.user_id,
            by_name=actor.display_name,
        )
    )
    record(
        db,
        actor,
        Operation.ALTERATION,
        RecordRef.of("deconfliction_match", match.id),
        why="deconfliction alert acted on",
        owner=mine,
        via=via,
    )
    commit_or_conflict(
        db, "Someone in your organisation recorded acting on this alert while you were saving."
    )
    return _alert(db, match, mine)


def _alerted(db: Session, match: DeconflictionMatch, organisation_id: uuid.UUID) -> bool:
    """Whether ``organisation_id`` owns (leads or co-owns) one of the match's two lines."""
    return any(
        db.get_one(Line, line_id).held_by(organisation_id)
        for line_id in (match.line_a_id, match.line_b_id)
    )


def _sides(db: Session, match: DeconflictionMatch, mine: uuid.UUID) -> tuple[Line, uuid.UUID]:
    """``mine``'s own line of the match and the other line's lead owner: the line ``mine``
    leads, else one it co-owns. (A force co-owning the other side's line since the match was
    found, say after a joint operation, is still told of it as the owner of its own line.)"""
    line_a, line_b = db.get_one(Line, match.line_a_id), db.get_one(Line, match.line_b_id)
    if match.owner_a_id == mine:
        return line_a, match.owner_b_id
    if match.owner_b_id == mine:
        return line_b, match.owner_a_id
    if line_a.held_by(mine):
        return line_a, match.owner_b_id
    return line_b, match.owner_a_id


def _side_acknowledgement(
    db: Session, match: DeconflictionMatch, line_id: uuid.UUID, *, not_by: uuid.UUID | None = None
) -> AlertAcknowledgement | None:
    """The first record of acting on the match by an owner (lead or co-owner) of one side's
    line, other than ``not_by``."""
    holders = db.get_one(Line, line_id).owner_ids
    return next(
        (
            a
            for a in match.acknowledgements
            if a.organisation_id in holders and a.organisation_id != not_by
        ),
        None,
    )


def _acknowledgement(row: AlertAcknowledgement | None) -> AcknowledgementRead | None:
    if row is None:
        return None
    return AcknowledgementRead(at=row.at, by=row.by_name, note=row.note)


def _alert(db: Session, match: DeconflictionMatch, mine: uuid.UUID) -> AlertRead:
    """The match as ``mine`` is told of it: its own line (led or co-owned), the other owner."""
    own, other_id = _sides(db, match, mine)
    other = db.get_one(Organisation, other_id)
    other_line = match.line_b_id if own.id == match.line_a_id else match.line_a_id
    theirs = _side_acknowledgement(db, match, other_line, not_by=mine)
    return AlertRead(
        alert_id=match.id,
        line_id=own.id,
        line_reference=own.reference,
        kind=IdentifierKind(match.kind),
        identifier=match.identifier,
        other_organisation=other.name,
        contact=alert_contact(other),
        raised_at=match.created_at,
        outcome=Resolution(match.outcome) if match.outcome else None,
        lead_organisation=_name(db, match.lead_owner_id),
        resolved_at=match.resolved_at,
        acknowledged=_acknowledgement(match.acknowledged_by(mine)),
        other_acknowledged_at=theirs.at if theirs else None,
    )


# --- the national coordinator's view ------------------------------------------------------------


def list_matches(
    db: Session, actor: Actor, *, open_only: bool = False, via: str = "web"
) -> list[MatchRead]:
    """Every match between organisations, newest first. Needs ``deconfliction.resolve``; audited."""
    actor.require(Permission.DECONFLICTION_RESOLVE)
    query = select(DeconflictionMatch).order_by(DeconflictionMatch.created_at.desc())
    if open_only:
        query = query.where(DeconflictionMatch.outcome.is_(None))
    matches = db.scalars(query).all()
    found = [_match_read(db, m) for m in matches]
    record(
        db,
        actor,
        Operation.CONSULTATION,
        RecordRef.of("deconfliction_matches", actor.organisation_id),
        why="national deconfliction: reviewing matches between organisations",
        owner=actor.organisation_id,
        via=via,
    )
    db.commit()
    return found


def get_match(db: Session, actor: Actor, match_id: uuid.UUID, *, via: str = "web") -> MatchRead:
    """One match with both sides. Needs ``deconfliction.resolve``; audited for both owners."""
    actor.require(Permission.DECONFLICTION_RESOLVE)
    match = db.get(DeconflictionMatch, match_id)
    if match is None:
        raise NotFound("There is no such deconfliction match.")
    for owner in (match.owner_a_id, match.owner_b_id):
        record(
            db,
            actor,
            Operation.CONSULTATION,
            RecordRef.of("deconfliction_match", match.id),
            why="national deconfliction: reviewing a match between organisations",
            owner=owner,
            via=via,
        )
    db.commit()
    return _match_read(db, match)


def resolve_match(
    db: Session, actor: Actor, match_id: uuid.UUID, data: MatchResolve, *, via: str = "web"
) -> MatchRead:
    """Record how a match is resolved. Needs ``deconfliction.resolve``; audited for both owners.

    A lead force agreed names the lead, one of the two organisations. A match
    may be resolved again (the outcome changes); a change made from an older
    version than the stored one is refused (409).
    """
    actor.require(Permission.DECONFLICTION_RESOLVE)
    match = db.get(DeconflictionMatch, match_id, with_for_update=True)
    if match is None:
        raise NotFound("There is no such deconfliction match.")
    check_version(match, data.version)
    lead = _lead(match, data)
    match.outcome = data.outcome.value
    match.lead_owner_id = lead
    match.note = (data.note or "").strip() or None
    match.resolved_by_id = actor.user_id
    match.resolved_by_name = actor.display_name
    match.resolved_at = clock.now()
    detail = {
        "match_id": str(match.id),
        "outcome": data.outcome.value,
        "lead_organisation": _name(db, lead),
    }
    for line_id, owner in (
        (match.line_a_id, match.owner_a_id),
        (match.line_b_id, match.owner_b_id),
    ):
        db.add(
            LineEvent(
                line_id=line_id,
                at=match.resolved_at,
                kind=EventKind.MATCH_RESOLVED.value,
                reason=match.note,
                detail=json.dumps(detail),
                by_id=actor.user_id,
                by_name=actor.display_name,
            )
        )
        record(
            db,
            actor,
            Operation.ALTERATION,
            RecordRef.of("deconfliction_match", match.id),
            why=f"deconfliction resolved: {data.outcome.value}",
            owner=owner,
            via=via,
        )
    try:
        db.commit()
    except StaleDataError as exc:
        db.rollback()
        raise Conflict(
            "Another coordinator resolved this match while you were saving. Reload it to see "
            "their resolution, then make yours again."
        ) from exc
    return _match_read(db, match)


def _lead(match: DeconflictionMatch, data: MatchResolve) -> uuid.UUID | None:
    if data.outcome is Resolution.LEAD_FORCE_AGREED:
        if data.lead_organisation_id not in (match.owner_a_id, match.owner_b_id):
            raise InvalidInput(
                "Choose the lead organisation: one of the two whose lines match.",
                field="lead_organisation_id",
            )
        return data.lead_organisation_id
    if data.lead_organisation_id is not None:
        raise InvalidInput(
            "Name a lead organisation only when a lead force is agreed.",
            field="lead_organisation_id",
        )
    return None


def _match_read(db: Session, match: DeconflictionMatch) -> MatchRead:
    names = organisation_names(db, {match.owner_a_id, match.owner_b_id})
    sides = []
    for line_id, owner in (
        (match.line_a_id, match.owner_a_id),
        (match.line_b_id, match.owner_b_id),
    ):
        line = db.get_one(Line, line_id)
        sides.append(
            MatchSide(
                line_id=line.id,
                reference=line.reference,
                organisation_id=owner,
                organisation=names[owner],
                url=f"/api/lines/{line.id}",
                acknowledged=_acknowledgement(_side_acknowledgement(db, match, line.id)),
            )
        )
    return MatchRead(
        match_id=match.id,
        kind=IdentifierKind(match.kind),
        identifier=match.identifier,
        lines=sides,
        raised_at=match.created_at,
        outcome=Resolution(match.outcome) if match.outcome else None,
        lead_organisation=_name(db, match.lead_owner_id),
        note=match.note,
        resolved_by=match.resolved_by_name,
        resolved_at=match.resolved_at,
        version=match.version,
    )


def _name(db: Session, organisation_id: uuid.UUID | None) -> str | None:
    if organisation_id is None:
        return None
    return db.get_one(Organisation, organisation_id).name
