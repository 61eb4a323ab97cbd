"""A child found in the county area of a known line: the episode is linked to the line
(DOMAIN.md §MISSING.lines), a concern names the area, and screening is prefilled from it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from crossline.core import clock
from crossline.safeguarding.schemas import FoundIn, MissingIn, YoungPersonIn
from crossline.safeguarding.services import concerns, missing, screening, young_people
from tests.factories import actor_of, make_organisation, make_user
from tests.lines.conftest import make_force, record_line

NOW = datetime(2026, 11, 24, 10, tzinfo=UTC)
TELFORD = (52.6766, -2.4469)  # West Mercia
BIRMINGHAM = (52.4862, -1.8904)  # West Midlands


@pytest.fixture(autouse=True)
def tuesday(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "now", lambda: NOW)


def test_a_child_found_in_a_lines_county_area_is_linked_to_the_line(db: Session) -> None:
    force = make_force(db, "Test Police")
    line = record_line(db, force.analyst, "GREEN")  # hub merseyside, county west-mercia
    council = make_organisation(db, "local_authority", name="Test Council")
    practitioner = actor_of(make_user(db, council, ["safeguarding_practitioner"]), council)
    episodes = []
    for name, (lat, lon) in (("Away", TELFORD), ("Home", BIRMINGHAM)):
        child = young_people.create(
            db,
            practitioner,
            YoungPersonIn(first_name=name, surname="Child", dob=date(2011, 6, 1)),
        )
        episode = missing.report_missing(
            db,
            practitioner,
            child.id,
            MissingIn(reported_at=NOW - timedelta(days=2), reported_by="Carer"),
        )
        episodes.append(
            missing.found(
                db,
                practitioner,
                episode.id,
                FoundIn(
                    found_at=NOW - timedelta(days=1),
                    found_where="A flat",
                    found_by="Police",
                    found_lat=lat,
                    found_lon=lon,
                    version=episode.version,
                ),
            )
        )
    away, home = episodes
    assert away.found_force_area == "west-mercia"
    assert away.line_id == line.id
    assert home.found_force_area == "west-midlands"
    assert home.line_id is None
    away_child = young_people.get(db, practitioner, away.young_person_id, why="test")
    raised = concerns.concerns_of(db, away_child)
    assert [c.line_id for c in raised if c.line_id] == [line.id]
    assert any("West Mercia" in c.summary for c in raised)
    suggested = screening.prefill(db, practitioner, away_child.id)
    assert "found in the county area of a known line" in suggested["CL18-01"].source
