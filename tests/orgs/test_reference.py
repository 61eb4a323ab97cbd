"""Reference data: forces, organisation kinds, force areas and districts."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crossline.orgs.models import Area, Organisation
from crossline.orgs.reference import FORCES, ForceKind, boundaries
from crossline.orgs.services import seed_reference_data


def test_the_43_territorial_forces_plus_btp_and_nca() -> None:
    kinds = [f.kind for f in FORCES.values()]
    assert kinds.count(ForceKind.TERRITORIAL) == 43
    assert FORCES["btp"].name == "British Transport Police"
    assert FORCES["nca"].name == "National Crime Agency"
    codes = {f.area_code for f in FORCES.values() if f.kind is ForceKind.TERRITORIAL}
    assert codes == {f["properties"]["code"] for f in boundaries("force_areas")["features"]}
    assert FORCES["metropolitan"].area_code == "E23000001"


def test_seeding_is_idempotent(db: Session) -> None:
    # The fixture's database was seeded already; seeding again adds nothing.
    assert seed_reference_data(db) == (0, 0)
    assert (
        db.scalar(select(func.count()).select_from(Organisation).where(Organisation.is_reference))
        == 45
    )


def test_every_district_lies_in_a_force_area(db: Session) -> None:
    districts = db.scalars(select(Area).where(Area.kind == "district")).all()
    assert len(districts) > 300
    force_areas = set(db.scalars(select(Area.id).where(Area.kind == "force_area")))
    assert len(force_areas) == 43
    assert {d.force_area_id for d in districts} <= force_areas
    cardiff = next(d for d in districts if d.name == "Cardiff")
    assert db.get_one(Area, cardiff.force_area_id).name == "South Wales"


def test_forces_are_organisations_linked_to_their_areas(db: Session) -> None:
    west_midlands = db.scalar(select(Organisation).where(Organisation.key == "west-midlands"))
    assert west_midlands is not None
    assert west_midlands.kind == "police_force"
    assert west_midlands.area_id is not None
    assert db.get_one(Area, west_midlands.area_id).name == "West Midlands"
    nca = db.scalar(select(Organisation).where(Organisation.key == "nca"))
    assert nca is not None
    assert nca.kind == "national_crime_agency"
    assert nca.area_id is None


def test_boundaries_are_geojson_with_codes() -> None:
    districts = boundaries("districts")
    assert districts["type"] == "FeatureCollection"
    welsh = [f for f in districts["features"] if f["properties"]["country"] == "wales"]
    assert len(welsh) == 22
    assert all(f["properties"]["code"].startswith("W06") for f in welsh)
