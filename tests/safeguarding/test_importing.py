"""Importing agency records: young people, episodes and concerns; quarantine; exactly once."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crossline.auth.actor import Actor
from crossline.core.errors import Forbidden
from crossline.orgs.services import find_organisation
from crossline.safeguarding import importing
from crossline.safeguarding.models import Concern, MissingEpisode, YoungPerson
from crossline.safeguarding.services import concerns
from crossline.synth.generate import generate
from tests.factories import actor_of, make_organisation, make_user

HOSPITAL = ["attendance_id", "hospital", "arrived_at", "first_name", "surname", "dob", "injury"]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("agencies") / "world"
    generate("tiny", 11, folder)
    return folder


@pytest.fixture
def trust(db: Session) -> Actor:
    organisation = make_organisation(db, "health_trust")
    return actor_of(make_user(db, organisation, ["safeguarding_practitioner"]), organisation)


def _practitioner(db: Session, force: str) -> Actor:
    organisation = find_organisation(db, force)
    return actor_of(make_user(db, organisation, ["safeguarding_practitioner"]), organisation)


def _count(db: Session, model: type[object]) -> int:
    return db.scalar(select(func.count()).select_from(model)) or 0


def _write(path: Path, rows: list[list[str]], header: list[str] = HOSPITAL) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_missing_episodes_become_episodes_and_concerns_once(db: Session, world: Path) -> None:
    actor = _practitioner(db, "merseyside")
    agencies = world / "agencies"
    with (agencies / "missing_episodes.csv").open() as handle:
        own = [r for r in csv.DictReader(handle) if r["reporting_force"] == "merseyside"]
    assert own, "the tiny world should have episodes reported by Merseyside"
    first = importing.import_agency_file(
        db,
        actor,
        "missing",
        agencies / "missing_episodes.csv",
        people=agencies / "person_records.csv",
    )
    assert first.quarantined == []
    assert first.imported + sum(first.skipped.values()) - first.skipped[
        importing.ANOTHER_FORCE
    ] == len(own)
    assert first.imported >= 1
    assert first.concerns_raised >= first.imported
    episodes = db.scalars(select(MissingEpisode)).all()
    assert {e.source_ref for e in episodes} <= {r["episode_id"] for r in own}
    assert all(e.organisation_id == actor.organisation_id for e in episodes)
    assert all(e.found_at is not None and e.rhi_due is not None for e in episodes)
    refs = set(db.scalars(select(Concern.source_ref).where(Concern.source == "missing")))
    assert refs == {e.source_ref for e in episodes}
    before = (_count(db, YoungPerson), _count(db, MissingEpisode), _count(db, Concern))
    again = importing.import_agency_file(
        db,
        actor,
        "missing",
        agencies / "missing_episodes.csv",
        people=agencies / "person_records.csv",
    )
    assert (again.imported, again.already, again.concerns_raised) == (0, first.imported, 0)
    assert (_count(db, YoungPerson), _count(db, MissingEpisode), _count(db, Concern)) == before


def test_a_record_id_not_known_is_quarantined(db: Session, world: Path) -> None:
    actor = _practitioner(db, "merseyside")
    result = importing.import_agency_file(
        db, actor, "missing", world / "agencies" / "missing_episodes.csv"
    )
    assert result.imported == 0
    assert result.quarantined
    assert all("no person record" in q.reason for q in result.quarantined)


def test_bad_rows_are_quarantined_with_line_and_reason(
    db: Session, trust: Actor, tmp_path: Path
) -> None:
    path = _write(
        tmp_path / "ed.csv",
        [
            [
                "ED-1",
                "Telford Hospital",
                "2025-10-13T01:57:35Z",
                "Leah",
                "Ali",
                "2010-09-11",
                "cut",
            ],
            ["", "Telford Hospital", "2025-10-13T01:57:35Z", "Sam", "Ali", "2010-09-11", "cut"],
            ["ED-3", "Telford Hospital", "13/10/2025", "Sam", "Ali", "2010-09-11", "cut"],
            ["ED-4", "Telford Hospital", "2025-10-13T01:57:35", "Sam", "Ali", "2010-09-11", "cut"],
            ["ED-5", "Telford Hospital", "2025-10-13T01:57:35Z", "Sam", "Ali", "2010-13-11", "x"],
            ["ED-1", "Telford Hospital", "2025-10-14T01:57:35Z", "Leah", "Ali", "2010-09-11", "x"],
            ["ED-7", "Telford Hospital", "2025-10-13T01:57:35Z", "", "Ali", "2010-09-11", "cut"],
            ["ED-8", "Telford Hospital", "2025-10-14T01:57:35Z", "Leah", "Ali", "2010-09-11", "x"],
            ["ED-9", "Telford Hospital", "2025-10-14T01:57:35Z", "Old", "Man", "1950-01-01", "x"],
            ["ED-10", "Telford Hospital", "2025-10-14T01:57:35Z", "No", "Age", "", "x"],
        ],
    )
    result = importing.import_agency_file(db, trust, "hospital", path)
    reasons = {q.line: q.reason for q in result.quarantined}
    assert set(reasons) == {3, 4, 5, 6, 7, 8}
    assert reasons[3].startswith("attendance_id: empty")
    assert reasons[4].startswith("arrived_at: not a date")
    assert reasons[5].startswith("arrived_at: no time zone")
    assert reasons[6].startswith("dob: not a date")
    assert "earlier line" in reasons[7]
    assert reasons[8].startswith("first_name, surname")
    assert all(q.file == "ed.csv" for q in result.quarantined)
    assert "Leah" not in " ".join(reasons.values())
    assert (result.imported, result.young_people_added, result.concerns_raised) == (2, 1, 2)
    assert result.skipped == {importing.NOT_A_CHILD: 1, importing.AGE_NOT_KNOWN: 1}
    again = importing.import_agency_file(db, trust, "hospital", path)
    assert (again.imported, again.already, again.concerns_raised) == (0, 2, 0)
    assert _count(db, Concern) == 2
    # Each import is kept with its counts and the line and reason of each row set aside.
    kept = importing.imports_of(db, trust)
    assert {(k.id, k.imported, k.already, k.quarantined) for k in kept} == {
        (again.id, 0, 2, 6),
        (result.id, 2, 0, 6),
    }
    record, rows = importing.import_of(db, trust, result.id)
    assert (record.file_name, record.kind, record.via) == ("ed.csv", "hospital", "cli")
    assert {r.line: r.reason for r in rows} == reasons


def test_a_row_a_service_refuses_is_quarantined_and_the_rest_imported(
    db: Session, trust: Actor, tmp_path: Path
) -> None:
    path = _write(
        tmp_path / "ed.csv",
        [
            [
                "ED-1",
                "Telford Hospital",
                "2025-10-13T01:57:35Z",
                "Leah",
                "Ali",
                "2010-09-11",
                "cut",
            ],
            ["ED-2", "Telford Hospital", "2025-10-13T01:57:35Z", "Zed", "Ali", "2099-01-01", "cut"],
            ["ED-3", "Telford Hospital", "2025-10-13T01:57:35Z", "Ian", "Ali", "2011-01-01", "cut"],
        ],
    )
    result = importing.import_agency_file(db, trust, "hospital", path)
    assert [(q.line, q.reason.split(":")[0]) for q in result.quarantined] == [(3, "dob")]
    assert (result.imported, result.concerns_raised, _count(db, YoungPerson)) == (2, 2, 2)


def test_a_crash_mid_import_leaves_the_store_as_it_was(
    db: Session, trust: Actor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(
        tmp_path / "ed.csv",
        [
            [
                "ED-1",
                "Telford Hospital",
                "2025-10-13T01:57:35Z",
                "Leah",
                "Ali",
                "2010-09-11",
                "cut",
            ],
            ["ED-2", "Telford Hospital", "2025-10-13T01:57:35Z", "Ian", "Ali", "2011-01-01", "cut"],
        ],
    )
    real = concerns.raise_concern
    calls: list[int] = []

    def failing(*args: object, **kwargs: object) -> object:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("the disk is full")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(concerns, "raise_concern", failing)
    with pytest.raises(RuntimeError):
        importing.import_agency_file(db, trust, "hospital", path)
    db.rollback()
    assert (_count(db, YoungPerson), _count(db, Concern)) == (0, 0)


def test_custody_of_a_child_raises_a_concern_and_an_adults_is_skipped(
    db: Session, world: Path
) -> None:
    agencies = world / "agencies"
    with (agencies / "custody.csv").open() as handle:
        forces = sorted({r["force"] for r in csv.DictReader(handle)})
    raised = skipped = 0
    for force in forces:
        result = importing.import_agency_file(
            db,
            _practitioner(db, force),
            "custody",
            agencies / "custody.csv",
            people=agencies / "person_records.csv",
        )
        assert result.quarantined == []
        raised += result.concerns_raised
        skipped += result.skipped[importing.NOT_A_CHILD]
    assert raised >= 1
    assert skipped >= 1
    assert set(db.scalars(select(Concern.source))) == {"custody"}


def test_only_safeguarding_roles_may_import(db: Session, world: Path) -> None:
    force = make_organisation(db, "police_force")
    analyst = actor_of(make_user(db, force, ["intelligence_analyst"]), force)
    with pytest.raises(Forbidden):
        importing.import_agency_file(db, analyst, "custody", world / "agencies" / "custody.csv")


def test_a_row_the_schema_refuses_is_set_aside_by_field_without_its_value(
    db: Session, trust: Actor, tmp_path: Path
) -> None:
    long_name = "Zephaniah" * 30  # 270 characters: more than a name may hold
    path = _write(
        tmp_path / "ed.csv",
        [
            [
                "ED-1",
                "Telford Hospital",
                "2025-10-13T01:57:35Z",
                long_name,
                "Ali",
                "2010-09-11",
                "x",
            ],
            ["ED-2", "Telford Hospital", "2025-10-13T01:57:35Z", "Leah", "Ali", "2010-09-11", "x"],
        ],
    )
    result = importing.import_agency_file(db, trust, "hospital", path, name="from the trust.csv")
    assert result.imported == 1
    assert [(q.file, q.line) for q in result.quarantined] == [("from the trust.csv", 2)]
    reason = result.quarantined[0].reason
    assert "first_name: longer than 200 characters" in reason
    assert "Zephaniah" not in reason
    assert result.id is not None
    _, kept = importing.import_of(db, trust, result.id)
    assert [r.reason for r in kept] == [reason]
