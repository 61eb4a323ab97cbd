"""The processing log: written with the change, append-only, hash-chained, verifiable."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session

from crossline.audit.models import AuditEntry
from crossline.audit.services import (
    AuditFilter,
    Operation,
    RecordRef,
    record,
    search,
    verify_chain,
)
from crossline.core.errors import Forbidden, InvalidInput
from tests.factories import actor_of, make_organisation, make_user


def _entries(db: Session, actor_and_count: tuple[object, int]) -> None:
    actor, count = actor_and_count
    for n in range(count):
        record(
            db,
            actor,
            Operation.CONSULTATION,
            RecordRef("person", f"p-{n}"),
            why="checking a match",
        )
    db.commit()


@pytest.fixture
def auditor(db: Session):
    organisation = make_organisation(db)
    return actor_of(make_user(db, organisation, ["auditor"]), organisation)


def test_chain_of_untouched_log_verifies(db: Session, auditor) -> None:
    _entries(db, (auditor, 5))
    report = verify_chain(db)
    assert report.is_intact
    assert report.entries >= 5


def test_entry_is_written_in_the_same_transaction_as_the_change(db: Session, auditor) -> None:
    before = db.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).limit(1))
    record(db, auditor, Operation.ALTERATION, RecordRef("person", "rolled-back"), why="test")
    db.rollback()
    after = db.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).limit(1))
    assert after == before


def test_disclosure_must_name_its_recipient(db: Session, auditor) -> None:
    with pytest.raises(InvalidInput):
        record(db, auditor, Operation.DISCLOSURE, RecordRef("person", "x"), why="court")
    entry = record(
        db,
        auditor,
        Operation.DISCLOSURE,
        RecordRef("person", "x"),
        why="court",
        recipient="Birmingham Crown Court",
    )
    assert entry.recipient == "Birmingham Crown Court"


def _disable_refusal(db: Session) -> None:
    """What someone with direct database access could do; the app never does."""
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
    else:
        db.execute(text("DROP TRIGGER audit_log_no_update"))
        db.execute(text("DROP TRIGGER audit_log_no_delete"))


def test_database_refuses_to_update_or_delete_an_entry(
    engine: Engine, db: Session, auditor
) -> None:
    _entries(db, (auditor, 2))
    for statement in ("UPDATE audit_log SET justification = 'changed'", "DELETE FROM audit_log"):
        with engine.connect() as connection:
            with pytest.raises(DatabaseError, match="append-only"):
                connection.execute(text(statement))
            connection.rollback()


def test_verify_names_an_entry_changed_directly_in_the_database(db: Session, auditor) -> None:
    _entries(db, (auditor, 6))
    target = db.scalars(select(AuditEntry.seq).order_by(AuditEntry.seq)).all()[-3]
    _disable_refusal(db)
    db.execute(
        text("UPDATE audit_log SET justification = 'nothing to see' WHERE seq = :seq"),
        {"seq": target},
    )
    db.commit()
    report = verify_chain(db)
    assert not report.is_intact
    assert report.problem_seq == target
    assert report.problem == f"entry {target} has been altered"


def test_verify_names_where_an_entry_was_removed(db: Session, auditor) -> None:
    _entries(db, (auditor, 6))
    seqs = db.scalars(select(AuditEntry.seq).order_by(AuditEntry.seq)).all()
    _disable_refusal(db)
    db.execute(text("DELETE FROM audit_log WHERE seq = :seq"), {"seq": seqs[-3]})
    db.commit()
    report = verify_chain(db)
    assert report.problem_seq == seqs[-2]
    assert "missing" in (report.problem or "")


def test_search_filters_by_user_record_and_operation(db: Session, auditor) -> None:
    _entries(db, (auditor, 3))
    record(db, auditor, Operation.ALTERATION, RecordRef("person", "p-1"), why="corrected dob")
    db.commit()
    by_record = search(db, auditor, AuditFilter(record="p-1"))
    assert {e.operation for e in by_record.items} == {"consultation", "alteration"}
    altered = search(db, auditor, AuditFilter(record="p-1", operation=Operation.ALTERATION))
    assert [e.justification for e in altered.items] == ["corrected dob"]
    by_user = search(db, auditor, AuditFilter(user=str(auditor.user_id), record_type="person"))
    assert by_user.total == 4


def test_auditors_see_only_their_organisations_entries(db: Session, auditor) -> None:
    other_org = make_organisation(db)
    other = actor_of(make_user(db, other_org, ["auditor"]), other_org)
    record(db, other, Operation.CONSULTATION, RecordRef("person", "theirs"), why="their work")
    record(
        db,
        other,
        Operation.CONSULTATION,
        RecordRef("person", "ours"),
        why="looked at ours",
        owner=auditor.organisation_id,
    )
    db.commit()
    seen = {e.record_id for e in search(db, auditor, AuditFilter(user=str(other.user_id))).items}
    assert seen == {"ours"}


def test_reading_the_log_needs_the_auditor_role(db: Session) -> None:
    organisation = make_organisation(db)
    analyst = actor_of(make_user(db, organisation, ["intelligence_analyst"]), organisation)
    with pytest.raises(Forbidden):
        search(db, analyst, AuditFilter())


def test_consultation_needs_a_justification_unless_the_deployment_waives_it(
    engine: Engine, auditor
) -> None:
    from crossline.core.database import make_sessionmaker

    with make_sessionmaker(engine)() as strict:
        with pytest.raises(InvalidInput, match="Say why"):
            record(strict, auditor, Operation.CONSULTATION, RecordRef("person", "x"), why=" ")
        # Collection and alteration need no stated reason (DOMAIN.md §AUDIT.s62).
        record(strict, auditor, Operation.ALTERATION, RecordRef("person", "x"), why=None)
    with make_sessionmaker(engine, justification_required=False)() as waived:
        entry = record(waived, auditor, Operation.CONSULTATION, RecordRef("person", "x"), why=None)
        assert entry.justification is None


def test_verify_with_a_kept_head_finds_removed_newest_entries(db: Session, auditor) -> None:
    _entries(db, (auditor, 4))
    kept_head = verify_chain(db).head_hash
    assert verify_chain(db, expect_head=kept_head).is_intact
    newest = db.scalars(select(AuditEntry.seq).order_by(AuditEntry.seq.desc())).first()
    _disable_refusal(db)
    db.execute(text("DELETE FROM audit_log WHERE seq = :seq"), {"seq": newest})
    db.commit()
    assert verify_chain(db).is_intact  # a shorter chain is still a chain...
    report = verify_chain(db, expect_head=kept_head)  # ...but not the one that was kept
    assert not report.is_intact
    assert "no longer in the log" in (report.problem or "")


def test_searching_the_log_is_itself_logged(db: Session, auditor) -> None:
    search(db, auditor, AuditFilter())
    latest = db.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert latest is not None
    assert latest.record_type == "audit_log"
    assert latest.user_id == auditor.user_id
