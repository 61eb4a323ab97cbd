"""Following a line across numbers, on events written by hand for each case.

The tiny world shows successors work on a whole world; these cases pin down the
rules: a new number is joined to the line it took over from even before it has a
customer base of its own, the chain goes number to next number rather than
skipping one, and a rival in the same town is not joined.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from crossline.analytics.engines import DuckDBEngine
from crossline.analytics.parameters import Parameters
from crossline.analytics.pipeline import Result, analyse, empty_cells
from crossline.comms.store import EVENT_SCHEMA

START = datetime(2025, 10, 6, tzinfo=UTC)  # a Monday


def _number(prefix: int, i: int) -> str:
    return f"+44770090{prefix}{i:03d}"


class _Events:
    def __init__(self) -> None:
        self.rows: list[dict[str, object]] = []

    def add(self, when: datetime, a: str, b: str, kind: str, duration: int = 0) -> None:
        self.rows.append(
            {
                "import_id": "hand",
                "line": len(self.rows) + 1,
                "start_time": when,
                "a_number": a,
                "b_number": b,
                "event_type": kind,
                "duration_s": duration,
                "a_imei": None,
                "a_tac": None,
                "a_cell": None,
                "b_cell": None,
            }
        )

    def deal(self, line: str, customers: list[str], days: range, returning: int) -> None:
        """``line`` broadcasts to ``customers`` each day; the first ``returning`` order from it."""
        for day in days:
            morning = START + timedelta(days=day, hours=11)
            for k, customer in enumerate(customers):
                self.add(morning + timedelta(seconds=2 * k), line, customer, "sms")
            for k, customer in enumerate(customers[:returning]):
                if (k + day) % 2 == 0:
                    evening = START + timedelta(days=day, hours=20, minutes=k)
                    self.add(evening, customer, line, "sms")
                    self.add(evening + timedelta(minutes=1), customer, line, "call", 35)

    def write(self, folder: Path) -> list[str]:
        path = folder / "events.parquet"
        pq.write_table(pa.Table.from_pylist(self.rows, schema=EVENT_SCHEMA), path)
        return [str(path)]


def _analyse(events: _Events, folder: Path, parameters: Parameters) -> Result:
    engine = DuckDBEngine(parameters.time_zone)
    try:
        return analyse(engine, events.write(folder), empty_cells(), parameters)
    finally:
        engine.close()


def test_a_new_number_joins_its_line_before_it_has_customers_of_its_own(
    tmp_path: Path, parameters: Parameters
) -> None:
    customers = [_number(1, i) for i in range(30)]
    newcomers = [_number(2, i) for i in range(2)]
    first, second, third, fourth = (_number(5, i) for i in range(1, 5))
    events = _Events()
    events.deal(first, customers, range(0, 10), returning=30)
    # two short-lived numbers in a row, each three days: few customers come back to
    # either, and the first of them finds two new ones
    events.deal(second, newcomers + customers, range(10, 13), returning=6)
    events.deal(third, customers, range(13, 16), returning=4)
    events.deal(fourth, customers, range(16, 30), returning=30)

    result = _analyse(events, tmp_path, parameters)

    assert len(result.lines) == 1
    line = result.lines[0]
    assert [n.number for n in line.numbers] == [first, second, third, fourth]
    detected = {n.number: n.detected for n in line.numbers}
    assert detected == {first: True, second: False, third: False, fourth: True}
    # number to next number, never skipping one though all share the customer list
    assert [(link["from"], link["to"]) for link in line.links] == [
        (first, second),
        (second, third),
        (third, fourth),
    ]
    assert [link["audience_in_common"] for link in line.links] == [30, 30, 30]


def test_a_rival_in_the_same_town_is_a_line_of_its_own(
    tmp_path: Path, parameters: Parameters
) -> None:
    town = [_number(1, i) for i in range(60)]
    ours, rivals = town[:30], town[25:55]  # five customers buy from both
    line, rival = _number(5, 1), _number(6, 1)
    events = _Events()
    events.deal(line, ours, range(0, 12), returning=30)
    events.deal(rival, rivals, range(12, 30), returning=30)

    result = _analyse(events, tmp_path, parameters)

    assert sorted([n.number for n in found.numbers] for found in result.lines) == [
        [line],
        [rival],
    ]


def test_a_line_is_detected_on_the_day_its_evidence_first_meets_the_bar(
    tmp_path: Path, parameters: Parameters
) -> None:
    customers = [_number(1, i) for i in range(30)]
    events = _Events()
    events.deal(_number(5, 1), customers, range(0, 10), returning=30)

    (line,) = _analyse(events, tmp_path, parameters).lines

    # half the customers order on even days, half on odd: by the end of the third
    # day fifteen have come back on two days, and three days of broadcasts are in
    assert line.detected_on == (START + timedelta(days=2)).date()
    assert line.as_report()["detected_on"] == "2025-10-08"
