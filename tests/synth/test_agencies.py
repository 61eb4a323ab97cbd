"""Other agencies' records: about the same people, written as each agency would write them."""

from __future__ import annotations

from collections import Counter

from shapely.geometry import Point, shape

from crossline.orgs.reference import FORCES, boundaries
from crossline.synth.agencies import Agencies
from crossline.synth.catalogue import PLACES, PRESETS
from crossline.synth.world import Role, Trip, build_world
from tests.synth.conftest import World, truth_rows


def _agency(world: World, name: str) -> list[dict[str, str]]:
    import csv

    with (world.path / "agencies" / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_every_agency_record_belongs_to_a_person_in_the_truth(tiny: World) -> None:
    people = {row["person_id"] for row in truth_rows(tiny.path, "people.csv")}
    links = truth_rows(tiny.path, "agency_records.csv")
    assert {row["person_id"] for row in links} <= people
    records = {row["record_id"] for row in _agency(tiny, "person_records.csv")}
    assert {row["record"] for row in links if row["file"] == "person_records.csv"} == records
    for name in ("custody.csv", "stops.csv", "missing_episodes.csv"):
        assert {row["record_id"] for row in _agency(tiny, name)} <= records


def test_person_records_are_noisy_like_real_ones(tiny: World) -> None:
    truth = {row["person_id"]: row for row in truth_rows(tiny.path, "people.csv")}
    owner = {row["record"]: row["person_id"] for row in truth_rows(tiny.path, "agency_records.csv")}
    records = _agency(tiny, "person_records.csv")
    exact = changed_dob = blank = renamed = 0
    for record in records:
        person = truth[owner[record["record_id"]]]
        same = (record["first_name"], record["surname"], record["dob"]) == (
            person["first_name"],
            person["surname"],
            person["dob"],
        )
        exact += same
        changed_dob += bool(record["dob"]) and record["dob"] != person["dob"]
        blank += not record["dob"] or not record["postcode"]
        renamed += record["first_name"] != person["first_name"]
    assert 0.4 * len(records) < exact < 0.95 * len(records)
    assert changed_dob
    assert blank
    assert renamed
    forces = Counter(record["force"] for record in records)
    assert len(forces) >= 3, "people are known to more than one force"


def test_people_on_lines_are_known_to_several_forces(tiny: World) -> None:
    owner = {row["record"]: row["person_id"] for row in truth_rows(tiny.path, "agency_records.csv")}
    forces_of: dict[str, set[str]] = {}
    for record in _agency(tiny, "person_records.csv"):
        forces_of.setdefault(owner[record["record_id"]], set()).add(record["force"])
    runners = {
        row["person_id"]
        for row in truth_rows(tiny.path, "line_people.csv")
        if row["role"] == "runner"
    }
    lines = {row["line_id"]: row for row in truth_rows(tiny.path, "lines.csv")}
    away = {
        row["person_id"]
        for row in truth_rows(tiny.path, "line_people.csv")
        if row["role"] == "runner" and lines[row["line_id"]]["local"] == "False"
    }
    assert all(len(forces_of[p]) >= 2 for p in away & set(forces_of))
    assert runners & set(forces_of)


def test_missing_children_are_reported_before_they_are_found(tiny: World) -> None:
    episodes = _agency(tiny, "missing_episodes.csv")
    assert episodes
    for episode in episodes:
        assert episode["reported_at"] < episode["found_at"]
        assert episode["outcome"] in {"found out of area", "found", "returned home"}


def test_a_trip_ended_by_arrest_on_its_first_day_still_reports_before_finding() -> None:
    world = build_world(PRESETS["tiny"], 3)
    line = next(line for line in world.lines if line.hub != line.county)
    hub_force, county_force = world.places[line.hub].force, world.places[line.county].force
    runner = next(m.person for m in line.people if m.role is Role.RUNNER)
    # set off in the evening, arrested and so "back" by the afternoon of the same day
    trip = Trip(runner, 5, 5, 21 * 3600, 12 * 3600, reported_missing=True)
    agencies = Agencies(world)
    for _ in range(50):
        agencies.missing_episode(trip, line.hub, line.county, hub_force, county_force)
    for row in agencies.rows.missing:
        assert str(row[3]) < str(row[4]), "found after reported"


def test_records_carry_the_persons_own_number_when_one_was_written_down(tiny: World) -> None:
    truth = {row["person_id"]: row for row in truth_rows(tiny.path, "people.csv")}
    owner = {row["record"]: row["person_id"] for row in truth_rows(tiny.path, "agency_records.csv")}
    records = _agency(tiny, "person_records.csv")
    with_number = [r for r in records if r["phone_numbers"]]
    assert 0 < len(with_number) < len(records)
    for record in with_number:
        assert record["phone_numbers"].split(";") == [truth[owner[record["record_id"]]]["number"]]
    # a missing person report asks for the child's mobile number
    reported = {row["record_id"] for row in _agency(tiny, "missing_episodes.csv")}
    assert reported
    numbered = {r["record_id"] for r in with_number}
    assert len(reported & numbered) > 0.8 * len(reported)


def test_seized_handsets_come_with_an_arrest(tiny: World) -> None:
    seizures = [
        row for row in truth_rows(tiny.path, "line_numbers.csv") if row["ended_by"] == "seizure"
    ]
    supply = [row for row in _agency(tiny, "custody.csv") if "supply" in row["offence"]]
    assert len(supply) >= len(seizures) - 1


def test_every_cell_site_lies_in_its_force_area() -> None:
    areas = {
        f["properties"]["code"]: shape(f["geometry"]).buffer(0.005)  # generalised edges
        for f in boundaries("force_areas")["features"]
    }
    world = build_world(PRESETS["medium"], 1)  # every place of every preset
    assert {p.id for p in world.places} == set(PLACES)
    for index, place in enumerate(world.places):
        area = areas[FORCES[place.force].area_code or ""]
        for cell in world.place_cells[index]:
            assert area.contains(Point(world.cell_lon[cell], world.cell_lat[cell])), place.id
