"""Scoring concerns against a synthetic world's truth: ``concerns.child_recall``.

The share of the truth's child runners (role ``runner``, ``age_at_start``
under 18) about whom the store holds at least one concern, by any
organisation. A concern is matched to a truth person after the fact, never
before: through the agency record id it was raised from (its ``source_ref``,
or its young person's, looked up in ``truth/agency_records.csv``) or its
young person's phone number (``truth/people.csv``). Nothing here feeds back
into raising concerns.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crossline.core.errors import InvalidInput
from crossline.safeguarding.models import Concern, YoungPerson

CHILD_UNDER = 18


@dataclass(frozen=True)
class ChildRecall:
    children: int  # child runners in the truth
    with_concern: int  # of them, with at least one concern
    by_source: dict[str, int] = field(default_factory=dict)  # children with a concern of each

    @property
    def child_recall(self) -> float:
        return self.with_concern / self.children if self.children else 1.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "child_recall": round(self.child_recall, 4),
            "children": self.children,
            "with_concern": self.with_concern,
            "by_source": dict(sorted(self.by_source.items())),
        }


def _rows(truth: Path, name: str) -> list[dict[str, str]]:
    path = truth / name
    if not path.is_file():
        raise InvalidInput(
            f"{truth} is not a synthetic world's truth folder: {name} is missing.", field="truth"
        )
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def child_runners(truth: Path) -> set[str]:
    """The truth's person ids of runners under 18 when they started on a line."""
    return {
        row["person_id"]
        for row in _rows(truth, "line_people.csv")
        if row["role"] == "runner" and int(row["age_at_start"]) < CHILD_UNDER
    }


def has_concerns(db: Session) -> bool:
    return db.scalar(select(Concern.id).limit(1)) is not None


def child_recall(db: Session, truth: Path) -> ChildRecall:
    """How many of the truth's child runners have a concern, and from which sources.

    Reads every concern in the store: an evaluation tool for a synthetic world,
    not a service for users (it checks no permission and audits nothing).
    """
    if (truth / "truth").is_dir():
        truth = truth / "truth"
    children = child_runners(truth)
    person_of_number = {r["number"]: r["person_id"] for r in _rows(truth, "people.csv")}
    person_of_record = {r["record"]: r["person_id"] for r in _rows(truth, "agency_records.csv")}
    sources: dict[str, set[str]] = {}
    rows = db.execute(
        select(
            Concern.source,
            Concern.source_ref,
            YoungPerson.source_ref,
            YoungPerson.phone_number,
        ).join(YoungPerson, YoungPerson.id == Concern.young_person_id)
    ).all()
    for source, concern_ref, person_ref, number in rows:
        who = {
            person_of_record.get(concern_ref or ""),
            person_of_record.get(person_ref or ""),
            person_of_number.get(number or ""),
        } - {None}
        for person in who & children:
            assert person is not None
            sources.setdefault(source, set()).add(person)
    covered = set().union(*sources.values()) if sources else set()
    return ChildRecall(
        children=len(children),
        with_concern=len(covered),
        by_source=dict(Counter({s: len(p) for s, p in sources.items()})),
    )
