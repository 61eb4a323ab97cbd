"""The `crossline` command: help everywhere, set-up, users, audit verify, the demo."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from sqlalchemy import func, select, text
from typer.testing import CliRunner

from crossline.analytics.models import Finding
from crossline.audit.models import AuditEntry
from crossline.auth.models import User
from crossline.cli.demo import DEMO_USERS
from crossline.cli.main import app
from crossline.core.database import make_engine, make_sessionmaker
from crossline.core.migrations import head_revision
from crossline.core.settings import get_settings
from crossline.orders.models import Application, Order, OrderAlert
from crossline.orgs.models import Organisation
from crossline.programmes.models import Referral
from crossline.safeguarding.models import (
    Concern,
    LegalRelease,
    NrmReferral,
    SchoolPartnership,
    YoungPersonLink,
)
from tests.conftest import TEST_SECRET

runner = CliRunner()


@pytest.fixture
def env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("CROSSLINE_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("CROSSLINE_DATABASE_URL", database_url)
    monkeypatch.setenv("CROSSLINE_SECRET_KEY", TEST_SECRET)
    get_settings.cache_clear()
    yield database_url
    get_settings.cache_clear()


def _commands(group: Any, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name, command in group.commands.items():
        yield (*prefix, name)
        if hasattr(command, "commands"):  # a command group
            yield from _commands(command, (*prefix, name))


def test_every_command_has_help() -> None:
    root = typer.main.get_command(app)
    commands = list(_commands(root))
    expected = {
        ("init",),
        ("serve",),
        ("db", "upgrade"),
        ("users", "create"),
        ("audit", "verify"),
        ("demo",),
    }
    assert expected <= set(commands)
    for path in commands:
        result = runner.invoke(app, [*path, "--help"])
        assert result.exit_code == 0, path
        assert "Usage:" in result.output
        assert len(result.output.splitlines()) > 3, f"{path} has no help text"


def test_demo_twice_adds_nothing_the_second_time(env: str) -> None:
    first = runner.invoke(app, ["demo", "--no-serve"])
    assert first.exit_code == 0, first.output
    assert f"Demo users added: {len(DEMO_USERS)}." in first.output
    for user in DEMO_USERS:
        assert user.email in first.output
    second = runner.invoke(app, ["demo", "--no-serve"])
    assert second.exit_code == 0, second.output
    assert "Demo users added: 0." in second.output
    assert "new events" in first.output
    assert "Demo comms data imported by the demo analyst: 0 new events." in second.output
    assert "DDTRO applications taken through every state: 0." in second.output
    with make_sessionmaker(make_engine(env))() as db:
        assert db.scalar(select(func.count()).select_from(User)) == len(DEMO_USERS)
        keys = db.scalars(select(Organisation.key)).all()
        assert len(keys) == len(set(keys))
        # docs/orders.md, In the demo: orders and applications in every state
        assert set(db.scalars(select(Order.state))) == {"in_force", "expired", "discharged"}
        states = set(db.scalars(select(Application.state)))
        assert {"draft", "authorised", "listed", "refused", "granted"} <= states
        assert db.scalar(select(func.count()).select_from(OrderAlert)) > 0
        # docs/safeguarding.md: concerns from analysis and agency records, worked through
        sources = set(db.scalars(select(Concern.source)))
        assert {"analysis", "missing", "school", "screening"} <= sources
        # docs/analysis.md: the analyst's force's own records give some children's ages
        details = db.scalars(
            select(Finding.detail).where(Finding.kind == "safeguarding_concern")
        ).all()
        assert any("recorded_dates_of_birth" in d for d in details)
        assert db.scalar(select(func.count()).select_from(NrmReferral)) == 1
        assert set(db.scalars(select(Referral.state))) == {"enrolled"}
        assert db.scalar(select(func.count()).select_from(LegalRelease)) == 1
        assert db.scalar(select(func.count()).select_from(YoungPersonLink)) > 0
        # docs/safeguarding.md: the demo school's partnership with its police force
        assert db.scalar(select(func.count()).select_from(SchoolPartnership)) == 1
    assert "Safeguarding cases worked: 0 concern(s)" in second.output


def test_demo_is_refused_in_production_mode(env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CROSSLINE_MODE", "production")
    result = runner.invoke(app, ["demo", "--no-serve"])
    assert result.exit_code == 1
    assert "refused" in result.output or "PostgreSQL" in result.output


def test_first_administrator_is_created_from_the_command_line(env: str) -> None:
    result = runner.invoke(
        app,
        [
            "users",
            "create",
            "--organisation",
            "kent",
            "--email",
            "first.admin@kent.police.uk",
            "--name",
            "First Admin",
            "--password",
            "a long enough password",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Created first.admin@kent.police.uk in Kent Police" in result.output
    duplicate = runner.invoke(
        app,
        [
            "users",
            "create",
            "--organisation",
            "kent",
            "--email",
            "first.admin@kent.police.uk",
            "--name",
            "Again",
            "--password",
            "a long enough password",
        ],
    )
    assert duplicate.exit_code == 1
    assert "already exists" in duplicate.output
    assert "Traceback" not in duplicate.output
    unknown = runner.invoke(
        app,
        [
            "users",
            "create",
            "--organisation",
            "atlantis",
            "--email",
            "x@y.uk",
            "--name",
            "X",
            "--password",
            "a long enough password",
        ],
    )
    assert unknown.exit_code == 1
    assert "no organisation 'atlantis'" in unknown.output


def test_audit_verify_finds_an_entry_changed_directly_in_the_database(env: str) -> None:
    # A few audited changes make a chain to break (the demo makes thousands, and takes long).
    for n in range(5):
        created = runner.invoke(
            app,
            [
                "users",
                "create",
                "--organisation",
                "west-midlands",
                "--email",
                f"officer{n}@example.police.uk",
                "--name",
                f"Officer {n}",
                "--password",
                "a long enough password",
            ],
        )
        assert created.exit_code == 0, created.output
    intact = runner.invoke(app, ["audit", "verify"])
    assert intact.exit_code == 0
    assert "Audit log intact" in intact.output
    engine = make_engine(env)
    with engine.begin() as connection:
        target = connection.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq).offset(3))
        if engine.dialect.name == "postgresql":
            connection.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        else:
            connection.execute(text("DROP TRIGGER audit_log_no_update"))
        connection.execute(
            text("UPDATE audit_log SET user_name = 'someone else' WHERE seq = :s"), {"s": target}
        )
    broken = runner.invoke(app, ["audit", "verify"])
    assert broken.exit_code == 1
    assert f"entry {target} has been altered" in broken.output


def test_db_upgrade_is_safe_to_repeat(env: str) -> None:
    for _ in range(2):
        result = runner.invoke(app, ["db", "upgrade"])
        assert result.exit_code == 0
        assert f"Database at revision {head_revision()}." in result.output


def test_orgs_list_and_add(env: str) -> None:
    added = runner.invoke(
        app,
        [
            "orgs",
            "add",
            "leeds-childrens-services",
            "--name",
            "Leeds Children's Services",
            "--kind",
            "local_authority",
        ],
    )
    assert added.exit_code == 0, added.output
    bad_kind = runner.invoke(app, ["orgs", "add", "x", "--name", "X", "--kind", "bakery"])
    assert bad_kind.exit_code == 1
    assert "not a kind of organisation" in bad_kind.output
    listed = runner.invoke(app, ["orgs", "list", "--kind", "local_authority"])
    assert "leeds-childrens-services" in listed.output


def test_synth_makes_a_world_and_refuses_to_mix_worlds(tmp_path: Path) -> None:
    out = tmp_path / "world"
    made = runner.invoke(app, ["synth", "--preset", "tiny", "--seed", "3", "--out", str(out)])
    assert made.exit_code == 0, made.output
    assert "World 'tiny' (seed 3)" in made.output
    assert (out / "truth" / "manifest.json").exists()
    again = runner.invoke(app, ["synth", "--preset", "tiny", "--out", str(out)])
    assert again.exit_code == 1
    assert "is not empty" in again.output
    unknown = runner.invoke(app, ["synth", "--preset", "gigantic", "--out", str(tmp_path / "x")])
    assert unknown.exit_code == 1
    assert "no preset 'gigantic'" in unknown.output
