"""The safeguarding API: each workflow through its endpoints, who may see what, bad input."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from crossline.audit.models import AuditEntry
from crossline.auth.models import User
from crossline.core import clock
from crossline.orgs.models import Organisation
from crossline.orgs.services import find_organisation
from tests.factories import make_organisation, make_user, sign_in

NOW = datetime(2025, 12, 17, 12, tzinfo=UTC)  # a Wednesday
BASE = "/api/safeguarding"


@pytest.fixture(autouse=True)
def december(monkeypatch: pytest.MonkeyPatch) -> list[datetime]:
    """The clock: 17 December 2025 at noon; a test moves it on by replacing ``[0]``."""
    now = [NOW]
    monkeypatch.setattr(clock, "now", lambda: now[0])
    return now


@contextmanager
def signed_in(app: FastAPI, user: User) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as client:
        client.headers["X-CSRF-Token"] = sign_in(client, user.email)
        yield client


@dataclass
class Team:
    organisation: Organisation
    user: User


def team(
    db: Session, kind: str = "local_authority", role: str = "safeguarding_practitioner"
) -> Team:
    organisation = make_organisation(db, kind)
    return Team(organisation, make_user(db, organisation, [role]))


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def recorded(client: TestClient, **facts: Any) -> dict[str, Any]:
    body = {"first_name": "Jay", "surname": "Doe", "dob": "2010-04-02"} | facts
    return ok(client.post(f"{BASE}/young-people", json=body), 201)  # type: ignore[no-any-return]


def test_a_case_from_concern_to_nrm_decisions(
    app: FastAPI, db: Session, december: list[datetime]
) -> None:
    council = team(db)
    with signed_in(app, council.user) as c:
        person = recorded(c, phone_number="07700 900123")
        assert person["phone_number"] == "+447700900123"
        assert person["reference"] == "YP-2025-0001"
        yp = person["id"]
        assert [p["id"] for p in ok(c.get(f"{BASE}/young-people"))] == [yp]

        concern = ok(
            c.post(
                f"{BASE}/young-people/{yp}/concerns",
                json={"source": "school", "summary": "New phones.", "indicators": ["CL18-02"]},
            ),
            201,
        )
        assert concern["state"] == "open"
        assert concern["source_label"] == "A school, against the indicator list"
        assert [x["id"] for x in ok(c.get(f"{BASE}/concerns/open"))] == [concern["id"]]
        assert ok(c.get(f"{BASE}/concerns/overdue")) == []
        triaged = ok(
            c.post(
                f"{BASE}/concerns/{concern['id']}/triage",
                json={"decision": "screen", "note": "Screen this week.", "version": 1},
            )
        )
        assert triaged["state"] == "triaged"
        assert triaged["triage_decision"] == "screen"
        assert ok(c.get(f"{BASE}/concerns/open")) == []

        prefill = ok(c.get(f"{BASE}/young-people/{yp}/screening-prefill"))
        assert prefill["CL18-02"]["present"] is True
        assert "concern" in prefill["CL18-02"]["source"]
        first = ok(
            c.post(
                f"{BASE}/young-people/{yp}/screenings",
                json={"answers": {"CL18-02": {"present": True}, "CL18-07": {"present": False}}},
            ),
            201,
        )
        assert first["result"] == "indicators_found"
        assert first["answers"]["CL18-02"]["source"].startswith("a concern raised")
        december[0] = NOW.replace(minute=1)
        second = ok(
            c.post(
                f"{BASE}/young-people/{yp}/screenings",
                json={"answers": {"CL18-02": {"present": False}, "CL18-07": {"present": True}}},
            ),
            201,
        )
        assert (second["appeared"], second["gone"]) == (["CL18-07"], ["CL18-02"])
        history = ok(c.get(f"{BASE}/young-people/{yp}/screenings"))
        assert [h["id"] for h in history] == [second["id"], first["id"]]
        assert history[1]["appeared"] == []
        assert history[1]["gone"] == []

        referral = ok(
            c.post(f"{BASE}/young-people/{yp}/nrm-referrals", json={"summary": "Runs a line."}),
            201,
        )
        assert referral["consent"] == "not_needed_child"
        assert referral["rg_due"].startswith("2025-12-25T00:00")  # end of 5th working day
        rid = referral["id"]
        rg = ok(
            c.post(
                f"{BASE}/nrm-referrals/{rid}/reasonable-grounds",
                json={"decision": "positive", "decided_on": "2025-12-17", "version": 1},
            )
        )
        assert rg["recovery_until"] == "2026-01-16"
        cg = ok(
            c.post(
                f"{BASE}/nrm-referrals/{rid}/conclusive-grounds",
                json={"decision": "victim_slavery", "decided_on": "2025-12-17", "version": 2},
            )
        )
        assert cg["cg_decision"] == "victim_slavery"
        assert ok(c.get(f"{BASE}/nrm-referrals/overdue")) == []
        assert [r["id"] for r in ok(c.get(f"{BASE}/young-people/{yp}/nrm-referrals"))] == [rid]

        view = ok(c.get(f"{BASE}/young-people/{yp}/case", params={"why": "case conference"}))
        kinds = [e["kind"] for e in view["timeline"]]
        assert {"recorded", "concern_raised", "concern_triaged", "screened", "nrm_rg"} <= set(kinds)
    consultations = db.scalars(
        select(AuditEntry.justification).where(
            AuditEntry.operation == "consultation", AuditEntry.record_id == yp
        )
    ).all()
    assert "case conference" in consultations
    assert "safeguarding case work" in consultations


def test_missing_episode_found_and_interviewed(app: FastAPI, db: Session) -> None:
    council = team(db)
    with signed_in(app, council.user) as c:
        yp = recorded(c)["id"]
        episode = ok(
            c.post(
                f"{BASE}/young-people/{yp}/missing-episodes",
                json={"reported_at": "2025-12-12T20:00:00Z", "reported_by": "Carer"},
            ),
            201,
        )
        assert episode["risk"] == "medium"
        eid = episode["id"]
        assert [e["id"] for e in ok(c.get(f"{BASE}/missing-episodes/still-missing"))] == [eid]
        regraded = ok(
            c.post(
                f"{BASE}/missing-episodes/{eid}/regrade",
                json={"risk": "high", "reason": "Seen with older men.", "version": 1},
            )
        )
        assert regraded["risk_label"] == "High risk"
        found = ok(
            c.post(
                f"{BASE}/missing-episodes/{eid}/found",
                json={
                    "found_at": "2025-12-13T09:00:00Z",
                    "found_where": "Railway station",
                    "found_by": "British Transport Police",
                    "version": 2,
                },
            )
        )
        assert found["rhi_due"].startswith("2025-12-16T09:00")
        assert found["rhi_overdue"] is True  # the clock says 17 December
        overdue = ok(c.get(f"{BASE}/missing-episodes/overdue-interviews"))
        assert [e["id"] for e in overdue] == [eid]
        done = ok(
            c.post(
                f"{BASE}/missing-episodes/{eid}/interview",
                json={"outcome": "declined", "by": "Independent worker", "version": 3},
            )
        )
        assert done["rhi_outcome"] == "declined"
        assert ok(c.get(f"{BASE}/missing-episodes/overdue-interviews")) == []
        # A child's episode raised a concern (DOMAIN.md §MISSING.lines).
        sources = [x["source"] for x in ok(c.get(f"{BASE}/young-people/{yp}/concerns"))]
        assert sources == ["missing"]
        assert ok(c.get(f"{BASE}/missing-episodes/{eid}"))["rhi_by"] == "Independent worker"


def test_plans_ace_screenings_and_their_reviews(app: FastAPI, db: Session) -> None:
    council = team(db)
    welsh = find_organisation(db, "dyfed-powys")
    officer = make_user(db, welsh, ["safeguarding_practitioner"])
    with signed_in(app, council.user) as c:
        yp = recorded(c)["id"]
        plan = ok(
            c.post(
                f"{BASE}/young-people/{yp}/custody-support-plans",
                json={
                    "establishment": "HMYOI Werrington",
                    "officer": "Officer Reid",
                    "started_on": "2025-10-01",
                    "goals": "Education and family contact.",
                },
            ),
            201,
        )
        assert plan["next_review_on"] == "2025-10-29"
        assert [p["id"] for p in ok(c.get(f"{BASE}/reviews/overdue"))] == [plan["id"]]
        review = ok(
            c.post(
                f"{BASE}/custody-support-plans/{plan['id']}/reviews",
                json={"reviewed_on": "2025-12-10", "note": "Going well."},
            ),
            201,
        )
        assert review["next_review_on"] == "2026-01-07"
        plans = ok(c.get(f"{BASE}/young-people/{yp}/custody-support-plans"))
        assert plans[0]["reviews"][0]["note"] == "Going well."
        refused = c.post(
            f"{BASE}/young-people/{yp}/ace-screenings",
            json={"screened_on": "2025-12-10", "contact": "Stop and search"},
        )
        assert refused.status_code == 422
        assert "Welsh" in refused.json()["detail"]
        ok(
            c.post(
                f"{BASE}/young-people/{yp}/members",
                json={"organisation_id": str(welsh.id), "reason": "Police contact in Wales."},
            ),
            201,
        )
    with signed_in(app, officer) as w:
        ace = ok(
            w.post(
                f"{BASE}/young-people/{yp}/ace-screenings",
                json={
                    "screened_on": "2025-12-10",
                    "contact": "Stop and search",
                    "experiences": ["parental_separation"],
                    "refer": True,
                },
            ),
            201,
        )
        assert ace["referred_to"] == "early-action-together"
        ok(
            w.post(
                f"{BASE}/ace-screenings/{ace['id']}/reviews",
                json={"reviewed_on": "2025-12-15", "note": "Family support began."},
            ),
            201,
        )
        aces = ok(w.get(f"{BASE}/young-people/{yp}/ace-screenings"))
        assert aces[0]["reviews"][0]["note"] == "Family support began."


def test_sharing_a_case_lets_the_partner_see_it_and_nobody_else(app: FastAPI, db: Session) -> None:
    council, partner, outsider = team(db), team(db, "youth_justice_service"), team(db)
    with signed_in(app, council.user) as c:
        person = recorded(c)
        yp = person["id"]
        changed = ok(
            c.put(
                f"{BASE}/young-people/{yp}",
                json={"first_name": "Jaye", "surname": "Doe", "version": person["version"]},
            )
        )
        assert changed["first_name"] == "Jaye"
        stale = c.put(f"{BASE}/young-people/{yp}", json={"first_name": "X", "version": 1})
        assert stale.status_code == 409
        members = ok(
            c.post(
                f"{BASE}/young-people/{yp}/members",
                json={"organisation_id": str(partner.organisation.id), "reason": "YOT worker."},
            ),
            201,
        )
        assert [m["holds_record"] for m in members] == [True, False]
    with signed_in(app, partner.user) as p:
        assert ok(p.get(f"{BASE}/young-people/{yp}"))["first_name"] == "Jaye"
        assert len(ok(p.get(f"{BASE}/young-people/{yp}/members"))) == 2
    with signed_in(app, outsider.user) as o:
        assert ok(o.get(f"{BASE}/young-people")) == []
        answer = o.get(f"{BASE}/young-people/{yp}")
        assert answer.status_code == 404
        assert answer.headers["content-type"].startswith("application/problem+json")


def _records(app: FastAPI, db: Session, owner: User) -> dict[str, str]:
    """One of each record in a case, made through the API; their ids."""
    with signed_in(app, owner) as c:
        yp = recorded(c)["id"]
        concern = ok(c.post(f"{BASE}/young-people/{yp}/concerns", json={"summary": "Worry."}), 201)
        episode = ok(
            c.post(
                f"{BASE}/young-people/{yp}/missing-episodes",
                json={"reported_at": "2025-12-12T20:00:00Z", "reported_by": "Carer"},
            ),
            201,
        )
        referral = ok(
            c.post(f"{BASE}/young-people/{yp}/nrm-referrals", json={"summary": "Line."}), 201
        )
        plan = ok(
            c.post(
                f"{BASE}/young-people/{yp}/custody-support-plans",
                json={
                    "establishment": "HMYOI",
                    "officer": "Reid",
                    "started_on": "2025-12-01",
                    "goals": "Goals.",
                },
            ),
            201,
        )
    return {
        "yp": yp,
        "concern": concern["id"],
        "episode": episode["id"],
        "referral": referral["id"],
        "plan": plan["id"],
    }


def _routes(ids: dict[str, str]) -> list[tuple[str, str, dict[str, Any]]]:
    yp, ep, ref = ids["yp"], ids["episode"], ids["referral"]
    return [
        ("GET", f"/young-people/{yp}", {}),
        ("PUT", f"/young-people/{yp}", {"first_name": "X", "version": 1}),
        ("GET", f"/young-people/{yp}/case", {}),
        ("GET", f"/young-people/{yp}/members", {}),
        (
            "POST",
            f"/young-people/{yp}/members",
            {"organisation_id": str(uuid.uuid4()), "reason": "x"},
        ),
        ("GET", f"/concerns/{ids['concern']}", {}),
        (
            "POST",
            f"/concerns/{ids['concern']}/triage",
            {"decision": "screen", "note": "n", "version": 1},
        ),
        ("GET", f"/young-people/{yp}/concerns", {}),
        ("POST", f"/young-people/{yp}/concerns", {"summary": "x"}),
        ("GET", f"/young-people/{yp}/screening-prefill", {}),
        ("GET", f"/young-people/{yp}/screenings", {}),
        ("POST", f"/young-people/{yp}/screenings", {"answers": {}}),
        ("GET", f"/missing-episodes/{ep}", {}),
        ("POST", f"/missing-episodes/{ep}/regrade", {"risk": "high", "reason": "r", "version": 1}),
        (
            "POST",
            f"/missing-episodes/{ep}/found",
            {"found_at": "2025-12-13T09:00:00Z", "found_where": "w", "found_by": "b", "version": 1},
        ),
        (
            "POST",
            f"/missing-episodes/{ep}/interview",
            {"outcome": "declined", "by": "b", "version": 1},
        ),
        ("GET", f"/young-people/{yp}/missing-episodes", {}),
        (
            "POST",
            f"/young-people/{yp}/missing-episodes",
            {"reported_at": "2025-12-12T20:00:00Z", "reported_by": "c"},
        ),
        ("GET", f"/nrm-referrals/{ref}", {}),
        (
            "POST",
            f"/nrm-referrals/{ref}/reasonable-grounds",
            {"decision": "positive", "decided_on": "2025-12-17", "version": 1},
        ),
        (
            "POST",
            f"/nrm-referrals/{ref}/conclusive-grounds",
            {"decision": "victim_slavery", "decided_on": "2025-12-17", "version": 1},
        ),
        ("GET", f"/young-people/{yp}/nrm-referrals", {}),
        ("POST", f"/young-people/{yp}/nrm-referrals", {"summary": "x"}),
        (
            "POST",
            f"/custody-support-plans/{ids['plan']}/reviews",
            {"reviewed_on": "2025-12-10", "note": "n"},
        ),
        ("GET", f"/young-people/{yp}/custody-support-plans", {}),
        (
            "POST",
            f"/young-people/{yp}/custody-support-plans",
            {"establishment": "e", "officer": "o", "started_on": "2025-12-01", "goals": "g"},
        ),
        ("GET", f"/young-people/{yp}/ace-screenings", {}),
        (
            "POST",
            f"/young-people/{yp}/ace-screenings",
            {"screened_on": "2025-12-10", "contact": "c"},
        ),
    ]


def test_another_organisation_gets_404_on_every_route_and_an_analyst_403(
    app: FastAPI, db: Session
) -> None:
    council, outsider = team(db), team(db)
    analyst = team(db, "police_force", "intelligence_analyst")
    ids = _records(app, db, council.user)
    routes = _routes(ids)
    with signed_in(app, outsider.user) as o, signed_in(app, analyst.user) as a:
        for method, path, body in routes:
            kwargs: dict[str, Any] = {"json": body} if method != "GET" else {}
            answer = o.request(method, BASE + path, **kwargs)
            assert answer.status_code == 404, (method, path, answer.text)
            assert "your organisation" in answer.json()["detail"]
            assert a.request(method, BASE + path, **kwargs).status_code == 403, (method, path)
        for listing in (
            "/young-people",
            "/concerns/open",
            "/concerns/overdue",
            "/missing-episodes/overdue-interviews",
            "/missing-episodes/still-missing",
            "/nrm-referrals/overdue",
            "/reviews/overdue",
        ):
            assert ok(o.get(BASE + listing)) == []
            assert a.get(BASE + listing).status_code == 403
        assert a.post(f"{BASE}/young-people", json={"first_name": "A"}).status_code == 403


def test_bad_input_is_a_problem_naming_the_field(app: FastAPI, db: Session) -> None:
    council = team(db)
    with signed_in(app, council.user) as c:
        nameless = c.post(f"{BASE}/young-people", json={"postcode": "SY1 1AA"})
        assert nameless.status_code == 422
        problem = nameless.json()
        assert problem["errors"] == {
            "first_name": "Enter a name, or say who this is (for example the phone they use)."
        }
        bad_phone = c.post(f"{BASE}/young-people", json={"phone_number": "07700 900123 (Jay)"})
        assert bad_phone.status_code == 422
        assert "Jay" not in bad_phone.text  # messages never repeat personal data
        yp = recorded(c)["id"]
        unknown = c.post(
            f"{BASE}/young-people/{yp}/screenings", json={"answers": {"NOPE": {"present": True}}}
        )
        assert unknown.status_code == 422
        assert unknown.json()["errors"] == {"answers": "Answer only the indicators on the form."}
        empty_why = c.get(f"{BASE}/young-people/{yp}", params={"why": ""})
        assert empty_why.status_code == 422
