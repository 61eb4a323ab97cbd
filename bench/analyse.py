"""How long line analysis takes against one DuckDB scan of the same events, and its memory.

Makes the synthetic world of one preset (or takes one with ``--world``) and
reads its exports into a comms store as an import does: every row parsed and
normalised by ``crossline.comms.reading``, quarantined rows left out, events
written by ``crossline.comms.store`` as Parquet, one file per day per export.
None of that is timed. Then, each in a fresh child process, it times:

- the analysis: ``crossline.analytics.pipeline.analyse`` on a ``DuckDBEngine``
  over the store's event files and its cell sites placed in force areas, with
  the shipped parameters, as ``crossline analyse`` runs it; with the time of
  each step (what ``analyse`` reports to its ``progress`` callback) and the
  child's peak resident memory;
- the reference: the same engine (same settings, same threads) reading the
  same files once and materialising one grouped aggregate per calling number,
  ``REFERENCE_SQL``: a single full scan, the least any analysis of all events
  must do.

Machines and their load differ, so a time alone says little; the ratio
``analysis time / reference time`` is the figure to compare between runs and
machines. The goal, for the medium world, is a ratio of at most 10.

    .venv/bin/python bench/analyse.py [--preset medium] [--seed 1] [--repeat 1]
        [--world DIR] [--keep DIR] [--record]

``--world DIR`` reads the world already in DIR (made by ``crossline synth`` or
``bench/synth.py --keep DIR``) instead of making one. ``--keep DIR`` keeps the
prepared store in DIR, or reuses it when an earlier ``--keep DIR`` prepared it,
so a later run skips making and reading the world. ``--repeat N`` measures
both N times, alternating which runs first. ``--record`` writes the result
into docs/benchmarks.md, replacing the row of the same preset on the same
machine. See docs/benchmarks.md for how benchmarks are run and recorded.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from common import BENCHMARKS_PAGE, ROOT, duration, in_child, machine, own_peak_rss_kib, record_row

if TYPE_CHECKING:
    from crossline.analytics.engines import DuckDBEngine

SECTION = "## Line analysis (bench/analyse.py)"
TABLE_HEADER = (
    "| Date | Machine | Preset | Events | Runs | Analysis time | Reference time | Ratio "
    "| Goal 10 met | Peak RSS MiB |\n"
    "|---|---|---|--:|--:|--:|--:|--:|---|--:|"
)
GOAL_RATIO = 10.0  # the tracker's goal: the medium world analysed within 10 single scans
GOAL_PRESET = "medium"  # the preset the goal is set for; other rows give time and memory
PREPARED = "bench-analyse.json"  # in a --keep folder: the preset, seed and events of its store
# One full scan of the events with one grouped aggregate per calling number: the
# columns the analysis reads most, a distinct count and a hash table as large as
# the numbers. Materialised as a table, as every analysis step is, so it is all done.
REFERENCE_SQL = """
SELECT a_number, count(*) AS events, count(DISTINCT b_number) AS called,
       sum(duration_s) AS seconds, min(start_time) AS first_seen, max(start_time) AS last_seen
FROM events
GROUP BY a_number
"""


@dataclass(frozen=True)
class Measurement:
    """What one child process did: events read, seconds taken, its own peak RSS."""

    events: int
    seconds: float
    peak_rss_kib: int  # ru_maxrss of the child itself, in KiB on Linux
    threads: int  # DuckDB's threads setting in the child
    steps: tuple[tuple[str, float], ...] = ()  # the analysis only: seconds of each step
    lines: int = 0  # the analysis only: lines found

    @property
    def peak_rss_mib(self) -> float:
        return self.peak_rss_kib / 1024


@dataclass(frozen=True)
class Result:
    """One benchmark run: the analysis against one scan of the same events, once or more."""

    day: date
    machine: str
    preset: str
    events: int
    analyses: tuple[Measurement, ...]
    references: tuple[Measurement, ...]

    @property
    def analysis_seconds(self) -> float:
        return statistics.median(m.seconds for m in self.analyses)

    @property
    def reference_seconds(self) -> float:
        return statistics.median(m.seconds for m in self.references)

    @property
    def ratios(self) -> list[float]:
        """Each run's analysis time over the reference time measured next to it."""
        return [a.seconds / r.seconds for a, r in zip(self.analyses, self.references, strict=True)]

    @property
    def ratio(self) -> float:
        return statistics.median(self.ratios)

    @property
    def meets_goal(self) -> bool:
        return self.ratio <= GOAL_RATIO

    @property
    def peak_rss_mib(self) -> float:
        return max(m.peak_rss_mib for m in self.analyses)

    @property
    def is_consistent(self) -> bool:
        """Whether every child read the same events."""
        return {m.events for m in (*self.analyses, *self.references)} == {self.events}

    def step_seconds(self) -> dict[str, float]:
        """Each step's median seconds over the runs, in the order the analysis ran them."""
        names = [name for name, _ in self.analyses[0].steps]
        times = [dict(m.steps) for m in self.analyses]
        return {name: statistics.median(t.get(name, 0.0) for t in times) for name in names}

    def table_row(self) -> str:
        goal = ("yes" if self.meets_goal else "**no**") if self.preset == GOAL_PRESET else "—"
        cells = [
            self.day.isoformat(),
            self.machine,
            self.preset,
            f"{self.events:,}",
            str(len(self.analyses)),
            duration(self.analysis_seconds),
            duration(self.reference_seconds),
            f"{self.ratio:.1f}",
            goal,
            f"{self.peak_rss_mib:,.0f}",
        ]
        return "| " + " | ".join(cells) + " |"


# --- preparing the store (not timed) -------------------------------------------------------------


def prepare(preset: str, seed: int, world: Path | None, data_dir: Path) -> int:
    """Make the world (unless given) and read its exports into a comms store in ``data_dir``.

    Runs in a child. Returns the events stored. A world made here is deleted
    once read; a given one is left alone.
    """
    from crossline.synth.generate import generate

    made = world is None
    if world is None:
        world = data_dir / "world"
        started = time.perf_counter()
        generate(preset, seed, world)
        print(f"  made in {duration(time.perf_counter() - started)}", file=sys.stderr, flush=True)
    started = time.perf_counter()
    events = sum(_store_export(path, data_dir) for path in sorted((world / "comms").glob("*.csv")))
    print(f"  read in {duration(time.perf_counter() - started)}", file=sys.stderr, flush=True)
    if made:
        shutil.rmtree(world)
    return events


def _store_export(path: Path, data_dir: Path) -> int:
    """Read one export into the store as ``import_files`` does, without the operational store."""
    import pyarrow as pa

    from crossline.comms import reading, store
    from crossline.comms.profiles import load_profiles

    sniffed = reading.sniff(path, load_profiles())
    import_id = str(uuid.uuid4())
    staged = store.StagedImport(data_dir, import_id)
    events = 0
    for batch in reading.batches(path, sniffed):
        rows = batch.events.append_column(
            "import_id", pa.array([import_id] * batch.events.num_rows, pa.string())
        )
        if sniffed.profile.kind == "cells":
            staged.write_cells(rows)
        else:
            staged.write_events(rows)
            events += rows.num_rows
    staged.publish()
    shutil.rmtree(staged.staging)  # what is left there is the quarantined rows
    return events


def event_files(data_dir: Path) -> list[str]:
    """The store's event files, as ``analytics.services.run_analysis`` lists them."""
    from crossline.comms import store

    return [str(f.path) for f in store.stored_event_files(data_dir)]


def cell_files(data_dir: Path) -> list[Path]:
    from crossline.comms import store

    return sorted(store.root(data_dir).glob("cells/import=*.parquet"))


# --- the two children ----------------------------------------------------------------------------


def run_analysis(data_dir: Path) -> Measurement:
    """Analyse the store in ``data_dir`` on DuckDB; runs in a child.

    Only the ``analyse`` call is timed, as ``run_analysis`` of the analytics
    services times it: the cell sites are read and placed in areas before.
    """
    from crossline.analytics.areas import stored_cells
    from crossline.analytics.engines import DuckDBEngine
    from crossline.analytics.parameters import load_parameters
    from crossline.analytics.pipeline import analyse

    parameters = load_parameters()
    files = event_files(data_dir)
    cells = stored_cells(cell_files(data_dir))
    engine = DuckDBEngine(parameters.time_zone)
    steps: list[tuple[str, float]] = []
    started = last = time.perf_counter()

    def progress(name: str, done: int, total: int) -> None:
        # Called after each step: the time since the last call is that step's.
        nonlocal last
        now = time.perf_counter()
        steps.append((name, now - last))
        last = now
        print(f"  {done}/{total} {name}: {duration(steps[-1][1])}", file=sys.stderr, flush=True)

    try:
        result = analyse(engine, files, cells, parameters, progress)
        ended = time.perf_counter()
        steps.append(("events counted", ended - last))  # after the last step, a count(*)
        threads = _threads(engine)
    finally:
        engine.close()
    peak = own_peak_rss_kib()
    seconds = ended - started
    return Measurement(result.events, seconds, peak, threads, tuple(steps), len(result.lines))


def run_reference(data_dir: Path) -> Measurement:
    """Materialise ``REFERENCE_SQL`` over the same files with the same engine; runs in a child."""
    from crossline.analytics.engines import DuckDBEngine, Step
    from crossline.analytics.parameters import load_parameters

    files = event_files(data_dir)
    engine = DuckDBEngine(load_parameters().time_zone)
    try:
        started = time.perf_counter()
        engine.register_parquet("events", files)
        engine.materialise(Step("reference", REFERENCE_SQL))
        seconds = time.perf_counter() - started
        counted = engine.fetch("SELECT sum(events) AS n FROM reference").column("n")[0].as_py()
        threads = _threads(engine)
    finally:
        engine.close()
    return Measurement(int(counted or 0), seconds, own_peak_rss_kib(), threads)


def _threads(engine: DuckDBEngine) -> int:
    table = engine.fetch("SELECT current_setting('threads') AS threads")
    return int(table.column("threads")[0].as_py())


# --- running and reporting -----------------------------------------------------------------------


def run(preset: str, seed: int, repeat: int, world: Path | None, keep: Path | None) -> Result:
    """Prepare the store (or take the kept one), then measure analysis and reference in turn."""
    scratch = Path(tempfile.mkdtemp(prefix="crossline-bench-analyse-"))
    try:
        data_dir = keep if keep is not None else scratch / "store"
        prepared = read_prepared(data_dir)
        if prepared is None:
            what = f"world in {world}" if world else f"world '{preset}' (seed {seed})"
            print(f"Preparing the {what} as a comms store in {data_dir}", file=sys.stderr)
            events = in_child(prepare, preset, seed, world, data_dir)
            write_prepared(data_dir, preset, seed, events)
        else:
            events = prepared["events"]
            print(f"Reusing the store prepared in {data_dir}", file=sys.stderr)
        files = event_files(data_dir)
        # Reading every file once puts them in the page cache for both children.
        size = sum(len(Path(f).read_bytes()) for f in files)
        print(f"{events:,} events in {len(files)} files, {size / 2**20:,.0f} MiB", file=sys.stderr)
        analyses, references = [], []
        for turn in range(repeat):
            # Alternate which goes first, so that neither always meets a warmer machine.
            if turn % 2 == 0:
                references.append(measure(run_reference, "reference", data_dir, turn, repeat))
                analyses.append(measure(run_analysis, "analysis", data_dir, turn, repeat))
            else:
                analyses.append(measure(run_analysis, "analysis", data_dir, turn, repeat))
                references.append(measure(run_reference, "reference", data_dir, turn, repeat))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return Result(date.today(), machine(), preset, events, tuple(analyses), tuple(references))


def measure(
    work: Callable[[Path], Measurement], what: str, data_dir: Path, turn: int, repeat: int
) -> Measurement:
    """``work(data_dir)`` in a fresh child, saying so on stderr."""
    print(f"Run {turn + 1} of {repeat}: {what}", file=sys.stderr, flush=True)
    measured = in_child(work, data_dir)
    print(f"  {what}: {duration(measured.seconds)}", file=sys.stderr, flush=True)
    return measured


def read_prepared(data_dir: Path) -> dict[str, Any] | None:
    """The preset, seed and events of a store this script prepared in ``data_dir``, if any."""
    path = data_dir / PREPARED
    if not path.exists():
        return None
    prepared: dict[str, Any] = json.loads(path.read_text())
    return prepared


def write_prepared(data_dir: Path, preset: str, seed: int, events: int) -> None:
    text = json.dumps({"preset": preset, "seed": seed, "events": events}, indent=2)
    (data_dir / PREPARED).write_text(text + "\n")


def world_manifest(world: Path) -> dict[str, Any]:
    """The preset, seed and more that ``generate`` wrote into the world's manifest."""
    manifest: dict[str, Any] = json.loads((world / "truth" / "manifest.json").read_text())
    return manifest


def print_result(result: Result, slowest: int = 6) -> None:
    analysis, reference = result.analyses[0], result.references[0]
    runs = len(result.analyses)
    median = "" if runs == 1 else f" (median of {runs})"
    print(f"Machine:    {result.machine}")
    print(
        f"Analysis:   {result.events:,} events in {duration(result.analysis_seconds)}{median}, "
        f"{analysis.lines} lines found, DuckDB with {analysis.threads} threads"
    )
    print(
        f"Reference:  one grouped scan of the same events in "
        f"{duration(result.reference_seconds)}{median}, {reference.threads} threads"
    )
    each = "" if runs == 1 else " (each run: " + ", ".join(f"{r:.1f}" for r in result.ratios) + ")"
    goal = (
        f"goal at most {GOAL_RATIO:.0f}: {'met' if result.meets_goal else 'NOT MET'}"
        if result.preset == GOAL_PRESET
        else f"the goal of at most {GOAL_RATIO:.0f} is set for {GOAL_PRESET}"
    )
    print(f"Ratio:      {result.ratio:.1f} (analysis time / reference time{each}; {goal})")
    print(
        f"Peak RSS:   analysis {result.peak_rss_mib:,.0f} MiB, reference "
        f"{max(m.peak_rss_mib for m in result.references):,.0f} MiB"
    )
    if not result.is_consistent:
        counts = sorted({m.events for m in (*result.analyses, *result.references)})
        print(f"WARNING:    the children read different numbers of events: {counts}")
    steps = sorted(result.step_seconds().items(), key=lambda kv: -kv[1])
    print(f"Slowest steps{median}, as a share of the analysis and in reference times:")
    for name, seconds in steps[:slowest]:
        share, times = seconds / result.analysis_seconds, seconds / result.reference_seconds
        print(f"  {name:<16} {seconds:8.2f} s {share:5.0%} {times:6.1f} x")
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
        help="From synth/data/presets.yaml (default medium, or the preset of --world or --keep).",
    )
    parser.add_argument("--seed", type=int, help="Default 1, or the seed of --world or --keep.")
    parser.add_argument(
        "--repeat", type=int, default=1, help="Measure both this many times (default 1)."
    )
    parser.add_argument(
        "--world", type=Path, metavar="DIR", help="Analyse the world already made in DIR."
    )
    parser.add_argument(
        "--keep",
        type=Path,
        metavar="DIR",
        help="Keep the prepared store in DIR (new or empty), or reuse the one prepared there.",
    )
    parser.add_argument(
        "--record", action="store_true", help="Write the result into docs/benchmarks.md."
    )
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be 1 or more.")
    made = None
    if args.keep is not None and read_prepared(args.keep) is not None:
        made, source = read_prepared(args.keep), str(args.keep)
    elif args.keep is not None and args.keep.exists() and any(args.keep.iterdir()):
        parser.error(f"{args.keep} is not empty and holds no store prepared by this script.")
    elif args.world is not None:
        if not (args.world / "truth" / "manifest.json").exists():
            parser.error(f"{args.world} holds no world made by crossline synth.")
        made, source = world_manifest(args.world), str(args.world)
    preset, seed = args.preset or "medium", 1 if args.seed is None else args.seed
    if made is not None:
        wanted = (args.preset or made["preset"], made["seed"] if args.seed is None else args.seed)
        if wanted != (made["preset"], made["seed"]):
            parser.error(
                f"{source} is preset '{made['preset']}' with seed {made['seed']}; "
                "leave out --preset and --seed, or give those."
            )
        preset, seed = made["preset"], made["seed"]
    result = run(preset, seed, args.repeat, args.world, args.keep)
    print_result(result)
    if args.record:
        record(result)
        print(f"\nRecorded in {BENCHMARKS_PAGE.relative_to(ROOT)}.")


if __name__ == "__main__":
    main()
