"""Changing a line by hand beyond its status (issue 6, line records: numbers and handsets
with validity, brand names, areas): an analyst of an owning force ends a number's or a
handset's use, never before it began nor later than an end already set, and corrects the
brand names and areas; each change is on the timeline, audited, and refused with a clear
reason on the page's own field when it cannot be made."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from crossline.audit.models import AuditEntry
from crossline.auth.actor import Actor
from crossline.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from crossline.lines import services
from crossline.lines.models import Line
from crossline.lines.schemas import (
    ClosureCorrection,
    LineDetails,
    NumberAdd,
    PeriodEnd,
    StatusChange,
)
from crossline.lines.statuses import ClosureType, LineStatus
from tests.lines.conftest import OCTOBER, Force, record_line, signed_in

NUMBER = "+447700900123"
IMEI = "353320113551886"
NOVEMBER = datetime(2025, 11, 1, tzinfo=UTC)


def _end(line: Line, when: datetime) -> PeriodEnd:
    return PeriodEnd(valid_to=when, version=line.version)


def test_ending_a_numbers_use_frees_it_for_another_active_line_from_then(
    db: Session, force_a: Force
) -> None:
    line = record_line(db, force_a.analyst, "A-1", [NUMBER])
    row = line.numbers[0]
    successor = record_line(db, force_a.analyst, "A-2")
    later = NumberAdd(number=NUMBER, valid_from=NOVEMBER + timedelta(days=1))
    with pytest.raises(InvalidInput):  # in use on A-1 without end: one active line at a time
        services.add_number(db, force_a.analyst, successor.id, later)

    ended = services.end_number(db, force_a.analyst, line.id, row.id, _end(line, NOVEMBER))
    assert ended.numbers[0].valid_to is not None
    assert ended.numbers[0].valid_to.replace(tzinfo=UTC) == NOVEMBER
    assert ended.events[-1].kind == "number_ended"
    services.add_number(db, force_a.analyst, successor.id, later)  # from after the end: fine

    # An end is never before the start, nor later than the end already set; earlier is fine.
    with pytest.raises(InvalidInput) as before:
        services.end_number(
            db, force_a.analyst, line.id, row.id, _end(line, OCTOBER - timedelta(days=1))
        )
    assert "before it began" in before.value.errors["valid_to"]
    with pytest.raises(InvalidInput) as later_end:
        services.end_number(
            db, force_a.analyst, line.id, row.id, _end(line, NOVEMBER + timedelta(days=9))
        )
    assert "add it again" in later_end.value.errors["valid_to"]
    earlier = NOVEMBER - timedelta(days=10)
    moved = services.end_number(db, force_a.analyst, line.id, row.id, _end(line, earlier))
    assert moved.numbers[0].valid_to is not None
    assert moved.numbers[0].valid_to.replace(tzinfo=UTC) == earlier

    why = db.scalars(
        select(AuditEntry.justification).where(
            AuditEntry.record_type == "line", AuditEntry.record_id == str(line.id)
        )
    ).all()
    assert why.count("a number's use on a line ended") == 2


def test_ending_is_for_the_owners_analysts_on_the_version_they_read(
    db: Session, force_a: Force, force_b: Force, coordinator: Actor
) -> None:
    line = record_line(db, force_a.analyst, "A-1", [NUMBER], [IMEI])
    number, handset = line.numbers[0].id, line.handsets[0].id
    stale = PeriodEnd(valid_to=NOVEMBER, version=line.version - 1)
    with pytest.raises(Conflict):
        services.end_number(db, force_a.analyst, line.id, number, stale)
    with pytest.raises(NotFound):  # another force's line does not exist for it
        services.end_number(db, force_b.analyst, line.id, number, _end(line, NOVEMBER))
    with pytest.raises(Forbidden):
        services.end_handset(db, coordinator, line.id, handset, _end(line, NOVEMBER))
    with pytest.raises(NotFound):
        services.end_handset(db, force_a.analyst, line.id, uuid.uuid4(), _end(line, NOVEMBER))
    ended = services.end_handset(db, force_a.analyst, line.id, handset, _end(line, NOVEMBER))
    assert ended.handsets[0].valid_to is not None
    assert ended.events[-1].kind == "handset_ended"


def test_brand_names_and_areas_are_corrected_and_the_timeline_keeps_the_old(
    db: Session, force_a: Force, force_b: Force
) -> None:
    line = record_line(db, force_a.analyst, "A-1", [NUMBER])
    changed = services.change_details(
        db,
        force_a.analyst,
        line.id,
        LineDetails(
            brand_names=[" Tiny ", "Tiny", "Bigz"],
            hub_area="merseyside",
            county_area="cumbria",
            version=line.version,
        ),
    )
    assert (changed.brand_names, changed.hub_area, changed.county_area) == (
        '["Bigz", "Tiny"]',
        "merseyside",
        "cumbria",
    )
    assert changed.events[-1].kind == "details_changed"
    assert '"county_area": ["west-mercia", "cumbria"]' in (changed.events[-1].detail or "")
    assert '"hub_area"' not in (changed.events[-1].detail or "")  # unchanged: not listed

    same = LineDetails(
        brand_names=["Bigz", "Tiny"],
        hub_area="merseyside",
        county_area="cumbria",
        version=changed.version,
    )
    with pytest.raises(InvalidInput) as nothing:
        services.change_details(db, force_a.analyst, line.id, same)
    assert "Nothing is different" in nothing.value.errors["form"]
    unknown = same.model_copy(update={"county_area": "atlantis"})
    with pytest.raises(InvalidInput) as not_a_force:
        services.change_details(db, force_a.analyst, line.id, unknown)
    assert "not a police force" in not_a_force.value.errors["county_area"]
    with pytest.raises(NotFound):
        services.change_details(
            db, force_b.analyst, line.id, same.model_copy(update={"hub_area": None})
        )


def test_the_line_page_adds_and_ends_numbers_and_corrects_the_details(
    app: FastAPI, db: Session, force_a: Force
) -> None:
    line = record_line(db, force_a.analyst, "A-1", [NUMBER])
    url = f"/lines/{line.id}"
    with signed_in(app, db, force_a.analyst) as a:
        page = a.get(url)
        assert "Add a number" in page.text
        assert f'name="end-{line.numbers[0].id}"' in page.text

        bad = a.post(
            f"{url}/numbers",
            data={"number": "call me", "number_from": "2025-11-02T09:00", "version": "1"},
        )
        assert bad.status_code == 422
        assert 'href="#number"' in bad.text
        assert '<details class="govuk-details" open>' in bad.text  # the form with the error
        added = a.post(
            f"{url}/numbers",
            data={"number": "07700 900999", "number_from": "2025-11-02T09:00", "version": "1"},
            follow_redirects=False,
        )
        assert added.status_code == 303
        line_read = a.get(f"/api/lines/{line.id}").json()
        first = next(n for n in line_read["numbers"] if n["number"] == NUMBER)
        assert [n["number"] for n in line_read["numbers"]] == [NUMBER, "+447700900999"]

        field = f"end-{first['id']}"
        early = a.post(
            f"{url}/numbers/{first['id']}/end",
            data={field: "2025-09-01T00:00", "version": str(line_read["version"])},
        )
        assert early.status_code == 422
        assert f'href="#{field}"' in early.text
        ended = a.post(
            f"{url}/numbers/{first['id']}/end",
            data={field: "2025-11-02T08:59", "version": str(line_read["version"])},
            follow_redirects=False,
        )
        assert ended.status_code == 303
        page = a.get(url).text
        assert "number +447700900123 no longer used from 2025-11-02 08:59 UTC" in page

        version = str(a.get(f"/api/lines/{line.id}").json()["version"])
        unchanged = a.post(
            f"{url}/details",
            data={
                "brand_names_text": "A-1 brand",
                "hub_area": "merseyside",
                "county_area": "west-mercia",
                "version": version,
            },
        )
        assert unchanged.status_code == 422
        assert 'href="#brand_names_text"' in unchanged.text
        corrected = a.post(
            f"{url}/details",
            data={
                "brand_names_text": "A-1 brand\nSnow\n",
                "hub_area": "merseyside",
                "county_area": "",
                "version": version,
            },
            follow_redirects=False,
        )
        assert corrected.status_code == 303
        page = a.get(url).text
        assert "brand names changed from A-1 brand to A-1 brand, Snow" in page
        assert "county area changed from west-mercia to none" in page

        too_many = a.post(
            f"{url}/details",
            data={
                "brand_names_text": "\n".join(f"Brand {i}" for i in range(21)),
                "version": str(a.get(f"/api/lines/{line.id}").json()["version"]),
            },
        )
        assert too_many.status_code == 422
        assert "at most 20 brand names" in too_many.text

        # A closure type ticked, then another status chosen: the status is what counts.
        version = str(a.get(f"/api/lines/{line.id}").json()["version"])
        disrupted = a.post(
            f"{url}/status",
            data={
                "status": "disrupted",
                "closure_type": "type_1",
                "reason": "Warrant executed",
                "version": version,
            },
            follow_redirects=False,
        )
        assert disrupted.status_code == 303
        assert a.get(f"/api/lines/{line.id}").json()["closure_type"] is None

        api = a.put(
            f"/api/lines/{line.id}/details",
            json={"brand_names": ["Snow"], "hub_area": "merseyside", "version": 1},
        )
        assert api.status_code == 409  # the version read was stale


def test_a_closed_lines_closure_type_is_corrected_with_the_reason(
    db: Session, force_a: Force, force_b: Force
) -> None:
    line = record_line(db, force_a.analyst, "A-1", [NUMBER])

    def correction(kind: ClosureType) -> ClosureCorrection:
        return ClosureCorrection(closure_type=kind, reason="Misread", version=line.version)

    with pytest.raises(InvalidInput) as open_line:
        services.correct_closure(db, force_a.analyst, line.id, correction(ClosureType.TYPE_1))
    assert "Only a closed line" in open_line.value.errors["closure_type"]
    closing = StatusChange(
        status=LineStatus.CLOSED,
        reason="Holder charged",
        version=line.version,
        closure_type=ClosureType.TYPE_1,
    )
    services.change_status(db, force_a.analyst, line.id, closing)
    with pytest.raises(InvalidInput) as same:
        services.correct_closure(db, force_a.analyst, line.id, correction(ClosureType.TYPE_1))
    assert "already" in same.value.errors["closure_type"]
    with pytest.raises(NotFound):
        services.correct_closure(db, force_b.analyst, line.id, correction(ClosureType.TYPE_2))
    services.correct_closure(db, force_a.analyst, line.id, correction(ClosureType.TYPE_2))
    assert line.closure_type == "type_2"
    closed, corrected = line.events[-2], line.events[-1]
    assert (closed.kind, closed.closure_type) == ("status_changed", "type_2")
    assert (corrected.kind, corrected.reason) == ("closure_corrected", "Misread")
    assert '"from": "type_1"' in (corrected.detail or "")


def test_the_line_page_corrects_how_a_closed_line_was_closed(
    app: FastAPI, db: Session, force_a: Force
) -> None:
    line = record_line(db, force_a.analyst, "A-1", [NUMBER])
    url = f"/lines/{line.id}"
    with signed_in(app, db, force_a.analyst) as a:
        assert "Correct how it was closed" not in a.get(url).text  # not closed
        closed = a.post(
            f"{url}/status",
            data={
                "status": "closed",
                "closure_type": "type_1",
                "reason": "Charged",
                "version": "1",
            },
            follow_redirects=False,
        )
        assert closed.status_code == 303
        assert "Correct how it was closed" in a.get(url).text
        unreasoned = a.post(
            f"{url}/closure-type", data={"correct_closure_type": "type_2", "version": "2"}
        )
        assert unreasoned.status_code == 422
        assert 'href="#correct_reason"' in unreasoned.text
        corrected = a.post(
            f"{url}/closure-type",
            data={"correct_closure_type": "type_2", "correct_reason": "SIM cut", "version": "2"},
            follow_redirects=False,
        )
        assert corrected.status_code == 303
        page = a.get(url).text
        assert "closure type corrected from Type 1: a line holder arrested" in page
        assert a.get(f"/api/lines/{line.id}").json()["closure_type"] == "type_2"
