"""What other agencies hold about the same people: person records, missing episodes,
custody, stops, hospital attendances after assault and school exclusions.

Each force keeps its own record of a person, as its officers wrote it down:
nicknames, misspellings, day and month swapped, old addresses, blanks. Linking
those records across forces is therefore a real problem, scored against
``truth/agency_records.csv``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from crossline.synth.catalogue import NAMES
from crossline.synth.truth import iso_utc, person_id, write_csv
from crossline.synth.world import Change, Role, Trip, World

BTP = "btp"  # runners travel by train and coach (DOMAIN.md §LINES.signals)
CUSTODY_OFFENCES = (
    "possession with intent to supply a class A drug",
    "possession of an offensive weapon",
    "being concerned in supply",
)
OTHER_OFFENCES = ("shoplifting", "common assault", "criminal damage", "drink driving")
STOP_OBJECTS = ("controlled drugs", "offensive weapons", "stolen property")
INJURIES = ("stab wound", "blunt force injury", "assault, other injury")
# How often a force writes the person's own phone number on its record when it meets
# them, by how it met them. Chosen from how each record is made, not fitted to any
# score: a missing person report asks the family for the child's mobile number, the
# first line of enquiry; a phone is seized or a number given at booking-in; a stop
# records a number now and then; intelligence about a line names some of its people's
# numbers. A record keeps every number written on it.
NUMBER_RECORDED = {"missing": 0.9, "custody": 0.6, "stop": 0.2, "intelligence": 0.3}
EXCLUSION_REASONS = (
    "drug and alcohol related",
    "persistent disruptive behaviour",
    "physical assault against a pupil",
    "use or threat of use of an offensive weapon",
)


@dataclass
class _Rows:
    records: list[list[object]] = field(default_factory=list)
    numbers: dict[str, set[str]] = field(default_factory=dict)  # record id -> numbers on it
    truth: list[list[object]] = field(default_factory=list)
    missing: list[list[object]] = field(default_factory=list)
    custody: list[list[object]] = field(default_factory=list)
    stops: list[list[object]] = field(default_factory=list)
    hospital: list[list[object]] = field(default_factory=list)
    exclusions: list[list[object]] = field(default_factory=list)


class Agencies:
    def __init__(self, world: World) -> None:
        self.w = world
        self.rng = np.random.default_rng(np.random.SeedSequence([world.seed, 4]))
        self.rows = _Rows()
        self.record_of: dict[tuple[int, str], str] = {}  # (person, force) -> record id

    # --- person records ----------------------------------------------------------------------

    def record(self, person: int, force: str, source: str) -> str:
        """The force's record of the person, made the first time the force meets them.

        Each meeting may add the person's own phone number to the record
        (``NUMBER_RECORDED``).
        """
        key = (person, force)
        if key not in self.record_of:
            record_id = f"{force.upper()[:4]}-{len(self.rows.records) + 1:06d}"
            self.record_of[key] = record_id
            self.rows.records.append([record_id, force, source, *self.as_written(person)])
            self.rows.truth.append(["person_records.csv", record_id, person_id(person)])
            self.rows.numbers[record_id] = set()
        record_id = self.record_of[key]
        if self.rng.random() < NUMBER_RECORDED[source]:
            self.rows.numbers[record_id].add(f"+{self.w.number_e164[self.w.person_number[person]]}")
        return record_id

    def as_written(self, person: int) -> list[str]:
        """first_name, surname, dob, postcode, gender, as an officer wrote them."""
        rng, w = self.rng, self.w
        first = w.first_name(person)
        if first in NAMES.nicknames and rng.random() < 0.2:
            options = NAMES.nicknames[first]
            first = options[int(rng.integers(len(options)))]
        elif rng.random() < 0.08:
            first = self.typo(first)
        surname = self.typo(w.surname(person)) if rng.random() < 0.1 else w.surname(person)
        dob = str(w.person_dob[person])
        roll = rng.random()
        if roll < 0.07 and int(dob[8:]) <= 12:
            dob = f"{dob[:4]}-{dob[8:]}-{dob[5:7]}"  # day and month swapped
        elif roll < 0.11:
            dob = f"{int(dob[:4]) + int(rng.choice([-1, 1]))}{dob[4:]}"
        elif roll < 0.16:
            dob = ""
        postcode = w.person_postcode[person]
        roll = rng.random()
        if roll < 0.2:  # an old address in the same area
            district = w.places[w.person_place[person]].postcode_districts
            postcode = (
                f"{district[int(rng.integers(len(district)))]} {int(rng.integers(1, 10))}"
                f"{chr(65 + int(rng.integers(26)))}{chr(65 + int(rng.integers(26)))}"
            )
        elif roll < 0.25:
            postcode = ""
        gender = "" if rng.random() < 0.05 else ("M" if w.person_male[person] else "F")
        return [first, surname, dob, postcode, gender]

    def typo(self, text: str) -> str:
        if len(text) < 3:
            return text
        rng = self.rng
        i = int(rng.integers(1, len(text) - 1))
        kind = int(rng.integers(3))
        if kind == 0:
            return text[:i] + text[i + 1] + text[i] + text[i + 2 :]  # swap
        if kind == 1:
            return text[:i] + text[i + 1 :]  # drop
        return text[:i] + "aeiouy"[int(rng.integers(6))] + text[i + 1 :]  # wrong vowel

    # --- events --------------------------------------------------------------------------------

    def moment(self, day: int, second: int) -> str:
        return iso_utc(self.w.day_start(day) + second)

    def build(self) -> None:
        w, rng = self.w, self.rng
        for line in w.lines:
            hub_force = w.places[line.hub].force
            county_force = w.places[line.county].force
            county = w.places[line.county]
            for member in line.people:
                if member.role is Role.CUSTOMER and rng.random() > 0.15:
                    continue  # police know only some customers
                self.record(member.person, county_force, "intelligence")
                if member.role in (Role.CONTROLLER, Role.RUNNER):
                    self.record(member.person, hub_force, "intelligence")
            for trip in line.trips:
                self.trip_events(trip, line.hub, line.county, hub_force, county_force)
            for number in line.numbers:
                if number.ended_by is Change.SEIZURE:
                    holder = next(
                        (t.person for t in line.trips if t.day_to == number.end_day), None
                    )
                    if holder is not None:
                        self.custody(
                            holder, county_force, number.end_day, county.name, CUSTODY_OFFENCES[0]
                        )
        self.background_noise()

    def trip_events(
        self, trip: Trip, hub: int, county: int, hub_force: str, county_force: str
    ) -> None:
        w, rng = self.w, self.rng
        person = trip.person
        if rng.random() < 0.3:  # travelled by train: BTP meets them on the way
            self.record(person, BTP, "stop")
        if trip.reported_missing:
            self.missing_episode(trip, hub, county, hub_force, county_force)
        if rng.random() < 0.25:  # stopped and searched in the county
            day = int(rng.integers(trip.day_from, max(trip.day_from + 1, trip.day_to)))
            self.stop(person, county_force, day, county, rng.random() < 0.3)
        if rng.random() < 0.05:
            self.hospital(person, day=trip.day_from, place=county)
        if (
            w.person_dob[person]
            > np.datetime64(w.preset.start, "D") - np.timedelta64(int(18 * 365.25), "D")
            and rng.random() < 0.15
        ):
            self.exclusion(person, trip.day_from, hub)

    def missing_episode(
        self, trip: Trip, hub: int, county: int, hub_force: str, county_force: str
    ) -> None:
        """Reported missing by the home force hours after leaving; found in the county, or
        home again when the trip ends (DOMAIN.md §MISSING.lines)."""
        w, rng = self.w, self.rng
        person = trip.person
        reported = w.day_start(trip.day_from) + trip.depart_second + int(rng.integers(2, 9)) * 3600
        # a trip cut short by an arrest on the day it began ends in custody, which may
        # be before anyone noticed the child was gone: the episode then closes an hour
        # after the report, never before it
        left = max(w.day_start(trip.day_to) + trip.return_second, reported + 3600)
        found_away = rng.random() < 0.65 and left > reported + 3600
        found = int(rng.integers(reported + 3600, left)) if found_away else left + 3600
        cell = int(rng.choice(w.place_cells[county])) if found_away else int(w.person_home[person])
        where = county if found_away else hub
        outcome = (
            "returned home" if not found_away else "found out of area" if county != hub else "found"
        )
        row: list[object] = [
            f"MIS-{len(self.rows.missing) + 1:05d}",
            self.record(person, hub_force, "missing"),
            hub_force,
            iso_utc(reported),
            iso_utc(found),
            w.places[where].name,
            f"{w.cell_lat[cell]:.5f}",
            f"{w.cell_lon[cell]:.5f}",
            county_force if found_away else hub_force,
            outcome,
        ]
        self.rows.missing.append(row)
        self.rows.truth.append(["missing_episodes.csv", row[0], person_id(person)])

    def custody(self, person: int, force: str, day: int, place: str, offence: str) -> None:
        row: list[object] = [
            f"CUS-{len(self.rows.custody) + 1:05d}",
            force,
            self.record(person, force, "custody"),
            self.moment(day, int(self.rng.integers(6 * 3600, 23 * 3600))),
            place,
            offence,
        ]
        self.rows.custody.append(row)
        self.rows.truth.append(["custody.csv", row[0], person_id(person)])

    def stop(self, person: int, force: str, day: int, place: int, found: bool) -> None:
        w = self.w
        cell = int(self.rng.choice(w.place_cells[place]))
        row: list[object] = [
            f"STP-{len(self.rows.stops) + 1:05d}",
            force,
            self.record(person, force, "stop"),
            self.moment(day, int(self.rng.integers(8 * 3600, 24 * 3600))),
            f"{w.cell_lat[cell]:.5f}",
            f"{w.cell_lon[cell]:.5f}",
            STOP_OBJECTS[int(self.rng.integers(2))],
            "arrest" if found else "nothing found",
        ]
        self.rows.stops.append(row)
        self.rows.truth.append(["stops.csv", row[0], person_id(person)])

    def hospital(self, person: int, day: int, place: int) -> None:
        first, surname, dob, postcode, gender = self.as_written(person)
        row: list[object] = [
            f"ED-{len(self.rows.hospital) + 1:05d}",
            f"{self.w.places[place].name} Hospital",
            self.moment(day, int(self.rng.integers(0, 86_400))),
            first,
            surname,
            dob,
            postcode,
            gender,
            INJURIES[int(self.rng.integers(len(INJURIES)))],
        ]
        self.rows.hospital.append(row)
        self.rows.truth.append(["hospital_attendances.csv", row[0], person_id(person)])

    def exclusion(self, person: int, day: int, place: int) -> None:
        first, surname, dob, _, _ = self.as_written(person)
        row: list[object] = [
            f"EXC-{len(self.rows.exclusions) + 1:05d}",
            f"{self.w.places[place].name} Academy",
            first,
            surname,
            dob,
            str(self.w.date_of(day)),
            "permanent" if self.rng.random() < 0.1 else "suspension",
            EXCLUSION_REASONS[int(self.rng.integers(len(EXCLUSION_REASONS)))],
        ]
        self.rows.exclusions.append(row)
        self.rows.truth.append(["school_exclusions.csv", row[0], person_id(person)])

    def background_noise(self) -> None:
        """Ordinary people in the same records, so that not every record is about a line."""
        w, rng = self.w, self.rng
        taken = {m.person for line in w.lines for m in line.people}
        pool = np.array([p for p in range(w.persons) if p not in taken])
        size = min(len(pool), max(20, len(self.rows.records)))
        for person in rng.choice(pool, size=size, replace=False):
            p = int(person)
            force = w.places[w.person_place[p]].force
            roll = rng.random()
            day = int(rng.integers(0, w.preset.days))
            if roll < 0.35:
                self.custody(
                    p,
                    force,
                    day,
                    w.places[w.person_place[p]].name,
                    OTHER_OFFENCES[int(rng.integers(len(OTHER_OFFENCES)))],
                )
            elif roll < 0.7:
                self.stop(p, force, day, int(w.person_place[p]), False)
            elif roll < 0.8:
                self.hospital(p, day, int(w.person_place[p]))
            elif roll < 0.9 and w.person_dob[p] > np.datetime64(
                w.preset.start, "D"
            ) - np.timedelta64(int(18 * 365.25), "D"):
                self.exclusion(p, day, int(w.person_place[p]))
            else:
                self.record(p, force, "intelligence")

    # --- writing -----------------------------------------------------------------------------

    def write(self, folder: Path, truth: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        r = self.rows
        write_csv(
            folder / "person_records.csv",
            [
                "record_id",
                "force",
                "source",
                "first_name",
                "surname",
                "dob",
                "postcode",
                "gender",
                "phone_numbers",
            ],
            [[*row, ";".join(sorted(r.numbers[str(row[0])]))] for row in r.records],
        )
        write_csv(
            folder / "missing_episodes.csv",
            [
                "episode_id",
                "record_id",
                "reporting_force",
                "reported_at",
                "found_at",
                "found_place",
                "found_lat",
                "found_lon",
                "found_by_force",
                "outcome",
            ],
            r.missing,
        )
        write_csv(
            folder / "custody.csv",
            ["custody_id", "force", "record_id", "arrested_at", "place", "offence"],
            r.custody,
        )
        write_csv(
            folder / "stops.csv",
            [
                "stop_id",
                "force",
                "record_id",
                "stopped_at",
                "lat",
                "lon",
                "object_of_search",
                "outcome",
            ],
            r.stops,
        )
        write_csv(
            folder / "hospital_attendances.csv",
            [
                "attendance_id",
                "hospital",
                "arrived_at",
                "first_name",
                "surname",
                "dob",
                "postcode",
                "gender",
                "injury",
            ],
            r.hospital,
        )
        write_csv(
            folder / "school_exclusions.csv",
            [
                "exclusion_id",
                "school",
                "first_name",
                "surname",
                "dob",
                "start_date",
                "kind",
                "reason",
            ],
            r.exclusions,
        )
        write_csv(truth / "agency_records.csv", ["file", "record", "person_id"], r.truth)


def write_agencies(world: World, folder: Path, truth: Path) -> None:
    agencies = Agencies(world)
    agencies.build()
    agencies.write(folder, truth)
