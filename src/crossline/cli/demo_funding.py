"""The demo's Early Intervention Youth Fund: a fund opened by the Home Office, and two bids
from West Mercia's police and crime commissioner with its partners (DOMAIN.md §EIYF). The
demo assessor is on the fund's assessment panel. One bid is submitted and scored by them,
waiting for the fund administrator's decision; the other is awarded and pays for St Giles
Trust's county lines service with Missing People, which St Giles Trust's administrator has
confirmed, so the referral the demo's council made to it shows as the bid's outcome (one
referral: withheld under the fund's disclosure policy)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from crossline.auth.signin import actor_for_email
from crossline.core import clock
from crossline.core.calendar import uk_date
from crossline.funding import services
from crossline.funding.models import Fund
from crossline.funding.reference import RULES
from crossline.funding.schemas import (
    BidIn,
    DecisionIn,
    FundedServiceIn,
    FundIn,
    ScoreIn,
    ServiceDecisionIn,
)

ADMINISTRATOR = "fund.admin@demo.crossline.uk"
BIDDER = "bidder@demo.crossline.uk"
ASSESSOR = "assessor@demo.crossline.uk"
FUNDED_PROVIDER = "admin.stgiles@demo.crossline.uk"
FUNDED_PROGRAMME = "missing-people-county-lines"


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
    assessor = actor_for_email(db, ASSESSOR)
    assert assessor.user_id is not None
    services.appoint(db, administrator, fund.id, assessor.user_id)
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
    services.score_bid(
        db,
        assessor,
        bid.id,
        ScoreIn(
            scores={c.id: score for c, score in zip(RULES.criteria, (4, 3, 2, 4, 3), strict=False)},
            comments={"evidence": "Evaluation plan is thin: no comparison group."},
        ),
    )
    _awarded_bid(db, fund.id)
    return True


def _awarded_bid(db: Session, fund_id: uuid.UUID) -> None:
    """A second bid, awarded, paying for the St Giles Trust service Kai was referred to."""
    bidder = actor_for_email(db, BIDDER)
    bid = services.start_bid(
        db,
        bidder,
        fund_id,
        BidIn(
            title="Found out of area: support for West Mercia's children exploited on lines",
            summary=(
                "Caseworkers who meet children found in Shropshire and Telford after going "
                "missing, support them and their carers through the return-home interview, "
                "and stay with them for up to a year."
            ),
            partners="Shropshire Community Safety Partnership\nSt Giles Trust",
            amount_requested=480_000,
            match_funding=60_000,
            age_from=12,
            age_to=24,
            young_people_planned=160,
        ),
    )
    services.submit_bid(db, bidder, bid.id, bid.version)
    services.score_bid(
        db, actor_for_email(db, ASSESSOR), bid.id, ScoreIn(scores={c.id: 3 for c in RULES.criteria})
    )
    services.decide(
        db,
        actor_for_email(db, ADMINISTRATOR),
        bid.id,
        DecisionIn(award=True, amount=480_000, version=bid.version),
    )
    provider = actor_for_email(db, FUNDED_PROVIDER)
    service = services.add_service(
        db,
        bidder,
        bid.id,
        FundedServiceIn(organisation_id=provider.organisation_id, programme_id=FUNDED_PROGRAMME),
    )
    services.decide_service(db, provider, service.id, ServiceDecisionIn(confirm=True))
