"""Line analysis scored against the synthetic world's truth over several seeds.

For each seed: make the world, read its exports as an import reads them (every
row normalised; quarantined rows left out) into Parquet, run the analysis on
DuckDB with the shipped parameters, and score it with ``crossline evaluate``'s
rules (``analytics/evaluation.py``). The world is analysed as one organisation,
and that organisation holds every police force's person records of the world
(``agencies/person_records.csv``, read as ``crossline people import`` reads it):
the dates of birth of those that carry a phone number are the analysis's
recorded dates of birth. The journey pattern alone is scored beside it. Prints
each seed and the pooled scores; ``--record`` writes them into docs/evaluation.md.
The parameters are never tuned to one seed: every seed runs with the same
shipped file.

    .venv/bin/python bench/evaluate.py --preset medium --seeds 1 2 3 4 5 [--record]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from common import ROOT, duration, in_child, machine

EVALUATION_PAGE = ROOT / "docs" / "evaluation.md"
BEGIN, END = "<!-- evaluation:synthetic:begin -->", "<!-- evaluation:synthetic:end -->"


def one_seed(preset: str, seed: int, scratch: Path) -> dict[str, Any]:
    """Make, read, analyse and score one world; runs in a child."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from crossline.analytics.areas import place_cells
    from crossline.analytics.engines import DuckDBEngine
    from crossline.analytics.evaluation import evaluate
    from crossline.analytics.parameters import load_parameters
    from crossline.analytics.pipeline import analyse
    from crossline.comms import reading
    from crossline.comms.profiles import load_profiles
    from crossline.synth.generate import generate

    world = scratch / f"world-{seed}"
    generate(preset, seed, world)
    profiles = load_profiles()
    files, cells = [], []
    for path in sorted((world / "comms").glob("*.csv")):
        sniffed = reading.sniff(path, profiles)
        if sniffed.profile.kind == "cells":
            table = pa.concat_tables(b.events for b in reading.batches(path, sniffed))
            cells.append(table.select(["cell_id", "lat", "lon"]))
            continue
        target = scratch / f"{seed}-{path.stem}.parquet"
        writer = None
        for batch in reading.batches(path, sniffed):
            writer = writer or pq.ParquetWriter(target, batch.events.schema)
            writer.write_table(batch.events)
        if writer is not None:
            writer.close()
            files.append(str(target))
    births = recorded_births(world / "agencies" / "person_records.csv")
    parameters = load_parameters()
    engine = DuckDBEngine(parameters.time_zone)
    started = time.perf_counter()
    try:
        result = analyse(
            engine, files, place_cells(pa.concat_tables(cells)), parameters, births=births
        )
    finally:
        engine.close()
    seconds = time.perf_counter() - started
    scores = evaluate(result.report(), world).as_dict()
    shutil.rmtree(world)
    for f in files:
        Path(f).unlink()
    return {"seed": seed, "events": result.events, "seconds": seconds, **scores}


def recorded_births(path: Path) -> dict[str, list[Any]]:
    """Dates of birth against numbers, from a person records file as an import reads it."""
    from crossline.analytics.pipeline import RecordedBirth
    from crossline.core.errors import InvalidInput
    from crossline.people.services.files import read_records_file
    from crossline.people.services.records import clean

    births: dict[str, list[Any]] = {}
    found, _ = read_records_file(path)
    for _, record in found:
        if record.dob is None or not record.phone_numbers:
            continue
        try:
            numbers = clean(record).phone_numbers
        except InvalidInput:
            continue  # a record an import would refuse
        for number in numbers:
            births.setdefault(number, []).append(RecordedBirth(record.dob, record.reference))
    return births


def pooled(results: list[dict[str, Any]], *keys: str) -> dict[str, float]:
    """Precision, recall and F1 over the seeds' counts added together."""
    tp = fp = fn = 0
    for r in results:
        part = r
        for key in keys:
            part = part[key]
        tp, fp, fn = (
            tp + part["true_positives"],
            fp + part["false_positives"],
            fn + part["false_negatives"],
        )
    p = tp / (tp + fp) if tp + fp else 1.0
    rec = tp / (tp + fn) if tp + fn else 1.0
    return {"precision": p, "recall": rec, "f1": 2 * p * rec / (p + rec) if p + rec else 0.0}


MEASURES = [
    ("line numbers", ("line_numbers",), "precision and recall ≥ 0.95"),
    ("successor links", ("successor_links",), "F1 ≥ 0.95"),
    ("child runners flagged", ("child_flags",), "recall ≥ 0.9"),
    ("child runners flagged by journeys alone", ("child_flags_by_journeys",), ""),
    ("runners", ("roles", "runner"), ""),
    ("controllers", ("roles", "controller"), ""),
    ("cuckooed residents", ("roles", "cuckooed"), ""),
]


def table(preset: str, results: list[dict[str, Any]]) -> str:
    rows = [
        f"Preset `{preset}`, seeds {', '.join(str(r['seed']) for r in results)}; "
        f"{date.today().isoformat()}, {machine()}.",
        "",
        "| measure | precision | recall | F1 | goal | per seed (F1) |",
        "|---|--:|--:|--:|---|---|",
    ]
    for name, keys, goal in MEASURES:
        s = pooled(results, *keys)
        per_seed = []
        for r in results:
            part = r
            for key in keys:
                part = part[key]
            per_seed.append(f"{part['f1']:.3f}")
        rows.append(
            f"| {name} | {s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f} | {goal} | "
            f"{' '.join(per_seed)} |"
        )
    bulk = sum(len(r["bulk_senders_reported"]) for r in results)
    children = sum(
        r["child_flags"]["true_positives"] + r["child_flags"]["false_negatives"] for r in results
    )
    showing = sum(r["children_showing_pattern"] for r in results)
    by_record = sum(r["children_flagged_by_record"] for r in results)
    medians = [r["median_days_to_detection"] for r in results]
    found = sum(r["lines_detected"] for r in results)
    real = sum(r["lines_in_truth"] for r in results)
    rows += [
        "",
        f"Legitimate bulk senders (taxi, school, surgery, delivery) reported as lines: {bulk} "
        "(goal: none).",
        f"Child runners whose journeys show the pattern at all (one set off in school hours "
        f"on a school day): {showing} of {children} ({showing / max(children, 1):.3f}), "
        "the most a rule on journey times can flag. "
        f"Child runners flagged by a recorded date of birth: {by_record} of {children} "
        f"({by_record / max(children, 1):.3f}).",
        "Median days from a line's first event to its detection, per seed: "
        + ", ".join("—" if m is None else f"{m:g}" for m in medians)
        + ".",
        f"Lines of the truth found: {found} of {real}. Analysis time per world "
        f"(about {results[0]['events']:,} events): "
        + ", ".join(duration(r["seconds"]) for r in results)
        + ".",
    ]
    return "\n".join(rows)


def record(text: str) -> None:
    page = EVALUATION_PAGE.read_text("utf-8")
    start, end = page.index(BEGIN) + len(BEGIN), page.index(END)
    EVALUATION_PAGE.write_text(page[:start] + "\n" + text + "\n" + page[end:], "utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="medium")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    parser.add_argument("--record", action="store_true", help="Write into docs/evaluation.md.")
    parser.add_argument("--json", action="store_true", help="Print each seed's scores as JSON.")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="crossline-bench-evaluate-"))
    results = []
    try:
        for seed in args.seeds:
            print(f"seed {seed}...", file=sys.stderr)
            results.append(in_child(one_seed, args.preset, seed, scratch))
            if args.json:
                print(json.dumps(results[-1]))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    text = table(args.preset, results)
    print(text)
    if args.record:
        record(text)
        print(f"Recorded in {EVALUATION_PAGE.relative_to(ROOT)}.", file=sys.stderr)


if __name__ == "__main__":
    main()
