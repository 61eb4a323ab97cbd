"""``concerns.child_recall``: the truth's child runners with a concern, on a hand-made truth."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from crossline.auth.actor import Actor
from crossline.safeguarding.evaluation import child_recall, has_concerns
from crossline.safeguarding.schemas import ConcernIn, YoungPersonIn
from crossline.safeguarding.services import concerns, young_people
from tests.factories import actor_of, make_organisation, make_user


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


@pytest.fixture
def truth(tmp_path: Path) -> Path:
    folder = tmp_path / "world" / "truth"
    folder.mkdir(parents=True)
    _write(
        folder / "line_people.csv",
        ["line_id", "person_id", "role", "first_day", "last_day", "age_at_start"],
        [
            ["L001", "P1", "runner", "2025-10-01", "2025-11-01", "16"],  # concern by number
            ["L001", "P2", "runner", "2025-10-01", "2025-11-01", "15"],  # by agency record
            ["L002", "P3", "runner", "2025-10-01", "2025-11-01", "17"],  # none
            ["L002", "P4", "runner", "2025-10-01", "2025-11-01", "25"],  # an adult
            ["L002", "P5", "controller", "2025-10-01", "2025-11-01", "16"],  # not a runner
            ["L003", "P1", "runner", "2025-10-01", "2025-11-01", "16"],  # a second line
        ],
    )
    _write(
        folder / "people.csv",
        ["person_id", "number"],
        [[p, f"+4477009001{i:02d}"] for i, p in enumerate(["P1", "P2", "P3", "P4", "P5"])],
    )
    _write(
        folder / "agency_records.csv",
        ["file", "record", "person_id"],
        [["hospital_attendances.csv", "ED-00001", "P2"], ["custody.csv", "CUS-00001", "P3"]],
    )
    return folder.parent


@pytest.fixture
def practitioner(db: Session) -> Actor:
    council = make_organisation(db, "local_authority")
    return actor_of(make_user(db, council, ["safeguarding_practitioner"]), council)


def _concern(
    db: Session, actor: Actor, person: YoungPersonIn, source: str, ref: str | None = None
) -> None:
    held = young_people.create(db, actor, person)
    concerns.raise_concern(
        db, actor, held.id, ConcernIn(source=source, summary="A worry.", source_ref=ref)
    )


def test_child_recall_counts_child_runners_with_any_concern(
    db: Session, practitioner: Actor, truth: Path
) -> None:
    assert not has_concerns(db)
    assert child_recall(db, truth).as_dict() == {
        "child_recall": 0.0,
        "children": 3,
        "with_concern": 0,
        "by_source": {},
    }
    _concern(db, practitioner, YoungPersonIn(phone_number="+447700900100"), "analysis")
    _concern(db, practitioner, YoungPersonIn(first_name="A", surname="B"), "hospital", "ED-00001")
    _concern(db, practitioner, YoungPersonIn(phone_number="+447700900103"), "analysis")  # adult
    _concern(db, practitioner, YoungPersonIn(phone_number="+447700900104"), "analysis")
    # A concern whose record names nobody in the truth counts for nobody.
    _concern(db, practitioner, YoungPersonIn(first_name="C", surname="D"), "custody", "CUS-9")
    assert has_concerns(db)
    assert child_recall(db, truth / "truth").as_dict() == {
        "child_recall": 0.6667,
        "children": 3,
        "with_concern": 2,
        "by_source": {"analysis": 1, "hospital": 1},
    }


def test_a_young_persons_record_reference_also_matches(
    db: Session, practitioner: Actor, truth: Path
) -> None:
    held = young_people.create(
        db, practitioner, YoungPersonIn(first_name="E", surname="F"), source_ref="CUS-00001"
    )
    concerns.raise_concern(db, practitioner, held.id, ConcernIn(source="custody", summary="W."))
    result = child_recall(db, truth)
    assert (result.with_concern, result.by_source) == (1, {"custody": 1})
