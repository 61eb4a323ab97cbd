"""One day of communications: ordinary people, the look-alike services, and the lines.

Each generator returns an :class:`Events` batch of parallel arrays; a day's
batches are joined and sorted by time. Randomness comes from a generator
seeded by (world seed, day), so days can be made in any order and still
agree byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from crossline.synth.world import F64, I32, I64, Line, ServiceKind, Trip, World

CALL, SMS = 0, 1
DAY = 86_400

# Relative activity by local hour. Ordinary people are quiet at night; lines
# take orders late into the night (DOMAIN.md §LINES.signals, customer bases);
# taxis are busiest at night, most of all at weekends.
PEOPLE_HOURS = np.array(
    [
        0.3,
        0.15,
        0.1,
        0.08,
        0.08,
        0.15,
        0.5,
        1.2,
        2.0,
        2.4,
        2.5,
        2.6,
        2.8,
        2.6,
        2.5,
        2.6,
        2.9,
        3.2,
        3.3,
        3.2,
        3.0,
        2.5,
        1.8,
        0.9,
    ]
)
ORDER_HOURS = np.array(
    [
        1.6,
        1.3,
        1.0,
        0.7,
        0.4,
        0.3,
        0.4,
        0.7,
        1.0,
        1.3,
        1.6,
        1.9,
        2.1,
        2.2,
        2.3,
        2.5,
        2.7,
        2.9,
        3.0,
        3.0,
        2.9,
        2.7,
        2.4,
        2.0,
    ]
)
TAXI_HOURS = np.array(
    [
        2.0,
        2.2,
        1.8,
        1.0,
        0.5,
        0.4,
        0.8,
        1.5,
        1.5,
        1.2,
        1.1,
        1.2,
        1.3,
        1.3,
        1.4,
        1.6,
        1.9,
        2.0,
        2.0,
        2.1,
        2.3,
        2.5,
        2.7,
        2.6,
    ]
)
DAYTIME_HOURS = np.array([0.0] * 8 + [1.0] * 10 + [0.0] * 6)


@dataclass
class Events:
    """Parallel arrays, one element per event; cells are -1 when unknown."""

    second: I64  # seconds after the day's local midnight (may run past it)
    a: I32  # number index of the originating party
    b: I32
    kind: NDArray[np.int8]
    duration: I32
    handset: I32  # handset index of the originating party, -1 for none
    a_cell: I32
    b_cell: I32

    @classmethod
    def join(cls, batches: list[Events]) -> Events:
        return cls(*(np.concatenate([getattr(b, f) for b in batches]) for f in _FIELDS))

    def __len__(self) -> int:
        return len(self.second)


_FIELDS = ("second", "a", "b", "kind", "duration", "handset", "a_cell", "b_cell")


def _events(
    second: I64,
    a: I32,
    b: I32,
    kind: NDArray[np.int8],
    duration: I32,
    handset: I32,
    a_cell: I32,
    b_cell: I32,
) -> Events:
    return Events(
        second.astype(np.int64),
        a.astype(np.int32),
        b.astype(np.int32),
        kind.astype(np.int8),
        duration.astype(np.int32),
        handset.astype(np.int32),
        a_cell.astype(np.int32),
        b_cell.astype(np.int32),
    )


class Day:
    """Everything needed to make one day's events."""

    def __init__(self, world: World, day: int) -> None:
        self.world = world
        self.day = day
        self.rng = np.random.default_rng(np.random.SeedSequence([world.seed, 2, day]))
        self.date = world.date_of(day)
        self.weekday = self.date.weekday()
        counts = np.array([len(c) for c in world.place_cells])
        self.place_first = np.array([c[0] for c in world.place_cells])
        self.place_count = counts
        self._overrides()

    # --- where people are -------------------------------------------------------------------

    def _overrides(self) -> None:
        """Runners in the county today: from when, until when, and their base cell."""
        n = self.world.persons
        self.away_place = np.full(n, -1, np.int32)
        self.away_base = np.full(n, -1, np.int32)
        self.away_from = np.zeros(n, np.int64)
        self.away_to = np.zeros(n, np.int64)
        for line in self.world.lines:
            for trip in line.trips:
                if trip.day_from <= self.day <= trip.day_to:
                    p = trip.person
                    self.away_place[p] = line.county
                    self.away_base[p] = line.base_cell
                    self.away_from[p] = trip.depart_second if self.day == trip.day_from else 0
                    self.away_to[p] = trip.return_second if self.day == trip.day_to else DAY * 2

    def cells_of(self, persons: I32, second: I64) -> I32:
        """The cell each person's phone uses at each moment."""
        w, rng = self.world, self.rng
        n = len(persons)
        hour = (second // 3600) % 24
        working = (self.weekday < 5) & (hour >= 9) & (hour < 17)
        at_work = working & (rng.random(n) < 0.75)
        cell = np.where(at_work, w.person_work[persons], w.person_home[persons])
        wander = rng.random(n) < (0.15 if n else 0)
        place = w.person_place[persons]
        away = (
            (self.away_place[persons] >= 0)
            & (second >= self.away_from[persons])
            & (second < self.away_to[persons])
        )
        place = np.where(away, self.away_place[persons], place)
        cell = np.where(away, self.away_base[persons], cell)
        wander = np.where(away, rng.random(n) < 0.3, wander)
        random_cell = self.place_first[place] + (rng.random(n) * self.place_count[place]).astype(
            np.int64
        )
        return np.where(wander, random_cell, cell).astype(np.int32)

    def seconds(self, hours: F64, n: int) -> I64:
        hour = self.rng.choice(24, size=n, p=hours / hours.sum())
        return hour.astype(np.int64) * 3600 + self.rng.integers(0, 3600, n)

    def call_or_sms(
        self, n: int, sms_share: float, median: float, sigma: float, longest: int
    ) -> tuple[NDArray[np.int8], I32]:
        kind = (self.rng.random(n) < sms_share).astype(np.int8)
        length = np.clip(self.rng.lognormal(np.log(median), sigma, n), 1, longest).astype(np.int32)
        return kind, np.where(kind == CALL, length, 0).astype(np.int32)

    # --- ordinary people ----------------------------------------------------------------------

    def people(self) -> Events:
        w, rng = self.world, self.rng
        factor = 0.9 if self.weekday >= 5 else 1.0
        counts = rng.poisson(w.person_rate * factor)
        source = np.repeat(np.arange(w.persons, dtype=np.int32), counts)
        position = np.searchsorted(w.contact_cum, source + rng.random(source.size), side="right")
        target = w.contact_to[np.minimum(position, len(w.contact_to) - 1)]
        second = self.seconds(PEOPLE_HOURS, source.size)
        kind, duration = self.call_or_sms(source.size, 0.55, 75, 1.0, 5400)
        missed = (kind == CALL) & (rng.random(source.size) < 0.08)
        duration = np.where(missed, 0, duration)
        return _events(
            second,
            w.person_number[source],
            w.person_number[target],
            kind,
            duration,
            w.person_handset[source],
            self.cells_of(source, second),
            self.cells_of(target, second),
        )

    # --- the look-alikes ----------------------------------------------------------------------

    def services(self) -> list[Events]:
        batches: list[Events] = []
        for service in self.world.services:
            site = int(self.place_first[max(service.place, 0)])
            if service.kind is ServiceKind.TAXI:
                batches += self._taxi(
                    service.members, service.member_rate, service.number, service.handset, site
                )
            elif service.kind is ServiceKind.SCHOOL and self.weekday < 5:
                batches += self._school(service.members, service.number, site)
            elif service.kind is ServiceKind.SURGERY and self.weekday < 5:
                batches += self._surgery(service.members, service.number, site)
            elif service.kind is ServiceKind.DELIVERY:
                batches.append(self._delivery(service.number, site))
        return batches

    def _inbound(self, callers: I32, second: I64, number: int, site: int, median: float) -> Events:
        w = self.world
        kind = np.zeros(len(callers), np.int8)
        duration = np.clip(self.rng.lognormal(np.log(median), 0.5, len(callers)), 5, 900)
        return _events(
            second,
            w.person_number[callers],
            np.full(len(callers), number),
            kind,
            duration.astype(np.int32),
            w.person_handset[callers],
            self.cells_of(callers, second),
            np.full(len(callers), site),
        )

    def _outbound_sms(self, to: I32, second: I64, number: int, handset: int, site: int) -> Events:
        w = self.world
        n = len(to)
        return _events(
            second,
            np.full(n, number),
            w.person_number[to],
            np.ones(n, np.int8),
            np.zeros(n, np.int32),
            np.full(n, handset),
            np.full(n, site),
            self.cells_of(to, second),
        )

    def _taxi(self, members: I32, rate: F64, number: int, handset: int, site: int) -> list[Events]:
        rng = self.rng
        night_out = 1.8 if self.weekday in (4, 5) else 1.0
        calls = rng.poisson(rate * night_out)
        callers = np.repeat(members, calls)
        second = self.seconds(TAXI_HOURS, len(callers))
        inbound = self._inbound(callers, second, number, site, 40)
        texted = rng.random(len(callers)) < 0.6  # "your car is outside"
        reply = self._outbound_sms(
            callers[texted],
            second[texted] + rng.integers(120, 900, int(texted.sum())),
            number,
            handset,
            site,
        )
        return [inbound, reply]

    def _school(self, parents: I32, number: int, site: int) -> list[Events]:
        rng = self.rng
        batches: list[Events] = []
        if rng.random() < 0.45:  # a message to every parent, sent within a minute or so
            start = int(rng.choice([8 * 3600, 15 * 3600])) + int(rng.integers(0, 5400))
            to = parents[rng.random(len(parents)) < 0.92]
            second = start + np.sort(rng.uniform(0, rng.uniform(30, 90), len(to))).astype(np.int64)
            batches.append(self._outbound_sms(to, second, number, -1, site))
        callers = rng.choice(parents, size=rng.poisson(0.01 * len(parents)))
        batches.append(
            self._inbound(callers, self.seconds(DAYTIME_HOURS, len(callers)), number, site, 120)
        )
        return batches

    def _surgery(self, patients: I32, number: int, site: int) -> list[Events]:
        rng = self.rng
        to = rng.choice(patients, size=rng.poisson(0.015 * len(patients)), replace=False)
        start = 9 * 3600 + int(rng.integers(0, 1800))
        second = start + np.sort(rng.uniform(0, 300, len(to))).astype(np.int64)
        callers = rng.choice(patients, size=rng.poisson(0.006 * len(patients)))
        return [
            self._outbound_sms(to, second, number, -1, site),
            self._inbound(callers, self.seconds(DAYTIME_HOURS, len(callers)), number, site, 150),
        ]

    def _delivery(self, number: int, site: int) -> Events:
        rng = self.rng
        everyone = self.world.persons
        to = rng.choice(
            everyone, size=min(everyone, rng.poisson(0.01 * everyone)), replace=False
        ).astype(np.int32)
        second = rng.integers(7 * 3600, 20 * 3600, len(to))
        return self._outbound_sms(to, second, number, -1, site)

    # --- the lines -----------------------------------------------------------------------------

    def lines(self) -> list[Events]:
        batches: list[Events] = []
        for line in self.world.lines:
            if line.start_day <= self.day < line.end_day:
                batches += _LineDay(self, line).events()
        return batches

    def events(self) -> Events:
        """The whole day's events, in time order."""
        day = Events.join([self.people(), *self.services(), *self.lines()])
        order = np.lexsort((day.b, day.a, day.second))
        return Events(*(getattr(day, f)[order] for f in _FIELDS))


class _LineDay:
    """One line's orders, broadcasts and handler contact on one day."""

    def __init__(self, day: Day, line: Line) -> None:
        self.d = day
        self.line = line
        self.rng = day.rng
        self.trip: Trip | None = next(
            (t for t in line.trips if t.day_from <= day.day < t.day_to), None
        )

    def deal_cells(self, n: int) -> I32:
        """Where the deal handset is: with the holder at the trap house, or in the hub."""
        d, line = self.d, self.line
        if line.run_from_hub and line.controllers():
            base, place = int(d.world.person_home[line.controllers()[0]]), line.hub
        else:
            base, place = line.base_cell, line.county
        roam = self.rng.random(n) < 0.25
        other = d.place_first[place] + (self.rng.random(n) * d.place_count[place]).astype(np.int64)
        return np.where(roam, other, base).astype(np.int32)

    def events(self) -> list[Events]:
        numbers = self.line.number_on(self.d.day)
        batches = self.contact(
            numbers[-1].number if numbers else None, numbers[-1].handset if numbers else -1
        )
        if numbers and self.d.day not in self.line.quiet_days:
            batches += self.orders(numbers)
            newest = numbers[-1]
            renumbered = newest.start_day == self.d.day and newest.started_by.value != 0
            if renumbered or self.rng.random() < 0.55:
                batches.append(self.broadcast(newest.number, newest.handset, everyone=renumbered))
        return batches

    def active_customers(self) -> I32:
        line, day = self.line, self.d.day
        return line.customers[(line.customer_from <= day) & (day < line.customer_to)]

    def orders(self, numbers: list) -> list[Events]:  # type: ignore[type-arg]
        d, rng, line, w = self.d, self.rng, self.line, self.d.world
        active = (line.customer_from <= d.day) & (d.day < line.customer_to)
        weekend = 1.3 if d.weekday >= 4 else 1.0
        counts = rng.poisson(line.customer_rate[active] * weekend)
        buyers = np.repeat(line.customers[active], counts)
        n = len(buyers)
        newest = rng.random(n) < 0.75  # during a changeover most have the new number
        pick = np.where(newest | (len(numbers) == 1), len(numbers) - 1, 0)
        deal_number = np.array([numbers[i].number for i in pick], np.int64).astype(np.int32)
        deal_handset = np.array([numbers[i].handset for i in pick], np.int64).astype(np.int32)
        second = d.seconds(ORDER_HOURS, n)
        kind, duration = d.call_or_sms(n, 0.6, 25, 0.5, 180)
        deal_cell = self.deal_cells(n)
        order = _events(
            second,
            w.person_number[buyers],
            deal_number,
            kind,
            duration,
            w.person_handset[buyers],
            d.cells_of(buyers, second),
            deal_cell,
        )
        replied = rng.random(n) < 0.5  # "10 mins", "outside"
        later = second[replied] + rng.integers(30, 600, int(replied.sum()))
        reply = _events(
            later,
            deal_number[replied],
            w.person_number[buyers[replied]],
            np.ones(int(replied.sum()), np.int8),
            np.zeros(int(replied.sum()), np.int32),
            deal_handset[replied],
            deal_cell[replied],
            d.cells_of(buyers[replied], later),
        )
        return [order, reply]

    def broadcast(self, number: int, handset: int, *, everyone: bool) -> Events:
        """Bulk marketing texts to the customer list within a minute or two
        (DOMAIN.md §LINES.signals); after a change of number, to all of it."""
        d, rng = self.d, self.rng
        customers = self.line.customers if everyone else self.active_customers()
        share = 1.0 if everyone else rng.uniform(0.6, 0.95)
        to = customers[rng.random(len(customers)) < share]
        morning = rng.random() < 0.6
        start = int(
            rng.integers(8 * 3600, 12 * 3600) if morning else rng.integers(16 * 3600, 20 * 3600)
        )
        second = start + np.sort(rng.uniform(0, rng.uniform(20, 120), len(to))).astype(np.int64)
        cells = self.deal_cells(1)
        return d._outbound_sms(to, second, number, handset, int(cells[0]))

    def contact(self, deal_number: int | None, deal_handset: int) -> list[Events]:
        """Controllers in the hub and the runner holding the line in touch all day."""
        d, rng, w, line = self.d, self.rng, self.d.world, self.line
        controllers = line.controllers()
        if self.trip is None or not controllers:
            return []
        holder = self.trip.person
        controller = controllers[int(rng.integers(len(controllers)))]
        n = int(rng.poisson(6))
        from_controller = rng.random(n) < 0.6
        a = np.where(from_controller, controller, holder).astype(np.int32)
        b = np.where(from_controller, holder, controller).astype(np.int32)
        second = d.seconds(ORDER_HOURS, n)
        kind, duration = d.call_or_sms(n, 0.5, 60, 0.8, 900)
        batches = [
            _events(
                second,
                w.person_number[a],
                w.person_number[b],
                kind,
                duration,
                w.person_handset[a],
                d.cells_of(a, second),
                d.cells_of(b, second),
            )
        ]
        if deal_number is not None:
            m = int(rng.poisson(1.5))
            second = d.seconds(ORDER_HOURS, m)
            kind, duration = d.call_or_sms(m, 0.7, 40, 0.6, 600)
            batches.append(
                _events(
                    second,
                    np.full(m, deal_number),
                    np.full(m, w.person_number[controller]),
                    kind,
                    duration,
                    np.full(m, deal_handset),
                    self.deal_cells(m),
                    d.cells_of(np.full(m, controller, np.int32), second),
                )
            )
        return batches
