"""Line analysis on the tiny world: what it finds, and why, against the world's truth."""

from __future__ import annotations

import itertools
from collections import defaultdict

import pytest

from crossline.analytics.engines import DuckDBEngine
from crossline.analytics.evaluation import evaluate
from crossline.analytics.parameters import Parameters
from crossline.analytics.pipeline import Result, analyse, empty_cells
from tests.analytics.conftest import Events, truth


def _numbers_by_truth_line(events: Events) -> dict[str, list[dict[str, str]]]:
    lines: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in truth(events.world, "line_numbers.csv"):
        lines[row["line_id"]].append(row)
    return lines


def test_every_line_number_is_found_and_nothing_else(events: Events, result: Result) -> None:
    found = {n.number for line in result.lines for n in line.numbers}
    real = {r["number"] for r in truth(events.world, "line_numbers.csv")}
    services = {r["number"] for r in truth(events.world, "services.csv")}
    assert found == real
    assert not found & services  # taxi, school, surgery and delivery numbers are not lines


def test_each_score_is_the_sum_of_its_explained_signals(result: Result) -> None:
    for line in result.lines:
        for number in line.numbers:
            names = [s.name for s in number.signals]
            assert names == [
                "broadcasts",
                "customer_base",
                "one_way",
                "short_calls",
                "texts_in",
                "night",
                "market_area",
            ]
            assert number.score == pytest.approx(sum(s.points for s in number.signals))
            assert all(s.explanation for s in number.signals)
        entry = line.as_report()
        assert {
            "line_id",
            "score",
            "numbers",
            "handsets",
            "roles",
            "hub_area",
            "county_area",
            "signals",
        } <= set(entry)
        assert all(set(n) >= {"number", "first_seen", "last_seen"} for n in entry["numbers"])


def test_a_number_change_keeps_the_line_across_handsets(events: Events, result: Result) -> None:
    line_of = {n.number: line.line_id for line in result.lines for n in line.numbers}
    changes = 0
    for numbers in _numbers_by_truth_line(events).values():
        assert len({line_of[r["number"]] for r in numbers}) == 1  # one line, every number
        if len(numbers) > 1:
            changes += 1
    assert changes >= 1
    handset_changes = [
        (a, b)
        for numbers in _numbers_by_truth_line(events).values()
        for a, b in itertools.pairwise(numbers)
        if a["imei"] != b["imei"]
    ]
    assert handset_changes  # the world changes handsets too, and those lines hold together
    assert all(line_of[a["number"]] == line_of[b["number"]] for a, b in handset_changes)


def test_controllers_and_runners_are_named(events: Events, result: Result) -> None:
    scores = evaluate(result.report(), events.world)
    assert scores.roles["controller"].recall >= 0.75
    assert scores.roles["controller"].precision >= 0.75
    assert scores.roles["runner"].recall >= 0.5
    for line in result.lines:
        assert line.hub_area
        assert line.county_area
        assert any(p.role == "customer" for p in line.people)


def test_a_possible_child_is_flagged_with_its_evidence(result: Result) -> None:
    flagged = [p for line in result.lines for p in line.people if p.possible_child]
    assert flagged
    for person in flagged:
        assert person.role == "runner"
        assert "§LINES.child-runner" in person.child_evidence["rule"]
        assert person.child_evidence["departures_in_school_hours"]


def test_without_cell_sites_lines_are_found_without_geography(
    events: Events, parameters: Parameters, result: Result
) -> None:
    engine = DuckDBEngine(parameters.time_zone)
    try:
        bare = analyse(engine, events.files, empty_cells(), parameters)
    finally:
        engine.close()
    assert not bare.located
    assert {n.number for line in bare.lines for n in line.numbers} == {
        n.number for line in result.lines for n in line.numbers
    }
    for line in bare.lines:
        market = next(s for s in line.signals if s.name == "market_area")
        assert market.value is None
        assert market.points == 0
        assert line.hub_area is None
        assert line.county_area is None
