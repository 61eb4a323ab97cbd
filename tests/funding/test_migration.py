"""Migration 0025 starts assessment panels without losing a score: every assessor who had
scored a fund's bids is appointed to that fund's panel, once, and can go on scoring.
Migration 0026 asks providers to confirm the services grants had named before it."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from pathlib import Path

from alembic import command
from sqlalchemy import select, text

from crossline.core.database import make_engine, make_sessionmaker
from crossline.core.migrations import alembic_config
from crossline.funding.models import Bid, BidScore, Fund, FundedService, PanelMember
from tests.factories import make_organisation, make_user


def test_0025_appoints_everyone_who_had_scored_a_funds_bids(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'before.db'}")
    command.upgrade(alembic_config(engine), "0024")
    with make_sessionmaker(engine)() as db:
        owner = make_organisation(db, "fund_owner", "Fund Owner")
        pcc = make_organisation(db, "police_and_crime_commissioner", "A PCC")
        scorer = make_user(db, owner, ["fund_assessor"], password=None)
        idle = make_user(db, owner, ["fund_assessor"], password=None)
        fund = Fund(
            owner_id=owner.id,
            name="Fund",
            budget=100,
            cap_per_bid=100,
            years=1,
            opens_on=date(2026, 1, 1),
            closes_on=date(2026, 2, 1),
        )
        db.add(fund)
        db.flush()
        bids = [
            Bid(
                fund_id=fund.id,
                lead_id=pcc.id,
                title=f"Bid {n}",
                summary="",
                partners="CSP",
                amount_requested=10,
                match_funding=1,
                age_from=10,
                age_to=17,
                young_people_planned=5,
                status="submitted",
            )
            for n in (1, 2)
        ]
        db.add_all(bids)
        db.flush()
        for bid in bids:  # two bids scored by one assessor: appointed once
            db.add(
                BidScore(
                    bid_id=bid.id,
                    assessor_id=scorer.id,
                    assessor_name=scorer.display_name,
                    criterion="evidence",
                    score=3,
                )
            )
        db.commit()
        fund_id, scorer_id, idle_id = fund.id, scorer.id, idle.id
    command.upgrade(alembic_config(engine), "head")
    with make_sessionmaker(engine)() as db:
        members = db.scalars(select(PanelMember).where(PanelMember.fund_id == fund_id)).all()
        assert [m.user_id for m in members] == [scorer_id]
        assert idle_id not in {m.user_id for m in members}
        assert "had scored" in members[0].appointed_by_name
    engine.dispose()


def test_0026_leaves_services_named_before_it_waiting_for_their_provider(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'before.db'}")
    command.upgrade(alembic_config(engine), "0025")
    with make_sessionmaker(engine)() as db:
        owner = make_organisation(db, "fund_owner", "Fund Owner")
        pcc = make_organisation(db, "police_and_crime_commissioner", "A PCC")
        provider = make_organisation(db, "programme_provider", "A Charity")
        fund = Fund(
            owner_id=owner.id,
            name="Fund",
            budget=100,
            cap_per_bid=100,
            years=1,
            opens_on=date(2026, 1, 1),
            closes_on=date(2026, 2, 1),
        )
        db.add(fund)
        db.flush()
        bid = Bid(
            fund_id=fund.id,
            lead_id=pcc.id,
            title="Bid",
            summary="",
            partners="CSP",
            amount_requested=10,
            match_funding=1,
            age_from=10,
            age_to=17,
            young_people_planned=5,
            status="awarded",
        )
        db.add(bid)
        db.flush()
        # Written as 0025 knew a service: no answer from the provider.
        db.execute(
            text(
                "INSERT INTO funded_services (id, bid_id, organisation_id, programme_id, "
                "added_by_name, created_at) VALUES (:id, :bid, :org, 'redthread', 'Lead', :at)"
            ),
            {
                "id": uuid.uuid4().hex,
                "bid": bid.id.hex,
                "org": provider.id.hex,
                "at": datetime(2026, 3, 1, tzinfo=UTC),
            },
        )
        db.commit()
    command.upgrade(alembic_config(engine), "head")
    with make_sessionmaker(engine)() as db:
        service = db.scalars(select(FundedService)).one()
        assert (service.status, service.decided_at, service.refusal_reason) == (
            "requested",
            None,
            None,
        )
    engine.dispose()
