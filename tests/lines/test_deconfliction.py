"""Deconfliction: both owners alerted, nothing of the other's line told, coordinators resolve."""

from __future__ import annotations

import contextlib
import threading
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from crossline.audit.models import AuditEntry
from crossline.auth.actor import Actor
from crossline.core.database import make_sessionmaker
from crossline.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from crossline.lines import deconfliction, services
from crossline.lines.models import DeconflictionMatch
from crossline.lines.schemas import HandsetAdd, MatchResolve, NumberAdd, Resolution, StatusChange
from crossline.lines.statuses import ClosureType, LineStatus
from tests.lines.conftest import OCTOBER, Force, actor_with, record_line

SHARED = "+447700900123"
A_ONLY = "+447700900111"
B_ONLY = "+447700900222"
A_IMEI = "354201108624525"
B_IMEI = "357442090888655"
SHARED_IMEI = "353320113551886"

# What an alert says, and nothing more (issue 6; DESIGN.md, Security and data protection).
ALERT_KEYS = {
    "alert_id",
    "line_id",
    "line_reference",
    "kind",
    "identifier",
    "other_organisation",
    "contact",
    "raised_at",
    "outcome",
    "lead_organisation",
    "resolved_at",
    "acknowledged",  # its own organisation's record of acting on it
    "other_acknowledged_at",  # when the other recorded theirs: never their note
}


def test_both_owners_are_alerted_and_neither_learns_the_others_line(
    db: Session, force_a: Force, force_b: Force
) -> None:
    line_a = record_line(db, force_a.analyst, "A-OP-LANTERN", [SHARED, A_ONLY], [A_IMEI])
    line_b = record_line(db, force_b.analyst, "B-OP-HARBOUR", [B_ONLY, SHARED], [B_IMEI])

    [for_a] = deconfliction.alerts(db, force_a.analyst)
    [for_b] = deconfliction.alerts(db, force_b.analyst)
    for alert, own, other in ((for_a, line_a, line_b), (for_b, line_b, line_a)):
        payload = alert.model_dump(mode="json")
        assert set(payload) == ALERT_KEYS
        assert payload["contact"].keys() == {"name", "email", "note"}
        assert (alert.line_id, alert.line_reference) == (own.id, own.reference)
        assert (alert.kind.value, alert.identifier) == ("number", SHARED)
        assert alert.outcome is None
        text = alert.model_dump_json()
        for secret in (str(other.id), other.reference, *(n.number for n in other.numbers)):
            if secret != SHARED:
                assert secret not in text
        for handset in other.handsets:
            assert handset.imei not in text
    assert for_a.other_organisation == force_b.organisation.name
    assert for_a.contact.name == "DS Priya Shah"
    assert for_a.contact.email == "shah@force.test-crossline.uk"
    assert for_b.other_organisation == force_a.organisation.name
    assert for_b.contact.name is None  # none recorded: the placeholder says what to do
    assert for_b.contact.note is not None
    assert "national coordination centre" in for_b.contact.note
    assert for_a.alert_id == for_b.alert_id  # one match, seen from each side

    # Each line's timeline says who else holds what, found by the system.
    for line, other_name in (
        (line_a, force_b.organisation.name),
        (line_b, force_a.organisation.name),
    ):
        seen = services.get_line(db, actor_of_owner(line.owner_id, force_a, force_b), line.id)
        found = [e for e in seen.events if e.kind == "match_found"]
        assert len(found) == 1
        assert found[0].by_name == deconfliction.FOUND_BY
        assert other_name in (found[0].detail or "")


def actor_of_owner(owner: uuid.UUID, *forces: Force) -> Actor:
    return next(f.analyst for f in forces if f.organisation.id == owner)


def test_each_owner_is_told_as_an_audited_disclosure(
    db: Session, force_a: Force, force_b: Force
) -> None:
    record_line(db, force_a.analyst, "A-1", [SHARED])
    record_line(db, force_b.analyst, "B-1", [SHARED])
    match = db.scalars(select(DeconflictionMatch)).one()
    entries = db.scalars(
        select(AuditEntry)
        .where(AuditEntry.record_id == str(match.id))
        .order_by(AuditEntry.recipient)
    ).all()
    assert [(e.operation, e.recipient, e.record_owner_id) for e in entries] == sorted(
        [
            ("disclosure", force_a.organisation.name, force_b.organisation.id),
            ("disclosure", force_b.organisation.name, force_a.organisation.id),
        ],
        key=lambda t: t[1],
    )


def test_a_handset_added_later_is_matched_too_but_each_match_only_once(
    db: Session, force_a: Force, force_b: Force
) -> None:
    line_a = record_line(db, force_a.analyst, "A-2", [A_ONLY], [SHARED_IMEI])
    line_b = record_line(db, force_b.analyst, "B-2", [B_ONLY])
    assert deconfliction.alerts(db, force_a.analyst) == []
    services.add_handset(
        db, force_b.analyst, line_b.id, HandsetAdd(imei=SHARED_IMEI, valid_from=OCTOBER)
    )
    [alert] = deconfliction.alerts(db, force_a.analyst)
    assert (alert.kind.value, alert.identifier, alert.line_id) == (
        "handset",
        SHARED_IMEI,
        line_a.id,
    )
    # The same handset for another period of the same line adds no second match.
    services.add_handset(
        db,
        force_a.analyst,
        line_a.id,
        HandsetAdd(
            imei=SHARED_IMEI,
            valid_from=datetime(2024, 1, 1, tzinfo=UTC),
            valid_to=datetime(2025, 9, 1, tzinfo=UTC),
        ),
    )
    assert len(deconfliction.alerts(db, force_a.analyst)) == 1
    assert len(deconfliction.alerts(db, force_b.analyst)) == 1


def test_no_match_when_the_periods_do_not_overlap_or_the_owner_is_the_same(
    db: Session, force_a: Force, force_b: Force
) -> None:
    august, september = datetime(2025, 8, 1, tzinfo=UTC), datetime(2025, 9, 30, tzinfo=UTC)
    record_line(db, force_a.analyst, "A-3", [SHARED], start=august, end=september)
    line_b = record_line(db, force_b.analyst, "B-3", [B_ONLY])
    added = NumberAdd(number=SHARED, valid_from=OCTOBER)
    services.add_number(db, force_b.analyst, line_b.id, added)
    assert deconfliction.alerts(db, force_b.analyst) == []

    record_line(db, force_a.analyst, "A-4", [SHARED], start=datetime(2025, 10, 2, tzinfo=UTC))
    [alert] = deconfliction.alerts(db, force_a.analyst)  # A-4 overlaps B-3; A-3 does not
    assert alert.line_reference == "A-4"

    # B closes B-3 and records the number on a new line: B's own lines never match each other.
    closed = StatusChange(
        status=LineStatus.CLOSED,
        reason="Type 2",
        version=line_b.version,
        closure_type=ClosureType.TYPE_2,
    )
    services.change_status(db, force_b.analyst, line_b.id, closed)
    record_line(db, force_b.analyst, "B-4", [SHARED], start=datetime(2025, 10, 3, tzinfo=UTC))
    pairs = {
        (m.owner_a_id == m.owner_b_id, m.line_a_id, m.line_b_id)
        for m in db.scalars(select(DeconflictionMatch))
    }
    assert len(pairs) == 2  # A-4 with B-3, A-4 with B-4
    assert not any(same_owner for same_owner, _, _ in pairs)


def test_a_coordinator_sees_every_match_and_records_its_resolution(
    db: Session, force_a: Force, force_b: Force, coordinator: Actor
) -> None:
    line_a = record_line(db, force_a.analyst, "A-5", [SHARED])
    line_b = record_line(db, force_b.analyst, "B-5", [SHARED])
    [match] = deconfliction.list_matches(db, coordinator)
    assert {(s.reference, s.organisation) for s in match.lines} == {
        ("A-5", force_a.organisation.name),
        ("B-5", force_b.organisation.name),
    }
    assert match.outcome is None
    assert deconfliction.list_matches(db, coordinator, open_only=True) == [match]

    with pytest.raises(InvalidInput, match="one of the two"):
        deconfliction.resolve_match(
            db,
            coordinator,
            match.match_id,
            MatchResolve(
                outcome=Resolution.LEAD_FORCE_AGREED, lead_organisation_id=uuid.uuid4(), version=1
            ),
        )
    resolved = deconfliction.resolve_match(
        db,
        coordinator,
        match.match_id,
        MatchResolve(
            outcome=Resolution.LEAD_FORCE_AGREED,
            lead_organisation_id=force_b.organisation.id,
            note="West Mercia leads; Merseyside supports in the hub.",
            version=match.version,
        ),
    )
    assert resolved.outcome is Resolution.LEAD_FORCE_AGREED
    assert resolved.lead_organisation == force_b.organisation.name
    assert resolved.resolved_by == coordinator.display_name
    assert resolved.resolved_at is not None
    assert deconfliction.list_matches(db, coordinator, open_only=True) == []
    for force in (force_a, force_b):
        [alert] = deconfliction.alerts(db, force.analyst)
        assert alert.outcome is Resolution.LEAD_FORCE_AGREED
        assert alert.lead_organisation == force_b.organisation.name
    for line in (line_a, line_b):
        owner = force_a if line is line_a else force_b
        events = services.get_line(db, owner.analyst, line.id).events
        assert events[-1].kind == "match_resolved"

    with pytest.raises(Conflict):
        deconfliction.resolve_match(
            db,
            coordinator,
            match.match_id,
            MatchResolve(outcome=Resolution.NO_CONFLICT, version=match.version),
        )
    again = deconfliction.resolve_match(
        db,
        coordinator,
        match.match_id,
        MatchResolve(outcome=Resolution.JOINT_OPERATION, version=resolved.version),
    )
    assert again.lead_organisation is None
    with pytest.raises(NotFound):
        deconfliction.resolve_match(
            db, coordinator, uuid.uuid4(), MatchResolve(outcome=Resolution.NO_CONFLICT, version=1)
        )


def test_only_coordinators_list_or_resolve_matches(
    db: Session, force_a: Force, force_b: Force
) -> None:
    record_line(db, force_a.analyst, "A-6", [SHARED])
    record_line(db, force_b.analyst, "B-6", [SHARED])
    match = db.scalars(select(DeconflictionMatch)).one()
    for actor in (force_a.analyst, actor_with(db, "auditor")):
        with pytest.raises(Forbidden):
            deconfliction.list_matches(db, actor)
        with pytest.raises(Forbidden):
            deconfliction.resolve_match(
                db, actor, match.id, MatchResolve(outcome=Resolution.NO_CONFLICT, version=1)
            )
    with pytest.raises(Forbidden):
        deconfliction.alerts(db, actor_with(db, "safeguarding_practitioner"))


def test_two_forces_adding_the_same_number_at_once_are_still_matched(
    engine: Engine,
    db: Session,
    force_a: Force,
    force_b: Force,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each change reads other lines before it writes, so changes take turns (changes.saving).

    Both changes are held between their look for other holders and their
    write, for up to two seconds: were they not taking turns, both would look
    before either wrote, and neither would find the other.
    """
    line_a = record_line(db, force_a.analyst, "A-8", [A_ONLY])
    line_b = record_line(db, force_b.analyst, "B-8", [B_ONLY])
    looked = threading.Barrier(2, timeout=2)
    other_holders = deconfliction._other_holders

    def look_then_wait(*args: Any) -> Any:
        found = other_holders(*args)
        with contextlib.suppress(threading.BrokenBarrierError):
            looked.wait()  # times out when the other change is waiting for its turn
        return found

    monkeypatch.setattr(deconfliction, "_other_holders", look_then_wait)
    factory = make_sessionmaker(engine)
    errors: list[BaseException] = []

    def add(force: Force, line_id: uuid.UUID) -> None:
        with factory() as session:
            try:
                services.add_number(
                    session, force.analyst, line_id, NumberAdd(number=SHARED, valid_from=OCTOBER)
                )
            except BaseException as exc:  # reported below, in the test's thread
                errors.append(exc)

    threads = [
        threading.Thread(target=add, args=(force_a, line_a.id)),
        threading.Thread(target=add, args=(force_b, line_b.id)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert len(deconfliction.alerts(db, force_a.analyst)) == 1
    assert len(deconfliction.alerts(db, force_b.analyst)) == 1
