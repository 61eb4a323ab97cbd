"""Shapes of the national picture in the API and pages: outcomes, weeks, and the counts.

Everything the national picture returns is a count by force, area or week:
no numbers, handsets, people or names of people (docs/national-picture.md).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field, computed_field

from crossline.lines.outcomes import OUTCOME_KINDS, IntensificationWeek, LineOutcome, OutcomeKind


class OutcomeCreate(BaseModel):
    """An outcome of action against a line: how many of one kind, on which day."""

    kind: OutcomeKind = Field(title="What happened")
    count: int = Field(ge=1, le=10_000, title="How many")
    occurred_on: date = Field(title="Date")
    note: str | None = Field(default=None, max_length=2000, title="Note")


class OutcomeRead(BaseModel):
    outcome_id: uuid.UUID
    line_id: uuid.UUID
    kind: str
    kind_label: str
    count: int
    occurred_on: date
    note: str | None
    recorded_by: str
    recorded_at: datetime

    @classmethod
    def of(cls, outcome: LineOutcome) -> OutcomeRead:
        return cls(
            outcome_id=outcome.id,
            line_id=outcome.line_id,
            kind=outcome.kind,
            kind_label=OUTCOME_KINDS[outcome.kind].plural,
            count=outcome.count,
            occurred_on=outcome.occurred_on,
            note=outcome.note,
            recorded_by=outcome.recorded_by_name,
            recorded_at=outcome.created_at,
        )


class WeekCreate(BaseModel):
    """An intensification week: its name and first and last days (both included)."""

    name: str = Field(min_length=1, max_length=200, title="Name")
    starts_on: date = Field(title="First day")
    ends_on: date = Field(title="Last day")


class WeekRead(BaseModel):
    week_id: uuid.UUID
    name: str
    starts_on: date
    ends_on: date
    defined_by: str
    defined_at: datetime

    @classmethod
    def of(cls, week: IntensificationWeek) -> WeekRead:
        return cls(
            week_id=week.id,
            name=week.name,
            starts_on=week.starts_on,
            ends_on=week.ends_on,
            defined_by=week.defined_by_name,
            defined_at=week.created_at,
        )


class Measures(BaseModel):
    """What happened to lines, and the outcomes recorded, over some period.

    ``opened``: lines entered in the register; ``confirmed``, ``disrupted``,
    ``closed``, ``resurfaced``: lines whose status became that (a line created
    confirmed counts as opened and confirmed); ``closed_type_1`` and
    ``closed_type_2``: of the closures, those of each type (DOMAIN.md
    §LINES.closure; a closure recorded before types were is of neither).
    ``outcomes``: the total count of each outcome kind, every kind present.
    """

    opened: int = 0
    confirmed: int = 0
    disrupted: int = 0
    closed: int = 0
    closed_type_1: int = 0
    closed_type_2: int = 0
    resurfaced: int = 0
    outcomes: dict[str, int] = Field(
        default_factory=lambda: {kind.value: 0 for kind in OutcomeKind}
    )


class Force(BaseModel):
    """A police force (or the NCA) by its id in orgs forces.yaml; no id: not recorded."""

    force_id: str | None
    name: str
    area_code: str | None  # the ONS police force area code its boundary carries


class MatrixRow(BaseModel):
    hub: Force
    lines: list[int]  # one per county column, in order
    total: int


class Matrix(BaseModel):
    """Active lines counted by hub (exporting) force and county (importing) force."""

    counties: list[Force]
    rows: list[MatrixRow]
    county_totals: list[int]
    total: int


class AreaCount(BaseModel):
    """A force's area on the map: active lines run from it and into it."""

    force: Force
    exporting: int  # active lines whose hub is this force
    importing: int  # active lines whose county is this force

    @computed_field  # type: ignore[prop-decorator]
    @property
    def role(self) -> str:
        """The map's shading: exporting, importing, both or none."""
        if self.exporting and self.importing:
            return "both"
        return "exporting" if self.exporting else "importing" if self.importing else "none"


class WeekCount(BaseModel):
    week_starting: date  # a Monday
    measures: Measures


class NationalPicture(BaseModel):
    matrix: Matrix
    areas: list[AreaCount]  # every force area with an active line from or into it
    trends: list[WeekCount]  # oldest first
    outcome_totals: dict[str, int]  # every outcome ever recorded, by kind


class ReportRow(BaseModel):
    organisation_id: uuid.UUID
    organisation: str
    measures: Measures


class WeekReport(BaseModel):
    """An intensification week's results, by the organisation holding the lines, and in total."""

    week: WeekRead
    rows: list[ReportRow]
    total: Measures
