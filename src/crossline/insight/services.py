"""The serious violence dashboard's figures: recorded crime by month, crime type and area.

Every count leaves this module under disclosure control (disclosure.py), so the
pages, the CSV export and the API show the same controlled figures: an insight
viewer never sees a raw small number. Totals are controlled from raw totals.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.orm import Session

from crossline.auth.actor import Actor
from crossline.auth.permissions import Permission
from crossline.core.errors import InvalidInput
from crossline.insight import districts
from crossline.insight.disclosure import Controlled, control
from crossline.insight.models import AssaultAttendance, RecordedCrime
from crossline.insight.reference import CONFIG


@dataclass(frozen=True)
class Table:
    """Counts by row (a month or an area) and column (a crime type), controlled."""

    row_label: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, tuple[Controlled, ...], Controlled], ...]  # label, cells, row total
    totals: tuple[Controlled, ...]  # per column
    total: Controlled

    def as_csv_rows(self) -> list[list[str]]:
        head = [self.row_label, *self.columns, "Total"]
        body = [[label, *(str(c) for c in cells), str(t)] for label, cells, t in self.rows]
        return [head, *body, ["Total", *(str(c) for c in self.totals), str(self.total)]]


@dataclass(frozen=True)
class Filters:
    group: str = "serious_violence"
    area: str | None = None
    first: str | None = None  # YYYY-MM
    last: str | None = None


def _check(filters: Filters) -> None:
    if filters.group not in CONFIG.groups:
        raise InvalidInput(f"'{filters.group}' is not a group of crime types.", field="group")
    if filters.first and filters.last and filters.first > filters.last:
        raise InvalidInput("The first month must not be after the last.", field="first")


def _where(filters: Filters) -> ColumnElement[bool]:
    condition: ColumnElement[bool] = true()
    types = CONFIG.groups[filters.group].crime_types
    if types:
        condition = condition & RecordedCrime.crime_type.in_(types)
    if filters.area:
        condition = condition & (RecordedCrime.area == filters.area)
    if filters.first:
        condition = condition & (RecordedCrime.month >= filters.first)
    if filters.last:
        condition = condition & (RecordedCrime.month <= filters.last)
    return condition


def _table(db: Session, filters: Filters, by: str) -> Table:
    key = RecordedCrime.month if by == "month" else RecordedCrime.area
    rows = db.execute(
        select(key, RecordedCrime.crime_type, func.count())
        .where(_where(filters))
        .group_by(key, RecordedCrime.crime_type)
    ).all()
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for label, crime_type, n in rows:
        counts[str(label)][str(crime_type)] = int(n)
    columns = tuple(
        CONFIG.groups[filters.group].crime_types
        or sorted({t for per in counts.values() for t in per})
    )
    labels = (
        sorted(counts) if by == "month" else sorted(counts, key=lambda a: (a == "No location", a))
    )
    return _controlled("Month" if by == "month" else "Area", counts, columns, labels)


def _controlled(
    row_label: str,
    counts: dict[str, dict[str, int]],
    columns: tuple[str, ...],
    labels: list[str],
) -> Table:
    """Raw counts by row and column as a Table: every cell and total controlled, totals taken
    from the raw counts."""
    return Table(
        row_label=row_label,
        columns=columns,
        rows=tuple(
            (
                label,
                tuple(control(counts[label].get(c, 0)) for c in columns),
                control(sum(counts[label].values())),
            )
            for label in labels
        ),
        totals=tuple(control(sum(per.get(c, 0) for per in counts.values())) for c in columns),
        total=control(sum(sum(per.values()) for per in counts.values())),
    )


def by_month(db: Session, actor: Actor, filters: Filters) -> Table:
    actor.require(Permission.INSIGHT_READ)
    _check(filters)
    return _table(db, filters, "month")


def by_area(db: Session, actor: Actor, filters: Filters) -> Table:
    actor.require(Permission.INSIGHT_READ)
    _check(filters)
    return _table(db, Filters(filters.group, None, filters.first, filters.last), "area")


# --- the map of districts -------------------------------------------------------------------

MAP_BANDS = 5  # shades on the map: a sequential scale a reader can tell apart


@dataclass(frozen=True)
class Band:
    """A shade of the map: districts whose controlled count is from ``lowest`` to ``highest``."""

    number: int  # 1 (fewest) .. MAP_BANDS (most)
    lowest: int
    highest: int


@dataclass(frozen=True)
class DistrictCount:
    id: str  # the shipped boundaries' district id
    name: str
    count: Controlled
    band: int | None  # None: withheld, shaded apart


@dataclass(frozen=True)
class DistrictMap:
    """Recorded crime by the district it lies in, controlled, with the map's shades."""

    districts: tuple[DistrictCount, ...]  # those with crimes, by name
    bands: tuple[Band, ...]
    unplaced: Controlled  # crimes with no point and no district's name
    total: Controlled


def by_district(db: Session, actor: Actor, filters: Filters) -> DistrictMap:
    """Crimes by district for the map (every area: the map is the whole picture). A crime
    imported before districts were kept is placed by its area's name. The shades come from the
    controlled counts alone, so the map says nothing the counts do not."""
    actor.require(Permission.INSIGHT_READ)
    _check(filters)
    every_area = Filters(filters.group, None, filters.first, filters.last)
    rows = db.execute(
        select(RecordedCrime.district, RecordedCrime.area, func.count())
        .where(_where(every_area))
        .group_by(RecordedCrime.district, RecordedCrime.area)
    ).all()
    raw: Counter[str] = Counter()
    unplaced = 0
    for district, area, n in rows:
        place = district or districts.by_name(str(area))
        if place is None:
            unplaced += int(n)
        else:
            raw[place] += int(n)
    counts = {place: control(n) for place, n in raw.items()}
    bands = _bands(sorted({c.value for c in counts.values() if c.value}))
    names = districts.names()
    return DistrictMap(
        districts=tuple(
            sorted(
                (
                    DistrictCount(place, names.get(place, place), count, _band(bands, count))
                    for place, count in counts.items()
                ),
                key=lambda d: d.name,
            )
        ),
        bands=bands,
        unplaced=control(unplaced),
        total=control(sum(raw.values()) + unplaced),
    )


def _bands(values: list[int]) -> tuple[Band, ...]:
    """Up to MAP_BANDS shades over the distinct controlled values, as many values in each as
    can be; with fewer values than shades, the darkest shades, so the most stands out."""
    shades = min(MAP_BANDS, len(values))
    bands = []
    for number in range(shades):
        chunk = values[number * len(values) // shades : (number + 1) * len(values) // shades]
        bands.append(Band(MAP_BANDS - shades + number + 1, chunk[0], chunk[-1]))
    return tuple(bands)


def _band(bands: tuple[Band, ...], count: Controlled) -> int | None:
    if count.value is None:
        return None
    return next((b.number for b in bands if b.lowest <= count.value <= b.highest), None)


def choices(db: Session, actor: Actor) -> tuple[list[str], list[str]]:
    """The areas and months there are figures for."""
    actor.require(Permission.INSIGHT_READ)
    areas = sorted(
        (str(a) for a in db.scalars(select(RecordedCrime.area).distinct())),
        key=lambda a: (a == "No location", a),
    )
    months = sorted(str(m) for m in db.scalars(select(RecordedCrime.month).distinct()))
    return areas, months


# --- assaults treated in emergency departments (ISTV, hospital.py) -------------------------------


def _assault_where(first: str | None, last: str | None) -> ColumnElement[bool]:
    condition: ColumnElement[bool] = true()
    if first:
        condition = condition & (AssaultAttendance.month >= first)
    if last:
        condition = condition & (AssaultAttendance.month <= last)
    return condition


def assaults(db: Session, actor: Actor, filters: Filters, by: str) -> Table:
    """Assaults treated in emergency departments by month or by location type (rows), and
    by method (columns), under disclosure control. ``by`` is ``month`` or ``location_type``."""
    actor.require(Permission.INSIGHT_READ)
    _check(filters)
    key = AssaultAttendance.month if by == "month" else AssaultAttendance.location_type
    rows = db.execute(
        select(key, AssaultAttendance.method, func.count())
        .where(_assault_where(filters.first, filters.last))
        .group_by(key, AssaultAttendance.method)
    ).all()
    raw: dict[str, dict[str, int]] = defaultdict(dict)
    for label, method, n in rows:
        raw[str(label)][str(method)] = int(n)
    # A method or kind of place is a heading only when its own total may be shown: a rarer
    # one goes into "Other", so its words cannot point at one assault (DOMAIN.md §DISCLOSURE).
    method_totals: Counter[str] = Counter()
    for per in raw.values():
        method_totals.update(per)
    shown_method = {
        m: m if control(n).value is not None else OTHER for m, n in method_totals.items()
    }
    row_totals = {label: sum(per.values()) for label, per in raw.items()}
    shown_row = {
        label: label if by == "month" or control(n).value is not None else OTHER
        for label, n in row_totals.items()
    }
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for label, per in raw.items():
        for method, n in per.items():
            counts[shown_row[label]][shown_method[method]] += n
    by_method: Counter[str] = Counter()
    for per in counts.values():
        by_method.update(per)
    columns = tuple(_by_shown_size(dict(by_method)))
    labels = (
        sorted(counts)
        if by == "month"
        else _by_shown_size({label: sum(per.values()) for label, per in counts.items()})
    )
    return _controlled("Month" if by == "month" else "Where", counts, columns, labels)


OTHER = "Other"


def _by_shown_size(totals: dict[str, int]) -> list[str]:
    """Headings largest first by their controlled totals, then by name, "Other" last: never by
    raw totals, whose order would tell two withheld or equally rounded counts apart."""
    return sorted(totals, key=lambda k: (k == OTHER, -(control(totals[k]).value or 0), k))


def places(
    db: Session, actor: Actor, filters: Filters, limit: int = 10
) -> list[tuple[str, Controlled]]:
    """The places named most often, each shown only when its count is not withheld."""
    actor.require(Permission.INSIGHT_READ)
    rows = db.execute(
        select(AssaultAttendance.location, func.count())
        .where(_assault_where(filters.first, filters.last), AssaultAttendance.location.is_not(None))
        .group_by(AssaultAttendance.location)
    ).all()
    shown = {str(place): int(n) for place, n in rows if control(int(n)).value is not None}
    return [(place, control(shown[place])) for place in _by_shown_size(shown)][:limit]
