"""Targeting the awareness campaign: police force areas and schools by exposure to county lines.

MISSION.md, awareness campaign: *target areas and schools by exposure*. Every
measure registered in ``core.exposure`` (lines into and out of the area from the
register, children with concerns and missing episodes from safeguarding,
anonymous reports from here) is counted for each police force area over the
period chosen, and the areas are ranked by the measure the planner chooses,
ties broken by the others in order. Each area lists the schools in Crossline
whose district lies in it: the schools to reach first.

National coordinators (``national_picture.read``) plan the campaign; they see
counts, never a record. No personal data are read, so nothing is audited.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crossline.auth.actor import Actor
from crossline.auth.permissions import Permission
from crossline.core import clock, exposure
from crossline.core.errors import InvalidInput
from crossline.orgs.models import Area, Organisation
from crossline.outreach.models import AnonymousReport

POLICE_FORCE, SCHOOL = "police_force", "school"
PERIODS = {3: "the last 3 months", 6: "the last 6 months", 12: "the last 12 months"}


def _force_keys(db: Session) -> dict[str, str]:
    """A force area's ONS code -> the force's id (forces.yaml)."""
    rows = db.execute(
        select(Organisation.area_id, Organisation.key).where(
            Organisation.kind == POLICE_FORCE, Organisation.area_id.is_not(None)
        )
    ).all()
    return {str(code): str(key) for code, key in rows}


def _anonymous_reports(db: Session, since: datetime) -> dict[str, int]:
    keys = _force_keys(db)
    rows = db.execute(
        select(AnonymousReport.force_area_id, func.count())
        .where(AnonymousReport.received_at >= since, AnonymousReport.force_area_id.is_not(None))
        .group_by(AnonymousReport.force_area_id)
    ).all()
    return {keys[str(code)]: int(n) for code, n in rows if str(code) in keys}


exposure.register(
    exposure.Measure(
        "anonymous_reports",
        "Anonymous reports",
        "Reports sent anonymously about districts in the area in the period.",
        _anonymous_reports,
        order=50,
    )
)


@dataclass(frozen=True)
class AreaExposure:
    force: str  # forces.yaml id
    name: str  # the force's name
    counts: dict[str, int]  # measure id -> count
    schools: tuple[str, ...]  # the Crossline schools whose district is in the area


@dataclass(frozen=True)
class Targeting:
    measures: tuple[exposure.Measure, ...]
    by: str
    months: int
    since: datetime
    areas: tuple[AreaExposure, ...]  # ranked, areas with nothing counted left out


def target(db: Session, actor: Actor, *, by: str | None = None, months: int = 12) -> Targeting:
    """Force areas ranked by ``by`` (a measure id; the first measure by default)."""
    actor.require(Permission.NATIONAL_PICTURE_READ)
    measures = exposure.measures()
    ids = [m.id for m in measures]
    chosen = by or ids[0]
    if chosen not in ids:
        raise InvalidInput(f"'{chosen}' is not a measure of exposure.", field="by")
    if months not in PERIODS:
        raise InvalidInput("Choose a period of 3, 6 or 12 months.", field="months")
    since = clock.now() - timedelta(days=round(months * 365.25 / 12))
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for measure in measures:
        for force, n in measure.counts(db, since).items():
            counts[force][measure.id] = n
    forces = {
        str(o.key): o
        for o in db.scalars(select(Organisation).where(Organisation.kind == POLICE_FORCE))
    }
    schools = _schools_by_force_area(db)
    order = [chosen, *(i for i in ids if i != chosen)]
    ranked = sorted(
        (force for force in counts if force in forces),
        key=lambda f: (*(-counts[f].get(i, 0) for i in order), forces[f].name),
    )
    return Targeting(
        measures=measures,
        by=chosen,
        months=months,
        since=since,
        areas=tuple(
            AreaExposure(
                force=force,
                name=forces[force].name,
                counts={i: counts[force].get(i, 0) for i in ids},
                schools=schools.get(forces[force].area_id or "", ()),
            )
            for force in ranked
            if any(counts[force].values())
        ),
    )


def _schools_by_force_area(db: Session) -> dict[str, tuple[str, ...]]:
    """A force area's code -> the names of the schools in Crossline whose district is in it."""
    rows = db.execute(
        select(Area.force_area_id, Organisation.name)
        .join(Area, Area.id == Organisation.area_id)
        .where(Organisation.kind == SCHOOL)
        .order_by(Organisation.name)
    ).all()
    found: dict[str, list[str]] = defaultdict(list)
    for code, name in rows:
        found[str(code)].append(str(name))
    return {code: tuple(names) for code, names in found.items()}
