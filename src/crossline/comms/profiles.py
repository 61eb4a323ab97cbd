"""Import profiles: how one operator's layout maps onto Crossline's event schema.

A profile is a data file (YAML), never code: the shipped ones are in
``comms/data/profiles``, and a deployment adds its own as ``*.yaml`` files in
``<data_dir>/profiles``. The profile of a file is found from its header when
exactly one profile's header matches.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, model_validator

from crossline.core.catalogue import load_catalogue
from crossline.core.errors import CatalogueError, InvalidInput

SHIPPED = Path(__file__).parent / "data" / "profiles"


class EventType(StrEnum):
    CALL = "call"
    SMS = "sms"
    DATA = "data"


class TimeSpec(BaseModel, frozen=True):
    columns: tuple[str, ...]  # joined in order before parsing (date and time columns)
    format: str  # strptime; ending "%z" when each time carries its own offset
    zone: str  # an IANA zone the times are local to, or "offset"

    @model_validator(mode="after")
    def _zone_is_known(self) -> TimeSpec:
        if self.zone == "offset":
            if not self.format.endswith("%z") or self.format.count("%z") > 1:
                raise ValueError("a zone of 'offset' needs a format ending with %z")
            return self
        try:
            ZoneInfo(self.zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {self.zone!r}") from exc
        return self


class Fields(BaseModel, frozen=True):
    a_number: str
    b_number: str
    event_type: str
    duration: str
    a_imei: str | None = None
    a_cell: str | None = None
    b_cell: str | None = None
    direction: str | None = None  # when records are of a target, in and out


class Profile(BaseModel, frozen=True):
    id: str
    label: str
    kind: Literal["events", "cells"]
    delimiter: str
    header: tuple[str, ...]
    time: TimeSpec | None = None
    fields: Fields | None = None
    event_types: dict[str, EventType] = {}
    directions: dict[str, Literal["outgoing", "incoming"]] = {}
    duration_unit: Literal["seconds", "hms", "minutes"] = "seconds"

    @model_validator(mode="after")
    def _columns_exist(self) -> Profile:
        if self.kind == "cells":
            if set(self.header) < {"cell_id", "lat", "lon"}:
                raise ValueError("a cells profile needs cell_id, lat and lon")
            return self
        if self.time is None or self.fields is None or not self.event_types:
            raise ValueError("an events profile needs time, fields and event_types")
        named = [*self.time.columns, *(v for v in self.fields.model_dump().values() if v)]
        missing = [c for c in named if c not in self.header]
        if missing:
            raise ValueError(f"columns {missing} are not in the header")
        if self.fields.direction and not self.directions:
            raise ValueError("a direction column needs its codes in 'directions'")
        return self


def load_profiles(extra: Path | None = None) -> dict[str, Profile]:
    """The shipped profiles, and a deployment's own from ``extra`` (a folder) if given."""
    profiles: dict[str, Profile] = {}
    folders = [SHIPPED, *([extra] if extra and extra.is_dir() else [])]
    for folder in folders:
        for path in sorted(folder.glob("*.yaml")):
            for key, profile in load_catalogue(path, Profile).items():
                if key in profiles:
                    raise CatalogueError(
                        f"{path.name}, entry '{key}': a profile of that id exists already"
                    )
                profiles[key] = profile
    return profiles


def detect(header: list[str], profiles: dict[str, Profile]) -> Profile:
    """The one profile whose header is exactly ``header``; InvalidInput otherwise."""
    cleaned = [h.strip() for h in header]
    matches = [p for p in profiles.values() if list(p.header) == cleaned]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise InvalidInput(
            f"The header matches several profiles ({', '.join(p.id for p in matches)}). "
            "Choose one with --profile.",
            field="profile",
        )
    known = "; ".join(f"{p.id}: {', '.join(p.header)}" for p in profiles.values())
    raise InvalidInput(
        f"The header ({', '.join(cleaned)}) matches no import profile. Known layouts are "
        f"{known}. Convert the file to the generic layout, or add a profile.",
        field="profile",
    )
