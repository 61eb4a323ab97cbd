"""Bringing lines up to date with new imports without analysing all history again.

A run after new imports analyses only a window: from ``incremental_lookback_days``
before the first day of the new data to the end. That is enough history for a
number's customer base and for a new number's predecessor (a successor starts
within ``successor_max_gap_days`` of the old number's last use). Lines of the
earlier run that ended before the window stand as they were; lines seen in the
window are merged with the earlier run's lines they share a number with, keeping
the earlier line id, first sightings and evidence. Where the data do not allow it
(no earlier run, other parameters, imports removed since, new data reaching back
into the start of the earlier history, or a line first found in the window that
was already in use when it began) the run analyses everything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from crossline.analytics.pipeline import journey_flag


@dataclass(frozen=True)
class Plan:
    """What a run analyses: everything, or the days from ``window_from`` on."""

    window_from: date | None  # None: all history
    reason: str  # why, for the run's record

    @property
    def incremental(self) -> bool:
        return self.window_from is not None


def plan(
    *,
    earlier_imports: set[str] | None,
    earlier_parameters: str | None,
    parameters: str,
    days_of: dict[str, set[date]],
    lookback_days: int,
) -> Plan:
    """Decide between a window and all history.

    ``earlier_imports`` are the imports the organisation's last run analysed (None
    when there was none); ``days_of`` maps each import to analyse now to the days
    its events fall on. Dates of birth recorded since the last run need no full
    run: the merged lines are judged again with them (pipeline.rejudge_report).
    """
    if earlier_imports is None:
        return Plan(None, "the first run analyses all history")
    if earlier_parameters != parameters:
        return Plan(None, "the parameters changed since the last run: all history again")
    if not earlier_imports <= set(days_of):
        return Plan(None, "imports analysed last time are gone: all history again")
    new = set(days_of) - earlier_imports
    new_days = {d for i in new for d in days_of[i]}
    if not new_days:
        return Plan(None, "no new call records since the last run: all history again")
    old_days = {d for i in earlier_imports for d in days_of[i]}
    window_from = min(new_days) - timedelta(days=lookback_days)
    if not old_days or window_from <= min(old_days):
        return Plan(None, "the new records reach back to the start of the history: all of it")
    return Plan(
        window_from,
        f"new records from {min(new_days).isoformat()}: analysed from "
        f"{window_from.isoformat()}, {lookback_days} days before them",
    )


def new_before_window(
    earlier: list[dict[str, Any]], window: list[dict[str, Any]], window_from: date
) -> bool:
    """Whether the window found a line the earlier run did not that was in use before it.

    Its history before the window (journeys, the days its runners were with it)
    is not in the window; only a run over all history sees it whole.
    """
    known = {n["number"] for line in earlier for n in line["numbers"]}
    edge = (window_from + timedelta(days=1)).isoformat()
    return any(
        not any(n["number"] in known for n in line["numbers"])
        and min(n["first_seen"] for n in line["numbers"]) < edge
        for line in window
    )


def merge(
    earlier: list[dict[str, Any]], window: list[dict[str, Any]], window_from: date
) -> list[dict[str, Any]]:
    """The earlier run's lines brought up to date with the lines found in the window.

    Both are report entries (docs/analysis.md). A window line takes the id of the
    earliest earlier line it shares a number with, and keeps that line's numbers,
    links, roles and first sightings from before the window; earlier lines the
    window did not see again stand as they were.
    """
    owner: dict[str, int] = {}
    for index, line in enumerate(earlier):
        for number in line["numbers"]:
            owner.setdefault(number["number"], index)
    used: set[int] = set()
    merged = []
    for line in window:
        matches = sorted(
            {owner[n["number"]] for n in line["numbers"] if n["number"] in owner},
            key=lambda i: (_first_seen(earlier[i]), earlier[i]["line_id"]),
        )
        used.update(matches)
        entry = line
        for index in matches:
            entry = _combine(earlier[index], entry)
        if matches:
            entry = {**entry, "line_id": earlier[matches[0]]["line_id"]}
        merged.append(entry)
    merged.extend(line for index, line in enumerate(earlier) if index not in used)
    merged.sort(key=lambda line: (-line["score"], line["line_id"]))
    return merged


def _combine(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    numbers = _by_key(old["numbers"], new["numbers"], ("number",), _widen)
    numbers.sort(key=lambda n: (n["first_seen"], n["number"]))
    return {
        **new,
        "score": max(old["score"], new["score"]),
        "numbers": numbers,
        "handsets": sorted(
            _by_key(old["handsets"], new["handsets"], ("number", "imei"), _widen),
            key=lambda h: (h["number"], h["first_seen"], h["imei"]),
        ),
        "successor_links": sorted(
            _by_key(old["successor_links"], new["successor_links"], ("from", "to"), _newer),
            key=lambda link: (link["from"], link["to"]),
        ),
        "roles": _roles(old["roles"], new["roles"]),
        "hub_area": new["hub_area"] or old["hub_area"],
        "county_area": new["county_area"] or old["county_area"],
        "bases": new["bases"] or old["bases"],
        "detected_on": min(
            (d for d in (old.get("detected_on"), new.get("detected_on")) if d), default=None
        ),
        "signals": new["signals"] if new["score"] >= old["score"] else old["signals"],
    }


def _roles(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[dict[str, Any]]:
    def ordered(person: dict[str, Any]) -> tuple[int, str, str]:
        return (person["role"] == "customer", person["role"], person["number"])

    def keep_flag(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
        # first seen with the line: the earlier run's day, when it saw them first
        seen = [
            x["evidence"]["first_seen_with_line"]
            for x in (a, b)
            if "first_seen_with_line" in x.get("evidence", {})
        ]
        if seen:
            b = {**b, "evidence": {**b["evidence"], "first_seen_with_line": min(seen)}}
        # a journey-pattern flag of earlier days stands; the recorded dates of birth
        # are applied to the merged lines afterwards (pipeline.rejudge_report)
        journeys = journey_flag(a.get("child_evidence", {}), a.get("evidence", {}))
        if journeys and not journey_flag(b.get("child_evidence", {}), b.get("evidence", {})):
            return {**b, "possible_child": True, "child_evidence": journeys}
        return b

    return sorted(_by_key(old, new, ("number", "role"), keep_flag), key=ordered)


def _by_key(
    old: Iterable[dict[str, Any]],
    new: Iterable[dict[str, Any]],
    key: tuple[str, ...],
    join: Any,
) -> list[dict[str, Any]]:
    found: dict[tuple[Any, ...], dict[str, Any]] = {tuple(x[k] for k in key): x for x in old}
    for item in new:
        k = tuple(item[name] for name in key)
        found[k] = join(found[k], item) if k in found else item
    return list(found.values())


def _widen(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    widened = {
        **new,
        "first_seen": min(old["first_seen"], new["first_seen"]),
        "last_seen": max(old["last_seen"], new["last_seen"]),
    }
    if "detected" in new:
        widened["detected"] = bool(old.get("detected")) or bool(new["detected"])
        widened["score"] = max(old["score"], new["score"])
        widened["customers"] = max(old["customers"], new["customers"])
    if "events" in new:
        # the two runs' counts overlap in the window: the larger is the nearer
        widened["events"] = max(old["events"], new["events"])
    return widened


def _newer(_: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    return new


def _first_seen(line: dict[str, Any]) -> str:
    return str(min(n["first_seen"] for n in line["numbers"]))
