"""Finding lines: the analysis from events to lines, roles, areas and child concerns.

The heavy work (scans, joins, aggregates over all events) is SQL run by an
engine; what is left is small (scored candidates, successor pairs, the people
around a few lines) and is decided here, in one place, the same whatever the
engine. Every decision keeps its evidence, so that a finding can be explained.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo

import pyarrow as pa

from crossline.analytics.engines import Engine, steps
from crossline.analytics.parameters import Parameters

Progress = Callable[[str, int, int], None]  # (step, done, total)
# An order is a short call or a text (DESIGN.md, How a line is found): a number is a
# line only if its customers' contact looks like ordering by one of them, whatever
# its score. A school's parents phone at length and never text; they do not order.
ORDER_SIGNALS = ("short_calls", "texts_in")
# What each step does, in words for the job page and the progress bar.
STEP_LABELS = {
    "ev": "Reading the events",
    "broadcasts": "Finding broadcasts",
    "contacts": "Counting who contacts whom",
    "returners": "Finding contacts who come back",
    "customers": "Finding customer bases",
    "candidates": "Choosing numbers to score",
    "base": "Counting customers",
    "broadcast_days": "Counting broadcast days",
    "activity": "When each number was used",
    "handsets": "Which handsets each number used",
    "market": "Where customers are",
    "audience": "Who each number deals with",
    "audience_size": "Who each number deals with",
    "shared_audience": "Comparing numbers' customers",
    "shared_handsets": "Comparing numbers' handsets",
    "successors": "Scoring numbers and following lines across numbers",
    "daily_contacts": "When each line could first be found",
    "daily_broadcasts": "When each line could first be found",
    "daily_market": "When each line could first be found",
    "called_by_line": "Finding controllers",
    "network": "Finding controllers",
    "network_contact": "Finding who is in touch with the controllers",
    "around": "Finding who is in touch with the controllers",
    "presence": "Placing the people around the lines",
    "line_presence": "Placing the deal phones",
    "colocated": "Finding phones with the deal phones",
    "line_county": "Finding the lines' markets",
    "travellers": "Finding runners who go country",
    "bases": "Finding the lines' bases",
    "areas_of": "Finding where everyone is",
    "movements": "Following runners' journeys",
    "roles": "Naming roles and checking for children",
}


def step_label(name: str) -> str:
    return STEP_LABELS.get(name, name)


CELLS_SCHEMA = pa.schema(
    [
        pa.field("cell_id", pa.string()),
        pa.field("lat", pa.float64()),
        pa.field("lon", pa.float64()),
        pa.field("area", pa.string()),
    ]
)


@dataclass(frozen=True)
class Signal:
    """One piece of evidence: its value, the bar it is held to, and what it scored."""

    name: str
    value: float | None  # None when the data cannot show it (no cell sites)
    threshold: float
    points: float
    explanation: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": None if self.value is None else round(self.value, 4),
            "threshold": self.threshold,
            "points": round(self.points, 4),
            "explanation": self.explanation,
        }


@dataclass
class Scored:
    number: str
    score: float
    signals: list[Signal]
    customers: int
    audience: int  # customers and recipients of its broadcasts
    first_seen: datetime
    last_seen: datetime
    detected: bool
    market: Counter[str] = field(default_factory=Counter)  # customers' located contact by area


@dataclass(frozen=True)
class RecordedBirth:
    """A date of birth the analysing organisation holds against a phone number.

    From its own person records (the people module): ``record`` is the record's
    reference, for the analyst to look it up.
    """

    dob: date
    record: str


Births = Mapping[str, Sequence[RecordedBirth]]  # E.164 number -> recorded dates of birth


@dataclass
class Person:
    number: str
    role: str  # runner | controller | cuckooed | customer
    evidence: dict[str, Any]
    possible_child: bool = False
    child_evidence: dict[str, Any] = field(default_factory=dict)


@dataclass
class Line:
    line_id: str
    score: float
    numbers: list[Scored]
    handsets: list[dict[str, Any]]
    links: list[dict[str, Any]]
    hub_area: str | None = None
    county_area: str | None = None
    detected_on: date | None = None  # the first day by whose end the evidence met the bar
    bases: list[dict[str, Any]] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)

    @property
    def signals(self) -> list[Signal]:
        best = max(self.numbers, key=lambda n: n.score)
        return best.signals

    def as_report(self) -> dict[str, Any]:
        """The line as the analysis report gives it (docs/analysis.md)."""
        return {
            "line_id": self.line_id,
            "score": round(self.score, 4),
            "numbers": [
                {
                    "number": n.number,
                    "first_seen": _iso(n.first_seen),
                    "last_seen": _iso(n.last_seen),
                    "score": round(n.score, 4),
                    "detected": n.detected,
                    "customers": n.customers,
                }
                for n in self.numbers
            ],
            "handsets": self.handsets,
            "successor_links": self.links,
            "roles": [
                {
                    "number": p.number,
                    "role": p.role,
                    "evidence": p.evidence,
                    "possible_child": p.possible_child,
                    **({"child_evidence": p.child_evidence} if p.possible_child else {}),
                }
                for p in self.people
            ],
            "hub_area": self.hub_area,
            "county_area": self.county_area,
            "detected_on": self.detected_on.isoformat() if self.detected_on else None,
            "bases": self.bases,
            "signals": [s.as_dict() for s in self.signals],
        }


@dataclass
class Result:
    lines: list[Line]
    candidates: int
    events: int
    located: bool  # whether cell sites were there to place events

    def report(self) -> list[dict[str, Any]]:
        return [line.as_report() for line in self.lines]


def analyse(
    engine: Engine,
    event_files: list[str],
    cells: pa.Table,
    parameters: Parameters,
    progress: Progress | None = None,
    births: Births | None = None,
) -> Result:
    """Lines in the events of ``event_files``, with their people, areas and evidence.

    ``births``: the dates of birth the analysing organisation has recorded against
    phone numbers; a person on a line under 18 by one of them is a possible child
    whatever their journeys show (DOMAIN.md §LINES.child-runner).
    """
    engine.register_parquet("events", event_files)
    engine.register_arrow("cells", cells.cast(CELLS_SCHEMA))
    values: dict[str, int | float | str] = {
        **parameters.sql_values(),
        "utc_offset": local_offset(engine, ZoneInfo(parameters.time_zone)),
    }
    line_steps = steps("lines", values)
    role_steps = steps("roles", values)
    total = len(line_steps) + len(role_steps) + 2
    done = 0

    def tick(name: str) -> None:
        nonlocal done
        done += 1
        if progress:
            progress(name, done, total)

    for step in line_steps:
        engine.materialise(step)
        tick(step.name)
    located = cells.num_rows > 0
    scored = _score(engine, parameters, located)
    lines = _lines(engine, scored, parameters)
    tick("successors")
    engine.register_arrow(
        "line_numbers",
        pa.table(
            {
                "line_id": [line.line_id for line in lines for _ in line.numbers],
                "n": [n.number for line in lines for n in line.numbers],
            },
            schema=pa.schema([("line_id", pa.string()), ("n", pa.string())]),
        ),
    )
    if lines:
        for step in role_steps:
            engine.materialise(step)
            tick(step.name)
        _roles(engine, lines, parameters, located, births or {})
        first_days = _detection_days(engine, parameters, located)
        for line in lines:
            days = [first_days[n.number] for n in line.numbers if n.number in first_days]
            line.detected_on = min(days, default=None)
    else:
        done += len(role_steps)  # no line, no one around one
    tick("roles")
    events = int(engine.fetch("SELECT count(*) AS n FROM ev").column("n")[0].as_py())
    return Result(lines, len(scored), events, located)


def local_offset(engine: Engine, zone: ZoneInfo) -> str:
    """The local clock's offset from UTC, in seconds, at the time ``s`` of an event.

    An SQL expression of numbers over the column ``s`` (seconds since 1970), built
    from the time zone database for the period the events span: each change of
    the clocks in it becomes one ``WHEN``. The engines then read local days and
    hours by arithmetic, the same on DuckDB and Spark.
    """
    span = engine.fetch("SELECT min(start_time) AS lo, max(start_time) AS hi FROM events")
    lo, hi = span.column("lo")[0].as_py(), span.column("hi")[0].as_py()
    if lo is None or hi is None:
        return "0"

    def offset(second: int) -> int:
        shift = datetime.fromtimestamp(second, zone).utcoffset()
        return int(shift.total_seconds()) if shift is not None else 0

    first, last = int(lo.timestamp()) // 3600 * 3600, int(hi.timestamp()) + 3600
    current, changes = offset(first), []
    for hour in range(first, last + 3600, 3600):
        if offset(hour) == current:
            continue
        before, after = hour - 3600, hour  # the change is within this hour: find its second
        while after - before > 1:
            middle = (before + after) // 2
            before, after = (middle, after) if offset(middle) == current else (before, middle)
        changes.append((after, current))
        current = offset(hour)
    if not changes:
        return str(current)
    whens = " ".join(f"WHEN s < {second} THEN {shift}" for second, shift in changes)
    return f"(CASE {whens} ELSE {current} END)"


EPOCH = date(1970, 1, 1)


def local_day(days: int) -> date:
    """A ``day`` of the SQL steps (local days since 1970) as a date."""
    return EPOCH + timedelta(days=int(days))


# --- detection -----------------------------------------------------------------------------------


def _score(engine: Engine, p: Parameters, located: bool) -> dict[str, Scored]:
    table = engine.fetch(
        """
        SELECT c.n, c.contacts_in, c.never_called, c.events_in, c.texts_in, c.answered_in,
               c.short_calls_in, c.night_in, coalesce(b.customers, 0) AS customers,
               coalesce(d.days, 0) AS broadcast_days, coalesce(d.most_recipients, 0) AS most,
               coalesce(s.size, 0) AS audience, a.first_seen, a.last_seen
        FROM candidates c
        LEFT JOIN audience_size s ON s.n = c.n
        LEFT JOIN base b ON b.n = c.n
        LEFT JOIN broadcast_days d ON d.n = c.n
        JOIN activity a ON a.n = c.n
        """
    )
    market: dict[str, Counter[str]] = defaultdict(Counter)
    for row in engine.fetch("SELECT n, area, events FROM market").to_pylist():
        market[row["n"]][row["area"]] += int(row["events"])
    scored = {}
    for row in table.to_pylist():
        signals = _signals(row, market.get(row["n"]), p, located)
        score = _total(signals)
        customers = int(row["customers"])
        scored[row["n"]] = Scored(
            number=row["n"],
            score=score,
            signals=signals,
            customers=customers,
            audience=int(row["audience"]),
            first_seen=row["first_seen"],
            last_seen=row["last_seen"],
            market=market.get(row["n"], Counter()),
            detected=_meets_bar(score, customers, signals, p),
        )
    return scored


def _total(signals: list[Signal]) -> float:
    return round(sum(s.points for s in signals), 6)  # 0.65 is 0.65, not 0.6499999


def _meets_bar(score: float, customers: int, signals: list[Signal], p: Parameters) -> bool:
    return (
        score >= p.threshold
        and customers >= p.min_customers
        and any(s.points > 0 for s in signals if s.name in ORDER_SIGNALS)
    )


def _signals(
    row: dict[str, Any], market: Counter[str] | None, p: Parameters, located: bool
) -> list[Signal]:
    w = p.weights
    contacts = max(int(row["contacts_in"]), 1)
    events = max(int(row["events_in"]), 1)
    answered = int(row["answered_in"])
    customers = int(row["customers"])
    days = int(row["broadcast_days"])
    one_way = int(row["never_called"]) / contacts
    texts = int(row["texts_in"]) / events
    night = int(row["night_in"]) / events
    short = int(row["short_calls_in"]) / answered if answered else None
    signals = [
        Signal(
            "broadcasts",
            days,
            p.broadcast_days_full,
            w["broadcasts"] * min(days / p.broadcast_days_full, 1.0),
            f"texts to {p.broadcast_min_recipients} or more numbers within "
            f"{p.broadcast_window_s} s on {days} day(s); the most at once {int(row['most'])}",
        ),
        Signal(
            "customer_base",
            customers,
            p.min_customers,
            w["customer_base"] * min(customers / p.min_customers, 1.0),
            f"{customers} numbers got in touch on {p.customer_min_days} or more days "
            "and were never phoned back",
        ),
        _bar(
            "one_way",
            one_way,
            p.one_way_share,
            w["one_way"],
            f"{one_way:.0%} of the numbers that got in touch were never phoned by it",
        ),
        _bar(
            "short_calls",
            short,
            p.short_call_share,
            w["short_calls"],
            "no answered incoming calls"
            if short is None
            else f"{short:.0%} of answered incoming calls lasted {p.short_call_s} s or less",
        ),
        _bar(
            "texts_in",
            texts,
            p.texts_in_share,
            w["texts_in"],
            f"{texts:.0%} of incoming contact was by text",
        ),
        _bar(
            "night",
            night,
            p.night_share,
            w["night"],
            f"{night:.0%} of incoming contact between {p.night_from_hour}:00 and "
            f"{p.night_to_hour}:00",
        ),
    ]
    if located and market:
        area, count = market.most_common(1)[0]
        share = count / sum(market.values())
        signals.append(
            _bar(
                "market_area",
                share,
                p.area_share,
                w["market_area"],
                f"{share:.0%} of its customers' located contact was in {area}",
            )
        )
    else:
        signals.append(
            Signal(
                "market_area",
                None,
                p.area_share,
                0.0,
                "no cell sites for its customers' contact: not judged",
            )
        )
    return signals


def _bar(name: str, value: float | None, bar: float, weight: float, text: str) -> Signal:
    points = weight if value is not None and value >= bar else 0.0
    return Signal(name, value, bar, points, text)


# --- successors and lines ------------------------------------------------------------------------


def _lines(engine: Engine, scored: dict[str, Scored], p: Parameters) -> list[Line]:
    """Numbers that are one line over time: detected numbers, their predecessors and successors."""
    candidates: dict[tuple[str, str], dict[str, Any]] = {}
    for row in engine.fetch("SELECT n1, n2, shared FROM shared_audience").to_pylist():
        pair = _ordered(scored.get(row["n1"]), scored.get(row["n2"]))
        if pair is None:
            continue
        a, b = pair
        overlap = int(row["shared"]) / max(min(a.audience, b.audience), 1)
        if overlap >= p.successor_min_overlap and _in_succession(a, b, p):
            candidates[(a.number, b.number)] = {
                "audience_in_common": int(row["shared"]),
                "overlap": round(overlap, 4),
            }
    for row in engine.fetch("SELECT n1, n2, shared FROM shared_handsets").to_pylist():
        pair = _ordered(scored.get(row["n1"]), scored.get(row["n2"]))
        if pair is not None and _in_succession(*pair, p):
            key = (pair[0].number, pair[1].number)
            candidates.setdefault(key, {})["handsets_in_common"] = int(row["shared"])

    # A number hands over to one successor and takes over from one predecessor. The
    # next number in time first (whole days of gap), then a shared handset, then the
    # most in common: a line's customer list hardly changes across its numbers, so
    # ranking by overlap first would skip a short-lived number in the middle.
    def strength(item: tuple[tuple[str, str], dict[str, Any]]) -> tuple[float, int, float]:
        (earlier, later), evidence = item
        gap_days = (scored[later].first_seen - scored[earlier].last_seen).total_seconds() // 86400
        return (
            max(gap_days, 0),
            -min(evidence.get("handsets_in_common", 0), 1),
            -evidence.get("overlap", 0),
        )

    links: dict[tuple[str, str], dict[str, Any]] = {}
    has_successor: set[str] = set()
    has_predecessor: set[str] = set()
    for (earlier, later), evidence in sorted(candidates.items(), key=strength):
        if earlier in has_successor or later in has_predecessor:
            continue
        links[(earlier, later)] = evidence
        has_successor.add(earlier)
        has_predecessor.add(later)
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for number in (s.number for s in scored.values() if s.detected):
        find(number)
    for first, second in links:
        parent[find(first)] = find(second)
    groups: dict[str, list[Scored]] = defaultdict(list)
    for number in parent:
        groups[find(number)].append(scored[number])
    # A line is a chain of numbers at least one of which met the bar on its own.
    groups = {k: g for k, g in groups.items() if any(m.detected for m in g)}
    handsets = _handsets(engine, {m.number for g in groups.values() for m in g})
    lines = []
    for members in groups.values():
        members.sort(key=lambda s: (s.first_seen, s.number))
        numbers = {m.number for m in members}
        lines.append(
            Line(
                line_id="CL-" + hashlib.sha256(members[0].number.encode()).hexdigest()[:10].upper(),
                score=max(m.score for m in members),
                numbers=members,
                handsets=[h for h in handsets if h["number"] in numbers],
                links=[
                    {"from": a, "to": b, **evidence}
                    for (a, b), evidence in sorted(links.items())
                    if a in numbers
                ],
            )
        )
    lines.sort(key=lambda line: (-line.score, line.line_id))
    return lines


def _ordered(a: Scored | None, b: Scored | None) -> tuple[Scored, Scored] | None:
    """The pair in order of first use, when both were scored."""
    if a is None or b is None:
        return None
    first, second = sorted((a, b), key=lambda s: (s.first_seen, s.number))
    return first, second


def _in_succession(a: Scored, b: Scored, p: Parameters) -> bool:
    """Whether one number took over from the other: started after it, soon, with little overlap."""
    first, second = sorted((a, b), key=lambda s: s.first_seen)
    gap = second.first_seen - first.last_seen
    side_by_side = min(first.last_seen, second.last_seen) - second.first_seen
    return gap <= timedelta(days=p.successor_max_gap_days) and side_by_side <= timedelta(
        days=p.successor_max_overlap_days
    )


def _handsets(engine: Engine, numbers: set[str]) -> list[dict[str, Any]]:
    found = []
    for row in engine.fetch(
        "SELECT n, imei, first_seen, last_seen, events FROM handsets ORDER BY n, first_seen, imei"
    ).to_pylist():
        if row["n"] in numbers:
            found.append(
                {
                    "number": row["n"],
                    "imei": row["imei"],
                    "tac": row["imei"][:8],
                    "first_seen": _iso(row["first_seen"]),
                    "last_seen": _iso(row["last_seen"]),
                    "events": int(row["events"]),
                }
            )
    return found


# --- when each line was first detectable ---------------------------------------------------------


@dataclass
class _Party:
    """One party's contact with a number so far."""

    days: int = 0
    called: bool = False  # the number has phoned it
    events: int = 0
    texts: int = 0
    answered: int = 0
    short_calls: int = 0
    night: int = 0


def _detection_days(engine: Engine, p: Parameters, located: bool) -> dict[str, date]:
    """The first day by whose end each line number's evidence met the bar.

    The same signals and bar as the whole period's scores, on the events up to and
    including each day in turn, so that a line's ``detected_on`` says how soon the
    analysis would have reported it had it been run every day. The market is read
    from the whole period's customers.
    """
    days: dict[str, dict[date, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for row in engine.fetch(
        "SELECT n, c, day, events, texts, answered, short_calls, night, calls_out "
        "FROM daily_contacts ORDER BY n, day, c"
    ).to_pylist():
        days[row["n"]][local_day(row["day"])].append(row)
    broadcasts: dict[str, dict[date, int]] = defaultdict(dict)
    for row in engine.fetch("SELECT n, day, most FROM daily_broadcasts").to_pylist():
        broadcasts[row["n"]][local_day(row["day"])] = int(row["most"])
        days[row["n"]].setdefault(local_day(row["day"]), [])
    market: dict[str, dict[date, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    for row in engine.fetch("SELECT n, day, area, events FROM daily_market").to_pylist():
        market[row["n"]][local_day(row["day"])][row["area"]] += int(row["events"])
    first: dict[str, date] = {}
    for number, by_day in days.items():
        parties: dict[str, _Party] = defaultdict(_Party)
        seen_market: Counter[str] = Counter()
        sent: list[int] = []
        for day in sorted(by_day):
            for row in by_day[day]:
                party = parties[row["c"]]
                party.called = party.called or row["calls_out"] > 0
                if row["events"]:
                    party.days += 1
                    party.events += row["events"]
                    party.texts += row["texts"]
                    party.answered += row["answered"]
                    party.short_calls += row["short_calls"]
                    party.night += row["night"]
            if day in broadcasts[number]:
                sent.append(broadcasts[number][day])
            seen_market.update(market[number].get(day, Counter()))
            contacts = [x for x in parties.values() if x.events]
            customers = sum(1 for x in contacts if x.days >= p.customer_min_days and not x.called)
            row = {
                "contacts_in": len(contacts),
                "never_called": sum(1 for x in contacts if not x.called),
                "events_in": sum(x.events for x in contacts),
                "texts_in": sum(x.texts for x in contacts),
                "answered_in": sum(x.answered for x in contacts),
                "short_calls_in": sum(x.short_calls for x in contacts),
                "night_in": sum(x.night for x in contacts),
                "customers": customers,
                "broadcast_days": len(sent),
                "most": max(sent, default=0),
            }
            signals = _signals(row, seen_market, p, located)
            if _meets_bar(_total(signals), customers, signals, p):
                first[number] = day
                break
    return first


# --- roles, areas and children -------------------------------------------------------------------


def _roles(engine: Engine, lines: list[Line], p: Parameters, located: bool, births: Births) -> None:
    numbers_of = {line.line_id: {n.number for n in line.numbers} for line in lines}
    line_of = {n: line_id for line_id, ns in numbers_of.items() for n in ns}
    customers: dict[str, set[str]] = defaultdict(set)
    for row in engine.fetch("SELECT n, c FROM customers").to_pylist():
        if row["n"] in line_of:
            customers[line_of[row["n"]]].add(row["c"])
    areas: dict[str, Counter[str]] = defaultdict(Counter)
    for row in engine.fetch("SELECT n, area, days FROM areas_of").to_pylist():
        areas[row["n"]][row["area"]] += int(row["days"])
    called = _by_line(engine, "called_by_line")
    colocated = _by_line(engine, "colocated")
    in_touch = _by_line(engine, "network_contact")
    bases: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in engine.fetch(
        "SELECT line_id, lat, lon, days FROM bases ORDER BY line_id, days DESC, lat, lon"
    ).to_pylist():
        bases[row["line_id"]].append(
            {"lat": float(row["lat"]), "lon": float(row["lon"]), "days": int(row["days"])}
        )
    moves = _movements(engine)
    zone = ZoneInfo(p.time_zone)
    for line in lines:
        line_id = line.line_id
        line.county_area = _modal(sum((n.market for n in line.numbers), Counter()))
        # The places the line keeps coming back to; the deal phone's other meetings
        # (a delivery round, say) happen on far fewer days.
        most = max((b["days"] for b in bases[line_id]), default=0)
        line.bases = [b for b in bases[line_id] if b["days"] >= p.base_min_share * most]
        places = {(b["lat"], b["lon"]) for b in line.bases}
        buyers = customers[line_id]
        controllers = {n: days for n, days in called[line_id].items() if n not in buyers}
        hub_votes: Counter[str] = Counter()
        for number in controllers:
            hub_votes.update(areas[number])
        line.hub_area = _modal(hub_votes) or line.county_area
        county = line.county_area if line.hub_area != line.county_area else None
        people: dict[str, Person] = {}
        for number, days in sorted(colocated[line_id].items()):
            contact = in_touch[line_id].get(number, 0)
            if number in buyers or contact < p.controller_min_days:
                continue  # with the deal phone but not in its network: a neighbour, say
            if county is not None and not areas[number][county]:
                continue  # never in the market: the family of a controller the phone stays with
            people[number] = Person(
                number,
                "runner",
                {
                    "days_with_deal_phone": days,
                    "days_in_touch_with_line": contact,
                    "areas": sorted(areas[number]),
                },
            )
        if county is not None and line.hub_area is not None:
            # Going country: in touch with the network, seen in the hub and in the
            # county. A line whose deal phone stays in the hub has only these runners.
            for number, contact in sorted(in_touch[line_id].items()):
                seen = areas[number]
                if number in people or number in buyers or number in controllers:
                    continue
                if seen[county] < p.colocation_min_days or seen[line.hub_area] < 1:
                    continue
                people[number] = Person(
                    number,
                    "runner",
                    {
                        "days_in_county": seen[county],
                        "days_in_hub": seen[line.hub_area],
                        "days_in_touch_with_line": contact,
                        "areas": sorted(seen),
                    },
                )
        for number, days in sorted(controllers.items()):
            if number not in people:
                people[number] = Person(
                    number,
                    "controller",
                    {"days_phoned_by_line": days, "areas": sorted(areas[number])},
                )
        # journeys count while the line runs: before it, a runner's trips are their own
        running = (
            int(min(n.first_seen for n in line.numbers).timestamp()),
            int(max(n.last_seen for n in line.numbers).timestamp()),
        )
        for person in people.values():
            sightings = moves.get((line_id, person.number), [])
            during = [m for m in sightings if running[0] <= m[0] <= running[1]]
            since = datetime.fromtimestamp(min((m[0] for m in during), default=running[0]), zone)
            person.evidence["first_seen_with_line"] = since.date().isoformat()
            if person.role == "runner":
                _child_check(person, during, places, county, p, zone)
            judge_by_recorded_births(person, births)
        line.people = sorted(people.values(), key=lambda x: (x.role, x.number)) + [
            Person(c, "customer", {}) for c in sorted(buyers)
        ]


Sighting = tuple[int, tuple[float, float], str | None]  # (epoch seconds, place, force area)


def _movements(engine: Engine) -> dict[tuple[str, str], list[Sighting]]:
    """Each possible runner's located events in time order, read column by column."""
    table = engine.fetch(
        "SELECT line_id, n, s, lat, lon, area FROM movements ORDER BY line_id, n, s"
    )
    columns = [
        table.column(name).to_pylist() for name in ("line_id", "n", "s", "lat", "lon", "area")
    ]
    moves: dict[tuple[str, str], list[Sighting]] = defaultdict(list)
    for line_id, n, s, lat, lon, area in zip(*columns, strict=True):
        moves[(line_id, n)].append((s, (lat, lon), area))
    return moves


def _by_line(
    engine: Engine, table: Literal["called_by_line", "colocated", "network_contact"]
) -> dict[str, dict[str, int]]:
    found: dict[str, dict[str, int]] = defaultdict(dict)
    sql = f"SELECT line_id, n, days FROM {table}"  # noqa: S608  one of the steps' own tables
    for row in engine.fetch(sql).to_pylist():
        found[row["line_id"]][row["n"]] = int(row["days"])
    return found


def _child_check(
    person: Person,
    moves: list[Sighting],
    bases: set[tuple[float, float]],
    county: str | None,
    p: Parameters,
    zone: ZoneInfo,
) -> None:
    """Flag a runner whose journeys to the line set off in school hours on school days.

    DOMAIN.md §LINES.child-runner: with no date of birth, a runner whose journeys
    (hub to county, or home to the trap house of a local line) fall in school hours
    on school days is flagged as a possible child. A journey is an arrival in the
    line's county area (at one of its bases for a local line) after at least
    ``journey_min_away_hours`` seen elsewhere, followed by a stay of at least
    ``journey_min_stay_hours`` there. Records are sparse, so when it set
    off is known only to lie between the last sighting elsewhere and the first at
    the destination; the journey counts when most of that window is school time.
    """
    away = p.journey_min_away_hours * 3600
    # (last sighting elsewhere, first at the destination, last there before leaving)
    visits: list[list[int]] = []
    last_elsewhere: int | None = None
    last_there: int | None = None
    for when, place, area in moves:
        if area == county if county is not None else place in bases:
            if last_elsewhere is not None and (
                last_there is None or last_elsewhere - last_there >= away
            ):
                visits.append([last_elsewhere, when, when])
            elif visits:
                visits[-1][2] = when
            last_there, last_elsewhere = when, None
        else:
            last_elsewhere = when
    # a journey to the line is a stay; arriving at the same place every morning and
    # leaving every evening is a day at work or school that happens to be near it
    journeys = [(v[0], v[1]) for v in visits if v[2] - v[1] >= p.journey_min_stay_hours * 3600]
    in_school_hours = []
    for left, arrived in journeys:
        start = datetime.fromtimestamp(left, zone)
        end = datetime.fromtimestamp(arrived, zone)
        if _school_share(start, end, p) >= p.school_hours_share:
            in_school_hours.append(
                f"{start.isoformat(timespec='minutes')}/{end.isoformat(timespec='minutes')}"
            )
    person.evidence["journeys"] = len(journeys)
    if len(in_school_hours) >= p.child_min_school_hour_departures:
        person.possible_child = True
        person.child_evidence = {
            "rule": "DOMAIN.md §LINES.child-runner: journeys to the line set off "
            "in school hours on school days",
            "departures_in_school_hours": in_school_hours,
            "journeys": len(journeys),
        }


class Judged(Protocol):
    """What the child rule reads and writes: a Person, or a role of the report."""

    number: str
    evidence: dict[str, Any]
    possible_child: bool
    child_evidence: dict[str, Any]


def judge_by_recorded_births(person: Judged, births: Births) -> None:
    """Decide by recorded dates of birth whether a person on a line is a possible child.

    DOMAIN.md §LINES.child-runner and DESIGN.md (How a line is found): a person
    holding a role on a line who is under 18 by a recorded date of birth is a
    possible child; the journey pattern stands only where no date of birth is
    known. A child is one under 18 on the day they were first seen with the line
    while it ran (``evidence["first_seen_with_line"]``). Where records disagree,
    any record that makes them a child is enough: an adult wrongly flagged costs a
    screening, a child missed costs a child (§CCE). When every record makes them
    an adult, a journey-pattern flag is set aside and kept as evidence.

    Idempotent, and read from the journey pattern's own evidence whatever an
    earlier judgement left: an incremental run judges its merged lines again with
    the dates of birth of today, without analysing history again.
    """
    journeys = journey_flag(person.child_evidence, person.evidence)
    person.evidence.pop("recorded_adult", None)
    person.evidence.pop("journey_pattern_set_aside", None)
    recorded = births.get(person.number, ())
    since = date.fromisoformat(person.evidence["first_seen_with_line"]) if recorded else None
    records: list[dict[str, Any]] = [
        {
            "record": b.record,
            "date_of_birth": b.dob.isoformat(),
            "age_when_first_seen": _age_on(b.dob, since),
        }
        for b in sorted(recorded, key=lambda b: (b.dob, b.record))
        if since is not None
    ]
    if any(r["age_when_first_seen"] < 18 for r in records):
        person.possible_child = True
        person.child_evidence = {
            "rule": "DOMAIN.md §LINES.child-runner: under 18 by a recorded date of birth "
            "when first seen with the line",
            "first_seen_with_line": person.evidence["first_seen_with_line"],
            "recorded_dates_of_birth": records,
            **({"journey_pattern": journeys} if journeys else {}),
        }
        return
    if records:
        person.evidence["recorded_adult"] = records
        if journeys:
            person.evidence["journey_pattern_set_aside"] = journeys
        person.possible_child, person.child_evidence = False, {}
        return
    person.possible_child, person.child_evidence = bool(journeys), journeys or {}


def rejudge_report(lines: list[dict[str, Any]], births: Births) -> None:
    """Judge every person of the report's lines again by today's recorded dates of birth.

    For lines an incremental run merged: the people it did not see in its window
    keep their journey evidence from the earlier run, and a date of birth
    recorded, corrected or removed since then applies to them too.
    """
    for line in lines:
        started = min((n["first_seen"] for n in line["numbers"]), default=None)
        for role in line["roles"]:
            if role["role"] == "customer":
                continue
            evidence = dict(role.get("evidence", {}))
            if "first_seen_with_line" not in evidence and started:
                evidence["first_seen_with_line"] = started[:10]  # a report of an earlier format
            if "first_seen_with_line" not in evidence:
                continue
            person = Person(
                role["number"],
                role["role"],
                evidence,
                bool(role.get("possible_child")),
                dict(role.get("child_evidence", {})),
            )
            judge_by_recorded_births(person, births)
            role["evidence"] = person.evidence
            role["possible_child"] = person.possible_child
            if person.possible_child:
                role["child_evidence"] = person.child_evidence
            else:
                role.pop("child_evidence", None)


def journey_flag(child_evidence: dict[str, Any], evidence: dict[str, Any]) -> dict[str, Any] | None:
    """The journey pattern's flag of a person, wherever an earlier judgement put it."""
    if "departures_in_school_hours" in child_evidence:
        return dict(child_evidence)
    found = child_evidence.get("journey_pattern") or evidence.get("journey_pattern_set_aside")
    return dict(found) if found else None


def _age_on(dob: date, day: date) -> int:
    """Whole years of age on ``day`` (a 29 February birthday falls on 1 March)."""
    return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


def _school_share(start: datetime, end: datetime, p: Parameters) -> float:
    """The share of the window from ``start`` to ``end`` (local times) that is school time.

    Counted over the hours people set off on journeys at all (``travel_hours``): a
    window that runs overnight says nothing about the small hours.
    """
    if end <= start:
        end = start + timedelta(minutes=1)
    (opens, closes), (first, last) = (
        tuple(timedelta(hours=h) for h in pair) for pair in (p.school_hours, p.travel_hours)
    )
    day, school, travel = start.date(), 0.0, 0.0
    while day <= end.date():
        midnight = datetime.combine(day, time(0), start.tzinfo)
        travel += _seconds_within(start, end, midnight + first, midnight + last)
        holiday = any(first_day <= day <= last_day for first_day, last_day in p.school_holidays)
        if day.weekday() in p.school_weekdays and not holiday:
            school += _seconds_within(start, end, midnight + opens, midnight + closes)
        day += timedelta(days=1)
    return school / travel if travel else 0.0


def _seconds_within(start: datetime, end: datetime, lo: datetime, hi: datetime) -> float:
    return max((min(end, hi) - max(start, lo)).total_seconds(), 0.0)


def _modal(counts: Counter[str]) -> str | None:
    if not counts:
        return None
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]


def _iso(value: datetime) -> str:
    return value.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ")


def empty_cells() -> pa.Table:
    return CELLS_SCHEMA.empty_table()


def all_numbers(lines: Iterable[Line]) -> set[str]:
    return {n.number for line in lines for n in line.numbers}
