"""Line analysis on real call data: false lines on MIT Reality Mining, and injected lines found.

Real communications data have no deal lines in them, so every line the
analysis reports there is a false positive; the goal is at most one line per
1,000 real numbers. The real data are the MIT Reality Mining calls
(``../shared/data/mit-reality-mining-calls/background_events.csv``, see
PROVENANCE.md there): 2,447 calls among 69 students and staff over 15 weeks of
2004. This script:

1. converts them to Crossline's generic events layout (docs/comms-import.md);
2. injects deal lines of its own, made with a seeded random generator from
   the description of a line in docs/analysis.md (not from the simulator);
3. reads both files as an import reads them and runs the analysis without
   cell sites, on the real background alone and on background plus lines;
4. reports the lines found on the real numbers, per 1,000 real numbers, the
   injected line numbers found, whether a line's numbers are joined as one
   line, and whether any of the survey's close-friend pairs is reported.

``--record`` writes the results into docs/evaluation.md: counts only, as MIT
released the data for research and it is kept out of anything published.

The conversion, chosen so that the analysis sees the calls as a UK force would:

- **Numbers.** Participant ``i`` becomes ``+447700900iii`` (``i`` zero-padded
  to three digits): Ofcom's range of mobile numbers kept for drama, so no real
  subscriber is named. Ids run 0 to 89; the range's numbers from 900100 up
  are left for the injected lines.
- **Times.** ``ts`` is US Eastern standard time all year (PROVENANCE.md: a
  fixed five-hour shift from UTC, no daylight saving), so it is first turned
  into the wall clock people in Boston lived by (EDT until 31 October 2004).
  That wall-clock time is moved 1,044 weeks (20 years and 3 days) on, which
  keeps the weekday and lands on 26 September 2024 to 10 January 2025, and
  written as the same wall-clock time in Europe/London with London's offset
  of the day (``+01:00`` in summer time, ``+00:00`` after 27 October). So a
  call at 23:00 on a Friday in Boston is a call at 23:00 on a Friday in the
  UK: night stays night and weekends stay weekends. The hour London repeats on
  27 October is read as its first (summer-time) instant.
- **Calls.** Each row is one ``call`` from ``a`` to ``b``, its duration kept
  (0 for an unanswered call). The file has no handsets or cells.

The injected lines are generic: a line is one to three numbers in turn (a new
number after a seizure, say, texting the same customers), with 15 to 60
customers, one to three of them real participants (real people who also buy).
Customers order by text or short call, mostly in the afternoon, evening and
night; the line replies by text, never phones its customers, and phones one
other number (whoever runs it) now and then. On about half its days it texts
one message to most of its customers within two minutes. Everything is drawn
from ``random.Random(seed)``.

    .venv/bin/python bench/reality_mining.py [--seeds 1 2 3 4 5] [--lines 5] [--record]
"""

from __future__ import annotations

import argparse
import csv
import random
import shutil
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq
from common import ROOT

from crossline.analytics.engines import DuckDBEngine
from crossline.analytics.parameters import load_parameters
from crossline.analytics.pipeline import Result, analyse, empty_cells
from crossline.comms import reading
from crossline.comms.profiles import load_profiles

DATA = ROOT.parent / "shared" / "data" / "mit-reality-mining-calls"
BACKGROUND = "background_events.csv"
SURVEY = "reality-mining-survey.txt"
EVALUATION_PAGE = ROOT / "docs" / "evaluation.md"
BEGIN, END = "<!-- evaluation:reality-mining:begin -->", "<!-- evaluation:reality-mining:end -->"
HEADER = ["start_time", "a_number", "b_number", "event_type", "duration_s"]
HEADER += ["a_imei", "a_cell", "b_cell"]
DUPLICATE = "duplicate of the line before"  # comms.reading's reason for a repeated row

DRAMA_MOBILES = "+447700900"  # Ofcom keeps 07700 900000-900999 for drama: no one's number
FIRST_INJECTED = 100  # participants take 000-099 of the range, injected numbers the rest
RECORDED_ZONE = timezone(timedelta(hours=-5))  # PROVENANCE.md: EST all year, no DST
LIVED_ZONE = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
SHIFT = timedelta(weeks=1044)  # 2004-09-23 (a Thursday) -> 2024-09-26 (a Thursday)


@dataclass(frozen=True)
class Event:
    """One row of the generic events layout; ``start`` is aware (London)."""

    start: datetime
    a: str
    b: str
    kind: str  # call | sms
    duration_s: int = 0


@dataclass(frozen=True)
class InjectedLine:
    """A line of our own: its numbers in the order used, and who buys from it."""

    numbers: tuple[str, ...]
    customers: tuple[str, ...]
    real_customers: tuple[str, ...]  # participants' numbers among the customers


# --- the real background -------------------------------------------------------------------------


def participant_number(participant: str) -> str:
    """The fixed UK mobile number (E.164) of Reality Mining participant ``participant``."""
    index = int(participant)
    if not 0 <= index < FIRST_INJECTED:
        raise ValueError(
            f"Participant id {participant} is outside 0-{FIRST_INJECTED - 1}, the part of "
            "the drama range kept for participants. Widen FIRST_INJECTED."
        )
    return f"{DRAMA_MOBILES}{index:03d}"


def london_time(recorded: str) -> datetime:
    """A background ``ts`` as the same Boston wall-clock time, 1,044 weeks on, in London."""
    instant = datetime.fromisoformat(recorded).replace(tzinfo=RECORDED_ZONE)
    wall_clock = instant.astimezone(LIVED_ZONE).replace(tzinfo=None)
    return (wall_clock + SHIFT).replace(tzinfo=LONDON)


def background_events(source: Path) -> list[Event]:
    """Every row of ``background_events.csv`` as a call in the generic layout, in file order."""
    with source.open(newline="") as handle:
        return [
            Event(
                london_time(row["ts"]),
                participant_number(row["a"]),
                participant_number(row["b"]),
                "call",
                int(row["duration"]),
            )
            for row in csv.DictReader(handle)
        ]


def close_friends(survey: Path) -> list[tuple[str, str]]:
    """The survey's pairs marked close friends, as participants' numbers."""
    with survey.open(newline="") as handle:
        rows = csv.DictReader(handle, delimiter="\t")
        return [
            (participant_number(row["id1"]), participant_number(row["id2"]))
            for row in rows
            if row["close-friends?"].strip() not in ("", "0")
        ]


def write_events(events: Iterable[Event], target: Path) -> None:
    """Events as a generic-layout CSV (docs/comms-import.md), in time order."""
    with target.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for e in sorted(events, key=lambda e: (e.start, e.a, e.b)):
            writer.writerow([e.start.isoformat(), e.a, e.b, e.kind, e.duration_s, "", "", ""])


# --- injected lines ------------------------------------------------------------------------------

# Hours customers order in, from noon to 02:00 the next night, with their weights:
# afternoon, then busier in the evening (DESIGN.md: afternoon to night, often at night).
ORDER_HOURS = [(12, 1.0), (15, 1.0), (17, 2.0), (20, 2.5), (23, 1.5), (24, 1.0), (26, 0.0)]


def inject_lines(
    count: int, seed: int, real_numbers: list[str], first_day: date, last_day: date
) -> tuple[list[InjectedLine], list[Event]]:
    """``count`` lines active between ``first_day`` and ``last_day``, and all their events."""
    rng = random.Random(seed)  # noqa: S311  made to be repeated, not secret
    free = [f"{DRAMA_MOBILES}{i:03d}" for i in range(FIRST_INJECTED, 1000)]
    rng.shuffle(free)
    lines: list[InjectedLine] = []
    events: list[Event] = []
    for _ in range(count):
        line, line_events = _one_line(rng, free, sorted(real_numbers), first_day, last_day)
        lines.append(line)
        events += line_events
    return lines, events


def _take(free: list[str], how_many: int) -> list[str]:
    if how_many > len(free):
        raise ValueError(
            "The drama range has no numbers left for the injected lines: inject fewer lines."
        )
    taken, free[:] = free[:how_many], free[how_many:]
    return taken


def _one_line(
    rng: random.Random, free: list[str], real: list[str], first_day: date, last_day: date
) -> tuple[InjectedLine, list[Event]]:
    period = (last_day - first_day).days
    days = rng.randint(min(35, period), min(90, period))
    start = first_day + timedelta(days=rng.randint(0, period - days))
    numbers = _numbers_over_time(rng, free, start, days)
    real_customers = rng.sample(real, rng.randint(1, 3))
    customers = _take(free, rng.randint(15, 60) - len(real_customers)) + real_customers
    rng.shuffle(customers)
    controller = _take(free, 1)[0]
    # Half the customers are there from the start; the rest are introduced over time.
    joined = {
        c: start if rng.random() < 0.5 else start + timedelta(days=rng.randint(1, days // 2))
        for c in customers
    }
    appetite = {c: rng.uniform(0.08, 0.35) for c in customers}  # chance of an order on a day
    broadcast_rate = rng.uniform(0.35, 0.65)
    events: list[Event] = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        current, old = _in_use(numbers, day)
        known = [c for c in customers if joined[c] <= day]
        if current is not None and (
            day == _first_day(numbers, current) or rng.random() < broadcast_rate
        ):
            events += _broadcast(rng, current, known, day)
        for customer in known:
            if rng.random() < appetite[customer]:
                # Until a new number is up, and in its first days, some customers still
                # try the old one; nobody answers it.
                to = old if old and (current is None or rng.random() < 0.3) else current
                if to is not None:
                    events += _order(rng, customer, to, day, answered=to == current)
        if current is not None and rng.random() < 0.3:
            at = _at(day, rng.uniform(11, 22))
            events.append(Event(at, current, controller, "call", rng.randint(60, 400)))
    line = InjectedLine(tuple(n for n, _, _ in numbers), tuple(customers), tuple(real_customers))
    return line, events


def _numbers_over_time(
    rng: random.Random, free: list[str], start: date, days: int
) -> list[tuple[str, date, date]]:
    """The line's numbers with the first and last day each is in use: 1 to 3, in turn.

    A new number starts 1 to 3 days after the old one stops (a seizure, a new SIM).
    """
    changes = rng.choice([0, 0, 1, 1, 2]) if days >= 50 else rng.choice([0, 1])
    # Day offsets where a number stops, far enough apart for each number to be used.
    cuts = {
        0: [],
        1: [rng.randint(days // 4, 3 * days // 4)],
        2: [rng.randint(days // 5, 2 * days // 5), rng.randint(3 * days // 5, 4 * days // 5)],
    }[changes]
    numbers = []
    begin = start
    for number, cut in zip(_take(free, changes + 1), [*cuts, days], strict=True):
        stop = start + timedelta(days=cut - 1)
        numbers.append((number, begin, stop))
        begin = stop + timedelta(days=rng.randint(2, 4))
    return numbers


def _first_day(numbers: list[tuple[str, date, date]], number: str) -> date:
    return next(first for n, first, _ in numbers if n == number)


def _in_use(numbers: list[tuple[str, date, date]], day: date) -> tuple[str | None, str | None]:
    """The number in use on ``day`` (None between numbers), and the old number while
    customers may still try it: until the new one is up and for its first two days."""
    for index, (number, first, last) in enumerate(numbers):
        old = numbers[index - 1][0] if index else None
        if first <= day <= last:
            return number, old if (day - first).days < 2 else None
        if day < first:
            return None, old
    return None, None


def _broadcast(rng: random.Random, sender: str, known: list[str], day: date) -> list[Event]:
    """One text to most of the known customers, sent within two minutes."""
    at = _at(day, rng.uniform(9.5, 15))
    recipients = [c for c in known if rng.random() < 0.9]
    gaps = sorted(rng.randint(0, 120) for _ in recipients)  # whole seconds, as CDRs give
    return [
        Event(at + timedelta(seconds=gap), sender, c, "sms")
        for gap, c in zip(gaps, recipients, strict=True)
    ]


def _order(rng: random.Random, customer: str, line: str, day: date, answered: bool) -> list[Event]:
    """A customer's order: a text or a short call, often with a text back from the line."""
    at = _at(day, _order_hour(rng))
    if rng.random() < 0.55:
        events = [Event(at, customer, line, "sms")]
    else:
        roll = rng.random()
        seconds = rng.randint(5, 60) if roll < 0.85 else rng.randint(61, 180) if roll < 0.92 else 0
        events = [Event(at, customer, line, "call", seconds if answered else 0)]
    if answered and rng.random() < 0.5:
        events.append(Event(at + timedelta(seconds=rng.randint(20, 600)), line, customer, "sms"))
    return events


def _order_hour(rng: random.Random) -> float:
    starts = [h for h, _ in ORDER_HOURS[:-1]]
    ends = [h for h, _ in ORDER_HOURS[1:]]
    weights = [w * (end - begin) for (begin, w), end in zip(ORDER_HOURS[:-1], ends, strict=True)]
    index = rng.choices(range(len(starts)), weights)[0]
    return rng.uniform(starts[index], ends[index])


def _at(day: date, hour: float) -> datetime:
    """London time ``hour`` hours after the start of ``day`` (past 24 is the next day)."""
    return (datetime.combine(day, time()) + timedelta(hours=hour)).replace(
        microsecond=0, tzinfo=LONDON
    )


# --- analysis ------------------------------------------------------------------------------------


def import_events(path: Path, target: Path) -> int:
    """Read ``path`` as an import reads it into ``target`` (Parquet); the rows it set aside.

    Only repeats of the line before may be set aside: the background holds a few calls
    logged by both phones in the same second, and an import keeps one of each. Any
    other quarantined row is a fault of the conversion, and is refused.
    """
    sniffed = reading.sniff(path, load_profiles())
    batches = list(reading.batches(path, sniffed))
    quarantined = pa.concat_tables(b.quarantine for b in batches).to_pylist()
    faults = [row for row in quarantined if row["reason"] != DUPLICATE]
    if faults:
        raise ValueError(
            f"{path.name}: {len(faults)} row(s) quarantined, the first at line "
            f"{faults[0]['line']} ({faults[0]['reason']}). The conversion must give rows "
            "the import accepts."
        )
    events = pa.concat_tables(b.events for b in batches)
    if events.column("start_time").null_count:
        raise ValueError(
            f"{path.name}: {events.column('start_time').null_count} row(s) imported without "
            "a time. Write times as the generic layout does, in whole seconds."
        )
    pq.write_table(events, target)
    return len(quarantined)


def analyse_files(files: list[Path]) -> Result:
    """The analysis of the imported events of ``files`` with the shipped parameters, no cells."""
    parameters = load_parameters()
    engine = DuckDBEngine(parameters.time_zone)
    try:
        return analyse(engine, [str(f) for f in files], empty_cells(), parameters)
    finally:
        engine.close()


def reported_numbers(report: list[dict[str, Any]]) -> set[str]:
    return {n["number"] for line in report for n in line["numbers"]}


# --- scoring -------------------------------------------------------------------------------------


def score_background(
    result: Result, real: set[str], friends: list[tuple[str, str]]
) -> dict[str, Any]:
    """Lines reported on real numbers alone: each one a false positive."""
    report = result.report()
    return {
        "real_numbers": len(real),
        "scored": result.candidates,
        "lines": len(report),
        "per_1000": 1000 * len(report) / len(real),
        "friend_pairs": len(friends),
        "friend_pairs_reported": _friends_reported(report, friends),
        "signals": {
            n["number"]: line["signals"] for line in report for n in line["numbers"]
        },  # to explain any false line; printed, never recorded
    }


def score_injected(
    result: Result, real: set[str], lines: list[InjectedLine], friends: list[tuple[str, str]]
) -> dict[str, Any]:
    """Injected line numbers found, lines kept whole, and real numbers wrongly reported."""
    report = result.report()
    found = reported_numbers(report)
    line_numbers = {n for line in lines for n in line.numbers}
    line_of = {
        n: line["line_id"] for line in report for n in (x["number"] for x in line["numbers"])
    }
    changed = [line for line in lines if len(line.numbers) > 1]
    whole = [
        line
        for line in changed
        if all(n in line_of for n in line.numbers) and len({line_of[n] for n in line.numbers}) == 1
    ]
    return {
        "lines_injected": len(lines),
        "real_buyers": len({c for line in lines for c in line.real_customers}),
        "line_numbers": len(line_numbers),
        "line_numbers_found": len(line_numbers & found),
        "lines_with_any_number_found": sum(1 for line in lines if set(line.numbers) & found),
        "lines_changing_number": len(changed),
        "lines_kept_whole": len(whole),
        "lines": len(report),
        "real_numbers_reported": sorted(found & real),
        "other_numbers_reported": len(found - real - line_numbers),
        "friend_pairs_reported": _friends_reported(report, friends),
        "missed": sorted(line_numbers - found),
    }


def _friends_reported(report: list[dict[str, Any]], friends: list[tuple[str, str]]) -> int:
    found = reported_numbers(report)
    return sum(1 for a, b in friends if a in found or b in found)


# --- running and recording -----------------------------------------------------------------------


def run(data: Path, seeds: list[int], count: int, scratch: Path) -> dict[str, Any]:
    """Convert, inject for each seed, analyse and score; every figure the page records."""
    background = background_events(data / BACKGROUND)
    real = {e.a for e in background} | {e.b for e in background}
    friends = [pair for pair in close_friends(data / SURVEY) if set(pair) <= real]
    write_events(background, scratch / "reality-mining.csv")
    real_file = scratch / "reality-mining.parquet"
    set_aside = import_events(scratch / "reality-mining.csv", real_file)
    alone = score_background(analyse_files([real_file]), real, friends)
    first_day = min(e.start for e in background).date()
    last_day = max(e.start for e in background).date()
    seeded = []
    for seed in seeds:
        print(f"seed {seed}...", file=sys.stderr)
        lines, events = inject_lines(count, seed, sorted(real), first_day, last_day)
        write_events(events, scratch / f"injected-{seed}.csv")
        injected_file = scratch / f"injected-{seed}.parquet"
        import_events(scratch / f"injected-{seed}.csv", injected_file)
        scores = score_injected(analyse_files([real_file, injected_file]), real, lines, friends)
        seeded.append({"seed": seed, "events": len(events), **scores})
    return {"calls": len(background), "set_aside": set_aside, "alone": alone, "seeded": seeded}


def table(results: dict[str, Any]) -> str:
    """The results as docs/evaluation.md gives them: counts only, never a number."""
    alone, seeded = results["alone"], results["seeded"]
    rows = [
        f"Real calls alone: {alone['real_numbers']} numbers, {results['calls']:,} calls "
        f"({results['set_aside']} of them a repeat of the row before, which the import sets "
        f"aside); {alone['scored']} real number(s) scored. **{alone['lines']} line(s) "
        f"reported: {alone['per_1000']:.1f} per 1,000 real numbers** (goal: at most 1). "
        f"Close-friend pairs of the survey with a number reported as a line: "
        f"{alone['friend_pairs_reported']} of {alone['friend_pairs']}.",
        "",
        f"With {seeded[0]['lines_injected']} lines injected per seed:",
        "",
        "| seed | injected events | participants buying | line numbers found "
        "| lines with a number found | lines kept whole (of those changing number) "
        "| real numbers reported as lines | other numbers reported "
        "| close-friend pairs reported |",
        "|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for s in seeded:
        rows.append(
            f"| {s['seed']} | {s['events']:,} | {s['real_buyers']} "
            f"| {s['line_numbers_found']} of {s['line_numbers']} "
            f"| {s['lines_with_any_number_found']} of {s['lines_injected']} "
            f"| {s['lines_kept_whole']} of {s['lines_changing_number']} "
            f"| {len(s['real_numbers_reported'])} | {s['other_numbers_reported']} "
            f"| {s['friend_pairs_reported']} |"
        )
    found = sum(s["line_numbers_found"] for s in seeded)
    numbers = sum(s["line_numbers"] for s in seeded)
    whole = sum(s["lines_kept_whole"] for s in seeded)
    changed = sum(s["lines_changing_number"] for s in seeded)
    wrong = sum(len(s["real_numbers_reported"]) for s in seeded)
    rows += [
        "",
        f"Injected line numbers found: {found} of {numbers} ({found / numbers:.3f}). Lines "
        f"that changed number reported as one line: {whole} of {changed}. Real numbers "
        f"reported as lines with lines injected: {wrong} over {len(seeded)} seeds.",
    ]
    return "\n".join(rows)


def record(text: str) -> None:
    page = EVALUATION_PAGE.read_text("utf-8")
    start, end = page.index(BEGIN) + len(BEGIN), page.index(END)
    EVALUATION_PAGE.write_text(page[:start] + "\n" + text + "\n" + page[end:], "utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA, help="The data set's folder.")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    parser.add_argument("--lines", type=int, default=5, help="Lines injected per seed.")
    parser.add_argument("--record", action="store_true", help="Write into docs/evaluation.md.")
    args = parser.parse_args()
    if not (args.data / BACKGROUND).exists():
        parser.error(
            f"{args.data / BACKGROUND} is not there; give the data set's folder with --data."
        )
    scratch = Path(tempfile.mkdtemp(prefix="crossline-bench-reality-mining-"))
    try:
        results = run(args.data, args.seeds, args.lines, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    for number, signals in results["alone"]["signals"].items():
        print(f"false line {number}: {signals}", file=sys.stderr)
    for s in results["seeded"]:
        for number in s["real_numbers_reported"]:
            print(f"seed {s['seed']}: real number {number} reported as a line", file=sys.stderr)
        if s["missed"]:
            print(f"seed {s['seed']}: injected line numbers missed: {s['missed']}", file=sys.stderr)
    text = table(results)
    print(text)
    if args.record:
        record(text)
        print(f"Recorded in {EVALUATION_PAGE.relative_to(ROOT)}.", file=sys.stderr)


if __name__ == "__main__":
    main()
