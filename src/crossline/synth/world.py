"""The static world: places, cells, people, numbers, handsets, contacts, services and lines.

Everything is drawn from one seeded generator, in a fixed order, so the same
preset and seed give the same world. Arrays are indexed by person, number,
handset and cell; the daily traffic in ``traffic.py`` reads them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import IntEnum
from functools import cache
from zoneinfo import ZoneInfo

import numpy as np
import yaml
from numpy.typing import NDArray

from crossline.synth.catalogue import FORCES_FILE, NAMES, PLACES, Place, PlaceKind, Preset

UK = ZoneInfo("Europe/London")
BOUNDARIES_FILE = FORCES_FILE.parent / "boundaries" / "police_force_areas.geojson"
EARTH_KM_PER_DEGREE = 111.32
# Type allocation codes for the handsets' IMEIs (8 digits; the simulator's own).
TACS = np.array([35332011, 35891405, 86701204, 35420110, 35398108, 35925406, 86891003, 35744209])

I32 = NDArray[np.int32]
I64 = NDArray[np.int64]
F64 = NDArray[np.float64]


class Owner(IntEnum):
    """Who a number belongs to."""

    PERSON = 0
    LINE = 1
    SERVICE = 2


class ServiceKind(IntEnum):
    """Legitimate numbers with many contacts that a good method must not call lines."""

    TAXI = 0  # many repeat customers who call in, day and night
    SCHOOL = 1  # texts every parent within a minute, several times a week
    SURGERY = 2  # appointment reminders in a morning batch
    DELIVERY = 3  # one-way notices to people all over the country


class Role(IntEnum):
    CONTROLLER = 0
    RUNNER = 1
    CUCKOOED = 2
    CUSTOMER = 3


class Change(IntEnum):
    """Why a line's number started or ended."""

    START = 0
    ROTATION = 1
    SEIZURE = 2
    ORDER = 3  # a restriction order (DDTRO) closed number and handset
    END = 4  # the line stopped, or the world did


@dataclass
class LineNumber:
    number: int
    handset: int
    start_day: int
    end_day: int  # exclusive
    started_by: Change
    ended_by: Change = Change.END


@dataclass
class Trip:
    """A runner 'going country': in the county from depart on day_from until return on day_to."""

    person: int
    day_from: int
    day_to: int
    depart_second: int
    return_second: int
    reported_missing: bool = False


@dataclass
class Membership:
    person: int
    role: Role
    day_from: int
    day_to: int


@dataclass
class Line:
    id: str
    brand: str
    hub: int  # place index
    county: int
    start_day: int
    end_day: int
    run_from_hub: bool  # the deal handset stays with a controller in the hub
    numbers: list[LineNumber] = field(default_factory=list)
    people: list[Membership] = field(default_factory=list)
    trips: list[Trip] = field(default_factory=list)
    base_cell: int = -1  # the trap house (a cuckooed address, or a cell in town)
    customers: I32 = field(default_factory=lambda: np.zeros(0, np.int32))
    customer_from: I32 = field(default_factory=lambda: np.zeros(0, np.int32))
    customer_to: I32 = field(default_factory=lambda: np.zeros(0, np.int32))
    customer_rate: F64 = field(default_factory=lambda: np.zeros(0))
    quiet_days: frozenset[int] = frozenset()
    rival: str | None = None

    @property
    def is_local(self) -> bool:
        return self.hub == self.county

    def number_on(self, day: int) -> list[LineNumber]:
        return [n for n in self.numbers if n.start_day <= day < n.end_day]

    def controllers(self) -> list[int]:
        return [m.person for m in self.people if m.role is Role.CONTROLLER]


@dataclass
class Service:
    kind: ServiceKind
    place: int  # -1: national
    number: int
    handset: int
    members: I32  # customers, parents, patients
    member_rate: F64


@dataclass
class World:
    preset: Preset
    seed: int
    places: list[Place]
    # cells (sites shared by both networks, each with its own id per network)
    cell_lat: F64
    cell_lon: F64
    cell_place: I32
    place_cells: list[I32]
    # people
    person_place: I32
    person_home: I32
    person_work: I32
    person_male: NDArray[np.bool_]
    person_dob: NDArray[np.datetime64]
    person_first: I32  # index into the forenames of the person's sex
    person_surname: I32
    person_postcode: list[str]
    person_number: I32
    person_handset: I32
    person_rate: F64
    # numbers and handsets
    number_e164: I64
    number_operator: NDArray[np.int8]
    number_owner_kind: NDArray[np.int8]
    number_owner: I32
    handset_imei: I64
    # contacts, as CSR: person i's contacts are contact_to[offsets[i]:offsets[i+1]]
    contact_offsets: I64
    contact_to: I32
    contact_cum: F64  # i + cumulative weight share, so one searchsorted samples all
    services: list[Service]
    lines: list[Line]

    @property
    def persons(self) -> int:
        return len(self.person_place)

    def day_start(self, day: int) -> int:
        """UTC epoch seconds of local midnight that begins ``day``."""
        local = datetime.combine(self.preset.start + timedelta(days=day), time.min, tzinfo=UK)
        return int(local.timestamp())

    def date_of(self, day: int) -> date:
        return self.preset.start + timedelta(days=day)

    def first_name(self, person: int) -> str:
        names = NAMES.male if self.person_male[person] else NAMES.female
        return names[int(self.person_first[person]) % len(names)]

    def surname(self, person: int) -> str:
        return NAMES.surnames[int(self.person_surname[person])]


def build_world(preset: Preset, seed: int) -> World:
    """Draw the whole static world for ``preset`` from ``seed``."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 1]))
    places = [PLACES[p] for p in (*preset.hubs, *preset.counties)]
    cell_lat, cell_lon, cell_place, place_cells = _cells(rng, preset, places)
    people = _people(rng, preset, places, place_cells)
    builder = _NumberBook(rng)
    person_number = builder.take(preset.persons, Owner.PERSON, np.arange(preset.persons))
    person_handset = builder.handsets(preset.persons)
    offsets, contact_to, cum = _contacts(rng, people.place, people.business)
    services = _services(rng, preset, places, people, builder)
    lines = _lines(rng, preset, places, people, place_cells, builder)
    return World(
        preset=preset,
        seed=seed,
        places=places,
        cell_lat=cell_lat,
        cell_lon=cell_lon,
        cell_place=cell_place,
        place_cells=place_cells,
        person_place=people.place,
        person_home=people.home,
        person_work=people.work,
        person_male=people.male,
        person_dob=people.dob,
        person_first=people.first,
        person_surname=people.surname,
        person_postcode=people.postcode,
        person_number=person_number,
        person_handset=person_handset,
        person_rate=people.rate,
        number_e164=builder.e164(),
        number_operator=builder.operators(),
        number_owner_kind=builder.owner_kinds(),
        number_owner=builder.owners(),
        handset_imei=builder.imeis(),
        contact_offsets=offsets,
        contact_to=contact_to,
        contact_cum=cum,
        services=services,
        lines=lines,
    )


# --- places and cells -------------------------------------------------------------------------


def _cells(
    rng: np.random.Generator, preset: Preset, places: list[Place]
) -> tuple[F64, F64, I32, list[I32]]:
    lats: list[F64] = []
    lons: list[F64] = []
    owners: list[I32] = []
    place_cells: list[I32] = []
    first = 0
    for index, place in enumerate(places):
        n = preset.cells_per_hub if place.kind is PlaceKind.HUB else preset.cells_per_county
        lat, lon = _sites_in(rng, place, n)
        lats.append(lat)
        lons.append(lon)
        owners.append(np.full(n, index, np.int32))
        place_cells.append(np.arange(first, first + n, dtype=np.int32))
        first += n
    return np.concatenate(lats), np.concatenate(lons), np.concatenate(owners), place_cells


def _sites_in(rng: np.random.Generator, place: Place, n: int) -> tuple[F64, F64]:
    """n sites uniform in a disc around the town centre, on land inside its force's area."""
    area = force_area(place.force)
    lats: list[F64] = []
    lons: list[F64] = []
    found = 0
    while found < n:
        radius = place.radius_km * np.sqrt(rng.random(2 * n))
        angle = rng.random(2 * n) * 2 * np.pi
        lat = np.round(place.lat + radius * np.sin(angle) / EARTH_KM_PER_DEGREE, 5)
        lon = np.round(
            place.lon
            + radius * np.cos(angle) / (EARTH_KM_PER_DEGREE * np.cos(np.radians(place.lat))),
            5,
        )
        keep = contains(area, lon, lat)
        lats.append(lat[keep])
        lons.append(lon[keep])
        found += int(keep.sum())
    return np.concatenate(lats)[:n], np.concatenate(lons)[:n]


@cache
def force_area(force: str) -> list[list[F64]]:
    """The rings (outer first, then holes) of each polygon of a force's area, from the
    boundaries the app ships (ONS, OGL v3.0; see orgs/data/boundaries/ATTRIBUTION.md)."""
    code = yaml.safe_load(FORCES_FILE.read_text("utf-8"))[force]["area_code"]
    data = json.loads(BOUNDARIES_FILE.read_text("utf-8"))
    geometry = next(f["geometry"] for f in data["features"] if f["properties"]["code"] == code)
    polygons = (
        [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    )
    return [[np.asarray(ring, dtype=np.float64) for ring in polygon] for polygon in polygons]


def contains(polygons: list[list[F64]], lon: F64, lat: F64) -> NDArray[np.bool_]:
    """Whether each point lies inside the (multi)polygon, by ray casting."""
    inside = np.zeros(len(lon), bool)
    for rings in polygons:
        here = _in_ring(rings[0], lon, lat)
        for hole in rings[1:]:
            here &= ~_in_ring(hole, lon, lat)
        inside |= here
    return inside


def _in_ring(ring: F64, lon: F64, lat: F64) -> NDArray[np.bool_]:
    x1, y1, x2, y2 = ring[:-1, 0], ring[:-1, 1], ring[1:, 0], ring[1:, 1]
    y = lat[:, None]
    crosses = (y1 > y) != (y2 > y)
    x_at = (x2 - x1) * (y - y1) / np.where(y2 == y1, 1e-300, y2 - y1) + x1
    return np.asarray(((lon[:, None] < x_at) & crosses).sum(axis=1) % 2 == 1)


# --- people -------------------------------------------------------------------------------------


@dataclass
class _People:
    place: I32
    home: I32
    work: I32
    male: NDArray[np.bool_]
    dob: NDArray[np.datetime64]
    first: I32
    surname: I32
    postcode: list[str]
    business: NDArray[np.bool_]
    rate: F64


def _people(
    rng: np.random.Generator, preset: Preset, places: list[Place], place_cells: list[I32]
) -> _People:
    n = preset.persons
    weights = np.array([p.weight for p in places])
    place = rng.choice(len(places), size=n, p=weights / weights.sum()).astype(np.int32)
    home = np.empty(n, np.int32)
    work = np.empty(n, np.int32)
    for index, cells in enumerate(place_cells):
        members = place == index
        home[members] = rng.choice(cells, size=int(members.sum()))
        work[members] = rng.choice(cells, size=int(members.sum()))
    male = rng.random(n) < 0.5
    # Ages of phone users: mostly adults, some children from 11.
    age_days = np.clip(rng.normal(38, 16, n), 11, 88) * 365.25
    dob = (np.datetime64(preset.start, "D") - age_days.astype(np.int64)).astype("datetime64[D]")
    first = rng.integers(0, 10_000, n).astype(np.int32)
    surname = rng.integers(0, len(NAMES.surnames), n).astype(np.int32)
    district = [places[p].postcode_districts for p in place]
    postcode = [
        f"{d[int(i) % len(d)]} {s}{chr(65 + a)}{chr(65 + b)}"
        for d, i, s, a, b in zip(
            district,
            rng.integers(0, 1000, n),
            rng.integers(1, 10, n),
            rng.integers(0, 26, n),
            rng.integers(0, 26, n),
            strict=True,
        )
    ]
    business = rng.random(n) < 0.03  # tradespeople and others with many contacts
    # Daily events per person: heterogeneous (gamma), businesses far busier.
    rate = rng.gamma(2.0, preset.events_per_person_day / 2.0, n) * np.where(business, 4.0, 1.0)
    return _People(place, home, work, male, dob, first, surname, postcode, business, rate)


def _contacts(
    rng: np.random.Generator, place: I32, business: NDArray[np.bool_]
) -> tuple[I64, I32, F64]:
    """A symmetric social graph: mostly people of the same place, weights heavy-tailed."""
    n = len(place)
    degree = np.clip(rng.lognormal(np.log(7), 0.6, n), 2, 60).astype(np.int64)
    degree[business] = rng.integers(80, 250, int(business.sum()))
    source = np.repeat(np.arange(n), degree)
    local = rng.random(source.size) < 0.85
    by_place = np.argsort(place, kind="stable")
    place_start = np.searchsorted(place[by_place], np.arange(place.max() + 2))
    src_place = place[source]
    lo, hi = place_start[src_place], place_start[src_place + 1]
    pick_local = by_place[lo + (rng.random(source.size) * (hi - lo)).astype(np.int64)]
    pick_any = rng.integers(0, n, source.size)
    target = np.where(local, pick_local, pick_any)
    keep = target != source
    a, b = source[keep], target[keep]
    edges = np.unique(np.concatenate([a * n + b, b * n + a]))  # both directions, no repeats
    src, dst = edges // n, (edges % n).astype(np.int32)
    weight = rng.pareto(1.5, src.size) + 0.05
    offsets = np.searchsorted(src, np.arange(n + 1)).astype(np.int64)
    totals = np.add.reduceat(weight, offsets[:-1]) if src.size else np.zeros(n)
    cum = np.cumsum(weight)
    segment_start = np.repeat(np.concatenate([[0.0], cum[offsets[1:-1] - 1]]), np.diff(offsets))
    share = (cum - segment_start) / np.repeat(totals, np.diff(offsets))
    return offsets, dst, src.astype(np.float64) + np.minimum(share, 1.0)


# --- numbers and handsets ------------------------------------------------------------------


class _NumberBook:
    """Hands out unique mobile numbers and handsets, remembering who holds each."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self._numbers: list[I64] = []
        self._operators: list[NDArray[np.int8]] = []
        self._kinds: list[NDArray[np.int8]] = []
        self._owners: list[I32] = []
        self._imeis: list[I64] = []
        self._used: set[int] = set()
        self.count = 0
        self.handset_count = 0

    def take(self, n: int, kind: Owner, owners: NDArray[np.int64] | list[int]) -> I32:
        fresh: list[int] = []
        while len(fresh) < n:
            for value in self.rng.integers(447_400_000_000, 447_999_999_999, n - len(fresh) + 8):
                if int(value) not in self._used and len(fresh) < n:
                    self._used.add(int(value))
                    fresh.append(int(value))
        self._numbers.append(np.array(fresh, np.int64))
        self._operators.append((self.rng.random(n) < 0.45).astype(np.int8))  # 0: A, 1: B
        self._kinds.append(np.full(n, kind, np.int8))
        self._owners.append(np.asarray(owners, np.int32))
        first = self.count
        self.count += n
        return np.arange(first, first + n, dtype=np.int32)

    def handsets(self, n: int) -> I32:
        tac = TACS[self.rng.integers(0, len(TACS), n)]
        body = tac * 1_000_000 + self.rng.integers(0, 1_000_000, n)
        self._imeis.append(body * 10 + luhn_digit(body))
        first = self.handset_count
        self.handset_count += n
        return np.arange(first, first + n, dtype=np.int32)

    def e164(self) -> I64:
        return np.concatenate(self._numbers)

    def operators(self) -> NDArray[np.int8]:
        return np.concatenate(self._operators)

    def owner_kinds(self) -> NDArray[np.int8]:
        return np.concatenate(self._kinds)

    def owners(self) -> I32:
        return np.concatenate(self._owners)

    def imeis(self) -> I64:
        return np.concatenate(self._imeis)


def luhn_digit(body: I64) -> I64:
    """The Luhn check digit of each 14-digit IMEI body."""
    digits = (body[:, None] // 10 ** np.arange(13, -1, -1)) % 10  # most significant first
    doubled = digits[:, 1::2] * 2  # every second digit from the left, as IMEI does
    total = digits[:, 0::2].sum(axis=1) + (doubled // 10 + doubled % 10).sum(axis=1)
    return np.asarray((10 - total % 10) % 10, np.int64)


# --- services: the legitimate look-alikes ---------------------------------------------------


def _services(
    rng: np.random.Generator,
    preset: Preset,
    places: list[Place],
    people: _People,
    book: _NumberBook,
) -> list[Service]:
    place = people.place
    services: list[Service] = []
    by_size = np.argsort([-p.weight for p in places], kind="stable")

    def add(kind: ServiceKind, where: int, members: I32, rate: F64) -> None:
        number = int(book.take(1, Owner.SERVICE, [len(services)])[0])
        handset = int(book.handsets(1)[0])
        services.append(Service(kind, where, number, handset, members, rate))

    def residents(where: int, share: float) -> I32:
        pool = np.flatnonzero(place == where).astype(np.int32)
        size = max(5, int(len(pool) * share))
        return np.sort(rng.choice(pool, size=min(size, len(pool)), replace=False))

    for i in range(preset.taxi_firms):
        where = int(by_size[i % len(places)])
        members = residents(where, 0.35)
        add(ServiceKind.TAXI, where, members, rng.gamma(0.6, 0.12, len(members)))
    for i in range(preset.schools):
        where = int(by_size[(i + 1) % len(places)])
        add(ServiceKind.SCHOOL, where, residents(where, 0.2), np.zeros(0))
    for i in range(preset.gp_surgeries):
        where = int(by_size[(i + 2) % len(places)])
        add(ServiceKind.SURGERY, where, residents(where, 0.5), np.zeros(0))
    for _ in range(preset.delivery_firms):
        add(ServiceKind.DELIVERY, -1, np.zeros(0, np.int32), np.zeros(0))
    return services


# --- lines ------------------------------------------------------------------------------------

BRANDS = (
    "Tommy",
    "Dee",
    "Kash",
    "Blade",
    "Frosty",
    "Ghost",
    "Zico",
    "Milo",
    "Sparks",
    "Rico",
    "Benz",
    "Jojo",
    "Smokey",
    "Ace",
    "Tee",
    "Bossman",
    "Kingz",
    "Snowy",
    "Reds",
    "Flash",
    "Bumpy",
    "Scrappy",
    "Dizzy",
    "Taz",
)
MEAN_NUMBER_DAYS = 24  # brands rotate numbers (DOMAIN.md §LINES.signals: ~2 numbers per brand)
CHILD_RUNNER_SHARE = 0.55  # most exploited people are 15-17 (DOMAIN.md §LINES.roles)
CUCKOO_SHARE = 0.6


@dataclass
class Arrest:
    person: int
    day: int
    line: str


@dataclass
class _Pools:
    place: I32
    dob: NDArray[np.datetime64]
    home: I32
    taken: NDArray[np.bool_]
    start: np.datetime64

    def draw(
        self, rng: np.random.Generator, where: int, ages: tuple[int, int], n: int
    ) -> list[int]:
        """n people of ``where`` not yet on a line, made ``ages`` old (years, inclusive)."""
        pool = np.flatnonzero((self.place == where) & ~self.taken)
        chosen = rng.choice(pool, size=min(n, len(pool)), replace=False)
        for person in chosen:
            self.taken[person] = True
            years = rng.uniform(ages[0], ages[1] + 0.99)
            self.dob[person] = self.start - np.timedelta64(int(years * 365.25), "D")
        return [int(p) for p in chosen]


def _lines(
    rng: np.random.Generator,
    preset: Preset,
    places: list[Place],
    people: _People,
    place_cells: list[I32],
    book: _NumberBook,
) -> list[Line]:
    place, dob, home = people.place, people.dob, people.home
    pools = _Pools(place, dob, home, np.zeros(len(place), bool), np.datetime64(preset.start, "D"))
    hubs = [i for i, p in enumerate(places) if p.kind is PlaceKind.HUB]
    counties = [i for i, p in enumerate(places) if p.kind is PlaceKind.COUNTY]
    lines: list[Line] = []
    by_county: dict[int, Line] = {}
    for k in range(preset.lines):
        local = rng.random() < 0.2  # since 2023, many lines run within one area
        hub = hubs[int(rng.integers(len(hubs)))]
        county = hub if local else counties[k % len(counties)]
        days = preset.days
        start = 0 if rng.random() < 0.75 else int(rng.integers(1, days // 2))
        end = days if rng.random() < 0.85 else int(rng.integers(min(start + 10, days), days + 1))
        line = Line(
            id=f"L{k + 1:03d}",
            brand=BRANDS[k % len(BRANDS)] + ("" if k < len(BRANDS) else f"{k}"),
            hub=hub,
            county=county,
            start_day=start,
            end_day=end,
            run_from_hub=not local and rng.random() < 0.2,
        )
        controllers = pools.draw(rng, hub, (19, 32), int(rng.integers(1, 3)))
        line.people += [Membership(p, Role.CONTROLLER, start, end) for p in controllers]
        cuckooed = pools.draw(rng, county, (30, 70), 1) if rng.random() < CUCKOO_SHARE else []
        line.people += [Membership(p, Role.CUCKOOED, start, end) for p in cuckooed]
        line.base_cell = (
            int(home[cuckooed[0]]) if cuckooed else int(rng.choice(place_cells[county]))
        )
        rival = by_county.get(county)
        _customers(rng, line, pools, rival)
        if rival is not None:
            line.rival = rival.id
        by_county.setdefault(county, line)
        line.quiet_days = frozenset(int(d) for d in np.flatnonzero(rng.random(days) < 0.04))
        arrests = _numbers(rng, line, book)
        _runners_and_trips(rng, line, pools, arrests, preset)
        lines.append(line)
    return lines


def _customers(rng: np.random.Generator, line: Line, pools: _Pools, rival: Line | None) -> None:
    pool = np.flatnonzero((pools.place == line.county) & ~pools.taken)
    size = min(len(pool), int(rng.integers(40, 160)))
    customers = rng.choice(pool, size=size, replace=False)
    if rival is not None:  # two lines competing in a town share part of their market
        shared = rng.choice(rival.customers, size=len(rival.customers) // 3, replace=False)
        customers = np.unique(np.concatenate([customers, shared]))
    customers = np.sort(customers).astype(np.int32)
    n = len(customers)
    joins_late = rng.random(n) < 0.3
    day_from = np.where(joins_late, rng.integers(line.start_day, line.end_day, n), line.start_day)
    leaves = rng.random(n) < 0.2
    day_to = np.where(
        leaves, np.minimum(day_from + rng.integers(7, 40, n), line.end_day), line.end_day
    )
    line.customers = customers
    line.customer_from = day_from.astype(np.int32)
    line.customer_to = day_to.astype(np.int32)
    # Orders a day: most buy now and then, a few every day (heavy-tailed).
    line.customer_rate = np.clip(rng.lognormal(np.log(0.12), 0.9, n), 0.01, 2.5)
    line.people += [
        Membership(int(c), Role.CUSTOMER, int(f), int(t))
        for c, f, t in zip(customers, day_from, day_to, strict=True)
    ]


def _numbers(rng: np.random.Generator, line: Line, book: _NumberBook) -> list[int]:
    """The line's numbers over time; returns the days a handset was seized."""
    seizures: list[int] = []
    day, started_by = line.start_day, Change.START
    handset = int(book.handsets(1)[0])
    while day < line.end_day:
        number = int(book.take(1, Owner.LINE, [len(line.numbers)])[0])
        stop = day + max(5, int(rng.exponential(MEAN_NUMBER_DAYS)))
        if stop >= line.end_day:
            line.numbers.append(LineNumber(number, handset, day, line.end_day, started_by))
            break
        why = Change(
            int(rng.choice([Change.ROTATION, Change.SEIZURE, Change.ORDER], p=[0.6, 0.25, 0.15]))
        )
        if why is Change.ORDER and stop - line.start_day < 14:
            why = Change.ROTATION  # an order needs evidence of a line in use
        if why is Change.ROTATION:
            overlap = int(rng.integers(0, 3))  # the old number answers a few more days
            line.numbers.append(
                LineNumber(number, handset, day, min(stop + overlap, line.end_day), started_by, why)
            )
            day = stop
            if rng.random() >= 0.4:  # a new SIM often goes in a new handset...
                handset = int(book.handsets(1)[0])  # ...but sometimes in the same one
        else:
            line.numbers.append(LineNumber(number, handset, day, stop, started_by, why))
            if why is Change.SEIZURE:
                seizures.append(stop)
            day = stop + int(rng.integers(1, 4) if why is Change.SEIZURE else rng.integers(2, 8))
            handset = int(book.handsets(1)[0])
        started_by = why
    return seizures


def _runners_and_trips(
    rng: np.random.Generator, line: Line, pools: _Pools, seizures: list[int], preset: Preset
) -> None:
    """Runners take turns holding the deal handset in the county; a seizure replaces one."""

    def recruit(day: int) -> int:
        is_child = rng.random() < CHILD_RUNNER_SHARE
        where = line.hub
        person = pools.draw(rng, where, (14, 17) if is_child else (18, 24), 1)[0]
        line.people.append(Membership(person, Role.RUNNER, day, line.end_day))
        return person

    active = [recruit(line.start_day) for _ in range(int(rng.integers(2, 5)))]
    seizure_days = sorted(seizures)
    day = line.start_day
    turn = 0
    while day < line.end_day:
        runner = active[turn % len(active)]
        length = int(rng.integers(3, 11))
        until = min(day + length, line.end_day)
        arrested = next((s for s in seizure_days if day <= s < until), None)
        if arrested is not None:
            until = arrested
            seizure_days.remove(arrested)
        line.trips.append(
            Trip(
                runner,
                day,
                until,
                _depart(rng, pools, runner, day, preset),
                int(rng.integers(12, 20)) * 3600,
                reported_missing=False,
            )
        )
        trip = line.trips[-1]
        if _is_child(pools, runner, day, preset) and rng.random() < 0.6:
            trip.reported_missing = True
        if arrested is not None:
            for member in line.people:
                if member.person == runner and member.role is Role.RUNNER:
                    member.day_to = arrested
            active[turn % len(active)] = recruit(arrested)
        day = until if until > day else day + 1
        turn += 1


def _is_child(pools: _Pools, person: int, day: int, preset: Preset) -> bool:
    on = np.datetime64(preset.start, "D") + np.timedelta64(day, "D")
    return bool((on - pools.dob[person]).astype(int) < 18 * 365.25)


def _depart(rng: np.random.Generator, pools: _Pools, person: int, day: int, preset: Preset) -> int:
    """Seconds after local midnight a runner sets off (DOMAIN.md §LINES.child-runner:
    children travel in school hours or late in the evening)."""
    weekday = (preset.start + timedelta(days=day)).weekday() < 5
    if _is_child(pools, person, day, preset) and weekday and rng.random() < 0.7:
        return int(rng.integers(10 * 3600, 14 * 3600))
    return int(rng.integers(17 * 3600, 22 * 3600))
