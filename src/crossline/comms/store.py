"""The comms store: events as Parquet under ``<data_dir>/comms``, one file per day per import.

Layout: ``events/date=YYYY-MM-DD/import=<id>.parquet``, so that an analysis of
some days reads only those days' files, and DuckDB (or Spark) reads them in
place with hive partitioning. An import writes into ``staging/<id>/`` and
moves its files into place only when every row has been read; the operational
store records the import as complete in the same step. Files of an import the
operational store does not know as complete (a process killed mid-way) are
removed by :func:`recover` before the next import.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

ROW_GROUP_ROWS = 256 * 1024  # rows per Parquet row group of a day's file
MAX_PENDING_ROWS = 1024 * 1024  # rows held back at most, whatever the spread of days
EVENT_SCHEMA = pa.schema(
    [
        pa.field("import_id", pa.string(), nullable=False),
        pa.field("line", pa.int64(), nullable=False),
        pa.field("start_time", pa.timestamp("s", tz="UTC"), nullable=False),
        pa.field("a_number", pa.string(), nullable=False),
        pa.field("b_number", pa.string(), nullable=False),
        pa.field("event_type", pa.string(), nullable=False),
        pa.field("duration_s", pa.int32(), nullable=False),
        pa.field("a_imei", pa.string()),
        pa.field("a_tac", pa.string()),
        pa.field("a_cell", pa.string()),
        pa.field("b_cell", pa.string()),
    ]
)
CELL_SCHEMA = pa.schema(
    [
        pa.field("import_id", pa.string(), nullable=False),
        pa.field("cell_id", pa.string(), nullable=False),
        pa.field("lat", pa.float64(), nullable=False),
        pa.field("lon", pa.float64(), nullable=False),
    ]
)
QUARANTINE_SCHEMA = pa.schema(
    [
        pa.field("line", pa.int64(), nullable=False),
        pa.field("raw", pa.string(), nullable=False),
        pa.field("reason", pa.string(), nullable=False),
    ]
)


def root(data_dir: Path) -> Path:
    return data_dir / "comms"


@dataclass
class StagedImport:
    """Parquet writers for one import's rows, kept apart until the import completes."""

    data_dir: Path
    import_id: str
    _writers: dict[str, pq.ParquetWriter] = field(default_factory=dict)
    _pending: dict[int, list[pa.Table]] = field(default_factory=dict)
    _pending_rows: int = 0
    _quarantine: pq.ParquetWriter | None = None
    # Row groups are compressed and written on a thread of their own (pyarrow releases
    # the GIL), one at a time and at most one waiting, so memory stays bounded.
    _writing: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(1, thread_name_prefix="parquet")
    )
    _written: Future[None] | None = None

    @property
    def staging(self) -> Path:
        return root(self.data_dir) / "staging" / self.import_id

    def write_events(self, events: pa.Table) -> None:
        """Append events, each to the file of its day, in row groups of a good size.

        Rows wait in memory until their day has a row group's worth, until the
        rows have moved on past their day (exports are mostly in time order), or
        until too many wait in all; small row groups would make the files slow to
        write and to read.
        """
        if events.num_rows == 0:
            return
        # Days since the epoch by integer division: formatting every time is far slower.
        seconds = pc.cast(pc.cast(events["start_time"], pa.timestamp("s")), pa.int64())
        days = pc.divide(seconds, 86_400)
        present = pc.unique(days).to_pylist()
        for number in [n for n in self._pending if n not in present]:
            self._flush(number)
        for number in present:
            part = events.filter(pc.equal(days, number)).select(EVENT_SCHEMA.names)
            self._pending.setdefault(number, []).append(part.cast(EVENT_SCHEMA))
            self._pending_rows += part.num_rows
            if sum(t.num_rows for t in self._pending[number]) >= ROW_GROUP_ROWS:
                self._flush(number)
        if self._pending_rows > MAX_PENDING_ROWS:
            for number in list(self._pending):
                self._flush(number)

    def _flush(self, number: int) -> None:
        tables = self._pending.pop(number, [])
        if not tables:
            return
        self._pending_rows -= sum(t.num_rows for t in tables)
        day = (date(1970, 1, 1) + timedelta(days=number)).isoformat()
        writer = self._writers.get(day)
        if writer is None:
            path = self.staging / "events" / f"date={day}" / f"import={self.import_id}.parquet"
            path.parent.mkdir(parents=True, exist_ok=True)
            writer = pq.ParquetWriter(path, EVENT_SCHEMA, compression="zstd", compression_level=1)
            self._writers[day] = writer
        self._wait_for_write()
        self._written = self._writing.submit(writer.write_table, pa.concat_tables(tables))

    def _wait_for_write(self) -> None:
        if self._written is not None:
            written, self._written = self._written, None
            written.result()  # raises what the write raised

    def write_cells(self, cells: pa.Table) -> None:
        path = self.staging / "cells" / f"import={self.import_id}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(cells.select(CELL_SCHEMA.names).cast(CELL_SCHEMA), path, compression="zstd")

    def write_quarantine(self, rows: pa.Table) -> None:
        if rows.num_rows == 0:
            return
        if self._quarantine is None:
            self.staging.mkdir(parents=True, exist_ok=True)
            self._quarantine = pq.ParquetWriter(
                self.staging / "quarantine.parquet", QUARANTINE_SCHEMA
            )
        self._quarantine.write_table(rows.select(QUARANTINE_SCHEMA.names).cast(QUARANTINE_SCHEMA))

    def close(self) -> None:
        try:
            for number in list(self._pending):
                self._flush(number)
        finally:
            self._wait_for_write()
            self._writing.shutdown()
        for writer in self._writers.values():
            writer.close()
        self._writers.clear()
        if self._quarantine is not None:
            self._quarantine.close()
            self._quarantine = None

    def quarantined(self, batch_rows: int = 10_000) -> Iterable[pa.RecordBatch]:
        path = self.staging / "quarantine.parquet"
        if path.exists():
            yield from pq.ParquetFile(path).iter_batches(batch_size=batch_rows)

    def publish(self) -> None:
        """Move the staged files into the store (the caller then commits the import)."""
        self.close()
        store = root(self.data_dir)
        for kind in ("events", "cells"):
            for staged in sorted((self.staging / kind).rglob("*.parquet")):
                target = store / kind / staged.relative_to(self.staging / kind)
                target.parent.mkdir(parents=True, exist_ok=True)
                staged.replace(target)  # a rename within one file system: atomic per file

    def discard(self) -> None:
        self.close()
        shutil.rmtree(self.staging, ignore_errors=True)


def recover(data_dir: Path, complete: set[str]) -> int:
    """Remove every trace of imports not recorded as complete; return files removed."""
    store = root(data_dir)
    removed = 0
    shutil.rmtree(store / "staging", ignore_errors=True)
    for path in sorted(store.glob("*/**/import=*.parquet")):
        if path.stem.removeprefix("import=") not in complete:
            path.unlink()
            removed += 1
    return removed


@dataclass(frozen=True)
class EventFile:
    """One file of the store: the events of one import on one day (UTC)."""

    import_id: str
    day: date
    path: Path


def stored_event_files(data_dir: Path) -> list[EventFile]:
    """Every event file in the store, in order of day and import, read from the layout."""
    return [
        EventFile(
            path.stem.removeprefix("import="),
            date.fromisoformat(path.parent.name.removeprefix("date=")),
            path,
        )
        for path in sorted(root(data_dir).glob("events/date=*/import=*.parquet"))
    ]


def event_files(data_dir: Path) -> str:
    """The glob DuckDB reads the events with (``hive_partitioning=true``)."""
    return str(root(data_dir) / "events" / "date=*" / "*.parquet")
