"""Scoring an analysis against a synthetic world's truth (``crossline evaluate``).

Measures, each as precision, recall and F1 where that makes sense:

- line numbers: the numbers reported as lines against the truth's line numbers;
- successor links: pairs of numbers put in one line, against pairs of numbers
  of one line in the truth (pairwise, as clusterings are scored);
- roles: (line, number, role) for runners, controllers and cuckooed residents,
  a reported line standing for the truth line most of its numbers belong to;
- child flags: runners flagged as possible children against runners under 18, and
  how many of those children made a journey in school hours at all; the same for
  the journey pattern alone (what the flags would be with no date of birth
  recorded), and how many children were flagged by a recorded date of birth;
- bulk senders: look-alike services (taxi, school, surgery, delivery) reported;
- days to detection: for each line found, days from its first event to the
  first day its evidence met the bar (from ``detected_on`` when the report has
  it, else the end of the data).
"""

from __future__ import annotations

import csv
import statistics
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from datetime import date, datetime
from itertools import combinations
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from crossline.analytics.parameters import Parameters, load_parameters
from crossline.core.errors import InvalidInput

ROLES = ("runner", "controller", "cuckooed")


@dataclass(frozen=True)
class Score:
    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        real = self.true_positives + self.false_negatives
        return self.true_positives / real if real else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {
            **asdict(self),
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }


def compare(found: set[Any], real: set[Any]) -> Score:
    return Score(len(found & real), len(found - real), len(real - found))


@dataclass
class Evaluation:
    line_numbers: Score
    successor_links: Score
    roles: dict[str, Score]
    child_flags: Score
    children_showing_pattern: int  # child runners with a journey set off in school hours
    child_flags_by_journeys: Score  # the flags of the journey pattern alone
    children_flagged_by_record: int  # child runners flagged by a recorded date of birth
    bulk_senders_reported: list[str]
    median_days_to_detection: float | None
    lines_found: int
    lines_in_truth: int
    lines_detected: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "line_numbers": self.line_numbers.as_dict(),
            "successor_links": self.successor_links.as_dict(),
            "roles": {k: v.as_dict() for k, v in self.roles.items()},
            "child_flags": self.child_flags.as_dict(),
            "children_showing_pattern": self.children_showing_pattern,
            "child_flags_by_journeys": self.child_flags_by_journeys.as_dict(),
            "children_flagged_by_record": self.children_flagged_by_record,
            "bulk_senders_reported": self.bulk_senders_reported,
            "median_days_to_detection": self.median_days_to_detection,
            "lines_found": self.lines_found,
            "lines_in_truth": self.lines_in_truth,
            "lines_detected": self.lines_detected,
        }


def _read(truth: Path, name: str) -> list[dict[str, str]]:
    path = truth / name
    if not path.is_file():
        raise InvalidInput(
            f"{truth} is not a synthetic world's truth folder: {name} is missing.", field="truth"
        )
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def evaluate(
    lines: list[dict[str, Any]], truth: Path, parameters: Parameters | None = None
) -> Evaluation:
    """Score reported ``lines`` (the report's entries) against the truth in ``truth``.

    ``children_showing_pattern`` counts the child runners of the truth with at least
    one journey that set off in school hours on a school day (by ``parameters``): the
    most a rule on journey times can flag.
    """
    p = parameters or load_parameters()
    if (truth / "truth").is_dir():
        truth = truth / "truth"
    truth_numbers = _read(truth, "line_numbers.csv")
    line_of_number = {r["number"]: r["line_id"] for r in truth_numbers}
    first_day = {
        r["line_id"]: date.fromisoformat(r["first_day"]) for r in _read(truth, "lines.csv")
    }
    people = {r["person_id"]: r for r in _read(truth, "people.csv")}
    services = {r["number"]: r["kind"] for r in _read(truth, "services.csv")}

    reported = {n["number"] for line in lines for n in line["numbers"]}
    line_numbers = compare(reported, set(line_of_number))

    found_pairs = {
        frozenset(p)
        for line in lines
        for p in combinations(sorted(n["number"] for n in line["numbers"]), 2)
    }
    members: dict[str, list[str]] = defaultdict(list)
    for number, line_id in line_of_number.items():
        members[line_id].append(number)
    real_pairs = {frozenset(p) for ns in members.values() for p in combinations(sorted(ns), 2)}
    successor_links = compare(found_pairs, real_pairs)

    # A reported line stands for the truth line most of its numbers belong to.
    standing_for: dict[str, str] = {}
    for line in lines:
        votes = Counter(
            line_of_number[n["number"]] for n in line["numbers"] if n["number"] in line_of_number
        )
        if votes:
            standing_for[line["line_id"]] = votes.most_common(1)[0][0]
    real_roles: dict[str, set[tuple[str, str]]] = {r: set() for r in ROLES}
    children: set[tuple[str, str]] = set()
    for row in _read(truth, "line_people.csv"):
        if row["role"] in real_roles:
            number = people[row["person_id"]]["number"]
            real_roles[row["role"]].add((row["line_id"], number))
            if row["role"] == "runner" and int(row["age_at_start"]) < 18:
                children.add((row["line_id"], number))
    child_people = {
        row["person_id"]
        for row in _read(truth, "line_people.csv")
        if row["role"] == "runner" and int(row["age_at_start"]) < 18
    }
    zone, (opens, closes) = ZoneInfo(p.time_zone), p.school_hours
    showing = set()
    for row in _read(truth, "trips.csv"):
        if row["person_id"] not in child_people:
            continue
        left = datetime.fromisoformat(row["departed"].replace("Z", "+00:00")).astimezone(zone)
        hour = left.hour + left.minute / 60
        if left.weekday() in p.school_weekdays and opens <= hour < closes:
            showing.add((row["line_id"], people[row["person_id"]]["number"]))
    found_roles: dict[str, set[tuple[str, str]]] = {r: set() for r in ROLES}
    flagged: set[tuple[str, str]] = set()
    by_journeys: set[tuple[str, str]] = set()
    by_record: set[tuple[str, str]] = set()
    for line in lines:
        real_line = standing_for.get(line["line_id"], line["line_id"])
        for person in line.get("roles", []):
            key = (real_line, person["number"])
            if person["role"] in found_roles:
                found_roles[person["role"]].add(key)
            why = person.get("child_evidence", {})
            if person.get("possible_child"):
                flagged.add(key)
                if "recorded_dates_of_birth" in why:
                    by_record.add(key)
            if (
                "departures_in_school_hours" in why
                or "journey_pattern" in why
                or "journey_pattern_set_aside" in person.get("evidence", {})
            ):
                by_journeys.add(key)
    roles = {r: compare(found_roles[r], real_roles[r]) for r in ROLES}
    roles["all"] = compare(
        {(r, *x) for r in ROLES for x in found_roles[r]},
        {(r, *x) for r in ROLES for x in real_roles[r]},
    )

    delays = []
    for line in lines:
        real_line = standing_for.get(line["line_id"])
        if real_line is None or not line.get("detected_on"):
            continue
        delays.append((date.fromisoformat(line["detected_on"]) - first_day[real_line]).days)
    return Evaluation(
        line_numbers=line_numbers,
        successor_links=successor_links,
        roles=roles,
        child_flags=compare(flagged, children),
        children_showing_pattern=len(showing & children),
        child_flags_by_journeys=compare(by_journeys, children),
        children_flagged_by_record=len(by_record & children),
        bulk_senders_reported=sorted(f"{services[n]} {n}" for n in reported if n in services),
        median_days_to_detection=float(statistics.median(delays)) if delays else None,
        lines_found=len(lines),
        lines_in_truth=len(first_day),
        lines_detected=len(set(standing_for.values())),
    )
