"""Writing a day's events as each operator's export, with realistic defects.

Each operator's records go into files of ``file_days`` days, with the
operator's own columns, time format, number format and codes. A small share
of rows is damaged the way real exports are (truncated rows, impossible
dates, invalid IMEIs, duplicated rows, a header repeated mid-file); every
damaged row, and every row whose local time falls in the hour repeated when
clocks go back, is listed with its file and line in the truth.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from numpy.typing import NDArray

from crossline.synth.catalogue import Layout
from crossline.synth.traffic import Events
from crossline.synth.world import UK, World

DEFECT_KINDS = ("truncated_row", "impossible_date", "invalid_imei", "duplicate_row")
DEFECT_SHARES = np.array([0.3, 0.2, 0.25, 0.25])
IMPOSSIBLE_DATES = {
    "%d/%m/%Y": ("31/02/{y}", "30/02/{y}", "32/10/{y}", "15/13/{y}"),
    "%Y%m%d": ("{y}0231", "{y}0230", "{y}1032", "{y}1315"),
}


def cell_ids(world: World, operator: int) -> NDArray[np.str_]:
    """Each network's own id for every cell site."""
    sites = np.arange(len(world.cell_lat))
    if operator == 0:
        return np.array([f"23410-{4000 + s // 64}-{10000 + s * 7 % 50000}" for s in sites])
    return np.array([f"BW{s:05d}{'ABC'[s % 3]}" for s in sites])


def write_cell_lists(world: World, folder: Path, layouts: list[Layout]) -> list[Path]:
    """One cell-site list per network, in the generic layout ``cell_id,lat,lon``."""
    written = []
    for operator, layout in enumerate(layouts):
        path = folder / f"{layout.id}_cells.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            out = csv.writer(handle, lineterminator="\n")
            out.writerow(["cell_id", "lat", "lon"])
            for cell, lat, lon in zip(
                cell_ids(world, operator), world.cell_lat, world.cell_lon, strict=True
            ):
                out.writerow([cell, f"{lat:.5f}", f"{lon:.5f}"])
        written.append(path)
    return written


@dataclass
class Defect:
    file: str
    line: int
    kind: str


@dataclass
class _OpenFile:
    path: Path
    handle: IO[bytes]
    lines: int = 1  # the header
    stray_header_day: int = -1


@dataclass
class OperatorWriter:
    """Appends days of one operator's events to its files, damaging a few rows."""

    world: World
    operator: int
    layout: Layout
    folder: Path
    rng: np.random.Generator
    defects: list[Defect] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    rows: int = 0  # events written (before damage)
    _open: _OpenFile | None = None

    def __post_init__(self) -> None:
        self.cells = cell_ids(self.world, self.operator)
        self.imei_text = self.world.handset_imei.astype(str)
        # 447700900123 -> 07700900123 (UK mobiles all start 447)
        national = np.char.add("0", np.char.lstrip(self.world.number_e164.astype(str), "4"))
        self.number_text = (
            national if self.layout.numbers == "national" else self.world.number_e164.astype(str)
        )
        self.sticky_plus = self.rng.random(len(self.number_text)) < 0.1

    def write_day(self, day: int, events: Events) -> None:
        mine = self.world.number_operator[events.a] == self.operator
        if self._open is None or day % self.world.preset.file_days == 0:
            self._start_file(day)
        assert self._open is not None
        body = self._format(day, events, mine)
        self._damage_and_write(day, body, events, mine)

    def close(self) -> None:
        if self._open is not None:
            self._open.handle.close()
            self._open = None

    # --- formatting -----------------------------------------------------------------------------

    def _start_file(self, day: int) -> None:
        self.close()
        first = self.world.date_of(day)
        last = self.world.date_of(
            min(day + self.world.preset.file_days, self.world.preset.days) - 1
        )
        path = self.folder / f"{self.layout.id}_{first:%Y%m%d}_{last:%Y%m%d}.csv"
        handle = path.open("wb")
        handle.write(self.layout.header.encode() + b"\n")
        span = min(self.world.preset.file_days, self.world.preset.days - day)
        self._open = _OpenFile(path, handle, stray_header_day=day + int(self.rng.integers(0, span)))
        self.files.append(path)

    def _format(self, day: int, events: Events, mine: NDArray[np.bool_]) -> pa.Table:
        w = self.world
        start = w.day_start(day) + events.second[mine]
        local = (
            pa.array(start, pa.int64())
            .cast(pa.timestamp("s", tz="UTC"))
            .cast(pa.timestamp("s", tz=UK.key))
        )
        a, b = events.a[mine], events.b[mine]
        handset = events.handset[mine]
        same_network = w.number_operator[b] == self.operator
        columns: dict[str, pa.Array] = {}
        for index, column in enumerate(self.layout.columns):
            key = f"c{index}"
            if column.field == "start":
                columns[key] = pc.strftime(local, format=column.format or "%Y-%m-%dT%H:%M:%S")
            elif column.field in ("a_number", "b_number"):
                columns[key] = pa.array(self._numbers(a if column.field == "a_number" else b))
            elif column.field == "kind":
                codes = np.array([self.layout.codes["call"], self.layout.codes["sms"]])
                columns[key] = pa.array(codes[events.kind[mine]])
            elif column.field == "duration":
                columns[key] = self._durations(events.duration[mine], column.format)
            elif column.field == "imei":
                columns[key] = pa.array(self.imei_text[np.maximum(handset, 0)], mask=handset < 0)
            elif column.field == "a_cell":
                cell = events.a_cell[mine]
                columns[key] = pa.array(self.cells[np.maximum(cell, 0)], mask=cell < 0)
            else:
                cell = events.b_cell[mine]
                hidden = (cell < 0) | ~same_network
                columns[key] = pa.array(self.cells[np.maximum(cell, 0)], mask=hidden)
        return pa.table(columns)

    def _numbers(self, index: NDArray[np.int32]) -> NDArray[np.str_]:
        text = self.number_text[index]
        if self.layout.numbers == "international":
            text = np.where(self.sticky_plus[index], np.char.add("+", text), text)
        return text

    @staticmethod
    def _durations(seconds: NDArray[np.int32], style: str | None) -> pa.Array:
        if style == "hms":
            as_time = pa.array(seconds.astype(np.int64)).cast(pa.timestamp("s", tz="UTC"))
            return pc.strftime(as_time, format="%H:%M:%S")
        return pa.array(seconds.astype(str))

    # --- damage ----------------------------------------------------------------------------------

    def _damage_and_write(
        self, day: int, table: pa.Table, events: Events, mine: NDArray[np.bool_]
    ) -> None:
        out = self._open
        assert out is not None
        buffer = io.BytesIO()
        pacsv.write_csv(
            table,
            buffer,
            pacsv.WriteOptions(
                include_header=False, delimiter=self.layout.delimiter, quoting_style="none"
            ),
        )
        rows = buffer.getvalue().split(b"\n")[:-1]
        n = len(rows)
        ambiguous = self._ambiguous(day, events.second[mine])
        damaged = np.flatnonzero(self.rng.random(n) < self.world.preset.defect_rate)
        kinds = self.rng.choice(len(DEFECT_KINDS), size=len(damaged), p=DEFECT_SHARES)
        plan = dict(zip(damaged.tolist(), kinds.tolist(), strict=True))
        stray_at = int(self.rng.integers(0, n)) if day == out.stray_header_day and n else -1
        written: list[bytes] = []
        for i, row in enumerate(rows):
            if i == stray_at:
                written.append(self.layout.header.encode())
                self._note(out.lines + len(written), "stray_header")
            planned = plan.get(i)
            copy: bytes | None = None
            if planned is not None:
                kind, row, copy = self._damage(row, DEFECT_KINDS[planned], day)
            written.append(row)
            line = out.lines + len(written)
            if ambiguous[i]:
                self._note(line, "ambiguous_local_time")
            if planned is not None and copy is None:
                self._note(line, kind)
            if copy is not None:
                written.append(copy)
                self._note(line + 1, "duplicate_row")
        out.handle.write(b"\n".join(written) + (b"\n" if written else b""))
        out.lines += len(written)
        self.rows += n

    def _note(self, line: int, kind: str) -> None:
        assert self._open is not None
        self.defects.append(Defect(self._open.path.name, line, kind))

    def _damage(self, row: bytes, kind: str, day: int) -> tuple[str, bytes, bytes | None]:
        """The kind of damage done, the damaged row, and for a duplicate its copy."""
        sep = self.layout.delimiter.encode()
        fields = row.split(sep)
        imei_column = next(i for i, c in enumerate(self.layout.columns) if c.field == "imei")
        if kind == "invalid_imei" and not fields[imei_column]:
            kind = "duplicate_row"  # no handset on this row to damage
        if kind == "duplicate_row":
            return kind, row, row
        if kind == "truncated_row":
            cut = int(self.rng.integers(5, max(6, len(row) // 2)))
            return kind, row[:cut], None
        if kind == "invalid_imei":
            imei = fields[imei_column].decode()
            fields[imei_column] = (imei[:-1] + str((int(imei[-1]) + 1) % 10)).encode()
            return kind, sep.join(fields), None
        date_format = (self.layout.columns[0].format or "")[:8]
        pattern = IMPOSSIBLE_DATES["%d/%m/%Y" if date_format.startswith("%d") else "%Y%m%d"]
        bad = pattern[int(self.rng.integers(len(pattern)))].format(y=self.world.date_of(day).year)
        first = fields[0].decode()
        fields[0] = (bad + first[len(bad) :]).encode()
        return kind, sep.join(fields), None

    def _ambiguous(self, day: int, second: NDArray[np.int64]) -> NDArray[np.bool_]:
        """Rows whose UK local time falls in the hour that happens twice (clocks going back)."""
        start = self.world.day_start(day)
        moments = start + second
        flags = np.zeros(len(second), bool)
        date = self.world.date_of(day)
        for candidate in (date, date + timedelta(days=1)):
            repeated = _repeated_hour(candidate.year)
            if repeated is not None:
                flags |= (moments >= repeated[0]) & (moments < repeated[1])
        return flags


def _repeated_hour(year: int) -> tuple[int, int] | None:
    """UTC epoch span of the two local hours 01:00-02:00 on the last Sunday of October."""
    last = datetime(year, 10, 31)
    sunday = last - timedelta(days=(last.weekday() + 1) % 7)
    first_one = datetime(sunday.year, sunday.month, sunday.day, 1, 0, tzinfo=UK)  # BST, fold=0
    return int(first_one.timestamp()), int(first_one.timestamp()) + 2 * 3600
