"""Campaign targeting (MISSION.md, awareness campaign): police force areas ranked by their
exposure to county lines, counted from the line register, safeguarding and anonymous
reports without any module reading another's records; each area with its schools;
national coordinators only."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from crossline.auth.actor import Actor
from crossline.core import clock
from crossline.core.errors import Forbidden, InvalidInput
from crossline.lines import services as lines
from crossline.lines.models import Line
from crossline.lines.schemas import LineCreate
from crossline.orgs.models import Organisation
from crossline.outreach import reports, targeting
from crossline.outreach.schemas import ReportAbout, ReportIn
from crossline.safeguarding.schemas import ConcernIn, YoungPersonIn
from crossline.safeguarding.services import concerns, young_people
from tests.factories import actor_of, make_organisation, make_user
from tests.safeguarding.helpers import page_text, signed_in

NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)


@pytest.fixture(autouse=True)
def moment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "now", lambda: NOW)


def _actor(db: Session, kind: str, role: str) -> Actor:
    organisation = make_organisation(db, kind)
    return actor_of(make_user(db, organisation, [role]), organisation)


def _line(db: Session, analyst: Actor, reference: str, hub: str, county: str, status: str) -> Line:
    return lines.create_line(
        db,
        analyst,
        LineCreate.model_validate(
            {"reference": reference, "status": status, "hub_area": hub, "county_area": county}
        ),
    )


@pytest.fixture
def exposed(db: Session) -> None:
    """Two active lines into West Mercia and a closed one, two into Cumbria; a child from
    Cumbria with a concern; two anonymous reports about Shropshire (West Mercia); a school
    in Shropshire."""
    analyst = _actor(db, "police_force", "intelligence_analyst")
    _line(db, analyst, "L1", "merseyside", "west-mercia", "confirmed")
    _line(db, analyst, "L2", "west-midlands", "west-mercia", "suspected")
    _line(db, analyst, "L3", "merseyside", "cumbria", "confirmed")
    _line(db, analyst, "L4", "merseyside", "cumbria", "suspected")
    closed = _line(db, analyst, "L5", "merseyside", "west-mercia", "confirmed")
    closed.status = "closed"  # a closed line is not counted
    db.commit()
    council = _actor(db, "local_authority", "safeguarding_practitioner")
    child = young_people.create(
        db,
        council,
        YoungPersonIn(
            first_name="Ada", surname="Cumbria", dob=date(2011, 1, 1), force_area="cumbria"
        ),
        via="cli",
    )
    concerns.raise_concern(
        db,
        council,
        child.id,
        ConcernIn(source="practitioner", summary="Seen with older men", indicators=["CL18-04"]),
        via="cli",
    )
    for _ in range(2):
        reports.send_report(
            db,
            ReportIn(district="shropshire", about=ReportAbout.SOMEONE_ELSE, what_happened="x"),
        )
    school = make_organisation(db, "school", "Severn School")
    school.area_id = "shropshire"
    db.commit()


def test_areas_are_ranked_by_the_measure_chosen_with_their_schools(
    db: Session, exposed: None
) -> None:
    planner = _actor(db, "national_coordination_centre", "national_coordinator")
    by_lines = targeting.target(db, planner)
    assert by_lines.by == "lines_into"
    # Two lines into each of Cumbria and West Mercia: the tie goes to the next measure in
    # order that differs, children with concerns (Cumbria 1, West Mercia 0).
    ranked = [(a.force, a.counts["lines_into"]) for a in by_lines.areas]
    assert ranked[:2] == [("cumbria", 2), ("west-mercia", 2)]
    assert {a.force: a.counts["lines_from"] for a in by_lines.areas}["merseyside"] == 3
    west_mercia = by_lines.areas[1]
    assert west_mercia.counts["anonymous_reports"] == 2
    assert west_mercia.schools == ("Severn School",)
    assert by_lines.areas[0].schools == ()

    by_reports = targeting.target(db, planner, by="anonymous_reports")
    assert [a.force for a in by_reports.areas][:2] == ["west-mercia", "cumbria"]

    by_children = targeting.target(db, planner, by="children_concerns")
    assert by_children.areas[0].force == "cumbria"
    assert by_children.areas[0].counts["children_concerns"] == 1


def test_only_national_coordinators_target_and_a_bad_choice_is_refused(
    db: Session, exposed: None
) -> None:
    with pytest.raises(Forbidden):
        targeting.target(db, _actor(db, "police_force", "intelligence_analyst"))
    planner = _actor(db, "national_coordination_centre", "national_coordinator")
    with pytest.raises(InvalidInput):
        targeting.target(db, planner, by="rumours")
    with pytest.raises(InvalidInput):
        targeting.target(db, planner, months=7)


def test_the_page_csv_and_api_rank_the_same_areas(app: FastAPI, db: Session, exposed: None) -> None:
    organisation = make_organisation(db, "national_coordination_centre", "NCLCC (test)")
    planner = make_user(db, organisation, ["national_coordinator"])
    with signed_in(app, planner) as client:
        page = page_text(client.get("/campaigns?by=anonymous_reports").text)
        api = client.get("/api/campaigns/exposure?by=anonymous_reports&months=3").json()
        exported = client.get("/campaigns/exposure.csv?by=anonymous_reports").text
        refused = client.get("/api/campaigns/exposure?by=rumours")
    west_mercia = db.scalar(select(Organisation.name).where(Organisation.key == "west-mercia"))
    assert f"1 {west_mercia}" in page
    assert "Severn School" in page
    assert api["areas"][0]["force"] == "west-mercia"
    assert api["areas"][0]["counts"]["anonymous_reports"] == 2
    assert exported.splitlines()[1].startswith(f"1,{west_mercia},2,")
    assert refused.status_code == 422
