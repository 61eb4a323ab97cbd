"""A tiny world to import, an analyst to import it, and a data directory per test."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from crossline.auth.actor import Actor
from crossline.core.settings import Settings
from crossline.synth.generate import generate
from tests.factories import actor_of, make_organisation, make_user


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("worlds") / "tiny"
    generate("tiny", 11, path)
    return path


@pytest.fixture
def analyst(db: Session) -> Actor:
    force = make_organisation(db, "police_force")
    return actor_of(make_user(db, force, ["intelligence_analyst"]), force)


@pytest.fixture
def data_dir(settings: Settings) -> Path:
    return settings.data_dir
