"""The safeguarding lead's dashboard: open concerns and overdue triage, missing
children and overdue return-home interviews, NRM decisions awaited, reviews
due, triage decisions, and referrals by programme and outcome.

It lives beside programmes because it counts referrals, and the module map
lets programmes read safeguarding, not the other way round. Everything
counted is in the cases the reader's organisation is involved in.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from crossline.auth.actor import Actor
from crossline.auth.permissions import Permission
from crossline.core import clock
from crossline.programmes.catalogue import PROGRAMMES
from crossline.programmes.models import Referral
from crossline.safeguarding.models import Concern, MissingEpisode, NrmReferral, YoungPerson
from crossline.safeguarding.reference import label
from crossline.safeguarding.services import missing, nrm, plans
from crossline.safeguarding.services.access import case_filter


@dataclass(frozen=True)
class Waiting:
    """One item of work waiting, for the dashboard's lists."""

    young_person_id: str
    young_person: str
    what: str
    due: datetime | None


@dataclass(frozen=True)
class Dashboard:
    cases: int
    open_concerns: int
    overdue_triage: list[Waiting]
    still_missing: int
    overdue_interviews: list[Waiting]
    overdue_nrm: list[Waiting]
    overdue_reviews: int
    concerns_by_source: dict[str, int]
    triage_decisions: dict[str, int]
    interviews_on_time: tuple[int, int]  # done within 72 hours, done in all
    referrals: dict[str, dict[str, int]]  # programme label -> state or outcome -> count


def dashboard(db: Session, actor: Actor, *, at: datetime | None = None) -> Dashboard:
    """The counts and lists of the dashboard for ``actor``'s organisation's cases."""
    actor.require(Permission.SAFEGUARDING_READ)
    moment = at or clock.now()
    people = {yp.id: yp for yp in db.scalars(select(YoungPerson).where(case_filter(actor))).all()}
    case_concerns = db.scalars(
        select(Concern)
        .join(YoungPerson, YoungPerson.id == Concern.young_person_id)
        .where(case_filter(actor))
    ).all()
    done = db.scalars(
        select(MissingEpisode)
        .join(YoungPerson, YoungPerson.id == MissingEpisode.young_person_id)
        .where(case_filter(actor), MissingEpisode.rhi_done_at.is_not(None))
    ).all()
    on_time = sum(1 for e in done if e.rhi_due and e.rhi_done_at and e.rhi_done_at <= e.rhi_due)
    return Dashboard(
        cases=len(people),
        open_concerns=sum(1 for c in case_concerns if c.triaged_at is None),
        overdue_triage=[
            _waiting(people, c.young_person_id, "Triage the concern", c.triage_due)
            for c in sorted(case_concerns, key=lambda c: c.triage_due)
            if c.triaged_at is None and c.triage_due < moment
        ],
        still_missing=len(missing.still_missing(db, actor)),
        overdue_interviews=[
            _waiting(people, e.young_person_id, "Return-home interview", e.rhi_due)
            for e in missing.overdue_interviews(db, actor, at=moment)
        ],
        overdue_nrm=[
            _waiting(people, r.young_person_id, what.capitalize(), _nrm_due(r))
            for r, what in nrm.overdue_decisions(db, actor, at=moment)
        ],
        overdue_reviews=len(plans.overdue_reviews(db, actor, on=moment.date())),
        concerns_by_source=dict(
            Counter(label("concern_sources", c.source) for c in case_concerns).most_common()
        ),
        triage_decisions=dict(
            Counter(
                label("triage_decisions", c.triage_decision)
                for c in case_concerns
                if c.triage_decision
            ).most_common()
        ),
        interviews_on_time=(on_time, len(done)),
        referrals=_referrals(db, actor),
    )


def _referrals(db: Session, actor: Actor) -> dict[str, dict[str, int]]:
    rows = db.scalars(
        select(Referral)
        .join(YoungPerson, YoungPerson.id == Referral.young_person_id)
        .where(case_filter(actor))
    ).all()
    out: dict[str, Counter[str]] = {}
    for referral in rows:
        programme = PROGRAMMES.get(referral.programme_id)
        name = programme.label if programme else referral.programme_id
        key = (
            label("referral_outcomes", referral.outcome)
            if referral.outcome
            else referral.state.capitalize()
        )
        out.setdefault(name, Counter())[key] += 1
    return {name: dict(counts.most_common()) for name, counts in sorted(out.items())}


def _waiting(
    people: dict[uuid.UUID, YoungPerson],
    young_person_id: uuid.UUID,
    what: str,
    due: datetime | None,
) -> Waiting:
    person = people.get(young_person_id)
    return Waiting(
        young_person_id=str(young_person_id),
        young_person=person.name if person else "",
        what=what,
        due=due,
    )


def _nrm_due(referral: NrmReferral) -> datetime | None:
    return referral.rg_due if referral.rg_decision is None else None
