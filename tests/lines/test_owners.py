"""Lines owned by several forces: the lead shares a line, co-owners work it, others never see it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from crossline.audit.models import AuditEntry
from crossline.auth.models import User
from crossline.core.errors import Conflict, InvalidInput, NotFound
from crossline.lines import deconfliction, services
from crossline.lines.schemas import NumberAdd, StatusChange
from crossline.lines.statuses import LineStatus
from tests.factories import make_organisation
from tests.lines.conftest import Force, make_force, record_line
from tests.lines.test_routes import signed_in

SHARED = "+447700900301"
LATER = datetime(2025, 10, 20, tzinfo=UTC)


@pytest.fixture
def force_c(db: Session) -> Force:
    return make_force(db, "Dyfed-Powys Police (test)")


def _share(db: Session, lead: Force, line_id: object, partner: Force) -> None:
    line = services.get_line(db, lead.analyst, line_id)  # type: ignore[arg-type]
    services.add_owner(
        db,
        lead.analyst,
        line.id,
        partner.organisation.id,
        "Joint operation agreed with the county force",
        line.version,
    )


def test_a_co_owner_reads_and_changes_the_line_and_a_third_force_never_sees_it(
    db: Session, force_a: Force, force_b: Force, force_c: Force
) -> None:
    line = record_line(db, force_a.analyst, "A-JOINT", [SHARED])
    _share(db, force_a, line.id, force_b)
    assert line.id in {x.id for x in services.list_lines(db, force_b.analyst)}
    seen = services.get_line(db, force_b.analyst, line.id)
    assert services.owner_names(db, seen) == [
        force_a.organisation.name,
        force_b.organisation.name,
    ]
    services.add_number(
        db,
        force_b.analyst,
        line.id,
        NumberAdd(number="07700 900302", valid_from=LATER, version=seen.version),
    )
    services.change_status(
        db,
        force_b.analyst,
        line.id,
        StatusChange(status=LineStatus.DISRUPTED, reason="Warrant executed", version=seen.version),
    )
    by_lead = services.get_line(db, force_a.analyst, line.id)
    assert "+447700900302" in {n.number for n in by_lead.numbers}
    assert by_lead.status == LineStatus.DISRUPTED.value
    assert [e.kind for e in by_lead.events][:2] == ["created", "owner_added"]
    with pytest.raises(NotFound):
        services.get_line(db, force_c.analyst, line.id)
    assert line.id not in {x.id for x in services.list_lines(db, force_c.analyst)}
    shared = db.scalars(
        select(AuditEntry).where(
            AuditEntry.record_id == str(line.id), AuditEntry.operation == "disclosure"
        )
    ).all()
    assert [e.recipient for e in shared] == [force_b.organisation.name]


def test_only_the_lead_adds_or_removes_owners_and_only_forces_own_lines(
    db: Session, force_a: Force, force_b: Force, force_c: Force
) -> None:
    line = record_line(db, force_a.analyst, "A-LEAD", [SHARED])
    _share(db, force_a, line.id, force_b)
    current = services.get_line(db, force_b.analyst, line.id)
    with pytest.raises(InvalidInput, match="lead owner"):
        services.add_owner(
            db, force_b.analyst, line.id, force_c.organisation.id, "Wider op", current.version
        )
    with pytest.raises(InvalidInput, match="owns this line already"):
        services.add_owner(
            db, force_a.analyst, line.id, force_b.organisation.id, "Again", current.version
        )
    council = make_organisation(db, "local_authority")
    with pytest.raises(InvalidInput, match="police force"):
        services.add_owner(db, force_a.analyst, line.id, council.id, "Share", current.version)
    with pytest.raises(InvalidInput, match="Say why"):
        services.add_owner(
            db, force_a.analyst, line.id, force_c.organisation.id, " ", current.version
        )
    with pytest.raises(Conflict):
        services.add_owner(
            db, force_a.analyst, line.id, force_c.organisation.id, "Old read", current.version - 1
        )
    services.remove_owner(
        db,
        force_a.analyst,
        line.id,
        force_b.organisation.id,
        "Operation ended",
        current.version,
    )
    with pytest.raises(NotFound):
        services.get_line(db, force_b.analyst, line.id)


def test_a_number_in_a_co_owners_own_active_line_is_refused(
    db: Session, force_a: Force, force_b: Force
) -> None:
    record_line(db, force_b.analyst, "B-OWN", ["+447700900399"])
    line = record_line(db, force_a.analyst, "A-SHARED", [SHARED])
    _share(db, force_a, line.id, force_b)
    current = services.get_line(db, force_a.analyst, line.id)
    with pytest.raises(InvalidInput, match="B-OWN"):
        services.add_number(
            db,
            force_a.analyst,
            line.id,
            NumberAdd(number="+447700900399", valid_from=LATER, version=current.version),
        )


def test_co_owners_are_alerted_to_matches_on_the_line_they_share(
    db: Session, force_a: Force, force_b: Force, force_c: Force
) -> None:
    line = record_line(db, force_a.analyst, "A-ALERTED", [SHARED])
    _share(db, force_a, line.id, force_b)
    record_line(db, force_c.analyst, "C-SAME", [SHARED])
    for partner in (force_a, force_b):
        alerts = [a for a in deconfliction.alerts(db, partner.analyst) if a.line_id == line.id]
        assert [a.other_organisation for a in alerts] == [force_c.organisation.name]
    told_c = deconfliction.alerts(db, force_c.analyst)
    assert [a.other_organisation for a in told_c] == [force_a.organisation.name]


def test_the_api_and_page_share_a_line_and_show_its_owners(
    app: FastAPI, db: Session, force_a: Force, force_b: Force
) -> None:
    line = record_line(db, force_a.analyst, "A-API", [SHARED])
    a_user = db.get_one(User, force_a.analyst.user_id)
    b_user = db.get_one(User, force_b.analyst.user_id)
    with signed_in(app, a_user) as a, signed_in(app, b_user) as b:
        assert b.get(f"/api/lines/{line.id}").status_code == 404
        shared = a.post(
            f"/api/lines/{line.id}/owners",
            json={
                "organisation_id": str(force_b.organisation.id),
                "reason": "Joint operation",
                "version": line.version,
            },
        )
        assert shared.status_code == 201, shared.text
        owners = shared.json()["owners"]
        assert [(o["organisation"], o["lead"]) for o in owners] == [
            (force_a.organisation.name, True),
            (force_b.organisation.name, False),
        ]
        assert b.get(f"/api/lines/{line.id}").status_code == 200
        page = b.get(f"/lines/{line.id}")
        assert page.status_code == 200
        assert f"{force_a.organisation.name} (lead)" in page.text
        assert "Add the force" not in page.text  # only the lead adds owners
        lead_page = a.get(f"/lines/{line.id}")
        assert "Add the force" in lead_page.text
        refused = b.post(
            f"/api/lines/{line.id}/owners/{force_b.organisation.id}/removal",
            json={"reason": "Leaving", "version": shared.json()["version"]},
        )
        assert refused.status_code == 422
        removed = a.post(
            f"/lines/{line.id}/owners/{force_b.organisation.id}/remove",
            data={"reason": "Operation ended", "version": str(shared.json()["version"])},
            follow_redirects=False,
        )
        assert removed.status_code == 303
        assert b.get(f"/api/lines/{line.id}").status_code == 404


def test_the_lead_adds_a_force_on_the_line_page_with_its_own_reason_field(
    app: FastAPI, db: Session, force_a: Force, force_b: Force
) -> None:
    line = record_line(db, force_a.analyst, "A-PAGE", [SHARED])
    with signed_in(app, db.get_one(User, force_a.analyst.user_id)) as a:
        given = {"organisation_id": str(force_b.organisation.id), "version": str(line.version)}
        unreasoned = a.post(f"/lines/{line.id}/owners", data=given)
        assert unreasoned.status_code == 422
        assert 'href="#owner_reason"' in unreasoned.text
        assert unreasoned.text.count('id="reason"') <= 1  # the status form's, if shown
        added = a.post(
            f"/lines/{line.id}/owners",
            data=given | {"owner_reason": "Joint operation"},
            follow_redirects=False,
        )
        assert added.status_code == 303
    owners = services.get_line(db, force_b.analyst, line.id).co_owners
    assert [(o.organisation_id, o.reason) for o in owners] == [
        (force_b.organisation.id, "Joint operation")
    ]
