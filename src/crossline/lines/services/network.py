"""The line page's network chart: the line, its numbers, handsets and people, and what joins
them; the filter by date, and expanding a number to its most frequent contacts.

Read for the API by line id through ``get_line`` (``lines.read``, the line's own
rules; audited as reading the line), and for the line's page from the line the
page has just read and audited once. Contact between people and numbers comes
from the line owner's own comms data only (``line_events``).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

import pyarrow as pa
from sqlalchemy.orm import Session

from crossline.analytics.models import Finding
from crossline.auth.actor import Actor
from crossline.comms.normalise import e164
from crossline.core.errors import InvalidInput, NotFound
from crossline.core.settings import Settings
from crossline.lines.models import Line, LinePerson
from crossline.lines.services.line_events import Period, line_events
from crossline.lines.services.reading import get_line

CONTACTS_DEFAULT = 10
CONTACTS_MAX = 25  # an expansion shows the most frequent contacts, never a whole call log
_Contact = tuple[str, int, datetime, datetime]  # a line number, events, first, last
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
    return network_of(db, settings, get_line(db, actor, line_id, via=via), window)


def network_of(
    db: Session, settings: Settings, line: Line, window: Window | None = None
) -> Network:
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
    evidence = _finding_evidence(db, line)
    nodes, edges = _numbers_and_handsets(line, line_node.id, evidence)
    edges.extend(_successions(line, evidence))
    people, contact = _people(line, line_node.id, _people_contacts(db, settings, line))
    whole = Network(_unique([line_node, *nodes, *people]), edges + contact)
    return whole.within(window or Window())


def _numbers_and_handsets(
    line: Line, line_node: str, evidence: dict[str, Any] | None
) -> tuple[list[Node], list[Edge]]:
    """Nodes of the line's numbers and handsets; edges of its use of them and who carried what.

    A handset is joined to the line itself only when no number is joined to it.
    """
    nodes = [
        Node(_nid(n.number), "number", n.number, n.valid_from, n.valid_to, number=n.number)
        for n in sorted(line.numbers, key=lambda n: (n.valid_from, n.number))
    ]
    nodes += [
        Node(_hid(h.imei), "handset", f"IMEI {h.imei}", h.valid_from, h.valid_to)
        for h in line.handsets
    ]
    edges = [
        Edge(f"used:{n.id}", line_node, _nid(n.number), "used", "used", n.valid_from, n.valid_to)
        for n in line.numbers
    ]
    carried = _carried(line, evidence)
    carrying = {edge.target for edge in carried}
    edges += carried
    edges += [
        Edge(f"used:{h.id}", line_node, _hid(h.imei), "used", "used", h.valid_from, h.valid_to)
        for h in line.handsets
        if _hid(h.imei) not in carrying
    ]
    return nodes, edges


def _people(
    line: Line, line_node: str, contacts: dict[str, list[_Contact]]
) -> tuple[list[Node], list[Edge]]:
    """A node for each person, joined to the numbers they were in contact with, or the line."""
    nodes: list[Node] = []
    edges: list[Edge] = []
    for person in line.people:
        node = _person_node(person)
        nodes.append(node)
        found = contacts.get(person.number, [])
        edges += [
            Edge(f"contact:{person.id}:{number}", node.id, _nid(number), "in_contact",
                 f"{events} events", first, last, events)
            for number, events, first, last in found
        ]  # fmt: skip
        if not found:
            edges.append(Edge(f"on:{person.id}", node.id, line_node, "on_line", person.role))
    return nodes, edges


def _person_node(person: LinePerson) -> Node:
    role = person.role + (", possible child" if person.possible_child else "")
    return Node(
        f"person:{person.id}",
        "person",
        f"{person.number} ({role})",
        role=person.role,
        possible_child=person.possible_child,
        number=person.number,
    )


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


def _people_contacts(db: Session, settings: Settings, line: Line) -> dict[str, list[_Contact]]:
    """For each person's number: (line number, events, first, last) of their contact with it."""
    people = sorted({p.number for p in line.people})
    if not people:
        return {}
    found: dict[str, list[_Contact]] = {}
    with line_events(db, settings, line) as engine:
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
    return contacts_of(db, settings, get_line(db, actor, line_id, via=via), raw_number, limit)


def contacts_of(
    db: Session, settings: Settings, line: Line, raw_number: str, limit: int = CONTACTS_DEFAULT
) -> Contacts:
    """The most frequent contacts of one of a line already read (and audited), as above."""
    number = e164(raw_number)
    periods = _periods_of(line, number) if number else []
    if number is None or not periods:
        raise NotFound(NOT_ON_LINE)
    found: list[Contact] = []
    with line_events(db, settings, line, periods) as engine:
        if engine is not None:
            for row in engine.fetch(
                "SELECT other, count(*) AS events, min(t) AS first, max(t) AS last "  # noqa: S608
                "FROM line_events WHERE other <> n "
                f"GROUP BY other ORDER BY events DESC, other LIMIT {int(min(limit, CONTACTS_MAX))}"
            ).to_pylist():
                found.append(
                    Contact(
                        row["other"], int(row["events"]), _aware(row["first"]), _aware(row["last"])
                    )
                )
    return Contacts(number, limit, found)


def _periods_of(line: Line, number: str) -> list[Period]:
    own = [(n.number, n.valid_from, n.valid_to) for n in line.numbers if n.number == number]
    if own or number not in {p.number for p in line.people}:
        return own
    starts = [n.valid_from for n in line.numbers]
    ends = [n.valid_to for n in line.numbers]
    start = min(starts, default=line.created_at)
    end = None if not ends or None in ends else max(e for e in ends if e is not None)
    return [(number, start, end)]


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
