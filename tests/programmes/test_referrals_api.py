"""Referrals through the API and the provider's pages: the whole path, problems, and who
sees what (another provider, or an organisation not on the case, is told there is none)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from crossline.audit.models import AuditEntry
from crossline.auth.actor import Actor
from crossline.auth.models import User
from crossline.core import clock
from tests.lines.test_routes import PROBLEM
from tests.lines.test_routes import signed_in as api_signed_in
from tests.programmes.test_referrals import CLOSED, OPEN, Parties, make_parties, send


@pytest.fixture(autouse=True)
def december(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "now", lambda: datetime(2025, 12, 19, 12, tzinfo=UTC))


@contextmanager
def signed_in(app: FastAPI, db: Session, actor: Actor) -> Iterator[TestClient]:
    """A client signed in as the actor's user, seeing the 303 a form post answers with."""
    with api_signed_in(app, db.get_one(User, actor.user_id)) as client:
        client.follow_redirects = False
        yield client


def _referral(p: Parties, programme: str = OPEN, **extra: object) -> dict[str, object]:
    return {
        "young_person_id": str(p.young_person.id),
        "programme_id": programme,
        "provider_id": str(p.provider_org.id),
        "reason": "Stabbed last week; wants to talk to a youth worker.",
        **extra,
    }


def test_a_referral_through_the_api_from_delivery_to_outcome(app: FastAPI, db: Session) -> None:
    p = make_parties(db)
    with (
        signed_in(app, db, p.provider_admin) as admin,
        signed_in(app, db, p.referrer) as referrer,
        signed_in(app, db, p.provider) as provider,
    ):
        added = admin.post(
            "/api/programmes/deliveries", json={"programme_id": "divert", "note": "Custody"}
        )
        assert added.status_code == 201, added.text
        assert added.json()["organisation"] == "Test Youth Workers"
        unknown = admin.post("/api/programmes/deliveries", json={"programme_id": "nope"})
        assert unknown.status_code == 422
        assert unknown.headers["content-type"] == PROBLEM
        assert "programme_id" in unknown.json()["errors"]
        listed = referrer.get("/api/programmes/deliveries", params={"programme_id": "divert"})
        assert [d["organisation"] for d in listed.json()] == ["Test Youth Workers"]
        assert admin.delete("/api/programmes/deliveries/divert").status_code == 204

        options = referrer.get(f"/api/programmes/young-people/{p.young_person.id}")
        assert options.status_code == 200, options.text
        by_id = {o["programme_id"]: o for o in options.json()["programmes"]}
        assert by_id[OPEN]["open"]
        assert not by_id[CLOSED]["open"]

        refused = referrer.post("/api/programmes/referrals", json=_referral(p, CLOSED))
        assert refused.status_code == 422
        assert refused.headers["content-type"] == PROBLEM
        assert "override_reason" in refused.json()["errors"]
        sent = referrer.post("/api/programmes/referrals", json=_referral(p))
        assert sent.status_code == 201, sent.text
        referral_id = sent.json()["referral_id"]
        assert sent.json()["state"] == "sent"
        assert sent.json()["provider"] == "Test Youth Workers"

        inbox = provider.get("/api/programmes/received")
        assert [r["referral_id"] for r in inbox.json()] == [referral_id]
        assert "young_person_id" not in inbox.json()[0]
        assert set(inbox.json()[0]["summary"]) == {"name", "date_of_birth", "reason", "eligibility"}
        base = f"/api/programmes/received/{referral_id}"
        no_reason = provider.post(f"{base}/decline", json={"version": 1})
        assert no_reason.status_code == 422
        assert "reason" in no_reason.json()["errors"]
        early = provider.post(f"{base}/completion", json={"version": 1, "outcome": "goals_met"})
        assert early.status_code == 422
        assert "state" in early.json()["errors"]
        accepted = provider.post(f"{base}/acceptance", json={"version": 1})
        assert accepted.json()["state"] == "accepted"
        stale = provider.post(f"{base}/enrolment", json={"version": 1})
        assert stale.status_code == 409
        enrolled = provider.post(f"{base}/enrolment", json={"version": 2}).json()
        done = provider.post(
            f"{base}/completion",
            json={"version": enrolled["version"], "outcome": "partly_met", "note": "Engaged."},
        )
        assert done.status_code == 200, done.text
        assert done.json()["outcome_label"] == "Completed, goals partly met"

        followed = referrer.get(f"/api/programmes/referrals/{referral_id}").json()
        assert followed["state"] == "completed"
        assert [h["state"] for h in followed["history"]] == [
            "sent",
            "accepted",
            "enrolled",
            "completed",
        ]
        mine = referrer.get(
            "/api/programmes/referrals", params={"young_person_id": str(p.young_person.id)}
        )
        assert [r["referral_id"] for r in mine.json()] == [referral_id]
        finished = referrer.post(
            f"/api/programmes/referrals/{referral_id}/withdrawal",
            json={"version": followed["version"]},
        )
        assert finished.status_code == 422


def test_the_api_keeps_each_referral_to_its_provider_and_its_case(
    app: FastAPI, db: Session
) -> None:
    p = make_parties(db)
    referral = send(db, p)
    with (
        signed_in(app, db, p.other_provider) as other,
        signed_in(app, db, p.stranger) as stranger,
        signed_in(app, db, p.provider) as provider,
        signed_in(app, db, p.member) as member,
    ):
        base = f"/api/programmes/received/{referral.id}"
        assert other.get("/api/programmes/received").json() == []
        assert other.get(base).status_code == 404
        assert other.post(f"{base}/acceptance", json={"version": 1}).status_code == 404
        assert other.post(f"{base}/decline", json={"version": 1, "reason": "x"}).status_code == 404
        assert stranger.get(f"/api/programmes/referrals/{referral.id}").status_code == 404
        assert stranger.get("/api/programmes/referrals").json() == []
        young = f"/api/programmes/young-people/{p.young_person.id}"
        assert stranger.get(young).status_code == 404
        assert stranger.post("/api/programmes/referrals", json=_referral(p)).status_code == 404
        # The provider reaches neither the case's side of the referral nor the young person.
        assert provider.get(f"/api/programmes/referrals/{referral.id}").status_code == 403
        assert provider.get(young).status_code == 403
        assert member.get(f"/api/programmes/referrals/{referral.id}").status_code == 200
        assert member.get(base).status_code == 403  # the case's side does not receive
        withdrawn = member.post(
            f"/api/programmes/referrals/{referral.id}/withdrawal", json={"version": 1}
        )
        assert withdrawn.status_code == 403  # only the referring organisation withdraws
    db.expire_all()
    consultations = db.scalars(
        select(AuditEntry).where(
            AuditEntry.record_id == str(referral.id), AuditEntry.operation == "consultation"
        )
    ).all()
    assert {e.organisation_name for e in consultations} == {"Test Youth Justice"}


# --- the provider's pages -----------------------------------------------------------------------


def _version(page: str) -> str:
    found = re.search(r'name="version" value="(\d+)"', page)
    assert found, "no version on the page"
    return found[1]


def test_a_provider_takes_a_referral_through_its_pages(app: FastAPI, db: Session) -> None:
    p = make_parties(db)
    referral = send(db, p)
    path = f"/programmes/referrals/{referral.id}"
    with signed_in(app, db, p.provider) as provider:
        inbox = provider.get("/programmes/referrals")
        assert inbox.status_code == 200
        assert "Jay Example" in inbox.text
        assert "Test Council" in inbox.text
        assert "Jay Example" not in provider.get("/programmes/referrals?state=accepted").text
        page = provider.get(path)
        assert page.status_code == 200
        assert "Stabbed last week" in page.text
        assert "1 May 2010" in page.text
        assert "SE1 7PB" not in page.text
        assert "Referrals received" in page.text  # in the navigation

        empty = provider.post(f"{path}/decline", data={"version": _version(page.text)})
        assert empty.status_code == 422
        assert "govuk-error-summary" in empty.text
        assert 'href="#reason"' in empty.text
        accepted = provider.post(
            f"{path}/acceptance", data={"version": _version(page.text), "accept-note": "Ok"}
        )
        assert accepted.status_code == 303
        assert accepted.headers["location"] == path
        page = provider.get(path)
        assert "Record the enrolment" in page.text
        stale = provider.post(f"{path}/enrolment", data={"version": "1"})
        assert stale.status_code == 409
        assert "Someone else changed this record" in stale.text
        assert (
            provider.post(f"{path}/enrolment", data={"version": _version(page.text)}).status_code
            == 303
        )
        page = provider.get(path)
        no_outcome = provider.post(f"{path}/completion", data={"version": _version(page.text)})
        assert no_outcome.status_code == 422
        assert 'href="#outcome"' in no_outcome.text
        done = provider.post(
            f"{path}/completion",
            data={
                "version": _version(page.text),
                "outcome": "goals_met",
                "outcome-note": "Back at college.",
            },
        )
        assert done.status_code == 303
        assert "Completed, goals met: Back at college." in provider.get(path).text


def test_another_provider_and_the_case_cannot_open_the_provider_pages(
    app: FastAPI, db: Session
) -> None:
    p = make_parties(db)
    referral = send(db, p)
    path = f"/programmes/referrals/{referral.id}"
    with signed_in(app, db, p.other_provider) as other, signed_in(app, db, p.referrer) as ref:
        assert other.get(path).status_code == 404
        assert "Jay Example" not in other.get("/programmes/referrals").text
        assert other.post(f"{path}/acceptance", data={"version": "1"}).status_code == 404
        assert ref.get(path).status_code == 403
        assert ref.get("/programmes/referrals").status_code == 403
