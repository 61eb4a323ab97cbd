"""Concerns from line analysis and the line register: every possible child on a line
becomes a concern.

DESIGN.md, "How a line is found": a person whose signals say they may be under
18 and who holds a role on a line produces a safeguarding concern, not only an
intelligence record; DOMAIN.md §CCE: they are a possible victim first. Each
``safeguarding_concern`` finding of an analysis run becomes a concern (source
``analysis``) about a young person owned by the force that ran the analysis,
found by phone number among its young people or recorded from the number.

An analyst who records by hand that a person on a register line may be a
child raises one too (source ``register``): ``lines`` calls
``core.hooks.possible_child_on_line`` and :func:`raise_concern_for_line_person`
answers, in the name of the system actor "Line register".

It happens when the run is saved: ``analytics`` cannot import this module
(the module map), so it calls ``core.hooks.analysis_run_saved`` and this
module registers :func:`raise_concerns_for_run` there on import
(``crossline/models.py`` imports it, so the web app, its analysis jobs and
the command line all have it). The concerns are added in the run's own
transaction.

**Raised by the system, in the force's name.** Analysts hold ``analysis.run``
but not ``safeguarding.write``, and a concern must not wait for a
practitioner to notice a finding. So the concern is raised by
:func:`line_analysis_actor`: a system actor of the force holding the
``safeguarding_practitioner`` role, named "Line analysis" in the case
timeline, the concern and the audit log. It is raised even when the force
has no safeguarding practitioner yet: its safeguarding team sees it when
there is one.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from crossline.analytics.models import AnalysisRun, Finding
from crossline.auth.actor import Actor
from crossline.core import hooks
from crossline.core.errors import NotFound
from crossline.lines.models import Line
from crossline.orgs.models import Organisation
from crossline.safeguarding.models import Concern, YoungPerson
from crossline.safeguarding.schemas import ConcernIn, YoungPersonIn
from crossline.safeguarding.services import concerns, young_people

log = logging.getLogger(__name__)

LINE_ANALYSIS = "Line analysis"
LINE_REGISTER = "Line register"
# The system users that raise concerns from analysis and from the register: one stable id
# each for the audit log.
LINE_ANALYSIS_USER = uuid.uuid5(uuid.NAMESPACE_URL, "urn:crossline:system:line-analysis")
LINE_REGISTER_USER = uuid.uuid5(uuid.NAMESPACE_URL, "urn:crossline:system:line-register")
# DOMAIN.md §LINES.child-runner: the signs analysis can see. CLS-02: travelling in school
# hours; CL18-01: found outside their home area (journeys to the line's county area).
INDICATORS_SEEN = ("CLS-02", "CL18-01")


@dataclass(frozen=True)
class FromAnalysis:
    """What one run's findings gave: concerns raised, young people recorded, and findings
    already raised (by an earlier call, or an earlier run finding the same person on the
    same line)."""

    raised: int
    recorded: int
    already: int


def line_analysis_actor(
    db: Session, organisation_id: uuid.UUID, *, register: bool = False
) -> Actor:
    """The system actor that raises concerns from the force's analysis (or, ``register``,
    from its line register), in its name.

    Holds only the ``safeguarding_practitioner`` role; used for nothing else.
    """
    organisation = db.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound("There is no such organisation.")
    return Actor(
        user_id=LINE_REGISTER_USER if register else LINE_ANALYSIS_USER,
        organisation_id=organisation.id,
        organisation_name=organisation.name,
        display_name=LINE_REGISTER if register else LINE_ANALYSIS,
        roles=frozenset({"safeguarding_practitioner"}),
    )


def raise_concerns_for_run(db: Session, run_id: uuid.UUID, via: str = "cli") -> FromAnalysis:
    """Raise a concern for each possible child a run found; the caller commits.

    One concern per young person and analysis line: a finding already raised, or
    a later run finding the same number on the same line again, adds nothing.
    """
    run = db.get(AnalysisRun, run_id)
    if run is None:
        raise NotFound("There is no such analysis run.")
    findings = db.scalars(
        select(Finding)
        .where(Finding.run_id == run.id, Finding.kind == "safeguarding_concern")
        .order_by(Finding.line_id, Finding.number)
    ).all()
    if not findings:
        return FromAnalysis(0, 0, 0)
    actor = line_analysis_actor(db, run.owner_id)
    raised = recorded = already = 0
    for finding in findings:
        if not finding.number:
            continue
        young_person, new = _young_person_using(
            db,
            actor,
            finding.number,
            finding.line_id,
            "recording a possible child found on a line by analysis",
            via,
        )
        if new:
            recorded += 1
        elif _raised_before(db, young_person, finding):
            already += 1
            continue
        concerns.raise_concern(
            db,
            actor,
            young_person.id,
            ConcernIn(
                source="analysis",
                summary=_summary(finding),
                indicators=list(INDICATORS_SEEN),
                line_id=_register_line(db, run.owner_id, finding.line_id),
            ),
            via=via,
            finding_id=finding.id,
            commit_now=False,
        )
        raised += 1
    # Counts only: the findings' numbers are personal data and stay out of logs.
    log.info(
        "analysis run %s: %d concern(s) raised, %d young people recorded, %d already raised",
        run.id,
        raised,
        recorded,
        already,
    )
    return FromAnalysis(raised, recorded, already)


def _young_person_using(
    db: Session, actor: Actor, number: str, line: str, why: str, via: str
) -> tuple[YoungPerson, bool]:
    """The actor's organisation's young person using ``number``, recorded from the number
    (as seen on ``line``) if there is none; and whether they were recorded now."""
    found = young_people.find(db, actor.organisation_id, phone_number=number)
    if found is not None:
        return found, False
    recorded = young_people.create(
        db,
        actor,
        YoungPersonIn(
            description=f"Young person using {number} on line {line}", phone_number=number
        ),
        via=via,
        why=why,
        commit_now=False,
    )
    return recorded, True


def _raised_before(db: Session, young_person: YoungPerson, finding: Finding) -> bool:
    """True when this young person already has a concern about the same line: from analysis
    of the same analysis line, or about the register line confirmed from it (say, an
    analyst recorded them on it as possibly a child before analysis saw it)."""
    earlier = select(Finding.id).where(
        Finding.owner_id == finding.owner_id, Finding.line_id == finding.line_id
    )
    about = [and_(Concern.source == "analysis", Concern.finding_id.in_(earlier))]
    register_line = _register_line(db, finding.owner_id, finding.line_id)
    if register_line is not None:
        about.append(Concern.line_id == register_line)
    return (
        db.scalar(
            select(Concern.id)
            .where(Concern.young_person_id == young_person.id, or_(*about))
            .limit(1)
        )
        is not None
    )


def _register_line(db: Session, owner_id: uuid.UUID, analysis_line_id: str) -> uuid.UUID | None:
    """The force's register line confirmed from this analysis line, if there is one."""
    return db.scalar(
        select(Line.id)
        .where(Line.owner_id == owner_id, Line.analysis_line_id == analysis_line_id)
        .order_by(Line.created_at)
        .limit(1)
    )


def _summary(finding: Finding) -> str:
    """The concern in plain words, from the finding's evidence (never the number)."""
    detail: dict[str, Any] = json.loads(finding.detail or "{}")
    role = detail.get("role", "person")
    departures = detail.get("departures_in_school_hours") or []
    journeys = detail.get("journeys")
    evidence = ""
    births = [
        b for b in detail.get("recorded_dates_of_birth") or [] if b["age_when_first_seen"] < 18
    ]
    if births:
        evidence = (
            f" Your force's record {births[0]['record']} gives a date of birth that made them "
            f"{births[0]['age_when_first_seen']} when first seen with the line."
        )
    elif departures and journeys:
        evidence = (
            f" {len(departures)} of their {journeys} journeys to the line set off in school "
            "hours on school days."
        )
    return (
        f"Line analysis found a {role} on line {finding.line_id} who may be a child "
        f"(DOMAIN.md §LINES.child-runner).{evidence} Treat them as a possible victim of "
        "criminal exploitation (§CCE): find out who they are and screen them."
    )


def raise_concern_for_line_person(
    db: Session, child: hooks.PossibleChild, via: str = "web"
) -> Concern | None:
    """Raise a concern about a person an analyst recorded on a register line as possibly a
    child; the caller commits. The young person is found by phone number among the
    organisation's, or recorded from it. None when that young person already has a concern
    about this line (raised by hand before, or from the analysis that found the line)."""
    actor = line_analysis_actor(db, child.organisation_id, register=True)
    young_person, new = _young_person_using(
        db,
        actor,
        child.number,
        child.line_reference,
        "recording a possible child recorded on a line in the register",
        via,
    )
    if not new and _concern_about_line(db, young_person, child.line_id):
        return None
    return concerns.raise_concern(
        db,
        actor,
        young_person.id,
        ConcernIn(
            source="register",
            summary=(
                f"{child.recorded_by} recorded a {child.role} on line {child.line_reference} "
                "who may be a child (DOMAIN.md §LINES.child-runner). Treat them as a possible "
                "victim of criminal exploitation (§CCE): find out who they are and screen them."
            ),
            indicators=[],
            line_id=child.line_id,
        ),
        via=via,
        commit_now=False,
    )


def _concern_about_line(db: Session, young_person: YoungPerson, line_id: uuid.UUID) -> bool:
    """True when the young person has a concern naming the register line, or one from the
    analysis line it was confirmed from."""
    line = db.get(Line, line_id)
    about = [Concern.line_id == line_id]
    if line is not None and line.analysis_line_id:
        findings = select(Finding.id).where(
            Finding.owner_id == line.owner_id, Finding.line_id == line.analysis_line_id
        )
        about.append(Concern.finding_id.in_(findings))
    return (
        db.scalar(
            select(Concern.id)
            .where(Concern.young_person_id == young_person.id, or_(*about))
            .limit(1)
        )
        is not None
    )


def _on_run_saved(db: Session, run_id: uuid.UUID, via: str) -> None:
    raise_concerns_for_run(db, run_id, via)


def _on_possible_child(db: Session, child: hooks.PossibleChild, via: str) -> None:
    raise_concern_for_line_person(db, child, via)


hooks.on_analysis_run_saved(_on_run_saved)
hooks.on_possible_child_on_line(_on_possible_child)
