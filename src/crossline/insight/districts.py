"""The district each recorded crime lies in, for insight's map, from the boundaries the app
ships (ONS local authority districts, May 2024; orgs/data/boundaries/ATTRIBUTION.md).

police.uk places each crime in a lower-layer super output area (LSOA) on exact
boundaries, and an LSOA's name starts with its district's: "Camden 027B". So a crime goes
to the district of that name ("Bristol" is "Bristol, City of"). Where the name is no
district today (Allerdale, merged into Cumberland in 2023) or there is none, the crime's
point (police.uk's anonymised "snap point") is placed in the shipped boundaries. Those are
simplified, so a point near a border may land in the neighbour: the name comes first, as
measured on the City of London's files, where a fifth of points fall just outside its
simplified boundary. A crime neither places stays unplaced and is counted as such.

Insight stands alone on core (DESIGN.md's module map), so it reads the boundary file
``orgs`` ships by its path, as ``synth`` reads the forces, without importing ``orgs``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import shape

BOUNDARIES_FILE = (
    Path(__file__).parents[1] / "orgs" / "data" / "boundaries" / "local_authority_districts.geojson"
)
# The shipped boundaries are simplified, so a point on the coast or a border may fall just
# outside every district: it goes to the nearest within this distance (degrees; about 2 km).
_NEAREST_WITHIN = 0.02
# Great Britain, roughly: a point outside is a typing error, not a place.
_LONGITUDE = (-9.0, 2.5)
_LATITUDE = (49.0, 61.5)


@cache
def _features() -> list[dict[str, Any]]:
    data: dict[str, Any] = json.loads(BOUNDARIES_FILE.read_text("utf-8"))
    return list(data["features"])


@cache
def names() -> dict[str, str]:
    """Every district's id and name."""
    return {f["properties"]["id"]: f["properties"]["name"] for f in _features()}


@cache
def _index() -> tuple[Any, list[str]]:
    features = _features()
    return (
        shapely.STRtree([shape(f["geometry"]) for f in features]),
        [f["properties"]["id"] for f in features],
    )


def _normal(name: str) -> str:
    """A district's name as compared: no ", City of" or ", County of", "&" as "and", no
    full stops, one space, lower case ("St. Helens" and "St Helens" are one)."""
    name = re.sub(r",\s*(city|county) of$", "", name.strip(), flags=re.IGNORECASE)
    name = name.replace("&", " and ").replace(".", "")
    return " ".join(name.lower().split())


@cache
def _by_name() -> dict[str, str]:
    return {_normal(name): district for district, name in names().items()}


def by_name(area: str) -> str | None:
    """The district whose name an LSOA name's district part is, or None."""
    return _by_name().get(_normal(area))


def point(longitude: str, latitude: str) -> tuple[float, float] | None:
    """A crime's point from its file's text, or None if it has none or it is not in Britain."""
    try:
        lon, lat = float(longitude), float(latitude)
    except ValueError:
        return None
    if not (_LONGITUDE[0] <= lon <= _LONGITUDE[1] and _LATITUDE[0] <= lat <= _LATITUDE[1]):
        return None
    return lon, lat


def at(points: Sequence[tuple[float, float] | None]) -> list[str | None]:
    """The district each point lies in, or is nearest within about 2 km of (the boundaries
    are simplified); None for no point, or a point near none."""
    placed: list[str | None] = [None] * len(points)
    given = [(i, p) for i, p in enumerate(points) if p is not None]
    if not given:
        return placed
    tree, ids = _index()
    geometry = shapely.points([p for _, p in given])
    inside, which = tree.query(geometry, predicate="within")
    for position, polygon in zip(inside.tolist(), which.tolist(), strict=True):
        placed[given[position][0]] = ids[polygon]
    outside = [k for k, (i, _) in enumerate(given) if placed[i] is None]
    if outside:
        near, nearest = tree.query_nearest(geometry[outside], max_distance=_NEAREST_WITHIN)
        for position, polygon in zip(near.tolist(), nearest.tolist(), strict=True):
            index = given[outside[position]][0]
            placed[index] = placed[index] or ids[polygon]  # the first of two equally near
    return placed
