"""Shared fixtures: a migrated database on SQLite and PostgreSQL, the app, signed-in clients.

PostgreSQL comes from ``CROSSLINE_TEST_DATABASE_URL`` (default: the local
``test`` database). Each test gets a fresh database cloned from one migrated
template, so the real migrations run (never ``metadata.create_all``). When
PostgreSQL or Chromium is missing the tests that need them are skipped with
the reason, or fail under ``CROSSLINE_REQUIRE_POSTGRES=1`` /
``CROSSLINE_REQUIRE_BROWSER=1``, as in CI.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from crossline.core.database import make_engine, make_sessionmaker
from crossline.core.migrations import upgrade_to_head
from crossline.core.settings import Settings
from crossline.orgs.services import seed_reference_data

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"


def skip_or_fail(requirement: str, reason: str) -> None:
    """Skip for a missing service, unless the environment requires it (then fail)."""
    if os.environ.get(requirement) == "1":
        pytest.fail(f"{reason} ({requirement}=1 makes this a failure)")
    pytest.skip(reason)


# --- databases ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    _prepare(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[tuple[Engine, str] | None]:
    """An autocommit connection to the PostgreSQL server and the name of a migrated template."""
    url = make_url(os.environ.get("CROSSLINE_TEST_DATABASE_URL", DEFAULT_POSTGRES))
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:
        admin.dispose()
        yield None
        _ = exc
        return
    template = f"crossline_tmpl_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{template}"'))
    engine = create_engine(url.set(database=template))
    _prepare(engine)
    engine.dispose()
    yield admin, template
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)'))
    admin.dispose()


def _prepare(engine: Engine) -> None:
    upgrade_to_head(engine)
    with make_sessionmaker(engine)() as db:
        seed_reference_data(db)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> Iterator[str]:
    """A fresh, migrated database with reference data, on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "crossline.db"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    admin_and_template = request.getfixturevalue("postgres_admin")
    if admin_and_template is None:
        skip_or_fail("CROSSLINE_REQUIRE_POSTGRES", "PostgreSQL is not reachable")
    admin, template = admin_and_template
    name = f"crossline_t_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    yield str(admin.url.set(database=name).render_as_string(hide_password=False))
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "var", database_url=database_url, secret_key=TEST_SECRET)


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    engine = make_engine(settings.resolved_database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    with make_sessionmaker(engine)() as session:
        yield session


# --- the app ----------------------------------------------------------------------------------


@pytest.fixture
def app(settings: Settings):
    from crossline.web.app import create_app

    application = create_app(settings)
    yield application
    application.state.engine.dispose()


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client
