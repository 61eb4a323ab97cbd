"""Who may see and change a young person's case, and the case's history.

DESIGN.md, "Security and data protection": safeguarding records are visible
to safeguarding roles of the organisations involved in the case, that is
the owner of the young person record and the organisations that have joined
the case (:class:`CaseMember`). Anyone else is told there is no such record,
so that a case's existence is not disclosed. Every look at a young person is
a consultation in the audit log, every change an alteration (DOMAIN.md
§AUDIT.s62).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from crossline.audit.services import Operation, RecordRef, record
from crossline.auth.actor import Actor
from crossline.auth.permissions import Permission
from crossline.core import clock
from crossline.core.database import commit_or_conflict
from crossline.core.errors import NotFound
from crossline.safeguarding.models import CaseEvent, CaseMember, YoungPerson

NO_SUCH_YOUNG_PERSON = "There is no such young person in the cases your organisation works on."


def case_filter(actor: Actor) -> ColumnElement[bool]:
    """The young people whose cases ``actor``'s organisation is involved in."""
    member_of = select(CaseMember.young_person_id).where(
        CaseMember.organisation_id == actor.organisation_id
    )
    return or_(YoungPerson.owner_id == actor.organisation_id, YoungPerson.id.in_(member_of))


def involved(db: Session, actor: Actor, young_person: YoungPerson) -> bool:
    """True when ``actor``'s organisation owns the case or has joined it."""
    if young_person.owner_id == actor.organisation_id:
        return True
    return (
        db.scalar(
            select(CaseMember.id).where(
                CaseMember.young_person_id == young_person.id,
                CaseMember.organisation_id == actor.organisation_id,
            )
        )
        is not None
    )


def case_of(
    db: Session,
    actor: Actor,
    young_person_id: uuid.UUID,
    *,
    permission: Permission = Permission.SAFEGUARDING_READ,
) -> YoungPerson:
    """The young person, if ``actor`` holds ``permission`` and is involved in the case.

    Raises Forbidden without the permission, NotFound when the case is not
    the actor's organisation's (whether or not it exists).
    """
    actor.require(permission)
    young_person = db.get(YoungPerson, young_person_id)
    if young_person is None or not involved(db, actor, young_person):
        raise NotFound(NO_SUCH_YOUNG_PERSON)
    return young_person


def audit(
    db: Session,
    actor: Actor | None,
    operation: Operation,
    young_person: YoungPerson,
    why: str,
    *,
    via: str = "web",
    recipient: str | None = None,
    record_type: str = "young_person",
    record_id: uuid.UUID | None = None,
) -> None:
    """One audit entry about a young person's case (or one of its records)."""
    record(
        db,
        actor,
        operation,
        RecordRef.of(record_type, record_id or young_person.id),
        why=why,
        owner=young_person.owner_id,
        via=via,
        recipient=recipient,
    )


def event(
    db: Session,
    actor: Actor | None,
    young_person: YoungPerson,
    kind: str,
    summary: str,
    *,
    record_type: str | None = None,
    record_id: uuid.UUID | None = None,
    line_id: uuid.UUID | None = None,
    organisation_id: uuid.UUID | None = None,
    by_name: str | None = None,
) -> CaseEvent:
    """Add one entry to the case's timeline (the caller commits)."""
    entry = CaseEvent(
        young_person_id=young_person.id,
        organisation_id=organisation_id
        or (actor.organisation_id if actor else young_person.owner_id),
        at=clock.now(),
        kind=kind,
        summary=summary,
        by_name=by_name or (actor.display_name if actor else "Crossline"),
        record_type=record_type,
        record_id=record_id,
        line_id=line_id,
    )
    db.add(entry)
    return entry


def dumps(value: Any) -> str:
    return json.dumps(value, default=str, sort_keys=True)


def commit(db: Session) -> None:
    commit_or_conflict(
        db,
        "Someone else changed this young person's case while you were saving. Reload the "
        "page to see their change, then make yours again.",
    )
