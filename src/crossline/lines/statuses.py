"""The statuses of a line and the changes allowed between them: ``data/statuses.yaml``.

Code names a status by its member here; the file gives each its label, whether
a line in it is active, and the statuses it may change to. Start-up refuses a
status that is in one and not the other, or a change to an unknown status.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel

from crossline.core.catalogue import load_catalogue, require_known
from crossline.core.errors import CatalogueError

DATA_DIR = Path(__file__).parent / "data"


class LineStatus(StrEnum):
    SUSPECTED = "suspected"
    CONFIRMED = "confirmed"
    DISRUPTED = "disrupted"
    CLOSED = "closed"
    RESURFACED = "resurfaced"


class ClosureType(StrEnum):
    """How a closed line was closed, as the county lines programme counts closures
    (DOMAIN.md §LINES.closure)."""

    TYPE_1 = "type_1"  # a line holder arrested and charged; the number no longer supplies
    TYPE_2 = "type_2"  # the number, SIM or line deactivated (a DDTRO is one route)


CLOSURE_LABELS = {
    ClosureType.TYPE_1: "Type 1: a line holder arrested and charged, and the number no "
    "longer supplies",
    ClosureType.TYPE_2: "Type 2: the number, SIM or line deactivated",
}


class Status(BaseModel, frozen=True):
    id: str
    label: str
    description: str
    active: bool
    next: tuple[str, ...]


def _load() -> dict[str, Status]:
    path = DATA_DIR / "statuses.yaml"
    statuses = load_catalogue(path, Status)
    in_file, in_code = set(statuses), {s.value for s in LineStatus}
    if in_file != in_code:
        raise CatalogueError(
            f"statuses.yaml and crossline.lines.statuses.LineStatus differ: only in the file "
            f"{sorted(in_file - in_code)}, only in code {sorted(in_code - in_file)}"
        )
    for status in statuses.values():
        for target in status.next:
            require_known(path, status.id, "next", target, in_code)
    return statuses


STATUSES = _load()

# A line is created as one of these; the others are reached by a change of status.
INITIAL = (LineStatus.SUSPECTED, LineStatus.CONFIRMED)


def may_change(current: LineStatus, new: LineStatus) -> bool:
    """Whether a line may go from ``current`` to ``new`` (statuses.yaml, ``next``)."""
    return new.value in STATUSES[current.value].next


def active_statuses() -> tuple[LineStatus, ...]:
    """The statuses of lines that may still be dealing."""
    return tuple(LineStatus(s.id) for s in STATUSES.values() if s.active)


def label(status: str) -> str:
    return STATUSES[status].label
