"""Recording lines by hand and changing them: status, numbers and handsets (added, and
their use ended), brand names and areas."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from crossline.audit.services import Operation, RecordRef, record
from crossline.auth.actor import Actor
from crossline.auth.permissions import Permission
from crossline.core.database import check_version
from crossline.core.errors import InvalidInput, NotFound
from crossline.lines import deconfliction
from crossline.lines.models import Line, LineHandset, LineNumber
from crossline.lines.schemas import (
    ClosureCorrection,
    EventKind,
    HandsetAdd,
    LineCreate,
    LineDetails,
    NumberAdd,
    PeriodEnd,
    StatusChange,
)
from crossline.lines.services.changes import (
    add_created_event,
    add_event,
    area,
    attach_handset,
    attach_number,
    audit_alteration,
    aware,
    checked_imei,
    load_for_change,
    new_line,
    period,
    person_on_line,
    phone_number,
    refuse_number_in_use,
    saving,
)
from crossline.lines.services.people import linked_record, tell_of_possible_children
from crossline.lines.statuses import (
    CLOSURE_LABELS,
    INITIAL,
    STATUSES,
    ClosureType,
    LineStatus,
    active_statuses,
    label,
    may_change,
)


def create_line(db: Session, actor: Actor, data: LineCreate, *, via: str = "web") -> Line:
    """Record a line by hand, suspected or confirmed. Needs ``lines.write``; audited.

    Numbers are E.164 (written any usual way), IMEIs 15 digits with their check
    digit, areas force ids. A number active in another of the organisation's
    active lines over an overlapping period is refused (422), never merged.
    """
    actor.require(Permission.LINES_WRITE)
    if data.status not in INITIAL:
        raise InvalidInput(
            f"A new line is suspected or confirmed; it cannot start as {label(data.status)}.",
            field="status",
        )
    with saving(db):
        line = new_line(
            db,
            actor,
            reference=data.reference.strip(),
            brand_names=data.brand_names,
            status=data.status,
            hub_area=area(data.hub_area, "hub_area"),
            county_area=area(data.county_area, "county_area"),
        )
        numbers = []
        for i, given in enumerate(data.numbers):
            field = f"numbers[{i}]"
            start, end = period(given.valid_from, given.valid_to, field)
            number = phone_number(given.number, f"{field}.number")
            numbers.append(attach_number(db, line, number, start, end, where=i))
        handsets = []
        for i, handset in enumerate(data.handsets):
            field = f"handsets[{i}]"
            start, end = period(handset.valid_from, handset.valid_to, field)
            imei = checked_imei(handset.imei, f"{field}.imei")
            handsets.append(attach_handset(db, line, imei, start, end, field=field))
        for i, person in enumerate(data.people):
            number = phone_number(person.number, f"people[{i}]")
            if any(p.number == number for p in line.people):
                raise InvalidInput(
                    f"Person {i + 1} has the number of a person listed before: give each "
                    "person once, with their role.",
                    field=f"people[{i}]",
                )
            record_id = linked_record(
                db, actor, person.person_record_id, f"people[{i}].person_record_id", via
            )
            known = person.model_copy(update={"number": number, "person_record_id": record_id})
            line.people.append(person_on_line(known))
        add_created_event(line, actor, numbers, handsets, "recorded by hand")
        deconfliction.record_matches(
            db, actor, line, numbers, handsets, people=line.people, via=via
        )
        tell_of_possible_children(db, actor, line, line.people, via)
        record(
            db,
            actor,
            Operation.COLLECTION,
            RecordRef.of("line", line.id),
            why="line recorded in the register",
            owner=line.owner_id,
            via=via,
        )
    return line


def change_status(
    db: Session, actor: Actor, line_id: uuid.UUID, data: StatusChange, *, via: str = "web"
) -> Line:
    """Move a line to another status, if statuses.yaml allows it, with the reason why.

    Needs ``lines.write`` on the organisation's own line; audited. Raises
    Conflict (409) when the line changed after the version the actor read, and
    InvalidInput (422) for a change statuses.yaml does not allow or, when a
    line becomes active again, for a number of it now active in another line.
    """
    line = load_for_change(db, actor, line_id)
    check_version(line, data.version)
    current, new = LineStatus(line.status), data.status
    if new == current:
        raise InvalidInput(f"The line is {label(current)} already.", field="status")
    if not may_change(current, new):
        allowed = " or ".join(label(s) for s in STATUSES[current.value].next)
        raise InvalidInput(
            f"A {label(current)} line cannot become {label(new)}. "
            f"From {label(current)} it can become {allowed}.",
            field="status",
        )
    closure = _closure_type(new, data.closure_type)
    line.status = new.value
    line.closure_type = closure
    with saving(db, changing=line):
        if new in active_statuses() and current not in active_statuses():
            for i, row in enumerate(line.numbers):
                refuse_number_in_use(
                    db, line, row.number, row.valid_from, row.valid_to, i, this_line_too=False
                )
        add_event(
            line,
            actor,
            EventKind.STATUS_CHANGED,
            from_status=current.value,
            to_status=new.value,
            closure_type=closure,
            reason=data.reason.strip(),
        )
        why = f"status changed from {current.value} to {new.value}"
        audit_alteration(db, actor, line, why, via)
    return line


def correct_closure(
    db: Session, actor: Actor, line_id: uuid.UUID, data: ClosureCorrection, *, via: str = "web"
) -> Line:
    """Put right how a closed line was closed, with the reason. Needs ``lines.write`` on the
    organisation's own line; audited. The closure that closed it is counted as the corrected
    type from then on (the national picture, intensification weeks); the timeline keeps the
    type it was recorded as in the correction's entry. Refused (422) for a line that is not
    closed or a type it has already."""
    line = load_for_change(db, actor, line_id)
    check_version(line, data.version)
    if line.status != LineStatus.CLOSED.value:
        raise InvalidInput(
            "Only a closed line has a closure type to correct.", field="closure_type"
        )
    was = line.closure_type
    if was == data.closure_type.value:
        raise InvalidInput(
            f"The line is closed as {CLOSURE_LABELS[data.closure_type]} already.",
            field="closure_type",
        )
    closing = next(
        (
            e
            for e in reversed(line.events)
            if e.kind == EventKind.STATUS_CHANGED.value and e.to_status == LineStatus.CLOSED.value
        ),
        None,
    )
    with saving(db, changing=line):
        line.closure_type = data.closure_type.value
        if closing is not None:
            closing.closure_type = data.closure_type.value
        add_event(
            line,
            actor,
            EventKind.CLOSURE_CORRECTED,
            closure_type=data.closure_type.value,
            reason=data.reason.strip(),
            detail={"from": was, "to": data.closure_type.value},
        )
        audit_alteration(db, actor, line, "a line's closure type corrected", via)
    return line


def _closure_type(new: LineStatus, given: ClosureType | None) -> str | None:
    """How a line is closed, required to close it and for nothing else (DOMAIN.md
    §LINES.closure: the programme counts Type 1 and Type 2 closures apart)."""
    if new is LineStatus.CLOSED:
        if given is None:
            raise InvalidInput(
                "Choose how the line was closed: " + ", or ".join(CLOSURE_LABELS.values()) + ".",
                field="closure_type",
            )
        return given.value
    if given is not None:
        raise InvalidInput(
            "Only a line being closed has a closure type: leave it out for this status.",
            field="closure_type",
        )
    return None


def add_number(
    db: Session, actor: Actor, line_id: uuid.UUID, data: NumberAdd, *, via: str = "web"
) -> Line:
    """Add a number the line used, with its period. Needs ``lines.write``; audited.

    Refused (422) when the number is active over an overlapping period in this
    line or another active line of the organisation; other organisations'
    lines holding it are matched and both owners alerted.
    """
    line = load_for_change(db, actor, line_id)
    if data.version is not None:
        check_version(line, data.version)
    start, end = period(data.valid_from, data.valid_to, "valid_to")
    number = phone_number(data.number, "number")
    with saving(db, changing=line):
        row = attach_number(db, line, number, start, end, where="number")
        add_event(line, actor, EventKind.NUMBER_ADDED, detail=_held(number, start, end))
        deconfliction.record_matches(db, actor, line, [row], [], via=via)
        audit_alteration(db, actor, line, "number added to a line", via)
    return line


def add_handset(
    db: Session, actor: Actor, line_id: uuid.UUID, data: HandsetAdd, *, via: str = "web"
) -> Line:
    """Add a handset (IMEI) the line used, with its period. Needs ``lines.write``; audited.

    Refused (422) when this line holds the handset over an overlapping period
    already; other organisations' lines holding it are matched and both alerted.
    """
    line = load_for_change(db, actor, line_id)
    if data.version is not None:
        check_version(line, data.version)
    start, end = period(data.valid_from, data.valid_to, "valid_to")
    imei = checked_imei(data.imei, "imei")
    with saving(db, changing=line):
        row = attach_handset(db, line, imei, start, end, field="imei")
        add_event(line, actor, EventKind.HANDSET_ADDED, detail=_held(imei, start, end))
        deconfliction.record_matches(db, actor, line, [], [row], via=via)
        audit_alteration(db, actor, line, "handset added to a line", via)
    return line


def end_number(
    db: Session,
    actor: Actor,
    line_id: uuid.UUID,
    number_id: uuid.UUID,
    data: PeriodEnd,
    *,
    via: str = "web",
) -> Line:
    """Record when the line stopped using a number: its period ends then. Needs
    ``lines.write`` on the organisation's own line; audited.

    The end may be set on a number still in use, or moved earlier; never before
    the period began, and never later (add the number again from then: the
    check that a number is in one active line at a time applies to a new period).
    """
    return _end_use(db, actor, line_id, number_id, data, "number", via)


def end_handset(
    db: Session,
    actor: Actor,
    line_id: uuid.UUID,
    handset_id: uuid.UUID,
    data: PeriodEnd,
    *,
    via: str = "web",
) -> Line:
    """Record when the line stopped using a handset, as end_number does for a number."""
    return _end_use(db, actor, line_id, handset_id, data, "handset", via)


def _end_use(
    db: Session,
    actor: Actor,
    line_id: uuid.UUID,
    row_id: uuid.UUID,
    data: PeriodEnd,
    what: str,  # number or handset
    via: str,
) -> Line:
    line = load_for_change(db, actor, line_id)
    check_version(line, data.version)
    rows: list[LineNumber] | list[LineHandset] = line.numbers if what == "number" else line.handsets
    row = next((r for r in rows if r.id == row_id), None)
    if row is None:
        raise NotFound(f"The line holds no such {what}.")
    until = _ended(row, data.valid_to)
    identifier = row.number if isinstance(row, LineNumber) else row.imei
    kind = EventKind.NUMBER_ENDED if what == "number" else EventKind.HANDSET_ENDED
    with saving(db, changing=line):
        row.valid_to = until
        add_event(line, actor, kind, detail=_held(identifier, row.valid_from, until))
        audit_alteration(db, actor, line, f"a {what}'s use on a line ended", via)
    return line


def _ended(row: LineNumber | LineHandset, given: datetime) -> datetime:
    until = aware(given)
    if until < aware(row.valid_from):
        raise InvalidInput(
            "The line cannot stop using it before it began to, on "
            f"{aware(row.valid_from):%-d %B %Y at %H:%M} UTC.",
            field="valid_to",
        )
    if row.valid_to is not None and until > aware(row.valid_to):
        raise InvalidInput(
            f"Its use ended already, on {aware(row.valid_to):%-d %B %Y at %H:%M} UTC. An end "
            "can be moved earlier; if the line used it again, add it again from then.",
            field="valid_to",
        )
    return until


def change_details(
    db: Session, actor: Actor, line_id: uuid.UUID, data: LineDetails, *, via: str = "web"
) -> Line:
    """Correct a line's brand names and its hub and county areas (force ids). Needs
    ``lines.write`` on the organisation's own line; audited; the timeline keeps what each
    was before. Refused (422) when nothing changes or an area is not a force."""
    line = load_for_change(db, actor, line_id)
    check_version(line, data.version)
    wanted: dict[str, Any] = {
        "brand_names": sorted({b.strip() for b in data.brand_names if b.strip()}),
        "hub_area": area(data.hub_area, "hub_area"),
        "county_area": area(data.county_area, "county_area"),
    }
    held: dict[str, Any] = {
        "brand_names": json.loads(line.brand_names or "[]"),
        "hub_area": line.hub_area,
        "county_area": line.county_area,
    }
    changed = {k: [held[k], v] for k, v in wanted.items() if held[k] != v}
    if not changed:
        raise InvalidInput("Nothing is different: change a brand name or an area.", field="form")
    with saving(db, changing=line):
        line.brand_names = json.dumps(wanted["brand_names"])
        line.hub_area, line.county_area = wanted["hub_area"], wanted["county_area"]
        add_event(line, actor, EventKind.DETAILS_CHANGED, detail={"changed": changed})
        audit_alteration(db, actor, line, "a line's brand names or areas corrected", via)
    return line


def _held(identifier: str, start: datetime, end: datetime | None) -> dict[str, Any]:
    return {
        "identifier": identifier,
        "valid_from": start.isoformat(),
        "valid_to": end.isoformat() if end else None,
    }
