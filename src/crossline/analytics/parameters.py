"""The parameters of line analysis: values with their reasons, from a YAML file.

The shipped file (``analytics/data/parameters.yaml``) gives every default and
why; a deployment may pass its own file, which overrides the keys it names.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator

from crossline.core.catalogue import load_catalogue
from crossline.core.errors import InvalidInput

SHIPPED = Path(__file__).parent / "data" / "parameters.yaml"
SIGNALS = (
    "broadcasts",
    "customer_base",
    "one_way",
    "short_calls",
    "texts_in",
    "night",
    "market_area",
)


class Parameters(BaseModel, frozen=True):
    time_zone: str
    broadcast_window_s: int = Field(gt=0)
    broadcast_min_recipients: int = Field(ge=2)
    customer_min_days: int = Field(ge=1)
    min_customers: int = Field(ge=1)
    one_way_share: float = Field(ge=0, le=1)
    short_call_s: int = Field(gt=0)
    short_call_share: float = Field(ge=0, le=1)
    texts_in_share: float = Field(ge=0, le=1)
    night_from_hour: int = Field(ge=0, le=23)
    night_to_hour: int = Field(ge=0, le=23)
    night_share: float = Field(ge=0, le=1)
    area_share: float = Field(ge=0, le=1)
    weights: dict[str, float]
    threshold: float = Field(gt=0, le=1)
    broadcast_days_full: int = Field(ge=1)
    successor_min_overlap: float = Field(gt=0, le=1)
    successor_max_gap_days: int = Field(ge=0)
    successor_max_overlap_days: int = Field(ge=0)
    colocation_window_s: int = Field(gt=0)
    colocation_min_days: int = Field(ge=1)
    controller_min_days: int = Field(ge=1)
    base_min_share: float = Field(gt=0, le=1)
    journey_min_away_hours: float = Field(gt=0)
    journey_min_stay_hours: float = Field(ge=0)
    school_hours: tuple[float, float]
    school_weekdays: tuple[int, ...]
    school_holidays: tuple[tuple[date, date], ...] = ()  # (first day, last day), inclusive
    school_hours_share: float = Field(gt=0, le=1)
    travel_hours: tuple[float, float]
    child_min_school_hour_departures: int = Field(ge=1)
    incremental_lookback_days: int = Field(ge=1)

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("weights")
    @classmethod
    def _every_signal_weighed(cls, value: dict[str, float]) -> dict[str, float]:
        if set(value) != set(SIGNALS):
            raise ValueError(f"weights must name exactly the signals {', '.join(SIGNALS)}")
        if abs(sum(value.values()) - 1) > 1e-6 or min(value.values()) < 0:
            raise ValueError("weights must be at least 0 and add up to 1")
        return value

    def sql_values(self) -> dict[str, int | float]:
        """The numeric parameters the SQL steps use (numbers only: safe to write into SQL)."""
        return {
            name: value
            for name, value in self.model_dump().items()
            if isinstance(value, int | float) and not isinstance(value, bool)
        }


class Entry(BaseModel, frozen=True):
    id: str
    value: Any
    reason: str = Field(min_length=1)


def reasons(path: Path = SHIPPED) -> dict[str, dict[str, Any]]:
    """Each parameter's value and reason as the file gives them."""
    return {
        k: {"value": e.value, "reason": e.reason} for k, e in load_catalogue(path, Entry).items()
    }


def load_parameters(override: Path | None = None) -> Parameters:
    """The shipped parameters, with ``override``'s values in their place where it gives them."""
    values = {name: entry["value"] for name, entry in reasons().items()}
    if override is not None:
        try:
            given = yaml.safe_load(override.read_text("utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise InvalidInput(
                f"{override} cannot be read as YAML: {exc}", field="parameters"
            ) from exc
        if not isinstance(given, dict):
            raise InvalidInput(
                f"{override} must map parameter names to values.", field="parameters"
            )
        unknown = sorted(set(given) - set(values))
        if unknown:
            raise InvalidInput(
                f"{override} names parameters that do not exist: {', '.join(unknown)}.",
                field="parameters",
            )
        for name, entry in given.items():
            values[name] = entry["value"] if isinstance(entry, dict) and "value" in entry else entry
    try:
        return Parameters.model_validate(values)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise InvalidInput(
            f"The analysis parameters are not valid: {problems}.", field="parameters"
        ) from exc
