"""Feedback on the service: anyone gives it from any page; administrators act on it."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from crossline.auth.actor import Actor
from crossline.auth.permissions import Permission
from crossline.core import clock
from crossline.core.database import check_version
from crossline.core.errors import NotFound
from crossline.outreach.models import Feedback
from crossline.outreach.schemas import FeedbackGive, FeedbackResponse


def give_feedback(db: Session, actor: Actor | None, data: FeedbackGive) -> Feedback:
    """Keep feedback; only the giver's organisation is recorded, never who they are."""
    page = data.page if data.page.startswith("/") else "/"
    feedback = Feedback(
        page=page.split("?")[0][:500],  # query strings may carry search terms
        satisfaction=data.satisfaction.value if data.satisfaction else None,
        comment=data.comment.strip(),
        organisation_id=actor.organisation_id if actor else None,
    )
    db.add(feedback)
    db.commit()
    return feedback


def list_feedback(db: Session, actor: Actor) -> Sequence[Feedback]:
    """Feedback from the actor's organisation and from people not signed in, newest first."""
    actor.require(Permission.FEEDBACK_MANAGE)
    return db.scalars(
        select(Feedback).where(_visible_to(actor)).order_by(Feedback.created_at.desc())
    ).all()


def respond_to_feedback(
    db: Session, actor: Actor, feedback_id: uuid.UUID, data: FeedbackResponse
) -> Feedback:
    """Record what was done about a piece of feedback; refuses a stale version."""
    actor.require(Permission.FEEDBACK_MANAGE)
    feedback = db.scalar(select(Feedback).where(Feedback.id == feedback_id, _visible_to(actor)))
    if feedback is None:
        raise NotFound("There is no such feedback.")
    check_version(feedback, data.version)
    feedback.status = data.status.value
    feedback.response = (data.response or "").strip() or None
    feedback.responded_at = clock.now()
    db.commit()
    return feedback


def _visible_to(actor: Actor) -> ColumnElement[bool]:
    return or_(
        Feedback.organisation_id == actor.organisation_id, Feedback.organisation_id.is_(None)
    )
