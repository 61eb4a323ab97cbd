"""A bid's outcomes rolled up from referrals (MISSION.md, Early Intervention Youth Fund): the
lead of an awarded bid names the services the grant pays for (organisations delivering a
catalogue programme); the referrals made to them in each year of the grant are counted by
where each stands now, every count under the fund's disclosure policy (DOMAIN.md
§DISCLOSURE: 1 to 7 withheld, the rest rounded to 5), and nothing of a young person is
shown."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from crossline.auth.actor import Actor
from crossline.core import clock
from crossline.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from crossline.funding import services
from crossline.funding.models import Bid, Fund
from crossline.funding.reference import RULES
from crossline.funding.schemas import (
    BidIn,
    DecisionIn,
    FundedServiceIn,
    FundIn,
    OutcomesRead,
    ScoreIn,
    ServiceDecisionIn,
    ServiceStatus,
)
from crossline.programmes.models import Referral
from tests.factories import actor_of, make_organisation, make_user
from tests.funding.test_funding_services import _actor
from tests.programmes.test_referrals import CLOSED, OPEN, Parties, make_parties, send

AWARDED_AT = datetime(2026, 12, 7, 12, tzinfo=UTC)  # year 1: 7 Dec 2026 to 6 Dec 2027


@dataclass
class Funding:
    admin: Actor
    assessor: Actor
    pcc: Actor
    other_pcc: Actor
    referrals: Parties  # a young person's case, two providers and their deliveries
    other_admin: Actor  # the administrator of the second provider


@pytest.fixture
def moment(monkeypatch: pytest.MonkeyPatch) -> list[datetime]:
    now = [AWARDED_AT]
    monkeypatch.setattr(clock, "now", lambda: now[0])
    return now


@pytest.fixture
def funding(db: Session, moment: list[datetime]) -> Funding:
    owner = make_organisation(db, "fund_owner", "Home Office EIYF")
    parties = make_parties(db)
    other = parties.other_org
    return Funding(
        admin=actor_of(make_user(db, owner, ["fund_administrator"], password=None), owner),
        assessor=actor_of(make_user(db, owner, ["fund_assessor"], password=None), owner),
        pcc=_actor(db, "police_and_crime_commissioner", "Northshire PCC", "fund_bidder"),
        other_pcc=_actor(db, "police_and_crime_commissioner", "Southshire PCC", "fund_bidder"),
        referrals=parties,
        other_admin=actor_of(make_user(db, other, ["administrator"], password=None), other),
    )


def _open(db: Session, f: Funding) -> Fund:
    fund = services.open_fund(
        db,
        f.admin,
        FundIn(
            name="Youth Fund",
            budget=1_000_000,
            cap_per_bid=700_000,
            years=2,
            opens_on=date(2026, 12, 1),
            closes_on=date(2026, 12, 31),
        ),
    )
    assert f.assessor.user_id is not None
    services.appoint(db, f.admin, fund.id, f.assessor.user_id)
    return fund


def _submitted(db: Session, f: Funding, fund: Fund | None = None, lead: Actor | None = None) -> Bid:
    bid = services.start_bid(
        db,
        lead or f.pcc,
        (fund or _open(db, f)).id,
        BidIn(
            title="Hospital youth workers",
            summary="Youth workers in the emergency department.",
            partners="Northshire Community Safety Partnership",
            amount_requested=400_000,
            match_funding=40_000,
            age_from=11,
            age_to=25,
            young_people_planned=200,
        ),
    )
    return services.submit_bid(db, lead or f.pcc, bid.id, bid.version)


def _award(db: Session, f: Funding, bid: Bid) -> Bid:
    services.score_bid(db, f.assessor, bid.id, ScoreIn(scores={c.id: 3 for c in RULES.criteria}))
    return services.decide(
        db, f.admin, bid.id, DecisionIn(award=True, amount=400_000, version=bid.version)
    )


@pytest.fixture
def awarded(db: Session, funding: Funding) -> Bid:
    return _award(db, funding, _submitted(db, funding))


def _service(f: Funding, programme: str = OPEN, *, other: bool = False) -> FundedServiceIn:
    organisation = f.referrals.other_org if other else f.referrals.provider_org
    return FundedServiceIn(organisation_id=organisation.id, programme_id=programme)


def _named(
    db: Session, f: Funding, bid: Bid, service: FundedServiceIn, lead: Actor | None = None
) -> None:
    """The lead names the service and its provider's administrator confirms it."""
    row = services.add_service(db, lead or f.pcc, bid.id, service)
    provider = f.referrals.provider_admin
    if service.organisation_id == f.referrals.other_org.id:
        provider = f.other_admin
    services.decide_service(db, provider, row.id, ServiceDecisionIn(confirm=True))


def _referrals(
    db: Session,
    f: Funding,
    count: int,
    sent_at: datetime,
    *,
    state: str = "sent",
    outcome: str | None = None,
    other: bool = False,
) -> None:
    """``count`` referrals made at ``sent_at`` to the first provider's (or the other's) Redthread,
    standing at ``state``: written directly, as the programme's own steps are tested apart."""
    p = f.referrals
    for _ in range(count):
        db.add(
            Referral(
                young_person_id=p.young_person.id,
                programme_id=OPEN,
                provider_id=(p.other_org if other else p.provider_org).id,
                referrer_id=p.referrer.organisation_id,
                state=state,
                reason="Test",
                shared_summary="{}",
                sent_at=sent_at,
                sent_by_name="Test",
                outcome=outcome,
            )
        )
    db.commit()


def _row(read: OutcomesRead, stage: str) -> tuple[list[int | None], int | None]:
    row = next(r for r in read.rows if r.stage == stage)
    return row.counts, row.total


def test_the_lead_names_the_services_its_award_pays_for(
    db: Session, funding: Funding, awarded: Bid
) -> None:
    options = services.service_options(db, funding.pcc, awarded.id)
    assert {(o.organisation, o.programme_id) for o in options} == {
        ("Test Youth Workers", OPEN),
        ("Test Youth Workers", CLOSED),
        ("Other Charity", OPEN),
    }
    services.add_service(db, funding.pcc, awarded.id, _service(funding))
    named = services.funded_services(db, funding.pcc, awarded.id)
    assert [(s.organisation, s.programme_id) for s in named] == [("Test Youth Workers", OPEN)]
    assert named[0].programme.startswith("Redthread")
    assert named[0].added_by_name.endswith("Northshire PCC")
    # What is named is no longer offered; the same service twice is refused.
    assert ("Test Youth Workers", OPEN) not in {
        (o.organisation, o.programme_id)
        for o in services.service_options(db, funding.pcc, awarded.id)
    }
    with pytest.raises(InvalidInput) as twice:
        services.add_service(db, funding.pcc, awarded.id, _service(funding))
    assert twice.value.errors == {"service": "The grant already pays for that service."}
    # A programme the organisation does not deliver in Crossline is refused.
    with pytest.raises(InvalidInput) as undelivered:
        services.add_service(db, funding.pcc, awarded.id, _service(funding, CLOSED, other=True))
    assert "does not deliver that programme" in undelivered.value.errors["service"]
    services.remove_service(db, funding.pcc, awarded.id, named[0].id)
    assert services.funded_services(db, funding.pcc, awarded.id) == []
    with pytest.raises(NotFound):
        services.remove_service(db, funding.pcc, awarded.id, named[0].id)


def test_only_the_lead_of_an_awarded_bid_names_services(db: Session, funding: Funding) -> None:
    submitted = _submitted(db, funding)
    with pytest.raises(Conflict):
        services.add_service(db, funding.pcc, submitted.id, _service(funding))
    with pytest.raises(Conflict):
        services.outcomes_of(db, funding.admin, submitted.id)
    services.score_bid(
        db, funding.assessor, submitted.id, ScoreIn(scores={c.id: 2 for c in RULES.criteria})
    )
    services.decide(
        db,
        funding.admin,
        submitted.id,
        DecisionIn(award=True, amount=1, version=submitted.version),
    )
    with pytest.raises(Forbidden):  # the fund's administrator does not bid
        services.add_service(db, funding.admin, submitted.id, _service(funding))
    with pytest.raises(NotFound):  # another commissioner never sees the bid
        services.add_service(db, funding.other_pcc, submitted.id, _service(funding))
    with pytest.raises(NotFound):
        services.outcomes_of(db, funding.other_pcc, submitted.id)
    services.add_service(db, funding.pcc, submitted.id, _service(funding))
    # The fund's panel sees what the grant pays for and its outcomes.
    for reader in (funding.admin, funding.assessor):
        assert len(services.outcomes_of(db, reader, submitted.id).services) == 1


def test_referrals_made_to_the_services_count_in_the_year_they_were_made(
    db: Session, funding: Funding, awarded: Bid, moment: list[datetime]
) -> None:
    _named(db, funding, awarded, _service(funding))
    year_one, year_two = AWARDED_AT + timedelta(days=40), AWARDED_AT + timedelta(days=400)
    _referrals(db, funding, 9, year_one, state="completed", outcome="goals_met")
    _referrals(db, funding, 4, year_one, state="enrolled")
    _referrals(db, funding, 13, year_two, state="accepted")
    # Not counted: before the award, after the grant, and to a service it does not pay for.
    _referrals(db, funding, 20, AWARDED_AT - timedelta(days=1), state="enrolled")
    _referrals(db, funding, 20, AWARDED_AT + timedelta(days=731), state="enrolled")
    _referrals(db, funding, 20, year_one, state="enrolled", other=True)
    moment[0] = AWARDED_AT + timedelta(days=500)

    read = services.outcomes_of(db, funding.pcc, awarded.id)
    assert [(y.year, y.starts_on, y.ends_on, y.begun) for y in read.years] == [
        (1, date(2026, 12, 7), date(2027, 12, 6), True),
        (2, date(2027, 12, 7), date(2028, 12, 6), True),
    ]
    # 13 made in each year: each rounds to 15, and all 26 to 25, not the 30 the cells add to.
    assert _row(read, "referred") == ([15, 15], 25)
    assert _row(read, "completed:goals_met") == ([10, 0], 10)
    # 4 taking part in year 1 is withheld; with year 2's 13 they are 17, shown as 15.
    assert _row(read, "taking_part") == ([None, 15], 15)
    assert _row(read, "declined") == ([0, 0], 0)
    assert read.withheld_as is None
    assert "1 to 7 withheld" in read.disclosure


def test_a_year_not_yet_begun_is_marked_and_an_unnamed_service_counts_nothing(
    db: Session, funding: Funding, awarded: Bid, moment: list[datetime]
) -> None:
    _referrals(db, funding, 30, AWARDED_AT + timedelta(days=10), state="enrolled")
    moment[0] = AWARDED_AT + timedelta(days=30)
    before = services.outcomes_of(db, funding.pcc, awarded.id)
    assert [y.begun for y in before.years] == [True, False]
    assert _row(before, "referred") == ([0, 0], 0)  # no service named yet
    _named(db, funding, awarded, _service(funding))
    assert _row(services.outcomes_of(db, funding.pcc, awarded.id), "referred") == ([30, 0], 30)


def test_a_referral_sent_through_the_programme_counts_and_shows_nothing_of_the_young_person(
    db: Session, funding: Funding, awarded: Bid, moment: list[datetime]
) -> None:
    _named(db, funding, awarded, _service(funding))
    moment[0] = AWARDED_AT + timedelta(days=3)
    send(db, funding.referrals)
    read = services.outcomes_of(db, funding.pcc, awarded.id)
    assert _row(read, "referred") == ([None, 0], None)  # one referral: withheld
    assert _row(read, "waiting") == ([None, 0], None)
    answer = read.model_dump_json()
    for detail in ("Jay", "Example", "2010-05-01", "SE1 7PB", "Stabbed"):
        assert detail not in answer


def test_the_fund_rolls_up_every_grants_referrals_counting_each_once(
    db: Session, funding: Funding, moment: list[datetime]
) -> None:
    fund = _open(db, funding)
    first = _award(db, funding, _submitted(db, funding, fund))
    second = _award(db, funding, _submitted(db, funding, fund, lead=funding.other_pcc))
    _submitted(db, funding, fund)  # submitted, not awarded: not counted
    _named(db, funding, first, _service(funding))
    # Two grants pay for the same service, and the second for another too.
    _named(db, funding, second, _service(funding), lead=funding.other_pcc)
    _named(db, funding, second, _service(funding, other=True), lead=funding.other_pcc)
    _referrals(db, funding, 12, AWARDED_AT + timedelta(days=5), state="enrolled")
    _referrals(db, funding, 9, AWARDED_AT + timedelta(days=5), state="sent", other=True)
    moment[0] = AWARDED_AT + timedelta(days=30)

    rolled = services.fund_outcomes(db, funding.pcc, fund.id)
    assert (rolled.grants, rolled.grants_with_services) == (2, 2)
    totals = {row.stage: row.total for row in rolled.rows}
    assert totals["referred"] == 20  # 21 referrals, each once: not the 33 a sum would give
    assert totals["taking_part"] == 10  # 12
    assert totals["waiting"] == 10  # 9
    assert all(row.counts == [] for row in rolled.rows)
    # Each grant's own figures are its services' referrals.
    assert _row(services.outcomes_of(db, funding.pcc, first.id), "referred") == ([10, 0], 10)
    assert _row(services.outcomes_of(db, funding.other_pcc, second.id), "referred") == (
        [20, 0],
        20,
    )


def test_a_service_counts_only_once_its_provider_confirms_and_stops_when_it_refuses(
    db: Session, funding: Funding, awarded: Bid, moment: list[datetime]
) -> None:
    _referrals(db, funding, 12, AWARDED_AT + timedelta(days=5), state="enrolled")
    moment[0] = AWARDED_AT + timedelta(days=30)
    row = services.add_service(db, funding.pcc, awarded.id, _service(funding))
    provider = funding.referrals.provider_admin

    # Asked, not answered: the lead sees it waiting, and nothing of it is counted.
    read = services.outcomes_of(db, funding.pcc, awarded.id)
    assert [s.status for s in read.services] == [ServiceStatus.REQUESTED]
    assert _row(read, "referred") == ([0, 0], 0)
    assert services.fund_outcomes(db, funding.pcc, awarded.fund_id).grants_with_services == 0
    # The provider's administrator sees who asks, for which grant of which fund.
    [asked] = services.service_requests(db, provider)
    assert (asked.bid_title, asked.fund, asked.lead, asked.programme_id) == (
        "Hospital youth workers",
        "Youth Fund",
        "Northshire PCC",
        OPEN,
    )
    assert asked.added_by_name.endswith("Northshire PCC")

    services.decide_service(db, provider, row.id, ServiceDecisionIn(confirm=True))
    assert _row(services.outcomes_of(db, funding.pcc, awarded.id), "referred") == ([10, 0], 10)
    assert services.fund_outcomes(db, funding.pcc, awarded.fund_id).grants_with_services == 1

    # A refusal needs a reason, which the lead reads; the figures go again.
    with pytest.raises(InvalidInput) as unreasoned:
        services.decide_service(db, provider, row.id, ServiceDecisionIn(confirm=False, reason=" "))
    assert "reason" in unreasoned.value.errors
    refused = ServiceDecisionIn(confirm=False, reason="We are funded for this work already.")
    services.decide_service(db, provider, row.id, refused)
    read = services.outcomes_of(db, funding.pcc, awarded.id)
    [service] = read.services
    assert (service.status, service.refusal_reason) == (
        ServiceStatus.REFUSED,
        "We are funded for this work already.",
    )
    assert service.decided_by_name is not None
    assert service.decided_by_name.endswith("Test Youth Workers")
    assert _row(read, "referred") == ([0, 0], 0)

    # A refused service is offered again, and naming it again asks the provider again, now.
    offered = services.service_options(db, funding.pcc, awarded.id)
    assert ("Test Youth Workers", OPEN) in {(o.organisation, o.programme_id) for o in offered}
    moment[0] = AWARDED_AT + timedelta(days=31)
    services.add_service(db, funding.pcc, awarded.id, _service(funding))
    [asked_again] = services.service_requests(db, provider)
    assert asked_again.created_at.replace(tzinfo=UTC) == moment[0]
    [again] = services.funded_services(db, funding.pcc, awarded.id)
    assert (again.id, again.status, again.refusal_reason, again.decided_at) == (
        row.id,
        ServiceStatus.REQUESTED,
        None,
        None,
    )


def test_only_the_providers_administrator_answers_for_its_service(
    db: Session, funding: Funding, awarded: Bid
) -> None:
    row = services.add_service(db, funding.pcc, awarded.id, _service(funding))
    confirm = ServiceDecisionIn(confirm=True)
    # The lead cannot confirm its own request, nor can the fund or the provider's own
    # practitioners: answering is the provider organisation's, through its administrator.
    for outsider in (funding.pcc, funding.admin, funding.referrals.provider):
        with pytest.raises(Forbidden):
            services.decide_service(db, outsider, row.id, confirm)
        with pytest.raises(Forbidden):
            services.service_requests(db, outsider)
    # Another provider's administrator neither sees nor answers it.
    assert services.service_requests(db, funding.other_admin) == []
    with pytest.raises(NotFound):
        services.decide_service(db, funding.other_admin, row.id, confirm)
    assert _row(services.outcomes_of(db, funding.pcc, awarded.id), "referred") == ([0, 0], 0)
