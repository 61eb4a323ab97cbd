"""The ground truth, written apart from the records (``DIR/truth``)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from crossline.synth.exports import Defect
from crossline.synth.world import Role, ServiceKind, World


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """A CSV file with ``header``, lines ending in a bare newline (the same bytes everywhere)."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle, lineterminator="\n")
        out.writerow(header)
        out.writerows(rows)


def person_id(person: int) -> str:
    return f"P{person:06d}"


def e164(world: World, number: int) -> str:
    return f"+{world.number_e164[number]}"


def age_on(world: World, person: int, day: int) -> int:
    on = np.datetime64(world.date_of(day), "D")
    return int((on - world.person_dob[person]).astype(int) // 365.25)


def write_truth(world: World, folder: Path, defects: list[Defect]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    places = world.places
    write_csv(
        folder / "places.csv",
        ["place_id", "name", "kind", "force", "lat", "lon"],
        [(p.id, p.name, p.kind.value, p.force, p.lat, p.lon) for p in places],
    )
    write_csv(
        folder / "lines.csv",
        [
            "line_id",
            "brand",
            "hub",
            "county",
            "hub_force",
            "county_force",
            "local",
            "run_from_hub",
            "first_day",
            "last_day",
            "rival_of",
        ],
        [
            (
                line.id,
                line.brand,
                places[line.hub].id,
                places[line.county].id,
                places[line.hub].force,
                places[line.county].force,
                line.is_local,
                line.run_from_hub,
                world.date_of(line.start_day),
                world.date_of(line.end_day - 1),
                line.rival or "",
            )
            for line in world.lines
        ],
    )
    write_csv(
        folder / "line_numbers.csv",
        ["line_id", "number", "imei", "first_day", "last_day", "started_by", "ended_by"],
        [
            (
                line.id,
                e164(world, n.number),
                world.handset_imei[n.handset],
                world.date_of(n.start_day),
                world.date_of(n.end_day - 1),
                n.started_by.name.lower(),
                n.ended_by.name.lower(),
            )
            for line in world.lines
            for n in line.numbers
        ],
    )
    write_csv(
        folder / "line_people.csv",
        ["line_id", "person_id", "role", "first_day", "last_day", "age_at_start"],
        [
            (
                line.id,
                person_id(m.person),
                m.role.name.lower(),
                world.date_of(m.day_from),
                world.date_of(max(m.day_from, m.day_to - 1)),
                age_on(world, m.person, m.day_from),
            )
            for line in world.lines
            for m in line.people
        ],
    )
    write_csv(
        folder / "trips.csv",
        ["line_id", "person_id", "departed", "returned", "reported_missing"],
        [
            (
                line.id,
                person_id(t.person),
                _moment(world, t.day_from, t.depart_second),
                _moment(world, t.day_to, t.return_second),
                t.reported_missing,
            )
            for line in world.lines
            for t in line.trips
        ],
    )
    write_csv(
        folder / "services.csv",
        ["number", "kind", "place"],
        [
            (
                e164(world, s.number),
                ServiceKind(s.kind).name.lower(),
                places[s.place].id if s.place >= 0 else "national",
            )
            for s in world.services
        ],
    )
    write_csv(
        folder / "people.csv",
        [
            "person_id",
            "first_name",
            "surname",
            "sex",
            "dob",
            "place",
            "postcode",
            "number",
            "imei",
            "line_roles",
        ],
        _people_rows(world),
    )
    write_csv(
        folder / "defects.csv",
        ["file", "line", "kind"],
        [(d.file, d.line, d.kind) for d in defects],
    )


def iso_utc(epoch: int) -> str:
    """Epoch seconds as ISO 8601 in UTC with a Z."""
    return datetime.fromtimestamp(epoch, tz=UTC).isoformat().replace("+00:00", "Z")


def _moment(world: World, day: int, second: int) -> str:
    return iso_utc(world.day_start(day) + second)


def _people_rows(world: World) -> Iterable[Sequence[object]]:
    roles: dict[int, set[str]] = {}
    for line in world.lines:
        for m in line.people:
            roles.setdefault(m.person, set()).add(f"{line.id}:{Role(m.role).name.lower()}")
    for person in range(world.persons):
        yield (
            person_id(person),
            world.first_name(person),
            world.surname(person),
            "M" if world.person_male[person] else "F",
            str(world.person_dob[person]),
            world.places[world.person_place[person]].id,
            world.person_postcode[person],
            e164(world, int(world.person_number[person])),
            world.handset_imei[world.person_handset[person]],
            ";".join(sorted(roles.get(person, ()))),
        )
