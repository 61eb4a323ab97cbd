"""Insight on serious violence (DOMAIN.md §DISCLOSURE): police.uk's street-level files
imported whole or not at all, bad rows set aside with their line and reason, a file
imported twice adding nothing; every count an insight viewer sees, on the page, in the
CSV and through the API, under disclosure control. Real files from ../shared/data
(City of London Police, 2023-05 to 2025-05) where they are present."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crossline.core.errors import InvalidInput
from crossline.insight.disclosure import control
from crossline.insight.importing import COLUMNS, area_of, import_street_file
from crossline.insight.models import CrimeImport, QuarantinedCrime, RecordedCrime
from crossline.insight.reference import CONFIG
from crossline.insight.services import Filters, by_area, by_month
from tests.factories import actor_of, make_organisation, make_user
from tests.safeguarding.helpers import page_text, signed_in

CITY = Path(__file__).resolve().parents[3] / "shared" / "data" / "police-uk-street-city-of-london"
JANUARY = CITY / "2024-01-city-of-london-street.csv"
needs_city = pytest.mark.skipif(
    not JANUARY.exists(), reason=f"police.uk files are not in {CITY} (../shared/data)"
)
SERIOUS = set(CONFIG.groups["serious_violence"].crime_types)


def test_small_counts_are_withheld_and_the_rest_rounded_to_five() -> None:
    assert [control(n).value for n in (0, 1, 7, 8, 12, 13, 102)] == [0, None, None, 10, 10, 15, 100]
    ons = CONFIG.disclosure.methods["ons_10_5"]
    assert [control(n, ons).value for n in (9, 10, 11)] == [None, 10, 10]
    assert str(control(3)) == "*"
    assert str(control(1234)) == "1,235"


def test_an_lsoa_name_gives_its_district() -> None:
    assert area_of("City of London 001F") == "City of London"
    assert area_of("Camden 027B") == "Camden"
    assert area_of("") == "No location"


def _write(path: Path, rows: list[list[str]], header: tuple[str, ...] = COLUMNS) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _row(
    month: str = "2024-01", crime_type: str = "Robbery", lsoa: str = "Camden 027B"
) -> list[str]:
    return [
        "id",
        month,
        "Force",
        "Force",
        "-0.1",
        "51.5",
        "On or near X",
        "E01000916",
        lsoa,
        crime_type,
        "Under investigation",
        "",
    ]


def test_bad_rows_are_set_aside_with_line_and_reason_and_the_rest_kept(
    db: Session, tmp_path: Path
) -> None:
    asb = _row(crime_type="Anti-social behaviour")
    asb[0] = ""  # police.uk publishes anti-social behaviour without a crime id: kept
    nowhere = _row(lsoa="")
    nowhere[7] = ""
    file = _write(
        tmp_path / "street.csv",
        [_row(), _row(month="2024-13"), _row(crime_type=""), ["too", "short"], asb, nowhere],
    )
    done = import_street_file(db, file, by="test")
    assert (done.rows, done.quarantined, done.months) == (3, 3, ("2024-01",))
    reasons = {q.line: q.reason for q in db.scalars(select(QuarantinedCrime))}
    assert reasons == {
        3: "month '2024-13' is not a month written YYYY-MM",
        4: "no crime type",
        5: "has 2 fields, not 12",
    }
    areas = Counter(db.scalars(select(RecordedCrime.area)))
    assert areas == {"Camden": 2, "No location": 1}

    again = import_street_file(db, file, by="test")
    assert again.already
    assert db.scalar(select(func.count()).select_from(RecordedCrime)) == 3


def test_a_file_without_the_layout_is_refused_whole(db: Session, tmp_path: Path) -> None:
    file = _write(tmp_path / "other.csv", [_row()[:3]], header=("Crime ID", "Month", "Type"))
    with pytest.raises(InvalidInput, match=r"does not have police\.uk's street-level columns"):
        import_street_file(db, file, by="test")
    db.rollback()
    assert db.scalars(select(CrimeImport)).all() == []


@needs_city
def test_the_real_city_of_london_file_is_counted_as_published_then_controlled(
    db: Session,
) -> None:
    done = import_street_file(db, JANUARY, by="test")
    assert (done.rows, done.quarantined) == (734, 0)  # data/PROVENANCE.md: 2024-01 734
    with JANUARY.open(newline="", encoding="utf-8-sig") as handle:
        raw = Counter(
            (area_of(r["LSOA name"]), r["Crime type"])
            for r in csv.DictReader(handle)
            if r["Crime type"] in SERIOUS
        )
    viewer = actor_of(*_viewer(db))
    table = by_area(db, viewer, Filters())
    shown = {label: dict(zip(table.columns, cells, strict=True)) for label, cells, _ in table.rows}
    for (area, crime_type), count in raw.items():
        assert shown[area][crime_type] == control(count), (area, crime_type)
    assert table.total == control(sum(raw.values()))
    month = by_month(db, viewer, Filters(group="all"))
    assert [label for label, _, _ in month.rows] == ["2024-01"]
    assert month.total == control(734)


def _viewer(db: Session):
    organisation = make_organisation(db, "violence_reduction_unit", "A violence reduction unit")
    return make_user(db, organisation, ["insight_viewer"]), organisation


def test_the_page_csv_and_api_show_only_controlled_counts(
    app: FastAPI, db: Session, tmp_path: Path
) -> None:
    rows = [_row(crime_type="Possession of weapons")] * 3 + [_row(crime_type="Robbery")] * 12
    import_street_file(db, _write(tmp_path / "street.csv", rows), by="test")
    user, _ = _viewer(db)
    with signed_in(app, user) as client:
        page = page_text(client.get("/insight").text)
        assert "counts from 1 to 7 are shown as *" in page
        # Violence 0, robbery 12 -> 10, weapons 3 withheld, total 15 -> 15.
        assert "Camden 0 10 * 15" in page
        api = client.get("/api/insight/recorded-crime").json()
        exported = client.get("/insight/recorded-crime.csv").text
    by_type = dict(zip(api["by_area"]["columns"], api["by_area"]["rows"][0]["counts"], strict=True))
    assert by_type == {
        "Violence and sexual offences": 0,
        "Robbery": 10,
        "Possession of weapons": None,
    }
    assert api["by_area"]["rows"][0]["total"] == 15
    assert "2024-01,0,10,*,15" in exported
    assert ",3," not in exported
    assert ",12," not in exported


def test_a_republished_month_replaces_the_earlier_file_not_doubles_it(
    db: Session, tmp_path: Path
) -> None:
    first = _write(tmp_path / "2024-01-first.csv", [_row()] * 4)
    import_street_file(db, first, by="test")
    again = _write(tmp_path / "2024-01-again.csv", [_row()] * 5)  # records changed since
    done = import_street_file(db, again, by="test")
    assert (done.rows, done.replaced) == (5, 4)
    assert db.scalar(select(func.count()).select_from(RecordedCrime)) == 5
