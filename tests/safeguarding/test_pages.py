"""The safeguarding pages: a case through its forms, errors shown in a GOV.UK summary with
what was entered, and who sees what."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from crossline.auth.models import User
from crossline.core import clock
from crossline.safeguarding.schemas import ConcernIn, YoungPersonIn
from crossline.safeguarding.services import concerns, young_people
from tests.factories import actor_of, make_organisation, make_user
from tests.safeguarding.helpers import page_text, signed_in

NOW = datetime(2025, 12, 17, 12, tzinfo=UTC)


@pytest.fixture(autouse=True)
def december(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "now", lambda: NOW)


def practitioner(db: Session) -> User:
    return make_user(db, make_organisation(db, "local_authority"), ["safeguarding_practitioner"])


def _posted(client: TestClient, path: str, data: Mapping[str, Any]) -> str:
    answer = client.post(path, data=data)
    assert answer.status_code == 303, answer.text
    return str(answer.headers["location"])


def test_record_a_young_person_and_work_the_case(app: FastAPI, db: Session) -> None:
    user = practitioner(db)
    with signed_in(app, user) as c:
        assert "Record a young person" in c.get("/safeguarding").text
        form = c.get("/safeguarding/young-people/new").text
        assert '<label class="govuk-label govuk-date-input__label" for="dob-day">Day' in form
        location = _posted(
            c,
            "/safeguarding/young-people/new",
            {
                "first_name": "Jay",
                "surname": "Doe",
                "dob-day": "2",
                "dob-month": "4",
                "dob-year": "2010",
                "phone_number": "07700 900123",
                "exclusion": "permanently_excluded",
                "circumstances": ["gang", "exploited"],
            },
        )
        yp = location.rsplit("/", 1)[1]
        page = page_text(c.get(location).text)
        assert "Jay Doe, 15" in page
        assert "+447700900123" in page
        assert "permanently excluded" in page
        assert "in or at risk of joining a gang" in page

        # A concern raised on the page, triaged in its own form.
        _posted(
            c,
            f"/safeguarding/young-people/{yp}/concerns",
            {"concern-source": "school", "concern-summary": "Has new phones and cash."},
        )
        page = c.get(location).text
        assert "To triage" in page
        concern_id = re.search(r'action="/safeguarding/concerns/([0-9a-f-]{36})/triage"', page)
        assert concern_id
        prefix = f"triage-{concern_id[1]}"
        _posted(
            c,
            f"/safeguarding/concerns/{concern_id[1]}/triage",
            {
                f"{prefix}-decision": "screen",
                f"{prefix}-note": "Screen now.",
                f"{prefix}-version": "1",
            },
        )
        page = c.get(location).text
        assert "Screen for exploitation, by" in page_text(page)

        # The screening form is prefilled: the exclusion ticks VF23-11, with its source.
        assert re.search(r'value="VF23-11" checked aria-describedby="answer-VF23-11-hint"', page)
        assert "Suggested by Crossline from exclusion recorded on the young person" in page
        assert not re.search(r'value="CL18-07" checked', page)
        _posted(
            c,
            f"/safeguarding/young-people/{yp}/screenings",
            {"screening-answers": ["VF23-11", "CL18-02"], "screening-note": "Seen at school."},
        )
        page = page_text(c.get(location).text)
        assert "indicators found" in page
        assert "Has money, clothes or phones that cannot be explained (CL18-02)" in page

        # Missing, found, interviewed: the interview's due time is shown.
        when = {"day": "15", "month": "12", "year": "2025"}
        _posted(
            c,
            f"/safeguarding/young-people/{yp}/missing-episodes",
            {f"missing-reported_at-{k}": v for k, v in when.items()}
            | {"missing-reported_at-time": "20:00", "missing-reported_by": "Carer"}
            | {"missing-risk": "high"},
        )
        page = c.get(location).text
        episode = re.search(r'action="/safeguarding/missing-episodes/([0-9a-f-]{36})/found"', page)
        assert episode
        p = f"found-{episode[1]}"
        _posted(
            c,
            f"/safeguarding/missing-episodes/{episode[1]}/found",
            {f"{p}-found_at-{k}": v for k, v in when.items()}
            | {f"{p}-found_at-time": "23:30", f"{p}-found_where": "Station"}
            | {f"{p}-found_by": "BTP", f"{p}-version": "1"},
        )
        page = page_text(c.get(location).text)
        assert "Due by 18 Dec 2025, 23:30 (UK time) (72 hours after return)" in page
        assert "Interview overdue" not in page

        # The NRM: referred, then a positive reasonable-grounds decision with its recovery.
        _posted(c, f"/safeguarding/young-people/{yp}/nrm-referrals", {"nrm-summary": "On a line."})
        page = c.get(location).text
        referral = re.search(r"/safeguarding/nrm-referrals/([0-9a-f-]{36})/reasonable", page)
        assert referral
        assert "Decision due by 25 Dec 2025, 00:00 (UK time)" in page_text(page)
        p = f"rg-{referral[1]}"
        _posted(
            c,
            f"/safeguarding/nrm-referrals/{referral[1]}/reasonable-grounds",
            {f"{p}-decision": "positive", f"{p}-version": "1"}
            | {f"{p}-decided_on-{k}": v for k, v in (when | {"day": "17"}).items()},
        )
        page = page_text(c.get(location).text)
        assert "Positive: reasonable grounds, on 17 December 2025" in page
        assert "To 16 January 2026" in page  # 30 days' recovery (§NRM.recovery)
        assert "Conclusive-grounds decision" in page

        # The timeline from the case view.
        assert "Reported missing by Carer" in page
        assert "Referred to the NRM by" in page


def test_bad_input_shows_the_error_summary_and_keeps_what_was_written(
    app: FastAPI, db: Session
) -> None:
    user = practitioner(db)
    with signed_in(app, user) as c:
        nameless = c.post("/safeguarding/young-people/new", data={"postcode": "SY1 1AA"})
        assert nameless.status_code == 422
        assert "<title>Error: Record a young person" in nameless.text
        assert 'class="govuk-error-summary"' in nameless.text
        assert '<a href="#first_name">Enter a name, or say who this is' in nameless.text
        assert 'value="SY1 1AA"' in nameless.text
        location = _posted(c, "/safeguarding/young-people/new", {"first_name": "Jay"})
        yp = location.rsplit("/", 1)[1]

        no_time = c.post(
            f"/safeguarding/young-people/{yp}/missing-episodes",
            data={
                "missing-reported_at-day": "15",
                "missing-reported_at-month": "12",
                "missing-reported_at-year": "2025",
                "missing-reported_by": "Carer",
            },
        )
        assert no_time.status_code == 422
        assert '<a href="#missing-reported_at-time">Enter the time' in no_time.text
        assert 'value="Carer"' in no_time.text
        assert '<details class="govuk-details" open>' in no_time.text

        future = c.post(
            f"/safeguarding/young-people/{yp}/concerns",
            data={"concern-source": "nowhere", "concern-summary": "Worry."},
        )
        assert future.status_code == 422
        assert '<a href="#concern-source">Choose where the concern comes from.' in future.text


def test_the_screening_form_keeps_the_boxes_ticked_when_redisplayed(
    app: FastAPI, db: Session
) -> None:
    user = practitioner(db)
    with signed_in(app, user) as c:
        yp = _posted(c, "/safeguarding/young-people/new", {"first_name": "Jay"}).rsplit("/")[-1]
        too_long = c.post(
            f"/safeguarding/young-people/{yp}/screenings",
            data={"screening-answers": ["CL18-07"], "screening-note": "x" * 20_001},
        )
        assert too_long.status_code == 422
        assert '<a href="#screening-note">Shorten notes to 20000' in too_long.text
        assert re.search(r'value="CL18-07" checked', too_long.text)


def test_a_concern_raised_by_analysis_is_prefilled_into_the_screening(
    app: FastAPI, db: Session
) -> None:
    user = practitioner(db)
    organisation = make_organisation(db, "police_force")
    officer = make_user(db, organisation, ["safeguarding_practitioner"])
    actor = actor_of(officer, organisation)
    young_person = young_people.create(db, actor, YoungPersonIn(phone_number="07700900456"))
    concerns.raise_concern(
        db, actor, young_person.id, ConcernIn(source="analysis", summary="On a line.")
    )
    with signed_in(app, officer) as c:
        page = c.get(young_person.url).text
        assert "Line analysis: a possible child on a line" in page
        assert re.search(r'value="CL18-09" checked', page)
    with signed_in(app, user) as other:
        assert other.get(young_person.url).status_code == 404


def test_outsiders_get_404_and_analysts_403_on_every_page(app: FastAPI, db: Session) -> None:
    owner, outsider = practitioner(db), practitioner(db)
    organisation = make_organisation(db, "police_force")
    analyst = make_user(db, organisation, ["intelligence_analyst"])
    with signed_in(app, owner) as c:
        yp = _posted(c, "/safeguarding/young-people/new", {"first_name": "Jay"}).rsplit("/")[-1]
        _posted(c, f"/safeguarding/young-people/{yp}/concerns", {"concern-summary": "Worry."})
        page = c.get(f"/safeguarding/young-people/{yp}").text
        concern = re.search(r"/safeguarding/concerns/([0-9a-f-]{36})/triage", page)
        assert concern
    some = str(uuid.uuid4())
    pages = [
        ("GET", f"/safeguarding/young-people/{yp}"),
        ("GET", f"/safeguarding/young-people/{yp}/edit"),
        ("POST", f"/safeguarding/young-people/{yp}/edit"),
        ("POST", f"/safeguarding/young-people/{yp}/concerns"),
        ("POST", f"/safeguarding/concerns/{concern[1]}/triage"),
        ("POST", f"/safeguarding/young-people/{yp}/screenings"),
        ("POST", f"/safeguarding/young-people/{yp}/missing-episodes"),
        ("POST", f"/safeguarding/young-people/{yp}/nrm-referrals"),
        ("POST", f"/safeguarding/young-people/{yp}/custody-support-plans"),
        ("POST", f"/safeguarding/young-people/{yp}/ace-screenings"),
        ("POST", f"/safeguarding/young-people/{yp}/members"),
        ("POST", f"/safeguarding/missing-episodes/{some}/found"),
        ("POST", f"/safeguarding/nrm-referrals/{some}/reasonable-grounds"),
        ("POST", f"/safeguarding/custody-support-plans/{some}/reviews"),
    ]
    with signed_in(app, outsider) as o, signed_in(app, analyst) as a:
        for method, path in pages:
            assert o.request(method, path).status_code == 404, (method, path)
            assert a.request(method, path).status_code == 403, (method, path)
        assert "No cases yet" in o.get("/safeguarding").text
        assert a.get("/safeguarding").status_code == 403
        assert 'href="/safeguarding"' not in a.get("/").text
        assert 'href="/safeguarding"' in o.get("/").text
