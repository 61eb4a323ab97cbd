"""Person records through the API and the pages: answers, problems and tenant isolation."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy.orm import Session

from crossline.auth.models import User
from tests.factories import make_organisation, make_user
from tests.lines.conftest import make_force
from tests.lines.test_routes import PROBLEM, signed_in

DOYLE = {
    "reference": "MP-0001",
    "first_name": "Kian",
    "surname": "Doyle",
    "dob": "2008-03-27",
    "postcode": "L4 0TH",
    "phone_numbers": ["07700 900123"],
}


def test_the_api_keeps_each_force_to_its_own_people(app: FastAPI, db: Session) -> None:
    a = db.get_one(User, make_force(db, "Merseyside Police (test)").analyst.user_id)
    b = db.get_one(User, make_force(db, "West Mercia Police (test)").analyst.user_id)
    with signed_in(app, a) as force_a, signed_in(app, b) as force_b:
        created = force_a.post("/api/people", json=DOYLE)
        assert created.status_code == 201, created.text
        person = created.json()
        assert person["phone_numbers"] == ["+447700900123"]
        assert force_a.get(f"/api/people/{person['record_id']}").json()["surname"] == "Doyle"
        assert force_b.get(f"/api/people/{person['record_id']}").status_code == 404
        assert force_b.get("/api/people", params={"q": "Doyle"}).json() == []
        assert [p["reference"] for p in force_a.get("/api/people", params={"q": "doyle"}).json()]
        refused = force_a.post("/api/people", json=DOYLE)
        assert refused.status_code == 422
        assert refused.headers["content-type"] == PROBLEM
        assert "MP-0001" in refused.json()["errors"]["reference"]
        stale = force_a.put(
            f"/api/people/{person['record_id']}", json={**DOYLE, "version": 0, "surname": "X"}
        )
        assert stale.status_code == 409
        imported = force_a.post(
            "/api/people/import",
            json={"records": [{**DOYLE, "reference": "MP-2"}, {"reference": "MP-3", "dob": "x"}]},
        )
        assert imported.status_code == 422  # a date that is not one fails the whole request
        assert force_a.get("/api/people/alerts").json() == []


def test_the_pages_record_a_person_and_show_errors_kept_as_typed(app: FastAPI, db: Session) -> None:
    analyst = db.get_one(User, make_force(db, "Merseyside Police (test)").analyst.user_id)
    with signed_in(app, analyst) as client:
        form = {"reference": "MP-9", "surname": "Doyle", "dob-day": "31", "dob-month": "2"}
        form |= {"dob-year": "2008", "phone_numbers": "07700 900123, nonsense"}
        page = client.post("/people/new", data=form)
        assert page.status_code == 422
        assert "govuk-error-summary" in page.text
        assert "real date" in page.text
        assert 'value="07700 900123, nonsense"' in page.text
        form |= {"dob-day": "28", "phone_numbers": "07700 900123"}
        saved = client.post("/people/new", data=form, follow_redirects=False)
        assert saved.status_code == 303
        shown = client.get(saved.headers["location"])
        assert "Doyle" in shown.text
        assert "28 February 2008" in shown.text
        assert "+447700900123" in shown.text
        listed = client.get("/people")
        assert "MP-9" in listed.text


def test_only_a_coordinator_reviews_matches_between_organisations(
    app: FastAPI, db: Session
) -> None:
    coordinator = make_user(
        db, make_organisation(db, "national_coordination_centre"), ["national_coordinator"]
    )
    analyst = db.get_one(User, make_force(db, "Merseyside Police (test)").analyst.user_id)
    with signed_in(app, coordinator) as client:
        page = client.get("/people/matches")
        assert page.status_code == 200
        assert "Person matches between organisations" in page.text
        assert client.get("/api/people/matches").json() == []
    with signed_in(app, analyst) as client:
        assert client.get("/people/matches").status_code == 403
        assert client.get("/people/duplicates").status_code == 200
