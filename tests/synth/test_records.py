"""The records agree with the truth: every defect is counted, every line shows its behaviour."""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.synth.conftest import (
    Record,
    World,
    export_files,
    layout_of,
    luhn_ok,
    parse,
    raw_rows,
    truth_rows,
)

UTC_DAY = 86_400


def _found_defects(path: Path) -> dict[int, str]:
    """Each line of an export that an importer must flag, found by looking, not by the truth."""
    layout = layout_of(path)
    found: dict[int, str] = {}
    previous: list[str] | None = None
    imei_at = next(i for i, c in enumerate(layout.columns) if c.field == "imei")
    for line, fields in raw_rows(path):
        if fields == layout.header.split(layout.delimiter):
            found[line] = "stray_header"
        elif len(fields) != len(layout.columns):
            found[line] = "truncated_row"
        elif fields == previous:
            found[line] = "duplicate_row"
        elif parse(path, fields) is None and fields[imei_at] and not luhn_ok(fields[imei_at]):
            found[line] = "invalid_imei"
        elif parse(path, fields) is None:
            found[line] = "impossible_date"
        previous = fields
    return found


def test_every_defect_in_the_exports_is_in_the_truth_and_nothing_else(tiny: World) -> None:
    truth: dict[tuple[str, int], str] = {
        (row["file"], int(row["line"])): row["kind"]
        for row in truth_rows(tiny.path, "defects.csv")
        if row["kind"] != "ambiguous_local_time"
    }
    found = {
        (path.name, line): kind
        for path in export_files(tiny.path)
        for line, kind in _found_defects(path).items()
    }
    assert found == truth
    kinds = Counter(truth.values())
    assert set(kinds) == {
        "stray_header",
        "truncated_row",
        "duplicate_row",
        "invalid_imei",
        "impossible_date",
    }
    assert kinds == Counter(
        {k: v for k, v in tiny.summary.defects_by_kind.items() if k != "ambiguous_local_time"}
    )


def test_rows_in_the_repeated_hour_are_counted(tiny: World) -> None:
    flagged = {
        (row["file"], int(row["line"]))
        for row in truth_rows(tiny.path, "defects.csv")
        if row["kind"] == "ambiguous_local_time"
    }
    assert flagged
    for path in export_files(tiny.path):
        for line, fields in raw_rows(path):
            record = parse(path, fields)
            if record is None:
                continue
            local = datetime.fromtimestamp(record.at, ZoneInfo("Europe/London"))
            repeated = local.date() == date(2025, 10, 26) and local.hour == 1
            if (path.name, line) in flagged:
                assert repeated, (path.name, line)
            elif repeated:
                pytest.fail(f"{path.name}:{line} is in the repeated hour but not flagged")


def test_exports_use_two_layouts_with_their_own_formats(tiny: World) -> None:
    a, b = (
        next(p for p in export_files(tiny.path) if p.name.startswith(op))
        for op in ("operator_a", "operator_b")
    )
    first_a = next(raw_rows(a))[1]
    first_b = next(raw_rows(b))[1]
    assert first_a[1].startswith("07")
    assert "/" in first_a[0]
    assert first_b[2].lstrip("+").startswith("447")
    assert len(first_b[0]) == 8
    numbers_b = [fields[3] for _, fields in raw_rows(b) if len(fields) > 3]
    assert any(n.startswith("+") for n in numbers_b)
    assert any(n.startswith("44") for n in numbers_b)


def _by_number(records: list[Record]) -> tuple[dict[str, list[Record]], dict[str, list[Record]]]:
    sent: dict[str, list[Record]] = defaultdict(list)
    received: dict[str, list[Record]] = defaultdict(list)
    for r in records:
        sent[r.a].append(r)
        received[r.b].append(r)
    return sent, received


def _day(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=ZoneInfo("Europe/London")).timestamp())


def test_every_line_number_shows_a_lines_behaviour(tiny: World, records: list[Record]) -> None:
    sent, received = _by_number(records)
    for row in truth_rows(tiny.path, "line_numbers.csv"):
        number, days = (
            row["number"],
            (date.fromisoformat(row["last_day"]) - date.fromisoformat(row["first_day"])).days + 1,
        )
        first, last = _day(row["first_day"]), _day(row["last_day"]) + UTC_DAY + 2 * 3600
        ins, outs = received[number], sent[number]
        assert all(first <= r.at < last for r in ins + outs), f"{number} used outside its days"
        customers = {r.a for r in ins}
        assert len(customers) >= min(10, 2 * days), f"{number}: too few customers"
        # Broadcasts: texts from the number to many customers within two minutes.
        texts = sorted(r.at for r in outs if r.kind == "sms")
        burst = max((sum(1 for t in texts if s <= t < s + 120) for s in texts), default=0)
        if days >= 5:
            assert burst >= 10, f"{number}: no broadcast"
        # Orders are short and reach into the night.
        calls = [r.duration for r in ins if r.kind == "call"]
        assert not calls or sorted(calls)[len(calls) // 2] < 90
        assert {r.imei for r in outs if r.imei} == {row["imei"]}


def test_a_new_number_texts_the_old_numbers_customers(tiny: World, records: list[Record]) -> None:
    sent, received = _by_number(records)
    numbers = defaultdict(list)
    for row in truth_rows(tiny.path, "line_numbers.csv"):
        numbers[row["line_id"]].append(row)
    checked = 0
    for rows in numbers.values():
        for old, new in itertools.pairwise(rows):
            old_customers = {r.a for r in received[old["number"]]}
            texted = {r.b for r in sent[new["number"]] if r.kind == "sms"}
            assert len(old_customers & texted) >= 0.5 * len(old_customers)
            checked += 1
    assert checked >= 1


def _sites(world: Path) -> dict[str, tuple[str, str]]:
    """Each network's cell ids mapped to the site's coordinates (the networks share sites)."""
    sites: dict[str, tuple[str, str]] = {}
    for path in sorted((world / "comms").glob("operator_*_cells.csv")):
        for line in path.read_text().splitlines()[1:]:
            cell, lat, lon = line.split(",")
            sites[cell] = (lat, lon)
    return sites


def test_runners_phones_sit_with_the_deal_handset(tiny: World, records: list[Record]) -> None:
    people = {row["person_id"]: row for row in truth_rows(tiny.path, "people.csv")}
    site = _sites(tiny.path)
    deal_cells: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for row in truth_rows(tiny.path, "line_numbers.csv"):
        deal_cells[row["line_id"]] |= {site[r.a_cell] for r in records if r.a == row["number"]}
    lines = {row["line_id"]: row for row in truth_rows(tiny.path, "lines.csv")}
    colocated = 0
    for trip in truth_rows(tiny.path, "trips.csv"):
        if lines[trip["line_id"]]["run_from_hub"] == "True":
            continue
        phone = people[trip["person_id"]]["number"]
        start = int(datetime.fromisoformat(trip["departed"]).timestamp())
        end = int(datetime.fromisoformat(trip["returned"]).timestamp())
        cells = {site[r.a_cell] for r in records if r.a == phone and start <= r.at < end}
        colocated += bool(cells & deal_cells[trip["line_id"]])
    assert colocated >= 0.6 * len(truth_rows(tiny.path, "trips.csv"))


def test_many_distinct_contacts_does_not_find_the_lines(tiny: World, records: list[Record]) -> None:
    """The one-liner "many distinct contacts means a line" must score poorly."""
    contacts: dict[str, set[str]] = defaultdict(set)
    for r in records:
        contacts[r.a].add(r.b)
        contacts[r.b].add(r.a)
    lines = {row["number"] for row in truth_rows(tiny.path, "line_numbers.csv")}
    ranked = sorted(contacts, key=lambda n: (-len(contacts[n]), n))
    top = ranked[: len(lines)]
    precision = len(set(top) & lines) / len(top)
    assert precision < 0.5, f"the naive rule is too good: precision {precision:.2f}"


def test_lines_are_a_small_fraction_of_numbers(tiny: World, records: list[Record]) -> None:
    numbers = {r.a for r in records} | {r.b for r in records}
    lines = {row["number"] for row in truth_rows(tiny.path, "line_numbers.csv")}
    assert len(lines & numbers) == len(lines)
    assert len(lines) / len(numbers) < 0.02


def test_children_run_for_lines_and_go_missing(tiny: World) -> None:
    runners = [r for r in truth_rows(tiny.path, "line_people.csv") if r["role"] == "runner"]
    children = [r for r in runners if int(r["age_at_start"]) < 18]
    assert children, "some runners are children"
    assert len(children) < len(runners), "and some are young adults"
    assert all(14 <= int(r["age_at_start"]) <= 24 for r in runners)
    episodes = [
        r
        for r in truth_rows(tiny.path, "agency_records.csv")
        if r["file"] == "missing_episodes.csv"
    ]
    assert episodes
    assert {e["person_id"] for e in episodes} <= {c["person_id"] for c in children}
