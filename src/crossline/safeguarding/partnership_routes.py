"""School-police partnerships in the API: start, read, record activities, end; and a
concern's police contact. Every rule is in ``safeguarding.services.partnerships``."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter

from crossline.auth.actor import Actor
from crossline.auth.dependencies import allowed
from crossline.auth.permissions import Permission
from crossline.core.dependencies import DbDep
from crossline.safeguarding.schemas import (
    PartnershipActivityIn,
    PartnershipActivityRead,
    PartnershipEndIn,
    PartnershipIn,
    PartnershipRead,
    PoliceContactRead,
)
from crossline.safeguarding.services import partnerships

router = APIRouter(prefix="/api/safeguarding", tags=["school-police partnerships"])

Reader = Annotated[Actor, allowed(Permission.SAFEGUARDING_READ)]
Writer = Annotated[Actor, allowed(Permission.SAFEGUARDING_WRITE)]


@router.get("/partnerships")
def api_partnerships(db: DbDep, actor: Reader) -> list[PartnershipRead]:
    """Your organisation's school-police partnerships, current and ended, newest first."""
    return [partnerships.partnership_read(db, p) for p in partnerships.list_partnerships(db, actor)]


@router.post("/partnerships", status_code=201)
def api_start(data: PartnershipIn, db: DbDep, actor: Writer) -> PartnershipRead:
    """Start a partnership between your school or force and the other organisation
    (``partner_id``). A second current one for the same pair is refused (422)."""
    partnership = partnerships.start_partnership(db, actor, data, via="api")
    return partnerships.partnership_read(db, partnership)


@router.get("/partnerships/{partnership_id}")
def api_partnership(partnership_id: uuid.UUID, db: DbDep, actor: Reader) -> PartnershipRead:
    """One partnership of your organisation, with its activities; 404 for any other."""
    return partnerships.partnership_read(
        db, partnerships.get_partnership(db, actor, partnership_id)
    )


@router.post("/partnerships/{partnership_id}/activities", status_code=201)
def api_record_activity(
    partnership_id: uuid.UUID, data: PartnershipActivityIn, db: DbDep, actor: Writer
) -> PartnershipActivityRead:
    """Record an activity held with a group (never about a named child)."""
    activity = partnerships.record_activity(db, actor, partnership_id, data, via="api")
    return partnerships.activity_read(activity)


@router.post("/partnerships/{partnership_id}/end")
def api_end(
    partnership_id: uuid.UUID, data: PartnershipEndIn, db: DbDep, actor: Writer
) -> PartnershipRead:
    """End the partnership on ``ended_on``; ``version`` is the one you read (409 if stale)."""
    partnership = partnerships.end_partnership(db, actor, partnership_id, data, via="api")
    return partnerships.partnership_read(db, partnership)


@router.get("/concerns/{concern_id}/police-contact")
def api_concern_police_contact(
    concern_id: uuid.UUID, db: DbDep, actor: Reader
) -> list[PoliceContactRead]:
    """The police contact of the school that raised the concern: the officer of each of its
    current school-police partnerships; empty when none, or not raised by a school."""
    return partnerships.police_contact_for_concern(db, actor, concern_id)
