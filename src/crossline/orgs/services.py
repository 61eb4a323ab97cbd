"""Organisations and areas: seeding reference data, finding and listing them, and
setting an organisation's contact officer (docs/lines.md, "Contact officer")."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from crossline.audit.services import Operation, RecordRef, record
from crossline.auth.actor import Actor
from crossline.auth.permissions import Permission
from crossline.core.database import check_version
from crossline.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from crossline.orgs.models import Area, Organisation
from crossline.orgs.reference import FORCES, ORGANISATION_KINDS, area_rows
from crossline.orgs.schemas import AlertContactRead, ContactOfficerSet

CONTACT_NAME_MAX = 200  # the column's length
# What each change to a contact officer is, in DOMAIN.md §AUDIT.s62's words.
_CONTACT_CHANGE_WHY = {
    Operation.COLLECTION: "contact officer recorded",
    Operation.ALTERATION: "contact officer changed",
    Operation.ERASURE: "contact officer removed",
}


def seed_reference_data(db: Session) -> tuple[int, int]:
    """Add any missing areas and force organisations; return how many of each were added.

    Idempotent: running it again adds nothing and changes no existing record
    (names a deployment has edited stay as they are).
    """
    known_areas = set(db.scalars(select(Area.id)))
    new_areas: list[Area] = [Area(**row) for row in area_rows() if row["id"] not in known_areas]
    for kind in ("force_area", "district"):  # districts refer to their force area
        db.add_all([area for area in new_areas if area.kind == kind])
        db.flush()
    known_orgs = set(db.scalars(select(Organisation.key)))
    new_orgs = [
        Organisation(
            key=force.id,
            name=force.name,
            kind=force.organisation_kind,
            area_id=force.area_code,
            is_reference=True,
        )
        for force in FORCES.values()
        if force.id not in known_orgs
    ]
    db.add_all(new_orgs)
    db.commit()
    return len(new_areas), len(new_orgs)


def ensure_organisation(db: Session, key: str, name: str, kind: str) -> Organisation:
    """The organisation with ``key``, created if missing (used by set-up and the demo)."""
    if kind not in ORGANISATION_KINDS:
        raise InvalidInput(f"'{kind}' is not a kind of organisation Crossline knows.", field="kind")
    organisation = db.scalar(select(Organisation).where(Organisation.key == key))
    if organisation is None:
        organisation = Organisation(key=key, name=name, kind=kind)
        db.add(organisation)
        db.flush()
    return organisation


def get_organisation(db: Session, organisation_id: uuid.UUID) -> Organisation:
    organisation = db.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound("There is no such organisation.")
    return organisation


def find_organisation(db: Session, key: str) -> Organisation:
    organisation = db.scalar(select(Organisation).where(Organisation.key == key))
    if organisation is None:
        raise NotFound(f"There is no organisation '{key}'. `crossline orgs list` shows them.")
    return organisation


def list_organisations(db: Session, kind: str | None = None) -> Sequence[Organisation]:
    statement = select(Organisation).order_by(Organisation.name)
    if kind:
        statement = statement.where(Organisation.kind == kind)
    return db.scalars(statement).all()


def list_areas(db: Session, kind: str | None = None) -> Sequence[Area]:
    statement = select(Area).order_by(Area.name)
    if kind:
        statement = statement.where(Area.kind == kind)
    return db.scalars(statement).all()


# --- the contact officer ------------------------------------------------------------------------


# What an alert says when the other organisation has no contact officer recorded.
NO_CONTACT = (
    "{organisation} has no contact officer recorded in Crossline. Ask the national "
    "coordination centre to put you in touch."
)


def alert_contact(organisation: Organisation) -> AlertContactRead:
    """The contact officer a deconfliction alert names, or what to do when none is recorded.

    Alerts name another organisation's contact and nothing of its records
    (DESIGN.md, Security and data protection); lines and people both use this.
    """
    if organisation.contact_name or organisation.contact_email:
        return AlertContactRead(
            name=organisation.contact_name, email=organisation.contact_email, note=None
        )
    return AlertContactRead(
        name=None, email=None, note=NO_CONTACT.format(organisation=organisation.name)
    )


def organisation_names(db: Session, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The names of the organisations with ``ids``, to show beside their records."""
    if not ids:
        return {}
    rows = db.execute(select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids)))
    return {row.id: row.name for row in rows}


def contact_officer_ref(organisation_id: uuid.UUID) -> RecordRef:
    """The audit log's name for an organisation's contact officer (personal data)."""
    return RecordRef.of("organisation_contact", organisation_id)


def get_contact_officer(
    db: Session, actor: Actor, organisation_id: uuid.UUID, *, via: str = "web"
) -> Organisation:
    """The organisation, to read its contact officer. Audited as a consultation.

    Its own users with ``organisation.manage`` read it; so do national
    coordinators (``deconfliction.resolve``), for any organisation, since they
    put organisations in touch. Anyone else is told another organisation does
    not exist (NotFound), and their own organisation's is Forbidden.
    """
    if actor.can(Permission.DECONFLICTION_RESOLVE):
        organisation = get_organisation(db, organisation_id)
        why = "putting organisations in touch for deconfliction"
    else:
        organisation = _own_organisation(db, actor, organisation_id)
        why = "administering the organisation's contact officer"
    record(
        db,
        actor,
        Operation.CONSULTATION,
        contact_officer_ref(organisation.id),
        why=why,
        owner=organisation.id,
        via=via,
    )
    db.commit()
    return organisation


def set_contact_officer(
    db: Session,
    actor: Actor | None,
    organisation_id: uuid.UUID,
    data: ContactOfficerSet,
    *,
    via: str = "web",
) -> Organisation:
    """Record, change or (both fields empty) remove an organisation's contact officer.

    Needs ``organisation.manage`` in that very organisation: another
    organisation is NotFound, as if it did not exist (Forbidden for a national
    coordinator, who reads every organisation's). ``actor`` None is whoever
    runs the deployment, from the command line or the demo. The name is
    trimmed and needed with an email address; the email address is checked
    (InvalidInput naming each wrong field). A stale ``data.version`` is a
    Conflict. Audited, owned by the organisation: collection when there was
    none, alteration, or erasure; saving what is already there records nothing.
    """
    if actor is None:
        organisation = get_organisation(db, organisation_id)
    elif actor.can(Permission.DECONFLICTION_RESOLVE) and organisation_id != actor.organisation_id:
        # A coordinator reads every organisation's, so "not found" would mislead.
        raise Forbidden(
            "Each organisation names its own contact officer. Ask that organisation's "
            "administrator to change it."
        )
    else:
        organisation = _own_organisation(db, actor, organisation_id)
    check_version(organisation, data.version)
    name, email = checked_contact_officer(data)
    operation = _contact_change(organisation, name, email)
    if operation is None:
        return organisation
    try:
        organisation.contact_name, organisation.contact_email = name, email
        record(
            db,
            actor,
            operation,
            contact_officer_ref(organisation.id),
            why=_CONTACT_CHANGE_WHY[operation],
            owner=organisation.id,
            via=via,
        )
        db.commit()
    except StaleDataError as exc:  # saved by someone else between our read and our write
        db.rollback()
        raise Conflict(
            "Someone else changed this organisation's contact officer while you were saving. "
            "Reload the page to see their change, then make yours again."
        ) from exc
    return organisation


def checked_contact_officer(data: ContactOfficerSet) -> tuple[str | None, str | None]:
    """The name and email address to store, trimmed and checked; (None, None) removes them.

    Raises InvalidInput with a message for each wrong field (never quoting
    what was typed: messages may reach a log).
    """
    name = " ".join((data.name or "").split()) or None
    given_email = (data.email or "").strip() or None
    errors: dict[str, str] = {}
    if name is not None and len(name) > CONTACT_NAME_MAX:
        errors["name"] = f"Name must be {CONTACT_NAME_MAX} characters or fewer"
    elif name is None and given_email is not None:
        errors["name"] = "Enter the contact officer's name, or remove the email address too"
    email = None
    if given_email is not None:
        try:
            email = validate_email(given_email, check_deliverability=False).normalized
        except EmailNotValidError:
            errors["email"] = "Enter an email address in the correct format, like name@example.org"
    if errors:
        raise InvalidInput.of_fields(errors)
    return name, email


def _own_organisation(db: Session, actor: Actor, organisation_id: uuid.UUID) -> Organisation:
    # Another organisation's is "not found", whatever the roles: its details are not ours
    # to know or change. Our own needs the permission.
    if organisation_id != actor.organisation_id:
        raise NotFound("There is no such organisation.")
    actor.require(Permission.ORGANISATION_MANAGE)
    return get_organisation(db, organisation_id)


def _contact_change(
    organisation: Organisation, name: str | None, email: str | None
) -> Operation | None:
    """Which processing storing ``name`` and ``email`` is; None if nothing changes."""
    before = (organisation.contact_name, organisation.contact_email)
    after = (name, email)
    if before == after:
        return None
    if before == (None, None):
        return Operation.COLLECTION
    if after == (None, None):
        return Operation.ERASURE
    return Operation.ALTERATION
