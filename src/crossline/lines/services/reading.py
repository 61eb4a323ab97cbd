"""Reading the register: the lines an actor may see, and one line, audited."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session, selectinload

from crossline.audit.services import Operation, RecordRef, record
from crossline.auth.actor import Actor
from crossline.auth.permissions import Permission
from crossline.core.errors import NotFound
from crossline.lines.models import Line
from crossline.lines.statuses import LineStatus

NO_SUCH_LINE = "There is no such line in your organisation's register."


def list_lines(db: Session, actor: Actor, *, status: LineStatus | None = None) -> Sequence[Line]:
    """The lines the actor may see, most recently changed first. Needs ``lines.read``.

    The lines an organisation owns, as lead or co-owner; every organisation's for a national
    coordinator. The list holds no numbers, handsets or people, so it is not
    audited; opening a line is.
    """
    actor.require(Permission.LINES_READ)
    query = select(Line).where(visible_to(actor))
    if status is not None:
        query = query.where(Line.status == status.value)
    return db.scalars(query.order_by(Line.changed_at.desc(), Line.reference)).all()


def get_line(db: Session, actor: Actor, line_id: uuid.UUID, *, via: str = "web") -> Line:
    """One line with what it holds and its timeline. Needs ``lines.read``; audited.

    Another organisation's line is NotFound, as if it did not exist, unless the
    actor is a national coordinator.
    """
    actor.require(Permission.LINES_READ)
    line = db.scalar(
        select(Line)
        .where(Line.id == line_id, visible_to(actor))
        .options(
            selectinload(Line.numbers),
            selectinload(Line.handsets),
            selectinload(Line.people),
            selectinload(Line.events),
        )
        .execution_options(populate_existing=True)  # others' changes (a match) shown too
    )
    if line is None:
        raise NotFound(NO_SUCH_LINE)
    record(
        db,
        actor,
        Operation.CONSULTATION,
        RecordRef.of("line", line.id),
        why="reading a line in the register",
        owner=line.owner_id,
        via=via,
    )
    db.commit()
    return line


def visible_to(actor: Actor) -> ColumnElement[bool]:
    if actor.can(Permission.LINES_NATIONAL):
        return true()
    return Line.owned_by(actor.organisation_id)
