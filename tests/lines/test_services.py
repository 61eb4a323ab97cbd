"""The register through its services: confirming findings, status, numbers, audit, isolation."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from crossline.analytics.models import Finding
from crossline.audit.models import AuditEntry
from crossline.auth.actor import Actor
from crossline.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from crossline.core.settings import Settings
from crossline.lines import services
from crossline.lines.models import Line
from crossline.lines.schemas import (
    FindingConfirm,
    HandsetAdd,
    LineCreate,
    NumberAdd,
    StatusChange,
)
from crossline.lines.statuses import ClosureType, LineStatus
from tests.lines.conftest import OCTOBER, Force, actor_with, analysed, record_line

NUMBER = "+447700900123"
OTHER_NUMBER = "+447700900456"
IMEI = "353320113551886"


def _audited(db: Session, record_id: uuid.UUID) -> list[str]:
    return list(
        db.scalars(
            select(AuditEntry.operation)
            .where(AuditEntry.record_id == str(record_id))
            .order_by(AuditEntry.seq)
        )
    )


# --- confirming findings ----------------------------------------------------------------------


def test_a_finding_confirmed_becomes_a_confirmed_line_with_what_analysis_found(
    db: Session, force_a: Force, settings: Settings, tiny_world: Path
) -> None:
    run = analysed(db, force_a.analyst, settings, tiny_world)
    finding = db.scalars(
        select(Finding)
        .where(Finding.run_id == run.id, Finding.kind == "line")
        .order_by(Finding.line_id)
    ).all()[-1]  # CL-8A65544B51 in this world: two numbers, a successor, children
    entry = json.loads(finding.detail)

    line = services.confirm_finding(
        db, force_a.analyst, FindingConfirm(finding_id=finding.id, brand_names=["Kev"])
    )

    assert line.status == "confirmed"
    assert line.reference == finding.line_id == line.analysis_line_id
    assert (line.source_finding_id, line.source_run_id) == (finding.id, run.id)
    assert (line.hub_area, line.county_area) == (entry["hub_area"], entry["county_area"])
    assert json.loads(line.brand_names) == ["Kev"]
    assert [n.number for n in line.numbers] == [n["number"] for n in entry["numbers"]]
    followed = {link["from"] for link in entry["successor_links"]}
    for number, given in zip(line.numbers, entry["numbers"], strict=True):
        assert number.valid_from.isoformat().replace("+00:00", "Z") == given["first_seen"]
        assert (number.valid_to is None) == (given["number"] not in followed)
    assert {h.imei for h in line.handsets} == {h["imei"] for h in entry["handsets"]}
    working = [p for p in entry["roles"] if p["role"] != "customer"]
    assert sorted((p.number, p.role, p.possible_child) for p in line.people) == sorted(
        (p["number"], p["role"], p["possible_child"]) for p in working
    )
    assert any(p.possible_child for p in line.people)
    assert all(p.confidence == finding.score for p in line.people)
    assert [e.kind for e in line.events] == ["created"]
    assert _audited(db, line.id) == ["collection"]


def test_confirming_the_same_finding_twice_names_the_line_it_became(
    db: Session, force_a: Force, settings: Settings, tiny_world: Path
) -> None:
    run = analysed(db, force_a.analyst, settings, tiny_world)
    finding = db.scalars(select(Finding).where(Finding.run_id == run.id, Finding.kind == "line"))
    first = next(iter(finding))
    line = services.confirm_finding(
        db, force_a.analyst, FindingConfirm(finding_id=first.id, reference="OP-TALON")
    )
    with pytest.raises(services.AlreadyInRegister, match="as line OP-TALON") as refused:
        services.confirm_finding(db, force_a.analyst, FindingConfirm(finding_id=first.id))
    assert refused.value.status == 409
    assert str(line.id) in refused.value.message

    # A later run's finding of the same analysis line is the same line, not a new one.
    again = Finding(
        run_id=run.id,
        owner_id=first.owner_id,
        kind="line",
        line_id=first.line_id,
        score=first.score,
        summary=first.summary,
        detail=first.detail,
    )
    db.add(again)
    db.commit()
    with pytest.raises(services.AlreadyInRegister, match="from an earlier run"):
        services.confirm_finding(db, force_a.analyst, FindingConfirm(finding_id=again.id))
    assert db.scalars(select(Line)).all() == [line]


def test_a_safeguarding_concern_or_another_forces_finding_cannot_be_confirmed(
    db: Session, force_a: Force, force_b: Force, settings: Settings, tiny_world: Path
) -> None:
    run = analysed(db, force_a.analyst, settings, tiny_world)
    concern = db.scalars(
        select(Finding).where(Finding.run_id == run.id, Finding.kind == "safeguarding_concern")
    ).first()
    assert concern is not None
    with pytest.raises(InvalidInput, match="safeguarding concern, not a line"):
        services.confirm_finding(db, force_a.analyst, FindingConfirm(finding_id=concern.id))
    line_finding = db.scalars(select(Finding).where(Finding.kind == "line")).first()
    assert line_finding is not None
    with pytest.raises(NotFound):
        services.confirm_finding(db, force_b.analyst, FindingConfirm(finding_id=line_finding.id))
    assert services.findings_to_confirm(db, force_b.analyst) == []
    waiting = services.findings_to_confirm(db, force_a.analyst)
    assert line_finding in waiting
    services.confirm_finding(db, force_a.analyst, FindingConfirm(finding_id=line_finding.id))
    assert line_finding not in services.findings_to_confirm(db, force_a.analyst)


# --- status -------------------------------------------------------------------------------------

# The rule, written out: DOMAIN.md §LINES.closure and the statuses of issue 6.
ALLOWED = {
    ("suspected", "confirmed"),
    ("suspected", "disrupted"),
    ("suspected", "closed"),
    ("confirmed", "disrupted"),
    ("confirmed", "closed"),
    ("disrupted", "confirmed"),
    ("disrupted", "closed"),
    ("closed", "resurfaced"),
    ("resurfaced", "disrupted"),
    ("resurfaced", "closed"),
}


def test_status_changes_follow_the_allowed_transitions_only(db: Session, force_a: Force) -> None:
    line = record_line(db, force_a.analyst, "OP-ONE")
    for current in LineStatus:
        for new in LineStatus:
            line.status = current.value  # set up the starting status directly
            db.commit()
            closure = ClosureType.TYPE_2 if new is LineStatus.CLOSED else None
            change = StatusChange(
                status=new, reason="test", version=line.version, closure_type=closure
            )
            if (current.value, new.value) in ALLOWED:
                services.change_status(db, force_a.analyst, line.id, change)
                assert line.status == new.value
            else:
                with pytest.raises(InvalidInput) as refused:
                    services.change_status(db, force_a.analyst, line.id, change)
                assert refused.value.errors.keys() == {"status"}
                assert line.status == current.value


def test_a_status_change_is_on_the_timeline_and_audited(db: Session, force_a: Force) -> None:
    line = record_line(db, force_a.analyst, "OP-TWO", [NUMBER])
    services.change_status(
        db,
        force_a.analyst,
        line.id,
        StatusChange(
            status=LineStatus.CLOSED,
            reason="Type 2: number deactivated",
            version=1,
            closure_type=ClosureType.TYPE_2,
        ),
    )
    event = line.events[-1]
    assert (event.kind, event.from_status, event.to_status, event.closure_type) == (
        "status_changed",
        "confirmed",
        "closed",
        "type_2",
    )
    assert line.closure_type == "type_2"
    assert event.reason == "Type 2: number deactivated"
    assert event.by_name == force_a.analyst.display_name
    assert _audited(db, line.id) == ["collection", "alteration"]
    with pytest.raises(
        InvalidInput,
        match=r"A Closed line cannot become Disrupted\. From Closed it can become Resurfaced",
    ):
        services.change_status(
            db,
            force_a.analyst,
            line.id,
            StatusChange(status=LineStatus.DISRUPTED, reason="x", version=line.version),
        )


def test_a_change_from_a_stale_version_is_refused(db: Session, force_a: Force) -> None:
    line = record_line(db, force_a.analyst, "OP-THREE")
    first = StatusChange(status=LineStatus.DISRUPTED, reason="arrests", version=1)
    services.change_status(db, force_a.analyst, line.id, first)
    stale = StatusChange(
        status=LineStatus.CLOSED, reason="charged", version=1, closure_type=ClosureType.TYPE_1
    )
    with pytest.raises(Conflict, match="Someone else changed this record"):
        services.change_status(db, force_a.analyst, line.id, stale)
    assert line.status == "disrupted"
    added = NumberAdd(number=NUMBER, valid_from=OCTOBER, version=2)
    services.add_number(db, force_a.analyst, line.id, added)
    assert line.version == 3  # adding a number changes the line too
    with pytest.raises(Conflict):
        services.add_number(
            db,
            force_a.analyst,
            line.id,
            NumberAdd(number=OTHER_NUMBER, valid_from=OCTOBER, version=2),
        )


# --- numbers ------------------------------------------------------------------------------------


def test_a_number_active_in_another_active_line_is_refused_not_merged(
    db: Session, force_a: Force
) -> None:
    record_line(db, force_a.analyst, "OP-FOUR", [NUMBER], end=None)
    second = record_line(db, force_a.analyst, "OP-FIVE", [OTHER_NUMBER])
    with pytest.raises(InvalidInput, match="active in your line OP-FOUR") as refused:
        services.add_number(
            db, force_a.analyst, second.id, NumberAdd(number="07700 900123", valid_from=OCTOBER)
        )
    assert refused.value.errors.keys() == {"number"}
    assert NUMBER not in refused.value.message  # messages may reach a log
    with pytest.raises(InvalidInput, match="Number 1 of this line is active in your line OP-FOUR"):
        record_line(db, force_a.analyst, "OP-SIX", [NUMBER])
    assert db.scalar(select(Line).where(Line.reference == "OP-SIX")) is None  # nothing half-done
    assert [n.number for n in second.numbers] == [OTHER_NUMBER]


def test_a_number_may_follow_on_after_its_period_or_its_line_is_closed(
    db: Session, force_a: Force
) -> None:
    november = datetime(2025, 11, 1, tzinfo=UTC)
    first = record_line(db, force_a.analyst, "OP-SEVEN", [NUMBER], end=november)
    later = record_line(
        db, force_a.analyst, "OP-EIGHT", [NUMBER], start=datetime(2025, 11, 2, tzinfo=UTC)
    )
    assert [n.number for n in later.numbers] == [NUMBER]
    services.change_status(
        db,
        force_a.analyst,
        later.id,
        StatusChange(
            status=LineStatus.CLOSED, reason="charged", version=1, closure_type=ClosureType.TYPE_1
        ),
    )
    again = record_line(
        db, force_a.analyst, "OP-NINE", [NUMBER], start=datetime(2025, 12, 1, tzinfo=UTC)
    )
    # Bringing the closed line back while its number is active elsewhere would break the rule.
    with pytest.raises(InvalidInput, match="active in your line OP-NINE"):
        services.change_status(
            db,
            force_a.analyst,
            later.id,
            StatusChange(status=LineStatus.RESURFACED, reason="seen again", version=later.version),
        )
    assert first.status == "confirmed"
    assert again.status == "confirmed"


def test_the_same_number_or_handset_twice_on_one_line_for_one_period_is_refused(
    db: Session, force_a: Force
) -> None:
    line = record_line(db, force_a.analyst, "OP-TEN", [NUMBER], [IMEI])
    with pytest.raises(InvalidInput, match="on this line already"):
        services.add_number(
            db, force_a.analyst, line.id, NumberAdd(number=NUMBER, valid_from=OCTOBER)
        )
    with pytest.raises(InvalidInput, match="on this line already"):
        services.add_handset(
            db, force_a.analyst, line.id, HandsetAdd(imei=IMEI, valid_from=OCTOBER)
        )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("number", "not a number", "Enter a phone number"),
        ("imei", "353320113551887", "check digit"),
        ("hub_area", "atlantis", "not a police force"),
        ("valid_to", datetime(2025, 9, 1, tzinfo=UTC), "on or after its start"),
        ("status", "closed", "cannot start as Closed"),
    ],
)
def test_bad_input_is_refused_with_a_message_for_its_field(
    db: Session, force_a: Force, field: str, value: object, message: str
) -> None:
    data: dict[str, object] = {
        "reference": "OP-BAD",
        "numbers": [{"number": NUMBER, "valid_from": OCTOBER}],
        "handsets": [{"imei": IMEI, "valid_from": OCTOBER}],
    }
    if field == "number":
        data["numbers"] = [{"number": value, "valid_from": OCTOBER}]
    elif field == "imei":
        data["handsets"] = [{"imei": value, "valid_from": OCTOBER}]
    elif field == "valid_to":
        data["numbers"] = [{"number": NUMBER, "valid_from": OCTOBER, "valid_to": value}]
    else:
        data[field] = value
    with pytest.raises(InvalidInput, match=message) as refused:
        services.create_line(db, force_a.analyst, LineCreate.model_validate(data))
    assert refused.value.errors
    assert db.scalars(select(Line)).all() == []


def test_a_reference_is_unique_within_an_organisation(
    db: Session, force_a: Force, force_b: Force
) -> None:
    record_line(db, force_a.analyst, "OP-SAME")
    with pytest.raises(InvalidInput, match="already has a line with the reference OP-SAME"):
        record_line(db, force_a.analyst, "OP-SAME")
    record_line(db, force_b.analyst, "OP-SAME")  # another force's references are its own


# --- who may do what ----------------------------------------------------------------------------


def test_no_organisation_reads_or_changes_another_organisations_line(
    db: Session, force_a: Force, force_b: Force, coordinator: Actor
) -> None:
    line = record_line(db, force_a.analyst, "OP-MINE", [NUMBER])
    assert services.list_lines(db, force_b.analyst) == []
    with pytest.raises(NotFound):
        services.get_line(db, force_b.analyst, line.id)
    with pytest.raises(NotFound):
        services.change_status(
            db,
            force_b.analyst,
            line.id,
            StatusChange(status=LineStatus.CLOSED, reason="x", version=1),
        )
    with pytest.raises(NotFound):
        services.add_number(
            db, force_b.analyst, line.id, NumberAdd(number=OTHER_NUMBER, valid_from=OCTOBER)
        )
    assert line.status == "confirmed"
    assert len(line.numbers) == 1

    # A national coordinator reads every force's lines, and changes none.
    assert services.list_lines(db, coordinator) == [line]
    assert services.get_line(db, coordinator, line.id) is line
    with pytest.raises(Forbidden):
        services.change_status(
            db, coordinator, line.id, StatusChange(status=LineStatus.CLOSED, reason="x", version=1)
        )


@pytest.mark.parametrize(
    ("role", "kind"),
    [
        ("auditor", "police_force"),
        ("safeguarding_practitioner", "police_force"),
        ("safeguarding_practitioner", "local_authority"),
        ("order_applicant", "police_force"),
        ("national_coordinator", "national_coordination_centre"),
    ],
)
def test_roles_without_lines_write_cannot_create_lines(db: Session, role: str, kind: str) -> None:
    actor = actor_with(db, role, kind)
    with pytest.raises(Forbidden):
        services.create_line(db, actor, LineCreate(reference="OP-NOT-MINE"))
    with pytest.raises(Forbidden):
        services.confirm_finding(db, actor, FindingConfirm(finding_id=uuid.uuid4()))


def test_reading_a_line_is_audited_as_a_consultation_by_whoever_reads_it(
    db: Session, force_a: Force, coordinator: Actor
) -> None:
    line = record_line(db, force_a.analyst, "OP-READ", [NUMBER])
    services.get_line(db, force_a.analyst, line.id)
    services.get_line(db, coordinator, line.id, via="api")
    entries = db.scalars(
        select(AuditEntry).where(AuditEntry.record_id == str(line.id)).order_by(AuditEntry.seq)
    ).all()
    assert [(e.operation, e.organisation_id, e.via) for e in entries] == [
        ("collection", force_a.organisation.id, "web"),
        ("consultation", force_a.organisation.id, "web"),
        ("consultation", coordinator.organisation_id, "api"),
    ]
    assert all(e.record_owner_id == force_a.organisation.id for e in entries)
    assert all(e.justification for e in entries)


def test_closing_says_how_and_only_closing_does(db: Session, force_a: Force) -> None:
    """DOMAIN.md §LINES.closure: the programme counts Type 1 closures (a holder charged) and
    Type 2 (the number deactivated) apart, so a closure records which; nothing else does."""
    line = record_line(db, force_a.analyst, "OP-TYPE", [NUMBER])

    def change(status: LineStatus, closure: ClosureType | None) -> None:
        data = StatusChange(status=status, reason="x", version=line.version, closure_type=closure)
        services.change_status(db, force_a.analyst, line.id, data)

    with pytest.raises(InvalidInput) as untyped:
        change(LineStatus.CLOSED, None)
    assert "Type 1" in untyped.value.errors["closure_type"]
    with pytest.raises(InvalidInput) as typed_disruption:
        change(LineStatus.DISRUPTED, ClosureType.TYPE_1)
    assert "Only a line being closed" in typed_disruption.value.errors["closure_type"]
    assert (line.status, line.closure_type) == ("confirmed", None)
    change(LineStatus.CLOSED, ClosureType.TYPE_2)
    assert (line.status, line.closure_type) == ("closed", "type_2")
    change(LineStatus.RESURFACED, None)  # open again: no longer closed by any type
    assert (line.status, line.closure_type) == ("resurfaced", None)
    assert [e.closure_type for e in line.events if e.kind == "status_changed"] == [
        "type_2",
        None,
    ]
