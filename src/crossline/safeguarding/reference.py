"""Safeguarding's reference data: the exploitation indicators (DOMAIN.md
§INDICATORS), the time limits (§MISSING.rhi, §NRM.rg, §NRM.recovery, ...) and
the words records store. A bad file stops start-up.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from crossline.core.calendar import BANK_HOLIDAYS, uk_date, working_days_end
from crossline.core.errors import CatalogueError

DATA_DIR = Path(__file__).parent / "data"


class IndicatorSet(BaseModel, frozen=True, extra="forbid"):
    title: str
    subject: str  # person | address
    kind: str  # indicator | vulnerability_factor
    confidence: str
    sources: tuple[str, ...]


class Indicator(BaseModel, frozen=True, extra="forbid"):
    id: str
    set: str
    label: str
    category: str
    setting: str | None = None
    confidence: str | None = None
    sources: tuple[str, ...] | None = None


class Indicators(BaseModel, frozen=True, extra="forbid"):
    sets: dict[str, IndicatorSet]
    indicators: tuple[Indicator, ...]


class Term(BaseModel, frozen=True):
    label: str
    section: str | None = None
    closes: bool = False  # a triage decision that closes the concern


class Limit(BaseModel, frozen=True):
    source: str
    working_days: int | None = Field(default=None, ge=1)
    hours: int | None = Field(default=None, ge=1)
    days: int | None = Field(default=None, ge=0)
    episodes: int | None = Field(default=None, ge=1)
    days_before_eighteen: int | None = None
    force_areas: tuple[str, ...] = ()
    days_after_recovery: int | None = Field(default=None, ge=0)


class Dated(BaseModel, frozen=True):
    """A value that applies to decisions taken on or after ``from_``."""

    from_: date = Field(alias="from")
    days: int | None = None
    id: str | None = None
    label: str | None = None


class TimeLimits(BaseModel, frozen=True):
    jurisdiction: str
    triage: Limit
    return_home_interview: Limit
    missing_strategy_meeting: Limit
    nrm_reasonable_grounds: Limit
    nrm_devolved_pilot: Limit
    nrm_recovery: tuple[Dated, ...]
    nrm_thresholds: tuple[Dated, ...]
    nrm_conclusive_grounds: Limit
    custody_support_plan_review: Limit
    ace_screening_review: Limit


def _read(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogueError(f"{path.name}: cannot be read as YAML ({exc})") from exc


def _model(path: Path, model: Any, raw: Any) -> Any:
    try:
        return TypeAdapter(model).validate_python(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise CatalogueError(f"{path.name}: '{where}' {first['msg'].lower()}") from exc


def load_indicators(path: Path) -> Indicators:
    indicators: Indicators = _model(path, Indicators, _read(path))
    ids = [i.id for i in indicators.indicators]
    if len(ids) != len(set(ids)):
        raise CatalogueError(f"{path.name}: an indicator id is used twice")
    for item in indicators.indicators:
        if item.set not in indicators.sets:
            raise CatalogueError(f"{path.name}, indicator '{item.id}': unknown set '{item.set}'")
    return indicators


def load_vocabulary(path: Path) -> dict[str, dict[str, Term]]:
    raw = _read(path)
    if not isinstance(raw, dict):
        raise CatalogueError(f"{path.name}: must be a mapping from list to terms")
    return {name: _model(path, dict[str, Term], terms) for name, terms in raw.items()}


def load_time_limits(path: Path) -> TimeLimits:
    limits: TimeLimits = _model(path, TimeLimits, _read(path))
    if limits.jurisdiction not in BANK_HOLIDAYS:
        raise CatalogueError(f"{path.name}: 'jurisdiction' must be one of {sorted(BANK_HOLIDAYS)}")
    return limits


INDICATORS = load_indicators(DATA_DIR / "indicators.yaml")
INDICATOR = {i.id: i for i in INDICATORS.indicators}
# What a screening asks about a person: indicators and vulnerability factors, not addresses.
SCREENING_ITEMS = tuple(
    i for i in INDICATORS.indicators if INDICATORS.sets[i.set].subject == "person"
)
VOCABULARY = load_vocabulary(DATA_DIR / "vocabulary.yaml")
LIMITS = load_time_limits(DATA_DIR / "time_limits.yaml")

_NEEDED = {
    "concern_sources",
    "triage_decisions",
    "missing_risk",
    "rhi_outcomes",
    "nrm_consent",
    "nrm_rg_decisions",
    "nrm_cg_decisions",
    "referral_outcomes",
    "aces",
    "partnership_activities",
}
if missing := _NEEDED - set(VOCABULARY):
    raise CatalogueError(f"vocabulary.yaml: lists missing: {', '.join(sorted(missing))}")


def label(vocabulary: str, term: str | None) -> str:
    """The label of ``term`` in a vocabulary, or the term itself if it is not there."""
    if term is None:
        return ""
    entry = VOCABULARY[vocabulary].get(term)
    return entry.label if entry else term


def is_indicator(item_id: str) -> bool:
    """True for a sign of exploitation, False for a vulnerability factor."""
    return INDICATORS.sets[INDICATOR[item_id].set].kind == "indicator"


def working_days_after(start: datetime, working_days: int, *, field: str) -> datetime:
    """The end of the ``working_days``-th working day after ``start`` (a UK date)."""
    return working_days_end(LIMITS.jurisdiction, uk_date(start), working_days, field=field)


def triage_due(raised_at: datetime) -> datetime:
    """When a concern raised at ``raised_at`` must have been triaged (time_limits.yaml)."""
    assert LIMITS.triage.working_days is not None
    return working_days_after(raised_at, LIMITS.triage.working_days, field="raised_at")


def rhi_due(found_at: datetime) -> datetime:
    """DOMAIN.md §MISSING.rhi: a return-home interview within 72 hours of return."""
    assert LIMITS.return_home_interview.hours is not None
    return found_at + timedelta(hours=LIMITS.return_home_interview.hours)


def dated(values: tuple[Dated, ...], on: date) -> Dated:
    """The entry of ``values`` that applies on ``on``: the latest that started by then."""
    applying = [v for v in values if v.from_ <= on]
    return max(applying, key=lambda v: v.from_)
