"""The demo's Early Intervention Youth Fund: a fund opened by the Home Office, a bid from
West Mercia's police and crime commissioner with its partners, submitted and scored by
one assessor, waiting for the fund administrator's decision (DOMAIN.md §EIYF)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from crossline.auth.signin import actor_for_email
from crossline.core import clock
from crossline.core.calendar import uk_date
from crossline.funding import services
from crossline.funding.models import Fund
from crossline.funding.reference import RULES
from crossline.funding.schemas import BidIn, FundIn, ScoreIn

ADMINISTRATOR = "fund.admin@demo.crossline.uk"
BIDDER = "bidder@demo.crossline.uk"
ASSESSOR = "assessor@demo.crossline.uk"


def seed_demo_funding(db: Session) -> bool:
    """Open the demo fund with one scored bid, once; return whether it was made now."""
    administrator = actor_for_email(db, ADMINISTRATOR)
    if db.scalar(select(Fund.id).where(Fund.owner_id == administrator.organisation_id)):
        return False
    today = uk_date(clock.now())
    fund = services.open_fund(
        db,
        administrator,
        FundIn(
            name=RULES.name,
            budget=RULES.budget,
            cap_per_bid=RULES.cap_per_bid,
            years=RULES.years,
            opens_on=today - timedelta(weeks=2),
            closes_on=today + timedelta(weeks=6),
        ),
    )
    bidder = actor_for_email(db, BIDDER)
    bid = services.start_bid(
        db,
        bidder,
        fund.id,
        BidIn(
            title="Safe journeys: youth workers at Shropshire's stations and bus hubs",
            summary=(
                "Detached youth workers at the stations and bus hubs where children are "
                "recruited to run drugs, with mentoring for those found travelling alone, and "
                "sessions in the two pupil referral units."
            ),
            partners="Shropshire Community Safety Partnership\nTelford & Wrekin Council",
            amount_requested=640_000,
            match_funding=120_000,
            age_from=11,
            age_to=19,
            young_people_planned=450,
        ),
    )
    services.submit_bid(db, bidder, bid.id, bid.version)
    assessor = actor_for_email(db, ASSESSOR)
    services.score_bid(
        db,
        assessor,
        bid.id,
        ScoreIn(
            scores={c.id: score for c, score in zip(RULES.criteria, (4, 3, 2, 4, 3), strict=False)},
            comments={"evidence": "Evaluation plan is thin: no comparison group."},
        ),
    )
    return True
