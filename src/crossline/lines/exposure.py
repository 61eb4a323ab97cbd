"""The line register's measures of exposure (core/exposure.py): lines into and out of an area.

A line's county area is where it sells; its hub area where it is run from
(both force ids). Active lines only (statuses whose ``active`` is true). Where
two forces each hold the same line it counts once for each, as deconfliction
has not yet merged them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crossline.core import exposure
from crossline.lines.models import Line
from crossline.lines.statuses import active_statuses


def _active_by(column: str) -> exposure.Counts:
    def counts(db: Session, since: datetime) -> dict[str, int]:
        area = getattr(Line, column)
        rows = db.execute(
            select(area, func.count())
            .where(area.is_not(None), Line.status.in_([s.value for s in active_statuses()]))
            .group_by(area)
        ).all()
        return {str(a): int(n) for a, n in rows}

    return counts


exposure.register(
    exposure.Measure(
        "lines_into",
        "Lines into the area",
        "Active lines in the register whose county area (where they sell) is the area.",
        _active_by("county_area"),
        order=10,
    )
)
exposure.register(
    exposure.Measure(
        "lines_from",
        "Lines run from the area",
        "Active lines in the register whose hub area (where they are run from) is the area.",
        _active_by("hub_area"),
        order=20,
    )
)
