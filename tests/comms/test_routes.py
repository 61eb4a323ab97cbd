"""Importing from the web page and the API: upload, watch the job, review the quarantine."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from tests.factories import make_organisation, make_user, sign_in

AUTH = "OCDA-2025-000777"


def _wait(client: TestClient, url: str, **headers: str) -> dict[str, object]:
    for _ in range(200):
        job = client.get(url, headers=headers).json()
        if job["status"] in ("done", "failed"):
            return job  # type: ignore[no-any-return]
        time.sleep(0.05)
    raise AssertionError("the import job did not finish")


def test_an_analyst_uploads_a_file_and_watches_it_import(
    client: TestClient, db: Session, world: Path
) -> None:
    analyst = make_user(db, make_organisation(db), ["intelligence_analyst"])
    csrf = sign_in(client, analyst.email)
    assert 'href="/comms/import"' in client.get("/").text
    path = sorted((world / "comms").glob("operator_b_2*.csv"))[0]
    with path.open("rb") as handle:
        started = client.post(
            "/comms/import",
            data={"authorisation": AUTH, "csrf_token": csrf},
            files={"file": (path.name, handle, "text/csv")},
            follow_redirects=False,
        )
    assert started.status_code == 303
    job_url = started.headers["location"]
    job = _wait(client, "/api" + job_url.replace("/comms/jobs", "/comms/jobs"))
    assert job["status"] == "done"
    page = client.get(job_url)
    assert "Import complete" in page.text
    assert "Review the quarantined rows" in page.text
    report = job["report"]
    assert isinstance(report, dict)
    import_id = report["files"][0]["import_id"]
    quarantine = client.get(f"/comms/imports/{import_id}/quarantine")
    assert quarantine.status_code == 200
    assert "not a real date and time" in quarantine.text
    exported = client.get(f"/comms/imports/{import_id}/quarantine.csv")
    assert exported.headers["content-type"].startswith("text/csv")
    assert exported.text.startswith("file,line,reason,raw")


def test_the_form_asks_for_the_file_and_the_authorisation(client: TestClient, db: Session) -> None:
    analyst = make_user(db, make_organisation(db), ["intelligence_analyst"])
    csrf = sign_in(client, analyst.email)
    response = client.post(
        "/comms/import",
        data={"authorisation": " ", "csrf_token": csrf},
        files={"file": ("", b"", "text/csv")},
    )
    assert response.status_code == 422
    assert 'href="#file"' in response.text
    assert 'href="#authorisation"' in response.text


def test_a_system_imports_through_the_api(client: TestClient, db: Session, world: Path) -> None:
    organisation = make_organisation(db)
    admin = make_user(db, organisation, ["administrator"])
    system = make_user(db, organisation, ["intelligence_analyst"], password=None)
    csrf = sign_in(client, admin.email)
    token = client.post(
        f"/api/users/{system.id}/tokens", json={"name": "Records"}, headers={"X-CSRF-Token": csrf}
    ).json()["token"]
    bearer = {"authorization": f"Bearer {token}"}
    path = sorted((world / "comms").glob("operator_a_cells.csv"))[0]
    with TestClient(client.app) as api:
        accepted = api.post(
            "/api/comms/imports",
            headers=bearer,
            data={"authorisation": AUTH},
            files={"file": (path.name, path.read_bytes(), "text/csv")},
        )
        assert accepted.status_code == 202
        job = _wait(api, accepted.json()["url"], **bearer)
        assert job["status"] == "done"
        listed = api.get("/api/comms/imports", headers=bearer).json()
        assert [i["profile"] for i in listed] == ["cells"]
        assert listed[0]["authorisation"] == AUTH


def test_a_refused_upload_says_why(client: TestClient, db: Session) -> None:
    analyst = make_user(db, make_organisation(db), ["intelligence_analyst"])
    csrf = sign_in(client, analyst.email)
    started = client.post(
        "/comms/import",
        data={"authorisation": AUTH, "csrf_token": csrf},
        files={"file": ("nothing.csv", b"", "text/csv")},
        follow_redirects=False,
    )
    job = _wait(client, "/api" + started.headers["location"])
    assert job["status"] == "failed"
    assert "is empty" in str(job["error"])
