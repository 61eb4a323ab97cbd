"""Build the simplified boundary files that the ``orgs`` module ships.

Reads the public boundary files under ``../shared/data`` (relative to the
project root; ``--data DIR`` overrides it) and writes, into
``src/crossline/orgs/data/boundaries/``:

- ``police_force_areas.geojson`` -- the 43 police force areas of England and
  Wales (ONS, December 2020), properties ``code`` (PFA20CD) and ``name``
  (PFA20NM);
- ``local_authority_districts.geojson`` -- England's districts (ONS, May 2024,
  names only) and Wales's districts (ONS 2013, decoded from Martin Chorley's
  TopoJSON; Welsh districts have not changed since 1996), properties ``id``,
  ``code``, ``name``, ``country``, ``force_area`` and ``vintage``;
- ``ATTRIBUTION.md`` -- the licence and attribution lines for both files.

Each district's ``force_area`` is the force area containing the district's
representative point, computed on the unsimplified source geometries; where
generalisation leaves that point outside every force area, the force area
with the largest intersection wins. Geometries are simplified with
``simplify(tolerance, preserve_topology=True)``, snapped to a 1e-5 degree grid
(5 decimals), made valid and oriented counter-clockwise (RFC 7946).

Run from the project root::

    .venv/bin/python scripts/build_boundaries.py
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = PROJECT_ROOT.parent / "shared" / "data"
OUT_DIR = PROJECT_ROOT / "src" / "crossline" / "orgs" / "data" / "boundaries"

PFA_FILE = Path("police-force-areas-ons-2020") / "police_force_areas.geojson"
ENGLAND_LAD_FILE = (
    Path("uk-local-authority-districts") / "england_lad_may2024_buc_names_only.geojson"
)
WALES_LAD_FILE = Path("uk-local-authority-districts") / "wal_topo_lad13.json"

# Degrees. About 60-110 m, well inside the ~500 m generalisation of the
# "BUC" sources, and keeps both output files together under ~900 KB.
DEFAULT_TOLERANCE = 0.001
GRID = 1e-5
DECIMALS = 5
EXPECTED_FORCE_AREAS = 43
EXPECTED_ENGLAND_DISTRICTS = 296
EXPECTED_WALES_DISTRICTS = 22

Feature = dict[str, Any]
Position = tuple[float, float]


def load_json(path: Path) -> Any:
    """Parse one JSON file."""
    with path.open(encoding="utf-8") as fh:
        return json.load(fh)


def slugify(name: str) -> str:
    """Lowercase ``name`` with each run of non-alphanumerics turned into ``-``."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


# --- TopoJSON ---------------------------------------------------------------


def decode_arcs(topology: dict[str, Any]) -> list[list[Position]]:
    """Return every arc as absolute longitude/latitude positions.

    Quantised topologies (with a ``transform``) store each arc's first
    position as absolute grid coordinates and the rest as deltas.
    """
    transform = topology.get("transform")
    arcs: list[list[Position]] = []
    for arc in topology["arcs"]:
        if transform is None:
            arcs.append([(float(p[0]), float(p[1])) for p in arc])
            continue
        (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
        x = y = 0
        positions: list[Position] = []
        for point in arc:
            x += point[0]
            y += point[1]
            positions.append((x * sx + tx, y * sy + ty))
        arcs.append(positions)
    return arcs


def ring_from_arcs(indexes: Sequence[int], arcs: list[list[Position]]) -> list[Position]:
    """Join arcs into one ring; a negative index ``i`` means arc ``~i`` reversed."""
    ring: list[Position] = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        # Consecutive arcs share their end/start position: keep it once.
        ring.extend(arc if not ring else arc[1:])
    return ring


def topo_geometry(geometry: dict[str, Any], arcs: list[list[Position]]) -> BaseGeometry:
    """Turn one TopoJSON Polygon or MultiPolygon into a shapely geometry."""
    kind = geometry["type"]
    if kind == "Polygon":
        rings = [ring_from_arcs(r, arcs) for r in geometry["arcs"]]
        return shape({"type": "Polygon", "coordinates": rings})
    if kind == "MultiPolygon":
        polygons = [[ring_from_arcs(r, arcs) for r in p] for p in geometry["arcs"]]
        return shape({"type": "MultiPolygon", "coordinates": polygons})
    raise ValueError(f"unsupported TopoJSON geometry type {kind!r}")


def topo_features(
    topology: dict[str, Any], object_name: str
) -> list[tuple[dict[str, Any], BaseGeometry]]:
    """Decode one TopoJSON object into (properties, geometry) pairs."""
    arcs = decode_arcs(topology)
    collection = topology["objects"][object_name]
    return [(g.get("properties") or {}, topo_geometry(g, arcs)) for g in collection["geometries"]]


# --- geometry ---------------------------------------------------------------


def polygonal(geometry: BaseGeometry) -> BaseGeometry:
    """Keep only the polygonal parts of a geometry (after ``make_valid``)."""
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    parts = [
        g for g in getattr(geometry, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")
    ]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def repair(geometry: BaseGeometry) -> BaseGeometry:
    """Return a valid polygonal version of ``geometry``."""
    if geometry.is_valid:
        return geometry
    fixed = polygonal(shapely.make_valid(geometry))
    if not fixed.is_valid:
        fixed = fixed.buffer(0)
    return fixed


def simplify(geometry: BaseGeometry, tolerance: float, label: str) -> BaseGeometry:
    """Simplify, snap to the output grid, repair and orient one geometry."""
    result = geometry.simplify(tolerance, preserve_topology=True)
    result = shapely.set_precision(result, GRID)
    result = repair(polygonal(result))
    if result.is_empty:
        # Too small for the tolerance: keep the source shape on the grid.
        result = repair(polygonal(shapely.set_precision(geometry, GRID)))
    result = shapely.orient_polygons(result, exterior_cw=False)
    if result.is_empty or not result.is_valid:
        raise ValueError(f"{label}: geometry empty or invalid after simplification")
    return result


def rounded(coords: Any) -> Any:
    """Round nested coordinate sequences to ``DECIMALS`` places."""
    if isinstance(coords, int | float):
        return round(float(coords), DECIMALS)
    return [rounded(c) for c in coords]


def geojson_geometry(geometry: BaseGeometry) -> dict[str, Any]:
    """GeoJSON geometry member with rounded coordinates."""
    geo = mapping(geometry)
    return {"type": geo["type"], "coordinates": rounded(geo["coordinates"])}


def feature(properties: dict[str, Any], geometry: BaseGeometry) -> Feature:
    """One GeoJSON Feature."""
    return {"type": "Feature", "properties": properties, "geometry": geojson_geometry(geometry)}


def write_collection(path: Path, features: Iterable[Feature]) -> int:
    """Write a compact FeatureCollection, one feature per line; return bytes written."""
    lines = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in features]
    text = '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"
    path.write_text(text, encoding="utf-8")
    return len(text.encode("utf-8"))


# --- sources ----------------------------------------------------------------


def read_force_areas(data: Path) -> list[tuple[str, str, BaseGeometry]]:
    """(code, name, geometry) of the force areas, sorted by code."""
    collection = load_json(data / PFA_FILE)
    areas = []
    for f in collection["features"]:
        props = f["properties"]
        areas.append((props["PFA20CD"], props["PFA20NM"], repair(shape(f["geometry"]))))
    areas.sort(key=lambda a: a[0])
    codes = [a[0] for a in areas]
    assert len(codes) == EXPECTED_FORCE_AREAS == len(set(codes)), "expected 43 force areas"
    return areas


def read_districts(data: Path) -> list[dict[str, Any]]:
    """England (May 2024) and Wales (2013) districts with unsimplified geometry."""
    districts: list[dict[str, Any]] = []
    england = load_json(data / ENGLAND_LAD_FILE)
    for f in england["features"]:
        districts.append(
            {
                "name": f["properties"]["name"],
                "code": None,
                "country": "england",
                "vintage": "2024-05",
                "geometry": repair(shape(f["geometry"])),
            }
        )
    for props, geometry in topo_features(load_json(data / WALES_LAD_FILE), "lad"):
        code = props["LAD13CD"]
        assert code.startswith("W06"), f"not a Welsh district code: {code}"
        districts.append(
            {
                "name": props["LAD13NM"],
                "code": code,
                "country": "wales",
                "vintage": "2013",
                "geometry": repair(geometry),
            }
        )
    counts = {c: sum(d["country"] == c for d in districts) for c in ("england", "wales")}
    assert counts == {"england": EXPECTED_ENGLAND_DISTRICTS, "wales": EXPECTED_WALES_DISTRICTS}, (
        counts
    )
    return districts


def force_area_of(district: BaseGeometry, areas: list[tuple[str, str, BaseGeometry]]) -> str:
    """Code of the force area holding the district's representative point.

    Falls back to the largest intersection, then (for a sliver that touches
    no force polygon at all) to the nearest force area.
    """
    point = district.representative_point()
    for code, _, area in areas:
        if area.covers(point):
            return code
    overlaps = [(district.intersection(area).area, code) for code, _, area in areas]
    best_area, best_code = max(overlaps)
    if best_area > 0:
        return best_code
    return min((district.distance(area), code) for code, _, area in areas)[1]


# --- attribution ------------------------------------------------------------


def attribution(tolerance: float) -> str:
    """Text of ATTRIBUTION.md."""
    return f"""# Boundary data: sources and attribution

These files are derived from public boundary data; keep the lines below
wherever they, or maps and results made from them, are shown or published.

## Attribution lines

Police force areas (`police_force_areas.geojson`):

> Source: Office for National Statistics licensed under the Open Government
> Licence v3.0. Contains OS data © Crown copyright and database right 2020.

England districts (`local_authority_districts.geojson`, `vintage` "2024-05"):

> Source: Office for National Statistics licensed under the Open Government
> Licence v3.0. Contains OS data © Crown copyright and database right 2024.

> Reduced to England and to district names by the A/B Street project
> (https://github.com/a-b-street/ltn, `data_prep/england/boundaries.geojson`).

Wales districts (`local_authority_districts.geojson`, `vintage` "2013"):

> Source: Office for National Statistics licensed under the Open Government
> Licence v3.0. Contains OS data © Crown copyright and database right 2013.

> GeoJSON and TopoJSON UK Boundary Data by Martin Chorley is licensed under a
> Creative Commons Attribution 4.0 International License.
> https://github.com/martinjc/UK-GeoJSON

Martin Chorley's repository carries two Crown copyright notices, both kept
here as it requires:

> Contains Ordnance Survey, Office of National Statistics, National Records
> Scotland and LPS Intellectual Property data © Crown copyright and database
> right [2016]. Data licensed under the terms of the Open Government Licence
> (http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3).
> Ordnance Survey data covered by OS OpenData Licence. Any further
> sub-licences must retain this attribution.

> Contains Ordnance Survey data © Crown copyright and database right [2014].
> Ordnance Survey data covered by OS OpenData Licence. Any further
> sub-licences must retain this attribution.

Open Government Licence v3.0:
https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/

## What each file was derived from, and how

`police_force_areas.geojson` — 43 police force areas of England and Wales,
ONS Police Force Areas (December 2020), a heavily generalised cut, from
`police-force-areas-ons-2020/police_force_areas.geojson` (GitHub
gutofthequantifier/gutofthequantifier.github.io @ 1e86378f). Properties:
`code` = PFA20CD, `name` = PFA20NM.

`local_authority_districts.geojson` — 296 England districts from ONS Local
Authority Districts (May 2024) Boundaries UK BUC as reduced by A/B Street
(`uk-local-authority-districts/england_lad_may2024_buc_names_only.geojson`,
a-b-street/ltn @ 72f99f14; names only, so `code` is null), and 22 Wales
districts from ONS Local Authority Districts 2013 as converted to TopoJSON by
Martin Chorley (`uk-local-authority-districts/wal_topo_lad13.json`,
martinjc/UK-GeoJSON @ 773c8063; `code` = LAD13CD, `name` = LAD13NM).
`force_area` is the PFA20CD of the force area containing the district's
representative point, computed on the unsimplified geometries (largest
overlap where the point falls outside every force area).

Processing, by `scripts/build_boundaries.py`: TopoJSON decoded (quantised,
delta-encoded arcs); each geometry simplified with shapely
`simplify({tolerance}, preserve_topology=True)` (tolerance in degrees),
snapped to a 0.00001° grid and written with 5 decimals, repaired with
`make_valid` where needed, oriented counter-clockwise. Shared edges are
simplified separately on each side, so neighbouring polygons can show small
gaps or overlaps. These are generalised boundaries for maps, not for exact
point-in-polygon assignment near edges.
"""


# --- main -------------------------------------------------------------------


def build(data: Path, out: Path, tolerance: float) -> None:
    """Read the sources under ``data`` and write the outputs into ``out``."""
    areas = read_force_areas(data)
    districts = read_districts(data)

    ids = [slugify(d["name"]) for d in districts]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert not duplicates, f"district id slugs not unique: {duplicates}"

    fallbacks: list[str] = []
    for district, slug in zip(districts, ids, strict=True):
        district["id"] = slug
        district["force_area"] = force_area_of(district["geometry"], areas)
        point = district["geometry"].representative_point()
        if not any(area.covers(point) for _, _, area in areas):
            fallbacks.append(slug)
    codes = {a[0] for a in areas}
    assert all(d["force_area"] in codes for d in districts)

    out.mkdir(parents=True, exist_ok=True)
    pfa_bytes = write_collection(
        out / "police_force_areas.geojson",
        (
            feature({"code": code, "name": name}, simplify(geometry, tolerance, code))
            for code, name, geometry in areas
        ),
    )
    districts.sort(key=lambda d: (d["country"], d["name"]))
    lad_bytes = write_collection(
        out / "local_authority_districts.geojson",
        (
            feature(
                {
                    "id": d["id"],
                    "code": d["code"],
                    "name": d["name"],
                    "country": d["country"],
                    "force_area": d["force_area"],
                    "vintage": d["vintage"],
                },
                simplify(d["geometry"], tolerance, d["id"]),
            )
            for d in districts
        ),
    )
    (out / "ATTRIBUTION.md").write_text(attribution(tolerance), encoding="utf-8")

    check_outputs(out)
    england = sum(d["country"] == "england" for d in districts)
    print(f"force areas: {len(areas)} -> police_force_areas.geojson ({pfa_bytes:,} bytes)")
    print(
        f"districts: {england} England + {len(districts) - england} Wales"
        f" -> local_authority_districts.geojson ({lad_bytes:,} bytes)"
    )
    print(f"tolerance {tolerance}; total {pfa_bytes + lad_bytes:,} bytes")
    if fallbacks:
        print("force area by largest overlap (point outside every area): " + ", ".join(fallbacks))


def check_outputs(out: Path) -> None:
    """Re-read the written files: every geometry valid and non-empty."""
    for name in ("police_force_areas.geojson", "local_authority_districts.geojson"):
        for f in load_json(out / name)["features"]:
            geometry = shape(f["geometry"])
            label = f"{name}: {f['properties']}"
            assert not geometry.is_empty, f"empty geometry in {label}"
            assert geometry.is_valid, f"invalid geometry in {label}"


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA,
        help="directory holding the shared data sets (default: ../shared/data)",
    )
    parser.add_argument(
        "--out", type=Path, default=OUT_DIR, help="output directory (default: %(default)s)"
    )
    parser.add_argument(
        "--tolerance",
        type=float,
        default=DEFAULT_TOLERANCE,
        help="simplification tolerance in degrees (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    missing = [str(args.data / f) for f in (PFA_FILE, ENGLAND_LAD_FILE, WALES_LAD_FILE)]
    missing = [m for m in missing if not Path(m).is_file()]
    if missing:
        parser.error("source file(s) not found: " + ", ".join(missing))
    build(args.data, args.out, args.tolerance)
    return 0


if __name__ == "__main__":
    sys.exit(main())
