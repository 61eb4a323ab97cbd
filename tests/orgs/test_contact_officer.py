"""An organisation's contact officer: who may set and read it, what is checked, what is audited,
and the deconfliction alerts that then name it."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from crossline.audit.models import AuditEntry
from crossline.auth.actor import Actor
from crossline.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from crossline.lines import deconfliction
from crossline.orgs.models import Organisation
from crossline.orgs.schemas import ContactOfficerSet
from crossline.orgs.services import get_contact_officer, set_contact_officer
from tests.factories import actor_of, make_organisation, make_user
from tests.lines.conftest import make_force, record_line

SHARED = "+447700900123"
NAME = "DS Priya Shah"
EMAIL = "priya.shah@west-mercia.police.test-crossline.uk"


def person_in(db: Session, organisation: Organisation, *roles: str) -> Actor:
    return actor_of(make_user(db, organisation, list(roles)), organisation)


def contact(name: str | None, email: str | None, organisation: Organisation) -> ContactOfficerSet:
    return ContactOfficerSet(name=name, email=email, version=organisation.version)


def entries_about(db: Session, organisation: Organisation) -> list[AuditEntry]:
    return list(
        db.scalars(
            select(AuditEntry)
            .where(AuditEntry.record_type == "organisation_contact")
            .where(AuditEntry.record_id == str(organisation.id))
            .order_by(AuditEntry.seq)
        )
    )


@pytest.fixture
def force(db: Session) -> Organisation:
    return make_organisation(db, "police_force", name="West Mercia Police (test)")


@pytest.fixture
def admin(db: Session, force: Organisation) -> Actor:
    return person_in(db, force, "administrator")


def test_an_administrator_records_changes_and_removes_their_organisations_contact_officer(
    db: Session, force: Organisation, admin: Actor
) -> None:
    version = force.version
    saved = set_contact_officer(
        db, admin, force.id, contact("  DS   Priya\tShah ", f" {EMAIL} ", force)
    )
    assert (saved.contact_name, saved.contact_email) == (NAME, EMAIL)
    assert saved.version == version + 1

    set_contact_officer(db, admin, force.id, contact("DI Mark Ellis", None, force))
    db.expire_all()
    assert (force.contact_name, force.contact_email) == ("DI Mark Ellis", None)

    set_contact_officer(db, admin, force.id, contact(None, None, force))
    db.expire_all()
    assert (force.contact_name, force.contact_email) == (None, None)

    entries = entries_about(db, force)
    assert [e.operation for e in entries] == ["collection", "alteration", "erasure"]
    assert [e.justification for e in entries] == [
        "contact officer recorded",
        "contact officer changed",
        "contact officer removed",
    ]
    for entry in entries:
        assert entry.record_owner_id == force.id  # the organisation's auditors see them
        assert (entry.user_id, entry.organisation_id) == (admin.user_id, force.id)
        assert entry.via == "web"
        # The log says what was done to whose contact officer, never the officer's details.
        assert "Shah" not in (entry.justification or "")
        assert "Ellis" not in (entry.justification or "")


def test_saving_what_is_already_recorded_changes_and_logs_nothing(
    db: Session, force: Organisation, admin: Actor
) -> None:
    set_contact_officer(db, admin, force.id, contact(NAME, EMAIL, force))
    version = force.version
    set_contact_officer(db, admin, force.id, contact(f" {NAME} ", EMAIL, force))
    assert force.version == version
    assert len(entries_about(db, force)) == 1


def test_the_email_address_is_stored_as_email_validator_normalises_it(
    db: Session, force: Organisation, admin: Actor
) -> None:
    set_contact_officer(db, admin, force.id, contact(NAME, "Priya.Shah@WEST-MERCIA.Example", force))
    assert force.contact_email == "Priya.Shah@west-mercia.example"


NO_NAME = {"name": "Enter the contact officer's name, or remove the email address too"}
BAD_EMAIL = {"email": "Enter an email address in the correct format, like name@example.org"}


@pytest.mark.parametrize(
    ("name", "email", "errors"),
    [
        (None, EMAIL, NO_NAME),
        ("   ", EMAIL, NO_NAME),
        (NAME, "priya.shah", BAD_EMAIL),
        (NAME, "priya shah@example.org", BAD_EMAIL),
        (NAME, "priya.shah@", BAD_EMAIL),
        ("x" * 201, None, {"name": "Name must be 200 characters or fewer"}),
        (None, "not an address", NO_NAME | BAD_EMAIL),
    ],
)
def test_wrong_input_is_refused_naming_each_field_and_nothing_is_stored(
    db: Session,
    force: Organisation,
    admin: Actor,
    name: str | None,
    email: str | None,
    errors: dict[str, str],
) -> None:
    with pytest.raises(InvalidInput) as refused:
        set_contact_officer(db, admin, force.id, contact(name, email, force))
    assert refused.value.errors == errors
    db.rollback()
    assert (force.contact_name, force.contact_email) == (None, None)
    assert entries_about(db, force) == []


def test_a_name_of_200_characters_is_accepted(
    db: Session, force: Organisation, admin: Actor
) -> None:
    set_contact_officer(db, admin, force.id, contact("x" * 200, None, force))
    assert force.contact_name == "x" * 200


def test_another_organisations_administrator_is_told_it_does_not_exist(
    db: Session, force: Organisation
) -> None:
    outsider = person_in(db, make_organisation(db, "police_force"), "administrator")
    with pytest.raises(NotFound):
        set_contact_officer(db, outsider, force.id, contact(NAME, EMAIL, force))
    with pytest.raises(NotFound):
        get_contact_officer(db, outsider, force.id)
    db.rollback()
    assert force.contact_name is None
    assert entries_about(db, force) == []


def test_only_administrators_set_it_and_coordinators_read_every_organisations(
    db: Session, force: Organisation, admin: Actor
) -> None:
    analyst = person_in(db, force, "intelligence_analyst")
    with pytest.raises(Forbidden):
        set_contact_officer(db, analyst, force.id, contact(NAME, EMAIL, force))
    with pytest.raises(Forbidden):
        get_contact_officer(db, analyst, force.id)
    with pytest.raises(NotFound):  # another organisation's: not even that it exists
        get_contact_officer(db, analyst, make_organisation(db).id)

    set_contact_officer(db, admin, force.id, contact(NAME, EMAIL, force))
    coordinator = person_in(
        db, make_organisation(db, "national_coordination_centre"), "national_coordinator"
    )
    read = get_contact_officer(db, coordinator, force.id, via="api")
    assert (read.contact_name, read.contact_email) == (NAME, EMAIL)
    with pytest.raises(Forbidden):  # they put forces in touch; each force names its own
        set_contact_officer(db, coordinator, force.id, contact("DC Someone Else", None, force))
    with pytest.raises(NotFound):
        get_contact_officer(db, coordinator, uuid.uuid4())

    consultation = entries_about(db, force)[-1]
    assert consultation.operation == "consultation"
    assert consultation.justification == "putting organisations in touch for deconfliction"
    assert consultation.record_owner_id == force.id
    assert consultation.organisation_id == coordinator.organisation_id
    assert consultation.via == "api"


def test_an_administrator_reading_it_is_audited_as_a_consultation(
    db: Session, force: Organisation, admin: Actor
) -> None:
    assert get_contact_officer(db, admin, force.id).id == force.id
    [entry] = entries_about(db, force)
    assert (entry.operation, entry.user_id) == ("consultation", admin.user_id)
    assert entry.justification == "administering the organisation's contact officer"


def test_a_change_made_to_an_older_version_is_refused(
    db: Session, force: Organisation, admin: Actor
) -> None:
    opened = contact(NAME, EMAIL, force)
    set_contact_officer(db, admin, force.id, contact("DI Mark Ellis", None, force))
    with pytest.raises(Conflict):
        set_contact_officer(db, admin, force.id, opened)
    db.rollback()
    assert force.contact_name == "DI Mark Ellis"


def test_whoever_runs_the_deployment_sets_it_without_a_user_and_the_log_says_so(
    db: Session, force: Organisation
) -> None:
    set_contact_officer(db, None, force.id, contact(NAME, EMAIL, force), via="cli")
    [entry] = entries_about(db, force)
    assert (entry.operation, entry.user_id, entry.via) == ("collection", None, "cli")
    with pytest.raises(NotFound):
        set_contact_officer(db, None, uuid.uuid4(), contact(NAME, EMAIL, force), via="cli")


def test_the_other_forces_alert_names_the_contact_officer_once_it_is_set(db: Session) -> None:
    force_a = make_force(db, "Merseyside Police (test)")
    force_b = make_force(db, "West Mercia Police (test)")
    record_line(db, force_a.analyst, "A-OP-LANTERN", [SHARED])
    record_line(db, force_b.analyst, "B-OP-HARBOUR", [SHARED])
    [before] = deconfliction.alerts(db, force_a.analyst)
    assert before.contact.name is None
    assert before.contact.note is not None

    b_admin = person_in(db, force_b.organisation, "administrator")
    organisation_b = force_b.organisation
    set_contact_officer(db, b_admin, organisation_b.id, contact(NAME, EMAIL, organisation_b))

    [after] = deconfliction.alerts(db, force_a.analyst)
    assert (after.contact.name, after.contact.email, after.contact.note) == (NAME, EMAIL, None)
    assert after.other_organisation == organisation_b.name
    [own] = deconfliction.alerts(db, force_b.analyst)  # B's own alert names A's (none yet)
    assert own.contact.name is None

    set_contact_officer(db, b_admin, organisation_b.id, contact(None, None, organisation_b))
    [removed] = deconfliction.alerts(db, force_a.analyst)
    assert removed.contact.name is None
    assert removed.contact.note is not None
    assert organisation_b.name in removed.contact.note
