"""A later analysis run brings a line in the register up to date, never silently."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from crossline.analytics.models import Finding
from crossline.auth.models import User
from crossline.core.errors import InvalidInput, NotFound
from crossline.core.settings import Settings
from crossline.lines import services
from crossline.lines.schemas import FindingConfirm, HandsetIn, LineCreate, NumberIn
from crossline.lines.services import updating
from tests.lines.conftest import Force, analysed
from tests.lines.test_routes import signed_in


def _best_finding(db: Session, run_id: object) -> Finding:
    found = db.scalars(
        select(Finding)
        .where(Finding.run_id == run_id, Finding.kind == "line")
        .order_by(Finding.score.desc())
    ).all()
    return next(f for f in found if len(json.loads(f.detail)["numbers"]) > 1)


def test_a_line_recorded_with_one_number_is_offered_the_rest_and_takes_it(
    db: Session, force_a: Force, force_b: Force, settings: Settings, tiny_world: Path
) -> None:
    run = analysed(db, force_a.analyst, settings, tiny_world)
    finding = _best_finding(db, run.id)
    entry = json.loads(finding.detail)
    first = entry["numbers"][0]
    line = services.create_line(
        db,
        force_a.analyst,
        LineCreate(
            reference="A-KNOWN",
            status="confirmed",
            numbers=[NumberIn(number=first["number"], valid_from=first["first_seen"])],
        ),
    )
    # the finding is this line: offered as an update, not as a new line to confirm
    assert finding.id not in {f.id for f in services.findings_to_confirm(db, force_a.analyst)}
    offered = [u for u in updating.updates_from_latest_run(db, force_a.analyst) if u.line is line]
    assert len(offered) == 1
    update = offered[0]
    expected = {n["number"] for n in entry["numbers"]} - {first["number"]}
    assert set(update.numbers) == expected
    assert set(update.handsets) == {h["imei"] for h in entry.get("handsets", [])}
    if first["number"] in {link["from"] for link in entry.get("successor_links", [])}:
        assert update.ended == (first["number"],)

    with pytest.raises(NotFound):
        updating.update_from_finding(db, force_b.analyst, line.id, finding.id, line.version)

    updated = updating.update_from_finding(db, force_a.analyst, line.id, finding.id, line.version)
    assert {n.number for n in updated.numbers} == {n["number"] for n in entry["numbers"]}
    assert {h.imei for h in updated.handsets} == set(update.handsets)
    assert {p.number for p in updated.people} >= {p.number for p in update.people}
    kinds = [e.kind for e in updated.events]
    assert kinds.count("updated_from_analysis") == 1
    assert kinds.count("number_added") == len(expected)
    open_numbers = [n for n in updated.numbers if n.valid_to is None]
    assert len(open_numbers) <= 1 + len(expected)
    with pytest.raises(InvalidInput, match="nothing"):
        updating.update_from_finding(db, force_a.analyst, line.id, finding.id, updated.version)
    assert line.id not in {u.line.id for u in updating.updates_from_latest_run(db, force_a.analyst)}


def test_a_finding_of_another_line_does_not_update_this_one(
    db: Session, force_a: Force, settings: Settings, tiny_world: Path
) -> None:
    run = analysed(db, force_a.analyst, settings, tiny_world)
    finding = _best_finding(db, run.id)
    confirmed = services.confirm_finding(db, force_a.analyst, FindingConfirm(finding_id=finding.id))
    other = services.create_line(
        db,
        force_a.analyst,
        LineCreate(
            reference="A-OTHER",
            status="suspected",
            numbers=[NumberIn(number="+447700900555", valid_from=datetime(2025, 10, 1))],
            handsets=[HandsetIn(imei="357442090888655", valid_from=datetime(2025, 10, 1))],
        ),
    )
    with pytest.raises(InvalidInput, match="shares no number"):
        updating.update_from_finding(db, force_a.analyst, other.id, finding.id, other.version)
    with pytest.raises(InvalidInput, match="nothing"):
        updating.update_from_finding(
            db, force_a.analyst, confirmed.id, finding.id, confirmed.version
        )


def test_the_lines_page_offers_the_update_and_the_api_applies_it(
    app: FastAPI, db: Session, force_a: Force, settings: Settings, tiny_world: Path
) -> None:
    run = analysed(db, force_a.analyst, settings, tiny_world)
    finding = _best_finding(db, run.id)
    first = json.loads(finding.detail)["numbers"][0]
    line = services.create_line(
        db,
        force_a.analyst,
        LineCreate(
            reference="A-PAGE",
            status="confirmed",
            numbers=[NumberIn(number=first["number"], valid_from=first["first_seen"])],
        ),
    )
    with signed_in(app, db.get_one(User, force_a.analyst.user_id)) as client:
        page = client.get("/lines")
        assert "Found again by analysis" in page.text
        assert "Add to A-PAGE" in page.text
        offered = client.get("/api/lines/updates").json()
        assert [u["line_reference"] for u in offered] == ["A-PAGE"]
        stale = client.post(
            f"/api/lines/{line.id}/updates",
            json={"finding_id": offered[0]["finding_id"], "version": line.version - 1},
        )
        assert stale.status_code == 409
        done = client.post(
            f"/lines/{line.id}/update",
            data={"finding_id": offered[0]["finding_id"], "version": str(offered[0]["version"])},
            follow_redirects=False,
        )
        assert done.status_code == 303
        again = client.post(
            f"/lines/{line.id}/update",
            data={"finding_id": offered[0]["finding_id"], "version": str(offered[0]["version"])},
        )
        assert again.status_code in (409, 422)
        assert "govuk-error-summary" in again.text
        assert client.get("/api/lines/updates").json() == []
