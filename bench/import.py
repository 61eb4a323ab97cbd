"""How fast operator exports are imported, and how much memory it takes.

Makes the synthetic world of one preset (or reuses one with ``--world``),
then imports all its operator exports (``comms/operator_*_2*.csv``) with
``crossline.comms.services.import_files``, the service ``crossline comms
import`` calls, with every check the import makes. The import runs in a child
process holding a throwaway embedded deployment: a temporary data directory
with a SQLite operational store brought up by the real migrations, the
reference data, and one intelligence analyst who imports. It measures events
imported per second of ``import_files`` and the child's peak resident memory.

In the same run it measures a reference, in its own child process: DuckDB
converting the same files from CSV to Parquet (every column as text, zstd,
bad rows skipped), the plain cost of reading these files and writing Parquet.
Machines and their load differ, so a rate alone says little; the ratio
``import events/s / DuckDB rows/s`` is the figure to compare between runs and
machines. The goal is a ratio of at least 0.5, within the 2 GiB memory budget.

    .venv/bin/python bench/import.py [--preset medium] [--seed 1] [--world DIR] [--record]

``--world DIR`` imports the world already in DIR (made by ``crossline synth``
or ``bench/synth.py --keep DIR``) instead of making one; its preset and seed
are read from its ``truth/manifest.json``. ``--record`` writes the result into
docs/benchmarks.md, replacing the row of the same preset on the same machine.
See docs/benchmarks.md for how benchmarks are run and recorded.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from common import BENCHMARKS_PAGE, ROOT, duration, in_child, machine, own_peak_rss_kib, record_row

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from crossline.core.settings import Settings

SECTION = "## Comms import (bench/import.py)"
TABLE_HEADER = (
    "| Date | Machine | Preset | Data rows | Imported | Quarantined | Import time | Events/s "
    "| DuckDB time | DuckDB rows/s | Ratio | Goal 0.5 met | Peak RSS MiB | Peak / 2 GiB |\n"
    "|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|---|--:|--:|"
)
EXPORTS = "comms/operator_*_2*.csv"  # the dated call records; not the cell-site lists
DELIMITERS = {"operator_a": ",", "operator_b": ";"}  # as in comms/data/profiles
GOAL_RATIO = 0.5  # the goal: import at half DuckDB's raw CSV-to-Parquet speed or better
MEMORY_BUDGET_MIB = 2048  # an import of any size runs within 2 GiB: files are read in blocks
FORCE = "west-midlands"  # any police force of the reference data may import comms data
ANALYST = "bench-analyst@police.test-crossline.uk"
AUTHORISATION = "BENCH-IMPORT-0001"


@dataclass(frozen=True)
class Measurement:
    """What one child process did: rows done, seconds taken, its own peak RSS."""

    rows: int
    seconds: float
    peak_rss_kib: int  # ru_maxrss of the child itself, in KiB on Linux
    rows_set_aside: int = 0  # quarantined by the import; skipped as bad by DuckDB

    @property
    def rate(self) -> float:
        return self.rows / self.seconds

    @property
    def peak_rss_mib(self) -> float:
        return self.peak_rss_kib / 1024


@dataclass(frozen=True)
class Result:
    """One benchmark run: the import against DuckDB's conversion of the same files."""

    day: date
    machine: str
    preset: str
    data_rows: int  # lines in the files, less one header line each
    importer: Measurement  # rows: events imported
    reference: Measurement  # rows: data_rows, whatever DuckDB skipped

    @property
    def ratio(self) -> float:
        return self.importer.rate / self.reference.rate

    @property
    def meets_goal(self) -> bool:
        return self.ratio >= GOAL_RATIO

    @property
    def budget_share(self) -> float:
        return self.importer.peak_rss_mib / MEMORY_BUDGET_MIB

    @property
    def is_complete(self) -> bool:
        """Whether every data row was either imported or quarantined."""
        return self.importer.rows + self.importer.rows_set_aside == self.data_rows

    def table_row(self) -> str:
        cells = [
            self.day.isoformat(),
            self.machine,
            self.preset,
            f"{self.data_rows:,}",
            f"{self.importer.rows:,}",
            f"{self.importer.rows_set_aside:,}",
            duration(self.importer.seconds),
            f"{self.importer.rate:,.0f}",
            duration(self.reference.seconds),
            f"{self.reference.rate:,.0f}",
            f"{self.ratio:.3f}",
            "yes" if self.meets_goal else "**no**",
            f"{self.importer.peak_rss_mib:,.0f}",
            f"{self.budget_share:.2f}",
        ]
        return "| " + " | ".join(cells) + " |"


# --- the children --------------------------------------------------------------------------------


def make_world(preset: str, seed: int, out: Path) -> int:
    """Make the world of ``preset`` and ``seed`` in ``out``; return its events. Runs in a child."""
    from crossline.synth.generate import generate

    return generate(preset, seed, out).events


def import_exports(paths: list[Path], data_dir: Path) -> Measurement:
    """Import ``paths`` into a new embedded deployment in ``data_dir``; runs in a child.

    Only the ``import_files`` call is timed, not setting up the deployment.
    """
    os.environ["CROSSLINE_DATA_DIR"] = str(data_dir)
    os.environ["CROSSLINE_DATABASE_URL"] = f"sqlite:///{data_dir / 'crossline.db'}"
    import crossline.models  # noqa: F401  every table known to the ORM before any query
    from crossline.auth.signin import actor_for_email
    from crossline.comms.services import import_files
    from crossline.core.settings import Settings

    settings = Settings()
    factory = _deployment(settings)
    with factory() as db:
        actor = actor_for_email(db, ANALYST)
        started = time.perf_counter()
        report = import_files(
            db,
            actor,
            settings.data_dir,
            paths,
            authorisation=AUTHORISATION,
            progress=_report_progress,
        )
        seconds = time.perf_counter() - started
    if report.refused:
        messages = "; ".join(
            f"{f.file}: {f.message}" for f in report.files if f.status != "imported"
        )
        raise RuntimeError(f"The import refused files: {messages}")
    quarantined = sum(report.quarantined.values())
    return Measurement(report.rows_imported, seconds, own_peak_rss_kib(), quarantined)


def _deployment(settings: Settings) -> sessionmaker[Session]:
    """Migrate a new SQLite store, seed it and add the analyst; return its session factory."""
    from crossline.auth.schemas import UserCreate
    from crossline.auth.services import create_user
    from crossline.core.database import make_engine, make_sessionmaker
    from crossline.core.migrations import upgrade_to_head
    from crossline.orgs.services import find_organisation, seed_reference_data

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.resolved_database_url)
    upgrade_to_head(engine)
    factory = make_sessionmaker(engine)
    with factory() as db:
        seed_reference_data(db)
        analyst = UserCreate(
            email=ANALYST, display_name="Benchmark Analyst", roles=["intelligence_analyst"]
        )
        create_user(db, None, find_organisation(db, FORCE), analyst, via="cli")
    return factory


def convert_with_duckdb(paths: list[Path], data_rows: int, scratch: Path) -> Measurement:
    """Convert each file from CSV to Parquet with DuckDB alone; runs in a child.

    Every column is read as text (the import reads text too, then checks it)
    and rows DuckDB cannot parse are skipped. The rate counts every data row.
    """
    import duckdb

    target = _sql_text(scratch / "x.parquet")
    written = 0
    with duckdb.connect() as connection:
        started = time.perf_counter()
        for path in paths:
            delimiter = DELIMITERS[_operator_of(path)]
            source = (
                f"read_csv({_sql_text(path)}, delim={_sql_text(delimiter)}, "
                "header=true, all_varchar=true, ignore_errors=true)"
            )
            # S608: built only from paths this script chose, quoted as SQL text.
            sql = f"COPY (SELECT * FROM {source}) TO {target} (FORMAT parquet, COMPRESSION zstd)"  # noqa: S608
            row = connection.execute(sql).fetchone()
            written += int(row[0]) if row else 0
            print(f"  DuckDB converted {path.name}", file=sys.stderr, flush=True)
        seconds = time.perf_counter() - started
    return Measurement(data_rows, seconds, own_peak_rss_kib(), data_rows - written)


def _sql_text(value: str | Path) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _operator_of(path: Path) -> str:
    return "_".join(path.name.split("_")[:2])  # operator_a_20250901_20250914.csv -> operator_a


def _report_progress(name: str, done: int, total: int) -> None:
    # Called after every block read; the end of a file can be reported twice.
    if done == total and name not in _FILES_READ:
        _FILES_READ.add(name)
        print(f"  read {name}", file=sys.stderr, flush=True)


_FILES_READ: set[str] = set()  # in the importing child only


# --- running and reporting -----------------------------------------------------------------------


def run(preset: str, seed: int, world: Path | None) -> Result:
    """Make or take the world, then measure the import and DuckDB over its exports."""
    scratch = Path(tempfile.mkdtemp(prefix="crossline-bench-import-"))
    try:
        if world is None:
            world = scratch / "world"
            print(f"Making world '{preset}' (seed {seed}) in {world}", file=sys.stderr)
            started = time.perf_counter()
            events = in_child(make_world, preset, seed, world)
            made_in = duration(time.perf_counter() - started)
            print(f"  {events:,} events in {made_in}", file=sys.stderr)
        paths = exports_of(world)
        # Counting reads every file once, so both children find them in the page cache.
        data_rows = sum(data_rows_of(path) for path in paths)
        print(f"Importing {len(paths)} files, {data_rows:,} data rows", file=sys.stderr)
        importer = in_child(import_exports, paths, scratch / "deployment")
        shutil.rmtree(scratch / "deployment", ignore_errors=True)  # the imported Parquet
        print("Reference: DuckDB converting the same files to Parquet", file=sys.stderr)
        reference = in_child(convert_with_duckdb, paths, data_rows, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return Result(date.today(), machine(), preset, data_rows, importer, reference)


def exports_of(world: Path) -> list[Path]:
    """The world's operator exports, in name order."""
    return sorted(world.glob(EXPORTS))


def data_rows_of(path: Path) -> int:
    """Lines in the file less its header line (a last line without a newline counts)."""
    lines = 0
    last = b"\n"
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 24), b""):
            lines += block.count(b"\n")
            last = block[-1:]
    return lines + (last != b"\n") - 1


def world_manifest(world: Path) -> dict[str, Any]:
    """The preset, seed and more that ``generate`` wrote into the world's manifest."""
    manifest: dict[str, Any] = json.loads((world / "truth" / "manifest.json").read_text())
    return manifest


def print_result(result: Result) -> None:
    imp, ref = result.importer, result.reference
    print(f"Machine:    {result.machine}")
    print(
        f"Import:     {imp.rows:,} events in {duration(imp.seconds)}, {imp.rate:,.0f} events/s "
        f"({imp.rows_set_aside:,} rows quarantined)"
    )
    print(
        f"DuckDB:     {ref.rows:,} rows in {duration(ref.seconds)}, {ref.rate:,.0f} rows/s "
        f"({ref.rows_set_aside:,} rows skipped as bad)"
    )
    print(
        f"Ratio:      {result.ratio:.3f} (import events/s / DuckDB rows/s; "
        f"goal {GOAL_RATIO}: {'met' if result.meets_goal else 'NOT MET'})"
    )
    print(
        f"Peak RSS:   import {imp.peak_rss_mib:,.0f} MiB "
        f"({result.budget_share:.2f} of 2 GiB), DuckDB {ref.peak_rss_mib:,.0f} MiB"
    )
    if not result.is_complete:
        print(
            f"WARNING:    imported + quarantined = {imp.rows + imp.rows_set_aside:,}, "
            f"but the files hold {result.data_rows:,} data rows"
        )
    print()
    print(TABLE_HEADER)
    print(result.table_row())


def record(result: Result, page: Path = BENCHMARKS_PAGE) -> None:
    """Put the result's row in the page's section, replacing this preset's row on this machine."""
    record_row(page, SECTION, TABLE_HEADER, result.table_row(), result.machine, result.preset)


def main(argv: list[str] | None = None) -> None:
    from crossline.synth.catalogue import PRESETS

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--preset",
        choices=list(PRESETS),
        help="From synth/data/presets.yaml (default medium, or the preset of --world).",
    )
    parser.add_argument("--seed", type=int, help="Default 1, or the seed of --world.")
    parser.add_argument(
        "--world", type=Path, metavar="DIR", help="Import the world already made in DIR."
    )
    parser.add_argument(
        "--record", action="store_true", help="Write the result into docs/benchmarks.md."
    )
    args = parser.parse_args(argv)
    preset, seed = args.preset or "medium", 1 if args.seed is None else args.seed
    if args.world is not None:
        if not exports_of(args.world):
            parser.error(f"{args.world} holds no operator exports ({EXPORTS}).")
        made = world_manifest(args.world)
        wanted = (args.preset or made["preset"], made["seed"] if args.seed is None else args.seed)
        if wanted != (made["preset"], made["seed"]):
            parser.error(
                f"{args.world} is preset '{made['preset']}' with seed {made['seed']}; "
                "leave out --preset and --seed, or give those."
            )
        preset, seed = made["preset"], made["seed"]
    result = run(preset, seed, args.world)
    print_result(result)
    if args.record:
        record(result)
        print(f"\nRecorded in {BENCHMARKS_PAGE.relative_to(ROOT)}.")


if __name__ == "__main__":
    main()
