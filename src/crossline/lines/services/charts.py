"""The line page's charts: when a line is busy, what joins its numbers, where it runs.

Each chart is read two ways: for the API, by line id, through ``get_line``
(``lines.read``; another organisation's line is NotFound unless the actor is
a national coordinator; audited as a consultation of the line, like
``GET /api/lines/{id}``); and for the line's page, from the line the page
has just read (and audited) once.

Activity and contacts come from the comms store, and only from the events
of the **line owner's own imports**: a coordinator reading a force's line
sees what that force holds, and no organisation's chart ever draws on
another's communications data. Hours and days are local to the analysis
parameters' time zone (UK time), found as the analysis finds them
(``analytics.pipeline.local_offset``).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from crossline.analytics.engines import DuckDBEngine, Step
from crossline.analytics.models import Finding
from crossline.analytics.parameters import load_parameters
from crossline.analytics.pipeline import local_offset
from crossline.auth.actor import Actor
from crossline.comms import store
from crossline.comms.models import CommsImport
from crossline.comms.normalise import e164
from crossline.core.errors import InvalidInput, NotFound
from crossline.core.settings import Settings
from crossline.lines.models import Line
from crossline.lines.services.reading import get_line
from crossline.orgs.reference import FORCES

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
SHADES = 5  # shade 0 is no events; 1 to 4 are quarters of the busiest hour's count
CONTACTS_DEFAULT = 10
CONTACTS_MAX = 25  # an expansion shows the most frequent contacts, never a whole call log
NOT_ON_LINE = (
    "This number is neither one of the line's numbers nor a person on it: only those "
    "can be expanded."
)


# --- a period, and the filter by date --------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """The dates an analyst asked to see (inclusive, UTC days); None: unbounded."""

    since: date | None = None
    until: date | None = None

    @classmethod
    def of(cls, since: date | None, until: date | None) -> Window:
        """The window, refusing one that ends before it starts (422, field ``to``)."""
        if since is not None and until is not None and until < since:
            raise InvalidInput(
                "The 'to' date must be the same as or after the 'from' date.", field="to"
            )
        return cls(since, until)

    def holds(self, start: datetime | None, end: datetime | None) -> bool:
        """Whether a period (None: open at that end) shares an instant with the window."""
        began_after = (
            self.until is not None
            and start is not None
            and start > datetime.combine(self.until, time.max, UTC)
        )
        ended_before = (
            self.since is not None
            and end is not None
            and end < datetime.combine(self.since, time.min, UTC)
        )
        return not (began_after or ended_before)


# --- the activity heat map --------------------------------------------------------------------


@dataclass(frozen=True)
class Activity:
    """Events of the line's numbers by local day of the week (Monday first) and hour."""

    counts: tuple[tuple[int, ...], ...]  # [weekday][hour]
    calls: int
    texts: int
    time_zone: str

    @property
    def total(self) -> int:
        return self.calls + self.texts

    @property
    def weekdays(self) -> tuple[str, ...]:
        return WEEKDAYS

    @property
    def busiest(self) -> int:
        return max((max(day) for day in self.counts), default=0)

    def shade(self, count: int) -> int:
        """0 for none; else 1 to 4: the quarter of the busiest hour's count it reaches."""
        if count <= 0 or self.busiest == 0:
            return 0
        quarters = SHADES - 1
        return min(quarters, (quarters * count + self.busiest - 1) // self.busiest)

    def rows(self) -> list[tuple[str, list[tuple[int, int]]]]:
        """(weekday, [(count, shade) for each hour]) for the table."""
        return [
            (WEEKDAYS[day], [(count, self.shade(count)) for count in hours])
            for day, hours in enumerate(self.counts)
        ]


def line_activity(
    db: Session, actor: Actor, settings: Settings, line_id: uuid.UUID, *, via: str = "api"
) -> Activity:
    """The heat map of a line's events. Needs ``lines.read``; audited as reading the line."""
    return activity(db, settings, get_line(db, actor, line_id, via=via))


def activity(db: Session, settings: Settings, line: Line) -> Activity:
    """Calls and texts to or from the line's numbers, each within its period, by day and hour.

    For a line already read (and audited). An event between two of the line's
    numbers counts once.
    """
    zone = load_parameters().time_zone
    counts = [[0] * 24 for _ in WEEKDAYS]
    calls = texts = 0
    with _events_of(db, settings, line, zone) as engine:
        if engine is not None:
            # The offset is an expression of numbers built by the pipeline (safe to write in).
            offset = local_offset(engine, ZoneInfo(zone))
            local = f"(s + {offset})"
            rows = engine.fetch(
                f"SELECT ({local} // 86400 + 3) % 7 AS weekday, "  # noqa: S608
                f"({local} % 86400) // 3600 AS hour, "
                "sum(CASE WHEN k = 'call' THEN 1 ELSE 0 END) AS calls, "
                "sum(CASE WHEN k = 'sms' THEN 1 ELSE 0 END) AS texts "
                "FROM line_events GROUP BY 1, 2"
            ).to_pylist()
            for row in rows:
                counts[int(row["weekday"])][int(row["hour"])] = int(row["calls"] + row["texts"])
                calls += int(row["calls"])
                texts += int(row["texts"])
    return Activity(tuple(tuple(day) for day in counts), calls, texts, zone)


# --- the network chart ------------------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    """One node of the network: the line, a number, a handset or a person (or a contact)."""

    id: str
    kind: str  # line | number | handset | person | contact
    label: str
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    role: str | None = None  # a person's: controller | runner | cuckooed
    possible_child: bool = False
    number: str | None = None  # what an analyst may expand (a line number, a person's)


@dataclass(frozen=True)
class Edge:
    """One edge: what joins two nodes, and over which period, when that is known."""

    id: str
    source: str
    target: str
    kind: str  # used | carried | succeeded_by | in_contact | on_line
    label: str
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    events: int | None = None  # for in_contact: how many events


@dataclass(frozen=True)
class Network:
    nodes: list[Node]
    edges: list[Edge]
    window: Window = field(default_factory=Window)

    def as_dict(self) -> dict[str, Any]:
        """The network as the chart's script and the API read it."""
        return {
            "since": _iso_date(self.window.since),
            "until": _iso_date(self.window.until),
            "nodes": [_plain(node) for node in self.nodes],
            "edges": [_plain(edge) for edge in self.edges],
        }

    def as_json(self) -> str:
        return json.dumps(self.as_dict())

    def within(self, window: Window) -> Network:
        """What of this network shares a day with ``window``; an edge, when its ends do too."""
        kept = [n for n in self.nodes if window.holds(n.valid_from, n.valid_to)]
        ids = {n.id for n in kept}
        edges = [
            e
            for e in self.edges
            if e.source in ids and e.target in ids and window.holds(e.valid_from, e.valid_to)
        ]
        return Network(kept, edges, window)


def line_network(
    db: Session,
    actor: Actor,
    settings: Settings,
    line_id: uuid.UUID,
    window: Window | None = None,
    *,
    via: str = "api",
) -> Network:
    """The network of a line within ``window``. Needs ``lines.read``; audited as reading it."""
    return network(db, settings, get_line(db, actor, line_id, via=via), window)


def network(db: Session, settings: Settings, line: Line, window: Window | None = None) -> Network:
    """The line, its numbers, handsets and people, and what joins them, within ``window``.

    For a line already read (and audited). Number and handset are joined when
    the handset carried the number: the pairs the analysis saw, for a line
    confirmed from a finding, or else overlapping periods. A number is joined
    to its successor: the finding's successions, or else the next number
    first used after it, for a number whose period has ended. A person is
    joined to each line number the owner's comms data show them in contact
    with in its period, or to the line when there is none. An element is kept
    when its period shares a day with ``window`` (people have no period and
    are always kept), an edge when both its ends are kept too.
    """
    line_node = Node(f"line:{line.id}", "line", f"Line {line.reference}")
    nodes = [line_node]
    edges: list[Edge] = []
    numbers = sorted(line.numbers, key=lambda n: (n.valid_from, n.number))
    for n in numbers:
        nodes.append(
            Node(_nid(n.number), "number", n.number, n.valid_from, n.valid_to, number=n.number)
        )
        edges.append(
            Edge(
                f"used:{n.id}",
                line_node.id,
                _nid(n.number),
                "used",
                "used",
                n.valid_from,
                n.valid_to,
            )
        )
    for h in line.handsets:
        nodes.append(Node(_hid(h.imei), "handset", f"IMEI {h.imei}", h.valid_from, h.valid_to))
    evidence = _finding_evidence(db, line)
    carried = _carried(line, evidence)
    edges.extend(carried)
    carrying = {edge.target for edge in carried}
    edges.extend(
        Edge(f"used:{h.id}", line_node.id, _hid(h.imei), "used", "used", h.valid_from, h.valid_to)
        for h in line.handsets
        if _hid(h.imei) not in carrying
    )
    edges.extend(_successions(line, evidence))
    contacts = _people_contacts(db, settings, line)
    for person in line.people:
        pid = f"person:{person.id}"
        role = person.role + (", possible child" if person.possible_child else "")
        nodes.append(
            Node(
                pid,
                "person",
                f"{person.number} ({role})",
                role=person.role,
                possible_child=person.possible_child,
                number=person.number,
            )
        )
        found = contacts.get(person.number, [])
        for number, events, first, last in found:
            edges.append(
                Edge(
                    f"contact:{person.id}:{number}",
                    pid,
                    _nid(number),
                    "in_contact",
                    f"{events} events",
                    first,
                    last,
                    events,
                )
            )
        if not found:
            edges.append(Edge(f"on:{person.id}", pid, line_node.id, "on_line", person.role))
    return Network(_unique(nodes), edges).within(window or Window())


def _unique(nodes: list[Node]) -> list[Node]:
    """One node per number or handset, over all the periods the line held it."""
    merged: dict[str, Node] = {}
    for node in nodes:
        was = merged.get(node.id)
        if was is None:
            merged[node.id] = node
            continue
        end = (
            None
            if was.valid_to is None or node.valid_to is None
            else max(was.valid_to, node.valid_to)
        )
        merged[node.id] = Node(
            was.id,
            was.kind,
            was.label,
            _earliest(was.valid_from, node.valid_from),
            end,
            was.role,
            was.possible_child,
            was.number,
        )
    return list(merged.values())


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else min(a, b)


def _finding_evidence(db: Session, line: Line) -> dict[str, Any] | None:
    """The report entry of the finding the line was confirmed from, if it was."""
    if line.source_finding_id is None:
        return None
    finding = db.get(Finding, line.source_finding_id)
    return None if finding is None else dict(json.loads(finding.detail))


def _carried(line: Line, evidence: dict[str, Any] | None) -> list[Edge]:
    held_numbers = {n.number for n in line.numbers}
    held_imeis = {h.imei for h in line.handsets}
    if evidence is not None and evidence.get("handsets"):
        return [
            Edge(
                f"carried:{h['imei']}:{h['number']}",
                _nid(h["number"]),
                _hid(h["imei"]),
                "carried",
                "carried",
                _utc(h["first_seen"]),
                _utc(h["last_seen"]),
            )
            for h in evidence["handsets"]
            if h["number"] in held_numbers and h["imei"] in held_imeis
        ]
    edges: dict[str, Edge] = {}
    for n in line.numbers:
        for h in line.handsets:
            start = max(n.valid_from, h.valid_from)
            ends = [end for end in (n.valid_to, h.valid_to) if end is not None]
            end = min(ends) if ends else None
            if end is not None and end < start:
                continue
            key = f"carried:{h.imei}:{n.number}"
            edges.setdefault(
                key, Edge(key, _nid(n.number), _hid(h.imei), "carried", "carried", start, end)
            )
    return list(edges.values())


def _successions(line: Line, evidence: dict[str, Any] | None) -> list[Edge]:
    held = {n.number: n for n in line.numbers}
    if evidence is not None and "successor_links" in evidence:
        pairs = [
            (link["from"], link["to"])
            for link in evidence["successor_links"]
            if link["from"] in held and link["to"] in held
        ]
    else:
        pairs = []
        ordered = sorted(line.numbers, key=lambda n: n.valid_from)
        for i, n in enumerate(ordered):
            later = [
                m for m in ordered[i + 1 :] if m.valid_from > n.valid_from and m.number != n.number
            ]
            if n.valid_to is not None and later:
                pairs.append((n.number, later[0].number))
    return [
        Edge(
            f"successor:{a}:{b}",
            _nid(a),
            _nid(b),
            "succeeded_by",
            "succeeded by",
            held[a].valid_from,
            held[b].valid_to,
        )
        for a, b in dict.fromkeys(pairs)
    ]


def _people_contacts(
    db: Session, settings: Settings, line: Line
) -> dict[str, list[tuple[str, int, datetime, datetime]]]:
    """For each person's number: (line number, events, first, last) of their contact with it."""
    people = sorted({p.number for p in line.people})
    if not people:
        return {}
    found: dict[str, list[tuple[str, int, datetime, datetime]]] = {}
    with _events_of(db, settings, line, load_parameters().time_zone) as engine:
        if engine is None:
            return {}
        engine.register_arrow("people", pa.table({"p": pa.array(people, pa.string())}))
        for row in engine.fetch(
            """
            SELECT p.p AS person, e.n AS number, count(*) AS events,
                   min(e.t) AS first, max(e.t) AS last
            FROM line_events e JOIN people p ON p.p = e.other
            GROUP BY 1, 2 ORDER BY 1, 2
            """
        ).to_pylist():
            found.setdefault(row["person"], []).append(
                (row["number"], int(row["events"]), _aware(row["first"]), _aware(row["last"]))
            )
    return found


# --- expanding a node: a number's top contacts -------------------------------------------------


@dataclass(frozen=True)
class Contact:
    number: str
    events: int
    first: datetime
    last: datetime


@dataclass(frozen=True)
class Contacts:
    """The most frequent contacts of one of a line's numbers (or a person's on it)."""

    number: str
    limit: int
    contacts: list[Contact]


def number_contacts(
    db: Session,
    actor: Actor,
    settings: Settings,
    line_id: uuid.UUID,
    raw_number: str,
    *,
    limit: int = CONTACTS_DEFAULT,
    via: str = "api",
) -> Contacts:
    """The ``limit`` (at most 25) numbers most often in contact with one number of a line.

    The number must be one of the line's numbers, or a person's on the line:
    this expands the line's network, and is no way to look up any number. For a
    line number, its events within its periods; for a person, within the
    line's whole period. From the line owner's imports only. Needs
    ``lines.read``; audited as reading the line. A number not on the line is
    NotFound (404); a limit out of range InvalidInput (422).
    """
    if not 1 <= limit <= CONTACTS_MAX:
        raise InvalidInput(f"Ask for between 1 and {CONTACTS_MAX} contacts.", field="limit")
    line = get_line(db, actor, line_id, via=via)
    number = e164(raw_number)
    periods = _periods_of(line, number) if number else []
    if number is None or not periods:
        raise NotFound(NOT_ON_LINE)
    found: list[Contact] = []
    with _events_of(db, settings, line, load_parameters().time_zone, periods) as engine:
        if engine is not None:
            for row in engine.fetch(
                "SELECT other, count(*) AS events, min(t) AS first, max(t) AS last "  # noqa: S608
                "FROM line_events WHERE other <> n "
                f"GROUP BY other ORDER BY events DESC, other LIMIT {int(limit)}"
            ).to_pylist():
                found.append(
                    Contact(
                        row["other"], int(row["events"]), _aware(row["first"]), _aware(row["last"])
                    )
                )
    return Contacts(number, limit, found)


def _periods_of(line: Line, number: str) -> list[tuple[str, datetime, datetime | None]]:
    own = [(n.number, n.valid_from, n.valid_to) for n in line.numbers if n.number == number]
    if own or number not in {p.number for p in line.people}:
        return own
    starts = [n.valid_from for n in line.numbers]
    ends = [n.valid_to for n in line.numbers]
    start = min(starts, default=line.created_at)
    end = None if not ends or None in ends else max(e for e in ends if e is not None)
    return [(number, start, end)]


# --- the map ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Area:
    """A police force area a line runs from or to."""

    force_id: str
    force_name: str
    area_code: str | None  # the boundary file's ``code`` (ONS), None for a force without one
    area_name: str | None


@dataclass(frozen=True)
class LineAreas:
    hub: Area | None
    county: Area | None

    @property
    def is_local(self) -> bool:
        return self.hub is not None and self.county is not None and self.hub == self.county


def line_areas(db: Session, actor: Actor, line_id: uuid.UUID, *, via: str = "api") -> LineAreas:
    """A line's hub and county areas. Needs ``lines.read``; audited as reading the line."""
    return areas(get_line(db, actor, line_id, via=via))


def areas(line: Line) -> LineAreas:
    """The line's hub and county as force areas, keyed as the boundary file keys them."""
    return LineAreas(_area(line.hub_area), _area(line.county_area))


def _area(force_id: str | None) -> Area | None:
    force = FORCES.get(force_id) if force_id else None
    if force is None:
        return None
    return Area(force.id, force.name, force.area_code, force.area_name)


# --- reading the comms store ------------------------------------------------------------------


@contextmanager
def _events_of(
    db: Session,
    settings: Settings,
    line: Line,
    zone: str,
    periods: Sequence[tuple[str, datetime, datetime | None]] | None = None,
) -> Iterator[DuckDBEngine | None]:
    """An engine holding ``line_events``: the owner's calls and texts of the line's numbers.

    One row per event in which a number of ``periods`` (default: the line's
    numbers and their periods) took part within its period: ``n`` that number,
    ``other`` the party at the other end, ``k`` call or sms, ``t`` the time and
    ``s`` its seconds since 1970. Also ``events``, the files read, for the
    local clock. None when the owner holds no events for those days.
    """
    held = (
        list(periods)
        if periods is not None
        else [(n.number, n.valid_from, n.valid_to) for n in line.numbers]
    )
    files = _files_for(db, settings, line.owner_id, held)
    if not files:
        yield None
        return
    spill = settings.data_dir / "analysis"
    spill.mkdir(parents=True, exist_ok=True)
    engine = DuckDBEngine(zone, settings.analysis_memory_limit, spill)
    try:
        engine.register_parquet("events", files)
        engine.register_arrow(
            "held",
            pa.table(
                {
                    "n": pa.array([n for n, _, _ in held], pa.string()),
                    "lo": pa.array([int(a.timestamp()) for _, a, _ in held], pa.int64()),
                    "hi": pa.array(
                        [None if b is None else int(b.timestamp()) for _, _, b in held], pa.int64()
                    ),
                }
            ),
        )
        # An event between two held numbers is one event: DISTINCT on its place in the store.
        engine.materialise(
            Step(
                "line_events",
                """
            SELECT DISTINCT ON (e.import_id, e.line)
                   h.n, CASE WHEN e.a_number = h.n THEN e.b_number ELSE e.a_number END AS other,
                   e.event_type AS k, e.start_time AS t, CAST(epoch(e.start_time) AS BIGINT) AS s
            FROM events e
            JOIN held h ON (e.a_number = h.n OR e.b_number = h.n)
                       AND CAST(epoch(e.start_time) AS BIGINT) >= h.lo
                       AND (h.hi IS NULL OR CAST(epoch(e.start_time) AS BIGINT) <= h.hi)
            WHERE e.event_type IN ('call', 'sms')
            ORDER BY e.import_id, e.line, h.n
            """,
            )
        )
        yield engine
    finally:
        engine.close()


def _files_for(
    db: Session,
    settings: Settings,
    owner_id: uuid.UUID,
    held: Sequence[tuple[str, datetime, datetime | None]],
) -> list[str]:
    """The owner's event files for the days the periods cover (a day either side: UTC files)."""
    if not held:
        return []
    imports = {
        str(i)
        for i in db.scalars(
            select(CommsImport.id).where(
                CommsImport.owner_id == owner_id, CommsImport.kind == "events"
            )
        )
    }
    first = min(start for _, start, _ in held).date() - timedelta(days=1)
    ends = [end for _, _, end in held]
    last = (
        None if None in ends else max(e for e in ends if e is not None).date() + timedelta(days=1)
    )
    return [
        str(f.path)
        for f in store.stored_event_files(settings.data_dir)
        if f.import_id in imports and f.day >= first and (last is None or f.day <= last)
    ]


# --- small conversions ------------------------------------------------------------------------


def _nid(number: str) -> str:
    return f"number:{number}"


def _hid(imei: str) -> str:
    return f"handset:{imei}"


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _iso_date(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _plain(item: Node | Edge) -> dict[str, Any]:
    values = dict(item.__dict__)
    for key in ("valid_from", "valid_to"):
        moment = values[key]
        values[key] = (
            None if moment is None else moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
        )
    return values
