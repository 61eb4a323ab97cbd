"""Runs after new imports: only the window the new data need, merged with the last run."""

from __future__ import annotations

import csv
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from crossline.analytics import incremental, services
from crossline.auth.actor import Actor
from crossline.comms.services import import_files
from crossline.core.settings import Settings
from tests.analytics.conftest import Events
from tests.factories import actor_of, make_organisation, make_user

# --- deciding what to analyse ---------------------------------------------------------------------

OCT = [date(2025, 10, d) for d in range(1, 32)]
NOV = [date(2025, 11, d) for d in range(1, 15)]


def _plan(earlier: set[str] | None, days_of: dict[str, list[date]], **kw: Any) -> incremental.Plan:
    return incremental.plan(
        earlier_imports=earlier,
        earlier_parameters=kw.get("earlier_parameters", "p"),
        parameters="p",
        days_of={i: set(d) for i, d in days_of.items()},
        lookback_days=kw.get("lookback_days", 28),
    )


def test_new_records_are_analysed_from_the_lookback_before_them() -> None:
    how = _plan({"oct"}, {"oct": OCT, "nov": NOV}, lookback_days=7)
    assert how.incremental
    assert how.window_from == date(2025, 10, 25)


@pytest.mark.parametrize(
    ("earlier", "days_of", "extra", "why"),
    [
        (None, {"oct": OCT}, {}, "first run"),
        ({"oct"}, {"oct": OCT, "nov": NOV}, {"earlier_parameters": "q"}, "parameters changed"),
        ({"oct", "gone"}, {"oct": OCT, "nov": NOV}, {}, "are gone"),
        ({"oct"}, {"oct": OCT}, {}, "no new call records"),
        ({"nov"}, {"nov": NOV, "oct": OCT}, {}, "reach back"),  # a backfill of older data
        ({"oct"}, {"oct": OCT, "nov": NOV}, {"lookback_days": 60}, "reach back"),
    ],
)
def test_all_history_is_analysed_when_the_data_do_not_allow_a_window(
    earlier: set[str] | None, days_of: dict[str, list[date]], extra: dict[str, Any], why: str
) -> None:
    how = _plan(earlier, days_of, **extra)
    assert not how.incremental
    assert why in how.reason


# --- merging -------------------------------------------------------------------------------------


def _line(line_id: str, *numbers: tuple[str, str, str], score: float = 0.9) -> dict[str, Any]:
    return {
        "line_id": line_id,
        "score": score,
        "numbers": [
            {
                "number": n,
                "first_seen": f,
                "last_seen": last,
                "score": score,
                "detected": True,
                "customers": 20,
            }
            for n, f, last in numbers
        ],
        "handsets": [],
        "successor_links": [],
        "roles": [],
        "hub_area": "merseyside",
        "county_area": "west-mercia",
        "detected_on": numbers[0][1][:10],
        "bases": [],
        "signals": [],
    }


def test_a_line_seen_again_keeps_its_id_and_history_and_old_lines_stand() -> None:
    ended = _line("CL-ENDED", ("+447700900001", "2025-09-01T10:00:00Z", "2025-09-20T10:00:00Z"))
    going = _line("CL-GOING", ("+447700900002", "2025-09-10T10:00:00Z", "2025-10-30T10:00:00Z"))
    # the window saw the same number from its start, and the number that took over
    seen = _line(
        "CL-OTHERID",
        ("+447700900002", "2025-10-25T00:10:00Z", "2025-10-31T10:00:00Z"),
        ("+447700900003", "2025-10-31T09:00:00Z", "2025-11-14T10:00:00Z"),
    )
    fresh = _line("CL-FRESH", ("+447700900004", "2025-11-02T10:00:00Z", "2025-11-14T10:00:00Z"))

    merged = {
        line["line_id"]: line
        for line in incremental.merge([ended, going], [seen, fresh], date(2025, 10, 25))
    }

    assert set(merged) == {"CL-ENDED", "CL-GOING", "CL-FRESH"}
    assert merged["CL-ENDED"] == ended
    numbers = merged["CL-GOING"]["numbers"]
    assert [(n["number"], n["first_seen"], n["last_seen"]) for n in numbers] == [
        ("+447700900002", "2025-09-10T10:00:00Z", "2025-10-31T10:00:00Z"),
        ("+447700900003", "2025-10-31T09:00:00Z", "2025-11-14T10:00:00Z"),
    ]
    assert merged["CL-GOING"]["detected_on"] == "2025-09-10"


# --- through the service, on the tiny world ------------------------------------------------------


def _split(events: Events, folder: Path, cutoff: date) -> tuple[list[Path], list[Path]]:
    """Each export cut in two at ``cutoff``: the records before it, and from it on."""
    before, after = [], []
    for path in sorted((events.world / "comms").glob("*.csv")):
        if path.stem.endswith("_cells"):
            before.append(path)
            continue
        with path.open(newline="", encoding="utf-8") as handle:
            text = handle.read().splitlines()
        header, rows = text[0], text[1:]
        parts: tuple[list[str], list[str]] = ([], [])
        for row in rows:
            parts[_day(row) >= cutoff].append(row)
        for part, name, into in ((parts[0], "1", before), (parts[1], "2", after)):
            target = folder / f"{path.stem}_part{name}.csv"
            target.write_text("\n".join([header, *part]) + "\n", encoding="utf-8")
            into.append(target)
    return before, after


def _day(row: str) -> date:
    first = next(csv.reader([row.replace(";", ",")]))[0]
    for form in ("%d/%m/%Y %H:%M:%S", "%Y%m%d"):
        try:
            return datetime.strptime(first, form).date()
        except ValueError:
            continue
    return date.min  # a stray header: with the first part


def _analyst(db: Session) -> Actor:
    force = make_organisation(db, "police_force")
    return actor_of(make_user(db, force, ["intelligence_analyst"]), force)


def _lines(report: dict[str, Any]) -> set[tuple[str, frozenset[str]]]:
    return {
        (line["line_id"], frozenset(n["number"] for n in line["numbers"]))
        for line in report["lines"]
    }


def _people(report: dict[str, Any]) -> set[tuple[str, str, str, bool]]:
    return {
        (line["line_id"], p["number"], p["role"], bool(p.get("possible_child")))
        for line in report["lines"]
        for p in line["roles"]
    }


def test_an_incremental_run_finds_what_a_full_run_finds(
    db: Session, settings: Settings, events: Events, tmp_path: Path
) -> None:
    parameters = tmp_path / "parameters.yaml"
    parameters.write_text("incremental_lookback_days: 7\n", encoding="utf-8")
    cutoff = date(2025, 11, 3)  # the world runs from 13 October for 28 days
    before, after = _split(events, tmp_path, cutoff)

    step_by_step = _analyst(db)
    import_files(db, step_by_step, settings.data_dir, before, authorisation="OCDA-TEST-1")
    first = services.run_analysis(db, step_by_step, settings, parameters_file=parameters)
    import_files(db, step_by_step, settings.data_dir, after, authorisation="OCDA-TEST-2")
    second = services.run_analysis(db, step_by_step, settings, parameters_file=parameters)

    all_at_once = _analyst(db)
    import_files(db, all_at_once, settings.data_dir, before + after, authorisation="OCDA-TEST-3")
    full = services.run_analysis(db, all_at_once, settings, parameters_file=parameters)

    scope = services.report_of(second)["run"]
    assert services.report_of(first)["run"]["mode"] == "full"
    assert scope["mode"] == "incremental"
    assert scope["window_from"] == (cutoff - timedelta(days=7)).isoformat()
    assert scope["based_on"] == str(first.id)
    assert second.events < full.events  # only the window was read again
    # the same lines with the same numbers as a run over everything
    assert _lines(services.report_of(second)) == _lines(services.report_of(full))
    # and everyone the last run named, with every child flag it raised, still there;
    # roles from the window are added to them (docs/analysis.md, Incremental runs)
    assert _people(services.report_of(first)) <= _people(services.report_of(second))
