"""What every change to the register is made of: a new line, what it holds, checks, saving.

Shared by the workflows of this package; other modules use the workflows.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, or_, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from crossline.audit.services import Operation, RecordRef, record
from crossline.auth.actor import Actor
from crossline.auth.permissions import Permission
from crossline.comms.normalise import e164, imei_ok
from crossline.core import clock
from crossline.core.errors import Conflict, InvalidInput, NotFound
from crossline.lines.models import Line, LineEvent, LineHandset, LineNumber, LinePerson
from crossline.lines.schemas import EventKind, PersonIn
from crossline.lines.services.reading import NO_SUCH_LINE
from crossline.lines.statuses import LineStatus, active_statuses, label
from crossline.orgs.reference import FORCES

# The key of the PostgreSQL advisory lock that register changes take turns on (saving).
REGISTER_LOCK = 20180921  # the day the national coordination centre opened


def new_line(
    db: Session,
    actor: Actor,
    *,
    reference: str,
    brand_names: list[str],
    status: LineStatus,
    hub_area: str | None,
    county_area: str | None,
    **source: Any,
) -> Line:
    """A new line of the actor's organisation, written at once; ``source``: finding, run."""
    taken = db.scalar(
        select(Line.id).where(Line.owner_id == actor.organisation_id, Line.reference == reference)
    )
    if taken is not None:
        raise InvalidInput(
            f"Your organisation already has a line with the reference {reference}. "
            "Choose another reference.",
            field="reference",
        )
    line = Line(
        id=uuid.uuid4(),
        owner_id=actor.organisation_id,
        reference=reference,
        brand_names=json.dumps(sorted({b.strip() for b in brand_names if b.strip()})),
        status=status.value,
        hub_area=hub_area,
        county_area=county_area,
        created_by_id=actor.user_id,
        created_by_name=actor.display_name,
        changed_at=clock.now(),
        **source,
    )
    db.add(line)
    db.flush()  # written first, so the checks that follow hold SQLite's one write lock
    return line


def add_created_event(
    line: Line,
    actor: Actor,
    numbers: list[LineNumber],
    handsets: list[LineHandset],
    how: str,
) -> None:
    detail: dict[str, Any] = {
        "numbers": len(numbers),
        "handsets": len(handsets),
        "people": len(line.people),
    }
    if line.source_finding_id:
        detail["finding_id"] = str(line.source_finding_id)
    add_event(line, actor, EventKind.CREATED, to_status=line.status, reason=how, detail=detail)


def attach_number(
    db: Session,
    line: Line,
    number: str,
    start: datetime,
    end: datetime | None,
    *,
    where: str | int,
) -> LineNumber:
    """Add a number to ``line``; ``where`` is its place in a new line's list, or its field."""
    refuse_number_in_use(db, line, number, start, end, where)
    row = LineNumber(number=number, valid_from=start, valid_to=end)
    line.numbers.append(row)
    db.flush()
    return row


def refuse_number_in_use(
    db: Session,
    line: Line,
    number: str,
    start: datetime,
    end: datetime | None,
    where: str | int,
    *,
    this_line_too: bool = True,
) -> None:
    """Refuse a number this line, or another active line of its owners, holds over the period.

    issue 6, Bad input: one number in two active lines at once is a clear
    validation message, never a silent merge. Messages name lines, not numbers.
    ``this_line_too`` False looks only at the owner's other lines (a line
    becoming active again).
    """
    active = [s.value for s in active_statuses()]
    # The line's owners' other lines: a co-owner's own lines count as its owners' too.
    of_its_owners = or_(*(Line.owned_by(owner) for owner in sorted(line.owner_ids, key=str)))
    in_other_active_line = and_(Line.id != line.id, of_its_owners, Line.status.in_(active))
    clash = db.scalar(
        select(Line)
        .join(LineNumber, LineNumber.line_id == Line.id)
        .where(
            LineNumber.number == number,
            LineNumber.overlapping(start, end),
            or_(Line.id == line.id, in_other_active_line)
            if this_line_too
            else in_other_active_line,
        )
        .limit(1)
    )
    if clash is None:
        return
    which = f"Number {where + 1} of this line" if isinstance(where, int) else "This number"
    field = f"numbers[{where}]" if isinstance(where, int) else where
    if clash.id == line.id:
        raise InvalidInput(
            f"{which} is on this line already for an overlapping period. "
            "Change the dates so the periods do not overlap, or leave it as it is.",
            field=field,
        )
    raise InvalidInput(
        f"{which} is active in your line {clash.reference} ({label(clash.status)}) over an "
        "overlapping period. A number can be in one active line at a time: close that line, "
        "end the number's period there, or add the number to that line instead.",
        field=field,
    )


def attach_handset(
    db: Session, line: Line, imei: str, start: datetime, end: datetime | None, *, field: str
) -> LineHandset:
    held = db.scalar(
        select(LineHandset.id).where(
            LineHandset.line_id == line.id,
            LineHandset.imei == imei,
            LineHandset.overlapping(start, end),
        )
    )
    if held is not None:
        raise InvalidInput(
            "This handset is on this line already for an overlapping period. "
            "Change the dates so the periods do not overlap, or leave it as it is.",
            field=field,
        )
    row = LineHandset(imei=imei, valid_from=start, valid_to=end)
    line.handsets.append(row)
    db.flush()
    return row


def person_on_line(given: PersonIn) -> LinePerson:
    """A person on a line as given; a person record given is the caller's to have checked
    (``people.linked_record``)."""
    return LinePerson(
        number=given.number,
        role=given.role.value,
        confidence=given.confidence,
        possible_child=given.possible_child,
        person_record_id=given.person_record_id,
    )


def phone_number(raw: str, field: str) -> str:
    number = e164(raw)
    if number is None:
        raise InvalidInput(
            "Enter a phone number, like 07700 900123 or +44 7700 900123.", field=field
        )
    return number


def checked_imei(raw: str, field: str) -> str:
    imei = "".join(raw.split())
    if not imei_ok(imei):
        raise InvalidInput(
            "Enter an IMEI of 15 digits whose last digit is its check digit "
            "(dial *#06# on the handset to see it).",
            field=field,
        )
    return imei


def period(start: datetime, end: datetime | None, field: str) -> tuple[datetime, datetime | None]:
    """Aware UTC times (a time without a zone is read as UTC); the end not before the start."""
    start = aware(start)
    end = aware(end) if end is not None else None
    if end is not None and end < start:
        raise InvalidInput("The end of the period must be on or after its start.", field=field)
    return start, end


def aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def area(force: str | None, field: str) -> str | None:
    if force is None or not force.strip():
        return None
    if force.strip() not in FORCES:
        raise InvalidInput(
            f"'{force}' is not a police force Crossline knows. Use a force id such as "
            "merseyside or west-mercia (`crossline orgs list`).",
            field=field,
        )
    return force.strip()


def load_for_change(db: Session, actor: Actor, line_id: uuid.UUID) -> Line:
    """A line the actor's organisation owns (lead or co-owner), to change; else NotFound.
    Needs ``lines.write``."""
    actor.require(Permission.LINES_WRITE)
    line = db.get(Line, line_id)
    if line is None or not line.held_by(actor.organisation_id):
        raise NotFound(NO_SUCH_LINE)
    return line


def add_event(line: Line, actor: Actor, kind: EventKind, **fields: Any) -> None:
    detail = fields.pop("detail", None)
    line.events.append(
        LineEvent(
            at=clock.now(),
            kind=kind.value,
            detail=json.dumps(detail) if detail is not None else None,
            by_id=actor.user_id,
            by_name=actor.display_name,
            **fields,
        )
    )


def audit_alteration(db: Session, actor: Actor, line: Line, why: str, via: str) -> None:
    """Audit a change to ``line`` (DOMAIN.md §AUDIT.s62), owned by its lead owner."""
    record(
        db,
        actor,
        Operation.ALTERATION,
        RecordRef.of("line", line.id),
        why=why,
        owner=line.owner_id,
        via=via,
    )


def take_turn(db: Session) -> None:
    """Wait for the register's turn, held to the end of the transaction (PostgreSQL; SQLite's
    one writer takes turns by its first write). For any change whose checks read other
    organisations' holdings before writing (``saving``; recording intelligence)."""
    if db.get_bind().dialect.name == "postgresql":
        with db.no_autoflush:  # the lock first: no row locked while waiting for it
            db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": REGISTER_LOCK})


@contextmanager
def saving(db: Session, *, changing: Line | None = None) -> Iterator[None]:
    """Make one change to the register, taking turns with any other; commit it or none of it.

    Checks that span lines (a number in one active line at a time; matches with
    other organisations' lines) read before they write, so two changes at once
    must not both read before either writes. On PostgreSQL an advisory lock held
    to commit makes them take turns; SQLite has one writer at a time, whose lock
    the first write takes, so ``changing`` (the line changed) is written first.
    Someone saving the same line meanwhile is a Conflict (409).
    """
    try:
        take_turn(db)
        if changing is not None:
            changing.changed_at = clock.now()  # and its version rises
            db.flush()
        yield
        db.commit()
    except (StaleDataError, IntegrityError) as exc:
        db.rollback()
        raise Conflict(
            "Someone else changed this line, or recorded the same line, while you were "
            "saving. Reload the line to see their change, then make yours again."
        ) from exc
    except BaseException:
        db.rollback()
        raise
