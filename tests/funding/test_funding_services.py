"""The Early Intervention Youth Fund (DOMAIN.md §EIYF): a fund administrator opens a fund;
a police and crime commissioner leads bids with its partners, within the cap, with match
funding, for under-18s (up to 25 considered); drafts stay with the lead until submitted by
the closing date; the fund owner's panel scores each bid on the rubric; an administrator
awards within the budget left or declines with a reason; monitoring returns, once accepted,
make that year's grant payable (in arrears)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from crossline.auth.actor import Actor
from crossline.core import clock
from crossline.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from crossline.funding import services
from crossline.funding.models import Bid, Fund
from crossline.funding.reference import RULES
from crossline.funding.schemas import BidIn, BidStatus, DecisionIn, FundIn, ReturnIn, ScoreIn
from crossline.orgs.models import Organisation
from tests.factories import actor_of, make_organisation, make_user

NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)
OPENS = date(2026, 12, 1)
CLOSES = date(2026, 12, 31)
CRITERIA = [c.id for c in RULES.criteria]


@dataclass
class Parties:
    admin: Actor
    assessor: Actor
    second_assessor: Actor
    outside_admin: Actor  # an administrator of another fund owner
    pcc: Actor
    other_pcc: Actor
    csp: Actor


@pytest.fixture(autouse=True)
def moment(monkeypatch: pytest.MonkeyPatch) -> list[datetime]:
    now = [NOW]
    monkeypatch.setattr(clock, "now", lambda: now[0])
    return now


def _actor(db: Session, kind: str, name: str, role: str) -> Actor:
    organisation = make_organisation(db, kind, name)
    return actor_of(make_user(db, organisation, [role], password=None), organisation)


@pytest.fixture
def parties(db: Session) -> Parties:
    owner = make_organisation(db, "fund_owner", "Home Office EIYF")
    other_owner = make_organisation(db, "fund_owner", "Another Fund Owner")
    return Parties(
        admin=actor_of(make_user(db, owner, ["fund_administrator"], password=None), owner),
        assessor=actor_of(make_user(db, owner, ["fund_assessor"], password=None), owner),
        second_assessor=actor_of(make_user(db, owner, ["fund_assessor"], password=None), owner),
        outside_admin=actor_of(
            make_user(db, other_owner, ["fund_administrator"], password=None), other_owner
        ),
        pcc=_actor(db, "police_and_crime_commissioner", "Northshire PCC", "fund_bidder"),
        other_pcc=_actor(db, "police_and_crime_commissioner", "Southshire PCC", "fund_bidder"),
        csp=_actor(db, "community_safety_partnership", "Northshire CSP", "fund_bidder"),
    )


def fund_in(**changes: Any) -> FundIn:
    given: dict[str, Any] = {
        "name": "Early Intervention Youth Fund",
        "budget": 1_000_000,
        "cap_per_bid": 700_000,
        "years": 2,
        "opens_on": OPENS,
        "closes_on": CLOSES,
    }
    return FundIn.model_validate(given | changes)


def bid_in(**changes: Any) -> BidIn:
    given: dict[str, Any] = {
        "title": "Northshire detached youth work",
        "summary": "Youth workers in the town centre on Friday and Saturday nights.",
        "partners": "Northshire Community Safety Partnership\nNorthshire Youth Service",
        "amount_requested": 600_000,
        "consortium_reason": None,
        "match_funding": 50_000,
        "age_from": 10,
        "age_to": 18,
        "young_people_planned": 400,
    }
    return BidIn.model_validate(given | changes)


def all_scores(*values: int) -> ScoreIn:
    if len(values) == 1:
        values = values * len(CRITERIA)
    return ScoreIn(scores=dict(zip(CRITERIA, values, strict=True)))


def return_in(**changes: Any) -> ReturnIn:
    given: dict[str, Any] = {
        "year": 1,
        "spend": 290_000,
        "match_spend": 25_000,
        "young_people_reached": 180,
        "of_them_under_18": 60,
        "narrative": "Sessions ran every weekend; two young people left a county line.",
    }
    return ReturnIn.model_validate(given | changes)


@pytest.fixture
def fund(db: Session, parties: Parties) -> Fund:
    opened = services.open_fund(db, parties.admin, fund_in())
    for assessor in (parties.assessor, parties.second_assessor):
        assert assessor.user_id is not None
        services.appoint(db, parties.admin, opened.id, assessor.user_id)
    return opened


def _submitted(db: Session, parties: Parties, fund: Fund, **changes: Any) -> Bid:
    bid = services.start_bid(db, parties.pcc, fund.id, bid_in(**changes))
    return services.submit_bid(db, parties.pcc, bid.id, bid.version)


@pytest.fixture
def submitted(db: Session, parties: Parties, fund: Fund) -> Bid:
    return _submitted(db, parties, fund)


def _award(db: Session, parties: Parties, bid: Bid, amount: int) -> Bid:
    services.score_bid(db, parties.assessor, bid.id, all_scores(3))
    return services.decide(
        db, parties.admin, bid.id, DecisionIn(award=True, amount=amount, version=bid.version)
    )


@pytest.fixture
def awarded(db: Session, parties: Parties, submitted: Bid) -> Bid:
    return _award(db, parties, submitted, 500_001)


# --- funds -----------------------------------------------------------------------------------


def test_a_fund_administrator_opens_a_fund_seen_by_every_funding_role(
    db: Session, parties: Parties, fund: Fund
) -> None:
    assert fund.owner_id == parties.admin.organisation_id
    assert fund.budget == 1_000_000
    for actor in (parties.assessor, parties.pcc, parties.csp):
        assert [f.id for f in services.list_funds(db, actor)] == [fund.id]


def test_closing_before_opening_is_refused(db: Session, parties: Parties) -> None:
    with pytest.raises(InvalidInput) as refused:
        services.open_fund(db, parties.admin, fund_in(closes_on=OPENS - timedelta(days=1)))
    assert set(refused.value.errors) == {"closes_on"}


def test_a_cap_above_the_budget_is_refused(db: Session, parties: Parties) -> None:
    with pytest.raises(InvalidInput) as refused:
        services.open_fund(db, parties.admin, fund_in(budget=500_000, cap_per_bid=700_000))
    assert set(refused.value.errors) == {"cap_per_bid"}


def test_only_a_fund_administrator_opens_a_fund(db: Session, parties: Parties) -> None:
    for actor in (parties.assessor, parties.pcc):
        with pytest.raises(Forbidden):
            services.open_fund(db, actor, fund_in())


# --- bids: who leads, and the rules ----------------------------------------------------------


def test_a_police_and_crime_commissioner_leads_a_bid(
    db: Session, parties: Parties, fund: Fund
) -> None:
    bid = services.start_bid(db, parties.pcc, fund.id, bid_in(partners="  CSP  \n\n Youth  \n"))
    assert bid.status == BidStatus.DRAFT
    assert bid.lead_id == parties.pcc.organisation_id
    read = services.as_read(db, bid, parties.pcc)
    assert read.partners == ["CSP", "Youth"]
    assert read.per_year == 300_000


def test_a_community_safety_partnership_cannot_lead_a_bid(
    db: Session, parties: Parties, fund: Fund
) -> None:
    with pytest.raises(Forbidden):
        services.start_bid(db, parties.csp, fund.id, bid_in())
    assert services.list_bids(db, parties.pcc, fund_id=fund.id) == []


def test_an_assessor_cannot_start_a_bid(db: Session, parties: Parties, fund: Fund) -> None:
    with pytest.raises(Forbidden):
        services.start_bid(db, parties.assessor, fund.id, bid_in())


def test_above_the_cap_needs_a_consortium_reason(db: Session, parties: Parties, fund: Fund) -> None:
    with pytest.raises(InvalidInput) as refused:
        services.start_bid(
            db, parties.pcc, fund.id, bid_in(amount_requested=700_001, consortium_reason="  ")
        )
    assert set(refused.value.errors) == {"consortium_reason"}
    assert "£700,000" in refused.value.errors["consortium_reason"]
    bid = services.start_bid(
        db,
        parties.pcc,
        fund.id,
        bid_in(amount_requested=900_000, consortium_reason="Three PCCs bid together."),
    )
    assert bid.amount_requested == 900_000
    assert bid.consortium_reason == "Three PCCs bid together."
    at_cap = services.start_bid(db, parties.pcc, fund.id, bid_in(amount_requested=700_000))
    assert at_cap.consortium_reason is None


def test_above_the_whole_budget_is_refused_even_with_a_reason(
    db: Session, parties: Parties, fund: Fund
) -> None:
    with pytest.raises(InvalidInput) as refused:
        services.start_bid(
            db,
            parties.pcc,
            fund.id,
            bid_in(amount_requested=1_000_001, consortium_reason="A consortium"),
        )
    assert set(refused.value.errors) == {"amount_requested"}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"match_funding": 0}, "match_funding"),
        ({"age_from": 18, "age_to": 20}, "age_from"),
        ({"age_from": 12, "age_to": 26}, "age_to"),
        ({"age_from": 16, "age_to": 12}, "age_from"),
        ({"partners": " \n  \n"}, "partners"),
    ],
    ids=["no-match-funding", "youngest-18", "oldest-26", "ages-reversed", "blank-partners"],
)
def test_a_bid_breaking_a_rule_is_refused(
    db: Session, parties: Parties, fund: Fund, changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        services.start_bid(db, parties.pcc, fund.id, bid_in(**changes))
    assert set(refused.value.errors) == {field}


def test_the_edges_of_the_ages_are_allowed(db: Session, parties: Parties, fund: Fund) -> None:
    bid = services.start_bid(db, parties.pcc, fund.id, bid_in(age_from=17, age_to=25))
    assert (bid.age_from, bid.age_to) == (17, 25)


def test_updating_a_draft_checks_the_rules_and_the_version(
    db: Session, parties: Parties, fund: Fund
) -> None:
    bid = services.start_bid(db, parties.pcc, fund.id, bid_in())
    version = bid.version
    with pytest.raises(InvalidInput) as refused:
        services.update_bid(db, parties.pcc, bid.id, bid_in(match_funding=0), version)
    assert set(refused.value.errors) == {"match_funding"}
    services.update_bid(db, parties.pcc, bid.id, bid_in(title="Renamed"), version)
    assert bid.title == "Renamed"
    with pytest.raises(Conflict):
        services.update_bid(db, parties.pcc, bid.id, bid_in(title="Stale"), version)


# --- who sees a bid, and submitting it --------------------------------------------------------


def test_a_draft_is_the_leads_alone_until_submitted(
    db: Session, parties: Parties, fund: Fund
) -> None:
    bid = services.start_bid(db, parties.pcc, fund.id, bid_in())
    for actor in (parties.assessor, parties.admin, parties.other_pcc, parties.csp):
        with pytest.raises(NotFound):
            services.get_bid(db, actor, bid.id)
        assert services.list_bids(db, actor, fund_id=fund.id) == []
    services.submit_bid(db, parties.pcc, bid.id, bid.version)
    assert bid.status == BidStatus.SUBMITTED
    assert bid.submitted_at is not None
    for actor in (parties.assessor, parties.admin):
        assert [b.id for b in services.list_bids(db, actor, fund_id=fund.id)] == [bid.id]
        assert services.get_bid(db, actor, bid.id).id == bid.id


def test_another_commissioner_never_sees_a_bid(
    db: Session, parties: Parties, submitted: Bid
) -> None:
    for actor in (parties.other_pcc, parties.outside_admin):
        with pytest.raises(NotFound):
            services.get_bid(db, actor, submitted.id)
        assert services.list_bids(db, actor) == []


def test_another_commissioner_cannot_submit_or_change_a_bid(
    db: Session, parties: Parties, fund: Fund
) -> None:
    bid = services.start_bid(db, parties.pcc, fund.id, bid_in())
    with pytest.raises(NotFound):
        services.submit_bid(db, parties.other_pcc, bid.id, bid.version)
    with pytest.raises(NotFound):
        services.update_bid(db, parties.other_pcc, bid.id, bid_in(), bid.version)
    assert bid.status == BidStatus.DRAFT


def test_submitting_after_the_closing_date_is_refused(
    db: Session, parties: Parties, fund: Fund, moment: list[datetime]
) -> None:
    bid = services.start_bid(db, parties.pcc, fund.id, bid_in())
    moment[0] = datetime(2026, 12, 31, 23, tzinfo=UTC)  # the closing day itself
    services.submit_bid(db, parties.pcc, bid.id, bid.version)
    late = services.start_bid(db, parties.pcc, fund.id, bid_in(title="Late"))
    moment[0] = datetime(2027, 1, 1, 9, tzinfo=UTC)
    with pytest.raises(InvalidInput) as refused:
        services.submit_bid(db, parties.pcc, late.id, late.version)
    assert set(refused.value.errors) == {"fund"}
    assert "31 December 2026" in refused.value.errors["fund"]
    assert late.status == BidStatus.DRAFT


def test_the_closing_date_is_a_day_in_the_uk_not_on_the_servers_clock(
    db: Session, parties: Parties, moment: list[datetime]
) -> None:
    summer = services.open_fund(
        db, parties.admin, fund_in(opens_on=date(2027, 6, 1), closes_on=date(2027, 6, 30))
    )
    moment[0] = datetime(2027, 6, 20, 12, tzinfo=UTC)
    bid = services.start_bid(db, parties.pcc, summer.id, bid_in())
    moment[0] = datetime(2027, 6, 30, 23, 30, tzinfo=UTC)  # 00:30 on 1 July in the UK (BST)
    with pytest.raises(InvalidInput) as refused:
        services.submit_bid(db, parties.pcc, bid.id, bid.version)
    assert "30 June 2027" in refused.value.errors["fund"]


def test_starting_a_bid_after_the_closing_date_is_refused(
    db: Session, parties: Parties, fund: Fund, moment: list[datetime]
) -> None:
    moment[0] = datetime(2027, 1, 2, 9, tzinfo=UTC)
    with pytest.raises(InvalidInput) as refused:
        services.start_bid(db, parties.pcc, fund.id, bid_in())
    assert set(refused.value.errors) == {"fund"}


def test_submitting_before_the_fund_opens_is_refused(
    db: Session, parties: Parties, moment: list[datetime]
) -> None:
    later = services.open_fund(
        db, parties.admin, fund_in(opens_on=date(2027, 1, 4), closes_on=date(2027, 2, 26))
    )
    bid = services.start_bid(db, parties.pcc, later.id, bid_in())
    with pytest.raises(InvalidInput) as refused:
        services.submit_bid(db, parties.pcc, bid.id, bid.version)
    assert set(refused.value.errors) == {"fund"}


def test_a_submitted_bid_can_no_longer_change(
    db: Session, parties: Parties, submitted: Bid
) -> None:
    with pytest.raises(Conflict):
        services.update_bid(db, parties.pcc, submitted.id, bid_in(), submitted.version)
    with pytest.raises(Conflict):
        services.submit_bid(db, parties.pcc, submitted.id, submitted.version)


def test_submitting_a_stale_version_is_refused(db: Session, parties: Parties, fund: Fund) -> None:
    bid = services.start_bid(db, parties.pcc, fund.id, bid_in())
    stale = bid.version
    services.update_bid(db, parties.pcc, bid.id, bid_in(title="Changed"), stale)
    with pytest.raises(Conflict):
        services.submit_bid(db, parties.pcc, bid.id, stale)
    assert bid.status == BidStatus.DRAFT


# --- the panel -------------------------------------------------------------------------------


def test_an_assessor_scores_every_criterion(db: Session, parties: Parties, submitted: Bid) -> None:
    services.score_bid(db, parties.assessor, submitted.id, all_scores(4, 3, 2, 1, 0))
    # 10 of the best 20 (5 criteria of weight 1, each out of 4)
    assert services.panel_score(db, submitted) == (50.0, 1)
    read = services.as_read(db, submitted, parties.admin)
    assert read.panel_score == 50.0
    assert read.assessors == 1
    # Until the decision, neither the bidder nor an assessor sees the panel's score.
    for before_decision in (parties.pcc, parties.assessor):
        hidden = services.as_read(db, submitted, before_decision)
        assert (hidden.panel_score, hidden.assessors) == (None, 0)
    services.decide(
        db, parties.admin, submitted.id, DecisionIn(award=False, reason="No", version=2)
    )
    assert services.as_read(db, submitted, parties.pcc).panel_score == 50.0


def test_a_missing_criterion_is_refused(db: Session, parties: Parties, submitted: Bid) -> None:
    scores = dict.fromkeys(CRITERIA[:-1], 3)
    with pytest.raises(InvalidInput) as refused:
        services.score_bid(db, parties.assessor, submitted.id, ScoreIn(scores=scores))
    assert set(refused.value.errors) == {CRITERIA[-1]}
    assert services.panel_score(db, submitted) == (None, 0)


def test_a_score_outside_the_scale_is_refused(
    db: Session, parties: Parties, submitted: Bid
) -> None:
    for bad in (5, -1):
        with pytest.raises(InvalidInput) as refused:
            services.score_bid(db, parties.assessor, submitted.id, all_scores(3, bad, 3, 3, 3))
        assert set(refused.value.errors) == {CRITERIA[1]}
    assert services.panel_score(db, submitted) == (None, 0)


def test_an_unknown_criterion_is_refused(db: Session, parties: Parties, submitted: Bid) -> None:
    scores = dict.fromkeys(CRITERIA, 3) | {"charm": 4}
    with pytest.raises(InvalidInput) as refused:
        services.score_bid(db, parties.assessor, submitted.id, ScoreIn(scores=scores))
    assert set(refused.value.errors) == {"scores"}


def test_scoring_again_replaces_the_scores(db: Session, parties: Parties, submitted: Bid) -> None:
    services.score_bid(db, parties.assessor, submitted.id, all_scores(1))
    services.score_bid(db, parties.assessor, submitted.id, all_scores(4, 4, 4, 4, 2))
    assert services.panel_score(db, submitted) == (90.0, 1)  # 18 of 20
    seen = services.scores_seen_by(db, parties.assessor, submitted.id)
    assert [s.score for s in seen] == [4, 4, 4, 4, 2]


def test_two_assessors_scores_are_averaged(db: Session, parties: Parties, submitted: Bid) -> None:
    services.score_bid(db, parties.assessor, submitted.id, all_scores(4, 3, 2, 1, 0))  # 10
    services.score_bid(db, parties.second_assessor, submitted.id, all_scores(4, 4, 3, 3, 3))  # 17
    # (10 + 17) / 2 = 13.5 of 20 = 67.5 of 100
    assert services.panel_score(db, submitted) == (67.5, 2)


def test_only_the_fund_owners_assessors_score(db: Session, parties: Parties, fund: Fund) -> None:
    draft = services.start_bid(db, parties.pcc, fund.id, bid_in())
    with pytest.raises(NotFound):
        services.score_bid(db, parties.assessor, draft.id, all_scores(3))
    services.submit_bid(db, parties.pcc, draft.id, draft.version)
    for actor in (parties.pcc, parties.admin):
        with pytest.raises(Forbidden):
            services.score_bid(db, actor, draft.id, all_scores(3))
    assert services.panel_score(db, draft) == (None, 0)


def test_an_assessor_sees_only_own_scores_until_the_decision(
    db: Session, parties: Parties, submitted: Bid
) -> None:
    services.score_bid(db, parties.assessor, submitted.id, all_scores(2))
    services.score_bid(db, parties.second_assessor, submitted.id, all_scores(4))
    first = services.scores_seen_by(db, parties.assessor, submitted.id)
    assert {s.assessor_name for s in first} == {parties.assessor.display_name}
    assert [s.criterion for s in first] == CRITERIA
    assert {s.score for s in first} == {2}
    everyone = services.scores_seen_by(db, parties.admin, submitted.id)
    assert len(everyone) == 2 * len(CRITERIA)
    assert {s.assessor_name for s in everyone} == {
        parties.assessor.display_name,
        parties.second_assessor.display_name,
    }
    assert services.scores_seen_by(db, parties.pcc, submitted.id) == []
    services.decide(
        db,
        parties.admin,
        submitted.id,
        DecisionIn(award=False, reason="Too little evidence", version=submitted.version),
    )
    after = services.scores_seen_by(db, parties.assessor, submitted.id)
    assert len(after) == 2 * len(CRITERIA)


# --- decisions -------------------------------------------------------------------------------


def test_an_unscored_bid_cannot_be_awarded(db: Session, parties: Parties, submitted: Bid) -> None:
    with pytest.raises(InvalidInput) as refused:
        services.decide(
            db,
            parties.admin,
            submitted.id,
            DecisionIn(award=True, amount=100_000, version=submitted.version),
        )
    assert set(refused.value.errors) == {"award"}
    assert submitted.status == BidStatus.SUBMITTED


def test_an_award_is_recorded(db: Session, parties: Parties, awarded: Bid) -> None:
    assert awarded.status == BidStatus.AWARDED
    assert awarded.amount_awarded == 500_001
    assert awarded.decided_at is not None
    assert parties.admin.display_name in (awarded.decided_by_name or "")


def test_an_award_above_the_amount_requested_is_refused(
    db: Session, parties: Parties, submitted: Bid
) -> None:
    services.score_bid(db, parties.assessor, submitted.id, all_scores(3))
    with pytest.raises(InvalidInput) as refused:
        services.decide(
            db,
            parties.admin,
            submitted.id,
            DecisionIn(award=True, amount=600_001, version=submitted.version),
        )
    assert set(refused.value.errors) == {"amount"}
    assert submitted.amount_awarded is None


def test_an_award_without_an_amount_is_refused(
    db: Session, parties: Parties, submitted: Bid
) -> None:
    services.score_bid(db, parties.assessor, submitted.id, all_scores(3))
    with pytest.raises(InvalidInput) as refused:
        services.decide(
            db, parties.admin, submitted.id, DecisionIn(award=True, version=submitted.version)
        )
    assert set(refused.value.errors) == {"amount"}


def test_an_award_above_the_budget_left_is_refused(
    db: Session, parties: Parties, fund: Fund, awarded: Bid
) -> None:
    second = _submitted(db, parties, fund, title="Second project")
    services.score_bid(db, parties.assessor, second.id, all_scores(3))
    # 1,000,000 - 500,001 = 499,999 left
    with pytest.raises(InvalidInput) as refused:
        services.decide(
            db,
            parties.admin,
            second.id,
            DecisionIn(award=True, amount=500_000, version=second.version),
        )
    assert set(refused.value.errors) == {"amount"}
    assert "£499,999" in refused.value.errors["amount"]
    services.decide(
        db, parties.admin, second.id, DecisionIn(award=True, amount=499_999, version=second.version)
    )
    summary = services.summary(db, parties.admin, fund.id)
    assert summary.awarded == 1_000_000
    assert summary.remaining == 0


def test_a_decline_needs_a_reason(db: Session, parties: Parties, submitted: Bid) -> None:
    services.score_bid(db, parties.assessor, submitted.id, all_scores(1))
    with pytest.raises(InvalidInput) as refused:
        services.decide(
            db,
            parties.admin,
            submitted.id,
            DecisionIn(award=False, reason="   ", version=submitted.version),
        )
    assert set(refused.value.errors) == {"reason"}
    services.decide(
        db,
        parties.admin,
        submitted.id,
        DecisionIn(award=False, reason=" Weak evidence ", version=submitted.version),
    )
    assert submitted.status == BidStatus.DECLINED
    assert submitted.decision_reason == "Weak evidence"
    assert submitted.amount_awarded is None


def test_a_decided_bid_cannot_be_scored_or_decided_again(
    db: Session, parties: Parties, awarded: Bid
) -> None:
    with pytest.raises(Conflict):
        services.score_bid(db, parties.second_assessor, awarded.id, all_scores(4))
    with pytest.raises(Conflict):
        services.decide(
            db,
            parties.admin,
            awarded.id,
            DecisionIn(award=False, reason="Changed our mind", version=awarded.version),
        )
    assert awarded.status == BidStatus.AWARDED
    assert services.panel_score(db, awarded) == (75.0, 1)


def test_deciding_a_stale_version_is_refused(db: Session, parties: Parties, submitted: Bid) -> None:
    services.score_bid(db, parties.assessor, submitted.id, all_scores(3))
    with pytest.raises(Conflict):
        services.decide(
            db,
            parties.admin,
            submitted.id,
            DecisionIn(award=True, amount=100_000, version=submitted.version - 1),
        )
    assert submitted.status == BidStatus.SUBMITTED


def test_only_the_fund_owners_administrator_decides(
    db: Session, parties: Parties, submitted: Bid
) -> None:
    services.score_bid(db, parties.assessor, submitted.id, all_scores(3))
    decision = DecisionIn(award=True, amount=100_000, version=submitted.version)
    for actor in (parties.assessor, parties.pcc):
        with pytest.raises(Forbidden):
            services.decide(db, actor, submitted.id, decision)
    with pytest.raises(NotFound):
        services.decide(db, parties.outside_admin, submitted.id, decision)
    assert submitted.status == BidStatus.SUBMITTED


# --- monitoring returns ----------------------------------------------------------------------


def test_returns_are_only_for_awarded_bids(db: Session, parties: Parties, submitted: Bid) -> None:
    with pytest.raises(Conflict):
        services.make_return(db, parties.pcc, submitted.id, return_in())
    services.score_bid(db, parties.assessor, submitted.id, all_scores(1))
    services.decide(
        db,
        parties.admin,
        submitted.id,
        DecisionIn(award=False, reason="Weak", version=submitted.version),
    )
    with pytest.raises(Conflict):
        services.make_return(db, parties.pcc, submitted.id, return_in())


def test_a_year_beyond_the_funds_years_is_refused(
    db: Session, parties: Parties, awarded: Bid
) -> None:
    services.make_return(db, parties.pcc, awarded.id, return_in(year=2))
    with pytest.raises(InvalidInput) as refused:
        services.make_return(db, parties.pcc, awarded.id, return_in(year=3))
    assert set(refused.value.errors) == {"year"}


def test_more_under_18s_than_reached_is_refused(
    db: Session, parties: Parties, awarded: Bid
) -> None:
    with pytest.raises(InvalidInput) as refused:
        services.make_return(
            db, parties.pcc, awarded.id, return_in(young_people_reached=10, of_them_under_18=11)
        )
    assert set(refused.value.errors) == {"of_them_under_18"}
    services.make_return(
        db, parties.pcc, awarded.id, return_in(young_people_reached=10, of_them_under_18=10)
    )


def test_only_the_lead_makes_a_return(db: Session, parties: Parties, awarded: Bid) -> None:
    with pytest.raises(NotFound):
        services.make_return(db, parties.other_pcc, awarded.id, return_in())
    with pytest.raises(Forbidden):
        services.make_return(db, parties.admin, awarded.id, return_in())


def test_a_return_changes_until_accepted_then_not(
    db: Session, parties: Parties, awarded: Bid
) -> None:
    first = services.make_return(db, parties.pcc, awarded.id, return_in(young_people_reached=100))
    again = services.make_return(db, parties.pcc, awarded.id, return_in(young_people_reached=120))
    assert again.id == first.id
    assert again.young_people_reached == 120
    with pytest.raises(Forbidden):
        services.accept_return(db, parties.pcc, first.id)
    services.accept_return(db, parties.admin, first.id)
    assert first.accepted_at is not None
    with pytest.raises(Conflict):
        services.make_return(db, parties.pcc, awarded.id, return_in(young_people_reached=999))
    assert services.returns_of(db, parties.pcc, awarded.id).returns[0].young_people_reached == 120


def test_summary_counts_accepted_returns_only(
    db: Session, parties: Parties, fund: Fund, awarded: Bid
) -> None:
    before = services.summary(db, parties.admin, fund.id)
    assert before.awarded == 500_001
    assert before.remaining == 499_999
    assert before.young_people_reached == 0
    assert before.payable == 0
    year_one = services.make_return(
        db, parties.pcc, awarded.id, return_in(year=1, young_people_reached=180)
    )
    services.make_return(db, parties.pcc, awarded.id, return_in(year=2, young_people_reached=70))
    pending = services.summary(db, parties.admin, fund.id)
    assert pending.young_people_reached == 0
    assert pending.payable == 0
    services.accept_return(db, parties.admin, year_one.id)
    after = services.summary(db, parties.admin, fund.id)
    assert after.young_people_reached == 180
    assert after.payable == 250_000  # 500,001 // 2 years, for the one accepted year
    assert after.awarded == 500_001
    assert after.remaining == 499_999
    assert after.bids == {BidStatus.AWARDED.value: 1}
    rets = services.returns_of(db, parties.pcc, awarded.id)
    assert rets.per_year == 250_000
    assert rets.years == 2


def test_summary_counts_only_awarded_bids_and_visible_ones(
    db: Session, parties: Parties, fund: Fund, awarded: Bid
) -> None:
    services.start_bid(db, parties.pcc, fund.id, bid_in(title="A draft"))
    declined = _submitted(db, parties, fund, title="Declined")
    services.score_bid(db, parties.assessor, declined.id, all_scores(0))
    services.decide(
        db,
        parties.admin,
        declined.id,
        DecisionIn(award=False, reason="No", version=declined.version),
    )
    summary = services.summary(db, parties.admin, fund.id)
    assert summary.awarded == 500_001
    assert summary.bids == {"awarded": 1, "declined": 1}
    own = services.summary(db, parties.pcc, fund.id)
    assert own.bids == {"awarded": 1, "declined": 1, "draft": 1}


# --- the assessment panel ----------------------------------------------------------------------


def test_only_the_panel_scores_and_only_administrators_appoint_it(
    db: Session, parties: Parties, submitted: Bid, fund: Fund
) -> None:
    owner = db.get_one(Fund, fund.id).owner_id
    organisation = db.get_one(Organisation, owner)
    newcomer = actor_of(make_user(db, organisation, ["fund_assessor"], password=None), organisation)
    assert newcomer.user_id is not None
    with pytest.raises(Forbidden, match="Only the fund's assessment panel"):
        services.score_bid(db, newcomer, submitted.id, all_scores(2))
    options = [u.id for u in services.assessors_to_appoint(db, parties.admin, fund.id)]
    assert options == [newcomer.user_id]  # the two appointed already are not offered
    with pytest.raises(Forbidden):  # an assessor does not appoint
        services.appoint(db, parties.assessor, fund.id, newcomer.user_id)
    with pytest.raises(Forbidden):  # nor does another fund owner's administrator
        services.appoint(db, parties.outside_admin, fund.id, newcomer.user_id)
    assert parties.admin.user_id is not None
    assert parties.assessor.user_id is not None
    other_admin = make_user(db, organisation, ["fund_administrator"], password=None)
    with pytest.raises(InvalidInput, match="fund assessor role"):  # not an assessor
        services.appoint(db, parties.admin, fund.id, other_admin.id)
    with pytest.raises(InvalidInput, match="on the panel already"):
        services.appoint(db, parties.admin, fund.id, parties.assessor.user_id)
    services.appoint(db, parties.admin, fund.id, newcomer.user_id)

    # An administrator who assesses too is appointed by another, never by themselves.
    both = actor_of(
        make_user(db, organisation, ["fund_administrator", "fund_assessor"], password=None),
        organisation,
    )
    assert both.user_id is not None
    assert both.user_id not in [u.id for u in services.assessors_to_appoint(db, both, fund.id)]
    with pytest.raises(InvalidInput, match="cannot appoint yourself"):
        services.appoint(db, both, fund.id, both.user_id)
    services.appoint(db, parties.admin, fund.id, both.user_id)
    services.score_bid(db, newcomer, submitted.id, all_scores(2))
    assert [m.user_id for m in services.panel_of(db, parties.assessor, fund.id)] != []
    assert services.panel_of(db, parties.pcc, fund.id) == []  # the panel is the owner's business


def test_a_conflict_of_interest_takes_the_member_off_the_bid(
    db: Session, parties: Parties, submitted: Bid
) -> None:
    services.score_bid(db, parties.assessor, submitted.id, all_scores(4))
    services.score_bid(db, parties.second_assessor, submitted.id, all_scores(2))
    assert services.panel_score(db, submitted) == (75.0, 2)
    with pytest.raises(InvalidInput) as empty:
        services.declare_conflict(db, parties.assessor, submitted.id, "  ")
    assert set(empty.value.errors) == {"reason"}
    services.declare_conflict(db, parties.assessor, submitted.id, "My sister runs a partner.")
    assert services.panel_score(db, submitted) == (50.0, 1)  # their scores are withdrawn
    with pytest.raises(Conflict, match="conflict of interest"):
        services.score_bid(db, parties.assessor, submitted.id, all_scores(4))
    with pytest.raises(InvalidInput, match="already"):
        services.declare_conflict(db, parties.assessor, submitted.id, "Again")
    seen = services.conflicts_seen_by(db, parties.admin, submitted.id)
    assert [(c.user_name, c.reason) for c in seen] == [
        (parties.assessor.display_name, "My sister runs a partner.")
    ]
    assert services.conflicts_seen_by(db, parties.second_assessor, submitted.id) == []
    assert services.conflicts_seen_by(db, parties.pcc, submitted.id) == []
    with pytest.raises(Forbidden):  # the bidder is not on the panel
        services.declare_conflict(db, parties.pcc, submitted.id, "No")


def test_standing_down_withdraws_scores_of_bids_not_yet_decided(
    db: Session, parties: Parties, fund: Fund, submitted: Bid
) -> None:
    decided = _submitted(db, parties, fund, title="Decided")
    services.score_bid(db, parties.assessor, decided.id, all_scores(3))
    services.decide(
        db, parties.admin, decided.id, DecisionIn(award=True, amount=1, version=decided.version)
    )
    services.score_bid(db, parties.assessor, submitted.id, all_scores(3))
    assert parties.assessor.user_id is not None
    services.stand_down(db, parties.admin, fund.id, parties.assessor.user_id)
    assert services.panel_score(db, submitted) == (None, 0)
    assert services.panel_score(db, decided) == (75.0, 1)  # the decision rested on it
    with pytest.raises(Forbidden):
        services.score_bid(db, parties.assessor, submitted.id, all_scores(3))
    with pytest.raises(NotFound):
        services.stand_down(db, parties.admin, fund.id, parties.assessor.user_id)
    with pytest.raises(Conflict):  # a decided bid takes no new conflict
        services.declare_conflict(db, parties.second_assessor, decided.id, "Late")


def test_an_administrator_with_a_conflict_does_not_decide_the_bid(
    db: Session, parties: Parties, fund: Fund, submitted: Bid
) -> None:
    owner = db.get_one(Organisation, fund.owner_id)
    both = actor_of(
        make_user(db, owner, ["fund_administrator", "fund_assessor"], password=None), owner
    )
    assert both.user_id is not None
    services.appoint(db, parties.admin, fund.id, both.user_id)
    services.score_bid(db, parties.assessor, submitted.id, all_scores(3))
    services.declare_conflict(db, both, submitted.id, "I used to work for the lead.")
    decision = DecisionIn(award=True, amount=1, version=submitted.version)
    with pytest.raises(Conflict, match="another administrator decides it"):
        services.decide(db, both, submitted.id, decision)
    assert services.decide(db, parties.admin, submitted.id, decision).status == "awarded"
