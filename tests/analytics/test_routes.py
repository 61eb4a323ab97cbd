"""Running analysis from the page and the API as a job; findings for its organisation only."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from crossline.comms.services import import_files
from crossline.core.settings import Settings
from tests.analytics.conftest import Events
from tests.factories import actor_of, make_organisation, make_user, sign_in

NOTHING_IMPORTED = "There is nothing to analyse"


def wait_for_job(client: TestClient, url: str, timeout: float = 60, **headers: str) -> Any:
    """Poll an analysis job in the API until it is done or failed (at most ``timeout`` s)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(url, headers=headers).json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"the analysis job did not finish within {timeout} s")


def _imported(db: Session, settings: Settings, events: Events, roles: list[str]) -> Any:
    force = make_organisation(db, "police_force")
    user = make_user(db, force, roles)
    files = sorted((events.world / "comms").glob("*.csv"))
    import_files(db, actor_of(user, force), settings.data_dir, files, authorisation="OCDA-T-2")
    return user


def test_an_analyst_runs_analysis_from_the_page_and_reads_the_findings(
    client: TestClient, db: Session, settings: Settings, events: Events
) -> None:
    user = _imported(db, settings, events, ["intelligence_analyst"])
    csrf = sign_in(client, user.email)
    page = client.get("/analytics")
    assert "Your organisation has not run line analysis yet" in page.text
    assert 'action="/analytics/jobs"' in page.text
    started = client.post("/analytics/jobs", data={"csrf_token": csrf}, follow_redirects=False)
    assert started.status_code == 303, started.text
    job_url = started.headers["location"]
    assert job_url.startswith("/analytics/jobs/")
    job = wait_for_job(client, "/api" + job_url)
    assert job["status"] == "done", job
    assert job["steps_done"] >= 1
    assert job["step"] == "roles"  # the last step
    assert job["step_label"] == "Naming roles and checking for children"

    done = client.get(job_url)
    assert "Analysis complete" in done.text
    assert 'href="/analytics"' in done.text
    assert "hx-get" not in done.text  # polling stops when the job is over
    report = client.get(f"/api/analytics/runs/{job['run_id']}").json()
    assert report["lines"]
    findings = client.get("/analytics").text
    for line in report["lines"]:
        assert line["line_id"] in findings
        assert line["numbers"][0]["number"] in findings
    assert client.get("/api/analytics/runs/latest").json()["run"]["run_id"] == job["run_id"]

    other = make_user(db, make_organisation(db, "police_force"), ["intelligence_analyst"])
    client.cookies.clear()
    sign_in(client, other.email)
    assert client.get(job_url).status_code == 404
    assert client.get("/api" + job_url).status_code == 404
    assert client.get(f"/api/analytics/runs/{job['run_id']}").status_code == 404
    assert report["lines"][0]["line_id"] not in client.get("/analytics").text


def test_a_system_starts_analysis_through_the_api_and_polls_the_job(
    client: TestClient, db: Session, settings: Settings, events: Events
) -> None:
    user = _imported(db, settings, events, ["intelligence_analyst"])
    csrf = sign_in(client, user.email)
    accepted = client.post("/api/analytics/runs", headers={"x-csrf-token": csrf})
    assert accepted.status_code == 202, accepted.text
    job = accepted.json()
    assert set(job) == {
        "job_id", "status", "step", "step_label", "steps_done", "steps_total", "run_id",
        "error", "url",
    }  # fmt: skip
    assert job["status"] in ("queued", "running", "done")
    assert job["url"] == f"/api/analytics/jobs/{job['job_id']}"
    finished = wait_for_job(client, job["url"])
    assert finished["status"] == "done"
    assert finished["error"] is None
    assert finished["steps_total"] >= finished["steps_done"] >= 1
    report = client.get(f"/api/analytics/runs/{finished['run_id']}").json()
    assert report["format"] == "crossline-analysis/1"
    assert report["lines"]
    runs = client.get("/api/analytics/runs").json()
    assert [r["run_id"] for r in runs] == [finished["run_id"]]


def test_with_nothing_imported_the_job_fails_and_says_why(client: TestClient, db: Session) -> None:
    user = make_user(db, make_organisation(db, "police_force"), ["intelligence_analyst"])
    csrf = sign_in(client, user.email)
    started = client.post("/analytics/jobs", data={"csrf_token": csrf}, follow_redirects=False)
    assert started.status_code == 303
    job = wait_for_job(client, "/api" + started.headers["location"])
    assert job["status"] == "failed"
    assert job["run_id"] is None
    assert NOTHING_IMPORTED in job["error"]
    page = client.get(started.headers["location"])
    assert "govuk-error-summary" in page.text
    assert NOTHING_IMPORTED in page.text


def test_only_analysts_may_start_analysis(client: TestClient, db: Session) -> None:
    user = make_user(db, make_organisation(db, "police_force"), ["order_applicant"])
    csrf = sign_in(client, user.email)
    assert client.get("/analytics").status_code == 403
    refused = client.post("/analytics/jobs", data={"csrf_token": csrf}, follow_redirects=False)
    assert refused.status_code == 403
    assert client.post("/api/analytics/runs", headers={"x-csrf-token": csrf}).status_code == 403
