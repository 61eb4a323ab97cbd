"""When a runner's journey counts as set off in school hours (DOMAIN.md §LINES.child-runner)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from crossline.analytics.parameters import Parameters
from crossline.analytics.pipeline import Person, _child_check, _school_share

LONDON = ZoneInfo("Europe/London")


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


@pytest.mark.parametrize(
    ("left", "arrived", "share"),
    [
        ("2025-10-14T09:00", "2025-10-14T13:00", 1.0),  # a Tuesday morning
        ("2025-10-14T16:00", "2025-10-14T20:00", 0.0),  # after school
        ("2025-10-18T10:00", "2025-10-18T13:00", 0.0),  # a Saturday
        ("2025-10-14T14:30", "2025-10-14T16:30", 0.5),  # half in, half out
        # seen at 11:00, next at 06:00: the night is not travel time, so 4.5 of 12 hours
        ("2025-10-13T11:00", "2025-10-14T06:00", 4.5 / 12),
        ("2025-10-14T02:00", "2025-10-14T05:00", 0.0),  # only the small hours
    ],
)
def test_the_share_of_a_window_that_is_school_time(
    parameters: Parameters, left: str, arrived: str, share: float
) -> None:
    assert _school_share(_at(left), _at(arrived), parameters) == pytest.approx(share)


HOME, TRAP = (52.480, -1.900), (52.708, -2.754)


def _sighting(
    text: str, place: tuple[float, float], area: str
) -> tuple[int, tuple[float, float], str]:
    return (int(_at(text).timestamp()), place, area)


def test_a_runner_arriving_in_the_county_in_school_time_is_flagged(parameters: Parameters) -> None:
    person = Person("+447700900123", "runner", {})
    moves = [
        _sighting("2025-10-13T19:00", HOME, "west-midlands"),
        _sighting("2025-10-14T09:40", HOME, "west-midlands"),  # a Tuesday, at home
        _sighting("2025-10-14T12:10", TRAP, "west-mercia"),  # in the county by lunch
        _sighting("2025-10-16T20:00", TRAP, "west-mercia"),
    ]
    _child_check(person, moves, {TRAP}, "west-mercia", parameters, LONDON)
    assert person.possible_child
    assert person.child_evidence["departures_in_school_hours"] == [
        "2025-10-14T09:40+01:00/2025-10-14T12:10+01:00"
    ]


def test_an_evening_journey_raises_nothing(parameters: Parameters) -> None:
    person = Person("+447700900124", "runner", {})
    moves = [
        _sighting("2025-10-14T17:30", HOME, "west-midlands"),
        _sighting("2025-10-14T21:15", TRAP, "west-mercia"),
        _sighting("2025-10-16T20:00", TRAP, "west-mercia"),
        _sighting("2025-10-17T19:00", HOME, "west-midlands"),  # home again...
        _sighting("2025-10-18T11:00", TRAP, "west-mercia"),  # ...and back on a Saturday
        _sighting("2025-10-20T09:00", TRAP, "west-mercia"),
    ]
    _child_check(person, moves, {TRAP}, "west-mercia", parameters, LONDON)
    assert person.evidence["journeys"] == 2
    assert not person.possible_child


def test_arriving_each_school_morning_and_leaving_each_evening_is_not_a_journey(
    parameters: Parameters,
) -> None:
    person = Person("+447700900125", "runner", {})
    moves = []
    for day in range(13, 18):  # Monday to Friday: near the base by day, at home at night
        moves += [
            _sighting(f"2025-10-{day}T08:00", HOME, "west-midlands"),
            _sighting(f"2025-10-{day}T09:30", TRAP, "west-midlands"),
            _sighting(f"2025-10-{day}T15:00", TRAP, "west-midlands"),
            _sighting(f"2025-10-{day}T21:00", HOME, "west-midlands"),
        ]
    _child_check(person, moves, {TRAP}, None, parameters, LONDON)  # a local line
    assert person.evidence["journeys"] == 0
    assert not person.possible_child


def test_a_school_holiday_is_not_school_time(parameters: Parameters) -> None:
    half_term = parameters.model_copy(
        update={"school_holidays": ((date(2025, 10, 27), date(2025, 10, 31)),)}
    )
    tuesday = ("2025-10-28T09:00", "2025-10-28T13:00")
    assert _school_share(_at(tuesday[0]), _at(tuesday[1]), parameters) == pytest.approx(1.0)
    assert _school_share(_at(tuesday[0]), _at(tuesday[1]), half_term) == 0.0
