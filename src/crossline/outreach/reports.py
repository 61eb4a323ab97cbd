"""Anonymous reports about county lines, and the signs to look for (MISSION.md, awareness campaign).

Anyone, a young person above all, can tell the local safeguarding partners what
they have seen without saying who they are. DESIGN.md, Security: an anonymous
report keeps no IP address, user agent or cookie, and no account; the access
log keeps the path and status only (web/security.py). The time it came in is
kept to the hour, so it cannot be lined up with a network log elsewhere.

**Who reads it.** The sender names the local authority district it is about
(one of the shipped boundary file's districts). It goes to the two partners
of the local safeguarding hub for that place: the police force whose area holds
the district, which always exists (reference data), and the local authority
organisation whose area is the district, where one uses Crossline. Their
users with ``safeguarding.read`` read it, each read audited as a consultation;
those with ``safeguarding.write`` record what was done (a concern raised, passed
on, no further action). No other organisation sees it.

The signs a sender may tick are the exploitation indicators of DOMAIN.md
§INDICATORS in plain words (data/signs.yaml), so practitioners read them as the
indicators they screen for.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, TypeAdapter
from sqlalchemy import ColumnElement, and_, false, or_, select
from sqlalchemy.orm import Session

from crossline.audit.services import Operation, RecordRef, record
from crossline.auth.actor import Actor
from crossline.auth.permissions import Permission
from crossline.core import clock
from crossline.core.database import check_version
from crossline.core.errors import InvalidInput, NotFound
from crossline.orgs.models import Area, Organisation
from crossline.outreach.models import AnonymousReport
from crossline.outreach.schemas import ReportIn, ReportOutcome, ReportRead, ReportStatus

SIGNS_FILE = Path(__file__).parent / "data" / "signs.yaml"
RECORD_TYPE = "anonymous_report"
READ_WHY = "reading an anonymous report about our area"
POLICE_FORCE, LOCAL_AUTHORITY = "police_force", "local_authority"


class Sign(BaseModel, frozen=True):
    id: str  # the DOMAIN.md §INDICATORS id it is drawn from
    text: str


@cache
def signs() -> dict[str, tuple[Sign, ...]]:
    """The signs, by what they are about: ``person`` and ``address``."""
    raw = yaml.safe_load(SIGNS_FILE.read_text(encoding="utf-8"))
    loaded: dict[str, tuple[Sign, ...]] = TypeAdapter(dict[str, tuple[Sign, ...]]).validate_python(
        raw
    )
    return loaded


def sign_texts() -> dict[str, str]:
    return {sign.id: sign.text for group in signs().values() for sign in group}


def districts(db: Session) -> Sequence[Area]:
    """The districts a report may name, by name."""
    return db.scalars(select(Area).where(Area.kind == "district").order_by(Area.name)).all()


@dataclass(frozen=True)
class Sent:
    """A report as kept, and the organisations that will read it (for the sender's receipt)."""

    report: AnonymousReport
    read_by: tuple[str, ...]


def send_report(db: Session, data: ReportIn, *, via: str = "web") -> Sent:
    """Keep an anonymous report for the partners of its district. Nothing about the sender is kept.

    Raises InvalidInput for a district that is not one of the list, a sign that
    is not one of the signs, or text that is only spaces.
    """
    district = db.get(Area, data.district)
    if district is None or district.kind != "district":
        raise InvalidInput(
            "Choose the area from the list. If you are not sure, choose the nearest one.",
            field="district",
        )
    known = sign_texts()
    unknown = [s for s in data.signs if s not in known]
    if unknown:
        raise InvalidInput(f"'{unknown[0]}' is not one of the signs on this page.", field="signs")
    what = data.what_happened.strip()
    if not what:
        raise InvalidInput("Tell us what is happening.", field="what_happened")
    report = AnonymousReport(
        received_at=_to_the_hour(clock.now()),
        district_id=district.id,
        force_area_id=district.force_area_id,
        about=data.about.value,
        what_happened=what,
        where_detail=(data.where_detail or "").strip() or None,
        signs=",".join(dict.fromkeys(data.signs)),
        reporter_age=data.reporter_age.value,
        status=ReportStatus.NEW.value,
    )
    db.add(report)
    db.flush()
    readers = recipients(db, report)
    police = next((o.id for o in readers if o.kind == POLICE_FORCE), None)
    record(
        db,
        None,
        Operation.COLLECTION,
        RecordRef.of(RECORD_TYPE, report.id),
        why="anonymous report",
        owner=police,
        via=via,
        at=report.received_at,  # the hour only: the exact time would undo the rounding
    )
    db.commit()
    return Sent(report, tuple(o.name for o in readers))


def recipients(db: Session, report: AnonymousReport) -> Sequence[Organisation]:
    """The partners who read a report: its area's police force, and its district's council."""
    return db.scalars(
        select(Organisation)
        .where(_reader_of(report.district_id, report.force_area_id))
        .order_by(Organisation.kind.desc(), Organisation.name)
    ).all()


def _reader_of(district_id: str, force_area_id: str | None) -> ColumnElement[bool]:
    police = (
        and_(Organisation.kind == POLICE_FORCE, Organisation.area_id == force_area_id)
        if force_area_id
        else false()
    )
    council = and_(Organisation.kind == LOCAL_AUTHORITY, Organisation.area_id == district_id)
    return or_(police, council)


def _visible_to(db: Session, actor: Actor) -> ColumnElement[bool]:
    """Reports about the actor's area: its force area for a force, its district for a council."""
    organisation = db.get(Organisation, actor.organisation_id)
    if organisation is None or organisation.area_id is None:
        return false()
    if organisation.kind == POLICE_FORCE:
        return AnonymousReport.force_area_id == organisation.area_id
    if organisation.kind == LOCAL_AUTHORITY:
        return AnonymousReport.district_id == organisation.area_id
    return false()


def list_reports(
    db: Session, actor: Actor, *, status: ReportStatus | None = None, via: str = "web"
) -> Sequence[AnonymousReport]:
    """Reports about the actor's area, newest first; each one shown is audited as a consultation."""
    actor.require(Permission.SAFEGUARDING_READ)
    query = select(AnonymousReport).where(_visible_to(db, actor))
    if status is not None:
        query = query.where(AnonymousReport.status == status.value)
    reports = db.scalars(
        query.order_by(AnonymousReport.received_at.desc(), AnonymousReport.id)
    ).all()
    for report in reports:
        _audit(db, actor, report, Operation.CONSULTATION, via)
    db.commit()
    return reports


def get_report(
    db: Session, actor: Actor, report_id: uuid.UUID, *, via: str = "web"
) -> AnonymousReport:
    """One report about the actor's area (NotFound for any other); the read is audited."""
    actor.require(Permission.SAFEGUARDING_READ)
    report = _visible(db, actor, report_id)
    _audit(db, actor, report, Operation.CONSULTATION, via)
    db.commit()
    return report


def record_outcome(
    db: Session, actor: Actor, report_id: uuid.UUID, data: ReportOutcome, *, via: str = "web"
) -> AnonymousReport:
    """Record what was done about a report; refuses a stale version (Conflict)."""
    actor.require(Permission.SAFEGUARDING_WRITE)
    if data.status is ReportStatus.NEW:
        raise InvalidInput("Choose what was done about the report.", field="status")
    report = _visible(db, actor, report_id)
    check_version(report, data.version)
    report.status = data.status.value
    report.outcome_note = (data.outcome_note or "").strip() or None
    report.handled_by_organisation_id = actor.organisation_id
    report.handled_by_name = f"{actor.display_name}, {actor.organisation_name}"
    report.handled_at = clock.now()
    _audit(db, actor, report, Operation.ALTERATION, via)
    db.commit()
    return report


def as_read(db: Session, report: AnonymousReport) -> ReportRead:
    area = db.get(Area, report.district_id)
    return ReportRead(
        id=report.id,
        received_at=report.received_at,
        district_id=report.district_id,
        district_name=area.name if area else report.district_id,
        force_area_id=report.force_area_id,
        about=report.about,
        what_happened=report.what_happened,
        where_detail=report.where_detail,
        signs=[s for s in report.signs.split(",") if s],
        reporter_age=report.reporter_age,
        status=report.status,
        outcome_note=report.outcome_note,
        handled_by_name=report.handled_by_name,
        handled_at=report.handled_at,
        version=report.version,
    )


def _visible(db: Session, actor: Actor, report_id: uuid.UUID) -> AnonymousReport:
    report = db.scalar(
        select(AnonymousReport).where(AnonymousReport.id == report_id, _visible_to(db, actor))
    )
    if report is None:
        raise NotFound("There is no such report about your area.")
    return report


def _audit(
    db: Session, actor: Actor, report: AnonymousReport, operation: Operation, via: str
) -> None:
    record(
        db,
        actor,
        operation,
        RecordRef.of(RECORD_TYPE, report.id),
        why=READ_WHY if operation is Operation.CONSULTATION else None,
        owner=actor.organisation_id,
        via=via,
    )


def _to_the_hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)
