"""Philomena protocol records (DOMAIN.md §MISSING.philomena).

Carers record, in advance, what the police would need if a child at risk of going
missing went missing (**Part 1**: description, associates, places they may go, phone
identifiers, past episodes, vulnerabilities, medical, financial, social media,
transport); the police get it **only when the child is reported missing**, with
**Part 2** (clothing, where and when last seen), which belongs to the missing episode.
No photograph is held.

Who sees what, and when:

- The organisations involved in the case (owner and members) with
  ``safeguarding.read`` see Part 1 and Part 2 at any time (a consultation in the
  audit log); those with ``safeguarding.write`` record and update them. The profile
  belongs to the case, not to a placement, so it moves with the child: the
  organisation now caring for them updates it and becomes its holder.
- A **police force** organisation outside the case sees Part 1, and the open
  episode's Part 2, only while the child has an open missing episode (reported, not
  yet found) that the force handles. The missing episode records the organisation
  that recorded the report but no force of its own until the child is found, so the
  handling force is (a) the force of the child's home area, the police force
  organisation whose key is the young person's ``force_area``, or (b) the
  organisation that recorded the report, when that is a police force. Each such read
  is audited as a **disclosure** to the force, justified "missing person enquiry
  (Philomena protocol)". Once the child is found, the force is told there is no such
  record again.
- Everyone else is told there is no such record, so that its existence is not
  disclosed.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from crossline.audit.services import Operation
from crossline.auth.actor import Actor
from crossline.auth.permissions import Permission
from crossline.core import clock
from crossline.core.errors import Conflict, InvalidInput, NotFound
from crossline.orgs.models import Organisation
from crossline.safeguarding.models import (
    CaseEvent,
    MissingEpisode,
    PhilomenaProfile,
    YoungPerson,
)
from crossline.safeguarding.services import missing
from crossline.safeguarding.services.access import audit, case_of, commit, event, involved

POLICE_FORCE = "police_force"  # the organisation kind of a police force
DISCLOSURE_WHY = "missing person enquiry (Philomena protocol)"
NO_SUCH_PROFILE = "There is no Philomena protocol record of this young person you may see."
PART_ONE = (
    "description",
    "associates",
    "places",
    "phone_identifiers",
    "past_episodes",
    "vulnerabilities",
    "medical",
    "financial",
    "social_media",
    "transport",
)
LABELS = {
    "description": "Description",
    "associates": "Associates",
    "places": "Places they may go",
    "phone_identifiers": "Phone numbers and handsets",
    "past_episodes": "Past missing episodes",
    "vulnerabilities": "Vulnerabilities",
    "medical": "Medical needs",
    "financial": "Financial",
    "social_media": "Social media",
    "transport": "Transport",
}
MAX_TEXT = 20_000


# --- shapes -------------------------------------------------------------------------------------


class PhilomenaIn(BaseModel):
    """Part 1 as carers record it. ``version`` is the one read: empty for a first record."""

    description: str = Field(min_length=1, max_length=MAX_TEXT, title="Description")
    associates: str | None = Field(None, max_length=MAX_TEXT, title="Associates")
    places: str | None = Field(None, max_length=MAX_TEXT, title="Places they may go")
    phone_identifiers: str | None = Field(
        None, max_length=MAX_TEXT, title="Phone numbers and handsets"
    )
    past_episodes: str | None = Field(None, max_length=MAX_TEXT, title="Past missing episodes")
    vulnerabilities: str | None = Field(None, max_length=MAX_TEXT, title="Vulnerabilities")
    medical: str | None = Field(None, max_length=MAX_TEXT, title="Medical needs")
    financial: str | None = Field(None, max_length=MAX_TEXT, title="Financial")
    social_media: str | None = Field(None, max_length=MAX_TEXT, title="Social media")
    transport: str | None = Field(None, max_length=MAX_TEXT, title="Transport")
    version: int | None = None


class PartTwoIn(BaseModel):
    """Part 2 of a missing episode: what they wore, where and when they were last seen."""

    clothing: str | None = Field(None, max_length=2000, title="Clothing")
    last_seen: str | None = Field(None, max_length=2000, title="Last seen where and when")
    version: int


class PartTwoRead(BaseModel):
    episode_id: uuid.UUID
    reported_at: datetime
    found_at: datetime | None
    clothing: str | None
    last_seen: str | None
    version: int


class PhilomenaRead(BaseModel):
    young_person_id: uuid.UUID
    description: str
    associates: str | None
    places: str | None
    phone_identifiers: str | None
    past_episodes: str | None
    vulnerabilities: str | None
    medical: str | None
    financial: str | None
    social_media: str | None
    transport: str | None
    held_by: str
    updated_at: datetime
    updated_by: str
    version: int


class Disclosed(BaseModel):
    """What a police force sees for a missing person enquiry: Part 1 and the open
    episode's Part 2, labelled as a disclosure."""

    young_person_id: uuid.UUID
    name: str
    reference: str
    disclosed_for: str
    part_one: PhilomenaRead
    part_two: PartTwoRead


class Enquiry(BaseModel):
    """A young person missing now whose Part 1 the force may read."""

    young_person_id: uuid.UUID
    name: str
    reported_at: datetime
    episode_id: uuid.UUID


# --- Part 1 -------------------------------------------------------------------------------------


def record_profile(
    db: Session,
    actor: Actor,
    young_person_id: uuid.UUID,
    data: PhilomenaIn,
    *,
    via: str = "web",
) -> PhilomenaProfile:
    """Create or update Part 1. Needs ``safeguarding.write`` in an organisation involved
    in the case; an update must name the version it was made from (409 if stale)."""
    young_person = case_of(db, actor, young_person_id, permission=Permission.SAFEGUARDING_WRITE)
    values = {name: _clean(getattr(data, name)) for name in PART_ONE}
    if not values["description"]:
        raise InvalidInput("Enter a description of the young person.", field="description")
    profile = profile_of(db, young_person)
    if profile is None:
        if data.version is not None:
            raise Conflict(
                "The Philomena protocol record has gone or was never saved. Reload the page "
                "and enter the details again."
            )
        profile = PhilomenaProfile(young_person_id=young_person.id)
        db.add(profile)
        operation, done = Operation.COLLECTION, "recorded"
    else:
        if data.version != profile.version:
            raise Conflict(
                "Someone else changed the Philomena protocol record after you opened it. "
                "Reload the page to see their change, then make yours again."
            )
        operation, done = Operation.ALTERATION, "updated"
    for name, value in values.items():
        setattr(profile, name, value)
    profile.organisation_id = actor.organisation_id
    profile.updated_at = clock.now()
    profile.updated_by_name = actor.display_name
    db.flush()
    event(
        db,
        actor,
        young_person,
        f"philomena_{done}",
        f"Philomena protocol details {done}",
        record_type="philomena_profile",
        record_id=profile.id,
    )
    audit(
        db,
        actor,
        operation,
        young_person,
        f"Philomena protocol: details {done} by carers",
        via=via,
        record_type="philomena_profile",
        record_id=profile.id,
    )
    commit(db)
    return profile


def read_profile(
    db: Session, actor: Actor, young_person_id: uuid.UUID, *, via: str = "web"
) -> PhilomenaProfile | None:
    """Part 1 for the case's organisations (None when not recorded yet). Audited as a
    consultation when there is one."""
    young_person = case_of(db, actor, young_person_id)
    profile = profile_of(db, young_person)
    if profile is not None:
        audit(
            db,
            actor,
            Operation.CONSULTATION,
            young_person,
            "safeguarding case work: reading the Philomena protocol details",
            via=via,
            record_type="philomena_profile",
            record_id=profile.id,
        )
        db.commit()
    return profile


def profile_of(db: Session, young_person: YoungPerson) -> PhilomenaProfile | None:
    """The young person's profile, unaudited: for callers that audited the look already."""
    return db.scalar(
        select(PhilomenaProfile).where(PhilomenaProfile.young_person_id == young_person.id)
    )


def profile_read(db: Session, profile: PhilomenaProfile) -> PhilomenaRead:
    holder = db.get(Organisation, profile.organisation_id)
    return PhilomenaRead(
        young_person_id=profile.young_person_id,
        **{name: getattr(profile, name) for name in PART_ONE},
        held_by=holder.name if holder else "",
        updated_at=profile.updated_at,
        updated_by=profile.updated_by_name,
        version=profile.version,
    )


# --- Part 2 -------------------------------------------------------------------------------------


def record_part_two(
    db: Session, actor: Actor, episode_id: uuid.UUID, data: PartTwoIn, *, via: str = "web"
) -> MissingEpisode:
    """Part 2 (clothing, last seen) on an open missing episode; case organisations with
    ``safeguarding.write`` only. Audited as an alteration of the episode."""
    episode, young_person = missing.get_episode(db, actor, episode_id)
    actor.require(Permission.SAFEGUARDING_WRITE)
    if data.version != episode.version:
        raise Conflict(
            "Someone else changed this missing episode after you opened it. "
            "Reload the page to see their change, then make yours again."
        )
    if episode.found_at is not None:
        raise InvalidInput(
            "They have been found: Part 2 is only added while they are missing.",
            field="clothing",
        )
    clothing, last_seen = _clean(data.clothing), _clean(data.last_seen)
    if not clothing and not last_seen:
        raise InvalidInput.of_fields(
            {
                "clothing": "Enter what they were wearing, or where and when they were last seen.",
                "last_seen": "Enter where and when they were last seen.",
            }
        )
    episode.clothing = clothing
    episode.last_seen = last_seen
    event(
        db,
        actor,
        young_person,
        "philomena_part_two",
        "Philomena protocol Part 2 (clothing, last seen) recorded for the missing episode",
        record_type="missing_episode",
        record_id=episode.id,
    )
    audit(
        db,
        actor,
        Operation.ALTERATION,
        young_person,
        "Philomena protocol: Part 2 recorded for a missing episode",
        via=via,
        record_type="missing_episode",
        record_id=episode.id,
    )
    commit(db)
    return episode


def part_two_read(episode: MissingEpisode) -> PartTwoRead:
    return PartTwoRead(
        episode_id=episode.id,
        reported_at=episode.reported_at,
        found_at=episode.found_at,
        clothing=episode.clothing,
        last_seen=episode.last_seen,
        version=episode.version,
    )


# --- the police, for a missing person enquiry ---------------------------------------------------


def disclose(
    db: Session, actor: Actor, young_person_id: uuid.UUID, *, via: str = "web"
) -> Disclosed:
    """Part 1 and the open episode's Part 2 for a police force handling the child's open
    missing episode (see the module's rules). Audited as a disclosure to the force, or
    as a consultation when the force is involved in the case. NotFound otherwise."""
    actor.require(Permission.SAFEGUARDING_READ)
    young_person = db.get(YoungPerson, young_person_id)
    if young_person is None:
        raise NotFound(NO_SUCH_PROFILE)
    force = _force(db, actor)
    if force is None:
        raise NotFound(NO_SUCH_PROFILE)
    member = involved(db, actor, young_person)
    episode = _open_episode(db, young_person, force, member=member)
    profile = profile_of(db, young_person)
    if episode is None or profile is None:
        raise NotFound(NO_SUCH_PROFILE)
    if member:
        audit(
            db,
            actor,
            Operation.CONSULTATION,
            young_person,
            DISCLOSURE_WHY,
            via=via,
            record_type="philomena_profile",
            record_id=profile.id,
        )
    else:
        audit(
            db,
            actor,
            Operation.DISCLOSURE,
            young_person,
            DISCLOSURE_WHY,
            via=via,
            recipient=f"{force.name} (police force)",
            record_type="philomena_profile",
            record_id=profile.id,
        )
        _on_timeline_once(db, actor, young_person, episode, force)
    db.commit()
    return Disclosed(
        young_person_id=young_person.id,
        name=young_person.name,
        reference=young_person.reference,
        disclosed_for=DISCLOSURE_WHY,
        part_one=profile_read(db, profile),
        part_two=part_two_read(episode),
    )


def _on_timeline_once(
    db: Session,
    actor: Actor,
    young_person: YoungPerson,
    episode: MissingEpisode,
    force: Organisation,
) -> None:
    """Tell the case that the force read the details for this episode: once per episode and
    force, not at every look (each look is in the audit log)."""
    told = db.scalar(
        select(CaseEvent.id).where(
            CaseEvent.young_person_id == young_person.id,
            CaseEvent.kind == "philomena_disclosed",
            CaseEvent.record_id == episode.id,
            CaseEvent.organisation_id == force.id,
        )
    )
    if told is None:
        event(
            db,
            actor,
            young_person,
            "philomena_disclosed",
            f"Philomena protocol details disclosed to {force.name} while missing",
            record_type="missing_episode",
            record_id=episode.id,
            organisation_id=force.id,
        )


def open_enquiries(db: Session, actor: Actor) -> list[Enquiry]:
    """For a police force: the young people missing now (an open episode it handles) whose
    Part 1 it may read, longest missing first. Empty for any other organisation. Lists
    names only, so it is not itself a disclosure of Part 1."""
    actor.require(Permission.SAFEGUARDING_READ)
    force = _force(db, actor)
    if force is None:
        return []
    rows = db.execute(
        select(MissingEpisode, YoungPerson)
        .join(YoungPerson, YoungPerson.id == MissingEpisode.young_person_id)
        .join(PhilomenaProfile, PhilomenaProfile.young_person_id == YoungPerson.id)
        .where(MissingEpisode.found_at.is_(None))
        .order_by(MissingEpisode.reported_at)
    ).all()
    seen: set[uuid.UUID] = set()
    found: list[Enquiry] = []
    for episode, young_person in rows:
        if young_person.id in seen:
            continue
        if not _handles(db, actor, force, young_person, episode):
            continue
        seen.add(young_person.id)
        found.append(
            Enquiry(
                young_person_id=young_person.id,
                name=young_person.name,
                reported_at=episode.reported_at,
                episode_id=episode.id,
            )
        )
    return found


def is_police_force(db: Session, actor: Actor) -> bool:
    return _force(db, actor) is not None


def _force(db: Session, actor: Actor) -> Organisation | None:
    organisation = db.get(Organisation, actor.organisation_id)
    if organisation is None or organisation.kind != POLICE_FORCE:
        return None
    return organisation


def _handles(
    db: Session,
    actor: Actor,
    force: Organisation,
    young_person: YoungPerson,
    episode: MissingEpisode,
) -> bool:
    """Whether ``force`` handles this open episode: the force of the child's area, the
    force that recorded the report, or a force involved in the case."""
    return (
        young_person.force_area == force.key
        or episode.organisation_id == force.id
        or involved(db, actor, young_person)
    )


def _open_episode(
    db: Session, young_person: YoungPerson, force: Organisation, *, member: bool
) -> MissingEpisode | None:
    """The earliest open episode of the young person that ``force`` handles."""
    episodes: Sequence[MissingEpisode] = db.scalars(
        select(MissingEpisode)
        .where(
            MissingEpisode.young_person_id == young_person.id,
            MissingEpisode.found_at.is_(None),
        )
        .order_by(MissingEpisode.reported_at)
    ).all()
    for episode in episodes:
        if member or young_person.force_area == force.key or episode.organisation_id == force.id:
            return episode
    return None


def _clean(value: str | None) -> str | None:
    return (value or "").strip() or None
