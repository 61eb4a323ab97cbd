"""The DDTRO API: an order's whole path, problems, and who may see and act."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pypdfium2 as pdfium
import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session

from crossline.auth.models import User
from crossline.core import clock
from crossline.lines.schemas import IntelligenceCreate
from crossline.lines.services import record_intelligence
from tests.factories import make_user
from tests.lines.conftest import make_force, record_line
from tests.lines.test_routes import PROBLEM, signed_in

NUMBER = "+447700900123"


@pytest.fixture(autouse=True)
def december(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "now", lambda: datetime(2025, 12, 19, 12, tzinfo=UTC))


def test_an_order_from_a_line_through_the_api(app: FastAPI, db: Session) -> None:
    force = make_force(db, "Merseyside Police (test)")
    line = record_line(db, force.analyst, "L-API", [NUMBER])
    applicant = make_user(db, force.organisation, ["order_applicant"])
    authoriser = make_user(db, force.organisation, ["order_authoriser"])
    other = make_force(db, "West Mercia Police (test)")
    with (
        signed_in(app, applicant) as a,
        signed_in(app, authoriser) as s,
        signed_in(app, db.get_one(User, force.analyst.user_id)) as analyst,
        signed_in(app, make_user(db, other.organisation, ["order_applicant"])) as stranger,
    ):
        started = a.post("/api/orders/applications", json={"line_id": str(line.id)})
        assert started.status_code == 201, started.text
        app_id, version = started.json()["application_id"], started.json()["version"]
        assert [i["identifier"] for i in started.json()["items"]] == [NUMBER]
        assert started.json()["evidence"]["line"]["reference"] == "L-API"
        assert analyst.post("/api/orders/applications", json={"number": NUMBER}).status_code == 403
        assert stranger.get(f"/api/orders/applications/{app_id}").status_code == 404

        incomplete = s.post(
            f"/api/orders/applications/{app_id}/authorisation",
            json={"rank": "superintendent", "version": version},
        )
        assert incomplete.status_code == 422
        assert incomplete.headers["content-type"] == PROBLEM
        assert "items[0].provider" in incomplete.json()["errors"]

        changed = a.put(
            f"/api/orders/applications/{app_id}",
            json={
                "version": version,
                "limb_used": "Bulk marketing texts from the number (PS/1).",
                "limb_prevents": "Disconnection stops orders reaching the line.",
                "duration_days": 90,
                "items": [{"kind": "msisdn", "identifier": NUMBER, "provider": "three"}],
            },
        ).json()
        assert (
            a.post(
                f"/api/orders/applications/{app_id}/authorisation",
                json={"rank": "superintendent", "version": changed["version"]},
            ).status_code
            == 403
        )  # the applicant holds no authoriser role
        authorised = s.post(
            f"/api/orders/applications/{app_id}/authorisation",
            json={"rank": "superintendent", "version": changed["version"]},
        ).json()
        listed = a.post(
            f"/api/orders/applications/{app_id}/hearing",
            json={"hearing_at": "2025-12-19T10:00:00Z", "version": authorised["version"]},
        ).json()
        granted = a.post(
            f"/api/orders/applications/{app_id}/decision",
            json={
                "outcome": "granted",
                "made_on": "2025-12-19",
                "duration_days": 90,
                "version": listed["version"],
            },
        )
        assert granted.status_code == 200, granted.text
        order_id = granted.json()["order_id"]
        order = a.get(f"/api/orders/{order_id}").json()
        assert order["compliance_due"].startswith("2025-12-31T00:00:00")
        assert [n["provider"] for n in order["notices"]] == ["three"]
        served = a.post(f"/api/orders/{order_id}/notices/three/served", json={})
        assert served.json()["notices"][0]["served_at"] is not None
        assert stranger.get(f"/api/orders/{order_id}").status_code == 404
        assert [o["order_id"] for o in a.get("/api/orders").json()] == [order_id]
        assert a.get("/api/orders/reminders").json() == []


def test_the_application_document_holds_the_numbered_evidence_and_its_exhibits(
    app: FastAPI, db: Session
) -> None:
    force = make_force(db, "Merseyside Police (test)")
    line = record_line(db, force.analyst, "L-DOC", [NUMBER], ["357442090888655"])
    record_intelligence(
        db,
        force.analyst,
        IntelligenceCreate(
            text="Source reports the line sells crack cocaine in Shrewsbury.",
            source_evaluation="2",
            intelligence_assessment="B",
            handling_code="P",
            line_ids=[line.id],
        ),
    )
    applicant = make_user(db, force.organisation, ["order_applicant"])
    applicant.display_name = "Priya Shah"  # exhibits take the applicant's initials
    db.commit()
    with signed_in(app, applicant) as a:
        started = a.post("/api/orders/applications", json={"line_id": str(line.id)}).json()
        a.put(
            f"/api/orders/applications/{started['application_id']}",
            json={
                "version": started["version"],
                "limb_used": "The number advertised drugs to 300 customers.",
                "limb_prevents": "Without the number, customers cannot order.",
                "items": [
                    {"kind": "msisdn", "identifier": NUMBER, "provider": "ee"},
                    {"kind": "imei", "identifier": "357442090888655", "provider": "ee"},
                ],
            },
        )
        got = a.get(f"/api/orders/applications/{started['application_id']}/document.pdf")
        assert got.status_code == 200
        assert got.headers["content-type"] == "application/pdf"
    document = pdfium.PdfDocument(got.content)
    text = "\n".join(page.get_textpage().get_text_bounded() for page in document)
    bitmap = document[0].render(scale=1).to_pil()
    assert bitmap.getextrema() != ((255, 255), (255, 255), (255, 255))  # not a blank page
    assert "L-DOC" in text
    assert NUMBER in text
    assert "357442090888655" in text
    assert "The number advertised drugs to 300 customers." in text
    numbered = [int(n) for n in re.findall(r"^(\d+)\.\s", text, flags=re.MULTILINE)]
    assert numbered[:6] == [1, 2, 3, 4, 5, 6]
    assert "PS/1" in text  # the register record, cited and scheduled
    assert "PS/2" in text  # the intelligence, by its grading
    assert "2B P" in text
    assert "Source reports" not in text  # intelligence text stays with intelligence readers
    assert "Page 1 of" in text
