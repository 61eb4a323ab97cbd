"""Person linkage at scale: about a million synthetic person records, linked and scored.

A medium world writes 2,879 person records (``agencies/person_records.csv``):
the people the forces of the world have met, one record per force that met
them, each written as its officers wrote it (``Agencies.as_written``:
nicknames, misspellings, day and month of birth swapped, a year out, old
postcodes, blanks). A million is made the same way from more people:

- worlds of the medium preset with seeds 1, 2, ... (``--worlds``, 26 by
  default), each of 36,000 people, so no person is in two worlds;
- every person of each world gets as many records as a person of the
  world's own ``person_records.csv`` has, drawn at random from that file's
  counts (about half have one record, most of the rest two, a few up to
  thirteen), each written by ``as_written``, the code that writes
  ``person_records.csv``, with the world's own random stream;
- record ids and person ids carry the world (``w07-0001234``, ``w07-P012345``),
  so the worlds stay apart; the person id is the truth, as
  ``truth/agency_records.csv`` gives it for the world's own file.

The worlds draw from the same 130 first names and 231 surnames and the same
ages, so people of different worlds may be written alike: they count as
different people, as two such people in a real file would.

The file is linked as ``crossline people link`` links it (read_person_records,
then link_person_records with its defaults) in a fresh process: wall time,
peak resident memory of the process (DuckDB runs in it, so its memory is
counted), pairs scored, and pairwise precision, recall and F1 against the
truth. The reference, in the same run: the same pipeline on the first tenth of
the worlds (whole worlds, so no person is split). The ratio is the seconds per
record at full size over those of the reference: 1 is linear, above 1 is the
extra cost of the larger blocks and the larger model fit.

    .venv/bin/python bench/linkage.py [--worlds N] [--record]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from common import BENCHMARKS_PAGE, duration, in_child, machine, own_peak_rss_kib, record_row

from crossline.people.linkage import LAYOUT, link_person_records, read_person_records
from crossline.synth.agencies import Agencies
from crossline.synth.catalogue import PRESETS
from crossline.synth.truth import person_id
from crossline.synth.world import build_world

PRESET = "medium"
DEFAULT_WORLDS = 26  # 26 x 36,000 people x about 1.07 records each: about a million
REFERENCE_SHARE = 10  # the reference links the first tenth of the worlds

SECTION = "## Person linkage (bench/linkage.py)"
TABLE_HEADER = (
    "| Date | Machine | Records | Pairs scored | Wall time | Peak RSS MiB | Precision | Recall "
    "| F1 | Reference records | Reference wall time | Reference peak MiB | Ratio |\n"
    "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
)


# --- the records ---------------------------------------------------------------------------------


def write_worlds(seeds: range, out: Path) -> int:
    """Write every person of each world's records (module docstring); the number written."""
    written = 0
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([*LAYOUT, "person_id"])
        for seed in seeds:
            written += _write_world(seed, writer.writerow, written)
    return written


def _write_world(seed: int, write: Callable[[list[str]], object], first: int) -> int:
    world = build_world(PRESETS[PRESET], seed)
    agencies = Agencies(world)
    agencies.build()  # the world's own person_records.csv, for its counts of records per person
    people = Counter(row[2] for row in agencies.rows.truth if row[0] == "person_records.csv")
    counts = np.array(list(people.values()))
    draws = np.random.default_rng([seed, 5]).choice(counts, size=world.preset.persons)
    written = 0
    for person, records in enumerate(draws.tolist()):
        for _ in range(records):
            written += 1
            write(
                [
                    f"w{seed:02d}-{first + written:07d}",
                    *agencies.as_written(person),
                    f"w{seed:02d}-{person_id(person)}",
                ]
            )
    return written


# --- linking and scoring -------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    records: int
    pairs_scored: int
    seconds: float
    peak_kib: int
    precision: float
    recall: float

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def peak_mib(self) -> float:
        return self.peak_kib / 1024


def _link(file: Path) -> tuple[int, int, float, int, dict[str, str]]:
    """Read and link the file as the command does; in a fresh process, for its own peak memory."""
    started = time.perf_counter()
    records = read_person_records(file)
    linkage = link_person_records(records)
    seconds = time.perf_counter() - started
    return records.num_rows, linkage.pairs_scored, seconds, own_peak_rss_kib(), linkage.clusters


def _pairs(sizes: Counter[object]) -> int:
    return sum(n * (n - 1) // 2 for n in sizes.values())


def pairwise(truth: dict[str, str], clusters: dict[str, str]) -> tuple[float, float]:
    """Pairwise precision and recall: pairs in one cluster against pairs of one person."""
    together = _pairs(Counter((clusters[record], truth[record]) for record in truth))
    predicted = _pairs(Counter(clusters.values()))
    true = _pairs(Counter(truth.values()))
    return (together / predicted if predicted else 1.0), (together / true if true else 1.0)


def measure(file: Path) -> Run:
    records, scored, seconds, peak_kib, clusters = in_child(_link, file)
    with file.open(newline="", encoding="utf-8") as handle:
        truth = {row["record_id"]: row["person_id"] for row in csv.DictReader(handle)}
    precision, recall = pairwise(truth, clusters)
    return Run(records, scored, seconds, peak_kib, precision, recall)


# --- reporting -----------------------------------------------------------------------------------


def ratio(full: Run, reference: Run) -> float:
    """Seconds per record at full size over seconds per record of the reference."""
    return (full.seconds / full.records) / (reference.seconds / reference.records)


def table_row(full: Run, reference: Run, on: str) -> str:
    return (
        f"| {dt.date.today().isoformat()} | {on} | {full.records:,} | {full.pairs_scored:,} "
        f"| {duration(full.seconds)} | {full.peak_mib:,.0f} | {full.precision:.3f} "
        f"| {full.recall:.3f} | {full.f1:.3f} | {reference.records:,} "
        f"| {duration(reference.seconds)} | {reference.peak_mib:,.0f} "
        f"| {ratio(full, reference):.2f} |"
    )


def describe(name: str, run: Run) -> str:
    return (
        f"{name}: {run.records:,} records, {run.pairs_scored:,} pairs scored, "
        f"{duration(run.seconds)}, peak RSS {run.peak_mib:,.0f} MiB, "
        f"precision {run.precision:.3f}, recall {run.recall:.3f}, F1 {run.f1:.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--worlds", type=int, default=DEFAULT_WORLDS, help="Medium worlds to write records of."
    )
    parser.add_argument("--record", action="store_true", help="Write the row into the page.")
    parser.add_argument("--keep", type=Path, help="Write the files into this folder and keep them.")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="crossline-bench-linkage-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        reference_file, full_file = folder / "reference.csv", folder / "people.csv"
        print(f"Writing the records of {args.worlds} {PRESET} worlds...", file=sys.stderr)
        write_worlds(range(1, max(1, args.worlds // REFERENCE_SHARE) + 1), reference_file)
        write_worlds(range(1, args.worlds + 1), full_file)
        print("Linking the reference...", file=sys.stderr)
        reference = measure(reference_file)
        print(describe("reference", reference), file=sys.stderr)
        print("Linking every record...", file=sys.stderr)
        full = measure(full_file)
        print(describe("full", full), file=sys.stderr)
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    on = machine()
    row = table_row(full, reference, on)
    print(f"ratio (seconds per record, full / reference): {ratio(full, reference):.2f}")
    print(row)
    if args.record:
        record_row(BENCHMARKS_PAGE, SECTION, TABLE_HEADER, row, on, f"{full.records:,}")


if __name__ == "__main__":
    main()
