"""Referral outcomes for the services a grant pays for (core/outcomes.py), counted only.

A service is an organisation that delivers a catalogue programme (a
:class:`ProgrammeDelivery`). For a period, the referrals *made* to the services
asked about (sent in the period) are counted by where each stands now: waiting
for the provider, declined, taking part (accepted or enrolled), withdrawn, or
completed with its outcome (safeguarding's ``referral_outcomes``). A referral
made in a grant's first year and completed in its second counts in the first:
each year is the cohort referred in it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from crossline.core import outcomes
from crossline.programmes import referrals
from crossline.programmes.models import Referral
from crossline.programmes.schemas import ReferralState
from crossline.safeguarding.reference import VOCABULARY

_TAKING_PART = {ReferralState.ACCEPTED.value, ReferralState.ENROLLED.value}
_STATES = {
    ReferralState.SENT.value: "waiting",
    ReferralState.DECLINED.value: "declined",
    ReferralState.WITHDRAWN.value: "withdrawn",
}

STAGES = (
    outcomes.Stage("referred", "Referrals made", total=True),
    outcomes.Stage("waiting", "Waiting for the provider's decision"),
    outcomes.Stage("declined", "Declined by the provider"),
    outcomes.Stage("taking_part", "Taking part (accepted or enrolled)"),
    outcomes.Stage("withdrawn", "Withdrawn by the referrer"),
    *(
        outcomes.Stage(f"completed:{term}", entry.label)
        for term, entry in VOCABULARY["referral_outcomes"].items()
    ),
)


def _stage(state: str, outcome: str | None) -> str:
    if state == ReferralState.COMPLETED.value:
        # An outcome no longer in the vocabulary still counts, as "other".
        known = outcome in VOCABULARY["referral_outcomes"]
        return f"completed:{outcome if known else 'other'}"
    if state in _TAKING_PART:
        return "taking_part"
    return _STATES.get(state, "waiting")


def services(db: Session) -> list[outcomes.Service]:
    """Every organisation's delivery of a catalogue programme, by organisation then programme."""
    listed = [
        outcomes.Service(d.organisation_id, d.organisation, d.programme_id, d.programme)
        for d in referrals.deliveries(db)
    ]
    return sorted(listed, key=lambda s: (s.organisation, s.programme))


def counts(db: Session, windows: Sequence[outcomes.Window]) -> dict[str, int]:
    """Referrals sent to a window's services within its dates, by stage, with their total; a
    referral in two windows (two grants paying for one service) is counted once."""
    conditions = [
        and_(
            Referral.sent_at >= window.start,
            Referral.sent_at < window.end,
            or_(
                *(
                    and_(Referral.provider_id == organisation, Referral.programme_id == programme)
                    for organisation, programme in window.services
                )
            ),
        )
        for window in windows
        if window.services
    ]
    if not conditions:
        return {"referred": 0}
    made = db.execute(select(Referral.state, Referral.outcome).where(or_(*conditions))).all()
    tally = Counter(_stage(state, outcome) for state, outcome in made)
    return {"referred": len(made), **tally}


outcomes.register(outcomes.Source(stages=STAGES, services=services, counts=counts))
