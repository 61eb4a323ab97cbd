"""Anonymous reports (MISSION.md, awareness campaign; DESIGN.md, Security): anyone tells the
partners of an area what they have seen without saying who they are; the area's police
force and council read it, nobody else; nothing about the sender is kept; every read is
audited; the form's GOV.UK error summary keeps what was typed and stores nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import yaml
from fastapi import FastAPI
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from crossline.audit.models import AuditEntry
from crossline.core import clock
from crossline.core.errors import Conflict, InvalidInput, NotFound
from crossline.orgs.models import Organisation
from crossline.outreach import reports
from crossline.outreach.models import AnonymousReport
from crossline.outreach.schemas import ReportAbout, ReportIn, ReportOutcome, ReportStatus
from crossline.safeguarding.reference import DATA_DIR
from tests.factories import make_organisation
from tests.safeguarding.helpers import Team, page_text, signed_in, team_of

NOW = datetime(2026, 12, 7, 16, 47, 31, tzinfo=UTC)
DISTRICT = "shropshire"  # in West Mercia's force area (E23000016)
ELSEWHERE = "cumberland"  # a district in Cumbria's force area


@pytest.fixture(autouse=True)
def moment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "now", lambda: NOW)


def _force(db: Session, key: str) -> Team:
    force = db.scalar(select(Organisation).where(Organisation.key == key))
    assert force is not None, key
    return team_of(db, force)


@pytest.fixture
def west_mercia(db: Session) -> Team:
    return _force(db, "west-mercia")


@pytest.fixture
def other_force(db: Session) -> Team:
    return _force(db, "cumbria")


@pytest.fixture
def council(db: Session) -> Team:
    organisation = make_organisation(db, "local_authority", "Shropshire Council")
    organisation.area_id = DISTRICT
    db.commit()
    return team_of(db, organisation)


def _report(**changes: object) -> ReportIn:
    data: dict[str, object] = {
        "district": DISTRICT,
        "about": ReportAbout.SOMEONE_ELSE,
        "what_happened": "A boy from my year gets picked up by older men\nafter school.",
        "signs": ["CL18-04", "CL18-03"],
    }
    return ReportIn.model_validate({**data, **changes})


def test_a_report_goes_to_the_areas_force_and_council_and_keeps_nothing_of_the_sender(
    db: Session, west_mercia: Team, council: Team
) -> None:
    sent = reports.send_report(db, _report())

    assert sent.read_by == ("West Mercia Police", "Shropshire Council")
    stored = db.get(AnonymousReport, sent.report.id)
    assert stored is not None
    assert stored.received_at == datetime(2026, 12, 7, 16, tzinfo=UTC)  # to the hour only
    assert stored.force_area_id == "E23000016"
    assert stored.signs == "CL18-04,CL18-03"
    columns = {c.key for c in inspect(AnonymousReport).columns}
    assert not columns & {"ip", "ip_address", "user_agent", "cookie", "created_by", "user_id"}
    entry = db.scalars(select(AuditEntry).where(AuditEntry.record_id == str(stored.id))).one()
    assert (entry.operation, entry.user_id, entry.organisation_id) == ("collection", None, None)
    assert entry.at == datetime(2026, 12, 7, 16, tzinfo=UTC)  # the hour only, as the report


def test_only_the_partners_of_the_area_read_a_report_and_each_read_is_audited(
    db: Session, west_mercia: Team, council: Team, other_force: Team
) -> None:
    report = reports.send_report(db, _report()).report
    elsewhere = reports.send_report(db, _report(district=ELSEWHERE)).report

    assert [r.id for r in reports.list_reports(db, west_mercia.actor)] == [report.id]
    assert [r.id for r in reports.list_reports(db, council.actor)] == [report.id]
    assert [r.id for r in reports.list_reports(db, other_force.actor)] == [elsewhere.id]
    with pytest.raises(NotFound):
        reports.get_report(db, other_force.actor, report.id)
    reports.get_report(db, council.actor, report.id)

    reads = db.scalars(
        select(AuditEntry).where(
            AuditEntry.record_id == str(report.id), AuditEntry.operation == "consultation"
        )
    ).all()
    assert sorted(e.organisation_name for e in reads) == sorted(
        ["West Mercia Police", "Shropshire Council", "Shropshire Council"]
    )
    assert all(e.justification for e in reads)


def test_an_organisation_without_an_area_or_outside_safeguarding_sees_no_report(
    db: Session, west_mercia: Team
) -> None:
    reports.send_report(db, _report())
    charity = team_of(db, make_organisation(db, "programme_provider", "A charity"))
    assert reports.list_reports(db, charity.actor) == []


def test_bad_input_is_refused_with_a_reason_and_nothing_is_kept(db: Session) -> None:
    with pytest.raises(InvalidInput) as no_place:
        reports.send_report(db, _report(district="atlantis"))
    assert no_place.value.errors == {
        "district": "Choose the area from the list. If you are not sure, choose the nearest one."
    }
    with pytest.raises(InvalidInput) as no_sign:
        reports.send_report(db, _report(signs=["XX-99"]))
    assert "signs" in no_sign.value.errors
    with pytest.raises(InvalidInput):
        reports.send_report(db, _report(what_happened="   "))
    db.rollback()
    assert db.scalars(select(AnonymousReport)).all() == []


def test_the_partners_record_what_was_done_and_a_stale_form_is_refused(
    db: Session, west_mercia: Team, council: Team
) -> None:
    report = reports.send_report(db, _report()).report
    done = reports.record_outcome(
        db,
        council.actor,
        report.id,
        ReportOutcome(status=ReportStatus.CONCERN_RAISED, outcome_note="Concern raised", version=1),
    )
    assert done.status == "concern_raised"
    assert done.handled_by_name is not None
    assert "Shropshire Council" in done.handled_by_name
    with pytest.raises(Conflict):
        reports.record_outcome(
            db,
            west_mercia.actor,
            report.id,
            ReportOutcome(status=ReportStatus.PASSED_ON, version=1),
        )
    with pytest.raises(InvalidInput):
        reports.record_outcome(
            db, west_mercia.actor, report.id, ReportOutcome(status=ReportStatus.NEW, version=2)
        )
    new = reports.list_reports(db, west_mercia.actor, status=ReportStatus.NEW)
    assert [r.id for r in new] == []


def test_every_sign_is_an_indicator_of_the_safeguarding_list() -> None:
    indicators = yaml.safe_load((DATA_DIR / "indicators.yaml").read_text(encoding="utf-8"))
    known = {i["id"]: i["set"] for i in indicators["indicators"]}
    sets = indicators["sets"]
    for subject, group in reports.signs().items():
        assert group, subject
        for sign in group:
            assert sign.id in known, sign.id
            assert sets[known[sign.id]]["subject"] == subject, sign.id


# --- pages and API -----------------------------------------------------------------------------


def _form_token(client: TestClient, path: str) -> str:
    page = client.get(path).text
    return page.split('name="csrf_token" value="')[1].split('"')[0]


def test_anyone_sends_a_report_from_the_public_page_without_signing_in(
    app: FastAPI, db: Session, west_mercia: Team
) -> None:
    with TestClient(app, raise_server_exceptions=False) as client:
        signs_page = page_text(client.get("/spot-the-signs").text)
        assert "Having money, new clothes or phones they can't explain" in signs_page
        token = _form_token(client, "/report")
        response = client.post(
            "/report",
            data={
                "csrf_token": token,
                "district": DISTRICT,
                "about": "a_place",
                "what_happened": "Cars stop outside number 4 all night.",
                "signs": ["CUK-01", "CUK-05"],
                "reporter_age": "under_18",
            },
            headers={"User-Agent": "test-browser/1.0", "X-Forwarded-For": "203.0.113.9"},
        )
    assert response.status_code == 200
    assert "We have your report" in response.text
    assert "West Mercia Police" in page_text(response.text)
    stored = db.scalars(select(AnonymousReport)).one()
    assert (stored.about, stored.signs, stored.reporter_age) == (
        "a_place",
        "CUK-01,CUK-05",
        "under_18",
    )
    row = " ".join(str(getattr(stored, c.key)) for c in inspect(AnonymousReport).columns)
    assert "203.0.113.9" not in row
    assert "test-browser" not in row


def test_the_form_shows_what_is_missing_keeps_what_was_typed_and_stores_nothing(
    app: FastAPI, db: Session
) -> None:
    with TestClient(app, raise_server_exceptions=False) as client:
        token = _form_token(client, "/report")
        response = client.post(
            "/report",
            data={"csrf_token": token, "what_happened": "Someone at the bus station."},
        )
    assert response.status_code == 422
    text = page_text(response.text)
    assert "There is a problem" in text
    assert "Choose where this is happening" in text
    assert "Choose who this is about" in text
    assert "Someone at the bus station." in response.text
    assert db.scalars(select(AnonymousReport)).all() == []


def test_a_signed_in_user_who_sends_a_report_is_not_recorded_as_its_sender(
    app: FastAPI, db: Session, west_mercia: Team, council: Team
) -> None:
    with signed_in(app, council.user) as client:
        response = client.post(
            "/report",
            data={"district": DISTRICT, "about": "myself", "what_happened": "I was asked to."},
        )
    assert response.status_code == 200
    stored = db.scalars(select(AnonymousReport)).one()
    entry = db.scalars(select(AuditEntry).where(AuditEntry.record_id == str(stored.id))).one()
    assert entry.user_id is None
    assert entry.organisation_id is None


def test_the_api_takes_a_report_from_anyone_and_serves_it_to_the_areas_partners(
    app: FastAPI, db: Session, west_mercia: Team, other_force: Team
) -> None:
    with TestClient(app, raise_server_exceptions=False) as client:
        districts = client.get("/api/reports/districts").json()
        assert {"id": DISTRICT, "name": "Shropshire"} in districts
        sent = client.post(
            "/api/reports",
            json={"district": DISTRICT, "about": "someone_else", "what_happened": "Texts."},
        )
        refused = client.post("/api/reports", json={"district": DISTRICT, "about": "someone_else"})
    assert sent.status_code == 201
    assert sent.json() == {"received": True, "read_by": ["West Mercia Police"]}
    assert refused.status_code == 422

    with signed_in(app, west_mercia.user) as client:
        listed = client.get("/api/reports").json()
        assert [r["what_happened"] for r in listed] == ["Texts."]
        report_id = listed[0]["id"]
        page = page_text(client.get(f"/reports/{report_id}").text)
        assert "Texts." in page
        assert "between 16:00 and 16:59" in page
        saved = client.put(
            f"/api/reports/{report_id}",
            json={"status": "passed_on", "outcome_note": "To the MASH", "version": 1},
        )
        assert saved.status_code == 200
        assert saved.json()["status"] == "passed_on"
        stale = client.put(f"/api/reports/{report_id}", json={"status": "passed_on", "version": 1})
        assert stale.status_code == 409
    with signed_in(app, other_force.user) as client:
        assert client.get("/api/reports").json() == []
        assert client.get(f"/api/reports/{report_id}").status_code == 404
        assert client.get(f"/reports/{report_id}").status_code == 404
