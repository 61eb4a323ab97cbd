"""Lines owned by several forces: the lead owner adds and removes co-owners.

A line worked by more than one force (a hub force and a county force, say,
once a deconfliction match is resolved as a joint operation) is one record
with a lead owner (``lines.owner_id``) and co-owners. Co-owners read and
change it as the lead does (numbers, handsets, status, outcomes); only the
lead adds or removes a co-owner, and the lead stays the lead. Adding a
co-owner discloses the line to it, and what other organisations hold of it (its
deconfliction alerts), and is audited so.
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from crossline.audit.services import Operation, RecordRef, record
from crossline.auth.actor import Actor
from crossline.auth.permissions import ROLES, Permission
from crossline.core import clock
from crossline.core.database import check_version
from crossline.core.errors import InvalidInput, NotFound
from crossline.lines import deconfliction
from crossline.lines.models import Line, LineOwner
from crossline.lines.schemas import EventKind
from crossline.lines.services.changes import add_event, audit_alteration, saving
from crossline.lines.services.reading import NO_SUCH_LINE
from crossline.orgs.models import Organisation
from crossline.orgs.services import organisation_names
from crossline.people.services import records as people_records

# Organisations that may own a line: those whose kind a role holding lines.write allows.
OWNING_KINDS = frozenset(
    kind
    for role in ROLES.values()
    if Permission.LINES_WRITE in role.permissions
    for kind in role.organisation_kinds
)


def add_owner(
    db: Session,
    actor: Actor,
    line_id: uuid.UUID,
    organisation_id: uuid.UUID,
    reason: str,
    version: int,
    *,
    via: str = "web",
) -> Line:
    """Make another force a co-owner of the actor's organisation's line, with the reason.

    Needs ``lines.write`` and the lead owner's line. Refused (422) for an
    organisation that cannot hold lines, one that owns the line already, or no
    reason; (409) when the line changed after ``version``. Audited: an
    alteration of the line and its disclosure to the new co-owner.
    """
    line = _led_by(db, actor, line_id)
    check_version(line, version)
    why = " ".join(reason.split())
    if not why:
        raise InvalidInput("Say why this force should own the line too.", field="reason")
    organisation = db.get(Organisation, organisation_id)
    if organisation is None or organisation.kind not in OWNING_KINDS:
        raise InvalidInput(
            "Choose a police force or the National Crime Agency: only they own lines.",
            field="organisation_id",
        )
    if line.held_by(organisation.id):
        raise InvalidInput(f"{organisation.name} owns this line already.", field="organisation_id")
    with saving(db, changing=line):
        line.co_owners.append(
            LineOwner(
                id=uuid.uuid4(),
                organisation_id=organisation.id,
                added_at=clock.now(),
                added_by_id=actor.user_id,
                added_by_name=actor.display_name,
                reason=why,
            )
        )
        add_event(
            line,
            actor,
            EventKind.OWNER_ADDED,
            reason=why,
            detail={"organisation": organisation.name},
        )
        audit_alteration(db, actor, line, "a force made a co-owner of a line", via)
        record(
            db,
            actor,
            Operation.DISCLOSURE,
            RecordRef.of("line", line.id),
            why=f"line shared with a co-owning force: {why}",
            recipient=organisation.name,
            owner=line.owner_id,
            via=via,
        )
        deconfliction.disclose_to_co_owner(db, actor, line, organisation, via=via)
    return line


def remove_owner(
    db: Session,
    actor: Actor,
    line_id: uuid.UUID,
    organisation_id: uuid.UUID,
    reason: str,
    version: int,
    *,
    via: str = "web",
) -> Line:
    """End a force's co-ownership of the lead's line, with the reason. Audited."""
    line = _led_by(db, actor, line_id)
    check_version(line, version)
    why = " ".join(reason.split())
    if not why:
        raise InvalidInput("Say why this force no longer owns the line.", field="reason")
    held = next((o for o in line.co_owners if o.organisation_id == organisation_id), None)
    if held is None:
        raise InvalidInput(
            "That organisation is not a co-owner of this line.", field="organisation_id"
        )
    name = db.get_one(Organisation, organisation_id).name
    with saving(db, changing=line):
        line.co_owners.remove(held)
        # Its analysts' links of the line's people to its own person records go with it.
        linked = {p.person_record_id for p in line.people if p.person_record_id is not None}
        theirs = people_records.records_by_id(db, organisation_id, linked)
        for person in line.people:
            if person.person_record_id in theirs:
                person.person_record_id = None
        add_event(line, actor, EventKind.OWNER_REMOVED, reason=why, detail={"organisation": name})
        audit_alteration(db, actor, line, "a force's co-ownership of a line ended", via)
    return line


def owner_names(db: Session, line: Line) -> list[str]:
    """The lead owner's name, then each co-owner's, in the order they were added."""
    ids = [line.owner_id, *(o.organisation_id for o in line.co_owners)]
    names = organisation_names(db, set(ids))
    return [names[i] for i in ids]


def _led_by(db: Session, actor: Actor, line_id: uuid.UUID) -> Line:
    actor.require(Permission.LINES_WRITE)
    line = db.get(Line, line_id)
    if line is None or not line.held_by(actor.organisation_id):
        raise NotFound(NO_SUCH_LINE)
    if line.owner_id != actor.organisation_id:
        raise InvalidInput(
            "Only the line's lead owner adds or removes the forces that own it with them.",
            field="organisation_id",
        )
    return line
