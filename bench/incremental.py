"""An incremental analysis run against a full one, on the same synthetic world.

The world's events are read into a comms store (one file per day, as imports
write them: ``bench/analyse.py``'s preparation). Then, as an organisation that
imported the world up to a cut-off day and ran analysis, and then imported the
rest:

- the earlier run: the days before the cut-off;
- the incremental run: the window from ``incremental_lookback_days`` before the
  cut-off, merged with the earlier run's lines (``analytics/incremental.py``);
- the full run: every day, as ``crossline analyse --full``.

Prints the time of the incremental and the full run and their ratio, and scores
both against the world's truth (``crossline evaluate``'s rules), so that what the
window saves and what it costs are side by side. ``--record`` writes the result
into docs/benchmarks.md.

    .venv/bin/python bench/incremental.py --world DIR [--cut-off-day 56] [--record]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from analyse import cell_files, prepare
from common import BENCHMARKS_PAGE, duration, in_child, machine, record_row

SECTION = "## Incremental analysis (bench/incremental.py)"
HEADER = (
    "| Date | Machine | World | Cut-off | Full run | Incremental run | Ratio | "
    "Line numbers F1 (full / incremental) | Successor F1 | Runner F1 | Child recall |\n"
    "|---|---|---|---|--:|--:|--:|---|---|---|---|"
)


def analyse_days(
    data_dir: Path, since: date | None, until: date | None
) -> tuple[list[dict[str, Any]], float, int]:
    """Analyse the stored days from ``since`` up to (not including) ``until``; in a child."""
    from crossline.analytics.areas import stored_cells
    from crossline.analytics.engines import DuckDBEngine
    from crossline.analytics.parameters import load_parameters
    from crossline.analytics.pipeline import analyse
    from crossline.comms import store

    parameters = load_parameters()
    files = [
        str(f.path)
        for f in store.stored_event_files(data_dir)
        if (since is None or f.day >= since) and (until is None or f.day < until)
    ]
    cells = stored_cells(cell_files(data_dir))
    engine = DuckDBEngine(parameters.time_zone)
    started = time.perf_counter()
    try:
        result = analyse(engine, files, cells, parameters)
    finally:
        engine.close()
    return result.report(), time.perf_counter() - started, result.events


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--world", type=Path, required=True, help="A synthetic world's folder.")
    parser.add_argument("--cut-off-day", type=int, default=56, help="Days after the start.")
    parser.add_argument("--record", action="store_true", help="Write into docs/benchmarks.md.")
    args = parser.parse_args(argv)

    from crossline.analytics.evaluation import evaluate
    from crossline.analytics.incremental import merge, new_before_window
    from crossline.analytics.parameters import load_parameters

    manifest_start = date.fromisoformat(
        min(p.stem.split("_")[2] for p in (args.world / "comms").glob("operator_a_2*.csv"))
    )
    cut_off = manifest_start + timedelta(days=args.cut_off_day)
    window_from = cut_off - timedelta(days=load_parameters().incremental_lookback_days)
    scratch = Path(tempfile.mkdtemp(prefix="crossline-bench-incremental-"))
    try:
        print(f"Reading {args.world} into a store...", file=sys.stderr)
        in_child(prepare, "", 0, args.world, scratch)
        earlier, _, _ = in_child(analyse_days, scratch, None, cut_off)
        window, window_s, window_events = in_child(analyse_days, scratch, window_from, None)
        full, full_s, full_events = in_child(analyse_days, scratch, None, None)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if new_before_window(earlier, window, window_from):
        print("A line new in the window was in use before it: the service would run in full.")
    merged = merge(earlier, window, window_from)
    runs = (("full", full), ("incremental", merged))
    scores = {name: evaluate(report, args.world) for name, report in runs}
    same = {(x["line_id"], frozenset(n["number"] for n in x["numbers"])) for x in full} == {
        (x["line_id"], frozenset(n["number"] for n in x["numbers"])) for x in merged
    }
    f, i = scores["full"], scores["incremental"]
    print(f"Cut-off {cut_off}, window from {window_from}.")
    print(f"Full run:        {full_events:,} events in {duration(full_s)}")
    print(f"Incremental run: {window_events:,} events in {duration(window_s)}")
    print(f"Ratio:           {window_s / full_s:.2f} of the full run's time")
    print(f"Lines and their numbers the same as the full run's: {same}")
    for label, a, b in (
        ("line numbers F1", f.line_numbers.f1, i.line_numbers.f1),
        ("successor links F1", f.successor_links.f1, i.successor_links.f1),
        ("runners F1", f.roles["runner"].f1, i.roles["runner"].f1),
        ("child flags recall", f.child_flags.recall, i.child_flags.recall),
    ):
        print(f"  {label:20} full {a:.3f}  incremental {b:.3f}")
    if args.record:
        world = f"{args.world.name} ({full_events:,} events)"
        row = (
            f"| {date.today().isoformat()} | {machine()} | {world} "
            f"| day {args.cut_off_day} | {duration(full_s)} | "
            f"{duration(window_s)} | {window_s / full_s:.2f} | "
            f"{f.line_numbers.f1:.3f} / {i.line_numbers.f1:.3f} | "
            f"{f.successor_links.f1:.3f} / {i.successor_links.f1:.3f} | "
            f"{f.roles['runner'].f1:.3f} / {i.roles['runner'].f1:.3f} | "
            f"{f.child_flags.recall:.3f} / {i.child_flags.recall:.3f} |"
        )
        record_row(BENCHMARKS_PAGE, SECTION, HEADER, row, machine(), world)
        print(f"Recorded in {BENCHMARKS_PAGE}.", file=sys.stderr)


if __name__ == "__main__":
    main()
