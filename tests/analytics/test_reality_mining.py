"""Line analysis on real call data with lines injected (bench/reality_mining.py).

Real calls have no lines in them: every line reported on them is a false
positive. Skipped when the shared data folder (../shared/data, beside the
repository) is not there.
"""

from __future__ import annotations

import csv
import itertools
import sys
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pytest

from crossline.analytics.pipeline import Result
from crossline.comms import normalise, reading
from crossline.comms.profiles import load_profiles

# The bench script is run as a script, importing its neighbour `common`; load it the same way.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import reality_mining as rm

SEEDS = [1, 2, 3, 4, 5]
pytestmark = pytest.mark.skipif(
    not (rm.DATA / rm.BACKGROUND).exists(),
    reason=f"the real call data are not in {rm.DATA} (../shared/data, outside the repository)",
)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("reality-mining")


@pytest.fixture(scope="module")
def background() -> list[rm.Event]:
    return rm.background_events(rm.DATA / rm.BACKGROUND)


@pytest.fixture(scope="module")
def real(background: list[rm.Event]) -> set[str]:
    return {e.a for e in background} | {e.b for e in background}


@pytest.fixture(scope="module")
def converted(background: list[rm.Event], scratch: Path) -> Path:
    path = scratch / "reality-mining.csv"
    rm.write_events(background, path)
    return path


@pytest.fixture(scope="module")
def real_file(converted: Path, scratch: Path) -> Path:
    target = scratch / "reality-mining.parquet"
    rm.import_events(converted, target)
    return target


@pytest.fixture(scope="module")
def alone(real_file: Path) -> Result:
    return rm.analyse_files([real_file])


@pytest.fixture(scope="module", params=SEEDS, ids=[f"seed-{s}" for s in SEEDS])
def injected(
    request: pytest.FixtureRequest,
    background: list[rm.Event],
    real: set[str],
    real_file: Path,
    scratch: Path,
) -> tuple[list[rm.InjectedLine], Result]:
    seed: int = request.param
    days = [e.start.date() for e in background]
    lines, events = rm.inject_lines(5, seed, sorted(real), min(days), max(days))
    rm.write_events(events, scratch / f"injected-{seed}.csv")
    target = scratch / f"injected-{seed}.parquet"
    assert rm.import_events(scratch / f"injected-{seed}.csv", target) == 0
    return lines, rm.analyse_files([real_file, target])


@pytest.fixture(scope="module")
def friends(real: set[str]) -> list[tuple[str, str]]:
    pairs = [p for p in rm.close_friends(rm.DATA / rm.SURVEY) if set(p) <= real]
    assert pairs
    return pairs


def _source_rows() -> list[dict[str, str]]:
    with (rm.DATA / rm.BACKGROUND).open(newline="") as handle:
        return list(csv.DictReader(handle))


def _found(result: Result) -> set[str]:
    return {n.number for line in result.lines for n in line.numbers}


# --- the conversion ------------------------------------------------------------------------------


def test_the_conversion_gives_one_call_per_background_row(converted: Path) -> None:
    with converted.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == rm.HEADER
    assert len(rows) == len(_source_rows())
    assert {r["event_type"] for r in rows} == {"call"}


def test_each_participant_has_one_uk_mobile_number_in_e164(real: set[str]) -> None:
    ids = {r[side] for r in _source_rows() for side in ("a", "b")}
    assert real == {rm.participant_number(i) for i in ids}
    assert len(real) == len(ids) == 69
    assert all(normalise.e164(n) == n and n.startswith("+447700900") for n in real)


def test_the_import_reader_accepts_every_row_but_same_second_repeats(converted: Path) -> None:
    """A call logged by both phones in the same second is one row repeated: the reader
    keeps the first and quarantines the repeat, as it should. Nothing else is set aside."""
    sniffed = reading.sniff(converted, load_profiles())
    batches = list(reading.batches(converted, sniffed))
    events = pa.concat_tables(b.events for b in batches)
    quarantined = pa.concat_tables(b.quarantine for b in batches).to_pylist()
    source = _source_rows()
    keys = [(r["ts"], r["a"], r["b"], r["duration"]) for r in source]
    repeats = sum(1 for before, row in itertools.pairwise(keys) if before == row)
    assert sniffed.profile.id == "generic"
    assert {r["reason"] for r in quarantined} <= {rm.DUPLICATE}
    assert len(quarantined) == repeats == 4
    assert events.num_rows + len(quarantined) == len(source)
    assert events.column("start_time").null_count == 0


@pytest.mark.parametrize(
    ("recorded", "in_london"),
    [
        # Boston summer time (EDT) until 31 October 2004; London summer time until 27 October.
        ("2004-09-23T19:02:12", "2024-09-26T20:02:12+01:00"),  # a Thursday evening
        ("2004-10-29T22:30:00", "2024-11-01T23:30:00+00:00"),  # a Friday night, in EDT
        ("2004-12-17T21:32:04", "2024-12-20T21:32:04+00:00"),  # a Friday night
        ("2004-10-31T04:15:00", "2024-11-03T04:15:00+00:00"),  # a Sunday, after EST began
    ],
)
def test_times_keep_the_local_time_of_day_and_the_weekday(recorded: str, in_london: str) -> None:
    converted = rm.london_time(recorded)
    assert converted.isoformat() == in_london
    lived = datetime.fromisoformat(recorded).replace(tzinfo=rm.RECORDED_ZONE)
    assert converted.weekday() == lived.astimezone(rm.LIVED_ZONE).weekday()


def test_the_same_seed_injects_the_same_lines(background: list[rm.Event], real: set[str]) -> None:
    days = [e.start.date() for e in background]
    twice = [rm.inject_lines(3, 7, sorted(real), min(days), max(days)) for _ in range(2)]
    assert twice[0] == twice[1]


# --- the analysis --------------------------------------------------------------------------------


def test_no_line_is_reported_on_the_real_calls(alone: Result) -> None:
    assert [line.as_report() for line in alone.lines] == []


def test_every_injected_line_number_is_found(
    injected: tuple[list[rm.InjectedLine], Result],
) -> None:
    lines, result = injected
    assert {n for line in lines for n in line.numbers} <= _found(result)


def test_no_real_number_is_reported_as_a_line_number(
    injected: tuple[list[rm.InjectedLine], Result], real: set[str]
) -> None:
    lines, result = injected
    assert all(line.real_customers for line in lines)  # real people buy from every line
    assert not _found(result) & real


def test_a_line_that_changed_number_is_reported_as_one_line(
    injected: tuple[list[rm.InjectedLine], Result],
) -> None:
    lines, result = injected
    reported = [{n.number for n in line.numbers} for line in result.lines]
    for line in (line for line in lines if len(line.numbers) > 1):
        assert any(set(line.numbers) <= numbers for numbers in reported), line.numbers


def test_close_friends_are_not_reported_as_lines(
    alone: Result, injected: tuple[list[rm.InjectedLine], Result], friends: list[tuple[str, str]]
) -> None:
    for result in (alone, injected[1]):
        found = _found(result)
        assert not [pair for pair in friends if set(pair) & found]
