"""Emergency departments' assault data (DOMAIN.md §CARDIFF): the ISTV import refuses any
file with a column that could identify a patient, keeping nothing of it; sets bad rows
aside; reads times in the UK; and the dashboard and API show only controlled counts."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from crossline.core.errors import InvalidInput
from crossline.insight.hospital import import_istv_file
from crossline.insight.models import AssaultAttendance, CrimeImport, QuarantinedCrime
from tests.factories import make_organisation, make_user
from tests.safeguarding.helpers import page_text, signed_in

HEADER = [
    "SITE CODE (OF TREATMENT)",
    "ASSAULT DATE AND TIME",
    "ASSAULT METHOD",
    "ASSAULT METHOD OTHER DESCRIPTION",
    "ASSAULT LOCATION TYPE",
    "ASSAULT LOCATION DESCRIPTION",
]


def _write(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _assault(
    when: str = "2025-06-14T23:40:00", method: str = "Knife", place: str = "Street"
) -> list[str]:
    return ["RXX01", when, method, "", place, "Outside the Crown, High Street"]


@pytest.mark.parametrize(
    "column", ["NHS Number", "Patient name", "Date of birth", "Postcode", "hospital_no", "Age"]
)
def test_a_file_that_could_identify_a_patient_is_refused_and_nothing_kept(
    db: Session, tmp_path: Path, column: str
) -> None:
    file = _write(tmp_path / "istv.csv", [[*_assault(), "x"]], header=[*HEADER, column])
    with pytest.raises(InvalidInput, match=r"could identify a patient|does not take"):
        import_istv_file(db, file, by="test")
    db.rollback()
    assert db.scalars(select(CrimeImport)).all() == []
    assert db.scalars(select(AssaultAttendance)).all() == []


def test_assaults_are_kept_with_when_how_and_where_and_bad_rows_set_aside(
    db: Session, tmp_path: Path
) -> None:
    rows = [
        _assault(),
        _assault(when="2025-06-30T23:30:00Z"),  # 00:30 on 1 July in the UK
        _assault(when="2025-07-02", method="Other"),
        _assault(when="yesterday"),
        _assault(method=""),
    ]
    rows[2][3] = "Glass bottle"  # a method's description is not kept
    done = import_istv_file(db, _write(tmp_path / "istv.csv", rows), by="test")
    assert (done.rows, done.quarantined, done.months) == (3, 2, ("2025-06", "2025-07"))
    kept = [(a.month, a.hour, a.method) for a in db.scalars(select(AssaultAttendance))]
    assert sorted(kept, key=str) == sorted(
        [
            ("2025-06", 23, "Knife"),
            ("2025-07", 0, "Knife"),
            ("2025-07", None, "Other"),
        ],
        key=str,
    )
    reasons = sorted(q.reason for q in db.scalars(select(QuarantinedCrime)))
    assert reasons == ["assault_date_time 'yesterday' is not a date", "no assault_method"]
    assert import_istv_file(db, tmp_path / "istv.csv", by="test").already


def test_a_file_without_the_required_columns_is_refused(db: Session, tmp_path: Path) -> None:
    file = _write(tmp_path / "istv.csv", [["RXX01", "2025-06-01"]], header=HEADER[:2])
    with pytest.raises(InvalidInput, match="has no assault_method, assault_location_type"):
        import_istv_file(db, file, by="test")


def test_the_dashboard_and_api_show_assaults_under_disclosure_control(
    app: FastAPI, db: Session, tmp_path: Path
) -> None:
    rows = [_assault()] * 9 + [_assault(method="Fist", place="Pub")] * 2
    import_istv_file(db, _write(tmp_path / "istv.csv", rows), by="test")
    viewer = make_user(
        db, make_organisation(db, "violence_reduction_unit", "A unit"), ["insight_viewer"]
    )
    with signed_in(app, viewer) as client:
        page = page_text(client.get("/insight").text)
        api = client.get("/api/insight/assaults").json()
    assert "Assaults by month and method" in page
    # Knife 9 -> 10; fist, 2 in all, is too rare to be a heading: it is "Other", withheld.
    assert "2025-06 10 * 10" in page
    assert "Fist" not in page
    assert "Pub" not in page
    assert api["by_month"]["columns"] == ["Knife", "Other"]
    assert api["by_month"]["rows"] == [{"label": "2025-06", "counts": [10, None], "total": 10}]
    assert [r["label"] for r in api["by_location_type"]["rows"]] == ["Street", "Other"]
    assert api["places"] == [{"place": "Outside the Crown, High Street", "count": 10}]
