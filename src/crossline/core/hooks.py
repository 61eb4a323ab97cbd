"""Hooks: how a module lower in the module map lets a higher one act on what it has done.

DESIGN.md's module map forbids ``analytics`` to import ``safeguarding``, yet
every possible child that analysis finds on a line must become a
safeguarding concern (DESIGN.md, "How a line is found"). So ``analytics``
calls :func:`analysis_run_saved` after writing a run's findings, and
``safeguarding`` registers what to do then with :func:`on_analysis_run_saved`
when it is imported (``crossline/models.py`` imports it, so the web app, the
command line and the migrations all have it registered).

The line register (``lines``) tells ``safeguarding`` the same way when an
analyst records by hand that a person on a line may be a child
(:func:`possible_child_on_line`).

A handler runs in the caller's transaction: it adds to the session and never
commits, so the run and what the handlers made are saved together or not at
all.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

AnalysisRunSaved = Callable[[Session, uuid.UUID, str], None]  # (db, run id, via)

_analysis_run_saved: list[AnalysisRunSaved] = []


def on_analysis_run_saved(handler: AnalysisRunSaved) -> AnalysisRunSaved:
    """Call ``handler`` after each analysis run's findings are written; registering twice
    is the same as once. Usable as a decorator."""
    if handler not in _analysis_run_saved:
        _analysis_run_saved.append(handler)
    return handler


def analysis_run_saved(db: Session, run_id: uuid.UUID, via: str) -> None:
    """Tell every registered handler that run ``run_id``'s findings are in ``db`` (flushed,
    not committed)."""
    for handler in tuple(_analysis_run_saved):
        handler(db, run_id, via)


def analysis_run_handlers() -> tuple[AnalysisRunSaved, ...]:
    """The handlers registered, in order (for tests and diagnostics)."""
    return tuple(_analysis_run_saved)


@dataclass(frozen=True)
class PossibleChild:
    """A person on a register line recorded by hand as possibly a child."""

    organisation_id: uuid.UUID  # the organisation whose analyst recorded it
    recorded_by: str  # the analyst's name, for the concern: who saw the child
    line_id: uuid.UUID
    line_reference: str
    number: str  # the person's phone number, E.164
    role: str  # controller | runner | cuckooed


PossibleChildOnLine = Callable[[Session, PossibleChild, str], None]  # (db, who, via)

_possible_child_on_line: list[PossibleChildOnLine] = []


def on_possible_child_on_line(handler: PossibleChildOnLine) -> PossibleChildOnLine:
    """Call ``handler`` when a person on a line is recorded by hand as possibly a child;
    registering twice is the same as once. Usable as a decorator."""
    if handler not in _possible_child_on_line:
        _possible_child_on_line.append(handler)
    return handler


def possible_child_on_line(db: Session, child: PossibleChild, via: str) -> None:
    """Tell every registered handler, in the caller's transaction (nothing committed)."""
    for handler in tuple(_possible_child_on_line):
        handler(db, child, via)


def possible_child_handlers() -> tuple[PossibleChildOnLine, ...]:
    """The handlers registered, in order (for tests and diagnostics)."""
    return tuple(_possible_child_on_line)
