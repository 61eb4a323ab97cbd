"""How fast the synthetic world is made, and how much memory it takes.

Runs ``crossline.synth.generate`` for one preset in a child process and
measures its wall time, events per second and peak resident memory. In the
same run it measures a reference: writing the same number of rows of random
data as CSV the way the simulator does (numpy random arrays, a pyarrow table of
eight string and integer columns, ``pyarrow.csv.write_csv`` one day at a time),
also in its own child process so the two peaks are comparable.

Machines and their load differ, so a rate alone says little; the ratio
``simulator events/s / reference rows/s`` is the figure to compare between
runs and machines. It is the share of the raw speed of writing CSV with these
libraries that the simulator keeps after simulating people, services and lines
and damaging rows. Peak memory is compared with the 2 GiB budget: generate()
streams day by day, so its peak should not grow with the number of days.

    .venv/bin/python bench/synth.py [--preset medium] [--seed 1] [--keep DIR] [--record]

``--record`` writes the result into docs/benchmarks.md, replacing the row of
the same preset on the same machine. See docs/benchmarks.md for how benchmarks
are run and recorded.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from common import BENCHMARKS_PAGE, ROOT, duration, in_child, machine, own_peak_rss_kib, record_row

SECTION = "## Synthetic world (bench/synth.py)"
TABLE_HEADER = (
    "| Date | Machine | Preset | Events | Wall time | Events/s | Reference rows/s "
    "| Ratio | Peak RSS MiB | Peak / 2 GiB | Budget held |\n"
    "|---|---|---|--:|--:|--:|--:|--:|--:|--:|---|"
)
MEMORY_BUDGET_MIB = 2048  # the simulator's budget: a world of any size is made within 2 GiB
DAY_SECONDS = 86_400
REFERENCE_START = 1_756_684_800  # 2025-09-01 00:00 UTC, the medium and large presets' start


@dataclass(frozen=True)
class Measurement:
    """What one child process did: rows written, seconds taken, its own peak RSS."""

    rows: int
    seconds: float
    peak_rss_kib: int  # ru_maxrss of the child itself, in KiB on Linux

    @property
    def rate(self) -> float:
        return self.rows / self.seconds

    @property
    def peak_rss_mib(self) -> float:
        return self.peak_rss_kib / 1024


@dataclass(frozen=True)
class Result:
    """One benchmark run: the simulator against the CSV-writing reference."""

    day: date
    machine: str
    preset: str
    simulator: Measurement
    reference: Measurement

    @property
    def ratio(self) -> float:
        return self.simulator.rate / self.reference.rate

    @property
    def budget_share(self) -> float:
        return self.simulator.peak_rss_mib / MEMORY_BUDGET_MIB

    @property
    def is_within_budget(self) -> bool:
        return self.simulator.peak_rss_mib <= MEMORY_BUDGET_MIB

    def table_row(self) -> str:
        cells = [
            self.day.isoformat(),
            self.machine,
            self.preset,
            f"{self.simulator.rows:,}",
            duration(self.simulator.seconds),
            f"{self.simulator.rate:,.0f}",
            f"{self.reference.rate:,.0f}",
            f"{self.ratio:.3f}",
            f"{self.simulator.peak_rss_mib:,.0f}",
            f"{self.budget_share:.2f}",
            "yes" if self.is_within_budget else "**no**",
        ]
        return "| " + " | ".join(cells) + " |"


# --- the two children ----------------------------------------------------------------------------


def simulate(preset: str, seed: int, out: Path) -> Measurement:
    """Make the world of ``preset`` and ``seed`` in ``out``; runs in a child process."""
    from crossline.synth.generate import generate

    started = time.perf_counter()
    summary = generate(preset, seed, out, progress=_report_progress)
    seconds = time.perf_counter() - started
    return Measurement(summary.events, seconds, own_peak_rss_kib())


def write_reference(rows: int, days: int, path: Path, seed: int) -> Measurement:
    """Write ``rows`` random rows as CSV in ``days`` batches to ``path``; runs in a child."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    rng = np.random.default_rng(seed)
    codes = pa.array(["MOC", "SMSMO"])
    options = pacsv.WriteOptions(include_header=False, quoting_style="none")
    started = time.perf_counter()
    with path.open("wb") as handle:
        handle.write(b"start,a_number,b_number,kind,duration,imei,a_cell,b_cell\n")
        for day in range(days):
            n = rows // days + (1 if day < rows % days else 0)
            second = np.sort(rng.integers(0, DAY_SECONDS, n))
            start = pa.array(REFERENCE_START + day * DAY_SECONDS + second, pa.int64())
            table = pa.table(
                {
                    "start": pc.strftime(
                        start.cast(pa.timestamp("s", tz="UTC")), format="%d/%m/%Y %H:%M:%S"
                    ),
                    "a_number": _digits(rng.integers(447_700_000_000, 447_999_999_999, n)),
                    "b_number": _digits(rng.integers(447_700_000_000, 447_999_999_999, n)),
                    "kind": codes.take(pa.array(rng.integers(0, 2, n, dtype=np.int8))),
                    "duration": pa.array(rng.integers(0, 3_600, n, dtype=np.int32)),
                    "imei": _digits(rng.integers(10**14, 10**15 - 1, n)),
                    "a_cell": pa.array(rng.integers(0, 100_000, n, dtype=np.int32)),
                    "b_cell": pa.array(rng.integers(0, 100_000, n, dtype=np.int32)),
                }
            )
            pacsv.write_csv(table, handle, options)
    seconds = time.perf_counter() - started
    return Measurement(rows, seconds, own_peak_rss_kib())


def _digits(numbers: Any) -> Any:
    """Integers as the text of their digits, as phone numbers and IMEIs are written."""
    import pyarrow as pa

    return pa.array(numbers).cast(pa.string())


def _report_progress(done: int, total: int) -> None:
    if done == total or done % max(1, total // 10) == 0:
        print(f"  simulated {done}/{total} days", file=sys.stderr, flush=True)


# --- running and reporting -----------------------------------------------------------------------


def run(preset: str, seed: int, keep: Path | None) -> Result:
    """Measure the simulator, then the reference with as many rows over as many days."""
    from crossline.synth.catalogue import PRESETS

    days = PRESETS[preset].days
    scratch = Path(tempfile.mkdtemp(prefix="crossline-bench-synth-"))
    try:
        out = keep if keep is not None else scratch / "world"
        print(f"Simulating preset '{preset}' (seed {seed}) into {out}", file=sys.stderr)
        simulator = in_child(simulate, preset, seed, out)
        print(f"Reference: {simulator.rows:,} random rows as CSV", file=sys.stderr)
        reference = in_child(write_reference, simulator.rows, days, scratch / "ref.csv", seed)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    children_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    both_peak = max(simulator.peak_rss_kib, reference.peak_rss_kib)
    print(
        f"RUSAGE_CHILDREN peak {children_peak / 1024:,.0f} MiB "
        f"(the larger child reported {both_peak / 1024:,.0f} MiB)",
        file=sys.stderr,
    )
    return Result(date.today(), machine(), preset, simulator, reference)


def print_result(result: Result) -> None:
    sim, ref = result.simulator, result.reference
    print(f"Machine:    {result.machine}")
    print(f"Simulator:  {sim.rows:,} events in {duration(sim.seconds)}, {sim.rate:,.0f} events/s")
    print(f"Reference:  {ref.rows:,} rows in {duration(ref.seconds)}, {ref.rate:,.0f} rows/s")
    print(f"Ratio:      {result.ratio:.3f} (simulator events/s / reference rows/s)")
    print(
        f"Peak RSS:   simulator {sim.peak_rss_mib:,.0f} MiB "
        f"({result.budget_share:.2f} of the 2 GiB budget: "
        f"{'held' if result.is_within_budget else 'EXCEEDED'}), "
        f"reference {ref.peak_rss_mib:,.0f} MiB"
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
        "--preset", default="medium", choices=list(PRESETS), help="From synth/data/presets.yaml."
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--keep", type=Path, metavar="DIR", help="Make the world in DIR (new or empty) and keep it."
    )
    parser.add_argument(
        "--record", action="store_true", help="Write the result into docs/benchmarks.md."
    )
    args = parser.parse_args(argv)
    if args.keep is not None and args.keep.exists() and any(args.keep.iterdir()):
        parser.error(f"{args.keep} is not empty; choose a new folder for the world.")
    result = run(args.preset, args.seed, args.keep)
    print_result(result)
    if args.record:
        record(result)
        print(f"\nRecorded in {BENCHMARKS_PAGE.relative_to(ROOT)}.")


if __name__ == "__main__":
    main()
