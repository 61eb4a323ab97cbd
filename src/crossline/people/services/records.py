"""An organisation's person records: recorded, corrected, imported, read; every step audited.

Only the owning organisation reads or changes its records (``people.read``,
``people.write``); another organisation's record is answered as if it did
not exist. Fields are kept as the organisation wrote them (linkage normalises
its own copy); phone numbers are stored in E.164 so that they compare with
the line register's.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from crossline.audit.services import Operation, RecordRef, record
from crossline.auth.actor import Actor
from crossline.auth.permissions import Permission
from crossline.core import clock
from crossline.core.database import check_version, commit_or_conflict
from crossline.core.errors import InvalidInput, NotFound
from crossline.core.phones import e164
from crossline.people.models import PersonRecord
from crossline.people.schemas import (
    ImportResult,
    PersonImport,
    PersonRecordChange,
    PersonRecordIn,
)

NO_SUCH_RECORD = "There is no such person record in your organisation."
# A list shows at most this many records; search to narrow it.
LIST_LIMIT = 200


@dataclass(frozen=True)
class Cleaned:
    """A record's values as they will be stored."""

    reference: str
    values: dict[str, object]
    phone_numbers: list[str]


def clean(data: PersonRecordIn, prefix: str = "") -> Cleaned:
    """Trim, check and store-shape one record's values; InvalidInput names every wrong field."""
    errors: dict[str, str] = {}
    reference = data.reference.strip()
    if not reference:
        errors[f"{prefix}reference"] = "Enter your organisation's reference for this person."
    values: dict[str, object] = {}
    for field in ("first_name", "surname", "gender"):
        value = getattr(data, field)
        values[field] = (" ".join(value.split()) or None) if value is not None else None
    postcode = data.postcode
    values["postcode"] = (" ".join(postcode.upper().split()) or None) if postcode else None
    if data.dob is not None and data.dob > clock.now().date():
        errors[f"{prefix}dob"] = "The date of birth must be in the past."
    values["dob"] = data.dob
    numbers = []
    for i, raw in enumerate(data.phone_numbers):
        number = e164(raw) if raw.strip() else None
        if number is None:
            errors[f"{prefix}phone_numbers[{i}]"] = (
                "Enter a phone number, like 07700 900123 or +44 7700 900123."
            )
        elif number not in numbers:
            numbers.append(number)
    if errors:
        raise InvalidInput.of_fields(errors)
    return Cleaned(reference, values, numbers)


def create_record(
    db: Session, actor: Actor, data: PersonRecordIn, *, via: str = "web"
) -> PersonRecord:
    """Record a person for the actor's organisation. Needs ``people.write``; audited.

    A reference the organisation already uses is refused (422) naming it, never
    merged: correct that record instead.
    """
    actor.require(Permission.PEOPLE_WRITE)
    cleaned = clean(data)
    _refuse_reference_in_use(db, actor, cleaned.reference)
    person = _new(actor, cleaned)
    db.add(person)
    _audit(db, actor, Operation.COLLECTION, person, "person recorded", via)
    _commit(db)
    return person


def update_record(
    db: Session, actor: Actor, record_id: uuid.UUID, data: PersonRecordChange, *, via: str = "web"
) -> PersonRecord:
    """Correct a record of the organisation's own. Needs ``people.write``; audited.

    Refused (409) when the record changed after the version the actor read.
    """
    actor.require(Permission.PEOPLE_WRITE)
    person = _own(db, actor, record_id)
    check_version(person, data.version)
    cleaned = clean(data)
    if cleaned.reference != person.reference:
        _refuse_reference_in_use(db, actor, cleaned.reference)
    if not _apply(person, cleaned):
        return person
    _audit(db, actor, Operation.ALTERATION, person, "person record corrected", via)
    _commit(db)
    return person


def import_records(
    db: Session, actor: Actor, data: PersonImport, *, via: str = "api"
) -> tuple[ImportResult, list[PersonRecord]]:
    """Add or bring up to date many records, matched on the organisation's reference.

    Needs ``people.write``. Every record is checked; the good ones are saved
    together (all or none of them) and each bad one is reported with its
    place and what is wrong, so nothing is lost and nothing is half-done.
    Importing the same records again changes nothing. Returns the result and
    the records added or changed.
    """
    actor.require(Permission.PEOPLE_WRITE)
    errors: dict[str, str] = {}
    good: dict[str, Cleaned] = {}
    for i, given in enumerate(data.records):
        try:
            cleaned = clean(given, prefix=f"records[{i}].")
        except InvalidInput as exc:
            errors.update(exc.errors)
            continue
        if cleaned.reference in good:
            errors[f"records[{i}].reference"] = (
                f"Reference {cleaned.reference} is given twice in this import; "
                "each person record has its own."
            )
            continue
        good[cleaned.reference] = cleaned
    held = {
        p.reference: p
        for p in db.scalars(
            select(PersonRecord).where(
                PersonRecord.owner_id == actor.organisation_id,
                PersonRecord.reference.in_(list(good)),
            )
        )
    }
    added, updated, unchanged, touched = 0, 0, 0, []
    for reference, cleaned in good.items():
        existing = held.get(reference)
        if existing is None:
            person = _new(actor, cleaned)
            db.add(person)
            _audit(db, actor, Operation.COLLECTION, person, "person record imported", via)
            added += 1
            touched.append(person)
        elif _apply(existing, cleaned):
            _audit(db, actor, Operation.ALTERATION, existing, "person record imported", via)
            updated += 1
            touched.append(existing)
        else:
            unchanged += 1
    _commit(db)
    return ImportResult(added=added, updated=updated, unchanged=unchanged, errors=errors), touched


def get_record(
    db: Session, actor: Actor, record_id: uuid.UUID, *, via: str = "web"
) -> PersonRecord:
    """One of the organisation's records. Needs ``people.read``; audited as a consultation."""
    actor.require(Permission.PEOPLE_READ)
    person = _own(db, actor, record_id)
    _audit(db, actor, Operation.CONSULTATION, person, "reading a person record", via)
    db.commit()
    return person


def search_records(
    db: Session, actor: Actor, text: str | None = None, *, via: str = "web"
) -> Sequence[PersonRecord]:
    """The organisation's records whose reference, names or numbers contain ``text``.

    Needs ``people.read``. Most recently changed first, at most LIST_LIMIT;
    each record listed is audited as a consultation (a list shows names and
    dates of birth).
    """
    actor.require(Permission.PEOPLE_READ)
    query = select(PersonRecord).where(PersonRecord.owner_id == actor.organisation_id)
    if text and text.strip():
        pattern = "%" + _escaped(text.strip().lower()) + "%"
        number = e164(text)
        conditions: list[ColumnElement[bool]] = [
            PersonRecord.reference.ilike(pattern, escape="\\"),
            PersonRecord.first_name.ilike(pattern, escape="\\"),
            PersonRecord.surname.ilike(pattern, escape="\\"),
        ]
        if number is not None:
            conditions.append(PersonRecord.phone_numbers.contains(f'"{number}"'))
        query = query.where(or_(*conditions))
    found = db.scalars(
        query.order_by(PersonRecord.changed_at.desc(), PersonRecord.reference).limit(LIST_LIMIT)
    ).all()
    for person in found:
        _audit(db, actor, Operation.CONSULTATION, person, "listing person records", via)
    db.commit()
    return found


def records_with_number(db: Session, owner_id: uuid.UUID, number: str) -> Sequence[PersonRecord]:
    """The owner's records holding ``number`` (E.164); for services that check access first."""
    return db.scalars(
        select(PersonRecord).where(
            PersonRecord.owner_id == owner_id,
            PersonRecord.phone_numbers.contains(f'"{number}"'),
        )
    ).all()


def records_by_id(
    db: Session, owner_id: uuid.UUID, record_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, PersonRecord]:
    """The owner's records among ``record_ids``; for services that check access and audit."""
    if not record_ids:
        return {}
    found = db.scalars(
        select(PersonRecord).where(
            PersonRecord.owner_id == owner_id, PersonRecord.id.in_(list(record_ids))
        )
    )
    return {person.id: person for person in found}


def records_by_reference(
    db: Session, owner_id: uuid.UUID, references: Collection[str]
) -> dict[str, PersonRecord]:
    """The owner's records with these references (its own ids); for services that check
    access and audit."""
    if not references:
        return {}
    found = db.scalars(
        select(PersonRecord).where(
            PersonRecord.owner_id == owner_id, PersonRecord.reference.in_(list(references))
        )
    )
    return {person.reference: person for person in found}


def consulted(db: Session, actor: Actor, person: PersonRecord, why: str, via: str) -> None:
    """Audit a read of one of the actor's organisation's records by another module's
    service, which commits (DOMAIN.md §AUDIT.s62: every read of a person)."""
    _audit(db, actor, Operation.CONSULTATION, person, why, via)


# --- helpers --------------------------------------------------------------------------------------


def _own(db: Session, actor: Actor, record_id: uuid.UUID) -> PersonRecord:
    person = db.get(PersonRecord, record_id)
    if person is None or person.owner_id != actor.organisation_id:
        raise NotFound(NO_SUCH_RECORD)
    return person


def _refuse_reference_in_use(db: Session, actor: Actor, reference: str) -> None:
    held = db.scalar(
        select(PersonRecord.id).where(
            PersonRecord.owner_id == actor.organisation_id, PersonRecord.reference == reference
        )
    )
    if held is not None:
        raise InvalidInput(
            f"Your organisation already holds a person record with reference {reference}. "
            "Correct that record, or give this one its own reference.",
            field="reference",
        )


def _new(actor: Actor, cleaned: Cleaned) -> PersonRecord:
    person = PersonRecord(
        id=uuid.uuid4(),
        owner_id=actor.organisation_id,
        reference=cleaned.reference,
        phone_numbers=json.dumps(cleaned.phone_numbers),
        created_by_id=actor.user_id,
        created_by_name=actor.display_name,
        created_at=clock.now(),
        changed_at=clock.now(),
    )
    for field, value in cleaned.values.items():
        setattr(person, field, value)
    return person


def _apply(person: PersonRecord, cleaned: Cleaned) -> bool:
    """Bring ``person`` to ``cleaned``; False when nothing differs."""
    wanted: dict[str, object] = {
        **cleaned.values,
        "reference": cleaned.reference,
        "phone_numbers": json.dumps(cleaned.phone_numbers),
    }
    changed = False
    for field, value in wanted.items():
        if getattr(person, field) != value:
            setattr(person, field, value)
            changed = True
    if changed:
        person.changed_at = clock.now()
    return changed


def _audit(
    db: Session, actor: Actor, operation: Operation, person: PersonRecord, why: str, via: str
) -> None:
    record(
        db,
        actor,
        operation,
        RecordRef.of("person_record", person.id),
        why=why,
        owner=person.owner_id,
        via=via,
    )


def _commit(db: Session) -> None:
    commit_or_conflict(
        db,
        "Someone else changed these person records, or recorded the same reference, while "
        "you were saving. Reload them to see their change, then make yours again.",
    )


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
