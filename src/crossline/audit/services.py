"""Recording, searching and verifying the processing log (DOMAIN.md §AUDIT.s62).

Every service that processes personal data calls :func:`record` inside the
same transaction as the change, so the entry and the change commit or roll
back together. Entries form a hash chain: each entry's hash covers its own
fields and the previous entry's hash; :func:`verify_chain` walks it.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import or_, select, text
from sqlalchemy.orm import Session

from crossline.audit.models import AuditEntry
from crossline.auth.actor import Actor
from crossline.auth.permissions import Permission
from crossline.core import clock
from crossline.core.database import JUSTIFICATION_REQUIRED
from crossline.core.errors import InvalidInput
from crossline.core.pagination import Page, paginate

GENESIS_HASH = "0" * 64  # the prev_hash of the first entry


class Operation(StrEnum):
    """DOMAIN.md §AUDIT.s62: the operations a law-enforcement system must log."""

    COLLECTION = "collection"
    ALTERATION = "alteration"
    CONSULTATION = "consultation"
    DISCLOSURE = "disclosure"  # an export is a disclosure
    COMBINATION = "combination"
    ERASURE = "erasure"


# DOMAIN.md §AUDIT.s62: consultation and disclosure logs must show the
# justification (unless a deployment turns that off under §AUDIT.duaa).
_JUSTIFIED = frozenset({Operation.CONSULTATION, Operation.DISCLOSURE})


@dataclass(frozen=True)
class RecordRef:
    """What an entry is about: a table-level type and the record's id."""

    type: str
    id: str

    @classmethod
    def of(cls, record_type: str, record_id: uuid.UUID | str) -> RecordRef:
        return cls(record_type, str(record_id))


def record(
    db: Session,
    actor: Actor | None,
    operation: Operation,
    ref: RecordRef,
    *,
    why: str | None,
    recipient: str | None = None,
    owner: uuid.UUID | None = None,
    via: str = "web",
    at: datetime | None = None,
) -> AuditEntry:
    """Append one entry to the log in ``db``'s transaction (the caller commits).

    ``why`` is the justification; ``recipient`` names to whom personal data
    was disclosed and is required for disclosures; ``owner`` is the
    organisation owning the record, whose auditors may then see the entry.
    ``actor`` is None only for
    processing the system does itself (then ``via`` says how, e.g. ``cli``).
    ``at`` is now unless given: an anonymous report's collection is logged at the
    hour it came in, as the report keeps only the hour (outreach/reports.py).
    """
    if operation is Operation.DISCLOSURE and not recipient:
        raise InvalidInput("A disclosure must say to whom the data went.", field="recipient")
    if (
        operation in _JUSTIFIED
        and not (why or "").strip()
        and db.info.get(JUSTIFICATION_REQUIRED, True)
    ):
        raise InvalidInput(
            "Say why you need this record: each look at or sharing of personal data "
            "is logged with its reason.",
            field="why",
        )
    _lock_chain(db)
    last = db.scalar(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1))
    entry = AuditEntry(
        at=at or clock.now(),
        operation=operation.value,
        user_id=actor.user_id if actor else None,
        user_name=actor.display_name if actor else None,
        organisation_id=actor.organisation_id if actor else None,
        organisation_name=actor.organisation_name if actor else None,
        justification=why,
        record_type=ref.type,
        record_id=ref.id,
        record_owner_id=owner,
        recipient=recipient,
        via="api" if actor and actor.via_api_token else via,
        prev_hash=last.entry_hash if last else GENESIS_HASH,
    )
    entry.entry_hash = entry_hash(entry)
    db.add(entry)
    db.flush()
    return entry


def _lock_chain(db: Session) -> None:
    # Two PostgreSQL transactions appending at once would both read the same
    # last entry; an advisory lock held to commit makes them take turns.
    # SQLite allows one writer at a time already. (prev_hash is also unique.)
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("SELECT pg_advisory_xact_lock(20180409)"))


def entry_hash(entry: AuditEntry) -> str:
    """SHA-256 over the previous hash and every field of ``entry`` but its own hash."""
    fields: dict[str, Any] = {
        "at": entry.at.isoformat(timespec="microseconds"),
        "operation": entry.operation,
        "user_id": str(entry.user_id) if entry.user_id else None,
        "user_name": entry.user_name,
        "organisation_id": str(entry.organisation_id) if entry.organisation_id else None,
        "organisation_name": entry.organisation_name,
        "justification": entry.justification,
        "record_type": entry.record_type,
        "record_id": entry.record_id,
        "record_owner_id": str(entry.record_owner_id) if entry.record_owner_id else None,
        "recipient": entry.recipient,
        "via": entry.via,
    }
    payload = entry.prev_hash + json.dumps(fields, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    """The result of walking the chain: ``problem`` is None when it is intact."""

    entries: int
    head_hash: str
    problem: str | None = None
    problem_seq: int | None = None

    @property
    def is_intact(self) -> bool:
        return self.problem is None


def verify_chain(db: Session, *, expect_head: str | None = None) -> ChainReport:
    """Walk the log in order and name the first altered or missing entry.

    An entry whose stored hash does not match its fields was altered; an
    entry whose ``prev_hash`` is not the hash of the entry before it follows
    a removed one. Sequence gaps alone are not evidence (PostgreSQL skips
    numbers when a transaction rolls back). Removing the newest entries leaves
    an intact shorter chain: pass ``expect_head``, a head hash kept elsewhere
    from an earlier run, to require that entry to be still in the chain.
    """
    previous = GENESIS_HASH
    count = 0
    seen_expected = expect_head is None or expect_head == GENESIS_HASH
    for entry in _in_order(db):
        if entry.prev_hash != previous:
            return ChainReport(
                count, previous, f"an entry is missing before entry {entry.seq}", entry.seq
            )
        if entry_hash(entry) != entry.entry_hash:
            return ChainReport(count, previous, f"entry {entry.seq} has been altered", entry.seq)
        previous = entry.entry_hash
        seen_expected = seen_expected or entry.entry_hash == expect_head
        count += 1
    if not seen_expected:
        return ChainReport(
            count,
            previous,
            "the expected head entry is no longer in the log "
            "(entries after it may have been removed)",
        )
    return ChainReport(count, previous)


def _in_order(db: Session, batch: int = 1000) -> Iterator[AuditEntry]:
    after = -1
    while True:
        rows = db.scalars(
            select(AuditEntry).where(AuditEntry.seq > after).order_by(AuditEntry.seq).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        after = rows[-1].seq
        db.expunge_all()


@dataclass(frozen=True)
class AuditFilter:
    """What an auditor searches by; every field optional."""

    user: str | None = None  # a user id, or part of a name
    record: str | None = None  # a record id
    record_type: str | None = None
    operation: Operation | None = None
    date_from: date | None = None
    date_to: date | None = None


def search(
    db: Session, actor: Actor, where: AuditFilter, page: int = 1, size: int = 50
) -> Page[AuditEntry]:
    """Entries matching ``where``, newest first. Needs ``audit.read``.

    Auditors see the entries made by their own organisation's users and those
    about records their organisation owns: the log says who looked at what,
    itself personal data of other organisations' staff.
    """
    actor.require(Permission.AUDIT_READ)
    # The log holds staff's personal data: reading it is itself logged.
    record(
        db,
        actor,
        Operation.CONSULTATION,
        RecordRef.of("audit_log", actor.organisation_id),
        why="audit of processing",
        owner=actor.organisation_id,
    )
    db.commit()
    mine = actor.organisation_id
    statement = select(AuditEntry).where(
        or_(AuditEntry.organisation_id == mine, AuditEntry.record_owner_id == mine)
    )
    if where.user:
        user_id = _as_uuid(where.user)
        statement = statement.where(
            AuditEntry.user_id == user_id
            if user_id
            else AuditEntry.user_name.ilike(f"%{where.user}%")
        )
    if where.record:
        statement = statement.where(AuditEntry.record_id == where.record.strip())
    if where.record_type:
        statement = statement.where(AuditEntry.record_type == where.record_type)
    if where.operation:
        statement = statement.where(AuditEntry.operation == where.operation.value)
    if where.date_from:
        statement = statement.where(AuditEntry.at >= _start_of(where.date_from))
    if where.date_to:
        statement = statement.where(AuditEntry.at < _start_of(where.date_to + timedelta(days=1)))
    return paginate(db, statement.order_by(AuditEntry.seq.desc()), page, size)


def _as_uuid(text_value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text_value.strip())
    except ValueError:
        return None


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=clock.now().tzinfo)
