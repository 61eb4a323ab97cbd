"""Philomena protocol records in the API (DOMAIN.md §MISSING.philomena): Part 1 for the
case's organisations, Part 2 on an open missing episode, and, for police forces, the open
missing person enquiries and the details disclosed for one. Every rule is in
``safeguarding.services.philomena``."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter

from crossline.auth.actor import Actor
from crossline.auth.dependencies import allowed
from crossline.auth.permissions import Permission
from crossline.core.dependencies import DbDep
from crossline.core.errors import NotFound
from crossline.safeguarding.services import philomena

router = APIRouter(prefix="/api/safeguarding", tags=["Philomena protocol"])

Reader = Annotated[Actor, allowed(Permission.SAFEGUARDING_READ)]
Writer = Annotated[Actor, allowed(Permission.SAFEGUARDING_WRITE)]
NOT_RECORDED = "No Philomena protocol details are recorded for this young person yet."


@router.get("/young-people/{young_person_id}/philomena")
def api_profile(young_person_id: uuid.UUID, db: DbDep, actor: Reader) -> philomena.PhilomenaRead:
    """Part 1 for the case's organisations; 404 when not recorded or not your case.
    Audited as a consultation."""
    profile = philomena.read_profile(db, actor, young_person_id, via="api")
    if profile is None:
        raise NotFound(NOT_RECORDED)
    return philomena.profile_read(db, profile)


@router.put("/young-people/{young_person_id}/philomena")
def api_record(
    young_person_id: uuid.UUID, data: philomena.PhilomenaIn, db: DbDep, actor: Writer
) -> philomena.PhilomenaRead:
    """Record Part 1 (``version`` empty) or update it (``version`` the one you read; 409
    if stale). Every field replaces the one held."""
    profile = philomena.record_profile(db, actor, young_person_id, data, via="api")
    return philomena.profile_read(db, profile)


@router.post("/missing-episodes/{episode_id}/part-two")
def api_part_two(
    episode_id: uuid.UUID, data: philomena.PartTwoIn, db: DbDep, actor: Writer
) -> philomena.PartTwoRead:
    """Part 2 (clothing, last seen) of a missing episode still open (422 once found)."""
    episode = philomena.record_part_two(db, actor, episode_id, data, via="api")
    return philomena.part_two_read(episode)


# Declared before the disclosure read, whose path would otherwise take this as an id.
@router.get("/philomena/open-enquiries")
def api_open_enquiries(db: DbDep, actor: Reader) -> list[philomena.Enquiry]:
    """For a police force: young people missing now whose Part 1 it may read."""
    return philomena.open_enquiries(db, actor)


@router.get("/philomena/{young_person_id}")
def api_disclosed(young_person_id: uuid.UUID, db: DbDep, actor: Reader) -> philomena.Disclosed:
    """Part 1 and the open episode's Part 2, for a police force handling the missing
    person enquiry; 404 otherwise and once the young person is found. Audited as a
    disclosure to the force."""
    return philomena.disclose(db, actor, young_person_id, via="api")
