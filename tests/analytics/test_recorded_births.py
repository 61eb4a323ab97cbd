"""A person on a line under 18 by a recorded date of birth is a possible child.

DOMAIN.md §LINES.child-runner and DESIGN.md (How a line is found): the date of
birth an organisation holds against a number decides; the journey pattern stands
only where none is known.
"""

from __future__ import annotations

import copy
import json
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from crossline.analytics import incremental, services
from crossline.analytics.engines import DuckDBEngine
from crossline.analytics.evaluation import evaluate
from crossline.analytics.models import Finding
from crossline.analytics.parameters import Parameters
from crossline.analytics.pipeline import (
    Person,
    RecordedBirth,
    Result,
    _age_on,
    analyse,
    rejudge_report,
)
from crossline.auth.actor import Actor
from crossline.comms.services import import_files
from crossline.core.settings import Settings
from crossline.people.models import PersonRecord
from crossline.safeguarding.models import Concern
from tests.analytics.conftest import Events
from tests.factories import actor_of, make_organisation, make_user, sign_in


def _people(result: Result) -> dict[str, Person]:
    return {p.number: p for line in result.lines for p in line.people if p.role != "customer"}


def _born(years_before: date, years: int) -> date:
    return date(years_before.year - years, years_before.month, 1)


@pytest.fixture(scope="module")
def chosen(result: Result) -> dict[str, Person]:
    """A runner the journeys flag, one they do not, and a controller."""
    people = _people(result)
    flagged = sorted(n for n, p in people.items() if p.role == "runner" and p.possible_child)
    unflagged = sorted(n for n, p in people.items() if p.role == "runner" and not p.possible_child)
    controllers = sorted(n for n, p in people.items() if p.role == "controller")
    assert flagged, "the tiny world has a runner its journeys flag"
    assert unflagged, "and one they do not"
    assert controllers
    return {
        "flagged": people[flagged[0]],
        "unflagged": people[unflagged[0]],
        "controller": people[controllers[0]],
    }


@pytest.fixture(scope="module")
def with_births(
    events: Events, parameters: Parameters, result: Result, chosen: dict[str, Person]
) -> Result:
    start = min(n.first_seen for line in result.lines for n in line.numbers).date()
    births = {
        # a child by the force's record, whatever the journeys show
        chosen["unflagged"].number: [RecordedBirth(_born(start, 15), "WMP-000101")],
        # an adult by every record: the journey pattern is set aside
        chosen["flagged"].number: [
            RecordedBirth(_born(start, 31), "WMP-000102"),
            RecordedBirth(_born(start, 30), "BTP-000007"),
        ],
        # two records disagree: the one that makes them a child is enough
        chosen["controller"].number: [
            RecordedBirth(_born(start, 40), "WMP-000103"),
            RecordedBirth(_born(start, 16), "WMP-000104"),
        ],
        "+447700900999": [RecordedBirth(_born(start, 14), "WMP-000105")],  # on no line
    }
    engine = DuckDBEngine(parameters.time_zone)
    try:
        return analyse(engine, events.files, events.cells, parameters, births=births)
    finally:
        engine.close()


def test_a_runner_under_18_by_record_is_flagged_with_the_record(
    with_births: Result, chosen: dict[str, Person]
) -> None:
    person = _people(with_births)[chosen["unflagged"].number]
    assert person.possible_child
    evidence = person.child_evidence
    assert "recorded date of birth" in evidence["rule"]
    assert "§LINES.child-runner" in evidence["rule"]
    [record] = evidence["recorded_dates_of_birth"]
    assert record["record"] == "WMP-000101"
    assert record["age_when_first_seen"] in (14, 15)
    first_seen = date.fromisoformat(evidence["first_seen_with_line"])
    assert (
        _age_on(date.fromisoformat(record["date_of_birth"]), first_seen)
        == (record["age_when_first_seen"])
    )
    assert "possible_child" in json.dumps(
        next(
            line
            for line in with_births.report()
            if any(p["number"] == person.number for p in line["roles"])
        )
    )


def test_an_adult_by_every_record_is_not_flagged_by_journeys(
    with_births: Result, chosen: dict[str, Person]
) -> None:
    person = _people(with_births)[chosen["flagged"].number]
    assert not person.possible_child
    assert [r["record"] for r in person.evidence["recorded_adult"]] == [
        "WMP-000102",
        "BTP-000007",
    ]
    # the journeys that would have flagged them stay, for the analyst to weigh
    assert person.evidence["journey_pattern_set_aside"]["departures_in_school_hours"]


def test_any_role_and_one_child_record_among_several_is_enough(
    with_births: Result, chosen: dict[str, Person]
) -> None:
    person = _people(with_births)[chosen["controller"].number]
    assert person.role == "controller"
    assert person.possible_child
    ages = [r["age_when_first_seen"] for r in person.child_evidence["recorded_dates_of_birth"]]
    assert min(ages) < 18 <= max(ages)


def test_everyone_else_is_judged_as_before(
    result: Result, with_births: Result, chosen: dict[str, Person]
) -> None:
    before, after = _people(result), _people(with_births)
    assert set(before) == set(after)
    touched = {p.number for p in chosen.values()}
    for number in set(before) - touched:
        assert before[number].possible_child == after[number].possible_child
        assert before[number].child_evidence == after[number].child_evidence


def test_evaluation_tells_record_flags_from_journey_flags(
    events: Events, result: Result, with_births: Result
) -> None:
    plain = evaluate(result.report(), events.world)
    scored = evaluate(with_births.report(), events.world)
    assert plain.children_flagged_by_record == 0
    assert plain.child_flags_by_journeys == plain.child_flags
    # the journey pattern alone is what it was, records or not
    assert scored.child_flags_by_journeys == plain.child_flags_by_journeys


def _roles_of(lines: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["number"]: r for line in lines for r in line["roles"] if r["role"] != "customer"}


def test_a_report_is_judged_again_by_the_dates_of_today(
    result: Result, chosen: dict[str, Person]
) -> None:
    """What an incremental run does to its merged lines, whatever an earlier run decided."""
    lines = copy.deepcopy(result.report())
    child, adult = chosen["unflagged"].number, chosen["flagged"].number
    first = date.fromisoformat(_roles_of(lines)[child]["evidence"]["first_seen_with_line"])
    births = {
        child: [RecordedBirth(_born(first, 16), "WMP-1")],
        adult: [RecordedBirth(_born(first, 40), "WMP-2")],
    }
    rejudge_report(lines, births)
    roles = _roles_of(lines)
    assert roles[child]["possible_child"]
    assert roles[child]["child_evidence"]["recorded_dates_of_birth"][0]["record"] == "WMP-1"
    assert not roles[adult]["possible_child"]
    assert "child_evidence" not in roles[adult]
    judged = copy.deepcopy(lines)
    rejudge_report(lines, births)
    assert lines == judged  # judging again with the same dates changes nothing
    # the records withdrawn: back to what the journeys alone say
    rejudge_report(lines, {})
    assert _roles_of(lines) == _roles_of(result.report())


def test_a_merge_keeps_the_first_day_seen_and_the_journeys_of_earlier_days(
    result: Result, chosen: dict[str, Person]
) -> None:
    before = copy.deepcopy(result.report())
    window = copy.deepcopy(before)
    number = chosen["flagged"].number
    for line in window:
        for role in line["roles"]:
            if role["number"] == number:
                role["evidence"]["first_seen_with_line"] = "2099-01-01"  # seen again, later
                role["possible_child"] = False  # no journey in the window
                role.pop("child_evidence", None)
    merged = incremental.merge(before, window, date(2099, 1, 1))
    role = _roles_of(merged)[number]
    assert role["evidence"]["first_seen_with_line"] < "2099-01-01"
    assert role["possible_child"]
    assert role["child_evidence"]["departures_in_school_hours"]


@pytest.mark.parametrize(
    ("dob", "day", "age"),
    [
        (date(2009, 6, 15), date(2027, 6, 14), 17),
        (date(2009, 6, 15), date(2027, 6, 15), 18),
        (date(2008, 2, 29), date(2026, 2, 28), 17),
        (date(2008, 2, 29), date(2026, 3, 1), 18),
    ],
)
def test_age_in_whole_years(dob: date, day: date, age: int) -> None:
    assert _age_on(dob, day) == age


# --- through the service: the organisation's own records only ----------------------------------


def _record(db: Session, owner: Actor, reference: str, dob: date, number: str) -> None:
    db.add(
        PersonRecord(
            owner_id=owner.organisation_id,
            reference=reference,
            first_name="Sam",
            surname="Example",
            dob=dob,
            phone_numbers=json.dumps([number]),
            created_by_name="test",
        )
    )
    db.flush()


def test_a_run_reads_only_its_own_organisations_records(
    client: TestClient,
    db: Session,
    settings: Settings,
    events: Events,
    result: Result,
    chosen: dict[str, Person],
) -> None:
    force = make_organisation(db, "police_force")
    user = make_user(db, force, ["intelligence_analyst"])
    analyst = actor_of(user, force)
    other_force = make_organisation(db, "police_force")
    other = actor_of(make_user(db, other_force, ["intelligence_analyst"]), other_force)
    start = min(n.first_seen for line in result.lines for n in line.numbers).date()
    own_child, elsewhere_child = chosen["unflagged"].number, chosen["controller"].number
    _record(db, analyst, "OWN-1", _born(start, 15), own_child)
    _record(db, other, "OTHER-1", _born(start, 15), elsewhere_child)
    files = sorted((events.world / "comms").glob("*.csv"))
    import_files(db, analyst, settings.data_dir, files, authorisation="OCDA-TEST-1")

    run = services.run_analysis(db, analyst, settings)

    concerns = {
        f.number: json.loads(f.detail)
        for f in db.scalars(
            select(Finding).where(Finding.run_id == run.id, Finding.kind == "safeguarding_concern")
        )
    }
    assert concerns[own_child]["recorded_dates_of_birth"][0]["record"] == "OWN-1"
    assert elsewhere_child not in concerns  # the other force's record is not read
    # the safeguarding concern raised from it says why, in plain words
    summaries = db.scalars(select(Concern.summary).where(Concern.source == "analysis")).all()
    assert any("OWN-1" in text and "when first seen with the line" in text for text in summaries)
    report = services.report_of(run)
    assert report["run"]["dates_of_birth"]
    sign_in(client, user.email)
    page = client.get("/analytics")
    assert "Under 18 by record OWN-1" in " ".join(page.text.split())

    # a date of birth recorded later counts in the next run
    _record(db, analyst, "OWN-2", _born(start, 16), elsewhere_child)
    again = services.run_analysis(db, analyst, settings)
    assert services.report_of(again)["run"]["dates_of_birth"] == 2
    flagged = set(
        db.scalars(
            select(Finding.number).where(
                Finding.run_id == again.id, Finding.kind == "safeguarding_concern"
            )
        )
    )
    assert {own_child, elsewhere_child} <= flagged
