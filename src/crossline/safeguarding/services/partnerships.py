"""School-police partnerships (DOMAIN.md §PROG.ssp): a school and a police force working
together, the force's named partnership officer, and what the partnership does with
groups of pupils, staff and parents.

Who may do what: a user with ``safeguarding.write`` in the school or in the force starts
a partnership between their organisation and the other, records its activities and ends
it; users with ``safeguarding.read`` in either organisation see it. Every other
organisation is told there is no such partnership (NotFound), even for a guessed id.

A school and a force have at most one *current* partnership (not ended, or ending
later): a second is refused, never merged. The officer's name, email address and phone
are staff contact details, audited as an organisation's contact officer is (collection
when recorded, alteration when the partnership ends); activities are about groups, never
a named child, and are not personal data.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from crossline.audit.services import Operation, RecordRef, record
from crossline.auth.actor import Actor
from crossline.auth.permissions import Permission
from crossline.core import clock
from crossline.core.calendar import uk_date
from crossline.core.database import check_version, commit_or_conflict
from crossline.core.errors import InvalidInput, NotFound
from crossline.orgs.models import Organisation
from crossline.orgs.reference import ORGANISATION_KINDS
from crossline.orgs.services import organisation_names
from crossline.safeguarding.models import Concern, PartnershipActivity, SchoolPartnership
from crossline.safeguarding.reference import VOCABULARY, label
from crossline.safeguarding.schemas import (
    PartnershipActivityIn,
    PartnershipActivityRead,
    PartnershipEndIn,
    PartnershipIn,
    PartnershipRead,
    PoliceContactRead,
)
from crossline.safeguarding.services.concerns import get_concern

NO_SUCH_PARTNERSHIP = "There is no such partnership between your organisation and another."
# The kind of organisation each side partners with.
PARTNER_KIND = {"school": "police_force", "police_force": "school"}
CONFLICT = (
    "Someone else changed this partnership while you were saving. Reload the page to see "
    "their change, then make yours again."
)


# --- reading ----------------------------------------------------------------------------------


def partner_kind(db: Session, actor: Actor) -> str | None:
    """The kind of organisation ``actor``'s organisation partners with, or None when it is
    neither a school nor a police force."""
    own = db.get(Organisation, actor.organisation_id)
    return PARTNER_KIND.get(own.kind) if own is not None else None


def partner_choices(db: Session, actor: Actor) -> list[Organisation]:
    """The organisations ``actor``'s organisation may start a partnership with, by name."""
    kind = partner_kind(db, actor)
    if kind is None:
        return []
    return list(
        db.scalars(
            select(Organisation).where(Organisation.kind == kind).order_by(Organisation.name)
        )
    )


def list_partnerships(db: Session, actor: Actor) -> Sequence[SchoolPartnership]:
    """Every partnership ``actor``'s organisation is in, current and ended, newest first.

    Needs ``safeguarding.read`` (Forbidden otherwise)."""
    actor.require(Permission.SAFEGUARDING_READ)
    own = actor.organisation_id
    return db.scalars(
        select(SchoolPartnership)
        .where(or_(SchoolPartnership.school_id == own, SchoolPartnership.force_id == own))
        .order_by(SchoolPartnership.started_on.desc(), SchoolPartnership.created_at.desc())
    ).all()


def get_partnership(db: Session, actor: Actor, partnership_id: uuid.UUID) -> SchoolPartnership:
    """One partnership of ``actor``'s organisation. Needs ``safeguarding.read``; another
    organisation's, or none, is NotFound."""
    return _ours(db, actor, partnership_id, Permission.SAFEGUARDING_READ)


def activities_of(db: Session, partnership: SchoolPartnership) -> Sequence[PartnershipActivity]:
    """The partnership's activities, latest first."""
    return db.scalars(
        select(PartnershipActivity)
        .where(PartnershipActivity.partnership_id == partnership.id)
        .order_by(PartnershipActivity.held_on.desc(), PartnershipActivity.created_at.desc())
    ).all()


def partnership_read(db: Session, partnership: SchoolPartnership) -> PartnershipRead:
    """The partnership with its organisations' names and its activities."""
    names = organisation_names(db, {partnership.school_id, partnership.force_id})
    return PartnershipRead(
        id=partnership.id,
        school_id=partnership.school_id,
        school=names.get(partnership.school_id, ""),
        force_id=partnership.force_id,
        force=names.get(partnership.force_id, ""),
        officer_name=partnership.officer_name,
        officer_email=partnership.officer_email,
        officer_phone=partnership.officer_phone,
        started_on=partnership.started_on,
        ended_on=partnership.ended_on,
        is_current=partnership.is_current(_today()),
        agreement=partnership.agreement,
        created_by=partnership.created_by_name,
        created_at=partnership.created_at,
        changed_by=partnership.changed_by_name,
        changed_at=partnership.changed_at,
        version=partnership.version,
        activities=[activity_read(a) for a in activities_of(db, partnership)],
    )


def activity_read(activity: PartnershipActivity) -> PartnershipActivityRead:
    return PartnershipActivityRead(
        id=activity.id,
        held_on=activity.held_on,
        kind=activity.kind,
        kind_label=label("partnership_activities", activity.kind),
        topic=activity.topic,
        pupils_reached=activity.pupils_reached,
        notes=activity.notes,
        recorded_by=activity.recorded_by_name,
        recorded_at=activity.created_at,
    )


# --- the school's police contact --------------------------------------------------------------


def police_contact_for_school(
    db: Session, school_id: uuid.UUID, on_date: date
) -> list[PoliceContactRead]:
    """The partnership officers of the school's partnerships current on ``on_date`` (started
    by then and not ended), one per force; empty when it has none.

    A read-side helper with no permission check: callers show it beside a record they
    have already checked the reader may see (a concern the school raised).
    """
    partnerships = db.scalars(
        select(SchoolPartnership)
        .where(
            SchoolPartnership.school_id == school_id,
            SchoolPartnership.started_on <= on_date,
            or_(SchoolPartnership.ended_on.is_(None), SchoolPartnership.ended_on > on_date),
        )
        .order_by(SchoolPartnership.started_on)
    ).all()
    names = organisation_names(db, {school_id} | {p.force_id for p in partnerships})
    return [
        PoliceContactRead(
            partnership_id=p.id,
            school=names.get(p.school_id, ""),
            force=names.get(p.force_id, ""),
            officer_name=p.officer_name,
            officer_email=p.officer_email,
            officer_phone=p.officer_phone,
        )
        for p in partnerships
    ]


def police_contact_for_concern(
    db: Session, actor: Actor, concern_id: uuid.UUID
) -> list[PoliceContactRead]:
    """The police contacts of the school that raised a concern, today; empty when a school
    did not raise it or the school has no current partnership.

    Needs ``safeguarding.read`` and the concern's case (NotFound otherwise, as for the
    concern itself).
    """
    concern, _ = get_concern(db, actor, concern_id)
    if not _raised_by_a_school(db, concern):
        return []
    return police_contact_for_school(db, concern.organisation_id, _today())


# --- changing ---------------------------------------------------------------------------------


def start_partnership(
    db: Session, actor: Actor, data: PartnershipIn, *, via: str = "web"
) -> SchoolPartnership:
    """Start a partnership between ``actor``'s school or force and the other organisation.

    Needs ``safeguarding.write``. InvalidInput naming the field when ``actor``'s
    organisation is neither a school nor a force, the other is not of the right kind, a
    detail is missing or wrong, or the two already have a current partnership. The
    officer's details are audited as a collection.
    """
    actor.require(Permission.SAFEGUARDING_WRITE)
    school_id, force_id = _sides(db, actor, data.partner_id)
    name, email, phone, agreement = _checked_details(data)
    _refuse_a_second(db, school_id, force_id)
    partnership = SchoolPartnership(
        school_id=school_id,
        force_id=force_id,
        officer_name=name,
        officer_email=email,
        officer_phone=phone,
        started_on=data.started_on,
        agreement=agreement,
        created_by_name=actor.display_name,
        changed_at=clock.now(),
        changed_by_name=actor.display_name,
    )
    db.add(partnership)
    db.flush()
    _audit(db, actor, Operation.COLLECTION, partnership, "school-police partnership started", via)
    commit_or_conflict(db, CONFLICT)
    return partnership


def end_partnership(
    db: Session,
    actor: Actor,
    partnership_id: uuid.UUID,
    data: PartnershipEndIn,
    *,
    via: str = "web",
) -> SchoolPartnership:
    """End a partnership on ``data.ended_on`` (today, or a day still to come).

    Needs ``safeguarding.write`` in the school or the force (NotFound for anyone else).
    InvalidInput when it has already ended or the date is before its start; Conflict when
    ``data.version`` is stale. Audited as an alteration.
    """
    partnership = _ours(db, actor, partnership_id, Permission.SAFEGUARDING_WRITE)
    check_version(partnership, data.version)
    if partnership.ended_on is not None and partnership.ended_on <= _today():
        raise InvalidInput("This partnership has already ended.", field="ended_on")
    if data.ended_on < partnership.started_on:
        raise InvalidInput(
            f"The end date must be on or after the day the partnership started "
            f"({partnership.started_on:%-d %B %Y}).",
            field="ended_on",
        )
    partnership.ended_on = data.ended_on
    partnership.changed_at = clock.now()
    partnership.changed_by_name = actor.display_name
    _audit(db, actor, Operation.ALTERATION, partnership, "school-police partnership ended", via)
    commit_or_conflict(db, CONFLICT)
    return partnership


def record_activity(
    db: Session,
    actor: Actor,
    partnership_id: uuid.UUID,
    data: PartnershipActivityIn,
    *,
    via: str = "web",
) -> PartnershipActivity:
    """Record something the partnership did with a group (never about a named child).

    Needs ``safeguarding.write`` in the school or the force (NotFound for anyone else).
    InvalidInput naming the field for an unknown kind, an empty topic, a negative number
    of pupils, or a date outside the partnership or still to come. Not audited: it holds
    no personal data. ``via`` is accepted for symmetry with the other changes.
    """
    partnership = _ours(db, actor, partnership_id, Permission.SAFEGUARDING_WRITE)
    errors = _activity_errors(partnership, data)
    if errors:
        raise InvalidInput.of_fields(errors)
    activity = PartnershipActivity(
        partnership_id=partnership.id,
        held_on=data.held_on,
        kind=data.kind,
        topic=" ".join(data.topic.split()),
        pupils_reached=data.pupils_reached,
        notes=(data.notes or "").strip() or None,
        recorded_by_name=actor.display_name,
    )
    db.add(activity)
    commit_or_conflict(db, CONFLICT)
    return activity


# --- helpers ----------------------------------------------------------------------------------


def _today() -> date:
    return uk_date(clock.now())


def _ours(
    db: Session, actor: Actor, partnership_id: uuid.UUID, permission: Permission
) -> SchoolPartnership:
    actor.require(permission)
    partnership = db.get(SchoolPartnership, partnership_id)
    if partnership is None or actor.organisation_id not in (
        partnership.school_id,
        partnership.force_id,
    ):
        raise NotFound(NO_SUCH_PARTNERSHIP)
    return partnership


def _sides(db: Session, actor: Actor, partner_id: uuid.UUID) -> tuple[uuid.UUID, uuid.UUID]:
    """(school id, force id) of a partnership between ``actor``'s organisation and the other."""
    own = db.get(Organisation, actor.organisation_id)
    wanted = PARTNER_KIND.get(own.kind) if own is not None else None
    if own is None or wanted is None:
        raise InvalidInput(
            "Only a school or a police force can start a school-police partnership. "
            "Ask the school or the force to record it.",
            field="partner_id",
        )
    partner = db.get(Organisation, partner_id)
    if partner is None or partner.kind != wanted:
        kind = ORGANISATION_KINDS[wanted].label.lower()
        raise InvalidInput(f"Choose the {kind} from the list.", field="partner_id")
    return (own.id, partner.id) if own.kind == "school" else (partner.id, own.id)


def _checked_details(data: PartnershipIn) -> tuple[str, str, str | None, str]:
    """The officer's name, email address and phone and the agreement, trimmed and checked.

    Messages never quote what was typed: they may reach a log.
    """
    name = " ".join(data.officer_name.split())
    phone = " ".join((data.officer_phone or "").split()) or None
    agreement = data.agreement.strip()
    errors: dict[str, str] = {}
    if not name:
        errors["officer_name"] = "Enter the partnership officer's name"
    email = ""
    try:
        email = validate_email(data.officer_email.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        errors["officer_email"] = (
            "Enter the officer's email address in the correct format, like name@example.org"
        )
    if phone is not None and not all(c.isdigit() or c in " +()-" for c in phone):
        errors["officer_phone"] = "Enter a phone number using digits, spaces, + ( ) and - only"
    if not agreement:
        errors["agreement"] = "Say what the partnership covers"
    if errors:
        raise InvalidInput.of_fields(errors)
    return name, email, phone, agreement


def _refuse_a_second(db: Session, school_id: uuid.UUID, force_id: uuid.UUID) -> None:
    """Refuse a partnership while the school and the force already have a current one."""
    # Lock the school's row (PostgreSQL), so two people starting the same partnership at
    # once are checked one after the other; SQLite writes one transaction at a time.
    db.execute(select(Organisation.id).where(Organisation.id == school_id).with_for_update())
    today = _today()
    current = db.scalars(
        select(SchoolPartnership).where(
            SchoolPartnership.school_id == school_id,
            SchoolPartnership.force_id == force_id,
            or_(SchoolPartnership.ended_on.is_(None), SchoolPartnership.ended_on > today),
        )
    ).first()
    if current is not None:
        names = organisation_names(db, {school_id, force_id})
        raise InvalidInput(
            f"{names[school_id]} and {names[force_id]} already have a current partnership, "
            f"started on {current.started_on:%-d %B %Y}. Record activities on it, or end it "
            "before starting a new one.",
            field="partner_id",
        )


def _activity_errors(partnership: SchoolPartnership, data: PartnershipActivityIn) -> dict[str, str]:
    errors: dict[str, str] = {}
    if data.held_on > _today():
        errors["held_on"] = "The date cannot be in the future: record an activity once held"
    elif data.held_on < partnership.started_on:
        errors["held_on"] = (
            f"The date must be on or after the day the partnership started "
            f"({partnership.started_on:%-d %B %Y})"
        )
    elif partnership.ended_on is not None and data.held_on >= partnership.ended_on:
        errors["held_on"] = (
            f"The date must be before the partnership ended ({partnership.ended_on:%-d %B %Y})"
        )
    if data.kind not in VOCABULARY["partnership_activities"]:
        errors["kind"] = "Choose the kind of activity"
    if not data.topic.strip():
        errors["topic"] = "Enter the topic"
    if data.pupils_reached is not None and data.pupils_reached < 0:
        errors["pupils_reached"] = (
            "Pupils reached cannot be negative: enter 0 or more, or leave it empty"
        )
    return errors


def _raised_by_a_school(db: Session, concern: Concern) -> bool:
    raiser = db.get(Organisation, concern.organisation_id)
    return raiser is not None and raiser.kind == "school"


def _audit(
    db: Session,
    actor: Actor,
    operation: Operation,
    partnership: SchoolPartnership,
    why: str,
    via: str,
) -> None:
    record(
        db,
        actor,
        operation,
        RecordRef.of("school_partnership", partnership.id),
        why=why,
        owner=actor.organisation_id,
        via=via,
    )
