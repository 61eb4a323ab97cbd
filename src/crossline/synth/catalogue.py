"""The simulator's shipped lists: places, names, presets and operator layouts."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel

from crossline.core.catalogue import load_catalogue, require_known
from crossline.core.errors import CatalogueError

DATA_DIR = Path(__file__).parent / "data"
FORCES_FILE = Path(__file__).parents[1] / "orgs" / "data" / "forces.yaml"


class PlaceKind(StrEnum):
    HUB = "hub"
    COUNTY = "county"


class Place(BaseModel, frozen=True):
    id: str
    name: str
    kind: PlaceKind
    force: str
    lat: float
    lon: float
    radius_km: float
    weight: float
    postcode_districts: tuple[str, ...]


class Preset(BaseModel, frozen=True):
    id: str
    description: str
    start: date
    days: int
    persons: int
    hubs: tuple[str, ...]
    counties: tuple[str, ...]
    lines: int
    cells_per_hub: int
    cells_per_county: int
    events_per_person_day: float
    taxi_firms: int
    schools: int
    gp_surgeries: int
    delivery_firms: int
    defect_rate: float
    file_days: int


Field = Literal["start", "a_number", "b_number", "kind", "duration", "imei", "a_cell", "b_cell"]


class Column(BaseModel, frozen=True):
    name: str
    field: Field
    format: str | None = None


class Layout(BaseModel, frozen=True):
    id: str
    label: str
    delimiter: str
    numbers: Literal["national", "international"]
    codes: dict[Literal["call", "sms"], str]
    columns: tuple[Column, ...]

    @property
    def header(self) -> str:
        return self.delimiter.join(column.name for column in self.columns)


class Names(BaseModel, frozen=True):
    male: tuple[str, ...]
    female: tuple[str, ...]
    surnames: tuple[str, ...]
    nicknames: dict[str, tuple[str, ...]]


def _load_places() -> dict[str, Place]:
    places = load_catalogue(DATA_DIR / "places.yaml", Place)
    forces = set(yaml.safe_load(FORCES_FILE.read_text("utf-8")))
    for place in places.values():
        require_known(DATA_DIR / "places.yaml", place.id, "force", place.force, forces)
    return places


def _load_presets(places: dict[str, Place]) -> dict[str, Preset]:
    presets = load_catalogue(DATA_DIR / "presets.yaml", Preset)
    for preset in presets.values():
        for place_id in (*preset.hubs, *preset.counties):
            require_known(DATA_DIR / "presets.yaml", preset.id, "places", place_id, set(places))
        if preset.lines < 1 or preset.days < 7:
            raise CatalogueError(f"presets.yaml, entry '{preset.id}': needs a line and a week")
    return presets


PLACES = _load_places()
PRESETS = _load_presets(PLACES)
LAYOUTS = load_catalogue(DATA_DIR / "layouts.yaml", Layout)
NAMES = Names.model_validate(yaml.safe_load((DATA_DIR / "names.yaml").read_text("utf-8")))
