"""Exposure to county lines by police force area: the measures each module contributes.

The awareness campaign targets areas and schools by their exposure to county
lines (MISSION.md). The counts live in several modules (lines in ``lines``,
children's concerns and missing episodes in ``safeguarding``, anonymous reports
in ``outreach``), and DESIGN.md's module map lets none of them read the others.
So each registers its measure here when imported, and campaign targeting
(``outreach.targeting``) asks every registered measure for its counts, the way
``core.hooks`` lets analytics tell safeguarding of a run.

A measure answers, for a moment ``since``, a count for each police force area,
keyed by the force's id (orgs/data/forces.yaml). Measures only count: none
returns a record.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

Counts = Callable[[Session, datetime], dict[str, int]]  # (db, since) -> force id -> count


@dataclass(frozen=True)
class Measure:
    id: str
    label: str  # a column heading
    description: str  # what is counted, in a sentence
    counts: Counts
    order: int  # where its column goes; the first is what areas are ranked by unless asked


_measures: dict[str, Measure] = {}


def register(measure: Measure) -> Measure:
    """Add a measure (registering the same id again replaces it)."""
    _measures[measure.id] = measure
    return measure


def measures() -> tuple[Measure, ...]:
    """The measures registered, by their ``order`` (not by which module was imported first)."""
    return tuple(sorted(_measures.values(), key=lambda m: (m.order, m.id)))
