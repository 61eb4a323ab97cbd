"""Builders of records for tests, through the real services."""

from __future__ import annotations

import re
import uuid

from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from crossline.auth.actor import Actor
from crossline.auth.models import User
from crossline.auth.schemas import UserCreate
from crossline.auth.services import create_user
from crossline.orgs.models import Organisation
from crossline.orgs.services import ensure_organisation

PASSWORD = "correct horse battery staple"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def make_organisation(
    db: Session, kind: str = "police_force", name: str | None = None
) -> Organisation:
    key = f"org-{uuid.uuid4().hex[:8]}"
    organisation = ensure_organisation(db, key, name or f"Test organisation {key}", kind)
    db.commit()
    return organisation


def make_user(
    db: Session,
    organisation: Organisation,
    roles: list[str] | tuple[str, ...] = (),
    *,
    password: str | None = PASSWORD,
    email: str | None = None,
) -> User:
    return create_user(
        db,
        None,
        organisation,
        UserCreate(
            email=email or f"user-{uuid.uuid4().hex[:8]}@police.test-crossline.uk",
            display_name=f"Test User {uuid.uuid4().hex[:4]}",
            roles=list(roles),
            password=password,
        ),
        via="cli",
    )


def actor_of(user: User, organisation: Organisation) -> Actor:
    return Actor(
        user_id=user.id,
        organisation_id=organisation.id,
        organisation_name=organisation.name,
        display_name=user.display_name,
        roles=user.roles,
    )


def csrf_token_from(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> str:
    """Sign in through the real form; return the session's CSRF token."""
    page = client.get("/sign-in")
    response = client.post(
        "/sign-in",
        data={
            "email": email,
            "password": password,
            "csrf_token": csrf_token_from(page.text),
            "next": "/",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return csrf_token_from(client.get("/").text)
