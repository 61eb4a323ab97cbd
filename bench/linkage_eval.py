"""Person linkage scored on labelled data: FEBRL and Splink's fake_1000, pairwise P, R, F1.

Each data set in ``../shared/data`` (see PROVENANCE.md there) is converted to
the ``people link`` layout in a temporary folder, linked by the command line
itself (``crossline people link FILE --out CLUSTERS.csv``, so exactly what a
user runs), and its clusters scored against the truth:

- **FEBRL dataset3**: 5,000 records, 2,000 people; deduplication. Truth: the
  ``N`` of ``rec-N-org`` / ``rec-N-dup-k``.
- **FEBRL dataset4a + 4b**: 5,000 records each, one-to-one; the two files are
  put one after the other and linked as one, so a link within a file is a
  false one. Truth: ``rec-N`` again.
- **Splink fake_1000**: 1,000 records, 251 people; truth the ``cluster``
  column (the same as ``fake_1000_labels.csv``'s matches, which is checked).

Scores are pairwise: every pair of records in one cluster is a predicted
link, every pair of one person a true link; precision, recall and F1 over
those pairs. One more run per data set, at a threshold near zero with
``--pairs``, counts the true pairs the blocking rules let through to be scored
at all (clustering can join the others only through third records). The
truth never reaches the model: record ids are replaced with row numbers
(FEBRL's ids carry the answer), and training is unsupervised.

Conversion: ``given_name`` → ``first_name``, ``date_of_birth`` (YYYYMMDD) →
``dob`` as written (the reader parses it), FEBRL's fields read with leading
spaces stripped; no data set has gender, fake_1000 has no postcode, and its
``city`` and ``email`` are left out because the layout has no place for them.

    .venv/bin/python bench/linkage_eval.py [--threshold P ...] [--record]

Two more uses measure the cost of linkage rather than its accuracy:

- ``--blocking FILE ...`` counts, with Splink's blocking analysis
  (``count_comparisons_from_blocking_rules``), the pairs each blocking key
  adds to those before it, and the comparisons per record;
- ``--time FILE ...`` links each file in a fresh process: records, pairs
  scored, seconds and peak memory.

Files for them: a synthetic world's ``agencies/person_records.csv``
(``crossline synth``), which holds the six columns and more, or every person of
a world written twice, as two forces would write them (``--world-persons PRESET
OUT``: 72,000 records for medium, 720,000 for large).
"""

from __future__ import annotations

import argparse
import csv
import itertools
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from common import ROOT, in_child, own_peak_rss_kib
from splink import DuckDBAPI
from splink.blocking_analysis import count_comparisons_from_blocking_rules

from crossline.people.linkage import (
    DEFAULT_THRESHOLD,
    LAYOUT,
    blocking,
    link_person_records,
    model,
    read_person_records,
)
from crossline.synth.agencies import Agencies
from crossline.synth.catalogue import PRESETS
from crossline.synth.truth import person_id
from crossline.synth.world import build_world

DATA = ROOT.parent / "shared" / "data"
EVALUATION_PAGE = ROOT / "docs" / "evaluation.md"
BEGIN, END = "<!-- evaluation:linkage:begin -->", "<!-- evaluation:linkage:end -->"
CROSSLINE = ROOT / ".venv" / "bin" / "crossline"
GOALS = {"febrl3": 0.95, "febrl4": 0.95, "fake_1000": 0.9}
# A threshold every scored pair passes (a match weight above -990 bits).
SCORE_EVERY_PAIR = 1e-300

Truth = dict[str, str]  # record_id -> the person it is of


# --- conversion ----------------------------------------------------------------------------------


def _febrl_rows(path: Path) -> Iterable[dict[str, str]]:
    # PROVENANCE.md: fields are separated by ", "; strip what follows each comma.
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle, skipinitialspace=True):
            yield {k.strip(): (v or "").strip() for k, v in row.items()}


def convert_febrl(files: list[Path], out: Path) -> Truth:
    """FEBRL files, one after the other, in the layout; ids replaced by row numbers."""
    truth: Truth = {}
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(LAYOUT)
        for path in files:
            for number, row in enumerate(_febrl_rows(path), start=1):
                record_id = f"{path.stem}-{number:05d}"
                truth[record_id] = "-".join(row["rec_id"].split("-")[:2])  # rec-N
                writer.writerow(
                    [
                        record_id,
                        row["given_name"],
                        row["surname"],
                        row["date_of_birth"],
                        row["postcode"],
                        "",
                    ]
                )
    return truth


def convert_fake_1000(folder: Path, out: Path) -> Truth:
    """fake_1000 in the layout; the truth from ``cluster``, checked against the labels."""
    truth: Truth = {}
    with (
        (folder / "fake_1000.csv").open(newline="", encoding="utf-8") as handle,
        out.open("w", newline="", encoding="utf-8") as target,
    ):
        writer = csv.writer(target)
        writer.writerow(LAYOUT)
        for row in csv.DictReader(handle):
            truth[row["unique_id"]] = row["cluster"]
            writer.writerow(
                [row["unique_id"], row["first_name"], row["surname"], row["dob"], "", ""]
            )
    labelled = _labelled_matches(folder / "fake_1000_labels.csv")
    if labelled != true_pairs(truth):
        raise SystemExit("fake_1000_labels.csv's matches differ from the cluster column")
    return truth


def _labelled_matches(path: Path) -> set[tuple[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return {
            _pair(row["unique_id_l"], row["unique_id_r"])
            for row in csv.DictReader(handle)
            if float(row["clerical_match_score"]) == 1.0
        }


# --- scoring -------------------------------------------------------------------------------------


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


def true_pairs(groups: dict[str, str]) -> set[tuple[str, str]]:
    """Every pair of records in one group."""
    members: dict[str, list[str]] = defaultdict(list)
    for record, group in groups.items():
        members[group].append(record)
    return {_pair(a, b) for m in members.values() for a, b in itertools.combinations(m, 2)}


@dataclass(frozen=True)
class Score:
    data_set: str
    records: int
    people: int
    true_pairs: int
    pairs_scored: int
    true_pairs_scored: int
    predicted_pairs: int
    correct_pairs: int
    clusters: int
    seconds: float

    @property
    def precision(self) -> float:
        return self.correct_pairs / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.correct_pairs / self.true_pairs

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def link(
    file: Path, threshold: float, scratch: Path, *options: str | Path
) -> tuple[dict[str, str], float]:
    """Run ``crossline people link`` on the file; its clusters and the seconds it took."""
    clusters_file = scratch / f"{file.stem}-clusters.csv"
    started = time.perf_counter()
    command = [CROSSLINE, "people", "link", file, "--out", clusters_file]
    subprocess.run(  # noqa: S603  this repository's own command, on a file this script wrote
        [*command, "--threshold", str(threshold), *options],
        check=True,
        stdout=sys.stderr,
    )
    seconds = time.perf_counter() - started
    with clusters_file.open(newline="", encoding="utf-8") as handle:
        return {row["record_id"]: row["cluster_id"] for row in csv.DictReader(handle)}, seconds


def pairs_scored(file: Path, truth: Truth, scratch: Path) -> tuple[int, int]:
    """How many pairs the blocking rules let through, and how many of them are true pairs.

    Every scored pair is written out, by linking at a threshold they all pass.
    """
    pairs_file = scratch / f"{file.stem}-pairs.csv"
    link(file, SCORE_EVERY_PAIR, scratch, "--pairs", pairs_file)
    with pairs_file.open(newline="", encoding="utf-8") as handle:
        scored = {_pair(row["record_id_l"], row["record_id_r"]) for row in csv.DictReader(handle)}
    return len(scored), len(scored & true_pairs(truth))


def score(
    name: str,
    truth: Truth,
    clusters: dict[str, str],
    seconds: float,
    scored: tuple[int, int] = (0, 0),
) -> Score:
    if set(clusters) != set(truth):
        raise SystemExit(f"{name}: the clusters file does not hold every record once")
    expected, predicted = true_pairs(truth), true_pairs(clusters)
    return Score(
        data_set=name,
        records=len(truth),
        people=len(set(truth.values())),
        true_pairs=len(expected),
        pairs_scored=scored[0],
        true_pairs_scored=scored[1],
        predicted_pairs=len(predicted),
        correct_pairs=len(expected & predicted),
        clusters=len(set(clusters.values())),
        seconds=seconds,
    )


# --- running and recording -----------------------------------------------------------------------

DATA_SETS: dict[str, tuple[str, Callable[[Path], Truth]]] = {
    "febrl3": (
        "FEBRL dataset3 (deduplication)",
        lambda out: convert_febrl([DATA / "febrl" / "dataset3.csv"], out),
    ),
    "febrl4": (
        "FEBRL dataset4a + 4b (linking two files)",
        lambda out: convert_febrl(
            [DATA / "febrl" / "dataset4a.csv", DATA / "febrl" / "dataset4b.csv"], out
        ),
    ),
    "fake_1000": (
        "Splink fake_1000 (deduplication)",
        lambda out: convert_fake_1000(DATA / "splink-fake-1000", out),
    ),
}


def run(thresholds: list[float], scratch: Path) -> dict[float, list[Score]]:
    """Every data set linked at every threshold, scored."""
    results: dict[float, list[Score]] = {t: [] for t in thresholds}
    for name, (_, convert) in DATA_SETS.items():
        file = scratch / f"{name}.csv"
        truth = convert(file)
        print(f"{name}, every scored pair...", file=sys.stderr)
        scored = pairs_scored(file, truth, scratch)
        for threshold in thresholds:
            print(f"{name} at {threshold:g}...", file=sys.stderr)
            clusters, seconds = link(file, threshold, scratch)
            results[threshold].append(score(name, truth, clusters, seconds, scored))
    return results


def table(results: dict[float, list[Score]]) -> str:
    """The scores as docs/evaluation.md gives them."""
    rows = [
        "| data set | threshold | records | people | pairs scored (per record) | true pairs "
        "| of them scored | pairs in clusters | precision | recall | F1 | goal | clusters "
        "| seconds |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for threshold, scores in sorted(results.items()):
        for s in scores:
            goal = GOALS[s.data_set]
            met = "met" if s.f1 >= goal else "**not met**"
            rows.append(
                f"| {DATA_SETS[s.data_set][0]} | {threshold:g}"
                f"{' (default)' if threshold == DEFAULT_THRESHOLD else ''} | {s.records:,} "
                f"| {s.people:,} | {s.pairs_scored:,} ({s.pairs_scored / s.records:.1f}) "
                f"| {s.true_pairs:,} | {s.true_pairs_scored:,} "
                f"| {s.predicted_pairs:,} "
                f"| {s.precision:.3f} | {s.recall:.3f} | **{s.f1:.3f}** | ≥ {goal} ({met}) "
                f"| {s.clusters:,} | {s.seconds:.1f} |"
            )
    return "\n".join(rows)


def record(text: str) -> None:
    page = EVALUATION_PAGE.read_text("utf-8")
    start, end = page.index(BEGIN) + len(BEGIN), page.index(END)
    EVALUATION_PAGE.write_text(page[:start] + "\n" + text + "\n" + page[end:], "utf-8")


# --- cost: comparisons and time ------------------------------------------------------------------


def blocking_analysis(file: Path, sample: float) -> str:
    """The pairs each blocking key adds to those before it, by Splink's blocking analysis."""
    records = read_person_records(file)
    fields = model.compared_fields(records)
    api = DuckDBAPI()
    api.duckdb_con.execute("SET enable_progress_bar = false")
    table = api.register(blocking.with_blocking_keys(records, fields))
    counts = count_comparisons_from_blocking_rules(
        table,
        blocking_rules=blocking.blocking_rules(fields),
        link_type="dedupe_only",
        unique_id_column_name="record_id",
        record_sample_proportion=sample,
    )
    n = records.num_rows
    rows = [
        f"{file.name}: {n:,} records"
        + (f", estimated from a {sample:.0%} sample of each side" if sample < 1 else ""),
        "",
        "| blocking rule | pairs it adds | per record |",
        "|---|--:|--:|",
    ]
    for condition, count in zip(blocking.rule_conditions(fields), counts, strict=True):
        added = count["marginal_comparison_count"]
        rows.append(f"| `{condition}` | {added:,.0f} | {added / n:.1f} |")
    total = counts[-1]["cumulative_comparison_count"] if counts else 0
    rows.append(f"| **all** | {total:,.0f} | {total / n:.1f} |")
    return "\n".join(rows)


def _link_and_measure(file: Path) -> tuple[int, int, float, int, dict[str, str]]:
    """Read and link the file; run in a fresh process, so the peak memory is linkage's own."""
    started = time.perf_counter()
    records = read_person_records(file)
    linkage = link_person_records(records)
    seconds = time.perf_counter() - started
    return records.num_rows, linkage.pairs_scored, seconds, own_peak_rss_kib(), linkage.clusters


def timing(file: Path) -> str:
    """Records, pairs scored, seconds and peak memory of linking the file; scored if it can be.

    A file with a ``person_id`` column (``--world-persons``) is scored against it.
    """
    records, scored, seconds, peak_kib, clusters = in_child(_link_and_measure, file)
    line = (
        f"{file.name}: {records:,} records, {scored:,} pairs scored ({scored / records:.1f} per "
        f"record), {seconds:.1f} s, peak memory {peak_kib / 1024:,.0f} MiB"
    )
    with file.open(newline="", encoding="utf-8") as handle:
        rows = csv.DictReader(handle)
        if "person_id" in (rows.fieldnames or []):
            s = score(file.stem, {row["record_id"]: row["person_id"] for row in rows}, clusters, 0)
            line += f"; precision {s.precision:.3f}, recall {s.recall:.3f}, F1 {s.f1:.3f}"
    return line


def world_persons(preset: str, out: Path) -> None:
    """Every person of a synthetic world (seed 1), written twice as two forces would write them.

    The errors are the world's own (agencies.py: nicknames, misspellings, day and
    month swapped, old addresses, blanks); ``person_id`` is the truth.
    """
    world = build_world(PRESETS[preset], 1)
    agencies = Agencies(world)
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([*LAYOUT, "person_id"])
        for person in range(world.preset.persons):
            for copy in (1, 2):
                row = agencies.as_written(person)
                writer.writerow([f"{2 * person + copy:07d}", *row, person_id(person)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--threshold",
        type=float,
        nargs="+",
        default=[DEFAULT_THRESHOLD, 0.95],
        help="Match probabilities to link at (default: the command's default and 0.95).",
    )
    parser.add_argument("--record", action="store_true", help="Write into docs/evaluation.md.")
    cost = parser.add_mutually_exclusive_group()
    cost.add_argument(
        "--blocking", type=Path, nargs="+", metavar="FILE", help="Comparisons per blocking key."
    )
    cost.add_argument(
        "--time", type=Path, nargs="+", metavar="FILE", help="Seconds and memory to link."
    )
    cost.add_argument(
        "--world-persons",
        nargs=2,
        metavar=("PRESET", "OUT"),
        help="Write every person of a synthetic world twice, as a file to link.",
    )
    parser.add_argument(
        "--sample",
        type=float,
        default=1.0,
        help="With --blocking: the share of each side Splink samples (1: count exactly).",
    )
    args = parser.parse_args()
    if args.world_persons:
        world_persons(args.world_persons[0], Path(args.world_persons[1]))
        return
    for file in args.blocking or []:
        print(blocking_analysis(file, args.sample), end="\n\n")
    for file in args.time or []:
        print(timing(file))
    if args.blocking or args.time:
        return
    if not DATA.is_dir():
        parser.error(f"{DATA} is not there (../shared/data, beside the repository).")
    scratch = Path(tempfile.mkdtemp(prefix="crossline-bench-linkage-"))
    try:
        results = run(args.threshold, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    text = table(results)
    print(text)
    if args.record:
        record(text)
        print(f"Recorded in {EVALUATION_PAGE.relative_to(ROOT)}.", file=sys.stderr)


if __name__ == "__main__":
    main()
