"""Intelligence records: recording graded intelligence, reading it and searching it, audited.

A record belongs to the organisation that recorded it. Its owner's readers
(``intelligence.read``) and national coordinators (``lines.national``) read
it; to anyone else it does not exist. It links only to its owner's own lines
and its owner's own person records; a person record is named (reference and
name) only to the owner's readers who may read its person records
(``people.read``), each naming audited as a read of the person.
Recording it is a collection, and every read (one record, or each record a
search returns) a consultation, in the same transaction (DOMAIN.md §AUDIT.s62).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection, Sequence
from enum import StrEnum
from typing import TypeVar

from sqlalchemy import ColumnElement, Select, exists, select, true
from sqlalchemy.orm import Session, selectinload

from crossline.audit.services import Operation, RecordRef, record
from crossline.auth.actor import Actor
from crossline.auth.permissions import Permission
from crossline.core import clock
from crossline.core.database import check_version, commit_or_conflict
from crossline.core.errors import InvalidInput, NotFound
from crossline.lines import grading, intelligence_matches
from crossline.lines.grading import HandlingCode, IntelligenceAssessment, SourceEvaluation
from crossline.lines.models import IntelligenceEvent, IntelligenceLink, IntelligenceRecord, Line
from crossline.lines.schemas import IntelligenceCreate, IntelligenceRegrade
from crossline.lines.services.changes import phone_number, take_turn
from crossline.people.models import PersonRecord
from crossline.people.services import records as person_records

NO_SUCH_INTELLIGENCE = "There is no such intelligence record in your organisation's holdings."
C = TypeVar("C", bound=StrEnum)
SEARCH_LIMIT = 200  # a search names what it finds; more than this asks for a narrower one


def record_intelligence(
    db: Session, actor: Actor, data: IntelligenceCreate, *, via: str = "web"
) -> IntelligenceRecord:
    """Record a piece of intelligence, graded 3x5x2. Needs ``intelligence.write``; audited.

    Raises InvalidInput (422) for empty text, a code that is not 3x5x2's,
    handling code C without its conditions, a line or a person record that is
    not one of the organisation's own, or a number that is not a phone number.
    """
    actor.require(Permission.INTELLIGENCE_WRITE)
    text = data.text.strip()
    if not text:
        raise InvalidInput("Enter the intelligence.", field="text")
    # Matching reads other organisations' holdings before writing: take turns with the
    # register's changes, so that two at once still find each other.
    take_turn(db)
    intelligence = IntelligenceRecord(
        id=uuid.uuid4(),
        owner_id=actor.organisation_id,
        text=text,
        grading_scheme=grading.SCHEME,
        **_grading_of(data),
        recorded_by_id=actor.user_id,
        recorded_by_name=actor.display_name,
    )
    intelligence.links = [
        *_line_links(db, actor, data.line_ids),
        *_number_links("number", data.numbers, "numbers"),
        *_number_links("person", data.people, "people"),
        *_person_links(db, actor, data.person_ids, via),
    ]
    db.add(intelligence)
    db.flush()
    record(
        db,
        actor,
        Operation.COLLECTION,
        RecordRef.of("intelligence", intelligence.id),
        why="intelligence recorded",
        owner=intelligence.owner_id,
        via=via,
    )
    intelligence_matches.match_intelligence(db, actor, intelligence, via=via)
    db.commit()
    return intelligence


def regrade_intelligence(
    db: Session,
    actor: Actor,
    intelligence_id: uuid.UUID,
    data: IntelligenceRegrade,
    *,
    via: str = "web",
) -> IntelligenceRecord:
    """Change a piece of intelligence's grading, with the reason: a source proved reliable,
    a report corroborated or found false, handling conditions changed (DOMAIN.md §GRADING).
    Needs ``intelligence.write`` (a national coordinator, who reads every force's, has not)
    on the organisation's own record (another's is NotFound, as if it did not exist); audited.
    The history keeps the grading before and after, who changed it and why. Refused (422)
    for codes that are not 3x5x2's, handling code C without conditions, or no change;
    (409) for a record changed since ``version``."""
    actor.require(Permission.INTELLIGENCE_WRITE)
    intelligence = db.get(IntelligenceRecord, intelligence_id)
    if intelligence is None or intelligence.owner_id != actor.organisation_id:
        raise NotFound(NO_SUCH_INTELLIGENCE)
    check_version(intelligence, data.version)
    reason = data.reason.strip()
    if not reason:
        raise InvalidInput("Say why the grading changes.", field="reason")
    wanted = _grading_of(data)
    held = {key: getattr(intelligence, key) for key in wanted}
    if wanted == held:
        raise InvalidInput(
            "Nothing is different: change a code or the handling conditions.",
            field="source_evaluation",
        )
    for key, value in wanted.items():
        setattr(intelligence, key, value)
    intelligence.history.append(
        IntelligenceEvent(
            id=uuid.uuid4(),
            at=clock.now(),
            kind="regraded",
            reason=reason,
            detail=json.dumps({"from": _as_shown(held), "to": _as_shown(wanted)}),
            by_id=actor.user_id,
            by_name=actor.display_name,
        )
    )
    record(
        db,
        actor,
        Operation.ALTERATION,
        RecordRef.of("intelligence", intelligence.id),
        why="intelligence regraded",
        owner=intelligence.owner_id,
        via=via,
    )
    commit_or_conflict(
        db,
        "Someone else changed this intelligence while you were saving. Open it again to see "
        "their change, then make yours again.",
    )
    return intelligence


def _grading_of(data: IntelligenceCreate | IntelligenceRegrade) -> dict[str, str | None]:
    """The three 3x5x2 codes and the handling conditions as stored, or InvalidInput naming
    the codes allowed; handling code C needs its conditions, P keeps none."""
    handling = _code(HandlingCode, data.handling_code, "handling_code", "handling code")
    conditions = (data.handling_conditions or "").strip() or None
    if handling is HandlingCode.CONDITIONS and conditions is None:
        raise InvalidInput(
            "Handling code C permits sharing only with conditions: enter the handling "
            "instructions, or choose handling code P.",
            field="handling_conditions",
        )
    return {
        "source_evaluation": _code(
            SourceEvaluation, data.source_evaluation, "source_evaluation", "source evaluation"
        ).value,
        "intelligence_assessment": _code(
            IntelligenceAssessment,
            data.intelligence_assessment,
            "intelligence_assessment",
            "intelligence assessment",
        ).value,
        "handling_code": handling.value,
        "handling_conditions": conditions if handling is HandlingCode.CONDITIONS else None,
    }


def _as_shown(codes: dict[str, str | None]) -> dict[str, str | None]:
    """A grading as the history shows it: ``2B P``, and the conditions."""
    grading_text = (
        f"{codes['source_evaluation']}{codes['intelligence_assessment']} {codes['handling_code']}"
    )
    return {"grading": grading_text, "handling_conditions": codes["handling_conditions"]}


def get_intelligence(
    db: Session, actor: Actor, intelligence_id: uuid.UUID, *, via: str = "web"
) -> IntelligenceRecord:
    """One piece of intelligence. Needs ``intelligence.read``; audited as a consultation.

    Another organisation's record is NotFound, as if it did not exist, unless
    the actor is a national coordinator.
    """
    actor.require(Permission.INTELLIGENCE_READ)
    found = db.scalar(_visible(actor).where(IntelligenceRecord.id == intelligence_id))
    if found is None:
        raise NotFound(NO_SUCH_INTELLIGENCE)
    _consulted(db, actor, [found], "reading an intelligence record", via)
    return found


def search_intelligence(
    db: Session,
    actor: Actor,
    *,
    text: str | None = None,
    number: str | None = None,
    line_id: uuid.UUID | None = None,
    person_id: uuid.UUID | None = None,
    via: str = "web",
) -> Sequence[IntelligenceRecord]:
    """The intelligence the actor may read matching every criterion given, newest first.

    ``text``: a part of the text, in any case; ``number``: a number or a
    person's number linked to it, written any usual way; ``line_id``: linked
    to that line; ``person_id``: linked to that person record. With no
    criterion, all of it. Needs ``intelligence.read``;
    each record found is audited as a consultation. At most SEARCH_LIMIT.
    """
    actor.require(Permission.INTELLIGENCE_READ)
    query = _visible(actor)
    if text and text.strip():
        query = query.where(IntelligenceRecord.text.ilike(_contains(text.strip()), escape="\\"))
    if number and number.strip():
        e164 = phone_number(number, "number")
        query = query.where(_linked(IntelligenceLink.number == e164))
    if line_id is not None:
        query = query.where(_linked(IntelligenceLink.line_id == line_id))
    if person_id is not None:
        query = query.where(_linked(IntelligenceLink.person_record_id == person_id))
        # Searching by one of the organisation's person records is a read of the person.
        for person in person_records.records_by_id(db, actor.organisation_id, [person_id]).values():
            person_records.consulted(
                db, actor, person, "searching intelligence about a person", via
            )
    found = db.scalars(
        query.order_by(IntelligenceRecord.created_at.desc()).limit(SEARCH_LIMIT)
    ).all()
    _consulted(db, actor, found, "searching intelligence", via)
    return found


def _code(codes: type[C], given: str, field: str, name: str) -> C:
    """The 3x5x2 code ``given`` on one axis, or InvalidInput naming the codes allowed."""
    try:
        return codes(given.strip().upper())
    except ValueError:
        raise InvalidInput(
            f"Enter a {name} of the 3x5x2 grading: {grading.choices(codes)}.", field=field
        ) from None


def _line_links(db: Session, actor: Actor, line_ids: list[uuid.UUID]) -> list[IntelligenceLink]:
    links = []
    for i, line_id in enumerate(dict.fromkeys(line_ids)):
        line = db.get(Line, line_id)
        if line is None or not line.held_by(actor.organisation_id):
            # Another organisation's line is answered as if it did not exist.
            raise InvalidInput(
                "There is no such line in your organisation's register. "
                "Intelligence links only to your own lines.",
                field=f"line_ids[{i}]",
            )
        links.append(IntelligenceLink(id=uuid.uuid4(), kind="line", line_id=line.id))
    return links


def _person_links(
    db: Session, actor: Actor, person_ids: list[uuid.UUID], via: str
) -> list[IntelligenceLink]:
    """Links to the organisation's own person records; linking needs ``people.read`` and
    is audited on each person record, so its trail shows intelligence recorded about them."""
    wanted = list(dict.fromkeys(person_ids))
    if not wanted:
        return []
    actor.require(Permission.PEOPLE_READ)
    own = person_records.records_by_id(db, actor.organisation_id, wanted)
    for i, person_id in enumerate(wanted):
        if person_id not in own:
            # Another organisation's record is answered as if it did not exist.
            raise InvalidInput(
                "There is no such person record in your organisation's records. "
                "Intelligence links only to your own person records.",
                field=f"person_ids[{i}]",
            )
    for person in own.values():
        person_records.consulted(db, actor, person, "intelligence recorded about a person", via)
    return [
        IntelligenceLink(id=uuid.uuid4(), kind="person_record", person_record_id=person_id)
        for person_id in wanted
    ]


def person_ids_of(db: Session, actor: Actor, references: list[str], field: str) -> list[uuid.UUID]:
    """The ids of the organisation's person records with these references (its own ids),
    for a form that names them so. Needs ``people.read``; an unknown reference is refused
    naming it, another organisation's as if it did not exist."""
    wanted = [r.strip() for r in references if r.strip()]
    if not wanted:
        return []
    actor.require(Permission.PEOPLE_READ)
    own = person_records.records_by_reference(db, actor.organisation_id, wanted)
    unknown = [r for r in wanted if r not in own]
    if unknown:
        raise InvalidInput(
            f"Your organisation holds no person record with the reference {unknown[0]}: "
            "check it on the People page.",
            field=field,
        )
    return [own[r].id for r in dict.fromkeys(wanted)]


def people_named(
    db: Session,
    actor: Actor,
    found: Sequence[IntelligenceRecord],
    *,
    also: Collection[uuid.UUID] = (),
    via: str = "web",
) -> dict[uuid.UUID, PersonRecord]:
    """The person records ``found`` links to (and ``also``, such as the one searched by) that
    the actor may read, by id: its own organisation's, with ``people.read``. Each is audited
    as a read of the person; another organisation's (a coordinator reading a force's
    intelligence) are not named."""
    ids = set(also) | {
        link.person_record_id
        for intelligence in found
        if intelligence.owner_id == actor.organisation_id
        for link in intelligence.links
        if link.person_record_id is not None
    }
    if not ids or not actor.can(Permission.PEOPLE_READ):
        return {}
    named = person_records.records_by_id(db, actor.organisation_id, ids)
    for person in named.values():  # DOMAIN.md §AUDIT.s62: every read of a person
        person_records.consulted(db, actor, person, "reading intelligence about a person", via)
    db.commit()
    return named


def _number_links(kind: str, numbers: list[str], field: str) -> list[IntelligenceLink]:
    normalised = [phone_number(n, f"{field}[{i}]") for i, n in enumerate(numbers)]
    return [
        IntelligenceLink(id=uuid.uuid4(), kind=kind, number=n) for n in dict.fromkeys(normalised)
    ]


def _visible(actor: Actor) -> Select[IntelligenceRecord]:
    owned: ColumnElement[bool] = (
        true()
        if actor.can(Permission.LINES_NATIONAL)
        else IntelligenceRecord.owner_id == actor.organisation_id
    )
    return (
        select(IntelligenceRecord)
        .where(owned)
        .options(selectinload(IntelligenceRecord.links), selectinload(IntelligenceRecord.history))
    )


def _linked(condition: ColumnElement[bool]) -> ColumnElement[bool]:
    return exists().where(IntelligenceLink.intelligence_id == IntelligenceRecord.id, condition)


def _contains(part: str) -> str:
    """A LIKE pattern for ``part`` anywhere, its own % and _ taken literally."""
    escaped = part.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _consulted(
    db: Session, actor: Actor, found: Sequence[IntelligenceRecord], why: str, via: str
) -> None:
    for intelligence in found:
        record(
            db,
            actor,
            Operation.CONSULTATION,
            RecordRef.of("intelligence", intelligence.id),
            why=why,
            owner=intelligence.owner_id,
            via=via,
        )
    db.commit()
