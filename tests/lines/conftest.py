"""Forces with analysts, lines recorded through the services, and the tiny world analysed."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from crossline.analytics import services as analytics
from crossline.analytics.models import AnalysisRun
from crossline.auth.actor import Actor
from crossline.auth.models import User
from crossline.comms.services import import_files
from crossline.core.settings import Settings
from crossline.lines import services
from crossline.lines.models import Line
from crossline.lines.schemas import HandsetIn, LineCreate, NumberIn
from crossline.orgs.models import Organisation
from crossline.synth.generate import generate
from tests.factories import actor_of, make_organisation, make_user, sign_in

OCTOBER = datetime(2025, 10, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Force:
    organisation: Organisation
    analyst: Actor


def make_force(db: Session, name: str, *, contact: str | None = None) -> Force:
    organisation = make_organisation(db, "police_force", name=name)
    if contact:
        organisation.contact_name = contact
        organisation.contact_email = f"{contact.split()[-1].lower()}@force.test-crossline.uk"
        db.commit()
    user = make_user(db, organisation, ["intelligence_analyst"])
    return Force(organisation, actor_of(user, organisation))


@contextmanager
def signed_in(app: FastAPI, db: Session, actor: Actor) -> Iterator[TestClient]:
    """A client of the app signed in through the real form as ``actor``'s user."""
    with TestClient(app, raise_server_exceptions=False) as client:
        client.headers["X-CSRF-Token"] = sign_in(client, db.get_one(User, actor.user_id).email)
        yield client


def actor_with(db: Session, role: str, kind: str = "police_force") -> Actor:
    organisation = make_organisation(db, kind)
    return actor_of(make_user(db, organisation, [role]), organisation)


@pytest.fixture
def force_a(db: Session) -> Force:
    return make_force(db, "Merseyside Police (test)")


@pytest.fixture
def force_b(db: Session) -> Force:
    return make_force(db, "West Mercia Police (test)", contact="DS Priya Shah")


@pytest.fixture
def coordinator(db: Session) -> Actor:
    return actor_with(db, "national_coordinator", "national_coordination_centre")


def record_line(
    db: Session,
    actor: Actor,
    reference: str,
    numbers: Sequence[str] = (),
    handsets: Sequence[str] = (),
    *,
    start: datetime = OCTOBER,
    end: datetime | None = None,
    status: str = "confirmed",
) -> Line:
    """A line recorded by hand, each number and handset held from ``start`` to ``end``."""
    return services.create_line(
        db,
        actor,
        LineCreate.model_validate(
            {
                "reference": reference,
                "status": status,
                "brand_names": [f"{reference} brand"],
                "hub_area": "merseyside",
                "county_area": "west-mercia",
                "numbers": [NumberIn(number=n, valid_from=start, valid_to=end) for n in numbers],
                "handsets": [HandsetIn(imei=h, valid_from=start, valid_to=end) for h in handsets],
            }
        ),
    )


@pytest.fixture(scope="session")
def tiny_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny synthetic world (seed 11), as the analytics tests use it."""
    world = tmp_path_factory.mktemp("lines") / "world"
    generate("tiny", 11, world)
    return world


def analysed(db: Session, actor: Actor, settings: Settings, world: Path) -> AnalysisRun:
    """Import the world's exports as ``actor``'s organisation and run line analysis on them."""
    files = sorted((world / "comms").glob("*.csv"))
    import_files(db, actor, settings.data_dir, files, authorisation="OCDA-LINES-1")
    return analytics.run_analysis(db, actor, settings)
