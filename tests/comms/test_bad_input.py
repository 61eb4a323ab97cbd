"""Bad input: a clear message per file or per row, and nothing lost or half-imported."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crossline.auth.actor import Actor
from crossline.comms import normalise, services
from crossline.comms.models import CommsImport, QuarantinedRow

AUTH = "OCDA-2025-000123"
GENERIC = "start_time,a_number,b_number,event_type,duration_s,a_imei,a_cell,b_cell"


def _import(
    db: Session, actor: Actor, data_dir: Path, path: Path, **options: Any
) -> services.FileReport:
    return services.import_files(db, actor, data_dir, [path], authorisation=AUTH, **options).files[
        0
    ]


def _write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "is empty"),
        ("blank.csv", b"\n\n  \n", "is empty"),
        ("binary.csv", b"PK\x03\x04\x00\x00\x08\x00" + bytes(range(256)) * 4, "binary file"),
        (
            "latin1.csv",
            (GENERIC + "\n2025-10-13T10:00:00Z,07700900123,07700900124,call,5,,Caf\xe9,\n").encode(
                "latin-1"
            ),
            "not utf-8 text",
        ),
        ("semicolons.csv", GENERIC.replace(",", ";").encode() + b"\n", "delimited by ';'"),
        ("unknown.csv", b"when,who,whom\n1,2,3\n", "matches no import profile"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_with_a_reason(
    db: Session,
    analyst: Actor,
    data_dir: Path,
    tmp_path: Path,
    name: str,
    content: bytes,
    message: str,
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    report = _import(db, analyst, data_dir, path)
    assert report.status == "refused"
    assert message in report.message
    assert db.scalar(select(func.count()).select_from(CommsImport)) == 0


def test_another_encoding_is_read_when_named(
    db: Session, analyst: Actor, data_dir: Path, tmp_path: Path
) -> None:
    path = _write(
        tmp_path,
        "cp1252.csv",
        GENERIC + "\n2025-10-13T10:00:00Z,07700900123,07700900124,call,5,,Café,\n",
        encoding="cp1252",
    )
    report = _import(db, analyst, data_dir, path, encoding="cp1252")
    assert report.status == "imported"
    assert report.rows_imported == 1
    # The provenance hash is of the file's own bytes, not of the text read from them.
    entry = db.scalars(select(CommsImport)).one()
    assert entry.sha256 == services.sha256_of(path)
    assert _import(db, analyst, data_dir, path, encoding="cp1252").status == "already imported"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_a_file_with_a_byte_order_mark_is_read_and_hashed_whole(
    db: Session, analyst: Actor, data_dir: Path, tmp_path: Path, encoding: str
) -> None:
    path = _write(
        tmp_path,
        "marked.csv",
        GENERIC + "\n2025-10-13T10:00:00Z,07700900123,07700900124,sms,0,,,\n",
        encoding=encoding,
    )
    report = _import(db, analyst, data_dir, path)
    assert (report.status, report.rows_imported, report.quarantined) == ("imported", 1, {})
    assert db.scalars(select(CommsImport)).one().sha256 == services.sha256_of(path)


def test_a_different_file_of_the_same_size_is_not_taken_for_one_imported_before(
    db: Session, analyst: Actor, data_dir: Path, tmp_path: Path
) -> None:
    first = _write(
        tmp_path, "one.csv", GENERIC + "\n2025-10-13T10:00:00Z,07700900123,07700900124,sms,0,,,\n"
    )
    second = _write(
        tmp_path, "two.csv", GENERIC + "\n2025-10-13T10:00:01Z,07700900123,07700900124,sms,0,,,\n"
    )
    assert first.stat().st_size == second.stat().st_size
    assert _import(db, analyst, data_dir, first).status == "imported"
    report = _import(db, analyst, data_dir, second)
    assert (report.status, report.rows_imported) == ("imported", 1)


def test_one_refused_file_does_not_stop_the_others(
    db: Session, analyst: Actor, data_dir: Path, tmp_path: Path
) -> None:
    good = _write(
        tmp_path, "good.csv", GENERIC + "\n2025-10-13T10:00:00Z,07700900123,07700900124,sms,0,,,\n"
    )
    empty = _write(tmp_path, "empty.csv", "")
    report = services.import_files(db, analyst, data_dir, [empty, good], authorisation=AUTH)
    assert [f.status for f in report.files] == ["refused", "imported"]
    assert report.refused == ["empty.csv"]


def test_numbers_written_every_usual_way_are_normalised(
    db: Session, analyst: Actor, data_dir: Path, tmp_path: Path
) -> None:
    import duckdb

    rows = [
        "07700 900123",
        "+44 (0)7700900123",
        "447700900123",
        "0044 7700 900123",
        "+447700900123",
    ]
    lines = [f"2025-10-13T10:00:0{i}Z,{n},07700900999,call,5,,," for i, n in enumerate(rows)]
    path = _write(tmp_path, "numbers.csv", "\n".join([GENERIC, *lines]) + "\n")
    report = _import(db, analyst, data_dir, path)
    assert report.rows_imported == 5
    found = duckdb.sql(
        f"SELECT DISTINCT a_number FROM read_parquet('{data_dir}/comms/events/"
        "date=*/*.parquet', hive_partitioning = true)"
    ).fetchall()
    assert found == [("+447700900123",)]


def test_bad_rows_are_quarantined_with_line_and_reason(
    db: Session, analyst: Actor, data_dir: Path, tmp_path: Path
) -> None:
    path = _write(
        tmp_path,
        "rows.csv",
        "\n".join(
            [
                GENERIC,
                "2024-02-31T10:00:00Z,07700900123,07700900124,call,5,,,",  # 31 February
                "2025-10-13T10:00:00Z,not a number,07700900124,call,5,,,",
                "2025-10-13T10:00:00Z,07700900123,07700900124,fax,5,,,",
                "2025-10-13T10:00:00Z,07700900123,07700900124,call,-5,,,",
                "2025-10-13T10:00:00Z,07700900123,07700900124,call,5,123456789012345,,",
                "2025-10-13T10:00:00Z,07700900123,07700900124",
                "2025-10-13T10:00:00Z,07700900123,07700900124,call,5,,,",
            ]
        )
        + "\n",
    )
    report = _import(db, analyst, data_dir, path)
    assert report.rows_imported == 1
    rows = db.execute(
        select(QuarantinedRow.line, QuarantinedRow.reason, QuarantinedRow.raw).order_by(
            QuarantinedRow.line
        )
    ).all()
    assert [(line, reason) for line, reason, _ in rows] == [
        (2, "not a real date and time"),
        (3, "originating number is not a phone number"),
        (4, "unknown event type code"),
        (5, "not a duration in seconds"),
        (6, "IMEI is not 15 digits with a valid check digit"),
        (7, "3 fields where the layout has 8"),
    ]
    assert rows[0][2].startswith("2024-02-31T10:00:00Z,07700900123")


def _stored(data_dir: Path) -> list[tuple[int, Any]]:
    import duckdb

    return duckdb.sql(
        "SELECT line, start_time AT TIME ZONE 'UTC' FROM read_parquet("
        f"'{data_dir}/comms/events/date=*/*.parquet', hive_partitioning = true) ORDER BY line"
    ).fetchall()


def test_a_generic_file_of_times_written_every_way_imports_each_with_its_time_or_a_reason(
    db: Session, analyst: Actor, data_dir: Path, tmp_path: Path
) -> None:
    times = [
        "2024-11-25T09:31:31.622854+00:00",
        "2025-10-13T09:30:33.5Z",
        "2025-10-13T10:30:00+01:00",
        "2025-10-13T09:30:00+0100",
        "2025-10-13T09:30:00+01",
        "2025-10-13 09:30:00Z",
        "2025-10-13T09:30Z",
        "2025-10-13T09:30:00Zjunk",
        "2025-10-13T09:30:00z",
        "2025-10-13T09:30:00",
    ]
    rows = [f"{t},07700900123,07700900124,call,{i},,," for i, t in enumerate(times)]
    path = _write(tmp_path, "times.csv", "\n".join([GENERIC, *rows]) + "\n")
    report = _import(db, analyst, data_dir, path)
    assert (report.rows_read, report.rows_imported, sum(report.quarantined.values())) == (10, 5, 5)
    assert _stored(data_dir) == [
        (2, datetime(2024, 11, 25, 9, 31, 31)),
        (3, datetime(2025, 10, 13, 9, 30, 33)),
        (4, datetime(2025, 10, 13, 9, 30)),
        (5, datetime(2025, 10, 13, 8, 30)),
        (6, datetime(2025, 10, 13, 8, 30)),
    ]
    quarantined = db.execute(
        select(QuarantinedRow.line, QuarantinedRow.reason).order_by(QuarantinedRow.line)
    ).all()
    no_offset = "time does not end with Z or an offset (+hh:mm, +hhmm or +hh)"
    assert [tuple(row) for row in quarantined] == [
        (7, "not a date and time written as 2025-10-13T09:30:00Z"),
        (8, "not a date and time written as 2025-10-13T09:30:00Z"),
        (9, no_offset),
        (10, no_offset),
        (11, no_offset),
    ]


def test_a_row_whose_time_was_not_read_is_quarantined_not_stored_without_one(
    db: Session, analyst: Actor, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    read = normalise.times

    def losing_the_second(parts: list[pa.Array], spec: Any) -> tuple[pa.Array, pa.Array]:
        utc, reasons = read(parts, spec)
        lost = pa.array([i == 1 for i in range(len(utc))])
        return pc.if_else(lost, pa.scalar(None, utc.type), utc), reasons

    monkeypatch.setattr(normalise, "times", losing_the_second)
    rows = [f"2025-10-13T10:00:0{i}Z,07700900123,07700900124,call,5,,," for i in range(3)]
    path = _write(tmp_path, "lost.csv", "\n".join([GENERIC, *rows]) + "\n")
    report = _import(db, analyst, data_dir, path)
    assert (report.rows_imported, report.quarantined) == (2, {"unreadable time": 1})
    assert [line for line, _ in _stored(data_dir)] == [2, 4]
    assert db.execute(select(QuarantinedRow.line, QuarantinedRow.reason)).one() == (
        3,
        "unreadable time",
    )


def test_a_file_larger_than_the_free_space_is_refused_before_anything_is_written(
    db: Session, analyst: Actor, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(
        tmp_path, "big.csv", GENERIC + "\n2025-10-13T10:00:00Z,07700900123,07700900124,call,5,,,\n"
    )
    real = shutil.disk_usage

    def full(where: Any) -> Any:
        usage = real(where)
        return usage._replace(free=10)

    monkeypatch.setattr(shutil, "disk_usage", full)
    report = _import(db, analyst, data_dir, path)
    assert report.status == "refused"
    assert "needs about" in report.message
    assert not list((data_dir / "comms").rglob("*.parquet"))


def test_a_profile_that_does_not_fit_the_header_is_refused(
    db: Session, analyst: Actor, data_dir: Path, tmp_path: Path
) -> None:
    path = _write(tmp_path, "generic.csv", GENERIC + "\n")
    report = _import(db, analyst, data_dir, path, profile_id="operator_a")
    assert report.status == "refused"
    assert "does not fit profile 'operator_a'" in report.message
