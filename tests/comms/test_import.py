"""Importing operator exports: every row imported or quarantined, exactly once, audited."""

from __future__ import annotations

import csv
import shutil
import uuid
from collections import Counter
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crossline.audit.models import AuditEntry
from crossline.auth.actor import Actor
from crossline.comms import services, store
from crossline.comms.models import CommsImport, QuarantinedRow
from crossline.core.errors import Forbidden, InvalidInput
from tests.factories import actor_of, make_organisation, make_user

AUTH = "OCDA-2025-000123"
KIND_OF = {
    "not a real date and time": "impossible_date",
    "IMEI is not 15 digits with a valid check digit": "invalid_imei",
    "duplicate of the line before": "duplicate_row",
    "header repeated in the middle of the file": "stray_header",
    "ambiguous local time (the hour repeated when clocks go back)": "ambiguous_local_time",
}


def _kind(reason: str) -> str:
    return "truncated_row" if "fields where the layout has" in reason else KIND_OF[reason]


def _exports(world: Path) -> list[Path]:
    return sorted((world / "comms").glob("operator_*_2*.csv"))


def _truth(world: Path) -> dict[str, set[tuple[int, str]]]:
    found: dict[str, set[tuple[int, str]]] = {}
    with (world / "truth" / "defects.csv").open() as handle:
        for row in csv.DictReader(handle):
            found.setdefault(row["file"], set()).add((int(row["line"]), row["kind"]))
    return found


def test_every_injected_defect_is_quarantined_at_its_line(
    db: Session, analyst: Actor, data_dir: Path, world: Path
) -> None:
    report = services.import_files(db, analyst, data_dir, _exports(world), authorisation=AUTH)
    truth = _truth(world)
    for file_report in report.files:
        assert file_report.status == "imported"
        rows = db.execute(
            select(QuarantinedRow.line, QuarantinedRow.reason).where(
                QuarantinedRow.import_id == uuid.UUID(file_report.import_id or "")
            )
        ).all()
        assert {(line, _kind(reason)) for line, reason in rows} == truth[file_report.file]
        counted = Counter()
        for reason, n in file_report.quarantined.items():
            counted[_kind(reason)] += n
        assert counted == Counter(kind for _, kind in truth[file_report.file])


def test_every_line_is_imported_or_quarantined(
    db: Session, analyst: Actor, data_dir: Path, world: Path
) -> None:
    report = services.import_files(db, analyst, data_dir, _exports(world), authorisation=AUTH)
    for path, file_report in zip(_exports(world), report.files, strict=True):
        data_lines = len(path.read_bytes().splitlines()) - 1
        assert file_report.rows_read == data_lines
        assert file_report.rows_imported + sum(file_report.quarantined.values()) == data_lines
    stored = duckdb.sql(
        f"SELECT count(*) FROM read_parquet('{store.event_files(data_dir)}', "
        "hive_partitioning = true)"
    ).fetchall()
    assert stored == [(report.rows_imported,)]


def test_the_same_file_twice_adds_nothing(
    db: Session, analyst: Actor, data_dir: Path, world: Path
) -> None:
    first = services.import_files(db, analyst, data_dir, _exports(world)[:1], authorisation=AUTH)
    files_before = sorted(p.name for p in (data_dir / "comms").rglob("*.parquet"))
    again = services.import_files(db, analyst, data_dir, _exports(world)[:1], authorisation=AUTH)
    assert again.files[0].status == "already imported"
    assert again.rows_imported == 0
    assert again.skipped == [_exports(world)[0].name]
    assert sorted(p.name for p in (data_dir / "comms").rglob("*.parquet")) == files_before
    assert db.scalar(select(func.count()).select_from(CommsImport)) == 1
    assert first.files[0].import_id == again.files[0].import_id


def test_provenance_is_kept_and_the_import_audited(
    db: Session, analyst: Actor, data_dir: Path, world: Path
) -> None:
    path = _exports(world)[0]
    report = services.import_files(db, analyst, data_dir, [path], authorisation=AUTH)
    entry = db.get_one(CommsImport, uuid.UUID(report.files[0].import_id or ""))
    assert entry.file_name == path.name
    assert entry.sha256 == services.sha256_of(path)
    assert entry.size_bytes == path.stat().st_size
    assert entry.profile == "operator_a"
    assert entry.authorisation == AUTH
    assert entry.imported_by_id == analyst.user_id
    audit = db.scalar(select(AuditEntry).where(AuditEntry.record_id == str(entry.id)))
    assert audit is not None
    assert audit.operation == "collection"
    assert AUTH in (audit.justification or "")
    ids = duckdb.sql(
        f"SELECT DISTINCT import_id FROM read_parquet("
        f"'{store.event_files(data_dir)}', hive_partitioning = true)"
    ).fetchall()
    assert ids == [(str(entry.id),)]


def test_a_crash_before_commit_leaves_no_trace_and_a_rerun_completes(
    db: Session, analyst: Actor, data_dir: Path, world: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _exports(world)[0]

    def crash() -> None:
        raise KeyboardInterrupt  # as if the process were stopped after publishing

    monkeypatch.setattr(db, "commit", crash)
    with pytest.raises(KeyboardInterrupt):
        services.import_files(db, analyst, data_dir, [path], authorisation=AUTH)
    monkeypatch.undo()
    db.rollback()
    assert db.scalar(select(func.count()).select_from(CommsImport)) == 0
    assert not list((data_dir / "comms").rglob("*.parquet"))
    report = services.import_files(db, analyst, data_dir, [path], authorisation=AUTH)
    assert report.files[0].status == "imported"
    assert report.rows_imported > 0


def test_files_left_by_a_killed_import_are_removed_by_the_next(
    db: Session, analyst: Actor, data_dir: Path, world: Path
) -> None:
    # A process killed between moving its files and committing leaves files the
    # operational store does not know; they are invisible and removed next time.
    orphan = data_dir / "comms" / "events" / "date=2025-10-20" / "import=dead.parquet"
    orphan.parent.mkdir(parents=True)
    shutil.copy(_exports(world)[0], orphan)
    staging = data_dir / "comms" / "staging" / "dead"
    staging.mkdir(parents=True)
    services.import_files(db, analyst, data_dir, _exports(world)[:1], authorisation=AUTH)
    assert not orphan.exists()
    assert not staging.exists()


def test_only_roles_with_the_import_permission_may_import(
    db: Session, data_dir: Path, world: Path
) -> None:
    council = make_organisation(db, "local_authority")
    worker = actor_of(make_user(db, council, ["safeguarding_practitioner"]), council)
    with pytest.raises(Forbidden):
        services.import_files(db, worker, data_dir, _exports(world), authorisation=AUTH)


def test_an_authorisation_reference_is_required(
    db: Session, analyst: Actor, data_dir: Path, world: Path
) -> None:
    with pytest.raises(InvalidInput, match="authorisation"):
        services.import_files(db, analyst, data_dir, _exports(world), authorisation="  ")


def test_cell_site_lists_are_imported(
    db: Session, analyst: Actor, data_dir: Path, world: Path
) -> None:
    cells = sorted((world / "comms").glob("*_cells.csv"))
    report = services.import_files(db, analyst, data_dir, cells, authorisation=AUTH)
    assert [f.profile for f in report.files] == ["cells", "cells"]
    assert all(f.rows_imported > 10 and not f.quarantined for f in report.files)
    assert len(list((data_dir / "comms" / "cells").glob("*.parquet"))) == 2
