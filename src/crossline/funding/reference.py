"""The fund's rules, from data/eiyf.yaml (DOMAIN.md §EIYF). A bad file stops start-up."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, Field, ValidationError

from crossline.core.disclosure import Policy
from crossline.core.errors import CatalogueError

RULES_FILE = Path(__file__).parent / "data" / "eiyf.yaml"


class Criterion(BaseModel, frozen=True, extra="forbid"):
    id: str
    label: str
    weight: float = Field(gt=0)


class Scale(BaseModel, frozen=True, extra="forbid"):
    lowest: int
    highest: int


class FundRules(BaseModel, frozen=True, extra="forbid"):
    name: str
    budget: int = Field(gt=0)
    cap_per_bid: int = Field(gt=0)
    years: int = Field(ge=1)
    lead_bidder_kind: str
    assessor_role: str  # the role a panel member holds (auth/data/roles.yaml)
    target_age_under: int
    oldest_age: int
    match_funding_required: bool
    score_scale: Scale
    criteria: tuple[Criterion, ...] = Field(min_length=1)
    disclosure: Policy  # for the counts of referrals rolled up as a bid's outcomes


def load_rules(path: Path = RULES_FILE) -> FundRules:
    try:
        rules = FundRules.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise CatalogueError(f"{path.name}: {exc}") from exc
    ids = [c.id for c in rules.criteria]
    if len(ids) != len(set(ids)):
        raise CatalogueError(f"{path.name}: a criterion id is used twice")
    return rules


RULES = load_rules()
