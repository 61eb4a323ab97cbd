"""The register's API and pages: answers, problems, tenant isolation, and the analyst's path."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from crossline.analytics.models import Finding
from crossline.auth.models import User
from crossline.core.settings import Settings
from tests.factories import make_organisation, make_user, sign_in
from tests.lines.conftest import Force, analysed
from tests.lines.test_deconfliction import ALERT_KEYS

SHARED = "+447700900123"
B_ONLY = "+447700900222"
B_IMEI = "357442090888655"
PROBLEM = "application/problem+json"


@contextmanager
def signed_in(app: FastAPI, user: User) -> Iterator[TestClient]:
    """A client signed in as ``user`` whose writes carry the session's CSRF token."""
    with TestClient(app, raise_server_exceptions=False) as client:
        client.headers["X-CSRF-Token"] = sign_in(client, user.email)
        yield client


def _user_of(db: Session, force: Force) -> User:
    return db.get_one(User, force.analyst.user_id)


def _line(reference: str, numbers: list[str], imeis: list[str] = []) -> dict[str, Any]:  # noqa: B006
    return {
        "reference": reference,
        "status": "confirmed",
        "brand_names": ["Tiny"],
        "hub_area": "merseyside",
        "county_area": "west-mercia",
        "numbers": [{"number": n, "valid_from": "2025-10-01T00:00:00Z"} for n in numbers],
        "handsets": [{"imei": i, "valid_from": "2025-10-01"} for i in imeis],
    }


def test_the_api_keeps_each_force_to_its_own_lines_and_alerts_both(
    app: FastAPI, db: Session, force_a: Force, force_b: Force
) -> None:
    coordinator = make_user(
        db, make_organisation(db, "national_coordination_centre"), ["national_coordinator"]
    )
    with signed_in(app, _user_of(db, force_a)) as a, signed_in(app, _user_of(db, force_b)) as b:
        created = a.post("/api/lines", json=_line("A-OP-1", [SHARED]))
        assert created.status_code == 201, created.text
        line_a = created.json()
        assert line_a["status"] == "confirmed"
        assert line_a["organisation"] == force_a.organisation.name
        assert [n["number"] for n in line_a["numbers"]] == [SHARED]
        assert [e["kind"] for e in line_a["timeline"]] == ["created"]
        line_b = b.post("/api/lines", json=_line("B-OP-1", [B_ONLY, SHARED], [B_IMEI])).json()
        assert line_b["timeline"][-1]["kind"] == "match_found"

        # No force reads or changes another's line through the API.
        assert [line["id"] for line in a.get("/api/lines").json()] == [line_a["id"]]
        for method, path, body in [
            ("GET", f"/api/lines/{line_b['id']}", None),
            (
                "POST",
                f"/api/lines/{line_b['id']}/status",
                {"status": "closed", "reason": "x", "version": 1},
            ),
            (
                "POST",
                f"/api/lines/{line_b['id']}/numbers",
                {"number": "07700900999", "valid_from": "2025-10-01"},
            ),
            (
                "POST",
                f"/api/lines/{line_b['id']}/handsets",
                {"imei": B_IMEI, "valid_from": "2025-10-01"},
            ),
        ]:
            refused = a.request(method, path, json=body)
            assert refused.status_code == 404, (method, path, refused.text)
            assert refused.headers["content-type"] == PROBLEM
        assert line_b["reference"] not in a.get("/lines").text
        assert a.get(f"/lines/{line_b['id']}").status_code == 404

        # Both are alerted; each alert says whom to contact and nothing of the other's line.
        alert_a = a.get("/api/deconfliction/alerts")
        [alert_b] = b.get("/api/deconfliction/alerts").json()
        [seen_by_a] = alert_a.json()
        assert set(seen_by_a) == set(alert_b) == ALERT_KEYS
        assert seen_by_a["other_organisation"] == force_b.organisation.name
        assert seen_by_a["contact"]["name"] == "DS Priya Shah"
        assert alert_b["other_organisation"] == force_a.organisation.name
        for secret in (line_b["id"], line_b["reference"], B_ONLY, B_IMEI):
            assert secret not in alert_a.text
        assert a.get("/api/deconfliction/matches").status_code == 403

    with signed_in(app, coordinator) as national:
        assert {line["reference"] for line in national.get("/api/lines").json()} == {
            "A-OP-1",
            "B-OP-1",
        }
        assert national.get(f"/api/lines/{line_b['id']}").json()["numbers"]
        [match] = national.get("/api/deconfliction/matches?open_only=true").json()
        assert {side["reference"] for side in match["lines"]} == {"A-OP-1", "B-OP-1"}
        resolution = {"outcome": "joint_operation", "note": "one operation", "version": 1}
        url = f"/api/deconfliction/matches/{match['match_id']}/resolution"
        resolved = national.post(url, json=resolution)
        assert resolved.status_code == 200, resolved.text
        assert resolved.json()["outcome"] == "joint_operation"
        stale = national.post(url, json=resolution)
        assert stale.status_code == 409
        assert stale.headers["content-type"] == PROBLEM
        assert national.get("/api/deconfliction/matches?open_only=true").json() == []
        refused = national.post("/api/lines", json=_line("N-1", []))
        assert refused.status_code == 403


def test_the_api_answers_bad_input_with_a_problem_naming_the_field(
    app: FastAPI, db: Session, force_a: Force
) -> None:
    with signed_in(app, _user_of(db, force_a)) as a:
        first = a.post("/api/lines", json=_line("A-OP-2", [SHARED])).json()
        second = a.post("/api/lines", json=_line("A-OP-3", [SHARED]))
        assert second.status_code == 422
        assert second.headers["content-type"] == PROBLEM
        problem = second.json()
        assert problem["errors"].keys() == {"numbers[0]"}
        assert "active in your line A-OP-2" in problem["detail"]
        assert SHARED not in problem["detail"]

        change = {"status": "resurfaced", "reason": "seen again", "version": first["version"]}
        wrong = a.post(f"/api/lines/{first['id']}/status", json=change)
        assert wrong.status_code == 422
        assert "From Confirmed it can become Disrupted or Closed" in wrong.json()["detail"]
        change["status"] = "disrupted"
        assert a.post(f"/api/lines/{first['id']}/status", json=change).status_code == 200
        stale = a.post(f"/api/lines/{first['id']}/status", json={**change, "status": "closed"})
        assert stale.status_code == 409
        unknown = a.post(f"/api/lines/{first['id']}/status", json={**change, "status": "gone"})
        assert unknown.status_code == 422
        assert "status" in unknown.json()["errors"]


def test_an_analyst_confirms_a_finding_into_a_line_from_the_lines_page(
    app: FastAPI, db: Session, force_a: Force, settings: Settings, tiny_world: Path
) -> None:
    run = analysed(db, force_a.analyst, settings, tiny_world)
    finding = db.scalars(
        select(Finding)
        .where(Finding.run_id == run.id, Finding.kind == "line")
        .order_by(Finding.line_id)
    ).first()
    assert finding is not None
    with signed_in(app, _user_of(db, force_a)) as a:
        page = a.get("/lines")
        assert f"Confirm {finding.line_id} as a line" in page.text
        csrf = a.headers["X-CSRF-Token"]
        confirmed = a.post(
            "/lines/confirm",
            data={"csrf_token": csrf, "finding_id": str(finding.id)},
            follow_redirects=False,
        )
        assert confirmed.status_code == 303, confirmed.text
        line_page = a.get(confirmed.headers["location"])
        assert f"Line {finding.line_id}" in line_page.text
        first_number = re.search(r'"number": "(\+\d+)"', finding.detail)
        assert first_number is not None
        assert first_number[1] in line_page.text
        assert f"Confirm {finding.line_id} as a line" not in a.get("/lines").text

        again = a.post("/lines/confirm", data={"csrf_token": csrf, "finding_id": str(finding.id)})
        assert again.status_code == 409
        assert f"as line {finding.line_id}" in again.text

        status_url = confirmed.headers["location"] + "/status"
        missing = a.post(status_url, data={"csrf_token": csrf, "status": "closed", "version": "1"})
        assert missing.status_code == 422
        assert "govuk-error-summary" in missing.text
        given = {"csrf_token": csrf, "status": "closed", "reason": "Holder charged", "version": "1"}
        untyped = a.post(status_url, data=given)
        assert untyped.status_code == 422  # closing says how (DOMAIN.md §LINES.closure)
        assert 'href="#closure_type"' in untyped.text
        closed = a.post(status_url, data=given | {"closure_type": "type_1"}, follow_redirects=False)
        assert closed.status_code == 303
        page = a.get(confirmed.headers["location"]).text
        assert (
            "status changed from confirmed to closed (Type 1: a line holder arrested and "
            "charged, and the number no longer supplies): Holder charged" in page
        )
        assert (
            a.get(f"/api{urlparse(confirmed.headers['location']).path}").json()["closure_type"]
            == "type_1"
        )


def test_a_coordinator_resolves_a_match_on_the_deconfliction_pages(
    app: FastAPI, db: Session, force_a: Force, force_b: Force
) -> None:
    coordinator = make_user(
        db, make_organisation(db, "national_coordination_centre"), ["national_coordinator"]
    )
    with signed_in(app, _user_of(db, force_a)) as a, signed_in(app, _user_of(db, force_b)) as b:
        line_a = a.post("/api/lines", json=_line("A-OP-9", [SHARED])).json()
        b.post("/api/lines", json=_line("B-OP-9", [SHARED]))
        assert a.get("/deconfliction").status_code == 403
        assert "Deconfliction" not in a.get("/lines").text.split("<main")[0]
    with signed_in(app, coordinator) as national:
        register = national.get("/lines")
        assert register.status_code == 200
        for reference, force in (("A-OP-9", force_a), ("B-OP-9", force_b)):
            assert reference in register.text
            assert force.organisation.name in register.text
        listed = national.get("/deconfliction")
        assert "A-OP-9" in listed.text
        assert "B-OP-9" in listed.text
        [match] = national.get("/api/deconfliction/matches").json()
        url = f"/deconfliction/{match['match_id']}"
        assert national.get(url).status_code == 200
        csrf = national.headers["X-CSRF-Token"]
        no_lead = national.post(
            url, data={"csrf_token": csrf, "outcome": "lead_force_agreed", "version": "1"}
        )
        assert no_lead.status_code == 422
        assert "Choose the lead organisation" in no_lead.text
        resolved = national.post(
            url,
            data={
                "csrf_token": csrf,
                "outcome": "lead_force_agreed",
                "lead_organisation_id": str(force_a.organisation.id),
                "note": "Merseyside leads",
                "version": "1",
            },
            follow_redirects=False,
        )
        assert resolved.status_code == 303, resolved.text
        assert f"{force_a.organisation.name} leads" in national.get("/deconfliction").text
        line_page = national.get(f"/lines/{line_a['id']}")
        assert line_page.status_code == 200
        assert "Change its status" not in line_page.text  # coordinators read, never change
        assert "deconfliction resolved: lead force agreed" in line_page.text


def test_an_order_applicant_reads_their_forces_lines_and_changes_none(
    app: FastAPI, db: Session, force_a: Force
) -> None:
    applicant = make_user(db, force_a.organisation, ["order_applicant"])
    with signed_in(app, _user_of(db, force_a)) as a:
        line = a.post("/api/lines", json=_line("A-OP-10", [SHARED])).json()
    with signed_in(app, applicant) as reader:
        page = reader.get(f"/lines/{line['id']}")
        assert page.status_code == 200
        assert SHARED in page.text
        assert "Change its status" not in page.text
        assert "A-OP-10" in reader.get("/lines").text
        change = {"status": "closed", "reason": "x", "version": line["version"]}
        assert reader.post(f"/api/lines/{line['id']}/status", json=change).status_code == 403
