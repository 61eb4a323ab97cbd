"""Young person records: made by a safeguarding practitioner, by an import of agency
records, or by analysis finding a possible child on a line; shared with the other
organisations working with the child by adding them to the case."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crossline.audit.services import Operation, RecordRef, record
from crossline.auth.actor import Actor
from crossline.auth.models import User, UserRole
from crossline.auth.permissions import Permission, roles_granting
from crossline.core import clock
from crossline.core.database import check_version
from crossline.core.errors import InvalidInput
from crossline.core.phones import e164
from crossline.orgs.models import Organisation
from crossline.orgs.reference import FORCES
from crossline.safeguarding.facts import checked_facts
from crossline.safeguarding.models import CaseMember, YoungPerson
from crossline.safeguarding.schemas import (
    CaseMemberIn,
    YoungPersonChange,
    YoungPersonIn,
    YoungPersonRead,
)
from crossline.safeguarding.services.access import (
    audit,
    case_filter,
    case_of,
    commit,
    dumps,
    event,
)

CHILD_UNDER = 18  # DOMAIN.md §CCE: a child is under 18


def age_on(young_person: YoungPerson, on: date) -> int | None:
    """Whole years on ``on``, or None when the date of birth is not known."""
    born = young_person.dob
    if born is None:
        return None
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def is_child(young_person: YoungPerson, on: date | None = None) -> bool | None:
    """Under 18 on ``on`` (default today); None when the age is not known."""
    age = age_on(young_person, on or clock.now().date())
    return None if age is None else age < CHILD_UNDER


def create(
    db: Session,
    actor: Actor,
    data: YoungPersonIn,
    *,
    via: str = "web",
    source_ref: str | None = None,
    why: str = "recording a young person to safeguard",
    commit_now: bool = True,
) -> YoungPerson:
    """A new young person record owned by the actor's organisation."""
    actor.require(Permission.SAFEGUARDING_WRITE)
    young_person = YoungPerson(
        owner_id=actor.organisation_id,
        reference=_next_reference(db, actor.organisation_id),
        source_ref=source_ref,
        created_by_name=actor.display_name,
    )
    _apply(young_person, data)
    db.add(young_person)
    db.flush()
    event(db, actor, young_person, "recorded", f"Recorded by {actor.organisation_name}")
    audit(db, actor, Operation.COLLECTION, young_person, why, via=via)
    if commit_now:
        commit(db)
    return young_person


def get(
    db: Session, actor: Actor, young_person_id: uuid.UUID, *, why: str, via: str = "web"
) -> YoungPerson:
    """A young person the actor's organisation works with; the look is audited."""
    young_person = case_of(db, actor, young_person_id)
    audit(db, actor, Operation.CONSULTATION, young_person, why, via=via)
    db.commit()
    return young_person


def list_cases(db: Session, actor: Actor, *, via: str = "web") -> Sequence[YoungPerson]:
    """Every young person whose case the actor's organisation is involved in.

    The list shows names and dates of birth, so reading it is one audited
    consultation (DOMAIN.md §AUDIT.s62).
    """
    actor.require(Permission.SAFEGUARDING_READ)
    found = db.scalars(
        select(YoungPerson).where(case_filter(actor)).order_by(YoungPerson.created_at.desc())
    ).all()
    record(
        db,
        actor,
        Operation.CONSULTATION,
        RecordRef.of("young_person_list", actor.organisation_id),
        why="listing the young people in your organisation's cases",
        owner=actor.organisation_id,
        via=via,
    )
    db.commit()
    return found


def change(
    db: Session,
    actor: Actor,
    young_person_id: uuid.UUID,
    data: YoungPersonChange,
    *,
    via: str = "web",
) -> YoungPerson:
    young_person = case_of(db, actor, young_person_id, permission=Permission.SAFEGUARDING_WRITE)
    check_version(young_person, data.version)
    _apply(young_person, data)
    young_person.changed_at = clock.now()
    event(db, actor, young_person, "changed", "Details corrected")
    audit(
        db,
        actor,
        Operation.ALTERATION,
        young_person,
        "correcting a young person's details",
        via=via,
    )
    commit(db)
    return young_person


def add_member(
    db: Session, actor: Actor, young_person_id: uuid.UUID, data: CaseMemberIn, *, via: str = "web"
) -> CaseMember:
    """Bring another organisation into the case: it then sees the whole case.

    Only the owner adds members; the organisation must have safeguarding
    practitioners (DESIGN.md: safeguarding records go to safeguarding roles).
    The sharing is a disclosure to that organisation (DOMAIN.md §AUDIT.s62).
    """
    young_person = case_of(db, actor, young_person_id, permission=Permission.SAFEGUARDING_WRITE)
    if young_person.owner_id != actor.organisation_id:
        raise InvalidInput(
            "Only the organisation that holds this young person's record can bring others "
            "into the case.",
            field="organisation_id",
        )
    partner = db.get(Organisation, data.organisation_id)
    if partner is None or partner.id == actor.organisation_id:
        raise InvalidInput("Choose another organisation.", field="organisation_id")
    existing = db.scalar(
        select(CaseMember).where(
            CaseMember.young_person_id == young_person.id,
            CaseMember.organisation_id == partner.id,
        )
    )
    if existing is not None:
        raise InvalidInput(f"{partner.name} already works on this case.", field="organisation_id")
    member = CaseMember(
        young_person_id=young_person.id,
        organisation_id=partner.id,
        reason=data.reason.strip(),
        added_by_name=actor.display_name,
    )
    db.add(member)
    event(
        db, actor, young_person, "member_added", f"{partner.name} joined the case: {member.reason}"
    )
    audit(
        db,
        actor,
        Operation.DISCLOSURE,
        young_person,
        f"sharing the case: {member.reason}",
        via=via,
        recipient=partner.name,
    )
    commit(db)
    return member


def members(db: Session, young_person: YoungPerson) -> list[Organisation]:
    """The organisations involved in the case, owner first."""
    ids = db.scalars(
        select(CaseMember.organisation_id).where(CaseMember.young_person_id == young_person.id)
    ).all()
    owner = db.get(Organisation, young_person.owner_id)
    others = db.scalars(select(Organisation).where(Organisation.id.in_(ids))).all() if ids else []
    return [o for o in [owner, *sorted(others, key=lambda o: o.name)] if o is not None]


def partner_choices(db: Session, actor: Actor) -> Sequence[Organisation]:
    """Organisations with a safeguarding practitioner, for the "add to case" form."""
    roles = roles_granting(Permission.SAFEGUARDING_READ)
    with_role = (
        select(User.organisation_id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role.in_(roles), User.is_active)
    )
    return db.scalars(
        select(Organisation)
        .where(Organisation.id.in_(with_role), Organisation.id != actor.organisation_id)
        .order_by(Organisation.name)
    ).all()


def find(
    db: Session,
    organisation_id: uuid.UUID,
    *,
    phone_number: str | None = None,
    first_name: str | None = None,
    surname: str | None = None,
    dob: date | None = None,
) -> YoungPerson | None:
    """The organisation's own record of this young person, by number or by name and birth."""
    query = select(YoungPerson).where(YoungPerson.owner_id == organisation_id)
    if phone_number:
        return db.scalar(query.where(YoungPerson.phone_number == phone_number).limit(1))
    if first_name and surname:
        query = query.where(
            func.lower(YoungPerson.first_name) == first_name.strip().lower(),
            func.lower(YoungPerson.surname) == surname.strip().lower(),
            YoungPerson.dob == dob if dob else YoungPerson.dob.is_(None),
        )
        return db.scalar(query.limit(1))
    return None


def read(db: Session, young_person: YoungPerson) -> YoungPersonRead:
    owner = db.get(Organisation, young_person.owner_id)
    return YoungPersonRead(
        id=young_person.id,
        reference=young_person.reference,
        name=young_person.name,
        first_name=young_person.first_name,
        surname=young_person.surname,
        dob=young_person.dob,
        gender=young_person.gender,
        postcode=young_person.postcode,
        description=young_person.description,
        phone_number=young_person.phone_number,
        country=young_person.country,
        force_area=young_person.force_area,
        education=young_person.education,
        exclusion=young_person.exclusion,
        custody=young_person.custody,
        circumstances=json.loads(young_person.circumstances),
        family_problems=json.loads(young_person.family_problems),
        owner=owner.name if owner else "",
        version=young_person.version,
    )


def _apply(young_person: YoungPerson, data: YoungPersonIn) -> None:
    facts = checked_facts(data)
    number = None
    if data.phone_number and data.phone_number.strip():
        number = e164(data.phone_number)
        if number is None:
            raise InvalidInput("Enter a phone number, like 07700 900123.", field="phone_number")
    if data.dob is not None and data.dob > clock.now().date():
        raise InvalidInput("The date of birth must be in the past.", field="dob")
    if data.force_area and data.force_area not in FORCES:
        raise InvalidInput("Choose a police force area from the list.", field="force_area")
    if not any((data.first_name, data.surname, data.description, number)):
        raise InvalidInput(
            "Enter a name, or say who this is (for example the phone they use).",
            field="first_name",
        )
    young_person.first_name = _clean(data.first_name)
    young_person.surname = _clean(data.surname)
    young_person.dob = data.dob
    young_person.gender = _clean(data.gender)
    young_person.postcode = _clean(data.postcode.upper() if data.postcode else None)
    young_person.description = _clean(data.description)
    young_person.phone_number = number
    young_person.country = facts["country"]
    young_person.force_area = data.force_area or None
    young_person.education = facts["education"]
    young_person.exclusion = facts["exclusion"]
    young_person.custody = facts["custody"]
    young_person.circumstances = dumps(facts["circumstances"])
    young_person.family_problems = dumps(facts["family_problems"])


def _clean(text: str | None) -> str | None:
    return text.strip() or None if text else None


def _next_reference(db: Session, organisation_id: uuid.UUID) -> str:
    count = db.scalar(
        select(func.count(YoungPerson.id)).where(YoungPerson.owner_id == organisation_id)
    )
    return f"YP-{clock.now().year}-{(count or 0) + 1:04d}"
