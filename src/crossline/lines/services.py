"""The line register: confirming findings into lines, recording lines by hand, changing them.

The only place the register's rules live. Every function checks the actor's
permission; an organisation sees and changes only its own lines, and a national
coordinator (``lines.national``) reads every organisation's. Reading a line is
a consultation of personal data, creating one a collection and changing one an
alteration: each is audited in the same transaction (DOMAIN.md §AUDIT.s62).
Whenever a line gains a number or handset, other organisations' lines holding
it are found and both owners alerted (``deconfliction``).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, text, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from crossline.analytics.models import AnalysisRun, Finding
from crossline.audit.services import Operation, RecordRef, record
from crossline.auth.actor import Actor
from crossline.auth.permissions import Permission
from crossline.comms.normalise import e164, imei_ok
from crossline.core import clock
from crossline.core.database import check_version
from crossline.core.errors import Conflict, InvalidInput, NotFound
from crossline.lines import deconfliction
from crossline.lines.models import Line, LineEvent, LineHandset, LineNumber, LinePerson
from crossline.lines.schemas import (
    EventKind,
    FindingConfirm,
    HandsetAdd,
    LineCreate,
    NumberAdd,
    PersonIn,
    PersonRole,
    StatusChange,
)
from crossline.lines.statuses import (
    INITIAL,
    STATUSES,
    LineStatus,
    active_statuses,
    label,
    may_change,
)
from crossline.orgs.reference import FORCES

NO_SUCH_LINE = "There is no such line in your organisation's register."
# The key of the PostgreSQL advisory lock that register changes take turns on (_saving).
REGISTER_LOCK = 20180921  # the day the national coordination centre opened


class AlreadyInRegister(Conflict):
    """The line a finding shows is in the register already."""

    title = "This line is already in the register"


# --- reading ----------------------------------------------------------------------------------


def list_lines(db: Session, actor: Actor, *, status: LineStatus | None = None) -> Sequence[Line]:
    """The lines the actor may see, most recently changed first. Needs ``lines.read``.

    An organisation's own lines; every organisation's for a national
    coordinator. The list holds no numbers, handsets or people, so it is not
    audited; opening a line is.
    """
    actor.require(Permission.LINES_READ)
    query = select(Line).where(_visible_to(actor))
    if status is not None:
        query = query.where(Line.status == status.value)
    return db.scalars(query.order_by(Line.changed_at.desc(), Line.reference)).all()


def get_line(db: Session, actor: Actor, line_id: uuid.UUID, *, via: str = "web") -> Line:
    """One line with what it holds and its timeline. Needs ``lines.read``; audited.

    Another organisation's line is NotFound, as if it did not exist, unless the
    actor is a national coordinator.
    """
    actor.require(Permission.LINES_READ)
    line = db.scalar(
        select(Line)
        .where(Line.id == line_id, _visible_to(actor))
        .options(
            selectinload(Line.numbers),
            selectinload(Line.handsets),
            selectinload(Line.people),
            selectinload(Line.events),
        )
        .execution_options(populate_existing=True)  # others' changes (a match) shown too
    )
    if line is None:
        raise NotFound(NO_SUCH_LINE)
    record(
        db,
        actor,
        Operation.CONSULTATION,
        RecordRef.of("line", line.id),
        why="reading a line in the register",
        owner=line.owner_id,
        via=via,
    )
    db.commit()
    return line


def _visible_to(actor: Actor) -> ColumnElement[bool]:
    if actor.can(Permission.LINES_NATIONAL):
        return true()
    return Line.owner_id == actor.organisation_id


# --- creating -----------------------------------------------------------------------------------


def confirm_finding(db: Session, actor: Actor, data: FindingConfirm, *, via: str = "web") -> Line:
    """Make a line of analysis (a finding of kind ``line``) a confirmed line in the register.

    Numbers, handsets, people (runners, controllers, cuckooed: not customers),
    areas and the finding's run are copied. A number's validity runs from its
    first to its last sighting when a successor followed it, and stays open
    otherwise; each person's confidence is the line's score, since analysis
    scores no role on its own. Needs ``lines.write``; audited as a collection.
    Raises AlreadyInRegister (409) naming the line when this finding, or an
    earlier run's finding of the same analysis line, was confirmed already.
    """
    actor.require(Permission.LINES_WRITE)
    finding = db.get(Finding, data.finding_id)
    if finding is None or finding.owner_id != actor.organisation_id:
        raise NotFound("There is no such analysis finding for your organisation.")
    if finding.kind != "line":
        raise InvalidInput(
            "This finding is a safeguarding concern, not a line: only findings of lines "
            "can be confirmed into the register.",
            field="finding_id",
        )
    _refuse_confirmed_twice(db, finding)
    entry: dict[str, Any] = json.loads(finding.detail)
    with _saving(db):
        line = _new_line(
            db,
            actor,
            reference=(data.reference or "").strip() or finding.line_id,
            brand_names=data.brand_names,
            status=LineStatus.CONFIRMED,
            hub_area=entry.get("hub_area"),
            county_area=entry.get("county_area"),
            source_finding_id=finding.id,
            source_run_id=finding.run_id,
            analysis_line_id=finding.line_id,
        )
        numbers = [
            _attach_number(db, line, number, start, end, where=i)
            for i, (number, start, end) in enumerate(_numbers_of(entry))
        ]
        handsets = [
            _attach_handset(db, line, imei, start, end, field=f"handsets[{i}]")
            for i, (imei, start, end) in enumerate(_handsets_of(entry))
        ]
        for person in _people_of(entry, finding.score):
            line.people.append(_person(person))
        _created(line, actor, numbers, handsets, f"confirmed from analysis run {finding.run_id}")
        deconfliction.record_matches(db, actor, line, numbers, handsets, via=via)
        record(
            db,
            actor,
            Operation.COLLECTION,
            RecordRef.of("line", line.id),
            why=f"line confirmed from analysis finding {finding.id}",
            owner=line.owner_id,
            via=via,
        )
    return line


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
    with _saving(db):
        line = _new_line(
            db,
            actor,
            reference=data.reference.strip(),
            brand_names=data.brand_names,
            status=data.status,
            hub_area=_area(data.hub_area, "hub_area"),
            county_area=_area(data.county_area, "county_area"),
        )
        numbers = []
        for i, given in enumerate(data.numbers):
            field = f"numbers[{i}]"
            start, end = _period(given.valid_from, given.valid_to, field)
            number = _e164(given.number, f"{field}.number")
            numbers.append(_attach_number(db, line, number, start, end, where=i))
        handsets = []
        for i, handset in enumerate(data.handsets):
            field = f"handsets[{i}]"
            start, end = _period(handset.valid_from, handset.valid_to, field)
            imei = _imei(handset.imei, f"{field}.imei")
            handsets.append(_attach_handset(db, line, imei, start, end, field=field))
        for i, person in enumerate(data.people):
            line.people.append(
                _person(person.model_copy(update={"number": _e164(person.number, f"people[{i}]")}))
            )
        _created(line, actor, numbers, handsets, "recorded by hand")
        deconfliction.record_matches(db, actor, line, numbers, handsets, via=via)
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


def _refuse_confirmed_twice(db: Session, finding: Finding) -> None:
    earlier = db.scalar(select(Line).where(Line.source_finding_id == finding.id))
    if earlier is not None:
        raise AlreadyInRegister(
            f"This finding was confirmed already, on {earlier.created_at:%-d %b %Y}, as line "
            f"{earlier.reference}. Open that line instead ({earlier.url})."
        )
    same = db.scalar(
        select(Line)
        .where(Line.owner_id == finding.owner_id, Line.analysis_line_id == finding.line_id)
        .order_by(Line.created_at)
        .limit(1)
    )
    if same is not None:
        raise AlreadyInRegister(
            f"Analysis line {finding.line_id} is in the register already, as line "
            f"{same.reference}, confirmed from an earlier run. Add its new numbers or handsets "
            f"to that line, or record that it resurfaced if it was closed ({same.url})."
        )


def _new_line(
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


def _created(
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
    _event(line, actor, EventKind.CREATED, to_status=line.status, reason=how, detail=detail)


# --- changing -----------------------------------------------------------------------------------


def change_status(
    db: Session, actor: Actor, line_id: uuid.UUID, data: StatusChange, *, via: str = "web"
) -> Line:
    """Move a line to another status, if statuses.yaml allows it, with the reason why.

    Needs ``lines.write`` on the organisation's own line; audited. Raises
    Conflict (409) when the line changed after the version the actor read, and
    InvalidInput (422) for a change statuses.yaml does not allow or, when a
    line becomes active again, for a number of it now active in another line.
    """
    line = _load_for_change(db, actor, line_id)
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
    line.status = new.value
    with _saving(db, changing=line):
        if new in active_statuses() and current not in active_statuses():
            for i, row in enumerate(line.numbers):
                _refuse_number_in_use(
                    db, line, row.number, row.valid_from, row.valid_to, i, this_line_too=False
                )
        _event(
            line,
            actor,
            EventKind.STATUS_CHANGED,
            from_status=current.value,
            to_status=new.value,
            reason=data.reason.strip(),
        )
        record(
            db,
            actor,
            Operation.ALTERATION,
            RecordRef.of("line", line.id),
            why=f"status changed from {current.value} to {new.value}",
            owner=line.owner_id,
            via=via,
        )
    return line


def add_number(
    db: Session, actor: Actor, line_id: uuid.UUID, data: NumberAdd, *, via: str = "web"
) -> Line:
    """Add a number the line used, with its period. Needs ``lines.write``; audited.

    Refused (422) when the number is active over an overlapping period in this
    line or another active line of the organisation; other organisations'
    lines holding it are matched and both owners alerted.
    """
    line = _load_for_change(db, actor, line_id)
    if data.version is not None:
        check_version(line, data.version)
    start, end = _period(data.valid_from, data.valid_to, "valid_to")
    number = _e164(data.number, "number")
    with _saving(db, changing=line):
        row = _attach_number(db, line, number, start, end, where="number")
        _event(line, actor, EventKind.NUMBER_ADDED, detail=_held(number, start, end))
        deconfliction.record_matches(db, actor, line, [row], [], via=via)
        record(
            db,
            actor,
            Operation.ALTERATION,
            RecordRef.of("line", line.id),
            why="number added to a line",
            owner=line.owner_id,
            via=via,
        )
    return line


def add_handset(
    db: Session, actor: Actor, line_id: uuid.UUID, data: HandsetAdd, *, via: str = "web"
) -> Line:
    """Add a handset (IMEI) the line used, with its period. Needs ``lines.write``; audited.

    Refused (422) when this line holds the handset over an overlapping period
    already; other organisations' lines holding it are matched and both alerted.
    """
    line = _load_for_change(db, actor, line_id)
    if data.version is not None:
        check_version(line, data.version)
    start, end = _period(data.valid_from, data.valid_to, "valid_to")
    imei = _imei(data.imei, "imei")
    with _saving(db, changing=line):
        row = _attach_handset(db, line, imei, start, end, field="imei")
        _event(line, actor, EventKind.HANDSET_ADDED, detail=_held(imei, start, end))
        deconfliction.record_matches(db, actor, line, [], [row], via=via)
        record(
            db,
            actor,
            Operation.ALTERATION,
            RecordRef.of("line", line.id),
            why="handset added to a line",
            owner=line.owner_id,
            via=via,
        )
    return line


def _load_for_change(db: Session, actor: Actor, line_id: uuid.UUID) -> Line:
    """The actor's organisation's line, to change; another organisation's is NotFound."""
    actor.require(Permission.LINES_WRITE)
    line = db.get(Line, line_id)
    if line is None or line.owner_id != actor.organisation_id:
        raise NotFound(NO_SUCH_LINE)
    return line


# --- what a line holds --------------------------------------------------------------------------


def _attach_number(
    db: Session,
    line: Line,
    number: str,
    start: datetime,
    end: datetime | None,
    *,
    where: str | int,
) -> LineNumber:
    """Add a number to ``line``; ``where`` is its place in a new line's list, or its field."""
    _refuse_number_in_use(db, line, number, start, end, where)
    row = LineNumber(number=number, valid_from=start, valid_to=end)
    line.numbers.append(row)
    db.flush()
    return row


def _refuse_number_in_use(
    db: Session,
    line: Line,
    number: str,
    start: datetime,
    end: datetime | None,
    where: str | int,
    *,
    this_line_too: bool = True,
) -> None:
    """Refuse a number this line, or another active line of its owner, holds over the period.

    issue 6, Bad input: one number in two active lines at once is a clear
    validation message, never a silent merge. Messages name lines, not numbers.
    ``this_line_too`` False looks only at the owner's other lines (a line
    becoming active again).
    """
    active = [s.value for s in active_statuses()]
    in_other_active_line = and_(
        Line.id != line.id, Line.owner_id == line.owner_id, Line.status.in_(active)
    )
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


def _attach_handset(
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


def _person(given: PersonIn) -> LinePerson:
    return LinePerson(
        number=given.number,
        role=given.role.value,
        confidence=given.confidence,
        possible_child=given.possible_child,
    )


def _numbers_of(entry: dict[str, Any]) -> Iterator[tuple[str, datetime, datetime | None]]:
    """A finding's numbers with their periods: open unless a successor took over."""
    followed = {link["from"] for link in entry.get("successor_links", [])}
    for n in entry["numbers"]:
        end = _utc(n["last_seen"]) if n["number"] in followed else None
        yield n["number"], _utc(n["first_seen"]), end


def _handsets_of(entry: dict[str, Any]) -> Iterator[tuple[str, datetime, datetime | None]]:
    """A finding's handsets, one period each: open while it carries an open number."""
    open_numbers = {number for number, _, end in _numbers_of(entry) if end is None}
    periods: dict[str, tuple[datetime, datetime | None]] = {}
    for h in entry.get("handsets", []):
        start = _utc(h["first_seen"])
        end = None if h["number"] in open_numbers else _utc(h["last_seen"])
        if h["imei"] in periods:
            was_from, was_to = periods[h["imei"]]
            start = min(start, was_from)
            end = None if end is None or was_to is None else max(end, was_to)
        periods[h["imei"]] = (start, end)
    for imei, (start, end) in periods.items():
        yield imei, start, end


def _people_of(entry: dict[str, Any], score: float) -> Iterator[PersonIn]:
    """The people working a finding's line; customers stay in the finding (data minimisation)."""
    roles = {r.value for r in PersonRole}
    for person in entry.get("roles", []):
        if person["role"] in roles:
            yield PersonIn(
                number=person["number"],
                role=PersonRole(person["role"]),
                confidence=score,
                possible_child=bool(person.get("possible_child")),
            )


# --- checking input -----------------------------------------------------------------------------


def _e164(raw: str, field: str) -> str:
    number = e164(raw)
    if number is None:
        raise InvalidInput(
            "Enter a phone number, like 07700 900123 or +44 7700 900123.", field=field
        )
    return number


def _imei(raw: str, field: str) -> str:
    imei = "".join(raw.split())
    if not imei_ok(imei):
        raise InvalidInput(
            "Enter an IMEI of 15 digits whose last digit is its check digit "
            "(dial *#06# on the handset to see it).",
            field=field,
        )
    return imei


def _period(start: datetime, end: datetime | None, field: str) -> tuple[datetime, datetime | None]:
    """Aware UTC times (a time without a zone is read as UTC); the end not before the start."""
    start = _aware(start)
    end = _aware(end) if end is not None else None
    if end is not None and end < start:
        raise InvalidInput("The end of the period must be on or after its start.", field=field)
    return start, end


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _utc(text: str) -> datetime:
    return _aware(datetime.fromisoformat(text.replace("Z", "+00:00")))


def _area(force: str | None, field: str) -> str | None:
    if force is None or not force.strip():
        return None
    if force.strip() not in FORCES:
        raise InvalidInput(
            f"'{force}' is not a police force Crossline knows. Use a force id such as "
            "merseyside or west-mercia (`crossline orgs list`).",
            field=field,
        )
    return force.strip()


def _held(identifier: str, start: datetime, end: datetime | None) -> dict[str, Any]:
    return {
        "identifier": identifier,
        "valid_from": start.isoformat(),
        "valid_to": end.isoformat() if end else None,
    }


def _event(line: Line, actor: Actor, kind: EventKind, **fields: Any) -> None:
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


@contextmanager
def _saving(db: Session, *, changing: Line | None = None) -> Iterator[None]:
    """Make one change to the register, taking turns with any other; commit it or none of it.

    Checks that span lines (a number in one active line at a time; matches with
    other organisations' lines) read before they write, so two changes at once
    must not both read before either writes. On PostgreSQL an advisory lock held
    to commit makes them take turns; SQLite has one writer at a time, whose lock
    the first write takes, so ``changing`` (the line changed) is written first.
    Someone saving the same line meanwhile is a Conflict (409).
    """
    try:
        if db.get_bind().dialect.name == "postgresql":
            with db.no_autoflush:  # the lock first: no row locked while waiting for it
                db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": REGISTER_LOCK})
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


# --- findings awaiting confirmation -------------------------------------------------------------


def findings_to_confirm(db: Session, actor: Actor, *, via: str = "web") -> Sequence[Finding]:
    """Lines the organisation's latest analysis run found that are not in its register yet.

    Best first. Needs ``lines.write``. The findings' summaries carry numbers,
    so reading them is a consultation of the run, audited.
    """
    actor.require(Permission.LINES_WRITE)
    run = db.scalar(
        select(AnalysisRun)
        .where(AnalysisRun.owner_id == actor.organisation_id, AnalysisRun.status == "done")
        .order_by(AnalysisRun.finished_at.desc())
        .limit(1)
    )
    if run is None:
        return []
    confirmed = select(Line.analysis_line_id).where(
        Line.owner_id == actor.organisation_id, Line.analysis_line_id.is_not(None)
    )
    found = db.scalars(
        select(Finding)
        .where(
            Finding.run_id == run.id,
            Finding.kind == "line",
            Finding.line_id.not_in(confirmed),
        )
        .order_by(Finding.score.desc(), Finding.line_id)
    ).all()
    record(
        db,
        actor,
        Operation.CONSULTATION,
        RecordRef.of("analysis_run", run.id),
        why="choosing lines found by analysis to confirm into the register",
        owner=actor.organisation_id,
        via=via,
    )
    db.commit()
    return found
