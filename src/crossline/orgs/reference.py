"""Reference data shipped with Crossline: organisation kinds, police forces and areas.

Sources are named in each data file; ``docs/reference-data.md`` describes
them. Loaded once at import and checked (a bad file stops start-up).
"""

from __future__ import annotations

import json
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

import shapely
from pydantic import BaseModel
from shapely.geometry import shape

from crossline.auth.permissions import ROLES
from crossline.core.catalogue import load_catalogue, require_known

DATA_DIR = Path(__file__).parent / "data"
BOUNDARIES_DIR = DATA_DIR / "boundaries"


class Sector(StrEnum):
    POLICE = "police"
    NATIONAL = "national"
    LOCAL_AUTHORITY = "local_authority"
    HEALTH = "health"
    EDUCATION = "education"
    JUSTICE = "justice"
    VOLUNTARY = "voluntary"
    FUNDING = "funding"
    LEGAL = "legal"
    PARTNERSHIP = "partnership"


class OrganisationKind(BaseModel, frozen=True):
    id: str
    label: str
    description: str
    sector: Sector


class ForceKind(StrEnum):
    TERRITORIAL = "territorial"
    SPECIAL = "special"
    NATIONAL = "national"


class Force(BaseModel, frozen=True):
    id: str
    name: str
    area_code: str | None
    area_name: str | None
    country: str
    kind: ForceKind

    @property
    def organisation_kind(self) -> str:
        return "national_crime_agency" if self.kind is ForceKind.NATIONAL else "police_force"


def _load_kinds() -> dict[str, OrganisationKind]:
    kinds = load_catalogue(DATA_DIR / "organisation_kinds.yaml", OrganisationKind)
    roles_file = Path(__file__).parents[1] / "auth" / "data" / "roles.yaml"
    for role in ROLES.values():
        for kind in role.organisation_kinds:
            require_known(roles_file, role.id, "organisation_kinds", kind, set(kinds))
    return kinds


ORGANISATION_KINDS = _load_kinds()
FORCES = load_catalogue(DATA_DIR / "forces.yaml", Force)


@cache
def boundaries(kind: str) -> dict[str, Any]:
    """The shipped GeoJSON FeatureCollection of ``force_areas`` or ``districts``."""
    name = {"force_areas": "police_force_areas", "districts": "local_authority_districts"}[kind]
    data: dict[str, Any] = json.loads((BOUNDARIES_DIR / f"{name}.geojson").read_text("utf-8"))
    return data


@cache
def _force_area_index() -> tuple[Any, list[str | None]]:
    """The force-area polygons in a spatial index, and the force key of each."""
    features = boundaries("force_areas")["features"]
    by_code = {f.area_code: f.id for f in FORCES.values() if f.area_code}
    tree = shapely.STRtree([shape(f["geometry"]) for f in features])
    return tree, [by_code.get(f["properties"]["code"]) for f in features]


def force_areas_at(lon: Any, lat: Any) -> list[str | None]:
    """The police force area (forces.yaml key) each point lies in, or None outside them all;
    ``lon`` and ``lat`` are sequences (or arrays) of the same length."""
    tree, keys = _force_area_index()
    points = shapely.points(lon, lat)
    inside, which = tree.query(points, predicate="within")
    area: list[str | None] = [None] * len(points)
    for point, polygon in zip(inside.tolist(), which.tolist(), strict=True):
        area[point] = keys[polygon]
    return area


def area_rows() -> list[dict[str, str | None]]:
    """One row per force area and district, as the ``areas`` table holds them."""
    rows: list[dict[str, str | None]] = []
    for feature in boundaries("force_areas")["features"]:
        p = feature["properties"]
        country = "wales" if p["code"].startswith("W") else "england"
        rows.append(
            {
                "id": p["code"],
                "kind": "force_area",
                "code": p["code"],
                "name": p["name"],
                "country": country,
                "force_area_id": None,
                "vintage": "2020-12",
            }
        )
    for feature in boundaries("districts")["features"]:
        p = feature["properties"]
        rows.append(
            {
                "id": p["code"] or p["id"],
                "kind": "district",
                "code": p["code"],
                "name": p["name"],
                "country": p["country"],
                "force_area_id": p["force_area"],
                "vintage": p["vintage"],
            }
        )
    return rows
