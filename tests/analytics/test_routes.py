"""Findings on the page and in the API, for the organisation that ran the analysis only."""

from __future__ import annotations

from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from crossline.comms.services import import_files
from crossline.core.settings import Settings
from tests.analytics.conftest import Events
from tests.factories import actor_of, make_organisation, make_user, sign_in


def test_an_analyst_runs_analysis_by_api_and_reads_the_findings_page(
    client: TestClient, db: Session, settings: Settings, events: Events
) -> None:
    force = make_organisation(db, "police_force")
    user = make_user(db, force, ["intelligence_analyst"])
    files = sorted((events.world / "comms").glob("*.csv"))
    import_files(db, actor_of(user, force), settings.data_dir, files, authorisation="OCDA-T-2")
    csrf = sign_in(client, user.email)
    assert "Your organisation has not run line analysis yet" in client.get("/analytics").text
    made = client.post("/api/analytics/runs", headers={"x-csrf-token": csrf})
    assert made.status_code == 201, made.text
    report = made.json()
    assert report["format"] == "crossline-analysis/1"
    assert report["lines"]
    page = client.get("/analytics")
    assert page.status_code == 200
    for line in report["lines"]:
        assert line["line_id"] in page.text
        assert line["numbers"][0]["number"] in page.text
    latest = client.get("/api/analytics/runs/latest").json()
    assert latest["run"]["run_id"] == report["run"]["run_id"]

    other_force = make_organisation(db, "police_force")
    other = make_user(db, other_force, ["intelligence_analyst"])
    client.cookies.clear()
    sign_in(client, other.email)
    assert client.get(f"/api/analytics/runs/{report['run']['run_id']}").status_code == 404
    assert report["lines"][0]["line_id"] not in client.get("/analytics").text
