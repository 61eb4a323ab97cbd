"""The national picture: outcomes against lines, matrix, trends and intensification weeks."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from fastapi import FastAPI
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

import crossline.models  # noqa: F401  every table known to the metadata
from crossline.audit.models import AuditEntry
from crossline.auth.actor import Actor
from crossline.auth.models import User
from crossline.core import clock
from crossline.core.database import Base
from crossline.core.errors import Forbidden, InvalidInput, NotFound
from crossline.lines import services
from crossline.lines.models import Line
from crossline.lines.national_chart import trend_chart
from crossline.lines.national_schemas import Measures, OutcomeCreate, WeekCount, WeekCreate
from crossline.lines.outcomes import IntensificationWeek, LineOutcome, OutcomeKind
from crossline.lines.schemas import ClosureCorrection, LineCreate, StatusChange
from crossline.lines.services import national
from crossline.lines.statuses import ClosureType, LineStatus
from tests.factories import sign_in
from tests.lines.conftest import Force

NATIONAL_TABLES = {LineOutcome.__tablename__, IntensificationWeek.__tablename__}
# Three weeks of November 2026, each starting on a Monday.
WEEK_1, WEEK_2, WEEK_3 = date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16)


def at(day: date, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def new_line(
    db: Session,
    actor: Actor,
    reference: str,
    hub: str | None,
    county: str | None,
    *,
    when: datetime,
    status: LineStatus = LineStatus.CONFIRMED,
) -> Line:
    """A line entered in the register at ``when``, run from ``hub`` into ``county``."""
    data = LineCreate(reference=reference, status=status, hub_area=hub, county_area=county)
    with clock.frozen_at(when):
        return services.create_line(db, actor, data)


def change(db: Session, actor: Actor, line: Line, status: LineStatus, when: datetime) -> None:
    with clock.frozen_at(when):
        closure = ClosureType.TYPE_1 if status is LineStatus.CLOSED else None
        data = StatusChange(
            status=status, reason="operation", version=line.version, closure_type=closure
        )
        services.change_status(db, actor, line.id, data)


def outcome(
    db: Session, actor: Actor, line: Line, kind: OutcomeKind, count: int, day: date
) -> LineOutcome:
    data = OutcomeCreate(kind=kind, count=count, occurred_on=day)
    return national.record_outcome(db, actor, line.id, data)


@pytest.fixture
def coordinator(db: Session) -> Actor:
    from tests.lines.conftest import actor_with

    return actor_with(db, "national_coordinator", "national_coordination_centre")


@contextmanager
def signed_in(app: FastAPI, db: Session, actor: Actor) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as client:
        client.headers["X-CSRF-Token"] = sign_in(client, db.get_one(User, actor.user_id).email)
        yield client


def test_migration_0008_creates_the_national_picture_tables_as_the_models_declare(
    engine: Engine,
) -> None:
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert [d for d in differences if any(t in repr(d) for t in NATIONAL_TABLES)] == []


# --- outcomes against lines ---------------------------------------------------------------------


def test_an_analyst_records_outcomes_on_own_lines_only_and_each_is_audited(
    db: Session, force_a: Force, force_b: Force, coordinator: Actor
) -> None:
    line = new_line(db, force_a.analyst, "A-1", "merseyside", "cumbria", when=at(WEEK_1))
    recorded = outcome(db, force_a.analyst, line, OutcomeKind.ARREST, 3, WEEK_2)
    assert (recorded.owner_id, recorded.count, recorded.kind) == (
        force_a.organisation.id,
        3,
        "arrest",
    )
    entry = db.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).one()
    assert (entry.operation, entry.record_type, entry.record_id) == (
        "alteration",
        "line",
        str(line.id),
    )
    assert entry.record_owner_id == force_a.organisation.id
    assert "3 Arrests" in (entry.justification or "")

    with pytest.raises(NotFound):  # another force's line is as if it did not exist
        outcome(db, force_b.analyst, line, OutcomeKind.ARREST, 1, WEEK_2)
    with pytest.raises(Forbidden):  # coordinators read every line but change none
        outcome(db, coordinator, line, OutcomeKind.PERSON_SAFEGUARDED, 1, WEEK_2)
    with pytest.raises(InvalidInput) as future:
        outcome(db, force_a.analyst, line, OutcomeKind.ARREST, 1, date(2999, 1, 1))
    assert future.value.errors == {"occurred_on": "The date must be today or in the past."}
    _, found = national.line_outcomes(db, coordinator, line.id)
    assert [(o.kind, o.count) for o in found] == [("arrest", 3)]
    with pytest.raises(NotFound):
        national.line_outcomes(db, force_b.analyst, line.id)


def test_the_api_records_and_lists_outcomes_for_the_owner_and_refuses_others(
    app: FastAPI, db: Session, force_a: Force, force_b: Force, coordinator: Actor
) -> None:
    line = new_line(db, force_a.analyst, "A-1", "merseyside", "cumbria", when=at(WEEK_1))
    body = {"kind": "person_safeguarded", "count": 2, "occurred_on": "2026-11-10"}
    with signed_in(app, db, force_a.analyst) as a:
        created = a.post(f"/api/lines/{line.id}/outcomes", json=body)
        assert created.status_code == 201, created.text
        assert created.json()["kind_label"] == "People safeguarded"
        refused = a.post(f"/api/lines/{line.id}/outcomes", json={**body, "count": 0})
        assert refused.status_code == 422
        assert "count" in refused.json()["errors"]
        assert [o["count"] for o in a.get(f"/api/lines/{line.id}/outcomes").json()] == [2]
    with signed_in(app, db, force_b.analyst) as b:
        assert b.post(f"/api/lines/{line.id}/outcomes", json=body).status_code == 404
        assert b.get(f"/api/lines/{line.id}/outcomes").status_code == 404
    with signed_in(app, db, coordinator) as c:
        assert c.post(f"/api/lines/{line.id}/outcomes", json=body).status_code == 403
        assert c.get(f"/api/lines/{line.id}/outcomes").status_code == 200


def test_the_outcomes_page_records_with_an_error_summary_and_offers_no_form_to_others(
    app: FastAPI, db: Session, force_a: Force, coordinator: Actor
) -> None:
    line = new_line(db, force_a.analyst, "A-1", "merseyside", "cumbria", when=at(WEEK_1))
    form = {"kind": "arrest", "count": "4", "occurred_on-day": "31", "occurred_on-month": "2"}
    form["occurred_on-year"] = "2026"  # 31 February
    with signed_in(app, db, force_a.analyst) as a:
        page = a.get(f"/lines/{line.id}/outcomes")
        assert "No outcome has been recorded against this line." in page.text
        refused = a.post(f"/lines/{line.id}/outcomes", data=form)
        assert refused.status_code == 422
        assert "govuk-error-summary" in refused.text
        assert 'href="#occurred_on"' in refused.text
        assert "Enter a real date" in refused.text
        assert 'value="31"' in refused.text  # what was typed is kept
        form |= {"occurred_on-day": "9", "occurred_on-month": "11", "occurred_on-year": "2026"}
        done = a.post(f"/lines/{line.id}/outcomes", data=form, follow_redirects=False)
        assert done.status_code == 303
        page = a.get(f"/lines/{line.id}/outcomes")
        assert "9 Nov 2026" in page.text
        assert "Record an outcome" in page.text
    with signed_in(app, db, coordinator) as c:
        page = c.get(f"/lines/{line.id}/outcomes")
        assert page.status_code == 200
        assert "9 Nov 2026" in page.text
        assert "Record an outcome" not in page.text


# --- the matrix, the map and the trends ----------------------------------------------------------


def test_the_matrix_counts_every_forces_active_lines_by_hub_and_county(
    db: Session, force_a: Force, force_b: Force, coordinator: Actor
) -> None:
    when = at(WEEK_1)
    new_line(db, force_a.analyst, "A-1", "merseyside", "cumbria", when=when)
    new_line(db, force_a.analyst, "A-2", "merseyside", "cumbria", when=when)
    new_line(db, force_b.analyst, "B-1", "merseyside", "west-mercia", when=when)
    new_line(db, force_b.analyst, "B-2", "west-mercia", "west-mercia", when=when)
    new_line(db, force_b.analyst, "B-3", None, "cumbria", when=when, status=LineStatus.SUSPECTED)
    closed = new_line(db, force_a.analyst, "A-3", "west-mercia", "cumbria", when=when)
    change(db, force_a.analyst, closed, LineStatus.CLOSED, at(WEEK_2))

    picture = national.national_picture(db, coordinator, today=WEEK_3)
    m = picture.matrix
    assert [c.force_id for c in m.counties] == ["cumbria", "west-mercia"]
    assert [(r.hub.force_id, r.lines, r.total) for r in m.rows] == [
        ("merseyside", [2, 1], 3),
        ("west-mercia", [0, 1], 1),
        (None, [1, 0], 1),  # hub not recorded, last
    ]
    assert m.rows[2].hub.name == "Not recorded"
    assert (m.county_totals, m.total) == ([3, 2], 5)
    assert [(a.force.force_id, a.exporting, a.importing, a.role) for a in picture.areas] == [
        ("cumbria", 0, 3, "importing"),
        ("merseyside", 3, 0, "exporting"),
        ("west-mercia", 1, 2, "both"),
    ]
    assert picture.areas[1].force.area_code == "E23000004"  # Merseyside's boundary


def test_trends_count_lines_opened_disrupted_and_closed_and_outcomes_per_week(
    db: Session, force_a: Force, force_b: Force, coordinator: Actor
) -> None:
    first = new_line(db, force_a.analyst, "A-1", "merseyside", "cumbria", when=at(WEEK_1))
    second = new_line(
        db,
        force_b.analyst,
        "B-1",
        "merseyside",
        "cumbria",
        when=at(WEEK_1, 23, 59),
        status=LineStatus.SUSPECTED,
    )
    change(db, force_b.analyst, second, LineStatus.CONFIRMED, at(WEEK_2, 0, 0))
    change(db, force_a.analyst, first, LineStatus.DISRUPTED, at(WEEK_2, 9))
    change(db, force_a.analyst, first, LineStatus.CLOSED, at(WEEK_3, 9))
    new_line(db, force_a.analyst, "A-2", "merseyside", "cumbria", when=at(WEEK_3))
    outcome(db, force_a.analyst, first, OutcomeKind.ARREST, 4, WEEK_2)
    outcome(db, force_a.analyst, first, OutcomeKind.ARREST, 1, WEEK_3)
    outcome(db, force_b.analyst, second, OutcomeKind.PERSON_SAFEGUARDED, 2, date(2026, 11, 15))

    trends = national.national_picture(db, coordinator, weeks=4, today=date(2026, 11, 18)).trends
    rows = [
        (
            w.week_starting,
            w.measures.opened,
            w.measures.confirmed,
            w.measures.disrupted,
            w.measures.closed,
            w.measures.outcomes["arrest"],
            w.measures.outcomes["person_safeguarded"],
        )
        for w in trends
    ]
    assert rows == [
        (date(2026, 10, 26), 0, 0, 0, 0, 0, 0),
        (WEEK_1, 2, 1, 0, 0, 0, 0),  # A-1 created confirmed; B-1 suspected
        (WEEK_2, 0, 1, 1, 0, 4, 2),  # B-1 confirmed at midnight Monday; the 15th is a Sunday
        (WEEK_3, 1, 1, 0, 1, 1, 0),
    ]
    # The closure is counted by its type too (DOMAIN.md §LINES.closure): A-1 was Type 1.
    assert [(w.measures.closed_type_1, w.measures.closed_type_2) for w in trends] == [
        (0, 0),
        (0, 0),
        (0, 0),
        (1, 0),
    ]
    # Put right as Type 2, the same closure counts as Type 2, once, in the week it happened.
    correction = ClosureCorrection(
        closure_type=ClosureType.TYPE_2, reason="Number deactivated", version=first.version
    )
    with clock.frozen_at(at(WEEK_3, 15)):
        services.correct_closure(db, force_a.analyst, first.id, correction)
    trends = national.national_picture(db, coordinator, weeks=4, today=date(2026, 11, 18)).trends
    assert [
        (w.measures.closed, w.measures.closed_type_1, w.measures.closed_type_2) for w in trends
    ][-1] == (1, 0, 1)
    totals = national.national_picture(db, coordinator, today=WEEK_3).outcome_totals
    assert totals == {
        "arrest": 5,
        "person_safeguarded": 2,
        "cuckooed_address_visited": 0,
        "device_seized": 0,
    }


def test_only_national_coordinators_read_the_national_picture(db: Session, force_a: Force) -> None:
    with pytest.raises(Forbidden):
        national.national_picture(db, force_a.analyst)
    with pytest.raises(Forbidden):
        national.list_weeks(db, force_a.analyst)
    with pytest.raises(Forbidden):
        national.define_week(
            db, force_a.analyst, WeekCreate(name="W", starts_on=WEEK_1, ends_on=WEEK_2)
        )


# --- intensification weeks -----------------------------------------------------------------------


def _busy_fortnight(db: Session, force_a: Force, force_b: Force) -> None:
    """Lines and outcomes inside week 2 and just outside it, for two forces."""
    a1 = new_line(db, force_a.analyst, "A-1", "merseyside", "cumbria", when=at(WEEK_1))
    a2 = new_line(db, force_a.analyst, "A-2", "merseyside", "cumbria", when=at(WEEK_2, 0, 0))
    change(db, force_a.analyst, a1, LineStatus.DISRUPTED, at(date(2026, 11, 8), 23, 59))
    change(db, force_a.analyst, a1, LineStatus.CLOSED, at(date(2026, 11, 15), 23, 59))
    change(db, force_a.analyst, a2, LineStatus.CLOSED, at(WEEK_3, 0, 0))
    b1 = new_line(db, force_b.analyst, "B-1", "west-mercia", "west-mercia", when=at(WEEK_2))
    change(db, force_b.analyst, b1, LineStatus.DISRUPTED, at(date(2026, 11, 12)))
    outcome(db, force_a.analyst, a1, OutcomeKind.ARREST, 5, date(2026, 11, 8))  # the day before
    outcome(db, force_a.analyst, a1, OutcomeKind.ARREST, 7, WEEK_2)
    outcome(db, force_a.analyst, a1, OutcomeKind.PERSON_SAFEGUARDED, 2, date(2026, 11, 15))
    outcome(db, force_b.analyst, b1, OutcomeKind.ARREST, 1, date(2026, 11, 12))
    outcome(db, force_b.analyst, b1, OutcomeKind.DEVICE_SEIZED, 3, WEEK_3)  # the day after


def test_a_weeks_report_counts_its_days_by_force_and_in_total(
    db: Session, force_a: Force, force_b: Force, coordinator: Actor
) -> None:
    _busy_fortnight(db, force_a, force_b)
    week = national.define_week(
        db,
        coordinator,
        WeekCreate(name="Week of action", starts_on=WEEK_2, ends_on=date(2026, 11, 15)),
    )
    report = national.week_report(db, coordinator, week.id)

    def counts(m: Measures) -> tuple[int, ...]:
        o = m.outcomes
        return (
            m.opened,
            m.confirmed,
            m.disrupted,
            m.closed,
            o["arrest"],
            o["person_safeguarded"],
            o["device_seized"],
        )

    assert [(r.organisation, counts(r.measures)) for r in report.rows] == [
        ("Merseyside Police (test)", (1, 1, 0, 1, 7, 2, 0)),
        ("West Mercia Police (test)", (1, 1, 1, 0, 1, 0, 0)),
    ]
    assert counts(report.total) == (2, 2, 1, 1, 8, 2, 0)


def test_a_week_must_end_on_or_after_its_first_day(db: Session, coordinator: Actor) -> None:
    with pytest.raises(InvalidInput) as refused:
        national.define_week(
            db, coordinator, WeekCreate(name="W", starts_on=WEEK_2, ends_on=WEEK_1)
        )
    assert list(refused.value.errors) == ["ends_on"]
    with pytest.raises(InvalidInput):
        national.define_week(
            db, coordinator, WeekCreate(name="W", starts_on=WEEK_1, ends_on=date(2027, 6, 1))
        )


def test_the_csv_export_holds_the_counts_and_is_audited_as_a_disclosure(
    app: FastAPI, db: Session, force_a: Force, force_b: Force, coordinator: Actor
) -> None:
    _busy_fortnight(db, force_a, force_b)
    week = national.define_week(
        db, coordinator, WeekCreate(name="=SUM(A1)", starts_on=WEEK_2, ends_on=date(2026, 11, 15))
    )
    with signed_in(app, db, coordinator) as c:
        response = c.get(f"/api/national/weeks/{week.id}/report.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["organisation"] for r in rows] == [
        "Merseyside Police (test)",
        "West Mercia Police (test)",
        "Total",
    ]
    assert {r["week"] for r in rows} == {"'=SUM(A1)"}  # never a formula in a spreadsheet
    assert (rows[2]["first_day"], rows[2]["last_day"]) == ("2026-11-09", "2026-11-15")
    assert [
        rows[2][k] for k in ("opened", "disrupted", "closed", "arrest", "person_safeguarded")
    ] == ["2", "1", "1", "8", "2"]
    assert (rows[2]["closed_type_1"], rows[2]["closed_type_2"]) == ("1", "0")
    assert rows[0]["device_seized"] == "0"
    assert not any("A-1" in line or "Priya" in line for line in response.text.splitlines())
    entry = db.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).one()
    assert (entry.operation, entry.record_type, entry.record_id) == (
        "disclosure",
        "intensification_week",
        str(week.id),
    )
    assert "export file" in (entry.recipient or "")


# --- pages -------------------------------------------------------------------------------------


def test_the_national_picture_page_shows_the_matrix_map_and_trends_to_coordinators_only(
    app: FastAPI, db: Session, force_a: Force, coordinator: Actor
) -> None:
    new_line(db, force_a.analyst, "A-1", "merseyside", "cumbria", when=at(WEEK_3))
    with signed_in(app, db, coordinator) as c:
        page = c.get("/national")
        assert page.status_code == 200
        assert 'href="/national"' in page.text  # in the navigation
        assert "Active lines: hub (exporting) force in rows" in page.text
        for shown in ("Cumbria Constabulary", "Merseyside Police", 'id="national-map"'):
            assert shown in page.text
        assert "/assets/national.js" in page.text
        assert "crossline-national-chart__bar--opened" in page.text
        assert "style=" not in page.text  # the content security policy refuses inline styles
        api = c.get("/api/national", params={"weeks": 2}).json()
        assert len(api["trends"]) == 2
        assert api["areas"][0]["role"] == "importing"
        assert c.get("/api/national", params={"weeks": 0}).status_code == 422
        refused = c.get("/national", params={"weeks": "many"})
        assert refused.status_code == 422
        assert 'href="#weeks"' in refused.text
        assert refused.text.count("bar--opened") == 12  # the default number of weeks
        assert c.get("/national", params={"weeks": "3"}).text.count("bar--opened") == 3
    with signed_in(app, db, force_a.analyst) as a:
        assert a.get("/national").status_code == 403
        assert a.get("/api/national").status_code == 403
        assert 'href="/national"' not in a.get("/lines").text


def test_a_coordinator_defines_a_week_and_prints_its_report_without_navigation(
    app: FastAPI, db: Session, force_a: Force, force_b: Force, coordinator: Actor
) -> None:
    _busy_fortnight(db, force_a, force_b)
    form = {
        "name": "Autumn week of action",
        "starts_on-day": "9",
        "starts_on-month": "11",
        "starts_on-year": "2026",
        "ends_on-day": "8",
        "ends_on-month": "11",
        "ends_on-year": "2026",
    }
    with signed_in(app, db, coordinator) as c:
        refused = c.post("/national/weeks", data=form)
        assert refused.status_code == 422
        assert 'href="#ends_on"' in refused.text
        assert 'value="Autumn week of action"' in refused.text  # what was typed is kept
        done = c.post("/national/weeks", data={**form, "ends_on-day": "15"}, follow_redirects=False)
        assert done.status_code == 303
        report_url = done.headers["location"]
        page = c.get(report_url)
        assert "Autumn week of action" in page.text
        assert "9 November 2026 to 15 November 2026" in page.text
        printable = c.get(f"{report_url}/print")
        assert printable.status_code == 200
        assert "govuk-service-navigation" not in printable.text
        assert "govuk-footer" not in printable.text
        assert "West Mercia Police (test)" in printable.text
        assert "/assets/crossline.css" in printable.text
        week_id = report_url.rsplit("/", 1)[1]
        assert c.get(f"/api/national/weeks/{week_id}").json()["total"]["closed"] == 1
        assert c.get(f"/national/weeks/{uuid.uuid4()}").status_code == 404
    with signed_in(app, db, force_a.analyst) as a:
        assert a.get(report_url).status_code == 403
        assert a.get(f"{report_url}/print").status_code == 403
        assert a.get(f"/api/national/weeks/{week_id}/report.csv").status_code == 403


def test_the_trends_chart_draws_each_bar_in_proportion_on_whole_number_ticks() -> None:
    def week(day: date, opened: int, closed: int) -> WeekCount:
        return WeekCount(week_starting=day, measures=Measures(opened=opened, closed=closed))

    chart = trend_chart([week(WEEK_1, 6, 0), week(WEEK_2, 3, 1)])
    heights = {(b.title.split(":")[0], b.series): b.height for b in chart.bars}
    tallest = heights[("Week starting 2 Nov 2026", "opened")]
    assert [t.label for t in chart.ticks] == ["0", "2", "4", "6", "8"]  # 6 rounds up to 8
    assert tallest == pytest.approx((chart.baseline - chart.ticks[-1].y) * 6 / 8, abs=0.1)
    assert heights[("Week starting 9 Nov 2026", "opened")] == pytest.approx(tallest / 2, abs=0.1)
    assert heights[("Week starting 2 Nov 2026", "closed")] == 0
    assert "9 opened, 0 disrupted, 1 closed in all" in chart.description
