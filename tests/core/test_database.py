"""The operational store: the same migrations on both databases, optimistic locking, UTC times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, inspect
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from crossline.core.database import Base, make_sessionmaker
from crossline.core.migrations import current_revision, head_revision
from crossline.outreach.models import Feedback


def test_migrations_reach_head_and_create_every_table(engine: Engine) -> None:
    assert current_revision(engine) == head_revision()
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_a_save_based_on_a_stale_row_is_refused(engine: Engine) -> None:
    factory = make_sessionmaker(engine)
    with factory() as first:
        feedback = Feedback(page="/", comment="first")
        first.add(feedback)
        first.commit()
        feedback_id = feedback.id
    with factory() as alice, factory() as bob:
        mine = alice.get_one(Feedback, feedback_id)
        theirs = bob.get_one(Feedback, feedback_id)
        mine.comment = "Alice's change"
        alice.commit()
        theirs.comment = "Bob's change"
        with pytest.raises(StaleDataError):
            bob.commit()
    with factory() as check:
        saved = check.get_one(Feedback, feedback_id)
        assert saved.comment == "Alice's change"
        assert saved.version == 2


def test_times_come_back_as_aware_utc(db: Session) -> None:
    moment = datetime(2026, 3, 29, 1, 30, tzinfo=timezone(timedelta(hours=1)))
    feedback = Feedback(page="/", comment="t", responded_at=moment)
    db.add(feedback)
    db.commit()
    db.expire_all()
    loaded = db.get_one(Feedback, feedback.id)
    assert loaded.responded_at == moment
    assert loaded.responded_at is not None
    assert loaded.responded_at.tzinfo is not None
    assert loaded.responded_at.utcoffset() == UTC.utcoffset(None)


def test_naive_times_are_refused(db: Session) -> None:
    db.add(Feedback(page="/", comment="t", responded_at=datetime(2026, 1, 1)))
    with pytest.raises(Exception, match="timezone-aware"):
        db.commit()
