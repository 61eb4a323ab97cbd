"""`crossline orgs contact` and the demo's contact officers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from crossline.audit.models import AuditEntry
from crossline.cli.demo import DEMO_CONTACTS, seed_demo
from crossline.cli.main import app
from crossline.core.settings import get_settings
from crossline.lines import deconfliction
from crossline.orgs.models import Organisation
from crossline.orgs.schemas import ContactOfficerSet
from crossline.orgs.services import find_organisation, set_contact_officer
from tests.conftest import TEST_SECRET
from tests.factories import actor_of, make_organisation, make_user
from tests.lines.conftest import make_force, record_line

runner = CliRunner()
NAME = "DS Priya Shah"
EMAIL = "priya.shah@west-mercia.police.test-crossline.uk"


@pytest.fixture
def env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("CROSSLINE_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("CROSSLINE_DATABASE_URL", database_url)
    monkeypatch.setenv("CROSSLINE_SECRET_KEY", TEST_SECRET)
    monkeypatch.delenv("CROSSLINE_USER", raising=False)
    get_settings.cache_clear()
    yield database_url
    get_settings.cache_clear()


def _west_mercia(db: Session) -> Organisation:
    db.expire_all()
    return find_organisation(db, "west-mercia")


def test_orgs_contact_sets_and_removes_a_contact_officer(env: str, db: Session) -> None:
    saved = runner.invoke(app, ["orgs", "contact", "west-mercia", "--name", NAME, "--email", EMAIL])
    assert saved.exit_code == 0, saved.output
    assert "west-mercia: contact officer saved." in saved.output
    assert NAME not in saved.output
    force = _west_mercia(db)
    assert (force.contact_name, force.contact_email) == (NAME, EMAIL)
    entry = db.scalars(
        select(AuditEntry).where(AuditEntry.record_id == str(force.id)).order_by(AuditEntry.seq)
    ).all()[-1]
    assert (entry.operation, entry.via, entry.user_id) == ("collection", "cli", None)

    removed = runner.invoke(app, ["orgs", "contact", "west-mercia", "--remove"])
    assert removed.exit_code == 0, removed.output
    force = _west_mercia(db)
    assert (force.contact_name, force.contact_email) == (None, None)


def test_orgs_contact_acts_as_the_user_given_and_obeys_their_roles(env: str, db: Session) -> None:
    force = find_organisation(db, "west-mercia")
    admin = make_user(db, force, ["administrator"])
    analyst = make_user(db, force, ["intelligence_analyst"])
    outsider = make_user(db, make_organisation(db, "police_force"), ["administrator"])
    command = ["orgs", "contact", "west-mercia", "--name", NAME, "--user"]

    refused = runner.invoke(app, [*command, analyst.email])
    assert refused.exit_code == 1
    assert "Your roles do not allow this" in refused.output
    unknown = runner.invoke(app, [*command, outsider.email])
    assert unknown.exit_code == 1
    assert "There is no such organisation." in unknown.output
    assert _west_mercia(db).contact_name is None

    done = runner.invoke(app, [*command, admin.email])
    assert done.exit_code == 0, done.output
    assert _west_mercia(db).contact_name == NAME
    entry = db.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).one()
    assert (entry.user_id, entry.via) == (admin.id, "cli")
    assert entry.record_type == "organisation_contact"


def test_orgs_contact_refuses_wrong_input_with_one_line(env: str, db: Session) -> None:
    cases = [
        (["--email", EMAIL], "Enter the contact officer's name"),
        (["--name", NAME, "--email", "nobody"], "Enter an email address in the correct format"),
        ([], "give --name (and --email), or --remove"),
        (["--name", NAME, "--remove"], "give --name (and --email), or --remove"),
    ]
    for options, message in cases:
        result = runner.invoke(app, ["orgs", "contact", "west-mercia", *options])
        assert result.exit_code == 1, options
        assert message in result.output, options
    missing = runner.invoke(app, ["orgs", "contact", "no-such-force", "--name", NAME])
    assert missing.exit_code == 1
    assert "There is no organisation 'no-such-force'" in missing.output
    assert _west_mercia(db).contact_name is None


def test_the_demo_gives_its_forces_contact_officers_once(db: Session) -> None:
    seed_demo(db)
    for demo_contact in DEMO_CONTACTS:
        force = find_organisation(db, demo_contact.organisation)
        assert (force.contact_name, force.contact_email) == (demo_contact.name, demo_contact.email)
    changed = find_organisation(db, DEMO_CONTACTS[0].organisation)
    set_contact_officer(
        db, None, changed.id, ContactOfficerSet(name=NAME, version=changed.version), via="cli"
    )
    before = db.scalars(select(AuditEntry.seq)).all()
    seed_demo(db)  # again: nothing added, and the changed one stays as it was changed
    db.expire_all()
    assert db.scalars(select(AuditEntry.seq)).all() == before
    assert (changed.contact_name, changed.contact_email) == (NAME, None)


def test_a_demo_forces_contact_officer_is_named_in_the_other_forces_alert(db: Session) -> None:
    seed_demo(db)
    demo_force = DEMO_CONTACTS[1]
    organisation = find_organisation(db, demo_force.organisation)
    analyst = make_user(db, organisation, ["intelligence_analyst"])
    other = make_force(db, "Another Police (test)")
    record_line(db, actor_of(analyst, organisation), "DEMO-OP-1", ["+447700900123"])
    record_line(db, other.analyst, "OTHER-OP-1", ["+447700900123"])
    [alert] = deconfliction.alerts(db, other.analyst)
    assert (alert.contact.name, alert.contact.email) == (demo_force.name, demo_force.email)
