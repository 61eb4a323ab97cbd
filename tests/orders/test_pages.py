"""The DDTRO pages: an order's path through the forms, errors kept on the page, who sees what."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from crossline.analytics.models import Finding
from crossline.auth.models import User
from crossline.core import clock
from crossline.core.settings import Settings
from crossline.lines import services as lines
from crossline.lines.schemas import FindingConfirm
from crossline.synth.generate import generate
from tests.factories import make_organisation, make_user
from tests.lines.conftest import analysed, make_force, record_line
from tests.lines.test_routes import signed_in as api_signed_in

NUMBER = "+447700900123"
IMEI = "357442090888655"


@pytest.fixture(autouse=True)
def december(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "now", lambda: datetime(2025, 12, 19, 12, tzinfo=UTC))


@contextmanager
def signed_in(app: FastAPI, user: User) -> Iterator[TestClient]:
    """A signed-in client that, like a test of a form, sees the 303 a post answers with."""
    with api_signed_in(app, user) as client:
        client.follow_redirects = False
        yield client


def _version(page: str) -> str:
    found = re.search(r'name="version" value="(\d+)"', page)
    assert found, "no version on the page"
    return found[1]


def _draft(client: TestClient, line_id: object) -> str:
    """Start an application from the line as its page's button does; its page's path."""
    started = client.post("/orders/applications/new", data={"line_id": str(line_id)})
    assert started.status_code == 303, started.text
    location = started.headers["location"]
    assert re.fullmatch(r"/orders/applications/[0-9a-f-]{36}", location)
    return location


def _written(client: TestClient, path: str) -> None:
    page = client.get(path).text
    saved = client.post(
        path,
        data={
            "version": _version(page),
            "court": "Birmingham County Court",
            "limb_used": "The number sent bulk marketing texts to 300 customers (PS/1).",
            "limb_prevents": "Without the number, customers cannot order.",
            "duration": "days",
            "duration_days": "90",
            "items[0].kind": "msisdn",
            "items[0].identifier": NUMBER,
            "items[0].provider": "three",
            "items[0].evidence": "Broadcasts from this number.",
            "items[1].kind": "imei",
            "items[1].identifier": IMEI,
            "items[1].provider": "three",
        },
    )
    assert saved.status_code == 303, saved.text


def test_an_order_from_a_line_through_the_pages(app: FastAPI, db: Session) -> None:
    force = make_force(db, "Merseyside Police (test)")
    line = record_line(db, force.analyst, "L-PAGE", [NUMBER], [IMEI])
    applicant = make_user(db, force.organisation, ["order_applicant"])
    authoriser = make_user(db, force.organisation, ["order_authoriser"])
    with signed_in(app, applicant) as a, signed_in(app, authoriser) as s:
        line_page = a.get(f"/lines/{line.id}").text
        assert "Apply for an order" in line_page
        path = _draft(a, line.id)
        page = a.get(path).text
        assert "Application DDTRO-2025-0001" in page
        assert "L-PAGE" in page
        assert NUMBER in page
        assert IMEI in page
        assert "Have the items been used" in page  # the test's first limb, as a question
        assert "other than you, authorises it" in page
        assert 'name="rank"' not in page
        _written(a, path)

        # The authoriser sees the rank to choose; the application goes to court.
        page = s.get(path).text
        assert "Birmingham County Court" in page
        assert "Broadcasts from this number." in page
        assert 'name="rank"' in page
        assert 'name="limb_used"' not in page
        ranks = re.findall(r'<option value="([a-z_]+)"', page)
        assert "superintendent" in ranks
        assert "director_general" not in ranks
        authorised = s.post(
            f"{path}/authorisation", data={"rank": "superintendent", "version": _version(page)}
        )
        assert authorised.status_code == 303, authorised.text

        page = a.get(path).text
        assert "Authorised" in page
        assert "Superintendent" in page
        listed = a.post(
            f"{path}/hearing",
            data={
                "version": _version(page),
                "hearing_at-day": "19",
                "hearing_at-month": "12",
                "hearing_at-year": "2025",
                "hearing_at-time": "10:00",
            },
        )
        assert listed.status_code == 303, listed.text
        page = a.get(path).text
        assert "19 Dec 2025, 10:00 (UK time)" in page
        granted = a.post(
            f"{path}/decision",
            data={
                "version": _version(page),
                "outcome": "granted",
                "made_on-day": "10",
                "made_on-month": "12",
                "made_on-year": "2025",
                "duration": "days",
                "duration_days": "90",
            },
        )
        assert granted.status_code == 303, granted.text
        listing = a.get("/orders").text
        order_path = re.search(r'href="(/orders/[0-9a-f-]{36})"', listing)
        assert order_path, listing
        order_page = a.get(order_path[1]).text
        # The end of the 5th working day after Wednesday 10 December 2025.
        assert "18 Dec 2025, 00:00 (UK time)" in order_page
        assert "Record it served" in order_page
        assert f"{order_path[1].replace('/orders', '/api/orders')}/notices/three/document.pdf" in (
            order_page
        )
        served = a.post(f"{order_path[1]}/notices/three/served", data={})
        assert served.status_code == 303
        # Complied needs what the provider did: the error summary says so.
        wrong = a.post(f"{order_path[1]}/notices/three/complied", data={})
        assert wrong.status_code == 422
        assert "There is a problem" in wrong.text
        assert "Say what the provider did" in wrong.text
        assert 'href="#compliance-three"' in wrong.text

        # Past the compliance time, the notice is overdue on both pages and may be chased.
        assert "has not complied with order" in a.get("/orders").text
        assert "Record a chaser" in a.get(order_path[1]).text
        assert a.post(f"{order_path[1]}/notices/three/chased", data={}).status_code == 303
        done = a.post(
            f"{order_path[1]}/notices/three/complied",
            data={"compliance-three": "Number disabled"},
        )
        assert done.status_code == 303
        page = a.get(order_path[1]).text
        assert "Number disabled" in page
        assert "Notice chased" in page
        assert "provider: Three" in page  # the history names the provider
        assert "compliance due: 18 Dec 2025, 00:00 (UK time)" in page

        # Applying to vary starts a draft holding the order's items.
        varied = a.post(
            "/orders/applications/new",
            data={"kind": "variation", "order_id": order_path[1].rsplit("/", 1)[1]},
        )
        assert varied.status_code == 303
        page = a.get(varied.headers["location"]).text
        assert "Application to vary an order" in page
        assert "Take " + NUMBER in page


def test_a_wrong_form_shows_the_error_summary_and_keeps_what_was_entered(
    app: FastAPI, db: Session
) -> None:
    force = make_force(db, "Merseyside Police (test)")
    line = record_line(db, force.analyst, "L-ERR", [NUMBER])
    applicant = make_user(db, force.organisation, ["order_applicant"])
    authoriser = make_user(db, force.organisation, ["order_authoriser"])
    with signed_in(app, applicant) as a, signed_in(app, authoriser) as s:
        path = _draft(a, line.id)
        version = _version(a.get(path).text)
        wrong = a.post(
            path,
            data={
                "version": version,
                "limb_used": "Kept after the error",
                "duration": "days",
                "duration_days": "many",
                "items[0].kind": "msisdn",
                "items[0].identifier": NUMBER,
                "items[0].provider": "three",
            },
        )
        assert wrong.status_code == 422
        assert "There is a problem" in wrong.text
        assert 'href="#duration_days"' in wrong.text
        assert "Kept after the error" in wrong.text
        assert re.search(r'<option value="three"\s+selected>', wrong.text)
        assert "<title>Error: Application" in wrong.text

        # Authorising an incomplete draft names what is missing, on the page.
        refused = s.post(
            f"{path}/authorisation", data={"rank": "superintendent", "version": version}
        )
        assert refused.status_code == 422
        assert "govuk-error-summary" in refused.text
        assert 'href="#items[0].provider"' in refused.text
        assert 'href="#rank"' in s.post(f"{path}/authorisation", data={"version": version}).text

        # Starting with nothing, or with a number that is not one, keeps the form's answer.
        nothing = a.post("/orders/applications/new", data={})
        assert nothing.status_code == 422
        assert 'href="#number"' in nothing.text
        bad = a.post("/orders/applications/new", data={"number": "not a number"})
        assert bad.status_code == 422
        assert 'value="not a number"' in bad.text

        odd = a.post("/orders/applications/new", data={"kind": "variation", "order_id": "x"})
        assert odd.status_code == 422
        assert 'href="#form"' in odd.text

        # Withdrawing without a reason says so.
        no_reason = a.post(f"{path}/withdrawal", data={"version": version})
        assert no_reason.status_code == 422
        assert 'href="#reason"' in no_reason.text


def test_another_forces_application_and_order_are_not_found(app: FastAPI, db: Session) -> None:
    force = make_force(db, "Merseyside Police (test)")
    line = record_line(db, force.analyst, "L-MINE", [NUMBER])
    applicant = make_user(db, force.organisation, ["order_applicant"])
    other = make_force(db, "West Mercia Police (test)")
    with (
        signed_in(app, applicant) as a,
        signed_in(app, make_user(db, other.organisation, ["order_applicant"])) as b,
        signed_in(app, make_user(db, other.organisation, ["order_authoriser"])) as b_auth,
    ):
        path = _draft(a, line.id)
        version = _version(a.get(path).text)
        assert b.get(path).status_code == 404
        assert b.post(path, data={"version": version, "court": "X"}).status_code == 404
        assert (
            b.post(f"{path}/withdrawal", data={"version": version, "reason": "x"}).status_code
            == 404
        )
        assert (
            b_auth.post(
                f"{path}/authorisation", data={"version": version, "rank": "superintendent"}
            ).status_code
            == 404
        )
        assert "L-MINE" not in b.get("/orders").text
        # Nor can another force start from a line it does not hold, or see the line's button.
        assert b.post("/orders/applications/new", data={"line_id": str(line.id)}).status_code == 404


def test_the_pages_show_each_role_what_it_may_do(app: FastAPI, db: Session) -> None:
    force = make_force(db, "Merseyside Police (test)")
    line = record_line(db, force.analyst, "L-ROLES", [NUMBER])
    applicant = make_user(db, force.organisation, ["order_applicant"])
    analyst = db.get_one(User, force.analyst.user_id)
    coordinator = make_user(
        db, make_organisation(db, "national_coordination_centre"), ["national_coordinator"]
    )
    with (
        signed_in(app, applicant) as a,
        signed_in(app, coordinator) as reader,
        signed_in(app, analyst) as stranger,
    ):
        path = _draft(a, line.id)
        listing = a.get("/orders")
        assert listing.status_code == 200
        assert 'href="/orders"' in listing.text  # in the navigation
        assert "Start an application" in listing.text
        assert "L-ROLES" in listing.text
        # A national coordinator reads every force's (orders.read) but neither starts nor
        # writes.
        seen = reader.get("/orders")
        assert seen.status_code == 200
        assert "L-ROLES" in seen.text
        assert "Start an application" not in seen.text
        page = reader.get(path).text
        assert "Application DDTRO-2025-0001" in page
        assert "Save the draft" not in page
        assert 'name="rank"' not in page
        assert "Apply for an order" not in reader.get(f"/lines/{line.id}").text
        assert reader.post("/orders/applications/new", data={}).status_code == 403
        # Only order roles see orders: the line's own analyst is refused, and has no Orders
        # in the navigation.
        assert stranger.get("/orders").status_code == 403
        assert stranger.get(path).status_code == 403
        assert 'href="/orders"' not in stranger.get("/").text


def _granted_by_api(app: FastAPI, applicant: User, authoriser: User, line_id: object) -> str:
    """An order made today from the line, through the API; its id."""
    with api_signed_in(app, applicant) as a, api_signed_in(app, authoriser) as s:
        started = a.post("/api/orders/applications", json={"line_id": str(line_id)}).json()
        path = f"/api/orders/applications/{started['application_id']}"
        changed = a.put(
            path,
            json={
                "version": started["version"],
                "limb_used": "Bulk marketing texts.",
                "limb_prevents": "Disconnection stops orders.",
                "items": [{"kind": "msisdn", "identifier": NUMBER, "provider": "three"}],
            },
        ).json()
        authorised = s.post(
            f"{path}/authorisation", json={"rank": "superintendent", "version": changed["version"]}
        ).json()
        listed = a.post(
            f"{path}/hearing",
            json={"hearing_at": "2025-12-19T10:00:00Z", "version": authorised["version"]},
        ).json()
        granted = a.post(
            f"{path}/decision",
            json={"outcome": "granted", "duration_days": 90, "version": listed["version"]},
        ).json()
    return str(granted["order_id"])


def test_a_new_number_on_the_line_is_an_alert_that_starts_a_variation_in_one_step(
    app: FastAPI, db: Session
) -> None:
    force = make_force(db, "Merseyside Police (test)")
    line = record_line(db, force.analyst, "L-BACK", [NUMBER])
    applicant = make_user(db, force.organisation, ["order_applicant"])
    authoriser = make_user(db, force.organisation, ["order_authoriser"])
    order_id = _granted_by_api(app, applicant, authoriser, line.id)
    new_number = "+447700900555"
    analyst = db.get_one(User, force.analyst.user_id)
    with signed_in(app, analyst) as reader, signed_in(app, applicant) as a:
        assert "is back on" not in a.get("/orders").text
        added = reader.post(
            f"/api/lines/{line.id}/numbers",
            json={"number": new_number, "valid_from": "2025-12-19T11:00:00Z"},
        )
        assert added.status_code == 201, added.text
        listing = a.get("/orders").text
        assert "is back on" in listing
        assert new_number in listing
        # Only order roles see orders: the analyst who added the number does not.
        assert reader.get(f"/orders/{order_id}").status_code == 403
        page = a.get(f"/orders/{order_id}").text
        assert "The line is back" in page
        action = re.search(r'action="(/orders/alerts/[0-9a-f-]{36}/application)"', page)
        assert action, page
        assert "Start a varied application" in page
        assert reader.post(action[1], data={}).status_code == 403
        started = a.post(action[1], data={})
        assert started.status_code == 303
        varied = a.get(started.headers["location"]).text
        assert "Application to vary an order" in varied
        assert f"Take {new_number} out of the order" in varied  # the draft holds it
        # Taken up: the order links the application and offers no second start.
        page = a.get(f"/orders/{order_id}").text
        assert "application started" in page
        assert "Start a varied application" not in page
        assert a.post(action[1], data={}).status_code == 422


@pytest.fixture(scope="module")
def tiny_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    world = tmp_path_factory.mktemp("order-pages") / "world"
    generate("tiny", 11, world)
    return world


def test_an_application_from_a_line_found_by_analysis_shows_what_analysis_found(
    app: FastAPI, db: Session, settings: Settings, tiny_world: Path
) -> None:
    force = make_force(db, "Merseyside Police (test)")
    run = analysed(db, force.analyst, settings, tiny_world)
    finding = db.scalars(
        select(Finding).where(Finding.run_id == run.id, Finding.kind == "line")
    ).first()
    assert finding is not None
    line = lines.confirm_finding(db, force.analyst, FindingConfirm(finding_id=finding.id))
    entry = json.loads(finding.detail)
    applicant = make_user(db, force.organisation, ["order_applicant"])
    with signed_in(app, applicant) as a:
        page = a.get(_draft(a, line.id))
        assert page.status_code == 200, page.text
    text = html.unescape(page.text)
    assert "What analysis found" in text
    for signal in entry["signals"]:
        assert signal["explanation"] in text
    for number in entry["numbers"]:
        assert number["number"] in text
