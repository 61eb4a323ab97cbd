"""Confirming lines found by analysis into the register."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crossline.analytics.models import AnalysisRun, Finding
from crossline.audit.services import Operation, RecordRef, record
from crossline.auth.actor import Actor
from crossline.auth.permissions import Permission
from crossline.core.errors import Conflict, InvalidInput, NotFound
from crossline.lines import deconfliction
from crossline.lines.models import Line
from crossline.lines.schemas import FindingConfirm, PersonIn, PersonRole
from crossline.lines.services.changes import (
    add_created_event,
    attach_handset,
    attach_number,
    aware,
    new_line,
    person_on_line,
    saving,
)
from crossline.lines.statuses import LineStatus


class AlreadyInRegister(Conflict):
    """The line a finding shows is in the register already."""

    title = "This line is already in the register"


def findings_to_confirm(db: Session, actor: Actor, *, via: str = "web") -> Sequence[Finding]:
    """Lines the organisation's latest analysis run found that are not in its register yet.

    Best first. A finding of a line the organisation owns already (by analysis
    line id or a shared number) is an update to that line instead
    (updating.py). Needs ``lines.write``. The findings' summaries carry
    numbers, so reading them is a consultation of the run, audited.
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
    known = lines_found_again(db, actor, run.id)
    found = [
        f
        for f in db.scalars(
            select(Finding)
            .where(Finding.run_id == run.id, Finding.kind == "line")
            .order_by(Finding.score.desc(), Finding.line_id)
        )
        if f.id not in known
    ]
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
    with saving(db):
        line = new_line(
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
            attach_number(db, line, number, start, end, where=i)
            for i, (number, start, end) in enumerate(numbers_of(entry))
        ]
        handsets = [
            attach_handset(db, line, imei, start, end, field=f"handsets[{i}]")
            for i, (imei, start, end) in enumerate(handsets_of(entry))
        ]
        for person in people_of(entry, finding.score):
            line.people.append(person_on_line(person))
        add_created_event(
            line, actor, numbers, handsets, f"confirmed from analysis run {finding.run_id}"
        )
        deconfliction.record_matches(
            db, actor, line, numbers, handsets, people=line.people, via=via
        )
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
            f"{same.reference}, confirmed from an earlier run. Bring that line up to date "
            "from this run instead (Lines page, Found again by analysis), or record that it "
            f"resurfaced if it was closed ({same.url})."
        )


def numbers_of(entry: dict[str, Any]) -> Iterator[tuple[str, datetime, datetime | None]]:
    """A finding's numbers with their periods: open unless a successor took over."""
    followed = {link["from"] for link in entry.get("successor_links", [])}
    for n in entry["numbers"]:
        end = utc(n["last_seen"]) if n["number"] in followed else None
        yield n["number"], utc(n["first_seen"]), end


def handsets_of(entry: dict[str, Any]) -> Iterator[tuple[str, datetime, datetime | None]]:
    """A finding's handsets, one period each: open while it carries an open number."""
    open_numbers = {number for number, _, end in numbers_of(entry) if end is None}
    periods: dict[str, tuple[datetime, datetime | None]] = {}
    for h in entry.get("handsets", []):
        start = utc(h["first_seen"])
        end = None if h["number"] in open_numbers else utc(h["last_seen"])
        if h["imei"] in periods:
            was_from, was_to = periods[h["imei"]]
            start = min(start, was_from)
            end = None if end is None or was_to is None else max(end, was_to)
        periods[h["imei"]] = (start, end)
    for imei, (start, end) in periods.items():
        yield imei, start, end


def people_of(entry: dict[str, Any], score: float) -> Iterator[PersonIn]:
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


def utc(text: str) -> datetime:
    return aware(datetime.fromisoformat(text.replace("Z", "+00:00")))


def lines_found_again(db: Session, actor: Actor, run_id: uuid.UUID) -> dict[uuid.UUID, Line]:
    """The run's findings of lines the organisation owns already, with each line.

    A finding is a line owned already when it has the line's analysis line id
    (``CL-…``, stable across runs) or holds one of the line's numbers.
    """
    owned = Line.owned_by(actor.organisation_id)
    lines = db.scalars(select(Line).where(owned)).all()
    by_id = {line.analysis_line_id: line for line in lines if line.analysis_line_id}
    by_number = {n.number: line for line in lines for n in line.numbers}
    found: dict[uuid.UUID, Line] = {}
    for finding in db.scalars(
        select(Finding).where(Finding.run_id == run_id, Finding.kind == "line")
    ):
        line = by_id.get(finding.line_id)
        if line is None:
            numbers = (n["number"] for n in json.loads(finding.detail)["numbers"])
            line = next((by_number[n] for n in numbers if n in by_number), None)
        if line is not None:
            found[finding.id] = line
    return found
