"""The safeguarding lead's dashboard as a page and as JSON, for safeguarding roles only."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session

from crossline.core import clock
from crossline.safeguarding.schemas import ConcernIn, YoungPersonIn
from crossline.safeguarding.services import concerns, young_people
from tests.factories import actor_of, make_organisation, make_user
from tests.safeguarding.helpers import page_text, signed_in

NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)


@pytest.fixture(autouse=True)
def tuesday(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "now", lambda: NOW)


def test_the_dashboard_shows_overdue_triage_and_counts_by_source(app: FastAPI, db: Session) -> None:
    council = make_organisation(db, "local_authority", name="Test Council")
    user = make_user(db, council, ["safeguarding_practitioner"])
    actor = actor_of(user, council)
    child = young_people.create(
        db, actor, YoungPersonIn(first_name="Ari", surname="Dash", dob=date(2011, 1, 1))
    )
    concerns.raise_concern(
        db,
        actor,
        child.id,
        ConcernIn(source="hospital", summary="Stab wound", raised_at=NOW - timedelta(days=4)),
    )
    with signed_in(app, user) as client:
        page = page_text(client.get("/safeguarding/dashboard").text)
        assert "Concerns waiting for triage 1 1 overdue" in page
        assert "Ari Dash Triage the concern" in page
        assert "A hospital attendance after violence 1" in page
        board = client.get("/api/safeguarding/dashboard").json()
        assert board["open_concerns"] == 1
        assert board["overdue_triage"][0]["young_person_id"] == str(child.id)
    analyst = make_user(db, make_organisation(db), ["intelligence_analyst"])
    with signed_in(app, analyst) as client:
        assert client.get("/api/safeguarding/dashboard").status_code == 403
        assert client.get("/safeguarding/dashboard").status_code == 403
