"""A line's people changed by hand, and the lines a person record is on.

Issue 6 asks for each line's "people with roles and confidence". Analysis
names them by phone number; an analyst adds a person it did not see, puts
right a role or a confidence, marks or clears a possible child, and takes
someone off a line who was never on it. Each change is on the line's
timeline with the reason, audited, and made from the version the analyst
read. A person added is matched against other organisations' lines holding
a person with the same number (``deconfliction``), and a person recorded as
possibly a child becomes a safeguarding concern (DESIGN.md, "How a line is
found"; DOMAIN.md §CCE: a possible victim first) through
``core.hooks.possible_child_on_line``, which ``safeguarding`` answers.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from crossline.audit.services import Operation, RecordRef, record
from crossline.auth.actor import Actor
from crossline.auth.permissions import Permission
from crossline.core import hooks
from crossline.core.database import check_version
from crossline.core.errors import InvalidInput, NotFound
from crossline.lines import deconfliction
from crossline.lines.models import Line, LineNumber, LinePerson
from crossline.lines.schemas import EventKind, PersonAdd, PersonChange, PersonRemoval
from crossline.lines.services.changes import (
    add_event,
    audit_alteration,
    load_for_change,
    person_on_line,
    phone_number,
    saving,
)
from crossline.people.models import PersonRecord
from crossline.people.services import records as people_records

NO_SUCH_PERSON = "The line has no such person."


def add_person(
    db: Session, actor: Actor, line_id: uuid.UUID, data: PersonAdd, *, via: str = "web"
) -> Line:
    """Add a person to the line, known by their phone number, with a role and, if judged, a
    confidence. Needs ``lines.write`` on the organisation's own line; audited.

    Refused (422) when the number is a person on the line already (change them
    instead); other organisations' lines with a person using the number are
    matched and both owners alerted; a possible child raises a concern.
    """
    line = load_for_change(db, actor, line_id)
    if data.version is not None:
        check_version(line, data.version)
    number = phone_number(data.number, "number")
    held = next((p for p in line.people if p.number == number), None)
    if held is not None:
        raise InvalidInput(
            f"This number is a {held.role} on the line already. Change their role or "
            "confidence instead of adding them again.",
            field="number",
        )
    record_id = linked_record(db, actor, data.person_record_id, "person_record_id", via)
    with saving(db, changing=line):
        person = person_on_line(
            data.model_copy(update={"number": number, "person_record_id": record_id})
        )
        line.people.append(person)
        db.flush()
        add_event(line, actor, EventKind.PERSON_ADDED, detail=_as_held(person))
        deconfliction.record_matches(db, actor, line, [], [], people=[person], via=via)
        audit_alteration(db, actor, line, "person added to a line", via)
        if person.possible_child:
            _tell_safeguarding(db, actor, line, person, via)
    return line


def change_person(
    db: Session,
    actor: Actor,
    line_id: uuid.UUID,
    person_id: uuid.UUID,
    data: PersonChange,
    *,
    via: str = "web",
) -> Line:
    """Put right a line person's role, confidence or possible-child flag, with the reason.
    Needs ``lines.write`` on the organisation's own line; audited; the timeline keeps what
    each was. Refused (422) when nothing changes. Marking a possible child raises a concern;
    clearing the mark closes nothing in safeguarding (a practitioner decides that)."""
    line = load_for_change(db, actor, line_id)
    check_version(line, data.version)
    person = _person_of(line, person_id)
    reason = _reason(data.reason, "Say why it changes.")
    record_id = _record_wanted(db, actor, person, data, via)
    wanted: dict[str, Any] = {
        "role": data.role.value,
        "confidence": data.confidence,
        "possible_child": data.possible_child,
        "person_record_id": record_id,
    }
    held: dict[str, Any] = {
        "role": person.role,
        "confidence": person.confidence,
        "possible_child": person.possible_child,
        "person_record_id": person.person_record_id,
    }
    changed = {k: [held[k], v] for k, v in wanted.items() if held[k] != v}
    if "person_record_id" in changed:  # the timeline says whether, never which record
        old, new = changed.pop("person_record_id")
        was = "none" if old is None else "one"
        changed["person_record"] = [was, "none" if new is None else "another" if old else "one"]
    if not changed:
        raise InvalidInput(
            "Nothing is different: change the role, the confidence, whether they may be a "
            "child, or their person record.",
            field="role",
        )
    newly_a_child = data.possible_child and not person.possible_child
    with saving(db, changing=line):
        person.role, person.confidence = wanted["role"], wanted["confidence"]
        person.possible_child = wanted["possible_child"]
        person.person_record_id = wanted["person_record_id"]
        add_event(
            line,
            actor,
            EventKind.PERSON_CHANGED,
            reason=reason,
            detail={"number": person.number, "changed": changed},
        )
        audit_alteration(db, actor, line, "a line person's role or flags corrected", via)
        if newly_a_child:
            _tell_safeguarding(db, actor, line, person, via)
    return line


def remove_person(
    db: Session,
    actor: Actor,
    line_id: uuid.UUID,
    person_id: uuid.UUID,
    data: PersonRemoval,
    *,
    via: str = "web",
) -> Line:
    """Take a person off the line, with the reason (say, the number was a customer's).
    Needs ``lines.write`` on the organisation's own line; audited. The timeline keeps who
    they were; deconfliction matches already found stay for the coordinator to resolve."""
    line = load_for_change(db, actor, line_id)
    check_version(line, data.version)
    person = _person_of(line, person_id)
    reason = _reason(data.reason, "Say why they are taken off the line.")
    with saving(db, changing=line):
        line.people.remove(person)
        add_event(
            line,
            actor,
            EventKind.PERSON_REMOVED,
            reason=reason,
            detail=_as_held(person),
        )
        audit_alteration(db, actor, line, "person taken off a line", via)
    return line


def _record_wanted(
    db: Session, actor: Actor, person: LinePerson, data: PersonChange, via: str
) -> uuid.UUID | None:
    """The person record a change leaves the line person linked to. Left out of the change,
    the link stays. A link to another organisation's record (a co-owner's) is theirs to
    change: kept as it is, or refused (422)."""
    held = person.person_record_id
    if "person_record_id" not in data.model_fields_set or data.person_record_id == held:
        return held
    if held is not None and not people_records.records_by_id(db, actor.organisation_id, [held]):
        raise InvalidInput(
            "This person is linked to a person record of another organisation that owns the "
            "line: only they change or remove that link.",
            field="person_record_id",
        )
    return linked_record(db, actor, data.person_record_id, "person_record_id", via)


def linked_record(
    db: Session, actor: Actor, record_id: uuid.UUID | None, field: str, via: str
) -> uuid.UUID | None:
    """``record_id`` if it is one of the actor's organisation's person records, to link a
    line person to: needs ``people.read``, and is audited as a consultation of the record.
    Another organisation's is refused (422) as if it did not exist."""
    if record_id is None:
        return None
    actor.require(Permission.PEOPLE_READ)
    person = people_records.records_by_id(db, actor.organisation_id, [record_id]).get(record_id)
    if person is None:
        raise InvalidInput(
            "There is no such person record in your organisation's records. A person on a "
            "line links only to your own person records.",
            field=field,
        )
    people_records.consulted(db, actor, person, "a person on a line linked to their record", via)
    return person.id


def tell_of_possible_children(
    db: Session, actor: Actor, line: Line, people: Sequence[LinePerson], via: str
) -> None:
    """Raise a concern for each person of ``people`` marked as possibly a child; in the
    caller's transaction (a line recorded by hand with its people)."""
    for person in people:
        if person.possible_child:
            _tell_safeguarding(db, actor, line, person, via)


def lines_of_person(
    db: Session, actor: Actor, record_id: uuid.UUID, *, via: str = "web"
) -> tuple[PersonRecord, Sequence[Line]]:
    """The organisation's lines (led or co-owned) with a person linked to one of its person
    records, or holding one of the record's phone numbers as a person on the line or as one
    of its numbers; most recently changed first.

    Needs ``lines.read`` and ``people.read``: the record is the organisation's own
    (another's is NotFound, as if it did not exist) and the search is audited as a
    consultation of it. Other organisations' lines are never searched here, even for a
    national coordinator: deconfliction tells an owner when another holds the person.
    """
    actor.require(Permission.LINES_READ)
    actor.require(Permission.PEOPLE_READ)
    person = people_records.records_by_id(db, actor.organisation_id, [record_id]).get(record_id)
    if person is None:
        raise NotFound(people_records.NO_SUCH_RECORD)
    numbers = json.loads(person.phone_numbers or "[]")
    on_line = or_(LinePerson.number.in_(numbers), LinePerson.person_record_id == person.id)
    found = db.scalars(
        select(Line)
        .where(
            Line.owned_by(actor.organisation_id),
            or_(
                Line.id.in_(select(LinePerson.line_id).where(on_line)),
                Line.id.in_(select(LineNumber.line_id).where(LineNumber.number.in_(numbers))),
            ),
        )
        .order_by(Line.changed_at.desc(), Line.reference)
    ).all()
    record(
        db,
        actor,
        Operation.CONSULTATION,
        RecordRef.of("person_record", person.id),
        why="finding the lines a person is on",
        owner=person.owner_id,
        via=via,
    )
    db.commit()
    return person, found


def _tell_safeguarding(db: Session, actor: Actor, line: Line, person: LinePerson, via: str) -> None:
    hooks.possible_child_on_line(
        db,
        hooks.PossibleChild(
            organisation_id=actor.organisation_id,
            recorded_by=actor.display_name,
            line_id=line.id,
            line_reference=line.reference,
            number=person.number,
            role=person.role,
        ),
        via,
    )


def _reason(given: str, missing: str) -> str:
    """The reason as kept on the timeline; a blank one (spaces only) is refused (422)."""
    reason = given.strip()
    if not reason:
        raise InvalidInput(missing, field="reason")
    return reason


def _person_of(line: Line, person_id: uuid.UUID) -> LinePerson:
    person = next((p for p in line.people if p.id == person_id), None)
    if person is None:
        raise NotFound(NO_SUCH_PERSON)
    return person


def _as_held(person: LinePerson) -> dict[str, Any]:
    return {
        "number": person.number,
        "role": person.role,
        "confidence": person.confidence,
        "possible_child": person.possible_child,
    }
