"""The national picture: outcomes recorded against lines, the matrix and map, trends, and
intensification weeks.

A line's owner's analysts (``lines.write``) record outcomes of action against
their own lines (arrests, people safeguarded…); that alters the line and is
audited. Everything else here needs ``national_picture.read`` and returns
counts only, across every organisation: lines by hub and county force, lines
opened, confirmed, disrupted, closed and resurfaced per week (from the line
timeline, ``LineEvent``) and outcomes per week, and an intensification week's
results by organisation. Counts hold no personal data, so reading them is not
audited; exporting a week's report is, as a disclosure (docs/security.md).

Weeks and days are UTC: an event belongs to the day on which it happened in
UTC, and a week starts on Monday.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crossline.audit.services import Operation, RecordRef, record
from crossline.auth.actor import Actor
from crossline.auth.permissions import Permission
from crossline.core import clock
from crossline.core.errors import InvalidInput, NotFound
from crossline.lines.models import Line, LineEvent
from crossline.lines.national_schemas import (
    AreaCount,
    Force,
    Matrix,
    MatrixRow,
    Measures,
    NationalPicture,
    OutcomeCreate,
    ReportRow,
    WeekCount,
    WeekCreate,
    WeekRead,
    WeekReport,
)
from crossline.lines.outcomes import OUTCOME_KINDS, IntensificationWeek, LineOutcome
from crossline.lines.schemas import EventKind
from crossline.lines.services.reading import NO_SUCH_LINE
from crossline.lines.statuses import ClosureType, LineStatus, active_statuses
from crossline.orgs.models import Organisation
from crossline.orgs.reference import FORCES

NO_SUCH_WEEK = "There is no such intensification week."
TREND_WEEKS = 12  # the trends shown unless more or fewer are asked for
MAX_TREND_WEEKS = 156  # three years of weekly rows is as far as a table stays readable
MAX_WEEK_DAYS = 92  # an intensification "week" of more than a quarter is a mistake
# The statuses whose arrival is counted; "suspected" is only ever the start of a line.
COUNTED_STATUSES = (
    LineStatus.CONFIRMED,
    LineStatus.DISRUPTED,
    LineStatus.CLOSED,
    LineStatus.RESURFACED,
)
CSV_MEASURES = (
    "opened",
    "confirmed",
    "disrupted",
    "closed",
    "closed_type_1",
    "closed_type_2",
    "resurfaced",
)


# --- outcomes against a line ----------------------------------------------------------------


def record_outcome(
    db: Session, actor: Actor, line_id: uuid.UUID, data: OutcomeCreate, *, via: str = "web"
) -> LineOutcome:
    """Record an outcome of action against one of the organisation's own lines.

    Needs ``lines.write``; another organisation's line is NotFound, as if it
    did not exist. A day in the future is InvalidInput. Audited as an
    alteration of the line.
    """
    actor.require(Permission.LINES_WRITE)
    line = _own_line(db, actor, line_id)
    if data.occurred_on > clock.now().date():
        raise InvalidInput("The date must be today or in the past.", field="occurred_on")
    note = (data.note or "").strip() or None
    outcome = LineOutcome(
        id=uuid.uuid4(),
        line_id=line.id,
        owner_id=actor.organisation_id,  # the force that recorded it, for the report by force
        occurred_on=data.occurred_on,
        kind=data.kind.value,
        count=data.count,
        note=note,
        recorded_by_id=actor.user_id,
        recorded_by_name=actor.display_name,
    )
    db.add(outcome)
    db.flush()
    record(
        db,
        actor,
        Operation.ALTERATION,
        RecordRef.of("line", line.id),
        why=f"outcome recorded against a line: {data.count} {OUTCOME_KINDS[data.kind].plural}",
        owner=line.owner_id,
        via=via,
    )
    db.commit()
    return outcome


def line_outcomes(
    db: Session, actor: Actor, line_id: uuid.UUID, *, via: str = "web"
) -> tuple[Line, Sequence[LineOutcome]]:
    """A line and the outcomes recorded against it, latest day first.

    Needs ``lines.read``; the owner's readers and national coordinators
    (``lines.national``) see them, anyone else NotFound. Notes may say more
    than counts, so this is audited as a consultation of the line.
    """
    actor.require(Permission.LINES_READ)
    line = db.get(Line, line_id)
    if line is None or not (
        line.held_by(actor.organisation_id) or actor.can(Permission.LINES_NATIONAL)
    ):
        raise NotFound(NO_SUCH_LINE)
    found = db.scalars(
        select(LineOutcome)
        .where(LineOutcome.line_id == line.id)
        .order_by(LineOutcome.occurred_on.desc(), LineOutcome.created_at.desc())
    ).all()
    record(
        db,
        actor,
        Operation.CONSULTATION,
        RecordRef.of("line", line.id),
        why="reading the outcomes recorded against a line",
        owner=line.owner_id,
        via=via,
    )
    db.commit()
    return line, found


def may_record_outcomes(actor: Actor, line: Line) -> bool:
    """Whether ``actor`` may record outcomes against ``line``: its owner's analysts only."""
    return actor.can(Permission.LINES_WRITE) and line.held_by(actor.organisation_id)


def _own_line(db: Session, actor: Actor, line_id: uuid.UUID) -> Line:
    line = db.get(Line, line_id)
    if line is None or not line.held_by(actor.organisation_id):
        raise NotFound(NO_SUCH_LINE)
    return line


# --- the national picture -------------------------------------------------------------------


def national_picture(
    db: Session, actor: Actor, *, weeks: int = TREND_WEEKS, today: date | None = None
) -> NationalPicture:
    """Every organisation's active lines by hub and county force, the trends over the last
    ``weeks`` weeks (to the week of ``today``), and every outcome recorded, by kind.

    Needs ``national_picture.read``. Counts only; not audited.
    """
    actor.require(Permission.NATIONAL_PICTURE_READ)
    if not 1 <= weeks <= MAX_TREND_WEEKS:
        raise InvalidInput(f"Show between 1 and {MAX_TREND_WEEKS} weeks.", field="weeks")
    pairs = _active_lines_by_area(db)
    return NationalPicture(
        matrix=_matrix(pairs),
        areas=_areas(pairs),
        trends=_trends(db, weeks, today or clock.now().date()),
        outcome_totals=_outcome_totals(db),
    )


def _active_lines_by_area(db: Session) -> Counter[tuple[str | None, str | None]]:
    """How many active lines run from each hub force to each county force."""
    rows = db.execute(
        select(Line.hub_area, Line.county_area, func.count())
        .where(Line.status.in_([s.value for s in active_statuses()]))
        .group_by(Line.hub_area, Line.county_area)
    ).all()
    return Counter({(hub, county): count for hub, county, count in rows})


def _force(force_id: str | None) -> Force:
    if force_id is None:
        return Force(force_id=None, name="Not recorded", area_code=None)
    known = FORCES.get(force_id)
    if known is None:  # an area id from before forces.yaml named it: show it as it is
        return Force(force_id=force_id, name=force_id, area_code=None)
    return Force(force_id=force_id, name=known.name, area_code=known.area_code)


def _in_order(force_ids: Iterable[str | None]) -> list[Force]:
    """Forces by name, "Not recorded" last."""
    forces = [_force(f) for f in set(force_ids)]
    return sorted(forces, key=lambda f: (f.force_id is None, f.name))


def _matrix(pairs: Counter[tuple[str | None, str | None]]) -> Matrix:
    hubs = _in_order(hub for hub, _ in pairs)
    counties = _in_order(county for _, county in pairs)
    rows = []
    for hub in hubs:
        cells = [pairs[(hub.force_id, county.force_id)] for county in counties]
        rows.append(MatrixRow(hub=hub, lines=cells, total=sum(cells)))
    county_totals = [
        sum(pairs[(hub.force_id, county.force_id)] for hub in hubs) for county in counties
    ]
    return Matrix(
        counties=counties, rows=rows, county_totals=county_totals, total=sum(pairs.values())
    )


def _areas(pairs: Counter[tuple[str | None, str | None]]) -> list[AreaCount]:
    exporting: Counter[str] = Counter()
    importing: Counter[str] = Counter()
    for (hub, county), count in pairs.items():
        if hub is not None:
            exporting[hub] += count
        if county is not None:
            importing[county] += count
    return [
        AreaCount(
            force=force, exporting=exporting[force.force_id], importing=importing[force.force_id]
        )
        for force in _in_order(set(exporting) | set(importing))
        if force.force_id is not None
    ]


def week_starting(day: date) -> date:
    """The Monday of the week ``day`` is in."""
    return day - timedelta(days=day.weekday())


def _trends(db: Session, weeks: int, today: date) -> list[WeekCount]:
    last = week_starting(today)
    first = last - timedelta(weeks=weeks - 1)
    by_week: dict[date, Measures] = {first + timedelta(weeks=i): Measures() for i in range(weeks)}
    end = last + timedelta(days=7)
    for at, _owner, kind, to_status, closure in _line_changes(db, first, end):
        _count_change(by_week[week_starting(at.date())], kind, to_status, closure)
    for day, _owner, kind, count in _outcome_counts(db, first, end):
        by_week[week_starting(day)].outcomes[kind] += count
    return [WeekCount(week_starting=week, measures=m) for week, m in by_week.items()]


def _outcome_totals(db: Session) -> dict[str, int]:
    rows = db.execute(
        select(LineOutcome.kind, func.sum(LineOutcome.count)).group_by(LineOutcome.kind)
    )
    totals = Measures().outcomes
    for kind, total in rows:
        totals[kind] = int(total)
    return totals


# --- what the timeline and the outcomes say, over a period ----------------------------------


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _line_changes(
    db: Session, first: date, end: date
) -> Sequence[tuple[datetime, uuid.UUID, str, str | None, str | None]]:
    """Every line entered in the register or changing status from ``first`` up to, not
    including, ``end``: when, the line's owner, the event kind, the status reached and,
    for a closure, its type."""
    rows = db.execute(
        select(
            LineEvent.at,
            Line.owner_id,
            LineEvent.kind,
            LineEvent.to_status,
            LineEvent.closure_type,
        )
        .join(Line, Line.id == LineEvent.line_id)
        .where(
            LineEvent.kind.in_([EventKind.CREATED.value, EventKind.STATUS_CHANGED.value]),
            LineEvent.at >= _midnight(first),
            LineEvent.at < _midnight(end),
        )
    ).all()
    return [(at, owner, kind, to, closure) for at, owner, kind, to, closure in rows]


def _count_change(
    measures: Measures, kind: str, to_status: str | None, closure: str | None
) -> None:
    if kind == EventKind.CREATED.value:
        measures.opened += 1
    if to_status is not None and to_status in {s.value for s in COUNTED_STATUSES}:
        setattr(measures, to_status, getattr(measures, to_status) + 1)
    if to_status == LineStatus.CLOSED.value and closure in {c.value for c in ClosureType}:
        name = f"closed_{closure}"  # closed_type_1, closed_type_2
        setattr(measures, name, getattr(measures, name) + 1)


def _outcome_counts(
    db: Session, first: date, end: date
) -> Sequence[tuple[date, uuid.UUID, str, int]]:
    """The outcomes recorded for days from ``first`` up to, not including, ``end``, summed by
    day, owner and kind."""
    rows = db.execute(
        select(
            LineOutcome.occurred_on,
            LineOutcome.owner_id,
            LineOutcome.kind,
            func.sum(LineOutcome.count),
        )
        .where(LineOutcome.occurred_on >= first, LineOutcome.occurred_on < end)
        .group_by(LineOutcome.occurred_on, LineOutcome.owner_id, LineOutcome.kind)
    ).all()
    return [(day, owner, kind, int(total)) for day, owner, kind, total in rows]


# --- intensification weeks ------------------------------------------------------------------


def define_week(db: Session, actor: Actor, data: WeekCreate) -> IntensificationWeek:
    """Define an intensification week to report on. Needs ``national_picture.read``.

    The last day must not be before the first, nor more than MAX_WEEK_DAYS
    after it. Holds no personal data, so it is not audited.
    """
    actor.require(Permission.NATIONAL_PICTURE_READ)
    name = data.name.strip()
    if not name:
        raise InvalidInput("Enter a name for the intensification week.", field="name")
    if data.ends_on < data.starts_on:
        raise InvalidInput(
            "The last day must be the same as or after the first day.", field="ends_on"
        )
    if (data.ends_on - data.starts_on).days >= MAX_WEEK_DAYS:
        raise InvalidInput(
            f"An intensification week can last at most {MAX_WEEK_DAYS} days. "
            "Check the first and last days.",
            field="ends_on",
        )
    week = IntensificationWeek(
        id=uuid.uuid4(),
        name=name,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        defined_by_id=actor.user_id,
        defined_by_name=actor.display_name,
    )
    db.add(week)
    db.commit()
    return week


def list_weeks(db: Session, actor: Actor) -> Sequence[IntensificationWeek]:
    """Every intensification week, latest first. Needs ``national_picture.read``."""
    actor.require(Permission.NATIONAL_PICTURE_READ)
    return db.scalars(
        select(IntensificationWeek).order_by(
            IntensificationWeek.starts_on.desc(), IntensificationWeek.name
        )
    ).all()


def week_report(db: Session, actor: Actor, week_id: uuid.UUID) -> WeekReport:
    """An intensification week's results, by organisation holding the lines and in total.

    Lines opened and statuses reached are counted from the line timeline on
    the week's days (UTC); outcomes by the day they happened. Needs
    ``national_picture.read``; counts only, not audited.
    """
    actor.require(Permission.NATIONAL_PICTURE_READ)
    week = db.get(IntensificationWeek, week_id)
    if week is None:
        raise NotFound(NO_SUCH_WEEK)
    end = week.ends_on + timedelta(days=1)
    by_owner: defaultdict[uuid.UUID, Measures] = defaultdict(Measures)
    for _at, owner, kind, to_status, closure in _line_changes(db, week.starts_on, end):
        _count_change(by_owner[owner], kind, to_status, closure)
    for _day, owner, kind, count in _outcome_counts(db, week.starts_on, end):
        by_owner[owner].outcomes[kind] += count
    found = db.execute(
        select(Organisation.id, Organisation.name).where(Organisation.id.in_(list(by_owner)))
    )
    names = {row.id: row.name for row in found}
    rows = sorted(
        (
            ReportRow(organisation_id=o, organisation=names[o], measures=m)
            for o, m in by_owner.items()
        ),
        key=lambda row: row.organisation,
    )
    return WeekReport(week=WeekRead.of(week), rows=rows, total=_sum(r.measures for r in rows))


def _sum(all_measures: Iterable[Measures]) -> Measures:
    total = Measures()
    for measures in all_measures:
        for name in CSV_MEASURES:
            setattr(total, name, getattr(total, name) + getattr(measures, name))
        for kind, count in measures.outcomes.items():
            total.outcomes[kind] += count
    return total


def export_week_report(db: Session, actor: Actor, week_id: uuid.UUID, *, via: str = "web") -> str:
    """An intensification week's report as CSV: a row per organisation, then the total.

    Needs ``national_picture.read``; audited as a disclosure to the person
    exporting it (docs/security.md: an export is a disclosure).
    """
    report = week_report(db, actor, week_id)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        ["week", "first_day", "last_day", "organisation", *CSV_MEASURES, *OUTCOME_KINDS]
    )
    week = report.week
    lead = [week.name, week.starts_on.isoformat(), week.ends_on.isoformat()]
    for row in [*((r.organisation, r.measures) for r in report.rows), ("Total", report.total)]:
        name, measures = row
        cells = [
            *lead,
            name,
            *(getattr(measures, m) for m in CSV_MEASURES),
            *(measures.outcomes[k] for k in OUTCOME_KINDS),
        ]
        writer.writerow([_cell(c) for c in cells])
    record(
        db,
        actor,
        Operation.DISCLOSURE,
        RecordRef.of("intensification_week", week.week_id),
        why="intensification week report exported",
        recipient=f"{actor.display_name} (export file)",
        via=via,
    )
    db.commit()
    return out.getvalue()


def _cell(value: object) -> object:
    """A CSV cell that a spreadsheet will show as text, never run as a formula (OWASP, CSV
    injection): week and organisation names are typed by people."""
    if isinstance(value, str) and value.startswith(("=", "+", "-", "@", "\t", "\r")):
        return f"'{value}"
    return value


def outcome_kinds() -> list[tuple[str, str]]:
    """Every outcome kind as (id, heading), in the file's order."""
    return [(kind.id, kind.plural) for kind in OUTCOME_KINDS.values()]
