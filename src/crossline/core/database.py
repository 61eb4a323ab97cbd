"""The operational store: SQLAlchemy 2 on SQLite (embedded) or PostgreSQL.

Models subclass :class:`Base`. Records people edit also mix in
:class:`Versioned`: SQLAlchemy bumps ``version`` on each update and refuses an
update whose row changed underneath it, and :func:`check_version` compares the
version a form was built from with the stored one, so two users cannot
silently overwrite each other.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Engine, MetaData, Uuid, create_engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    declared_attr,
    mapped_column,
    sessionmaker,
)
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.types import TypeDecorator

from crossline.core import clock
from crossline.core.errors import Conflict
from crossline.core.ids import new_id
from crossline.core.settings import Settings

# Named constraints, so that migrations can alter them on both databases.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on both databases (SQLite keeps no zone, so it is restored)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("Crossline stores only timezone-aware datetimes")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UtcDateTime(), uuid.UUID: Uuid()}


class HasId:
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)


class HasCreated:
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class Versioned:
    """A record people edit: ``version`` starts at 1 and rises with every saved change."""

    version: Mapped[int] = mapped_column(nullable=False)

    @declared_attr.directive
    def __mapper_args__(self) -> dict[str, Any]:
        return {"version_id_col": self.version}


def commit_or_conflict(db: Session, message: str) -> None:
    """Commit, or roll back and raise Conflict (409) with ``message`` when someone else's
    change got there first: a version that moved on, or a unique value taken meanwhile."""
    try:
        db.commit()
    except (StaleDataError, IntegrityError) as exc:
        db.rollback()
        raise Conflict(message) from exc


def check_version(record: Versioned, expected: int) -> None:
    """Refuse a change made to an older version of ``record`` than the stored one.

    Raises :class:`Conflict` telling the user to reload: their form was built
    from version ``expected`` but someone has saved since.
    """
    if record.version != expected:
        raise Conflict(
            "Someone else changed this record after you opened it. "
            "Reload the page to see their change, then make yours again."
        )


def make_engine(url: str) -> Engine:
    """An engine for ``url``, with SQLite made safe for a small multi-user app."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")  # SQLite ignores foreign keys unless asked
    cursor.execute("PRAGMA journal_mode=WAL")  # readers do not block the one writer
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


# Session.info key: whether consulting or disclosing personal data needs a stated
# justification (DOMAIN.md §AUDIT.duaa; the setting audit_justification_required).
JUSTIFICATION_REQUIRED = "audit_justification_required"


def make_sessionmaker(
    engine: Engine, *, justification_required: bool = True
) -> sessionmaker[Session]:
    # expire_on_commit=False: a service returns records that pages render after commit.
    return sessionmaker(
        engine, expire_on_commit=False, info={JUSTIFICATION_REQUIRED: justification_required}
    )


def sessionmaker_for(settings: Settings) -> sessionmaker[Session]:
    """Sessions on the operational store ``settings`` name, with its audit policy."""
    return make_sessionmaker(
        make_engine(settings.resolved_database_url),
        justification_required=settings.audit_justification_required,
    )


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session that rolls back whatever its block did not commit."""
    with factory() as db:
        try:
            yield db
        except BaseException:
            db.rollback()
            raise
