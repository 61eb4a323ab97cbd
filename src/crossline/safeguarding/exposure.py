"""Safeguarding's measures of exposure (core/exposure.py), by the young person's home force area.

Counts only, across every organisation's records: how many children had a
concern raised, and how many missing episodes were reported, since the moment
asked. A young person whose home area is not recorded is not counted. Young
people recorded by two organisations (before their records are linked) count
for each.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crossline.core import exposure
from crossline.safeguarding.models import Concern, MissingEpisode, YoungPerson


def _children_with_concerns(db: Session, since: datetime) -> dict[str, int]:
    rows = db.execute(
        select(YoungPerson.force_area, func.count(func.distinct(YoungPerson.id)))
        .join(Concern, Concern.young_person_id == YoungPerson.id)
        .where(YoungPerson.force_area.is_not(None), Concern.raised_at >= since)
        .group_by(YoungPerson.force_area)
    ).all()
    return {str(a): int(n) for a, n in rows}


def _missing_episodes(db: Session, since: datetime) -> dict[str, int]:
    rows = db.execute(
        select(YoungPerson.force_area, func.count(MissingEpisode.id))
        .join(MissingEpisode, MissingEpisode.young_person_id == YoungPerson.id)
        .where(YoungPerson.force_area.is_not(None), MissingEpisode.reported_at >= since)
        .group_by(YoungPerson.force_area)
    ).all()
    return {str(a): int(n) for a, n in rows}


exposure.register(
    exposure.Measure(
        "children_concerns",
        "Children with concerns",
        "Young people from the area with a safeguarding concern raised in the period.",
        _children_with_concerns,
        order=30,
    )
)
exposure.register(
    exposure.Measure(
        "missing_episodes",
        "Missing episodes",
        "Missing episodes reported in the period of young people from the area.",
        _missing_episodes,
        order=40,
    )
)
