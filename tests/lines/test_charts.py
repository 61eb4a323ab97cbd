"""The line page's charts: heat map counts, the network and its date filter, expanding a
number, the areas; tenant isolation and audit of their API; the page without JavaScript."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from crossline.analytics.models import Finding
from crossline.audit.models import AuditEntry
from crossline.auth.actor import Actor
from crossline.comms.services import import_files
from crossline.core.errors import InvalidInput, NotFound
from crossline.core.settings import Settings
from crossline.lines import services
from crossline.lines.models import Line
from crossline.lines.schemas import FindingConfirm, LineCreate
from crossline.lines.services import charts
from crossline.lines.services import network as network_module
from crossline.lines.services.network import (
    CONTACTS_MAX,
    Network,
    Window,
    line_network,
    number_contacts,
)
from tests.factories import make_organisation, make_user
from tests.lines.conftest import Force, analysed, record_line
from tests.lines.test_routes import _user_of, signed_in

N1 = "+447700900001"  # the line's first number, 1 to 31 October 2025
N2 = "+447700900002"  # its successor, from 20 October 2025, still in use
C1, C2, C3 = "+447700900101", "+447700900102", "+447700900103"  # customers
P1 = "+447700900201"  # a runner on the line, a possible child
IMEI = "357442090888655"
GENERIC = "start_time,a_number,b_number,event_type,duration_s,a_imei,a_cell,b_cell"

# UTC times. British Summer Time ended at 01:00 UTC on 26 October 2025.
EVENTS_A = [
    ("2025-10-06T09:15:00Z", N1, C1, "call", 30),  # Monday 10:xx BST
    ("2025-10-06T09:45:00Z", C1, N1, "sms", 0),  # Monday 10:xx BST
    ("2025-11-03T09:15:00Z", C2, N2, "sms", 0),  # Monday 09:xx GMT
    ("2025-11-03T09:20:00Z", N1, C3, "call", 40),  # N1's period is over: not counted
    ("2025-10-25T23:30:00Z", N2, N1, "call", 20),  # Sunday 00:30 BST; two line numbers: once
    ("2025-09-20T12:00:00Z", C1, N1, "sms", 0),  # before N1's period: not counted
    ("2025-10-07T12:00:00Z", N1, C1, "data", 0),  # not a call or a text
    ("2025-10-08T12:00:00Z", C2, C3, "call", 10),  # not the line's
    ("2025-10-10T18:00:00Z", P1, N1, "call", 50),  # Friday 19:00 BST
    ("2025-10-11T18:00:00Z", N1, P1, "sms", 0),  # Saturday 19:00 BST
]
EVENTS_B = [("2025-10-06T09:30:00Z", N1, C1, "call", 30)]  # force B's own data: never A's chart


def _import(
    db: Session,
    actor: Actor,
    settings: Settings,
    tmp_path: Path,
    name: str,
    rows: list[tuple[str, str, str, str, int]],
) -> None:
    path = tmp_path / f"{name}.csv"
    lines = [GENERIC] + [f"{t},{a},{b},{k},{d},,," for t, a, b, k, d in rows]
    path.write_text("\n".join(lines) + "\n", "utf-8")
    report = import_files(db, actor, settings.data_dir, [path], authorisation="OCDA-CHARTS-1")
    assert report.rows_imported == len(rows), report


@pytest.fixture
def line(db: Session, settings: Settings, force_a: Force, force_b: Force, tmp_path: Path) -> Line:
    """Force A's line N1 then N2, a handset and a runner, with A's and B's events imported."""
    _import(db, force_a.analyst, settings, tmp_path, "a", EVENTS_A)
    _import(db, force_b.analyst, settings, tmp_path, "b", EVENTS_B)
    return services.create_line(
        db,
        force_a.analyst,
        LineCreate.model_validate(
            {
                "reference": "A-CHART-1",
                "status": "confirmed",
                "hub_area": "merseyside",
                "county_area": "west-mercia",
                "numbers": [
                    {
                        "number": N1,
                        "valid_from": "2025-10-01T00:00:00Z",
                        "valid_to": "2025-10-31T12:00:00Z",
                    },
                    {"number": N2, "valid_from": "2025-10-20T00:00:00Z"},
                ],
                "handsets": [{"imei": IMEI, "valid_from": "2025-10-01T00:00:00Z"}],
                "people": [{"number": P1, "role": "runner", "possible_child": True}],
            }
        ),
    )


def _consultations(db: Session, line: Line) -> list[tuple[str, str]]:
    entries = db.scalars(
        select(AuditEntry).where(AuditEntry.record_id == str(line.id)).order_by(AuditEntry.seq)
    ).all()
    return [(e.operation, e.via) for e in entries if e.operation == "consultation"]


# --- the heat map -----------------------------------------------------------------------------


def test_heat_map_counts_each_call_and_text_of_the_line_numbers_in_their_periods_by_uk_day_and_hour(
    db: Session, settings: Settings, force_a: Force, line: Line
) -> None:
    activity = charts.line_activity(db, force_a.analyst, settings, line.id)
    monday, friday, saturday, sunday = 0, 4, 5, 6
    expected = {(monday, 10): 2, (monday, 9): 1, (sunday, 0): 1, (friday, 19): 1, (saturday, 19): 1}
    found = {
        (day, hour): count
        for day, hours in enumerate(activity.counts)
        for hour, count in enumerate(hours)
        if count
    }
    assert found == expected
    assert (activity.calls, activity.texts, activity.total) == (3, 3, 6)
    assert activity.time_zone == "Europe/London"
    assert activity.busiest == 2
    assert [activity.shade(0), activity.shade(1), activity.shade(2)] == [0, 2, 4]


def test_heat_map_of_a_line_whose_numbers_have_no_events_is_empty(
    db: Session, settings: Settings, force_a: Force, line: Line
) -> None:
    quiet = record_line(db, force_a.analyst, "A-QUIET", ["+447700900999"])
    activity = charts.line_activity(db, force_a.analyst, settings, quiet.id)
    assert activity.total == 0
    assert all(count == 0 for day in activity.counts for count in day)


# --- the network ----------------------------------------------------------------------------------


def _ids(network: Network) -> tuple[set[str], set[tuple[str, str, str]]]:
    return {n.id for n in network.nodes}, {(e.kind, e.source, e.target) for e in network.edges}


def test_network_joins_numbers_handset_successor_and_person_by_their_contact(
    db: Session, settings: Settings, force_a: Force, line: Line
) -> None:
    network = line_network(db, force_a.analyst, settings, line.id)
    person = next(n for n in network.nodes if n.kind == "person")
    nodes, edges = _ids(network)
    assert nodes == {
        f"line:{line.id}",
        f"number:{N1}",
        f"number:{N2}",
        f"handset:{IMEI}",
        person.id,
    }
    assert person.role == "runner"
    assert person.possible_child
    assert person.number == P1
    assert edges == {
        ("used", f"line:{line.id}", f"number:{N1}"),
        ("used", f"line:{line.id}", f"number:{N2}"),
        ("carried", f"number:{N1}", f"handset:{IMEI}"),  # periods overlap
        ("carried", f"number:{N2}", f"handset:{IMEI}"),
        ("succeeded_by", f"number:{N1}", f"number:{N2}"),
        ("in_contact", person.id, f"number:{N1}"),  # two events in N1's period
    }
    contact = next(e for e in network.edges if e.kind == "in_contact")
    assert contact.events == 2


def test_date_filter_keeps_what_was_in_use_between_the_dates(
    db: Session, settings: Settings, force_a: Force, line: Line
) -> None:
    after = line_network(db, force_a.analyst, settings, line.id, Window.of(date(2025, 11, 1), None))
    nodes, edges = _ids(after)
    assert f"number:{N1}" not in nodes
    assert f"number:{N2}" in nodes
    assert {kind for kind, _, _ in edges} == {"used", "carried"}  # N1's edges went with it
    before = line_network(
        db, force_a.analyst, settings, line.id, Window.of(None, date(2025, 10, 15))
    )
    nodes, _ = _ids(before)
    assert f"number:{N1}" in nodes
    assert f"number:{N2}" not in nodes
    with pytest.raises(InvalidInput) as refused:
        Window.of(date(2025, 11, 2), date(2025, 11, 1))
    assert refused.value.errors == {
        "to": "The 'to' date must be the same as or after the 'from' date."
    }


def test_network_of_a_confirmed_finding_has_its_numbers_handsets_people_and_pairs(
    db: Session, settings: Settings, force_a: Force, tiny_world: Path
) -> None:
    run = analysed(db, force_a.analyst, settings, tiny_world)
    finding = db.scalars(
        select(Finding)
        .where(Finding.run_id == run.id, Finding.kind == "line")
        .order_by(Finding.score.desc(), Finding.line_id)
    ).first()
    assert finding is not None
    entry = json.loads(finding.detail)
    line = services.confirm_finding(db, force_a.analyst, FindingConfirm(finding_id=finding.id))
    network = line_network(db, force_a.analyst, settings, line.id)
    numbers = {n.label for n in network.nodes if n.kind == "number"}
    assert numbers == {n["number"] for n in entry["numbers"]}
    assert {n.label for n in network.nodes if n.kind == "handset"} == {
        f"IMEI {h['imei']}" for h in entry["handsets"]
    }
    working = [r for r in entry["roles"] if r["role"] in {"controller", "runner", "cuckooed"}]
    assert sorted(str(n.number) for n in network.nodes if n.kind == "person") == sorted(
        r["number"] for r in working
    )
    carried = {(e.source, e.target) for e in network.edges if e.kind == "carried"}
    assert carried == {(f"number:{h['number']}", f"handset:{h['imei']}") for h in entry["handsets"]}
    successions = {(e.source, e.target) for e in network.edges if e.kind == "succeeded_by"}
    assert successions == {
        (f"number:{s['from']}", f"number:{s['to']}") for s in entry["successor_links"]
    }
    # The tiny world's data hold the runners' and controllers' contact with the line.
    assert any(e.kind == "in_contact" for e in network.edges) == bool(working)
    activity = charts.activity(db, settings, line)
    assert activity.total > 0


# --- expanding a number ------------------------------------------------------------------------


def test_expanding_a_number_gives_its_most_frequent_contacts_within_its_period_up_to_the_limit(
    db: Session, settings: Settings, force_a: Force, line: Line
) -> None:
    found = number_contacts(db, force_a.analyst, settings, line.id, "07700 900001")
    assert found.number == N1
    assert [(c.number, c.events) for c in found.contacts] == [(C1, 2), (P1, 2), (N2, 1)]
    two = number_contacts(db, force_a.analyst, settings, line.id, N1, limit=2)
    assert [c.number for c in two.contacts] == [C1, P1]
    person = number_contacts(db, force_a.analyst, settings, line.id, P1)
    assert [(c.number, c.events) for c in person.contacts] == [(N1, 2)]
    for limit in (0, CONTACTS_MAX + 1):
        with pytest.raises(InvalidInput):
            number_contacts(db, force_a.analyst, settings, line.id, N1, limit=limit)
    with pytest.raises(NotFound):  # a customer is not on the line: no lookup of any number
        number_contacts(db, force_a.analyst, settings, line.id, C1)


# --- the areas ----------------------------------------------------------------------------------


def test_areas_are_keyed_as_the_boundary_file_keys_them(
    db: Session, force_a: Force, line: Line
) -> None:
    areas = charts.line_areas(db, force_a.analyst, line.id)
    assert areas.hub is not None
    assert areas.county is not None
    assert (areas.hub.force_id, areas.hub.area_code) == ("merseyside", "E23000004")
    assert areas.county.force_id == "west-mercia"
    from crossline.orgs.reference import boundaries

    codes = {f["properties"]["code"] for f in boundaries("force_areas")["features"]}
    assert {areas.hub.area_code, areas.county.area_code} <= codes
    assert not areas.is_local


# --- the API: tenant isolation and audit ------------------------------------------------------


def _chart_paths(line: Line) -> list[str]:
    return [
        f"/api/lines/{line.id}/activity",
        f"/api/lines/{line.id}/network?from=2025-10-01&to=2025-10-31",
        f"/api/lines/{line.id}/contacts?number={N1.replace('+', '%2B')}&limit=2",
        f"/api/lines/{line.id}/areas",
    ]


def test_chart_api_is_the_owners_and_coordinators_only_and_each_read_is_audited(
    app: FastAPI, db: Session, force_a: Force, force_b: Force, line: Line
) -> None:
    coordinator = make_user(
        db, make_organisation(db, "national_coordination_centre"), ["national_coordinator"]
    )
    before = len(_consultations(db, line))
    with signed_in(app, _user_of(db, force_b)) as b:
        for path in _chart_paths(line):
            refused = b.get(path)
            assert refused.status_code == 404, path
            assert refused.headers["content-type"].startswith("application/problem+json")
    assert len(_consultations(db, line)) == before  # nothing was read
    with signed_in(app, _user_of(db, force_a)) as a, signed_in(app, coordinator) as c:
        for client in (a, c):
            answers = [client.get(path) for path in _chart_paths(line)]
            assert [r.status_code for r in answers] == [200] * 4, [r.text for r in answers]
            activity, network, contacts, areas = (r.json() for r in answers)
            assert activity["total"] == 6
            assert activity["counts"][0][10] == 2
            assert {n["id"] for n in network["nodes"]} >= {f"number:{N1}", f"number:{N2}"}
            assert network["since"] == "2025-10-01"
            assert [x["number"] for x in contacts["contacts"]] == [C1, P1]
            assert areas["hub"]["area_code"] == "E23000004"
            assert areas["local"] is False
    db.expire_all()
    assert _consultations(db, line)[before:] == [("consultation", "api")] * 8


def test_chart_api_refuses_bad_filters_and_limits(
    app: FastAPI, db: Session, force_a: Force, line: Line
) -> None:
    with signed_in(app, _user_of(db, force_a)) as a:
        backwards = a.get(f"/api/lines/{line.id}/network?from=2025-11-02&to=2025-11-01")
        assert backwards.status_code == 422
        assert "to" in backwards.json()["errors"]
        assert a.get(f"/api/lines/{line.id}/network?from=yesterday").status_code == 422
        assert (
            a.get(f"/api/lines/{line.id}/contacts?number={C1.replace('+', '%2B')}").status_code
            == 404
        )
        assert (
            a.get(f"/api/lines/{line.id}/contacts?number=%2B447700900001&limit=26").status_code
            == 422
        )


# --- the page without JavaScript ------------------------------------------------------------


def _table(html: str, table_id: str) -> str:
    start = html.index(f'id="{table_id}"')
    return html[start : html.index("</table>", start)]


def test_line_page_shows_the_heat_map_table_the_network_tables_and_the_areas(
    app: FastAPI, db: Session, force_a: Force, line: Line
) -> None:
    with signed_in(app, _user_of(db, force_a)) as a:
        page = a.get(f"/lines/{line.id}")
        assert page.status_code == 200
        html = page.text
        assert "Calls and texts of the line's numbers by day of the week" in html
        assert re.search(r'crossline-heatmap__cell--4">2</td>', html)
        assert "3 calls and 3 texts" in html
        assert N1 in _table(html, "network-nodes")
        assert "succeeded by" in _table(html, "network-edges")
        assert "Hub: Merseyside Police (Merseyside)" in " ".join(html.split())
        assert 'src="/assets/line-charts.js"' in html
        assert "<script>" not in html
        assert "style=" not in html
        filtered = a.get(f"/lines/{line.id}?from=2025-11-01")
        assert N1 not in _table(filtered.text, "network-nodes")
        assert N2 in _table(filtered.text, "network-nodes")
        refused = a.get(f"/lines/{line.id}?from=2025-11-02&to=2025-11-01")
        assert refused.status_code == 422
        assert "govuk-error-summary" in refused.text
        assert N1 in _table(refused.text, "network-nodes")  # unfiltered, with the error
        expanded = a.get(f"/lines/{line.id}", params={"expand": N1})
        contacts = _table(expanded.text, "network-contacts")
        assert f"Most frequent contacts of {N1}" in contacts
        assert re.findall(r"<td[^>]*>(\+44\d+)</td><td[^>]*>(\d+)</td>", contacts) == [
            (C1, "2"),
            (P1, "2"),
            (N2, "1"),
        ]
        not_on_line = a.get(f"/lines/{line.id}", params={"expand": C1})
        assert not_on_line.status_code == 422
        assert network_module.NOT_ON_LINE.replace("'", "&#39;") in not_on_line.text
        assert "govuk-error-summary" in not_on_line.text
    with signed_in(app, _user_of(db, force_a)) as a:
        quiet = record_line(db, force_a.analyst, "A-QUIET", ["+447700900999"])
        assert "No calls or texts of this line" in a.get(f"/lines/{quiet.id}").text
