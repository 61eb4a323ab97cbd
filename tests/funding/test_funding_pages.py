"""The fund through its pages and API, as each user works it (DOMAIN.md §EIYF): the
administrator opens a fund, a police and crime commissioner's bidder drafts (the form's
error summary first) and submits a bid, an assessor scores it, the administrator awards it
within the budget, the bidder makes a year's return and the administrator accepts it, and
names the service the grant pays for, whose referrals are the bid's outcomes; another
commissioner never sees the bid."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from crossline.auth.models import User
from crossline.core import clock
from crossline.funding import services
from crossline.funding.models import Bid
from crossline.funding.reference import RULES
from crossline.funding.schemas import BidIn, FundIn
from crossline.programmes import referrals
from crossline.programmes.schemas import DeliveryIn
from tests.factories import actor_of, make_organisation, make_user
from tests.safeguarding.helpers import page_text, signed_in

NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)


@pytest.fixture(autouse=True)
def moment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "now", lambda: NOW)


def _bid_form(**changes: str) -> dict[str, str]:
    return {
        "title": "Youth workers at the bus station",
        "summary": "Detached youth work where children are recruited.",
        "partners": "Borough Community Safety Partnership\nBorough Council",
        "amount_requested": "600000",
        "match_funding": "50000",
        "age_from": "11",
        "age_to": "19",
        "young_people_planned": "300",
        **changes,
    }


def test_a_bid_from_draft_to_an_accepted_return_through_the_pages(
    app: FastAPI, db: Session
) -> None:
    owner = make_organisation(db, "fund_owner", "Youth Fund Owner")
    administrator = make_user(db, owner, ["fund_administrator"])
    assessor = make_user(db, owner, ["fund_assessor"])
    pcc = make_organisation(db, "police_and_crime_commissioner", "Borough PCC")
    bidder = make_user(db, pcc, ["fund_bidder"])
    rival = make_user(
        db, make_organisation(db, "police_and_crime_commissioner", "Other PCC"), ["fund_bidder"]
    )
    provider = make_organisation(db, "programme_provider", "Station Youth Workers")
    provider_user = make_user(db, provider, ["administrator"])
    referrals.add_delivery(
        db, actor_of(provider_user, provider), DeliveryIn(programme_id="redthread")
    )

    with signed_in(app, administrator) as client:
        opened = client.post(
            "/funding/funds/new",
            data={
                "name": "Youth Fund",
                "budget": "1000000",
                "cap_per_bid": "700000",
                "years": "2",
                "opens_on": "2026-12-01",
                "closes_on": "2027-01-31",
            },
        )
        assert opened.status_code == 303
        fund_url = opened.headers["location"]
        unchosen = client.post(f"{fund_url}/panel", data={"user_id": ""})
        assert unchosen.status_code == 422
        assert "There is a problem" in page_text(unchosen.text)
        appointed = client.post(f"{fund_url}/panel", data={"user_id": str(assessor.id)})
        assert appointed.status_code == 303
        panel = page_text(client.get(fund_url).text)
        assert "Assessment panel Only the panel scores the fund's bids." in panel
        assert assessor.display_name in panel

    with signed_in(app, bidder) as client:
        refused = client.post(f"{fund_url}/bids/new", data=_bid_form(age_from="18"))
        assert refused.status_code == 422
        text = page_text(refused.text)
        assert "There is a problem" in text
        assert "the youngest age reached must be under 18" in text
        assert "Youth workers at the bus station" in refused.text  # what was typed is kept
        started = client.post(f"{fund_url}/bids/new", data=_bid_form())
        assert started.status_code == 303
        bid_url = started.headers["location"]
        submitted = client.post(f"{bid_url}/submit", data={"version": "1"})
        assert submitted.status_code == 303
        assert "Submitted" in page_text(client.get(bid_url).text)

    bid_id = bid_url.rsplit("/", 1)[1]
    with signed_in(app, rival) as client:
        assert client.get(bid_url).status_code == 404
        assert client.get("/api/funding/bids").json() == []

    with signed_in(app, assessor) as client:
        scores = {c.id: "3" for c in RULES.criteria}
        assert client.post(f"{bid_url}/scores", data=scores).status_code == 303
        page = page_text(client.get(bid_url).text)
        assert "Panel score Shown after the decision" in page  # not the assessor's to see
        bad = client.post(f"{bid_url}/scores", data={**scores, RULES.criteria[0].id: "²"})
        assert bad.status_code == 422
        assert "a whole number" in page_text(bad.text)

    with signed_in(app, administrator) as client:
        assert "75.0 out of 100, from 1 assessor" in page_text(client.get(bid_url).text)
        too_much = client.post(
            f"{bid_url}/decision", data={"award": "true", "amount": "900000", "version": "2"}
        )
        assert too_much.status_code == 422
        assert "The bid asked for £600,000: award no more." in page_text(too_much.text)
        awarded = client.post(
            f"{bid_url}/decision", data={"award": "true", "amount": "500000", "version": "2"}
        )
        assert awarded.status_code == 303
        fund_page = page_text(client.get(fund_url).text)
        assert "£500,000 awarded, £500,000 left" in fund_page

    with signed_in(app, bidder) as client:
        sent = client.post(
            f"{bid_url}/returns",
            data={
                "year": "1",
                "spend": "240000",
                "match_spend": "20000",
                "young_people_reached": "180",
                "of_them_under_18": "150",
                "narrative": "Two workers at the station five nights a week.",
            },
        )
        assert sent.status_code == 303
        unchosen = client.post(f"{bid_url}/services", data={"service": ""})
        assert unchosen.status_code == 422
        assert "There is a problem Choose a service the grant pays for." in page_text(unchosen.text)
        assert 'href="#service"' in unchosen.text
        named = client.post(f"{bid_url}/services", data={"service": f"{provider.id}|redthread"})
        assert named.status_code == 303
        page = page_text(client.get(bid_url).text)
        assert "Outcomes from referrals" in page
        assert "Station Youth Workers Redthread" in page
        assert "Redthread Youth Violence Intervention Programme Waiting" in page
        assert "Referrals made 0 Not begun 0" in page  # year 1, year 2, all years
        outcomes = client.get(f"/api/funding/bids/{bid_id}/outcomes").json()
        assert [s["organisation"] for s in outcomes["services"]] == ["Station Youth Workers"]
        assert [s["status"] for s in outcomes["services"]] == ["requested"]
        assert [y["begun"] for y in outcomes["years"]] == [True, False]
        service_id = outcomes["services"][0]["id"]
        # Only the provider answers for its service.
        assert client.get("/organisation/grants").status_code == 403
        answered = client.post(
            f"/api/funding/service-requests/{service_id}/decision", json={"confirm": True}
        )
        assert answered.status_code == 403

    with signed_in(app, provider_user) as client:
        waiting = page_text(client.get("/organisation/grants").text)
        assert "Waiting for your answer (1)" in waiting
        assert "Youth workers at the bus station Youth Fund, led by Borough PCC" in waiting
        answer_url = f"/organisation/grants/{service_id}"
        unanswered = client.post(answer_url, data={})
        assert unanswered.status_code == 422
        assert "There is a problem Choose whether the grant pays for this service of yours." in (
            page_text(unanswered.text)
        )
        assert 'href="#decision"' in unanswered.text
        unreasoned = client.post(answer_url, data={"decision": "refuse", "reason": " "})
        assert unreasoned.status_code == 422
        assert 'href="#reason"' in unreasoned.text
        assert 'id="decision-2" name="decision" type="radio" value="refuse" ' in unreasoned.text
        confirmed = client.post(answer_url, data={"decision": "confirm"})
        assert confirmed.status_code == 303
        assert confirmed.headers["location"] == "/organisation/grants?done=confirmed"
        done = page_text(client.get(confirmed.headers["location"]).text)
        assert "Confirmed: the referrals made to your service count" in done
        assert "No grant is waiting for your answer." in done
        listed = client.get("/api/funding/service-requests").json()
        assert [(r["bid_title"], r["status"]) for r in listed] == [
            ("Youth workers at the bus station", "confirmed")
        ]
        assert "amount_awarded" not in listed[0]  # nothing else of the bid

    with signed_in(app, bidder) as client:
        page = page_text(client.get(bid_url).text)
        assert "Redthread Youth Violence Intervention Programme Confirmed" in page
    with signed_in(app, rival) as client:
        assert client.get(f"/api/funding/bids/{bid_id}/outcomes").status_code == 404
    return_id = client_return_id(app, administrator, bid_id)

    with signed_in(app, administrator) as client:
        accepted = client.post(f"/funding/returns/{return_id}/accept")
        assert accepted.status_code == 303
        fund_page = page_text(client.get(fund_url).text)
        assert "the services that 1 of the 1 awarded grant pay for" in fund_page
        assert "Referrals made 0" in fund_page
        rolled = client.get(fund_url.replace("/funding/", "/api/funding/") + "/outcomes").json()
        assert (rolled["grants"], rolled["rows"][0]["total"]) == (1, 0)
        summary = client.get(fund_url.replace("/funding/", "/api/funding/")).json()
        assert summary["young_people_reached"] == 180
        assert summary["payable"] == 250_000  # a year's grant, paid in arrears
    bid = db.scalars(select(Bid)).one()
    db.refresh(bid)
    assert (bid.status, bid.amount_awarded) == ("awarded", 500_000)


def client_return_id(app: FastAPI, user: User, bid_id: str) -> str:
    with signed_in(app, user) as client:
        returns = client.get(f"/api/funding/bids/{bid_id}/returns").json()
    assert [r["year"] for r in returns] == [1]
    return str(returns[0]["id"])


def test_the_api_refuses_a_bid_led_by_anyone_but_a_commissioner(app: FastAPI, db: Session) -> None:
    owner = make_organisation(db, "fund_owner", "Youth Fund Owner")
    administrator = make_user(db, owner, ["fund_administrator"])
    partnership = make_organisation(db, "community_safety_partnership", "A partnership")
    bidder = make_user(db, partnership, ["fund_bidder"])
    with signed_in(app, administrator) as client:
        fund = client.post(
            "/api/funding/funds",
            json={
                "name": "Youth Fund",
                "budget": 1_000_000,
                "cap_per_bid": 700_000,
                "years": 2,
                "opens_on": "2026-12-01",
                "closes_on": "2027-01-31",
            },
        )
        assert fund.status_code == 201
    fund_id = fund.json()["id"]
    with signed_in(app, bidder) as client:
        refused = client.post(
            f"/api/funding/funds/{fund_id}/bids",
            json={k: int(v) if re.fullmatch(r"\d+", v) else v for k, v in _bid_form().items()},
        )
    assert refused.status_code == 403
    assert "led by a police and crime commissioner" in refused.json()["detail"]


def test_a_panel_member_declares_a_conflict_on_the_bids_page(app: FastAPI, db: Session) -> None:
    owner = make_organisation(db, "fund_owner", "Youth Fund Owner")
    administrator = make_user(db, owner, ["fund_administrator"])
    assessor = make_user(db, owner, ["fund_assessor"])
    pcc = make_organisation(db, "police_and_crime_commissioner", "Borough PCC")
    admin_actor = actor_of(administrator, owner)
    bidder = actor_of(make_user(db, pcc, ["fund_bidder"]), pcc)
    fund = services.open_fund(
        db,
        admin_actor,
        FundIn(
            name="Youth Fund",
            budget=1_000_000,
            cap_per_bid=700_000,
            years=2,
            opens_on=NOW.date(),
            closes_on=NOW.date(),
        ),
    )
    services.appoint(db, admin_actor, fund.id, assessor.id)
    form = {k: int(v) if v.isdigit() else v for k, v in _bid_form().items()}
    bid = services.start_bid(db, bidder, fund.id, BidIn.model_validate(form))
    services.submit_bid(db, bidder, bid.id, bid.version)
    bid_url = f"/funding/bids/{bid.id}"

    with signed_in(app, assessor) as client:
        page = page_text(client.get(bid_url).text)
        assert "Score the bid" in page
        assert "Declare a conflict of interest" in page
        empty = client.post(f"{bid_url}/conflicts", data={"conflict_reason": ""})
        assert empty.status_code == 422
        assert "Say what the conflict is" in page_text(empty.text)
        assert '<details class="govuk-details" open>' in empty.text
        declared = client.post(
            f"{bid_url}/conflicts", data={"conflict_reason": "I chair a partner."}
        )
        assert declared.status_code == 303
        page = page_text(client.get(bid_url).text)
        assert "You declared a conflict of interest in this bid" in page
        assert "Score the bid" not in page
    with signed_in(app, administrator) as client:
        page = page_text(client.get(bid_url).text)
        assert f"Conflicts of interest {assessor.display_name}" in page
        assert "I chair a partner." in page
