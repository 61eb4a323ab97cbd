"""The line page's heat map of activity and its map of areas.

The network chart is ``network.py``. Each is read two ways: for the API, by
line id, through ``get_line`` (``lines.read``; another organisation's line is
NotFound unless the actor is a national coordinator; audited as a
consultation of the line, like ``GET /api/lines/{id}``); and for the line's
page, from the line the page has just read, and audited, once.

Activity comes from the line owner's own comms data only (``line_events``).
Hours and days are local to the analysis parameters' time zone (UK time),
found as the analysis finds them (``analytics.pipeline.local_offset``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from crossline.analytics.pipeline import local_offset
from crossline.auth.actor import Actor
from crossline.core.settings import Settings
from crossline.lines.models import Line
from crossline.lines.services.line_events import line_events, time_zone
from crossline.lines.services.reading import get_line
from crossline.orgs.reference import FORCES

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
SHADES = 5  # shade 0 is no events; 1 to 4 are quarters of the busiest hour's count


# --- the activity heat map --------------------------------------------------------------------


@dataclass(frozen=True)
class Activity:
    """Events of the line's numbers by local day of the week (Monday first) and hour."""

    counts: tuple[tuple[int, ...], ...]  # [weekday][hour]
    calls: int
    texts: int
    time_zone: str

    @property
    def total(self) -> int:
        return self.calls + self.texts

    @property
    def weekdays(self) -> tuple[str, ...]:
        return WEEKDAYS

    @property
    def busiest(self) -> int:
        return max((max(day) for day in self.counts), default=0)

    def shade(self, count: int) -> int:
        """0 for none; else 1 to 4: the quarter of the busiest hour's count it reaches."""
        if count <= 0 or self.busiest == 0:
            return 0
        quarters = SHADES - 1
        return min(quarters, (quarters * count + self.busiest - 1) // self.busiest)

    def rows(self) -> list[tuple[str, list[tuple[int, int]]]]:
        """(weekday, [(count, shade) for each hour]) for the table."""
        return [
            (WEEKDAYS[day], [(count, self.shade(count)) for count in hours])
            for day, hours in enumerate(self.counts)
        ]


def line_activity(
    db: Session, actor: Actor, settings: Settings, line_id: uuid.UUID, *, via: str = "api"
) -> Activity:
    """The heat map of a line's events. Needs ``lines.read``; audited as reading the line."""
    return activity(db, settings, get_line(db, actor, line_id, via=via))


def activity(db: Session, settings: Settings, line: Line) -> Activity:
    """Calls and texts to or from the line's numbers, each within its period, by day and hour.

    For a line already read (and audited). An event between two of the line's
    numbers counts once.
    """
    zone = time_zone()
    counts = [[0] * 24 for _ in WEEKDAYS]
    calls = texts = 0
    with line_events(db, settings, line) as engine:
        if engine is not None:
            # The offset is an expression of numbers built by the pipeline (safe to write in).
            offset = local_offset(engine, ZoneInfo(zone))
            local = f"(s + {offset})"
            rows = engine.fetch(
                f"SELECT ({local} // 86400 + 3) % 7 AS weekday, "  # noqa: S608
                f"({local} % 86400) // 3600 AS hour, "
                "sum(CASE WHEN k = 'call' THEN 1 ELSE 0 END) AS calls, "
                "sum(CASE WHEN k = 'sms' THEN 1 ELSE 0 END) AS texts "
                "FROM line_events GROUP BY 1, 2"
            ).to_pylist()
            for row in rows:
                counts[int(row["weekday"])][int(row["hour"])] = int(row["calls"] + row["texts"])
                calls += int(row["calls"])
                texts += int(row["texts"])
    return Activity(tuple(tuple(day) for day in counts), calls, texts, zone)


# --- the map ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Area:
    """A police force area a line runs from or to."""

    force_id: str
    force_name: str
    area_code: str | None  # the boundary file's ``code`` (ONS), None for a force without one
    area_name: str | None


@dataclass(frozen=True)
class LineAreas:
    hub: Area | None
    county: Area | None

    @property
    def is_local(self) -> bool:
        return self.hub is not None and self.county is not None and self.hub == self.county


def line_areas(db: Session, actor: Actor, line_id: uuid.UUID, *, via: str = "api") -> LineAreas:
    """A line's hub and county areas. Needs ``lines.read``; audited as reading the line."""
    return areas(get_line(db, actor, line_id, via=via))


def areas(line: Line) -> LineAreas:
    """The line's hub and county as force areas, keyed as the boundary file keys them."""
    return LineAreas(_area(line.hub_area), _area(line.county_area))


def _area(force_id: str | None) -> Area | None:
    force = FORCES.get(force_id) if force_id else None
    if force is None:
        return None
    return Area(force.id, force.name, force.area_code, force.area_name)
