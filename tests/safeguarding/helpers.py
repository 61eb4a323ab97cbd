"""What the safeguarding tests share: an organisation with a practitioner, a signed-in
client whose form posts carry the CSRF token, and a page's text."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from fastapi import FastAPI
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from crossline.auth.actor import Actor
from crossline.auth.models import User
from crossline.orgs.models import Organisation
from tests.factories import actor_of, make_user, sign_in


@dataclass
class Team:
    """An organisation and one of its safeguarding practitioners."""

    organisation: Organisation
    user: User

    @property
    def actor(self) -> Actor:
        return actor_of(self.user, self.organisation)


def team_of(db: Session, organisation: Organisation) -> Team:
    return Team(organisation, make_user(db, organisation, ["safeguarding_practitioner"]))


@contextmanager
def signed_in(app: FastAPI, user: User) -> Iterator[TestClient]:
    """A signed-in client whose form posts carry the CSRF token and show their 303."""
    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as client:
        client.headers["X-CSRF-Token"] = sign_in(client, user.email)
        yield client


def page_text(page: str) -> str:
    """A page's text as a reader sees it: no tags, one space between words."""
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))
