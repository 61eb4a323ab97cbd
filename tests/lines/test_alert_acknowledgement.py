"""An organisation records that it has acted on a deconfliction alert (contacted the other
organisation's contact officer, say): once, with a note; on its own line's timeline and
audited. The other organisation learns when, never the note; a national coordinator sees
both sides, notes included."""

from __future__ import annotations

import uuid

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from crossline.audit.models import AuditEntry
from crossline.auth.actor import Actor
from crossline.auth.models import User
from crossline.core.errors import Forbidden, InvalidInput, NotFound
from crossline.lines import deconfliction, services
from crossline.lines.schemas import AlertAcknowledge
from tests.factories import sign_in
from tests.lines.conftest import Force, actor_with, make_force, record_line

SHARED = "+447700900123"
NOTE = "Spoke to DS Shah: they lead, we hold back until the tasking meeting"


def test_an_owner_records_acting_on_its_alert_and_the_other_learns_when_not_what(
    db: Session, force_a: Force, force_b: Force, coordinator: Actor
) -> None:
    line_a = record_line(db, force_a.analyst, "A-1", [SHARED])
    record_line(db, force_b.analyst, "B-1", [SHARED])
    (alert,) = deconfliction.alerts(db, force_a.analyst)
    assert alert.acknowledged is None

    acted = deconfliction.acknowledge_alert(
        db, force_a.analyst, alert.alert_id, AlertAcknowledge(note=NOTE)
    )
    assert acted.acknowledged is not None
    assert (acted.acknowledged.by, acted.acknowledged.note) == (
        force_a.analyst.display_name,
        NOTE,
    )
    event = line_a.events[-1]
    assert (event.kind, event.reason) == ("alert_acknowledged", NOTE)
    audited = db.scalars(
        select(AuditEntry.justification).where(
            AuditEntry.record_type == "deconfliction_match",
            AuditEntry.record_id == str(alert.alert_id),
            AuditEntry.operation == "alteration",
        )
    ).all()
    assert audited == ["deconfliction alert acted on"]

    (theirs,) = deconfliction.alerts(db, force_b.analyst)
    assert theirs.acknowledged is None
    assert theirs.other_acknowledged_at == acted.acknowledged.at
    assert NOTE not in theirs.model_dump_json()

    (match,) = deconfliction.list_matches(db, coordinator)
    sides = {side.reference: side.acknowledged for side in match.lines}
    assert sides["B-1"] is None
    assert sides["A-1"] is not None
    assert sides["A-1"].note == NOTE

    with pytest.raises(InvalidInput) as again:
        deconfliction.acknowledge_alert(
            db, force_a.analyst, alert.alert_id, AlertAcknowledge(note="Twice")
        )
    assert "recorded acting on this alert already" in again.value.errors["note"]


def test_co_owners_act_for_their_side_and_a_co_owning_other_side_never_reads_the_note(
    db: Session, force_a: Force, force_b: Force, coordinator: Actor
) -> None:
    line_a = record_line(db, force_a.analyst, "A-1", [SHARED])
    line_b = record_line(db, force_b.analyst, "B-1", [SHARED])
    partner = make_force(db, "Cheshire Police (test)")
    services.add_owner(
        db, force_a.analyst, line_a.id, partner.organisation.id, "Joint team", line_a.version
    )
    (for_partner,) = deconfliction.alerts(db, partner.analyst)
    assert (for_partner.line_id, for_partner.other_organisation) == (
        line_a.id,
        "West Mercia Police (test)",
    )
    deconfliction.acknowledge_alert(
        db, partner.analyst, for_partner.alert_id, AlertAcknowledge(note="Called them")
    )
    (for_b,) = deconfliction.alerts(db, force_b.analyst)
    assert for_b.other_acknowledged_at is not None  # side A acted, through its co-owner
    (match,) = deconfliction.list_matches(db, coordinator)
    side_a = next(side for side in match.lines if side.reference == "A-1")
    assert side_a.acknowledged is not None
    assert side_a.acknowledged.note == "Called them"

    # A joint operation since: Force A co-owns B's line. B's note stays off B-1's timeline.
    services.add_owner(
        db, force_b.analyst, line_b.id, force_a.organisation.id, "Joint op", line_b.version
    )
    (for_a,) = deconfliction.alerts(db, force_a.analyst)
    assert (for_a.line_id, for_a.other_organisation) == (line_a.id, "West Mercia Police (test)")
    deconfliction.acknowledge_alert(
        db, force_b.analyst, for_b.alert_id, AlertAcknowledge(note=NOTE)
    )
    shared_timeline = services.get_line(db, force_a.analyst, line_b.id).events
    acted = [e for e in shared_timeline if e.kind == "alert_acknowledged"]
    assert len(acted) == 1
    assert acted[0].reason is None


def test_only_the_alerted_organisations_writers_record_it(
    db: Session, force_a: Force, force_b: Force, coordinator: Actor
) -> None:
    record_line(db, force_a.analyst, "A-1", [SHARED])
    record_line(db, force_b.analyst, "B-1", [SHARED])
    (alert,) = deconfliction.alerts(db, force_a.analyst)
    outsider = actor_with(db, "intelligence_analyst")
    with pytest.raises(NotFound):  # not one of the two: as if there were no such alert
        deconfliction.acknowledge_alert(db, outsider, alert.alert_id, AlertAcknowledge())
    with pytest.raises(NotFound):
        deconfliction.acknowledge_alert(db, force_a.analyst, uuid.uuid4(), AlertAcknowledge())
    with pytest.raises(Forbidden):  # a coordinator resolves; owners act on their alerts
        deconfliction.acknowledge_alert(db, coordinator, alert.alert_id, AlertAcknowledge())
    reader = actor_with(db, "order_applicant")
    with pytest.raises(Forbidden):
        deconfliction.acknowledge_alert(db, reader, alert.alert_id, AlertAcknowledge())


def test_the_lines_page_records_it_and_the_api_too(
    app: FastAPI, db: Session, force_a: Force, force_b: Force
) -> None:
    record_line(db, force_a.analyst, "A-1", [SHARED])
    record_line(db, force_b.analyst, "B-1", [SHARED])
    (alert,) = deconfliction.alerts(db, force_a.analyst)
    field = f"note-{alert.alert_id}"
    with TestClient(app, raise_server_exceptions=False) as a:
        a.headers["X-CSRF-Token"] = sign_in(a, db.get_one(User, force_a.analyst.user_id).email)
        page = a.get("/lines").text
        assert f'id="{field}"' in page
        too_long = a.post(
            f"/deconfliction/alerts/{alert.alert_id}/acknowledge", data={field: "x" * 2001}
        )
        assert too_long.status_code == 422
        assert f'href="#{field}"' in too_long.text
        done = a.post(
            f"/deconfliction/alerts/{alert.alert_id}/acknowledge",
            data={field: NOTE},
            follow_redirects=False,
        )
        assert done.status_code == 303
        page = a.get("/lines").text
        assert f'id="{field}"' not in page  # acted on: no form, what was recorded instead
        assert NOTE in page
        twice = a.post(
            f"/deconfliction/alerts/{alert.alert_id}/acknowledge",
            data={field: "Sent again"},
            follow_redirects=False,
        )
        assert twice.status_code == 303  # a second send finds it done: back to the alerts
        assert "Sent again" not in a.get("/lines").text
    with TestClient(app, raise_server_exceptions=False) as b:
        b.headers["X-CSRF-Token"] = sign_in(b, db.get_one(User, force_b.analyst.user_id).email)
        page = b.get("/lines").text
        assert "recorded acting on it" in page
        assert NOTE not in page
        (theirs,) = b.get("/api/deconfliction/alerts").json()
        acted = b.post(
            f"/api/deconfliction/alerts/{theirs['alert_id']}/acknowledgement",
            json={"note": "Agreed to hold back"},
        )
        assert acted.status_code == 200
        assert acted.json()["acknowledged"]["note"] == "Agreed to hold back"
        assert acted.json()["other_acknowledged_at"] is not None


def test_a_note_stays_kept_from_the_other_side_when_it_co_owns_the_line_later(
    db: Session, force_a: Force, force_b: Force
) -> None:
    record_line(db, force_a.analyst, "A-1", [SHARED])
    line_b = record_line(db, force_b.analyst, "B-1", [SHARED])
    (for_b,) = deconfliction.alerts(db, force_b.analyst)
    deconfliction.acknowledge_alert(
        db, force_b.analyst, for_b.alert_id, AlertAcknowledge(note=NOTE)
    )
    assert [e.reason for e in line_b.events if e.kind == "alert_acknowledged"] == [NOTE]

    services.add_owner(
        db, force_b.analyst, line_b.id, force_a.organisation.id, "Joint op", line_b.version
    )
    seen = services.get_line(db, force_a.analyst, line_b.id).events
    assert [e.reason for e in seen if e.kind == "alert_acknowledged"] == [None]
    told = db.scalars(
        select(AuditEntry.record_type).where(
            AuditEntry.operation == "disclosure",
            AuditEntry.recipient == "Merseyside Police (test)",
            AuditEntry.record_type == "deconfliction_match",
            AuditEntry.justification.like("%new co-owner%"),
        )
    ).all()
    assert told == []  # its own holding: nothing disclosed to it
