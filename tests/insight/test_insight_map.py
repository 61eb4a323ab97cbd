"""Insight's map (MISSION.md: show partners where violence is): every recorded crime placed
in a district of the boundaries the app ships, by its LSOA's district name or, where that
district is gone, by its point; counts by district under the same disclosure control as
every other count (DOMAIN.md §DISCLOSURE), shaded from the controlled counts alone; the
page's table, the API and the map give the same figures. Real police.uk files from
../shared/data where present (City of London 2024-01, Cumbria 2016-03)."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crossline.insight import districts
from crossline.insight.disclosure import control
from crossline.insight.importing import area_of, import_street_file
from crossline.insight.models import RecordedCrime
from crossline.insight.services import Filters, by_district
from tests.factories import actor_of
from tests.insight.test_insight import JANUARY, _viewer, _write
from tests.safeguarding.helpers import page_text, signed_in

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
CUMBRIA = DATA / "police-uk-street-cumbria-2016-03" / "2016-03-cumbria-street.csv"
CITY_POINT = ("-0.0917", "51.5155")  # Guildhall, City of London
ALLERDALE_POINT = ("-3.387460", "54.870080")  # in Allerdale in 2016, Cumberland since 2023


def _crime(lsoa: str, point: tuple[str, str] = ("", ""), crime_type: str = "Robbery") -> list[str]:
    lon, lat = point
    return ["", "2024-01", "F", "F", lon, lat, "On or near X", "", lsoa, crime_type, "", ""]


def test_a_district_is_found_by_its_name_written_either_way() -> None:
    assert districts.by_name("City of London") == "city-of-london"
    assert districts.by_name("Bristol") == "bristol-city-of"  # "Bristol, City of"
    assert districts.by_name("Herefordshire") == "herefordshire-county-of"
    assert districts.by_name("St Helens") == "st-helens"  # "St. Helens"
    assert districts.by_name("Allerdale") is None  # merged into Cumberland in 2023
    assert districts.by_name("No location") is None


def test_a_point_is_placed_in_the_district_it_lies_in() -> None:
    points = [
        districts.point(*CITY_POINT),
        districts.point(*ALLERDALE_POINT),
        districts.point("", ""),
        districts.point("0", "0"),  # not in Britain: a typing error, not a place
        districts.point("-0.1", "fifty"),
    ]
    assert points[2:] == [None, None, None]
    assert districts.at(points) == ["city-of-london", "cumberland", None, None, None]


def test_crimes_are_counted_by_district_under_disclosure_control(
    db: Session, tmp_path: Path
) -> None:
    rows = (
        [_crime("City of London 001A", CITY_POINT)] * 12
        # The name's district is gone: placed by the point.
        + [_crime("Allerdale 001A", ALLERDALE_POINT)] * 3
        # No point: placed by the name.
        + [_crime("Bristol 001A")] * 9
        # Neither: unplaced, and counted.
        + [_crime("")] * 2
        # Not the group shown: not counted.
        + [_crime("City of London 001A", CITY_POINT, crime_type="Burglary")] * 40
    )
    import_street_file(db, _write(tmp_path / "street.csv", rows), by="test")
    # A crime imported before districts were kept is placed by its area's name.
    crime = db.scalars(select(RecordedCrime).where(RecordedCrime.area == "Bristol")).first()
    assert crime is not None
    crime.district = None
    db.commit()

    viewer = actor_of(*_viewer(db))
    found = by_district(db, viewer, Filters(area="Ignored on the map"))
    shown = {d.id: (d.name, d.count.value, d.band) for d in found.districts}
    assert shown == {
        "bristol-city-of": ("Bristol, City of", 10, 5),
        "city-of-london": ("City of London", 10, 5),
        "cumberland": ("Cumberland", None, None),  # 3: withheld, and shaded as withheld
    }
    # One value shown: one shade, the darkest.
    assert [(b.number, b.lowest, b.highest) for b in found.bands] == [(5, 10, 10)]
    assert found.unplaced.value is None  # 2: withheld
    assert found.total.value == 25  # 26, controlled from the raw total


def test_the_shades_split_the_controlled_counts_and_disclose_nothing_more(
    db: Session, tmp_path: Path
) -> None:
    names = ["Camden", "Hackney", "Islington", "Lambeth", "Southwark", "Westminster", "Brent"]
    sizes = [8, 12, 23, 40, 61, 90, 140]  # controlled: 10, 10, 25, 40, 60, 90, 140
    rows = [_crime(f"{n} 001A") for n, size in zip(names, sizes, strict=True) for _ in range(size)]
    import_street_file(db, _write(tmp_path / "street.csv", rows), by="test")
    found = by_district(db, actor_of(*_viewer(db)), Filters())
    bands = [(b.lowest, b.highest) for b in found.bands]
    assert bands == [(10, 10), (25, 25), (40, 40), (60, 60), (90, 140)]
    band_of = {d.name: d.band for d in found.districts}
    assert band_of["Camden"] == band_of["Hackney"] == 1  # 8 and 12 both show as 10
    assert band_of["Brent"] == 5


def _placed(db: Session) -> dict[str | None, int]:
    grouped = select(RecordedCrime.district, func.count()).group_by(RecordedCrime.district)
    return {district: int(n) for district, n in db.execute(grouped)}


@pytest.mark.skipif(not JANUARY.exists(), reason="police.uk files are not in ../shared/data")
def test_the_real_city_of_london_file_is_placed_by_its_lsoa_districts(db: Session) -> None:
    import_street_file(db, JANUARY, by="test")
    with JANUARY.open(newline="", encoding="utf-8-sig") as handle:
        raw = Counter(area_of(r["LSOA name"]) for r in csv.DictReader(handle))
    placed = _placed(db)
    # Every crime with an LSOA is in its LSOA's district (data/PROVENANCE.md: 734 rows).
    assert placed == {
        districts.by_name(area): n for area, n in raw.items() if area != "No location"
    } | {None: raw["No location"]}
    found = by_district(db, actor_of(*_viewer(db)), Filters(group="all"))
    city = next(d for d in found.districts if d.id == "city-of-london")
    assert city.count == control(raw["City of London"])
    assert found.total == control(734)


@pytest.mark.skipif(not CUMBRIA.exists(), reason="police.uk files are not in ../shared/data")
def test_the_real_cumbria_2016_file_lands_in_todays_districts(db: Session) -> None:
    done = import_street_file(db, CUMBRIA, by="test")
    placed = _placed(db)
    # Cumbria's six districts of 2016 were merged into two in 2023.
    assert set(placed) <= {"cumberland", "westmorland-and-furness", None}
    assert placed.get(None, 0) < 0.01 * done.rows


def test_the_page_and_api_give_the_maps_figures(app: FastAPI, db: Session, tmp_path: Path) -> None:
    rows = [_crime("City of London 001A", CITY_POINT)] * 12 + [_crime("Camden 001A")] * 4
    import_street_file(db, _write(tmp_path / "street.csv", rows), by="test")
    user, _ = _viewer(db)
    with signed_in(app, user) as client:
        page = client.get("/insight?first=2024-01")
        api = client.get("/api/insight/districts?first=2024-01").json()
        bad = client.get("/api/insight/districts?group=nothing")
    text = page_text(page.text)
    assert "Serious violence by district (the map's figures)" in text
    assert "Camden * City of London 10 Total 15" in text
    assert 'data-districts-url="/api/insight/districts?first=2024-01"' in page.text
    assert api["districts"] == [
        {"id": "camden", "name": "Camden", "count": None, "band": None},
        {"id": "city-of-london", "name": "City of London", "count": 10, "band": 5},
    ]
    assert api["total"] == 15
    assert "1 to 7 withheld" in api["disclosure"]
    assert bad.status_code == 422
