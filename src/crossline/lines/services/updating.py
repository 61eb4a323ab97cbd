"""Bringing a confirmed line up to date from a later analysis run.

A later run finds the same line again: by its analysis line id (``CL-…``, from
the line's first number, stable across runs) or because it holds one of the
line's numbers. What the finding holds and the line does not (a new number,
a handset, a runner) is offered to the line's owners, and added when an
analyst accepts it. A number the finding shows was succeeded ends on its
last sighting. Nothing is taken away: the register keeps what its owners
recorded, and the timeline says what came from which run.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crossline.analytics.models import AnalysisRun, Finding
from crossline.audit.services import Operation, RecordRef, record
from crossline.auth.actor import Actor
from crossline.auth.permissions import Permission
from crossline.core.database import check_version
from crossline.core.errors import InvalidInput, NotFound
from crossline.lines import deconfliction
from crossline.lines.models import Line
from crossline.lines.schemas import EventKind, PersonIn
from crossline.lines.services.changes import (
    add_event,
    attach_handset,
    attach_number,
    person_on_line,
    saving,
)
from crossline.lines.services.confirming import (
    handsets_of,
    lines_found_again,
    numbers_of,
    people_of,
    utc,
)
from crossline.lines.services.reading import NO_SUCH_LINE


@dataclass(frozen=True)
class Update:
    """What a later finding holds that its line does not."""

    finding: Finding
    line: Line
    numbers: tuple[str, ...]  # new numbers, E.164
    handsets: tuple[str, ...]  # new IMEIs
    people: tuple[PersonIn, ...]  # people not on the line, or now flagged as possible children
    ended: tuple[str, ...]  # the line's open numbers the finding shows were succeeded

    @property
    def is_empty(self) -> bool:
        return not (self.numbers or self.handsets or self.people or self.ended)


def updates_from_latest_run(db: Session, actor: Actor, *, via: str = "web") -> list[Update]:
    """For each line the organisation owns that its latest run found again, what is new.

    Needs ``lines.write``. A consultation of the run, audited (the findings
    hold numbers). Lines with nothing new are left out.
    """
    actor.require(Permission.LINES_WRITE)
    run = _latest_run(db, actor)
    if run is None:
        return []
    found = []
    for finding_id, line in lines_found_again(db, actor, run.id).items():
        update = _what_is_new(line, db.get_one(Finding, finding_id))
        if not update.is_empty:
            found.append(update)
    record(
        db,
        actor,
        Operation.CONSULTATION,
        RecordRef.of("analysis_run", run.id),
        why="finding what a later analysis run adds to lines in the register",
        owner=actor.organisation_id,
        via=via,
    )
    db.commit()
    return found


def update_from_finding(
    db: Session,
    actor: Actor,
    line_id: uuid.UUID,
    finding_id: uuid.UUID,
    version: int,
    *,
    via: str = "web",
) -> Line:
    """Add to the line what a later finding of it holds. Needs ``lines.write``; audited.

    Refused: (404) a line or finding the organisation does not own; (422) a
    finding that is not of this line, or adds nothing; a new number active in
    another of the owners' lines (named); (409) a line changed since ``version``.
    """
    actor.require(Permission.LINES_WRITE)
    line = db.get(Line, line_id)
    if line is None or not line.held_by(actor.organisation_id):
        raise NotFound(NO_SUCH_LINE)
    finding = db.get(Finding, finding_id)
    if finding is None or finding.owner_id != actor.organisation_id or finding.kind != "line":
        raise NotFound("There is no such analysis finding of a line for your organisation.")
    if lines_found_again(db, actor, finding.run_id).get(finding.id) is not line:
        raise InvalidInput(
            f"Analysis line {finding.line_id} shares no number with line {line.reference}, so "
            "it cannot update it. Confirm it as a line of its own.",
            field="finding_id",
        )
    check_version(line, version)
    update = _what_is_new(line, finding)
    if update.is_empty:
        raise InvalidInput(
            f"Analysis line {finding.line_id} holds nothing line {line.reference} does not.",
            field="finding_id",
        )
    entry: dict[str, Any] = json.loads(finding.detail)
    how = f"from analysis run {finding.run_id}"
    with saving(db, changing=line):
        last_seen = {n["number"]: utc(n["last_seen"]) for n in entry["numbers"]}
        for held in line.numbers:
            if held.number in update.ended and held.valid_to is None:
                held.valid_to = max(last_seen[held.number], held.valid_from)
        numbers = []
        for i, (number, start, end) in enumerate(numbers_of(entry)):
            if number in update.numbers:
                numbers.append(attach_number(db, line, number, start, end, where=i))
                add_event(line, actor, EventKind.NUMBER_ADDED, reason=how, detail=_held(number))
        handsets = []
        for imei, start, end in handsets_of(entry):
            if imei in update.handsets:
                handsets.append(attach_handset(db, line, imei, start, end, field="finding_id"))
                add_event(line, actor, EventKind.HANDSET_ADDED, reason=how, detail=_held(imei))
        on_line = {p.number: p for p in line.people}
        people = []
        for person in update.people:
            if person.number in on_line:
                on_line[person.number].possible_child = True
            else:
                people.append(person_on_line(person))
                line.people.append(people[-1])
        add_event(
            line,
            actor,
            EventKind.UPDATED_FROM_ANALYSIS,
            reason=how,
            detail={
                "finding_id": str(finding.id),
                "analysis_line_id": finding.line_id,
                "numbers": len(update.numbers),
                "handsets": len(update.handsets),
                "people": len(update.people),
                "numbers_ended": len(update.ended),
            },
        )
        deconfliction.record_matches(db, actor, line, numbers, handsets, people=people, via=via)
        record(
            db,
            actor,
            Operation.ALTERATION,
            RecordRef.of("line", line.id),
            why=f"line brought up to date from analysis finding {finding.id}",
            owner=line.owner_id,
            via=via,
        )
    return line


def _latest_run(db: Session, actor: Actor) -> AnalysisRun | None:
    return db.scalar(
        select(AnalysisRun)
        .where(AnalysisRun.owner_id == actor.organisation_id, AnalysisRun.status == "done")
        .order_by(AnalysisRun.finished_at.desc())
        .limit(1)
    )


def _what_is_new(line: Line, finding: Finding) -> Update:
    entry: dict[str, Any] = json.loads(finding.detail)
    held_numbers = {n.number for n in line.numbers}
    held_imeis = {h.imei for h in line.handsets}
    people = {p.number: p for p in line.people}
    followed = {link["from"] for link in entry.get("successor_links", [])}
    open_numbers = {n.number for n in line.numbers if n.valid_to is None}
    return Update(
        finding=finding,
        line=line,
        numbers=tuple(n for n, _, _ in numbers_of(entry) if n not in held_numbers),
        handsets=tuple(i for i, _, _ in handsets_of(entry) if i not in held_imeis),
        people=tuple(
            p
            for p in people_of(entry, finding.score)
            if p.number not in people or (p.possible_child and not people[p.number].possible_child)
        ),
        ended=tuple(sorted(open_numbers & followed)),
    )


def _held(identifier: str) -> dict[str, str]:
    return {"identifier": identifier}
