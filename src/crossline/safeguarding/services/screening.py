"""Exploitation screening: the indicators of DOMAIN.md §INDICATORS as a structured
form, prefilled from what Crossline already knows, with a result and its reasons.

Prefilled answers say where they came from (a line role, a missing episode,
found out of area, an exclusion, custody, a hospital attendance, an earlier
concern); the practitioner confirms or changes each. A screening that finds
any indicator for a child raises a concern and prompts a first responder to
consider an NRM referral (DOMAIN.md §CCE). No source gives a scoring
threshold, so the result is the indicators found, never a score. Repeated
screenings show what changed since the one before.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from crossline.audit.services import Operation
from crossline.auth.actor import Actor
from crossline.auth.permissions import Permission
from crossline.core import clock
from crossline.core.errors import InvalidInput
from crossline.safeguarding.models import Concern, MissingEpisode, Screening, YoungPerson
from crossline.safeguarding.reference import INDICATOR, SCREENING_ITEMS, is_indicator
from crossline.safeguarding.schemas import ConcernIn, ScreeningIn
from crossline.safeguarding.services import concerns
from crossline.safeguarding.services.access import audit, case_of, commit, dumps, event
from crossline.safeguarding.services.young_people import is_child

# What a concern's source tells a screening, as indicator ids (DOMAIN.md §INDICATORS).
FROM_SOURCE: dict[str, tuple[str, ...]] = {
    "analysis": ("CL18-09",),  # holds a role on a deal line: gang association
    "register": ("CL18-09",),  # recorded on a register line by an analyst: the same
    "exclusion": ("VF23-11",),  # excluded from mainstream education
    "custody": ("VF23-01",),  # contact with the criminal justice system
    "hospital": ("CL18-06",),  # injuries after violence
    "missing": ("CL18-01",),  # goes missing or is found out of area
}


@dataclass(frozen=True)
class Prefill:
    """One answer Crossline suggests, and why."""

    present: bool
    source: str


@dataclass(frozen=True)
class Change:
    """What changed from one screening to the next."""

    appeared: list[str] = field(default_factory=list)  # indicator ids now present
    gone: list[str] = field(default_factory=list)  # present before, not now


def prefill(db: Session, actor: Actor, young_person_id: uuid.UUID) -> dict[str, Prefill]:
    """The answers Crossline can suggest for a young person, each with its source."""
    young_person = case_of(db, actor, young_person_id)
    found: dict[str, list[str]] = {}
    for concern in db.scalars(select(Concern).where(Concern.young_person_id == young_person.id)):
        why = f"a concern raised on {concern.raised_at:%-d %B %Y} ({concern.source})"
        for item in (*FROM_SOURCE.get(concern.source, ()), *json.loads(concern.indicators)):
            found.setdefault(item, []).append(why)
        if concern.source in ("analysis", "register") and concern.line_id is not None:
            found.setdefault("CL18-04", []).append("a role on a line run by others")
    for episode in db.scalars(
        select(MissingEpisode).where(MissingEpisode.young_person_id == young_person.id)
    ):
        why = f"missing episode reported {episode.reported_at:%-d %B %Y}"
        found.setdefault("CL18-01", []).append(why)
        if episode.line_id is not None:
            found["CL18-01"].append("found in the county area of a known line")
    if young_person.exclusion in {"suspended", "permanently_excluded"}:
        found.setdefault("VF23-11", []).append("exclusion recorded on the young person")
    return {
        item: Prefill(present=True, source="; ".join(dict.fromkeys(sources)))
        for item, sources in found.items()
        if item in INDICATOR
    }


def screen(
    db: Session, actor: Actor, young_person_id: uuid.UUID, data: ScreeningIn, *, via: str = "web"
) -> Screening:
    """Record a screening. Indicators found for a child raise a concern (§CCE)."""
    young_person = case_of(db, actor, young_person_id, permission=Permission.SAFEGUARDING_WRITE)
    asked = {i.id for i in SCREENING_ITEMS}
    unknown = sorted(set(data.answers) - asked)
    if unknown:
        raise InvalidInput("Answer only the indicators on the form.", field="answers")
    suggested = prefill(db, actor, young_person_id)
    answers = {
        item: {
            "present": answer.present,
            "note": (answer.note or "").strip() or None,
            "source": suggested[item].source if item in suggested else "practitioner",
        }
        for item, answer in sorted(data.answers.items())
    }
    signs = [i for i, a in answers.items() if a["present"] and is_indicator(i)]
    factors = [i for i, a in answers.items() if a["present"] and not is_indicator(i)]
    reasons = [f"{INDICATOR[i].label} ({i})" for i in signs]
    reasons += [f"Vulnerability factor: {INDICATOR[i].label} ({i})" for i in factors]
    child = is_child(young_person)
    if signs:
        result = "indicators_found"
        reasons.append(
            "Indicators of exploitation were found. They raise a concern; they do not prove "
            "exploitation (DOMAIN.md §INDICATORS)."
        )
        if child is not False:
            reasons.append(
                "A first responder should consider a referral to the National Referral "
                "Mechanism; a child needs no consent (DOMAIN.md §CCE, §NRM.consent)."
            )
    else:
        result = "none_found"
        reasons.append("No indicator of exploitation was found at this screening.")
    screening = Screening(
        young_person_id=young_person.id,
        organisation_id=actor.organisation_id,
        screened_at=clock.now(),
        screened_by_name=actor.display_name,
        answers=dumps(answers),
        result=result,
        reasons=dumps(reasons),
        note=(data.note or "").strip() or None,
    )
    db.add(screening)
    db.flush()
    event(
        db,
        actor,
        young_person,
        "screened",
        f"Exploitation screening: {len(signs)} indicator(s), {len(factors)} vulnerability "
        f"factor(s) found",
        record_type="screening",
        record_id=screening.id,
    )
    audit(
        db,
        actor,
        Operation.COLLECTION,
        young_person,
        "exploitation screening",
        via=via,
        record_type="screening",
        record_id=screening.id,
    )
    if signs and child is not False:
        concerns.raise_concern(
            db,
            actor,
            young_person.id,
            ConcernIn(
                source="screening",
                summary=f"Screening found {len(signs)} indicator(s) of exploitation.",
                indicators=signs,
            ),
            via=via,
            commit_now=False,
        )
    commit(db)
    return screening


def screenings_of(db: Session, young_person: YoungPerson) -> Sequence[Screening]:
    return db.scalars(
        select(Screening)
        .where(Screening.young_person_id == young_person.id)
        .order_by(Screening.screened_at.desc())
    ).all()


def present(screening: Screening) -> set[str]:
    return {i for i, a in json.loads(screening.answers).items() if a["present"]}


def changes(db: Session, young_person: YoungPerson) -> list[tuple[Screening, Change | None]]:
    """Each screening, newest first, with what changed since the one before it."""
    ordered = list(reversed(screenings_of(db, young_person)))
    out: list[tuple[Screening, Change | None]] = []
    for index, screening in enumerate(ordered):
        if index == 0:
            out.append((screening, None))
            continue
        before, now = present(ordered[index - 1]), present(screening)
        out.append((screening, Change(sorted(now - before), sorted(before - now))))
    return list(reversed(out))
