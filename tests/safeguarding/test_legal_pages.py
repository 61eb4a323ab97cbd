"""The legal summary through the pages and the API: the practitioner releases and withdraws,
the representative reads and downloads only what is released to them."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pypdfium2 as pdfium
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from crossline.audit.models import AuditEntry
from crossline.safeguarding import legal
from crossline.safeguarding.legal_document import SECTIONS
from crossline.safeguarding.models import LegalRelease
from crossline.safeguarding.schemas import YoungPersonIn
from crossline.safeguarding.services import young_people
from tests.factories import actor_of, make_organisation, make_user, sign_in


@dataclass(frozen=True)
class People:
    practitioner_email: str
    representative_email: str
    other_representative_email: str
    child_id: uuid.UUID
    other_child_id: uuid.UUID


@pytest.fixture
def people(db: Session) -> People:
    council = make_organisation(db, "local_authority")
    practitioner = make_user(db, council, ["safeguarding_practitioner"])
    actor = actor_of(practitioner, council)
    representative = make_user(
        db, make_organisation(db, "defence_practice"), ["legal_representative"]
    )
    other = make_user(db, make_organisation(db, "defence_practice"), ["legal_representative"])
    child = young_people.create(
        db, actor, YoungPersonIn(first_name="Jayden", surname="Okafor", dob=date(2009, 3, 4))
    )
    other_child = young_people.create(
        db, actor, YoungPersonIn(first_name="Keira", surname="Whitlow")
    )
    return People(practitioner.email, representative.email, other.email, child.id, other_child.id)


@pytest.fixture
def practitioner(app: FastAPI, people: People) -> Iterator[tuple[TestClient, str]]:
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, sign_in(client, people.practitioner_email)


@pytest.fixture
def representative(app: FastAPI, people: People) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as client:
        sign_in(client, people.representative_email)
        yield client


def _release_form(
    client: TestClient, csrf: str, child_id: uuid.UUID, email: str
) -> tuple[int, str]:
    response = client.post(
        f"/safeguarding/young-people/{child_id}/legal",
        data={"representative_email": email, "reason": "Youth court", "csrf_token": csrf},
        follow_redirects=False,
    )
    return response.status_code, response.text


def _release_id(db: Session) -> uuid.UUID:
    db.expire_all()
    return db.scalars(select(LegalRelease.id)).one()


def _pdf_text(pdf: bytes) -> str:
    document = pdfium.PdfDocument(pdf)
    return " ".join(" ".join(p.get_textpage().get_text_bounded() for p in document).split())


def test_a_practitioner_releases_and_the_representative_reads_and_downloads(
    db: Session,
    people: People,
    practitioner: tuple[TestClient, str],
    representative: TestClient,
) -> None:
    client, csrf = practitioner
    page = client.get(f"/safeguarding/young-people/{people.child_id}/legal")
    assert page.status_code == 200
    assert "Release to a legal representative" in page.text
    status, _ = _release_form(client, csrf, people.child_id, people.representative_email)
    assert status == 303
    release_id = _release_id(db)
    assert "Withdraw" in client.get(f"/safeguarding/young-people/{people.child_id}/legal").text

    clients = representative.get("/legal")
    assert clients.status_code == 200
    assert f"/legal/{release_id}" in clients.text
    assert "Jayden Okafor" in clients.text
    assert "Keira" not in clients.text
    summary = representative.get(f"/legal/{release_id}")
    assert summary.status_code == 200
    for number, section in enumerate(SECTIONS, start=1):
        assert f"{number}. {section}" in summary.text
    assert "not to be given to your client" in summary.text
    download = representative.get(f"/legal/{release_id}.pdf")
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["cache-control"] == "no-store"
    assert "Jayden Okafor" in _pdf_text(download.content)
    consultations = db.scalars(
        select(AuditEntry).where(AuditEntry.operation == "consultation", AuditEntry.via == "web")
    ).all()
    assert sum(1 for e in consultations if "legal representative" in (e.justification or "")) == 2


def test_the_form_refuses_a_recipient_who_is_not_a_representative(
    db: Session, people: People, practitioner: tuple[TestClient, str]
) -> None:
    client, csrf = practitioner
    status, text = _release_form(client, csrf, people.child_id, people.practitioner_email)
    assert status == 422
    assert "There is a problem" in text
    assert "No legal representative in Crossline signs in with that email address" in text
    assert db.scalars(select(LegalRelease)).all() == []


def test_the_representative_sees_nothing_else_through_pages_or_api(
    app: FastAPI,
    db: Session,
    people: People,
    practitioner: tuple[TestClient, str],
    representative: TestClient,
) -> None:
    client, csrf = practitioner
    _release_form(client, csrf, people.child_id, people.other_representative_email)
    others_release = _release_id(db)
    # Another representative's release, and ids that are no release, are not found.
    for path in (
        f"/legal/{others_release}",
        f"/legal/{others_release}.pdf",
        f"/legal/{uuid.uuid4()}",
        f"/api/legal/releases/{others_release}/summary",
        f"/api/legal/releases/{others_release}/summary.pdf",
    ):
        assert representative.get(path).status_code == 404, path
    assert representative.get("/api/legal/clients").json() == []
    # Every safeguarding page and API, for their client or another child, is refused.
    refused = []
    for path in _safeguarding_get_paths(app):
        for child in (people.child_id, people.other_child_id):
            answer = representative.get(
                path.replace("{young_person_id}", str(child)), follow_redirects=False
            )
            if answer.status_code != 403:
                refused.append(f"{path}: {answer.status_code}")
    assert not refused, refused
    withdraw = representative.post(
        f"/api/legal/releases/{others_release}/withdraw", headers={"X-CSRF-Token": "x"}
    )
    assert withdraw.status_code == 403


def _safeguarding_get_paths(app: FastAPI) -> list[str]:
    """Every GET route about safeguarding records or a young person's legal releases."""
    paths = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if (
            not isinstance(route, APIRoute)
            or context.path is None
            or "GET" not in (route.methods or set())
        ):
            continue
        path = context.path
        if path.startswith(("/safeguarding", "/api/safeguarding", "/api/legal/young-people")):
            paths.append(re.sub(r"\{(?!young_person_id)\w+\}", str(uuid.uuid4()), path))
    assert any("/legal" in p for p in paths)
    return paths


def test_withdrawal_through_the_page_stops_access_at_once(
    db: Session,
    people: People,
    practitioner: tuple[TestClient, str],
    representative: TestClient,
) -> None:
    client, csrf = practitioner
    _release_form(client, csrf, people.child_id, people.representative_email)
    release_id = _release_id(db)
    assert representative.get(f"/legal/{release_id}").status_code == 200
    response = client.post(
        f"/safeguarding/young-people/{people.child_id}/legal/{release_id}/withdraw",
        data={"csrf_token": csrf},
        follow_redirects=False,
    )
    assert response.status_code == 303
    for path in (
        f"/legal/{release_id}",
        f"/legal/{release_id}.pdf",
        f"/api/legal/releases/{release_id}/summary",
    ):
        assert representative.get(path).status_code == 404, path
    assert "Jayden" not in representative.get("/legal").text


def test_the_api_releases_lists_and_withdraws(
    db: Session,
    people: People,
    practitioner: tuple[TestClient, str],
    representative: TestClient,
) -> None:
    client, csrf = practitioner
    headers = {"X-CSRF-Token": csrf}
    url = f"/api/legal/young-people/{people.child_id}/releases"
    bad = client.post(
        url, json={"representative_email": "no@x.test", "reason": "Court"}, headers=headers
    )
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
    made = client.post(
        url,
        json={"representative_email": people.representative_email, "reason": "Court"},
        headers=headers,
    )
    assert made.status_code == 201, made.text
    release_id = made.json()["id"]
    assert [r["id"] for r in client.get(url).json()] == [release_id]
    disclosure = db.scalars(select(AuditEntry).where(AuditEntry.operation == "disclosure")).one()
    assert disclosure.via == "api"
    assert disclosure.recipient

    (listed,) = representative.get("/api/legal/clients").json()
    assert listed["release_id"] == release_id
    assert listed["name"] == "Jayden Okafor"
    body = representative.get(f"/api/legal/releases/{release_id}/summary").json()
    assert body["name"] == "Jayden Okafor"
    assert len(body["law"]) == len(legal.LAW)

    withdrawn = client.post(f"/api/legal/releases/{release_id}/withdraw", headers=headers)
    assert withdrawn.status_code == 200
    assert withdrawn.json()["withdrawn_at"]
    assert representative.get(f"/api/legal/releases/{release_id}/summary").status_code == 404
